/*
 * Bulk work (imports, index rebuilds): scans of a resource's records in one statement,
 * nothing copied; and a larger page cache for one long write transaction.
 */
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

/* The value of column col as it is stored (text borrowed from the statement). */
static void column_value(sqlite3_stmt *st, int col, struct value *v)
{
    memset(v, 0, sizeof(*v));
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL:
        v->null = true;
        break;
    case SQLITE_INTEGER:
        v->i = sqlite3_column_int64(st, col);
        v->r = (double)v->i;
        break;
    case SQLITE_FLOAT:
        v->r = sqlite3_column_double(st, col);
        v->i = (int64_t)v->r;
        break;
    default:
        v->s = (const char *)sqlite3_column_text(st, col);
        v->n = (size_t)sqlite3_column_bytes(st, col);
        if (!v->s)
            v->s = "";
        break;
    }
}

int store_scan_records(struct store_conn *c, const struct resource *res, int64_t after,
                       int (*fn)(void *arg, const struct record *rec), void *arg)
{
    struct buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT id,version,created_at,updated_at");
    for (size_t i = 0; i < res->nfields; i++)
        buf_printf(&sql, ",%s", res->fields[i].name);
    buf_printf(&sql, " FROM %s WHERE id>? ORDER BY id", res->table);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql.p, -1, &st, NULL);
    buf_release(&sql);
    if (rc != SQLITE_OK) {
        log_error("store: cannot scan %s: %s", res->name, sqlite3_errmsg(c->db));
        return STORE_ERROR;
    }
    struct record rec = {.res = res, .v = calloc(res->nfields ? res->nfields : 1, sizeof(*rec.v))};
    if (!rec.v)
        die("out of memory");
    sqlite3_bind_int64(st, 1, after);
    int step;
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rec.id = sqlite3_column_int64(st, 0);
        rec.version = sqlite3_column_int64(st, 1);
        const char *t = (const char *)sqlite3_column_text(st, 2);
        snprintf(rec.created_at, sizeof(rec.created_at), "%s", t ? t : "");
        t = (const char *)sqlite3_column_text(st, 3);
        snprintf(rec.updated_at, sizeof(rec.updated_at), "%s", t ? t : "");
        for (size_t i = 0; i < res->nfields; i++)
            column_value(st, (int)i + 4, &rec.v[i]);
        rc = fn(arg, &rec);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        log_error("store: scanning %s failed: %s", res->name, sqlite3_errmsg(c->db));
        rc = STORE_ERROR;
    }
    sqlite3_finalize(st);
    free(rec.v);
    return rc;
}

int store_scan(struct store_conn *c, const struct resource *res, const int *fields, size_t nfields,
               int (*fn)(void *arg, int64_t id, const struct value *vals), void *arg)
{
    struct buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT id");
    for (size_t k = 0; k < nfields; k++) {
        if (fields[k] < 0 || (size_t)fields[k] >= res->nfields)
            BUG("store_scan: field index out of range");
        buf_printf(&sql, ",%s", res->fields[fields[k]].name);
    }
    buf_printf(&sql, " FROM %s ORDER BY id", res->table);
    sqlite3_stmt *st = store_prep(c, sql.p);
    buf_release(&sql);
    if (!st)
        return STORE_ERROR;
    struct value *vals = calloc(res->nfields ? res->nfields : 1, sizeof(*vals));
    if (!vals)
        die("out of memory");
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < res->nfields; i++)
            vals[i] = (struct value){.null = true};
        for (size_t k = 0; k < nfields; k++)
            column_value(st, (int)k + 1, &vals[fields[k]]);
        rc = fn(arg, sqlite3_column_int64(st, 0), vals);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = STORE_ERROR;
    store_done(st);
    free(vals);
    return rc;
}

int64_t store_tx_cache_size(struct store_tx *tx, int64_t size)
{
    int64_t old = -2000; /* SQLite's default, should the query fail */
    sqlite3_stmt *st = store_prep(tx->conn, "PRAGMA cache_size");
    if (st) {
        if (sqlite3_step(st) == SQLITE_ROW)
            old = sqlite3_column_int64(st, 0);
        store_done(st);
    }
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", (long long)size);
    if (sqlite3_exec(tx->conn->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        log_error("store: %s failed: %s", sql, sqlite3_errmsg(tx->conn->db));
    return old;
}
