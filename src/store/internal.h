/*
 * Internals shared by the store's files (conn.c and the per-feature files beside it).
 * Nothing outside src/store includes this. The database is reached only through the
 * driver table (db.h).
 */
#ifndef CIVDESK_STORE_INTERNAL_H
#define CIVDESK_STORE_INTERNAL_H

#include "store/store.h"

#include <pthread.h>

#include "store/db.h"

#define STMT_CACHE      64
#define BUSY_TIMEOUT_MS 10000

/* The hash the first audit entry chains from, and the head's last_hash while the trail is
 * empty (migration 0004 writes the same). */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct stmt_slot {
    char *sql; /* owned */
    struct db_stmt *st;
};

struct store_conn {
    struct db_conn *db; /* owned; NULL when closed */
    struct stmt_slot cache[STMT_CACHE];
    unsigned next_evict;
    struct store *store;
    struct ledger_cache *ledger; /* bodies rows (src/store/ledger.c); owned, NULL until used */
    int read_depth;              /* store_read_begin calls not yet ended (nested ones join) */
    /* Records whose search entries wait for the end of the write transaction
     * (src/store/search_index.c); owned, NULL when none. */
    struct search_bulk *search_bulk;
    /* PostgreSQL: civdesk's tokenizer for this connection (src/store/search_query.c);
     * owned, NULL until used. On SQLite the FTS5 registration holds it. */
    struct search_tokenizer *tokenizer;
};

/* SQL text for one resource, built once from its declaration. */
struct res_sql {
    char *select_cols; /* "id,version,created_at,updated_at,f1,..." */
    char *get;         /* SELECT ... WHERE id=? */
    char *insert;
    char *update;
};

struct store {
    char *path;  /* owned: the target (a file, a libpq connection string) */
    char *shown; /* owned: path without its password, for messages */
    pthread_mutex_t writer_lock;
    struct store_conn writer;
    pthread_key_t reader_key;
    pthread_mutex_t readers_lock; /* guards the readers list */
    struct store_conn **readers;  /* every reader opened, for store_close */
    size_t nreaders;
    struct res_sql *sql;         /* one per resource_all[] entry */
    _Atomic long writer_waiting; /* threads queued for the writer, for /metrics */
    /* Opened leaving an out-of-date search index as it was (src/store/search_index.c):
     * its upkeep is skipped and searches are refused until it is rebuilt. */
    bool search_stale;
};

struct store_tx {
    struct store *store;
    struct store_conn *conn;
};

/* A cached prepared statement for sql (borrowed; the connection owns it); NULL and
 * logged on error. Call store_done() after use: it resets and clears bindings. */
struct db_stmt *store_prep(struct store_conn *c, const char *sql);
void store_done(struct db_stmt *st);
/* The value of a result column as stored: text copied into a, or borrowed (a NULL). */
void store_column_value(struct db_stmt *st, int col, struct arena *a, struct value *v);
/* The index of res in resource_all[] (a registered resource; BUG otherwise). */
size_t store_res_index(const struct resource *res);
/* Builds the SQL texts of one resource from its declaration (src/store/records.c). */
void store_res_sql_build(const struct resource *r, struct res_sql *out);
/* Binds a field's value (null, integer, real or text, copied) to parameter col. */
void store_bind_value(struct db_stmt *st, int col, const struct field *f, const struct value *v);
/* Copies column text into dst (cap bytes with the NUL; truncated), "" for NULL. */
void store_copy_text(char *dst, size_t cap, struct db_stmt *st, int col);
/* The row at the statement's cursor as a record of res, columns in select_cols order. */
struct record *store_row_record(struct db_stmt *st, const struct resource *res, struct arena *a);
/* The SQL of a list condition (P_COND) with one '?' and the value to bind to it, or NULL
 * if there is no such condition (src/store/ledger.c). */
const char *store_cond_sql(const char *name, struct value *bound, struct arena *a);
/* Frees the connection's cached bodies rows (src/store/ledger.c); NULL is fine. */
void store_ledger_cache_free(struct store_conn *c);
/* The current time as RFC 3339 UTC. */
void store_now_text(char out[21]);

/* Creates an empty file at path, readable and writable by its owner only (0600, whatever
 * the umask), when nothing is there yet, so that SQLite opens a private file — and gives
 * its -wal, -shm and journal files the same mode. An existing file is left as it is.
 * 0, or -1 with err set. */
int store_create_private(const char *path, struct error *err);
/* Column text or NULL. */
const char *store_col_text(struct db_stmt *st, int col);

#endif
