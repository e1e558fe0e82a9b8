/*
 * The calls of the driver table (db.h): each goes through the driver of its connection
 * or statement, so the files above it never name an engine.
 */
#include "store/db.h"

#include <string.h>

const struct db_driver *db_driver_for(const char *target)
{
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return &db_pgsql_driver;
    /* A key/value connection string begins with a keyword and '=' ("host=/run/pg
     * dbname=civdesk"); a file name with '=' in its first word is written ./name. */
    size_t word = strspn(target, "abcdefghijklmnopqrstuvwxyz_");
    if (word > 0 && target[word] == '=')
        return &db_pgsql_driver;
    return &db_sqlite_driver;
}

char *db_target_shown(const char *target)
{
    struct buf b = BUF_INIT;
    const char *scheme = strstr(target, "://");
    if (db_driver_for(target) == &db_sqlite_driver) {
        buf_puts(&b, target);
    } else if (scheme) {
        /* postgresql://user:secret@host/db → postgresql://user:***@host/db */
        const char *auth = scheme + 3, *at = strchr(auth, '@'), *colon = strchr(auth, ':');
        if (at && colon && colon < at) {
            buf_append(&b, target, (size_t)(colon + 1 - target));
            buf_puts(&b, "***");
            buf_puts(&b, at);
        } else {
            buf_puts(&b, target);
        }
        const char *pw = strstr(b.p, "password=");
        if (pw) { /* …?password=secret&… */
            size_t keep = (size_t)(pw - b.p) + 9, end = keep + strcspn(b.p + keep, "&");
            struct buf r = BUF_INIT;
            buf_append(&r, b.p, keep);
            buf_puts(&r, "***");
            buf_puts(&r, b.p + end);
            buf_release(&b);
            b = r;
        }
    } else {
        /* host=… password=secret … → password=*** */
        const char *p = target;
        while (*p) {
            const char *pw = strstr(p, "password=");
            if (!pw || (pw > target && pw[-1] != ' ')) {
                buf_puts(&b, p);
                break;
            }
            buf_append(&b, p, (size_t)(pw - p) + 9);
            buf_puts(&b, "***");
            p = pw + 9;
            if (*p == '\'') {
                for (p++; *p && *p != '\''; p++)
                    if (*p == '\\' && p[1])
                        p++;
                if (*p)
                    p++;
            } else {
                p += strcspn(p, " ");
            }
        }
    }
    return buf_detach(&b);
}

const char *db_sql_json_each(const struct db_conn *c)
{
    return c->drv->dialect == DB_PGSQL ? "json_array_elements_text(%s::json)" : "json_each(%s)";
}

const char *db_sql_ilike(const struct db_conn *c)
{
    return c->drv->dialect == DB_PGSQL ? "ILIKE" : "LIKE";
}

int db_open(const char *target, unsigned flags, struct db_conn **out, struct error *err)
{
    return db_driver_for(target)->open(target, flags, out, err);
}

void db_close(struct db_conn *c)
{
    if (c)
        c->drv->close(c);
}

int db_exec(struct db_conn *c, const char *sql, struct error *err)
{
    return c->drv->exec(c, sql, err);
}

struct db_stmt *db_prepare(struct db_conn *c, const char *sql)
{
    return c->drv->prepare(c, sql, false);
}

struct db_stmt *db_prepare_persistent(struct db_conn *c, const char *sql)
{
    return c->drv->prepare(c, sql, true);
}

void db_finalize(struct db_stmt *st)
{
    if (st)
        st->drv->finalize(st);
}

void db_bind_null(struct db_stmt *st, int i)
{
    st->drv->bind_null(st, i);
}

void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    st->drv->bind_int64(st, i, v);
}

void db_bind_double(struct db_stmt *st, int i, double v)
{
    st->drv->bind_double(st, i, v);
}

void db_bind_text(struct db_stmt *st, int i, const char *p, int n)
{
    st->drv->bind_text(st, i, p, n, false);
}

void db_bind_text_copy(struct db_stmt *st, int i, const char *p, int n)
{
    st->drv->bind_text(st, i, p, n, true);
}

void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
    st->drv->bind_blob(st, i, p, n, false);
}

int db_step(struct db_stmt *st)
{
    return st->drv->step(st);
}

enum db_type db_column_type(struct db_stmt *st, int col)
{
    return st->drv->column_type(st, col);
}

const char *db_column_text(struct db_stmt *st, int col)
{
    return st->drv->column_text(st, col);
}

int db_column_bytes(struct db_stmt *st, int col)
{
    return st->drv->column_bytes(st, col);
}

int64_t db_column_int64(struct db_stmt *st, int col)
{
    return st->drv->column_int64(st, col);
}

int db_column_int(struct db_stmt *st, int col)
{
    return (int)st->drv->column_int64(st, col);
}

double db_column_double(struct db_stmt *st, int col)
{
    return st->drv->column_double(st, col);
}

const void *db_column_blob(struct db_stmt *st, int col)
{
    return st->drv->column_blob(st, col);
}

void db_reset(struct db_stmt *st)
{
    st->drv->reset(st);
}

int64_t db_changes(struct db_conn *c)
{
    return c->drv->changes(c);
}

int64_t db_total_changes(struct db_conn *c)
{
    return c->drv->total_changes(c);
}

int64_t db_last_insert_id(struct db_conn *c)
{
    return c->drv->last_insert_id(c);
}

bool db_in_transaction(struct db_conn *c)
{
    return c->drv->in_transaction(c);
}

int db_begin(struct db_conn *c, bool write)
{
    return c->drv->begin(c, write);
}

int db_commit(struct db_conn *c)
{
    return c->drv->commit(c);
}

int db_rollback(struct db_conn *c)
{
    return c->drv->rollback(c);
}

const char *db_error_text(struct db_conn *c)
{
    return c->drv->error_text(c);
}

enum db_fault db_fault(struct db_conn *c)
{
    return c->drv->fault(c);
}

void db_fault_columns(struct db_conn *c, const char *table, struct buf *out)
{
    c->drv->fault_columns(c, table, out);
}

int db_sort_threads(struct db_conn *c, int n)
{
    return c->drv->sort_threads(c, n);
}

enum db_dialect db_dialect(const struct db_conn *c)
{
    return c->drv->dialect;
}
