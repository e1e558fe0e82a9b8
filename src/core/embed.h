/* Files embedded in the binary at build time by tools/embed.c (migrations, web assets). */
#ifndef CIVDESK_EMBED_H
#define CIVDESK_EMBED_H
#include <stddef.h>

struct embed_file {
    const char *name;          /* path relative to the embedded directory */
    const unsigned char *data; /* NUL-terminated for convenience; len excludes it */
    size_t len;
};

extern const struct embed_file embed_migrations[];
extern const size_t embed_migrations_count;
extern const struct embed_file embed_migrations_pgsql[]; /* migrations/pgsql: the same numbers */
extern const size_t embed_migrations_pgsql_count;
extern const struct embed_file embed_web[]; /* web/: the UI */
extern const size_t embed_web_count;

#endif
