/*
 * The SQLite driver of the driver table (db.h): a thin layer over SQLite's C API, plus
 * what only SQLite needs — WAL and synchronous=FULL on the writer, read-only readers
 * that never checkpoint (DESIGN §6: the WAL race of SQLite 3.40), the FTS5 tokenizer on
 * every connection, and online backups through SQLite's backup API.
 */
#define _GNU_SOURCE
#include "store/db_sqlite.h"
#include "store/internal.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sqlite_conn {
    struct db_conn base;
    sqlite3 *db;
    sqlite3_stmt *begin_read, *begin_write, *commit; /* prepared once, on first use */
};

struct sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *st;
};

static struct sqlite_conn *conn_of(struct db_conn *c)
{
    assert(c && c->drv == &db_sqlite_driver);
    return (struct sqlite_conn *)c;
}

static sqlite3_stmt *st_of(struct db_stmt *st)
{
    assert(st && st->drv == &db_sqlite_driver);
    return ((struct sqlite_stmt *)st)->st;
}

sqlite3 *db_sqlite_handle(struct db_conn *c)
{
    return conn_of(c)->db;
}

sqlite3_stmt *db_sqlite_stmt(struct db_stmt *st)
{
    return st_of(st);
}

static void lite_close(struct db_conn *c)
{
    if (!c)
        return;
    struct sqlite_conn *sc = conn_of(c);
    sqlite3_finalize(sc->begin_read);
    sqlite3_finalize(sc->begin_write);
    sqlite3_finalize(sc->commit);
    if (sc->db)
        sqlite3_close_v2(sc->db);
    free(sc);
}

static int lite_exec(struct db_conn *c, const char *sql, struct error *err)
{
    struct sqlite_conn *sc = conn_of(c);
    char *msg = NULL;
    if (sqlite3_exec(sc->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err)
            error_set(err, "%s", msg ? msg : sqlite3_errmsg(sc->db));
        sqlite3_free(msg);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static pthread_once_t lite_once = PTHREAD_ONCE_INIT;

/* No global memory statistics: to keep them SQLite takes its allocator mutex around
 * every allocation on every connection (a point read: 33 lock/unlock pairs), and nothing
 * here reads them. Possible only before SQLite initialises, i.e. at the first open. */
static void lite_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int lite_open(const char *target, unsigned flags, struct db_conn **out, struct error *err)
{
    *out = NULL;
    if (sqlite3_threadsafe() == 0)
        return error_set(err, "SQLite was built without thread support"), STORE_ERROR;
    pthread_once(&lite_once, lite_init);
    struct sqlite_conn *sc = calloc(1, sizeof(*sc));
    if (!sc)
        die("out of memory");
    sc->base.drv = &db_sqlite_driver;
    bool reader = flags & DB_OPEN_READONLY;
    int oflags =
        SQLITE_OPEN_NOMUTEX |
        (reader ? SQLITE_OPEN_READONLY
                : SQLITE_OPEN_READWRITE | (flags & DB_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0));
    if (sqlite3_open_v2(target, &sc->db, oflags, NULL) != SQLITE_OK) {
        error_set(err, "cannot open database %s: %s", target,
                  sc->db ? sqlite3_errmsg(sc->db) : "out of memory");
        lite_close(&sc->base);
        return STORE_ERROR;
    }
    sqlite3_extended_result_codes(sc->db, 1);
    sqlite3_busy_timeout(sc->db, BUSY_TIMEOUT_MS);
    if (search_fts5_register(sc->db) != SQLITE_OK) { /* the "civdesk" FTS5 tokenizer */
        error_set(err, "cannot register the search tokenizer");
        lite_close(&sc->base);
        return STORE_ERROR;
    }
    int rc;
    if (reader) {
        /* Only the writer checkpoints (DESIGN §6: SQLite 3.40's WAL race). */
        sqlite3_db_config(sc->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        /* A larger page cache than SQLite's 2 MB: a search reads its terms' doclists and
         * entries, a list its rows, again and again (search p50 -25% at 16 MiB). */
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "PRAGMA query_only=1; PRAGMA foreign_keys=ON; PRAGMA cache_size=-%d;",
                 LIMIT_READER_CACHE_KIB);
        rc = lite_exec(&sc->base, sql, err);
    } else {
        rc = lite_exec(&sc->base, "PRAGMA journal_mode=WAL", err);
        if (rc == STORE_OK)
            rc = lite_exec(&sc->base, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err);
    }
    if (rc < 0) {
        lite_close(&sc->base);
        return rc;
    }
    *out = &sc->base;
    return STORE_OK;
}

static struct db_stmt *lite_prepare(struct db_conn *c, const char *sql, bool persistent)
{
    struct sqlite_conn *sc = conn_of(c);
    sqlite3_stmt *raw;
    if (sqlite3_prepare_v3(sc->db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw,
                           NULL) != SQLITE_OK)
        return NULL;
    struct sqlite_stmt *st = malloc(sizeof(*st));
    if (!st)
        die("out of memory");
    st->base.drv = &db_sqlite_driver;
    st->base.conn = c;
    st->st = raw;
    return &st->base;
}

static void lite_finalize(struct db_stmt *st)
{
    sqlite3_finalize(st_of(st));
    free(st);
}

static void lite_bind_null(struct db_stmt *st, int i)
{
    sqlite3_bind_null(st_of(st), i);
}

static void lite_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(st_of(st), i, v);
}

static void lite_bind_double(struct db_stmt *st, int i, double v)
{
    sqlite3_bind_double(st_of(st), i, v);
}

static void lite_bind_text(struct db_stmt *st, int i, const char *p, int n, bool copy)
{
    sqlite3_bind_text(st_of(st), i, p, n, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static void lite_bind_blob(struct db_stmt *st, int i, const void *p, size_t n, bool copy)
{
    sqlite3_bind_blob64(st_of(st), i, n ? p : "", n, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static int lite_step(struct db_stmt *st)
{
    int rc = sqlite3_step(st_of(st));
    return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : DB_FAIL;
}

static enum db_type lite_column_type(struct db_stmt *st, int col)
{
    switch (sqlite3_column_type(st_of(st), col)) {
    case SQLITE_NULL:
        return DB_NULL;
    case SQLITE_INTEGER:
        return DB_INTEGER;
    case SQLITE_FLOAT:
        return DB_FLOAT;
    case SQLITE_BLOB:
        return DB_BLOB;
    default:
        return DB_TEXT;
    }
}

static const char *lite_column_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st_of(st), col);
}

static int lite_column_bytes(struct db_stmt *st, int col)
{
    return sqlite3_column_bytes(st_of(st), col);
}

static int64_t lite_column_int64(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(st_of(st), col);
}

static double lite_column_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(st_of(st), col);
}

static const void *lite_column_blob(struct db_stmt *st, int col)
{
    return sqlite3_column_blob(st_of(st), col);
}

static void lite_reset(struct db_stmt *st)
{
    sqlite3_reset(st_of(st));
    sqlite3_clear_bindings(st_of(st));
}

static int64_t lite_changes(struct db_conn *c)
{
    return sqlite3_changes(conn_of(c)->db);
}

static int64_t lite_total_changes(struct db_conn *c)
{
    return sqlite3_total_changes64(conn_of(c)->db);
}

static int64_t lite_last_insert_id(struct db_conn *c)
{
    return sqlite3_last_insert_rowid(conn_of(c)->db);
}

static bool lite_in_transaction(struct db_conn *c)
{
    return sqlite3_get_autocommit(conn_of(c)->db) == 0;
}

/* Runs one of the connection's fixed statements, preparing it on first use. */
static int run_fixed(struct sqlite_conn *sc, sqlite3_stmt **slot, const char *sql)
{
    if (!*slot &&
        sqlite3_prepare_v3(sc->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
        return STORE_ERROR;
    int rc = sqlite3_step(*slot);
    sqlite3_reset(*slot);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* A write transaction takes the write lock at once (IMMEDIATE), waiting for it up to the
 * busy timeout, instead of failing at its first write. */
static int lite_begin(struct db_conn *c, bool write)
{
    struct sqlite_conn *sc = conn_of(c);
    return write ? run_fixed(sc, &sc->begin_write, "BEGIN IMMEDIATE")
                 : run_fixed(sc, &sc->begin_read, "BEGIN");
}

static int lite_commit(struct db_conn *c)
{
    struct sqlite_conn *sc = conn_of(c);
    return run_fixed(sc, &sc->commit, "COMMIT");
}

static int lite_rollback(struct db_conn *c)
{
    return lite_exec(c, "ROLLBACK", NULL);
}

static const char *lite_error_text(struct db_conn *c)
{
    return sqlite3_errmsg(conn_of(c)->db);
}

static enum db_fault lite_fault(struct db_conn *c)
{
    switch (sqlite3_extended_errcode(conn_of(c)->db)) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return DB_FAULT_UNIQUE;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return DB_FAULT_FOREIGN_KEY;
    default:
        return DB_FAULT_OTHER;
    }
}

/* "UNIQUE constraint failed: t.a, t.b" → "a, b" joined by " and ". */
static void lite_fault_columns(struct db_conn *c, const char *table, struct buf *out)
{
    const char *msg = sqlite3_errmsg(conn_of(c)->db);
    const char *p = strchr(msg, ':');
    size_t tl = strlen(table);
    while (p && *p) {
        p++;
        while (*p == ' ')
            p++;
        if (strncmp(p, table, tl) == 0 && p[tl] == '.')
            p += tl + 1;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (out->n)
            buf_puts(out, " and ");
        buf_append(out, p, n);
        p = e;
    }
}

static int lite_sort_threads(struct db_conn *c, int n)
{
    return sqlite3_limit(conn_of(c)->db, SQLITE_LIMIT_WORKER_THREADS, n);
}

/*
 * Online backup through SQLite's backup API: a consistent copy of the database as of one
 * moment, taken while the server keeps writing. The copy is written beside the target
 * and renamed into place only when complete, so a failed backup never leaves a file
 * that looks like a good one.
 */
static int lite_backup(const char *src_path, const char *dest_path, struct error *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    char *tmp = NULL;
    int rc = -1;
    if (asprintf(&tmp, "%s.partial-%ld", dest_path, (long)getpid()) < 0)
        die("out of memory");
    if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        error_set(err, "cannot open %s: %s", src_path, src ? sqlite3_errmsg(src) : "no memory");
        goto out;
    }
    sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
    sqlite3_db_config(src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    unlink(tmp); /* a leftover of a crashed backup by this pid: start afresh, private */
    if (store_create_private(tmp, err) < 0)
        goto out;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        error_set(err, "cannot create %s: %s", tmp, dst ? sqlite3_errmsg(dst) : "no memory");
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        error_set(err, "backup failed: %s", sqlite3_errmsg(dst));
        goto out;
    }
    /* One step copies every page under one read transaction: a single snapshot, and
     * writers (WAL) are not blocked meanwhile. */
    int step = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE) {
        error_set(err, "backup failed: %s", sqlite3_errstr(step));
        goto out;
    }
    /* The copy is a plain rollback-journal database file; make it durable. */
    char *msg = NULL;
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
        error_set(err, "backup failed: %s", msg ? msg : "?");
        sqlite3_free(msg);
        goto out;
    }
    sqlite3_close(dst);
    dst = NULL;
    FILE *f = fopen(tmp, "r+");
    if (!f || fsync(fileno(f)) != 0) {
        if (f)
            fclose(f);
        error_set(err, "cannot sync %s", tmp);
        goto out;
    }
    fclose(f);
    if (rename(tmp, dest_path) != 0) {
        error_set(err, "cannot rename %s to %s", tmp, dest_path);
        goto out;
    }
    rc = 0;
out:
    if (dst)
        sqlite3_close(dst);
    if (src)
        sqlite3_close(src);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

const struct db_driver db_sqlite_driver = {
    .name = "sqlite",
    .dialect = DB_SQLITE,
    .open = lite_open,
    .close = lite_close,
    .exec = lite_exec,
    .prepare = lite_prepare,
    .finalize = lite_finalize,
    .bind_null = lite_bind_null,
    .bind_int64 = lite_bind_int64,
    .bind_double = lite_bind_double,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .step = lite_step,
    .column_type = lite_column_type,
    .column_text = lite_column_text,
    .column_bytes = lite_column_bytes,
    .column_int64 = lite_column_int64,
    .column_double = lite_column_double,
    .column_blob = lite_column_blob,
    .reset = lite_reset,
    .changes = lite_changes,
    .total_changes = lite_total_changes,
    .last_insert_id = lite_last_insert_id,
    .in_transaction = lite_in_transaction,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .error_text = lite_error_text,
    .fault = lite_fault,
    .fault_columns = lite_fault_columns,
    .sort_threads = lite_sort_threads,
    .backup = lite_backup,
};
