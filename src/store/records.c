/*
 * Records of declared resources: the SQL built once from each declaration (get, insert,
 * update), values bound and read by field type, and the generic get, insert, update and
 * delete, with the search index kept in the same transaction.
 *
 * Every value is bound; the only text pasted into SQL is identifiers from the static
 * resource declarations and integers this file produced.
 */
#define _GNU_SOURCE
#include "store/internal.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- generic SQL from declarations -------------------------------------------------- */

size_t store_res_index(const struct resource *res)
{
    for (size_t i = 0; i < resource_count; i++)
        if (resource_all[i] == res)
            return i;
    BUG("resource not registered");
}

void store_res_sql_build(const struct resource *r, struct res_sql *out)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "id,version,created_at,updated_at");
    for (size_t i = 0; i < r->nfields; i++)
        buf_printf(&b, ",%s", r->fields[i].name);
    out->select_cols = buf_detach(&b);

    buf_printf(&b, "SELECT %s FROM %s WHERE id=?", out->select_cols, r->table);
    out->get = buf_detach(&b);

    buf_printf(&b, "INSERT INTO %s(", r->table);
    for (size_t i = 0; i < r->nfields; i++)
        buf_printf(&b, "%s,", r->fields[i].name);
    buf_puts(&b, "created_at,updated_at,version) VALUES(");
    for (size_t i = 0; i < r->nfields; i++)
        buf_puts(&b, "?,");
    buf_puts(&b, "?,?,1)");
    out->insert = buf_detach(&b);

    buf_printf(&b, "UPDATE %s SET ", r->table);
    for (size_t i = 0; i < r->nfields; i++)
        buf_printf(&b, "%s=?,", r->fields[i].name);
    buf_puts(&b, "updated_at=?,version=version+1 WHERE id=? AND version=?");
    out->update = buf_detach(&b);
}

void store_bind_value(struct db_stmt *st, int col, const struct field *f, const struct value *v)
{
    if (v->null) {
        db_bind_null(st, col);
        return;
    }
    switch (f->type) {
    case FT_INT:
    case FT_BOOL:
    case FT_REF:
        db_bind_int64(st, col, v->i);
        break;
    case FT_REAL:
        db_bind_double(st, col, v->r);
        break;
    default:
        db_bind_text_copy(st, col, v->s, (int)v->n);
        break;
    }
}

/* The value of column col as stored; text copied into a, or borrowed from the statement
 * (valid until its next step) when a is NULL. */
void store_column_value(struct db_stmt *st, int col, struct arena *a, struct value *v)
{
    memset(v, 0, sizeof(*v));
    switch (db_column_type(st, col)) {
    case DB_NULL:
        v->null = true;
        break;
    case DB_INTEGER:
        v->i = db_column_int64(st, col);
        v->r = (double)v->i;
        break;
    case DB_FLOAT:
        v->r = db_column_double(st, col);
        v->i = (int64_t)v->r;
        break;
    default: {
        const char *t = db_column_text(st, col);
        v->n = (size_t)db_column_bytes(st, col);
        v->s = a ? arena_strndup(a, t ? t : "", v->n) : t ? t : "";
        break;
    }
    }
}

void store_copy_text(char *dst, size_t cap, struct db_stmt *st, int col)
{
    const char *t = db_column_text(st, col);
    size_t n = t ? (size_t)db_column_bytes(st, col) : 0;
    if (n >= cap)
        n = cap - 1; /* truncated, as snprintf did */
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

/* The row at the statement's cursor, columns in select_cols order. */
struct record *store_row_record(struct db_stmt *st, const struct resource *res, struct arena *a)
{
    struct record *rec = record_new(res, a);
    rec->id = db_column_int64(st, 0);
    rec->version = db_column_int64(st, 1);
    store_copy_text(rec->created_at, sizeof(rec->created_at), st, 2);
    store_copy_text(rec->updated_at, sizeof(rec->updated_at), st, 3);
    for (size_t i = 0; i < res->nfields; i++)
        store_column_value(st, (int)i + 4, a, &rec->v[i]);
    return rec;
}

int store_get(struct store_conn *c, const struct resource *res, int64_t id, struct arena *a,
              struct record **out)
{
    struct db_stmt *st = store_prep(c, c->store->sql[store_res_index(res)].get);
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *out = store_row_record(st, res, a);
        store_done(st);
        return STORE_OK;
    }
    store_done(st);
    return rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

bool store_exists(struct store_conn *c, const struct resource *res, int64_t id)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id=?", res->table);
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return false;
    db_bind_int64(st, 1, id);
    bool found = db_step(st) == DB_ROW;
    store_done(st);
    return found;
}

static int write_failure(struct store_conn *c, const struct resource *res, struct error *err)
{
    enum db_fault fault = db_fault(c->db);
    if (fault == DB_FAULT_UNIQUE) {
        struct buf names = BUF_INIT;
        db_fault_columns(c->db, res->table, &names);
        error_set(err, "another %s already has the same %s", res->singular,
                  names.n ? names.p : "values");
        buf_release(&names);
        return STORE_CONFLICT;
    }
    if (fault == DB_FAULT_FOREIGN_KEY) {
        error_set(err, "a reference points to a record that does not exist");
        return STORE_BAD_REF;
    }
    error_set(err, "%s", db_error_text(c->db));
    return STORE_ERROR;
}

void store_now_text(char out[21])
{
    time_rfc3339(now_unix(), out);
}

int store_insert(struct store_tx *tx, struct record *rec, struct error *err)
{
    const struct resource *res = rec->res;
    struct store_conn *c = tx->conn;
    struct db_stmt *st = store_prep(c, c->store->sql[store_res_index(res)].insert);
    if (!st)
        return error_set(err, "insert failed"), STORE_ERROR;
    store_now_text(rec->created_at);
    memcpy(rec->updated_at, rec->created_at, sizeof(rec->updated_at));
    int col = 1;
    for (size_t i = 0; i < res->nfields; i++)
        store_bind_value(st, col++, &res->fields[i], &rec->v[i]);
    db_bind_text(st, col++, rec->created_at, -1);
    db_bind_text(st, col++, rec->updated_at, -1);
    int rc = db_step(st);
    if (rc != DB_DONE) {
        rc = write_failure(c, res, err);
        store_done(st);
        return rc;
    }
    store_done(st);
    rec->id = db_last_insert_id(c->db);
    rec->version = 1;
    if (search_index_put(c, rec) < 0)
        return error_set(err, "the search index could not be updated"), STORE_ERROR;
    return STORE_OK;
}

int store_update(struct store_tx *tx, struct record *rec, struct error *err)
{
    const struct resource *res = rec->res;
    struct store_conn *c = tx->conn;
    if (search_index_remove(c, res, rec->id, false) < 0) /* by its old text: before the row */
        return error_set(err, "the search index could not be updated"), STORE_ERROR;
    struct db_stmt *st = store_prep(c, c->store->sql[store_res_index(res)].update);
    if (!st)
        return error_set(err, "update failed"), STORE_ERROR;
    store_now_text(rec->updated_at);
    int col = 1;
    for (size_t i = 0; i < res->nfields; i++)
        store_bind_value(st, col++, &res->fields[i], &rec->v[i]);
    db_bind_text(st, col++, rec->updated_at, -1);
    db_bind_int64(st, col++, rec->id);
    db_bind_int64(st, col++, rec->version);
    int rc = db_step(st);
    if (rc != DB_DONE) {
        rc = write_failure(c, res, err);
        store_done(st);
        return rc;
    }
    store_done(st);
    if (db_changes(c->db) == 0) {
        error_set(err, "the %s was changed by someone else", res->singular);
        return store_exists(c, res, rec->id) ? STORE_VERSION : STORE_NOT_FOUND;
    }
    rec->version++;
    if (search_index_put(c, rec) < 0)
        return error_set(err, "the search index could not be updated"), STORE_ERROR;
    return STORE_OK;
}

/* Counts records of other resources that reference (res, id); names the first kind found. */
static int64_t references(struct store_conn *c, const struct resource *res, int64_t id,
                          const char **what)
{
    for (size_t r = 0; r < resource_count; r++) {
        const struct resource *o = resource_all[r];
        for (size_t i = 0; i < o->nfields; i++) {
            const struct field *f = &o->fields[i];
            if ((f->type != FT_REF && f->type != FT_REF_LIST) || !f->ref ||
                strcmp(f->ref, res->name) != 0)
                continue;
            char sql[256];
            if (f->type == FT_REF)
                snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s=?", o->table, f->name);
            else {
                char each[128];
                snprintf(each, sizeof(each), db_sql_json_each(c->db), f->name);
                snprintf(sql, sizeof(sql),
                         "SELECT count(*) FROM %s WHERE EXISTS(SELECT 1 FROM %s WHERE value=?)",
                         o->table, each);
            }
            struct db_stmt *st = store_prep(c, sql);
            if (!st)
                continue;
            db_bind_int64(st, 1, id);
            int64_t n = db_step(st) == DB_ROW ? db_column_int64(st, 0) : 0;
            store_done(st);
            if (n > 0) {
                *what = o->name;
                return n;
            }
        }
    }
    /* Tables that are not declared resources but still hold it (res->held_by). */
    for (size_t i = 0; i < res->nheld_by; i++) {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s=?", res->held_by[i].table,
                 res->held_by[i].column);
        struct db_stmt *st = store_prep(c, sql);
        if (!st)
            continue;
        db_bind_int64(st, 1, id);
        int64_t n = db_step(st) == DB_ROW ? db_column_int64(st, 0) : 0;
        store_done(st);
        if (n > 0) {
            *what = res->held_by[i].table;
            return n;
        }
    }
    return 0;
}

int store_delete(struct store_tx *tx, const struct resource *res, int64_t id, int64_t version,
                 struct error *err)
{
    struct store_conn *c = tx->conn;
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT version FROM %s WHERE id=?", res->table);
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    if (db_step(st) != DB_ROW) {
        store_done(st);
        error_set(err, "no %s with id %lld", res->singular, (long long)id);
        return STORE_NOT_FOUND;
    }
    int64_t have = db_column_int64(st, 0);
    store_done(st);
    if (version && have != version) {
        error_set(err, "the %s was changed by someone else (now version %lld)", res->singular,
                  (long long)have);
        return STORE_VERSION;
    }
    const char *what = NULL;
    int64_t n = references(c, res, id, &what);
    if (n > 0) {
        error_set(err, "%lld %s still refer to this %s; move or delete them first", (long long)n,
                  what, res->singular);
        return STORE_REFERENCED;
    }
    if (search_index_remove(c, res, id, true) < 0) /* by its text: before the row goes */
        return error_set(err, "the search index could not be updated"), STORE_ERROR;
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id=?", res->table);
    st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc != DB_DONE) {
        rc = write_failure(c, res, err);
        store_done(st);
        if (rc == STORE_BAD_REF) /* e.g. a body still named by accreditations */
            return error_set(err,
                             "other records still refer to this %s; move or delete "
                             "them first",
                             res->singular),
                   STORE_REFERENCED;
        return rc == STORE_BAD_REF ? STORE_REFERENCED : rc;
    }
    store_done(st);
    return STORE_OK;
}
