/*
 * The store's connections: the writer (one, behind a mutex) and a read-only connection
 * per thread, each with its cache of prepared statements; read and write transactions;
 * opening a database and bringing its schema up to date (migrations).
 *
 * The database is reached only through the driver table (db.h), so this file is the same
 * for every engine.
 */
#define _GNU_SOURCE
#include "store/internal.h"
#include "store/search_index.h"
#include "core/embed.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- connections and statements ----------------------------------------------------- */

static void conn_close(struct store_conn *c)
{
    for (size_t i = 0; i < STMT_CACHE; i++) {
        db_finalize(c->cache[i].st);
        free(c->cache[i].sql);
        c->cache[i].st = NULL;
        c->cache[i].sql = NULL;
    }
    store_ledger_cache_free(c);
    search_tokenizer_free(c->tokenizer);
    c->tokenizer = NULL;
    db_close(c->db);
    c->db = NULL;
}

struct db_stmt *store_prep(struct store_conn *c, const char *sql)
{
    for (size_t i = 0; i < STMT_CACHE; i++)
        if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0)
            return c->cache[i].st;
    struct db_stmt *st = db_prepare_persistent(c->db, sql);
    if (!st) {
        log_error("store: prepare failed: %s: %s", db_error_text(c->db), sql);
        return NULL;
    }
    struct stmt_slot *slot = &c->cache[c->next_evict++ % STMT_CACHE];
    db_finalize(slot->st);
    free(slot->sql);
    slot->sql = strdup(sql);
    if (!slot->sql)
        die("out of memory");
    slot->st = st;
    return st;
}

void store_done(struct db_stmt *st)
{
    db_reset(st);
}

static int conn_open(struct store_conn *c, struct store *s, const char *path, unsigned flags,
                     struct error *err)
{
    memset(c, 0, sizeof(*c));
    c->store = s;
    return db_open(path, flags, &c->db, err);
}

static void reader_destroy(void *p)
{
    struct store_conn *c = p;
    struct store *s = c->store;
    pthread_mutex_lock(&s->readers_lock);
    for (size_t i = 0; i < s->nreaders; i++) {
        if (s->readers[i] == c) {
            s->readers[i] = s->readers[--s->nreaders];
            break;
        }
    }
    pthread_mutex_unlock(&s->readers_lock);
    conn_close(c);
    free(c);
}

struct store_conn *store_reader(struct store *s)
{
    struct store_conn *c = pthread_getspecific(s->reader_key);
    if (c)
        return c;
    c = calloc(1, sizeof(*c));
    if (!c)
        die("out of memory");
    struct error err;
    /* A server's database may be down for a while (restarted): the thread's connection
     * is then made when it is back, and its requests meanwhile answered 503. */
    if (conn_open(c, s, s->path, DB_OPEN_READONLY | DB_OPEN_LATER, &err) < 0)
        die("%s", err.msg);
    pthread_mutex_lock(&s->readers_lock);
    struct store_conn **r = realloc(s->readers, (s->nreaders + 1) * sizeof(*r));
    if (!r)
        die("out of memory");
    s->readers = r;
    s->readers[s->nreaders++] = c;
    pthread_mutex_unlock(&s->readers_lock);
    pthread_setspecific(s->reader_key, c);
    return c;
}

int store_reader_open(struct store *s, struct store_conn **out, struct error *err)
{
    struct store_conn *c = calloc(1, sizeof(*c));
    if (!c)
        die("out of memory");
    if (conn_open(c, s, s->path, DB_OPEN_READONLY, err) < 0) {
        conn_close(c); /* a failed PRAGMA leaves the handle open */
        free(c);
        return STORE_ERROR;
    }
    *out = c;
    return STORE_OK;
}

void store_reader_close(struct store_conn *c)
{
    if (!c)
        return;
    store_read_end(c);
    conn_close(c);
    free(c);
}

/* Read transactions nest: an inner begin joins the outer one (the same snapshot), and
 * only the outermost end lets it go. The server wraps a whole GET in one, so that
 * resolving the credentials and the handler's reads share a transaction. */
int store_read_begin(struct store_conn *c)
{
    if (c->read_depth > 0) {
        c->read_depth++;
        return STORE_OK;
    }
    if (db_begin(c->db, false) < 0)
        return STORE_ERROR;
    c->read_depth = 1;
    return STORE_OK;
}

void store_read_end(struct store_conn *c)
{
    if (c->read_depth > 1) {
        c->read_depth--;
        return;
    }
    c->read_depth = 0;
    if (!db_in_transaction(c->db))
        return;
    db_commit(c->db);
}

bool store_in_transaction(const struct store_conn *c)
{
    return c->read_depth > 0 || db_in_transaction(c->db);
}

/* ---- writing ------------------------------------------------------------------------ */

int store_write_begin(struct store *s, struct store_tx **out)
{
    s->writer_waiting++;
    pthread_mutex_lock(&s->writer_lock);
    s->writer_waiting--;
    if (db_begin(s->writer.db, true) < 0) {
        log_error("store: BEGIN failed: %s", db_error_text(s->writer.db));
        pthread_mutex_unlock(&s->writer_lock);
        return STORE_ERROR;
    }
    struct store_tx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        die("out of memory");
    tx->store = s;
    tx->conn = &s->writer;
    *out = tx;
    return STORE_OK;
}

struct store_conn *store_tx_conn(struct store_tx *tx)
{
    return tx->conn;
}

static void tx_end(struct store_tx *tx)
{
    pthread_mutex_unlock(&tx->store->writer_lock);
    free(tx);
}

int store_write_commit(struct store_tx *tx, struct error *err)
{
    if (db_commit(tx->conn->db) < 0) {
        error_set(err, "commit failed: %s", db_error_text(tx->conn->db));
        if (db_in_transaction(tx->conn->db))
            db_rollback(tx->conn->db);
        tx_end(tx);
        return STORE_ERROR;
    }
    tx_end(tx);
    return STORE_OK;
}

void store_write_rollback(struct store_tx *tx)
{
    if (db_in_transaction(tx->conn->db))
        db_rollback(tx->conn->db);
    tx_end(tx);
}

/* Maps a failed write step to a store code with a message naming what clashed. */
/* ---- opening and migrations --------------------------------------------------------- */

const char *store_path(const struct store *s)
{
    return s->path;
}

long store_writer_waiting(const struct store *s)
{
    return s->writer_waiting;
}

int store_schema_latest(void)
{
    return (int)embed_migrations_count;
}

/* The migrations of the connection's dialect: the same numbers for each. */
static const struct embed_file *migrations_of(const struct store_conn *c)
{
    return db_dialect(c->db) == DB_PGSQL ? embed_migrations_pgsql : embed_migrations;
}

/* The schema version: SQLite keeps it in the file header (user_version), PostgreSQL in a
 * table of its own (civdesk_schema, created with the first migration); 0 when none. */
static int user_version(struct store_conn *c)
{
    bool pg = db_dialect(c->db) == DB_PGSQL;
    if (pg) {
        struct db_stmt *st = store_prep(c, "SELECT to_regclass('civdesk_schema') IS NOT NULL");
        bool have = st && db_step(st) == DB_ROW && db_column_int(st, 0);
        if (st)
            store_done(st);
        if (!st)
            return -1;
        if (!have)
            return 0;
    }
    struct db_stmt *st = store_prep(c, pg ? "SELECT coalesce(max(version),0) FROM civdesk_schema"
                                          : "PRAGMA user_version");
    int v = -1;
    if (st && db_step(st) == DB_ROW)
        v = db_column_int(st, 0);
    if (st)
        store_done(st);
    return v;
}

/* The statement recording schema version v, inside the migration's transaction. */
static void version_sql(const struct store_conn *c, int v, char *out, size_t cap)
{
    if (db_dialect(c->db) == DB_PGSQL)
        snprintf(out, cap,
                 "CREATE TABLE IF NOT EXISTS civdesk_schema (version integer NOT NULL);"
                 "DELETE FROM civdesk_schema; INSERT INTO civdesk_schema VALUES (%d)",
                 v);
    else
        snprintf(out, cap, "PRAGMA user_version=%d", v);
}

int store_schema_version(struct store *s)
{
    return user_version(&s->writer);
}

static int migrate(struct store *s, struct error *err)
{
    int have = user_version(&s->writer);
    int want = store_schema_latest();
    if (have < 0)
        return error_set(err, "cannot read the schema version: %s", db_error_text(s->writer.db));
    if (have > want)
        return error_set(err,
                         "the database has schema version %d, newer than this civdesk "
                         "knows (%d): use a newer civdesk",
                         have, want);
    const struct embed_file *m = migrations_of(&s->writer);
    for (int i = have; i < want; i++) {
        char sql[192];
        struct error e2;
        if (db_begin(s->writer.db, true) < 0)
            return error_set(err, "migration %s: %s", m[i].name, db_error_text(s->writer.db));
        version_sql(&s->writer, i + 1, sql, sizeof(sql));
        if (db_exec(s->writer.db, (const char *)m[i].data, &e2) < 0 ||
            db_exec(s->writer.db, sql, &e2) < 0) {
            db_rollback(s->writer.db);
            return error_set(err, "migration %s failed: %s", m[i].name, e2.msg);
        }
        if (db_commit(s->writer.db) < 0)
            return error_set(err, "migration %s: %s", m[i].name, db_error_text(s->writer.db));
    }
    return 0;
}

int store_create_private(const char *path, struct error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : error_set(err, "cannot create %s: %s", path, strerror(errno));
    /* The umask can only remove bits; 0600 is already the most it leaves. */
    close(fd);
    return 0;
}

bool store_is_server(const char *db)
{
    return db_driver_for(db)->dialect != DB_SQLITE;
}

int store_open(struct store **out, const char *path, enum store_open_mode mode, struct error *err)
{
    *out = NULL;
    struct store *s = calloc(1, sizeof(*s));
    if (!s)
        die("out of memory");
    s->path = strdup(path);
    s->shown = db_target_shown(path);
    pthread_mutex_init(&s->writer_lock, NULL);
    pthread_mutex_init(&s->readers_lock, NULL);
    pthread_key_create(&s->reader_key, reader_destroy);
    s->sql = calloc(resource_count, sizeof(*s->sql));
    if (!s->path || !s->sql)
        die("out of memory");
    for (size_t i = 0; i < resource_count; i++)
        store_res_sql_build(resource_all[i], &s->sql[i]);

    unsigned flags = mode == STORE_OPEN_INIT ? DB_OPEN_CREATE : 0;
    bool file = db_driver_for(path)->dialect == DB_SQLITE;
    if (file && mode != STORE_OPEN_INIT && access(path, F_OK) != 0) {
        error_set(err, "no database at %s: create it with `civdesk init` (or `civdesk demo`)",
                  s->shown);
        store_close(s);
        return -1;
    }
    struct error why = ERROR_INIT;
    if (file && mode == STORE_OPEN_INIT && strncmp(path, "file:", 5) != 0 &&
        strcmp(path, ":memory:") != 0 && store_create_private(path, err) < 0) {
        store_close(s);
        return -1;
    }
    if (conn_open(&s->writer, s, path, flags, &why) < 0) {
        error_set(err, "cannot use %s as a civdesk database: %s", s->shown, why.msg);
        store_close(s);
        return -1;
    }
    if (mode == STORE_OPEN_INIT) {
        if (migrate(s, err) < 0) {
            store_close(s);
            return -1;
        }
    } else {
        int have = user_version(&s->writer), want = store_schema_latest();
        if (have == 0) {
            error_set(err, "%s is not a civdesk database yet: run `civdesk init`", s->shown);
            store_close(s);
            return -1;
        }
        if (have != want) {
            if (have > want)
                error_set(err,
                          "%s has schema version %d, newer than this civdesk knows (%d): "
                          "refusing to use it",
                          s->shown, have, want);
            else
                error_set(err,
                          "%s has schema version %d, this civdesk needs %d: run "
                          "`civdesk init` to migrate",
                          s->shown, have, want);
            store_close(s);
            return -1;
        }
    }
    if (search_index_check(s, mode, err) < 0) { /* built for these declarations and tokenizer */
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->readers_lock);
    for (size_t i = 0; i < s->nreaders; i++) {
        conn_close(s->readers[i]);
        free(s->readers[i]);
    }
    free(s->readers);
    s->readers = NULL;
    s->nreaders = 0;
    pthread_mutex_unlock(&s->readers_lock);
    /* The readers are closed: make sure no thread's destructor touches them again. */
    pthread_setspecific(s->reader_key, NULL);
    pthread_key_delete(s->reader_key);
    conn_close(&s->writer);
    for (size_t i = 0; s->sql && i < resource_count; i++) {
        free(s->sql[i].select_cols);
        free(s->sql[i].get);
        free(s->sql[i].insert);
        free(s->sql[i].update);
    }
    free(s->sql);
    pthread_mutex_destroy(&s->writer_lock);
    pthread_mutex_destroy(&s->readers_lock);
    free(s->path);
    free(s->shown);
    free(s);
}
