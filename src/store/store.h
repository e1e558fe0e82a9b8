/*
 * store: the only place that knows SQL or SQLite. Everything above it speaks in
 * resources, records and return codes, so a PostgreSQL implementation can slot in behind
 * the same functions.
 *
 * Concurrency: one writer connection, serialised by a mutex, runs every write transaction
 * (and the WAL checkpoints); each thread that reads gets its own read-only connection.
 */
#ifndef CIVDESK_STORE_H
#define CIVDESK_STORE_H

#include "core/core.h"
#include "resource/resource.h"

/* Result codes (STORE_OK, STORE_NOT_FOUND, …): enum result in core/result.h. */

struct store;
struct store_conn;
struct store_tx;

/* Who is acting, for the audit trail. */
struct store_actor {
    int64_t user_id;   /* 0: the system (CLI, migrations) */
    int64_t org_id;    /* the actor's organisation, 0 if none */
    const char *label; /* e-mail or "cli"; borrowed */
};

enum store_open_mode {
    STORE_OPEN_INIT, /* create if missing and apply pending migrations */
    STORE_OPEN_USE,  /* must exist with exactly the schema this build knows */
    /* As USE; what differs is an out-of-date search index too large to rebuild in a
     * second or two (search_index_check, docs/search.md): USE refuses the database,
     * INIT leaves the index for later with a notice, SERVE rebuilds it (minutes, progress
     * in the log), KEEP_INDEX leaves it as it is (check, backup, reindex). */
    STORE_OPEN_SERVE,
    STORE_OPEN_KEEP_INDEX,
};

/* Whether db names a database server (a PostgreSQL URI or key/value connection string)
 * rather than a SQLite file. */
bool store_is_server(const char *db);

/* Opens the database. On failure returns negative with a one-line message in err. */
int store_open(struct store **out, const char *path, enum store_open_mode mode, struct error *err);
void store_close(struct store *s); /* NULL is fine */
int store_schema_version(struct store *s);
const char *store_path(const struct store *s);    /* borrowed */
long store_writer_waiting(const struct store *s); /* threads queued for the writer now */
int store_schema_latest(void);

/* ---- reading ------------------------------------------------------------------------ */

/* The calling thread's read-only connection (opened on first use, closed at thread exit
 * or store_close). Borrowed. */
struct store_conn *store_reader(struct store *s);
/* A read-only connection of the caller's own, tied to no thread, for a read that spans
 * several calls (a streamed export answered piece by piece). One thread at a time may use
 * it. The caller owns it and closes it with store_reader_close, which ends a read still
 * open; NULL is fine there. */
int store_reader_open(struct store *s, struct store_conn **out, struct error *err);
void store_reader_close(struct store_conn *c);
int store_read_begin(struct store_conn *c);
void store_read_end(struct store_conn *c);
/* Whether c is inside a transaction (a read begun and not ended, or the writer's): what
 * functions documented "inside the caller's transaction" assert. */
bool store_in_transaction(const struct store_conn *c);

#define FILTER_ID (-1)     /* struct filter.field: id equals v.i */
#define FILTER_ID_SET (-2) /* struct filter.field: id is one of v.s, as value_id_set makes it */
struct filter {
    int field;      /* index into res->fields; FILTER_ID, FILTER_ID_SET */
    struct value v; /* validated value (equality; membership for list fields) */
};

/* A declared list parameter (res->params) with its validated value. */
struct param_filter {
    const struct list_param *p; /* borrowed from the declaration */
    struct value v;
};

struct list_query {
    struct filter filters[32];
    size_t nfilters;
    struct param_filter params[8];
    size_t nparams;
    int sort; /* field index, -1 for id */
    bool desc;
    struct str q;      /* substring over F_SEARCH fields; empty: none */
    struct str cursor; /* opaque, from a previous page; empty: first page */
    int limit;
    bool count;         /* also compute the total */
    int64_t scope_org;  /* >0: only records owned by this organisation */
    bool only_public;   /* only records whose public flag is set */
    bool or_public;     /* with scope_org: also records whose public flag is set */
    bool hide_internal; /* blank F_INTERNAL fields (the caller sees them through public_via) */
};

struct list_result {
    struct record **items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
    int64_t total;           /* when count was asked */
};

/* Reads one record. STORE_NOT_FOUND if absent. */
int store_get(struct store_conn *c, const struct resource *res, int64_t id, struct arena *a,
              struct record **out);
/* One page of a keyset-paginated list. STORE_CONFLICT: cursor not from this query. */
int store_list(struct store_conn *c, const struct resource *res, const struct list_query *q,
               struct arena *a, struct list_result *out, struct error *err);
/* Whether a record of `res` with this id exists. */
bool store_exists(struct store_conn *c, const struct resource *res, int64_t id);

/* ---- writing ------------------------------------------------------------------------ */

/* Takes the writer and begins an IMMEDIATE transaction. */
int store_write_begin(struct store *s, struct store_tx **out);
/* Commits (durably: synchronous=FULL) and releases the writer. */
int store_write_commit(struct store_tx *tx, struct error *err);
/* Rolls back and releases the writer. */
void store_write_rollback(struct store_tx *tx);
/* The transaction's connection, for reads inside it. */
struct store_conn *store_tx_conn(struct store_tx *tx);

/* Inserts rec; sets rec->id, version 1 and timestamps. */
int store_insert(struct store_tx *tx, struct record *rec, struct error *err);
/* Writes rec if the stored version equals rec->version; bumps version and updated_at. */
int store_update(struct store_tx *tx, struct record *rec, struct error *err);
/* Deletes if the stored version equals `version` (0: any). STORE_REFERENCED if still used. */
int store_delete(struct store_tx *tx, const struct resource *res, int64_t id, int64_t version,
                 struct error *err);

/* Appends an audit entry, chained to the previous one, in the same transaction. */
int store_audit(struct store_tx *tx, const struct store_actor *actor, const char *action,
                const char *resource, int64_t record_id, const char *before, const char *after);

/* Walks the chain; 0 if intact, else the id of the first bad entry in *bad_id and err. */
int store_audit_verify(struct store_conn *c, int64_t *checked, int64_t *bad_id, struct error *err);
/* PRAGMA integrity_check and foreign_key_check. */
int store_integrity(struct store_conn *c, struct error *err);

/* ---- state-machine history ---------------------------------------------------------- */

struct transition_entry {
    const char *from, *to, *actor, *at, *note; /* arena-owned; note may be NULL */
    int64_t actor_id;
};

int store_transition_insert(struct store_tx *tx, const char *resource, int64_t record_id,
                            const char *from, const char *to, const struct store_actor *actor,
                            const char *note);
/* The moves of one record, oldest first, into an arena array. */
int store_transition_list(struct store_conn *c, const char *resource, int64_t record_id,
                          struct arena *a, struct transition_entry **out, size_t *n);

/* ---- operations --------------------------------------------------------------------- */

/* A consistent copy of the database at src_path into dest_path (replaced atomically),
 * while other connections keep writing. */
int store_backup(const char *src_path, const char *dest_path, struct error *err);

/* ---- users and tokens --------------------------------------------------------------- */

struct user {
    int64_t id;
    const char *email, *name, *role; /* arena-owned */
    int64_t org_id;                  /* 0 if none */
    bool disabled;
    const char *password_hash; /* arena-owned; never leaves the server */
};

int store_user_insert(struct store_tx *tx, const struct user *u, int64_t *id, struct error *err);
int store_user_by_email(struct store_conn *c, const char *email, struct arena *a, struct user *out);
int store_user_by_id(struct store_conn *c, int64_t id, struct arena *a, struct user *out);
int store_user_set_disabled(struct store_tx *tx, int64_t id, bool disabled);
/* Calls fn for each user ordered by id. */
int store_user_each(struct store_conn *c, struct arena *a,
                    void (*fn)(void *arg, const struct user *u), void *arg);

/* The enabled user holding a token with this hash. */
int store_token_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                     struct user *out);
/* Removes every token and session of a user (on disable). */
int store_user_revoke_all(struct store_tx *tx, int64_t user_id);

/* ---- bulk reads --------------------------------------------------------------------- */

/*
 * Calls fn for every record of res in id order, for jobs that look at all of them at
 * once (an import's duplicate check). vals has res->nfields entries: those whose indexes
 * are listed in `fields` hold the stored value, the others are null; text in them is
 * valid during the call only. A non-zero return from fn stops the scan and is returned;
 * STORE_ERROR on a database failure. (src/store/bulk.c)
 */
int store_scan(struct store_conn *c, const struct resource *res, const int *fields, size_t nfields,
               int (*fn)(void *arg, int64_t id, const struct value *vals), void *arg);

/* Every record of res with an id above `after`, in id order, whole; the record and its
 * values are valid during the call only (src/store/bulk.c). Same returns as store_scan. */
int store_scan_records(struct store_conn *c, const struct resource *res, int64_t after,
                       int (*fn)(void *arg, const struct record *rec), void *arg);

/* Sets the page cache of the transaction's connection (as PRAGMA cache_size: negative
 * KiB, positive pages) and returns the previous setting: a bulk write (an import) keeps
 * its pages in memory until COMMIT writes each once, instead of spilling and re-reading
 * them. Set it back before committing. */
int64_t store_tx_cache_size(struct store_tx *tx, int64_t size);

/*
 * A bulk write of many records into a table (an import) is cheaper without the table's
 * secondary indexes, built again in one sorted pass at its end, than with every row
 * inserted into each of them at random. store_tx_drop_indexes drops res's non-unique
 * indexes inside tx (unique ones stay: they enforce constraints row by row) and hands
 * their definitions over in *out; store_tx_restore_indexes creates them again and frees
 * *out — before the commit. A rollback brings them back by itself (store_indexes_free).
 * While they are dropped, queries of tx on that table cannot use them: only for
 * resources whose hooks do not search their own table. (src/store/bulk.c)
 */
struct store_indexes;
int store_tx_drop_indexes(struct store_tx *tx, const struct resource *res,
                          struct store_indexes **out);
int store_tx_restore_indexes(struct store_tx *tx, struct store_indexes *ix);
void store_indexes_free(struct store_indexes *ix); /* NULL is fine */
/* The largest id of res's table (0 when empty), STORE_ERROR on failure. */
int64_t store_tx_max_id(struct store_tx *tx, const struct resource *res);

#endif
