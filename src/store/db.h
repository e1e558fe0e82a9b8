/*
 * The database driver table: what src/store needs of a database engine, behind one set
 * of functions, as Dovecot's lib-sql has for its sqlite and pgsql drivers. Every file of
 * src/store speaks to the engine only through these db_* calls; only the driver files
 * (db_sqlite.c, and the SQLite-only search_fts5.c) include an engine's header.
 *
 * The shape follows SQLite's API, which the store was written against: a statement is
 * prepared once per connection (store_prep caches it), values are bound by 1-based index,
 * db_step returns DB_ROW for each row and DB_DONE at the end (DB_FAIL on error, with
 * db_error_text), columns are read by 0-based index and are valid until the next step or
 * reset, and db_reset makes the statement ready again with its bindings cleared.
 *
 * Converting code that still calls sqlite3_* (see docs/architecture.md, "Store drivers"):
 * sqlite3_stmt → struct db_stmt; sqlite3_bind_X(st, i, …, SQLITE_STATIC) → db_bind_X(st,
 * i, …) (SQLITE_TRANSIENT → db_bind_text_copy); sqlite3_step → db_step, SQLITE_ROW/DONE →
 * DB_ROW/DONE; sqlite3_column_X → db_column_X; sqlite3_errmsg(c->db) → db_error_text(c->db);
 * sqlite3_prepare_v2 + finalize (uncached) → db_prepare + db_finalize; sqlite3_exec →
 * db_exec; sqlite3_get_autocommit(db) → !db_in_transaction(db).
 */
#ifndef CIVDESK_STORE_DB_H
#define CIVDESK_STORE_DB_H

#include "core/core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DB_FAIL = -1, /* db_step: an error; db_error_text says which */
    DB_ROW = 100, /* db_step: a row is ready */
    DB_DONE = 101 /* db_step: the statement has finished */
};

/* What a column holds in the current row. */
enum db_type { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };

/* What kind of failure the last error of a connection was, for the codes above it. */
enum db_fault {
    DB_FAULT_OTHER,
    DB_FAULT_UNIQUE,      /* a UNIQUE or PRIMARY KEY constraint */
    DB_FAULT_FOREIGN_KEY, /* a FOREIGN KEY constraint */
};

/* Which SQL dialect a driver speaks, for the few texts that differ. */
enum db_dialect { DB_SQLITE, DB_PGSQL };

/* How to open (db_open). */
enum db_open_flags {
    DB_OPEN_READONLY = 1, /* a reader: no writes, no checkpoints */
    DB_OPEN_CREATE = 2,   /* create the database if it is missing */
    DB_OPEN_LATER = 4,    /* a server's database unreachable now: the connection is
                           * made anyway and connects at its next transaction (pgsql) */
};

struct db_driver;

/* A connection and a statement: each driver's own struct begins with one of these. */
struct db_conn {
    const struct db_driver *drv;
};
struct db_stmt {
    const struct db_driver *drv;
    struct db_conn *conn;
};

struct db_driver {
    const char *name; /* "sqlite", "pgsql" */
    enum db_dialect dialect;
    /* Opens target (a path, a URI). 0, or negative with err set and *out NULL. */
    int (*open)(const char *target, unsigned flags, struct db_conn **out, struct error *err);
    void (*close)(struct db_conn *c); /* NULL is fine; finalizes nothing of the caller's */
    /* Runs one or more statements without results. 0 or negative with err (may be NULL). */
    int (*exec)(struct db_conn *c, const char *sql, struct error *err);
    /* A new statement (persistent: kept long, e.g. in a cache), or NULL (db_error_text). */
    struct db_stmt *(*prepare)(struct db_conn *c, const char *sql, bool persistent);
    void (*finalize)(struct db_stmt *st);
    void (*bind_null)(struct db_stmt *st, int i);
    void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
    void (*bind_double)(struct db_stmt *st, int i, double v);
    /* n < 0: up to the NUL. copy false: p stays valid until the statement is reset. */
    void (*bind_text)(struct db_stmt *st, int i, const char *p, int n, bool copy);
    void (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n, bool copy);
    int (*step)(struct db_stmt *st);
    enum db_type (*column_type)(struct db_stmt *st, int col);
    const char *(*column_text)(struct db_stmt *st, int col); /* NULL for NULL */
    int (*column_bytes)(struct db_stmt *st, int col);
    int64_t (*column_int64)(struct db_stmt *st, int col);
    double (*column_double)(struct db_stmt *st, int col);
    const void *(*column_blob)(struct db_stmt *st, int col);
    void (*reset)(struct db_stmt *st);            /* ready to run again, bindings cleared */
    int64_t (*changes)(struct db_conn *c);        /* rows changed by the last statement */
    int64_t (*total_changes)(struct db_conn *c);  /* rows changed by this connection */
    int64_t (*last_insert_id)(struct db_conn *c); /* id of the last row inserted */
    bool (*in_transaction)(struct db_conn *c);
    int (*begin)(struct db_conn *c, bool write); /* 0 or negative (db_error_text) */
    int (*commit)(struct db_conn *c);
    int (*rollback)(struct db_conn *c);
    const char *(*error_text)(struct db_conn *c); /* the last error; borrowed */
    enum db_fault (*fault)(struct db_conn *c);    /* the kind of the last error */
    /* The columns a failed UNIQUE constraint names, "a, b" (without "table."), into out. */
    void (*fault_columns)(struct db_conn *c, const char *table, struct buf *out);
    /* Helper threads for sorts (index builds); returns the previous number (n < 0: ask). */
    int (*sort_threads)(struct db_conn *c, int n);
    /* An online, consistent copy of target into the file dest. 0 or negative with err. */
    int (*backup)(const char *target, const char *dest, struct error *err);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pgsql_driver;

/* The driver that serves target: PostgreSQL for a libpq URI (postgresql://…,
 * postgres://…) or key/value string (host=… dbname=…), SQLite for anything else (a path).
 * Never NULL. */
const struct db_driver *db_driver_for(const char *target);

/* target fit to be shown in messages and logs: a password in it replaced by "***".
 * The caller owns the result (free). */
char *db_target_shown(const char *target);

/* ---- dialect hooks: the few SQL texts that differ ------------------------------------- */

/* The rows of a JSON array column as a table with one column `value` (text on
 * PostgreSQL), for "EXISTS(SELECT 1 FROM <this> WHERE value=?)": a printf format taking
 * the column's name once. */
const char *db_sql_json_each(const struct db_conn *c);
/* The operator of a case-insensitive LIKE: SQLite's LIKE folds ASCII case, PostgreSQL's
 * ILIKE folds every script's. */
const char *db_sql_ilike(const struct db_conn *c);

/* ---- calls through a connection's or statement's driver ------------------------------ */

int db_open(const char *target, unsigned flags, struct db_conn **out, struct error *err);
void db_close(struct db_conn *c);
int db_exec(struct db_conn *c, const char *sql, struct error *err);
/* An uncached statement, finalized by the caller (db_finalize; NULL is fine there). */
struct db_stmt *db_prepare(struct db_conn *c, const char *sql);
struct db_stmt *db_prepare_persistent(struct db_conn *c, const char *sql);
void db_finalize(struct db_stmt *st);

void db_bind_null(struct db_stmt *st, int i);
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_double(struct db_stmt *st, int i, double v);
/* Borrows p until the statement is reset (n < 0: up to the NUL). */
void db_bind_text(struct db_stmt *st, int i, const char *p, int n);
/* Copies p. */
void db_bind_text_copy(struct db_stmt *st, int i, const char *p, int n);
/* Borrows p until the statement is reset. */
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);

int db_step(struct db_stmt *st);
enum db_type db_column_type(struct db_stmt *st, int col);
const char *db_column_text(struct db_stmt *st, int col);
int db_column_bytes(struct db_stmt *st, int col);
int64_t db_column_int64(struct db_stmt *st, int col);
int db_column_int(struct db_stmt *st, int col);
double db_column_double(struct db_stmt *st, int col);
const void *db_column_blob(struct db_stmt *st, int col);
void db_reset(struct db_stmt *st);

int64_t db_changes(struct db_conn *c);
int64_t db_total_changes(struct db_conn *c);
int64_t db_last_insert_id(struct db_conn *c);
bool db_in_transaction(struct db_conn *c);
int db_begin(struct db_conn *c, bool write);
int db_commit(struct db_conn *c);
int db_rollback(struct db_conn *c);
const char *db_error_text(struct db_conn *c);
enum db_fault db_fault(struct db_conn *c);
void db_fault_columns(struct db_conn *c, const char *table, struct buf *out);
int db_sort_threads(struct db_conn *c, int n);
enum db_dialect db_dialect(const struct db_conn *c);

#endif
