/*
 * civdesk check: the database's own integrity (PRAGMA integrity_check, foreign keys) and
 * the audit trail's (every entry's hash over the one before it, and the head that
 * records how many were written). Exit 0 when both hold; 1 with one line naming the
 * first fault otherwise. Safe while the server runs (a read transaction).
 */
#include "cli/commands.h"
#include "store/access.h"

#include <stdio.h>

int cmd_check(struct opts *o)
{
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_KEEP_INDEX, &s))
        return EXIT_USER;
    struct store_conn *c = store_reader(s);
    struct error err = ERROR_INIT;
    int rc = store_integrity(c, &err);
    if (rc < 0) {
        store_close(s);
        return user_error("%s: %s", o->db, err.msg);
    }
    struct audit_report rep;
    rc = store_audit_check(c, &rep, &err);
    store_close(s);
    if (rc == STORE_CONFLICT)
        return user_error("%s: the audit trail was tampered with: %s (%lld entries before it "
                          "verify)",
                          o->db, err.msg, (long long)rep.checked);
    if (rc < 0)
        return user_error("%s: %s", o->db, err.msg);
    printf("civdesk: %s is intact: database integrity ok; audit trail of %lld entries "
           "verifies, head entry %lld %s\n",
           o->db, (long long)rep.checked, (long long)rep.head_id, rep.head_hash);
    return 0;
}
