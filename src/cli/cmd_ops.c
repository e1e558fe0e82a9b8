/* Operations commands: backup. */
#include "cli/commands.h"

#include <stdio.h>
#include <sys/stat.h>

int cmd_backup(struct opts *o)
{
    const char *dest = o->args[0];
    struct stat st;
    if (!store_is_server(o->db) && stat(o->db, &st) != 0)
        return user_error("no database at %s", o->db);
    /* Make sure it is a civdesk database of a schema we know before copying it. */
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_KEEP_INDEX, &s))
        return EXIT_USER;
    store_close(s);
    struct error err = ERROR_INIT;
    if (store_backup(o->db, dest, &err) < 0)
        return user_error("%s", err.msg);
    printf("civdesk: backed up %s to %s\n", o->db, dest);
    return 0;
}
