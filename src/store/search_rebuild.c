/*
 * Rebuilding the search index (`civdesk reindex`, and at open when the index was built
 * for other declarations or another tokenizer): its tables made again, every record
 * indexed in one transaction, progress reported. See search_index.c for the tables.
 */
#define _GNU_SOURCE
#include "store/search_index.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The index's tables, as migration 0005 creates them; a rebuild creates them again. */
static const char SCHEMA_VERSION[] = "schema-3";
static const char SCHEMA[] =
    "DROP TABLE IF EXISTS search_fts; DROP TABLE IF EXISTS search_anchor;"
    "DROP TABLE IF EXISTS search_anchor_org; DROP TABLE IF EXISTS search_entry;"
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, content='', "
    "tokenize='civdesk');"
    "CREATE TABLE search_anchor (id INTEGER PRIMARY KEY, resource TEXT NOT NULL, "
    "record_id INTEGER NOT NULL, public INTEGER NOT NULL, shared INTEGER NOT NULL, "
    "UNIQUE (resource, record_id));"
    "CREATE TABLE search_anchor_org (anchor INTEGER NOT NULL, org INTEGER NOT NULL, "
    "PRIMARY KEY (anchor, org)) WITHOUT ROWID;"
    "CREATE TABLE search_entry (id INTEGER PRIMARY KEY, resource TEXT NOT NULL, "
    "record_id INTEGER NOT NULL, lang TEXT, text_hash INTEGER NOT NULL, tags TEXT NOT NULL);"
    "CREATE INDEX search_entry_record ON search_entry (resource, record_id);";
/* PostgreSQL: the tables stay as migrations/pgsql/0005 made them, emptied. */
static const char SCHEMA_PG[] =
    "TRUNCATE search_fts, search_anchor, search_anchor_org, search_entry RESTART IDENTITY";

/* ---- rebuilding --------------------------------------------------------------------- */

static void fingerprint(struct buf *b)
{
    buf_printf(b, "%s %s rank-bm25-10-1 | ", search_tokenizer_version(), SCHEMA_VERSION);
    search_declarations_fingerprint(b);
}

static int exec_sql(struct store_conn *c, const char *sql, struct error *err)
{
    struct error e2;
    if (db_exec(c->db, sql, &e2) < 0)
        return error_set(err, "search index: %s", e2.msg), STORE_ERROR;
    return STORE_OK;
}

/* Records of the resources the index covers: top-level ones with text or with
 * sub-records with text, and sub-records with text. Counted up to `cap` (at most cap + 1
 * per resource, so a bounded count stays cheap on a large database). */
static int64_t records_to_index(struct store_conn *c, int64_t cap)
{
    int64_t n = 0;
    for (size_t i = 0; i < resource_count; i++) {
        const struct resource *res = resource_all[i];
        if (!search_resource_indexed(res) && !search_resource_findable(res))
            continue;
        char sql[200];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM %s LIMIT ?) AS r",
                 res->table);
        struct db_stmt *st = store_prep(c, sql);
        if (!st)
            continue;
        db_bind_int64(st, 1, cap < INT64_MAX ? cap + 1 : cap);
        if (db_step(st) == DB_ROW)
            n += db_column_int64(st, 0);
        store_done(st);
    }
    return n;
}

#define REINDEX_CACHE_KIB 131072 /* page cache of a rebuild's transaction: 128 MiB */

int search_reindex(struct store *s, search_progress_fn progress, void *arg, int64_t *entries,
                   struct error *err)
{
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(err, "the database is busy"), STORE_ERROR;
    struct store_conn *c = tx->conn;
    int64_t old_cache = store_tx_cache_size(tx, -REINDEX_CACHE_KIB);
    struct search_job job = {.fn = progress, .arg = arg, .total = records_to_index(c, INT64_MAX)};
    bool was_stale = s->search_stale;
    s->search_stale = false; /* the upkeep below writes the new index */
    bool pg = db_dialect(c->db) == DB_PGSQL;
    int rc = exec_sql(c, pg ? SCHEMA_PG : SCHEMA, err);
    /* Top-level records first, all at once: each anchors itself before its sub-records
     * come, one by one (each finds its anchor and its slot). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < resource_count && rc == STORE_OK; i++) {
            const struct resource *res = resource_all[i];
            if (!res->parent != !pass ||
                (!search_resource_indexed(res) && !search_resource_findable(res)))
                continue;
            rc = search_index_all(c, res, pass == 0, &job);
            if (rc != STORE_OK)
                error_set(err, "search index: cannot index %s: %s", res->name,
                          db_error_text(c->db));
        }
    }
    struct buf fp = BUF_INIT;
    fingerprint(&fp);
    if (rc == STORE_OK) {
        struct db_stmt *st = store_prep(c, "INSERT INTO search_meta(key,value) "
                                           "VALUES('fingerprint',?) ON CONFLICT(key) "
                                           "DO UPDATE SET value=excluded.value");
        rc = st ? STORE_OK : STORE_ERROR;
        if (st) {
            db_bind_text(st, 1, fp.p, (int)fp.n);
            rc = search_step_done(c, st, "fingerprint");
        }
    }
    buf_release(&fp);
    if (rc == STORE_OK && !pg) /* (GIN merges its pending list by itself) */
        rc = exec_sql(c, "INSERT INTO search_fts(search_fts) VALUES('optimize')", err);
    if (rc == STORE_OK && entries) {
        struct db_stmt *st = store_prep(c, "SELECT count(*) FROM search_entry");
        *entries = st && db_step(st) == DB_ROW ? db_column_int64(st, 0) : 0;
        if (st)
            store_done(st);
    }
    store_tx_cache_size(tx, old_cache);
    if (rc != STORE_OK) {
        if (!err->msg[0])
            error_set(err, "search index: %s", db_error_text(c->db));
        store_write_rollback(tx);
        s->search_stale = was_stale;
        return STORE_ERROR;
    }
    rc = store_write_commit(tx, err);
    if (rc != STORE_OK)
        s->search_stale = was_stale;
    return rc;
}

/* A rebuild in the log: a line every SEARCH_PROGRESS_EVERY records, with the time left. */
struct log_progress {
    double t0;
};

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_progress(void *arg, int64_t done, int64_t total)
{
    struct log_progress *lp = arg;
    double dt = mono_seconds() - lp->t0;
    double left = done > 0 && total > done ? dt * (double)(total - done) / (double)done : 0;
    log_info("search: rebuilding the search index: %lld of %lld records (%d%%), about %.0f s "
             "left",
             (long long)done, (long long)total, total ? (int)(done * 100 / total) : 100, left);
}

static int rebuild_logged(struct store *s, bool first, int64_t records, struct error *err)
{
    if (first)
        log_info("search: building the search index (%lld records)", (long long)records);
    else
        log_info("search: rebuilding the search index (%lld records): it was built by another "
                 "version of civdesk or for other searchable fields",
                 (long long)records);
    struct log_progress lp = {mono_seconds()};
    int64_t n = 0;
    int rc = search_reindex(s, log_progress, &lp, &n, err);
    if (rc == STORE_OK)
        log_info("search: index built, %lld entries in %.1f s", (long long)n,
                 mono_seconds() - lp.t0);
    return rc;
}

int search_index_check(struct store *s, enum store_open_mode mode, struct error *err)
{
    struct store_conn *c = &s->writer;
    struct buf want = BUF_INIT;
    fingerprint(&want);
    struct db_stmt *st = store_prep(c, "SELECT value FROM search_meta WHERE key='fingerprint'");
    if (!st) {
        buf_release(&want);
        return error_set(err, "the search index is missing (schema too old?)"), STORE_ERROR;
    }
    bool built = db_step(st) == DB_ROW && store_col_text(st, 0);
    bool same = built && strcmp(store_col_text(st, 0), want.p) == 0;
    store_done(st);
    buf_release(&want);
    if (same)
        return STORE_OK;
    if (mode == STORE_OPEN_KEEP_INDEX) {
        s->search_stale = true;
        return STORE_OK;
    }
    int64_t n = records_to_index(c, SEARCH_REBUILD_AT_OPEN);
    if (n > SEARCH_REBUILD_AT_OPEN)
        n = records_to_index(c, INT64_MAX);
    if (n <= SEARCH_REBUILD_AT_OPEN || mode == STORE_OPEN_SERVE)
        return rebuild_logged(s, !built, n, err);
    if (mode == STORE_OPEN_INIT) {
        s->search_stale = true;
        log_info("search: the search index must be rebuilt for this version of civdesk "
                 "(%lld records, a few minutes): `civdesk serve` rebuilds it before it listens, "
                 "`civdesk reindex` does it now",
                 (long long)n);
        return STORE_OK;
    }
    return error_set(err,
                     "the search index of %s was built by another version of civdesk (or for "
                     "other searchable fields) and rebuilding it for %lld records takes minutes: "
                     "run `civdesk reindex` (or start `civdesk serve`, which rebuilds it first)",
                     s->shown, (long long)n),
           STORE_ERROR;
}
