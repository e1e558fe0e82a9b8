/*
 * store on SQLite: connections, statement caches, migrations, generic resource SQL built
 * from the declarations, keyset pagination, the audit chain, users and tokens.
 *
 * Every value is bound; the only text pasted into SQL is identifiers from the static
 * resource declarations and integers this file produced.
 */
#define _GNU_SOURCE
#include "store/internal.h"
#include "store/counts.h"
#include "store/search_index.h"
#include "core/embed.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- connections and statements ----------------------------------------------------- */

static void conn_close(struct store_conn *c)
{
    for (size_t i = 0; i < STMT_CACHE; i++) {
        if (c->cache[i].st)
            sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
        c->cache[i].st = NULL;
        c->cache[i].sql = NULL;
    }
    store_ledger_cache_free(c);
    if (c->db)
        sqlite3_close_v2(c->db);
    c->db = NULL;
}

sqlite3_stmt *store_prep(struct store_conn *c, const char *sql)
{
    for (size_t i = 0; i < STMT_CACHE; i++)
        if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0)
            return c->cache[i].st;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_error("store: prepare failed: %s: %s", sqlite3_errmsg(c->db), sql);
        return NULL;
    }
    struct stmt_slot *slot = &c->cache[c->next_evict++ % STMT_CACHE];
    if (slot->st)
        sqlite3_finalize(slot->st);
    free(slot->sql);
    slot->sql = strdup(sql);
    if (!slot->sql)
        die("out of memory");
    slot->st = st;
    return st;
}

void store_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int exec(struct store_conn *c, const char *sql, struct error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        error_set(err, "%s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static int conn_open(struct store_conn *c, struct store *s, const char *path, int flags,
                     bool reader, struct error *err)
{
    memset(c, 0, sizeof(*c));
    c->store = s;
    if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        error_set(err, "cannot open database %s: %s", path,
                  c->db ? sqlite3_errmsg(c->db) : "out of memory");
        conn_close(c);
        return STORE_ERROR;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    if (search_register(c->db) != SQLITE_OK) /* the "civdesk" FTS5 tokenizer */
        return error_set(err, "cannot register the search tokenizer"), conn_close(c), STORE_ERROR;
    if (reader) {
        /* Only the writer checkpoints (DESIGN §6: SQLite 3.40's WAL race). */
        sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        /* A larger page cache than SQLite's 2 MB: a search reads its terms' doclists and
         * entries, a list its rows, again and again (search p50 -25% at 16 MiB). */
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "PRAGMA query_only=1; PRAGMA foreign_keys=ON; PRAGMA cache_size=-%d;",
                 LIMIT_READER_CACHE_KIB);
        return exec(c, sql, err);
    }
    if (exec(c, "PRAGMA journal_mode=WAL", err) < 0 ||
        exec(c, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err) < 0) {
        conn_close(c);
        return STORE_ERROR;
    }
    return STORE_OK;
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
    if (conn_open(c, s, s->path, SQLITE_OPEN_READONLY, true, &err) < 0)
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
    if (conn_open(c, s, s->path, SQLITE_OPEN_READONLY, true, err) < 0) {
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
    sqlite3_stmt *st = store_prep(c, "BEGIN");
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE)
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
    if (sqlite3_get_autocommit(c->db))
        return;
    sqlite3_stmt *st = store_prep(c, "COMMIT");
    if (st) {
        sqlite3_step(st);
        store_done(st);
    }
}

/* ---- generic SQL from declarations -------------------------------------------------- */

static size_t res_index(const struct resource *res)
{
    for (size_t i = 0; i < resource_count; i++)
        if (resource_all[i] == res)
            return i;
    BUG("resource not registered");
}

static void build_res_sql(const struct resource *r, struct res_sql *out)
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

static void bind_value(sqlite3_stmt *st, int col, const struct field *f, const struct value *v)
{
    if (v->null) {
        sqlite3_bind_null(st, col);
        return;
    }
    switch (f->type) {
    case FT_INT:
    case FT_BOOL:
    case FT_REF:
        sqlite3_bind_int64(st, col, v->i);
        break;
    case FT_REAL:
        sqlite3_bind_double(st, col, v->r);
        break;
    default:
        sqlite3_bind_text(st, col, v->s, (int)v->n, SQLITE_TRANSIENT);
        break;
    }
}

/* The value of column col as stored; text copied into a, or borrowed from the statement
 * (valid until its next step) when a is NULL. */
void store_column_value(sqlite3_stmt *st, int col, struct arena *a, struct value *v)
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
    default: {
        const char *t = (const char *)sqlite3_column_text(st, col);
        v->n = (size_t)sqlite3_column_bytes(st, col);
        v->s = a ? arena_strndup(a, t ? t : "", v->n) : t ? t : "";
        break;
    }
    }
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= cap)
        n = cap - 1; /* truncated, as snprintf did */
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

/* The row at the statement's cursor, columns in select_cols order. */
static struct record *row_record(sqlite3_stmt *st, const struct resource *res, struct arena *a)
{
    struct record *rec = record_new(res, a);
    rec->id = sqlite3_column_int64(st, 0);
    rec->version = sqlite3_column_int64(st, 1);
    copy_text(rec->created_at, sizeof(rec->created_at), st, 2);
    copy_text(rec->updated_at, sizeof(rec->updated_at), st, 3);
    for (size_t i = 0; i < res->nfields; i++)
        store_column_value(st, (int)i + 4, a, &rec->v[i]);
    return rec;
}

int store_get(struct store_conn *c, const struct resource *res, int64_t id, struct arena *a,
              struct record **out)
{
    sqlite3_stmt *st = store_prep(c, c->store->sql[res_index(res)].get);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = row_record(st, res, a);
        store_done(st);
        return STORE_OK;
    }
    store_done(st);
    return rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

bool store_exists(struct store_conn *c, const struct resource *res, int64_t id)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id=?", res->table);
    sqlite3_stmt *st = store_prep(c, sql);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, id);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    store_done(st);
    return found;
}

/* ---- lists -------------------------------------------------------------------------- */

/*
 * Values bound to a list query, in order. Kept beside the SQL text as it is built so the
 * two cannot drift apart.
 */
struct binds {
    const struct field *f[80]; /* NULL: bind v as integer id */
    struct value v[80];
    size_t n;
};

static void bind_add(struct binds *b, const struct field *f, struct value v)
{
    if (b->n >= ARRAY_SIZE(b->v))
        BUG("too many bound values");
    b->f[b->n] = f;
    b->v[b->n++] = v;
}

static void bind_all(sqlite3_stmt *st, const struct binds *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->f[i])
            bind_value(st, (int)i + 1, b->f[i], &b->v[i]);
        else
            sqlite3_bind_int64(st, (int)i + 1, b->v[i].i);
    }
}

static bool is_list_type(enum field_type t)
{
    return t == FT_TEXT_LIST || t == FT_REF_LIST;
}

/* The sort key expression: nullable columns sort as if empty / smallest. */
static void sort_expr(struct buf *b, const struct resource *res, int sort)
{
    if (sort < 0) {
        buf_puts(b, "id");
        return;
    }
    const struct field *f = &res->fields[sort];
    if (f->flags & F_REQUIRED)
        buf_puts(b, f->name);
    else if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL)
        buf_printf(b, "coalesce(%s,-9223372036854775807)", f->name);
    else if (f->type == FT_REAL)
        buf_printf(b, "coalesce(%s,-1e308)", f->name);
    else
        buf_printf(b, "coalesce(%s,'')", f->name);
}

/* One declared list parameter (struct list_param) as a condition on res's table. */
/* The FTS5 trigram index of a resource's text (migration 0012), or NULL. Its columns
 * are what a person types to find a record; case-folded in every script. */
static const char *trigram_table(const struct resource *res)
{
    static const struct {
        const char *table, *index;
    } tri[] = {
        {"organisations", "organisations_trigram"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(tri); i++)
        if (strcmp(res->table, tri[i].table) == 0)
            return tri[i].index;
    return NULL;
}

/* Characters (not bytes) of UTF-8 text: a trigram needs three. */
static size_t utf8_chars(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++)
        n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

/* Text as an FTS5 phrase ("..." with inner quotes doubled): matched as a substring. */
static void trigram_phrase(struct buf *p, const char *s, size_t n)
{
    buf_putc(p, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_putc(p, '"');
        buf_putc(p, s[i]);
    }
    buf_putc(p, '"');
}

/* The trigram MATCH for q: its text, or (other: q in the other script, may be NULL)
 * either spelling. */
static struct value trigram_query(struct str q, const char *other, struct arena *a)
{
    struct buf p = BUF_INIT;
    trigram_phrase(&p, q.p, q.n);
    if (other && strlen(other) >= 3) {
        buf_puts(&p, " OR ");
        trigram_phrase(&p, other, strlen(other));
    }
    struct value v = {.s = arena_strndup(a, p.p, p.n), .n = p.n};
    buf_release(&p);
    return v;
}

/* " AND <via> IN (SELECT id FROM <referenced table> WHERE <its public flag>=1)": the
 * records made public through their reference (res->public_via). `op` joins it. */
static void public_via_sql(struct buf *b, const struct resource *res, const char *op)
{
    const struct field *f = resource_field(res, res->public_via);
    const struct resource *ref = f ? resource_find(str_from(f->ref)) : NULL;
    assert(f && f->type == FT_REF && ref && ref->public_flag);
    buf_printf(b, "%s%s IN (SELECT id FROM %s WHERE %s=1)", op, f->name, ref->table,
               ref->public_flag);
}

/* Blanks the F_INTERNAL values of a record read for a caller who sees it only because it
 * is public (not for the records of the caller's own organisation, scope_org). */
static void blank_internal(struct record *rec, int64_t scope_org)
{
    int oi = rec->res->owner ? resource_field_index(rec->res, rec->res->owner) : -1;
    if (scope_org > 0 && oi >= 0 && rec->res->fields[oi].type == FT_REF && !rec->v[oi].null &&
        rec->v[oi].i == scope_org)
        return;
    for (size_t i = 0; i < rec->res->nfields; i++)
        if (rec->res->fields[i].flags & F_INTERNAL)
            rec->v[i] = (struct value){.null = true};
}

static void where_param(struct buf *b, struct binds *bd, const struct resource *res,
                        const struct param_filter *pf, struct arena *a)
{
    const struct list_param *p = pf->p;
    const struct field *f = list_param_field(res, p);
    switch (p->kind) {
    case P_COND: {
        static const struct field text = {.name = "condition", .type = FT_TEXT};
        struct value bound = {.null = true};
        const char *cond = store_cond_sql(p->via, &bound, a);
        if (!cond)
            BUG("a list parameter names a condition the store does not know");
        buf_printf(b, " AND %s(%s)", pf->v.i ? "" : "NOT ", cond);
        bind_add(bd, &text, bound);
        return;
    }
    case P_FROM:
        buf_printf(b, " AND %s>=?", f->name);
        break;
    case P_TO:
        /* A date-time is on or before a day when its date part is. */
        buf_printf(b, f->type == FT_DATETIME ? " AND substr(%s,1,10)<=?" : " AND %s<=?", f->name);
        break;
    case P_CHILD: {
        const struct resource *child = resource_find(str_from(p->via));
        buf_printf(b, " AND EXISTS(SELECT 1 FROM %s c WHERE c.%s=%s.id AND c.%s=?)", child->table,
                   child->parent_field, res->table, f->name);
        break;
    }
    case P_REF: {
        if (p->copy) {
            buf_printf(b, " AND %s.%s=?", res->table, p->copy);
            break;
        }
        const struct resource *target = resource_find(str_from(resource_field(res, p->via)->ref));
        buf_printf(b, " AND EXISTS(SELECT 1 FROM %s t WHERE t.id=%s.%s AND t.%s=?)", target->table,
                   res->table, p->via, f->name);
        break;
    }
    }
    bind_add(bd, f, pf->v);
}

static void where_filters(struct store_conn *c, struct buf *b, struct binds *bd,
                          const struct resource *res, const struct list_query *q, struct arena *a)
{
    buf_puts(b, " WHERE 1");
    for (size_t i = 0; i < q->nfilters; i++) {
        const struct filter *fl = &q->filters[i];
        if (fl->field < 0) {
            buf_puts(b, " AND id=?");
            bind_add(bd, NULL, fl->v);
            continue;
        }
        const struct field *f = &res->fields[fl->field];
        if (is_list_type(f->type)) {
            buf_printf(b, " AND EXISTS(SELECT 1 FROM json_each(%s) WHERE value=?)", f->name);
            bind_add(bd, f->type == FT_REF_LIST ? NULL : f, fl->v);
        } else if (fl->v.null) {
            buf_printf(b, " AND %s IS NULL", f->name);
        } else {
            buf_printf(b, " AND %s=?", f->name);
            bind_add(bd, f, fl->v);
        }
    }
    for (size_t i = 0; i < q->nparams; i++)
        where_param(b, bd, res, &q->params[i], a);
    if (q->scope_org > 0 && res->owner) {
        const struct field *of = resource_field(res, res->owner);
        struct value v = {.i = q->scope_org};
        if (of && of->type == FT_REF_LIST)
            buf_printf(b, " AND (EXISTS(SELECT 1 FROM json_each(%s) WHERE value=?)", of->name);
        else
            buf_printf(b, " AND (%s=?", res->owner);
        if (q->or_public && res->public_flag)
            buf_printf(b, " OR %s=1", res->public_flag);
        if (q->or_public && res->public_via)
            public_via_sql(b, res, " OR ");
        buf_putc(b, ')');
        bind_add(bd, NULL, v);
    }
    if (q->only_public && res->public_flag)
        buf_printf(b, " AND %s=1", res->public_flag);
    else if (q->only_public && res->public_via)
        public_via_sql(b, res, " AND ");
    if (q->q.n) {
        /* Substring search over searchable fields; % and _ in the query are literal. */
        struct buf pat = BUF_INIT;
        buf_putc(&pat, '%');
        for (size_t i = 0; i < q->q.n; i++) {
            char ch = q->q.p[i];
            if (ch == '%' || ch == '_' || ch == '\\')
                buf_putc(&pat, '\\');
            buf_putc(&pat, ch);
        }
        buf_putc(&pat, '%');
        struct value pv = {.s = arena_strndup(a, pat.p, pat.n), .n = pat.n};
        buf_release(&pat);
        const char *tri = trigram_table(res);
        if (tri && utf8_chars(q->q) >= 3) {
            /* Its words in any form or script (search index), or a substring of any case
             * in either script (trigram index, migration 0012): the ids come from the two
             * indexes, never from a scan of the table. */
            buf_puts(b, " AND id IN (");
            search_list_subquery(b, res);
            bind_add(bd, &search_match_field, (struct value){.s = q->q.p, .n = q->q.n});
            buf_printf(b, " UNION SELECT rowid FROM %s WHERE %s MATCH ?)", tri, tri);
            const char *other = search_list_other_script(c, q->q, a);
            bind_add(bd, &search_match_field, trigram_query(q->q, other, a)); /* any text */
        } else {
            buf_puts(b, " AND (0");
            search_list_sql(b, res); /* or its words, in any form or script (search index) */
            bind_add(bd, &search_match_field, (struct value){.s = q->q.p, .n = q->q.n});
            for (size_t i = 0; i < res->nfields; i++) {
                if (!(res->fields[i].flags & F_SEARCH))
                    continue;
                buf_printf(b, " OR %s LIKE ? ESCAPE '\\'", res->fields[i].name);
                bind_add(bd, &res->fields[i], pv);
            }
            buf_putc(b, ')');
        }
    }
}

/* Cursor: base64url of a JSON array [sort name, desc, last sort value, last id]. */
static const char *cursor_encode(const struct resource *res, const struct list_query *q,
                                 const struct record *last, struct arena *a)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_str(&w, q->sort < 0 ? "id" : res->fields[q->sort].name);
    jw_bool(&w, q->desc);
    if (q->sort < 0) {
        jw_int(&w, last->id);
    } else {
        const struct field *f = &res->fields[q->sort];
        const struct value *v = &last->v[q->sort];
        if (v->null) {
            jw_null(&w);
        } else if (f->type == FT_INT || f->type == FT_BOOL || f->type == FT_REF) {
            jw_int(&w, v->i);
        } else if (f->type == FT_REAL) {
            jw_real(&w, v->r);
        } else {
            jw_strn(&w, v->s, v->n);
        }
    }
    jw_int(&w, last->id);
    jw_arr_end(&w);
    size_t cap = sodium_base64_ENCODED_LEN(b.n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, (const unsigned char *)b.p, b.n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    buf_release(&b);
    return out;
}

/* Decodes a cursor into the bound key; -1 if it is not one this query produced. */
static int cursor_decode(const struct resource *res, const struct list_query *q, struct arena *a,
                         struct value *key, int64_t *id)
{
    if (q->cursor.n > LIMIT_CURSOR)
        return -1;
    unsigned char *bin = arena_alloc(a, q->cursor.n + 1);
    size_t len;
    if (sodium_base642bin(bin, q->cursor.n + 1, q->cursor.p, q->cursor.n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    json_error_t jerr;
    json_t *arr = json_loadb((const char *)bin, len, 0, &jerr);
    int rc = -1;
    if (!json_is_array(arr) || json_array_size(arr) != 4)
        goto out;
    const char *sort = json_string_value(json_array_get(arr, 0));
    const char *want = q->sort < 0 ? "id" : res->fields[q->sort].name;
    if (!sort || strcmp(sort, want) != 0 || !json_is_boolean(json_array_get(arr, 1)) ||
        json_is_true(json_array_get(arr, 1)) != q->desc)
        goto out;
    json_t *kv = json_array_get(arr, 2), *iv = json_array_get(arr, 3);
    if (!json_is_integer(iv))
        goto out;
    *id = json_integer_value(iv);
    memset(key, 0, sizeof(*key));
    if (json_is_null(kv)) {
        key->null = true;
    } else if (json_is_integer(kv)) {
        key->i = json_integer_value(kv);
        key->r = (double)key->i; /* a whole-number FT_REAL key is written as an integer */
    } else if (json_is_real(kv)) {
        key->r = json_real_value(kv);
    } else if (json_is_string(kv)) {
        key->s = arena_strndup(a, json_string_value(kv), json_string_length(kv));
        key->n = json_string_length(kv);
    } else {
        goto out;
    }
    rc = 0;
out:
    json_decref(arr);
    return rc;
}

int store_list(struct store_conn *c, const struct resource *res, const struct list_query *q,
               struct arena *a, struct list_result *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    struct buf sql = BUF_INIT, where = BUF_INIT, order = BUF_INIT;
    struct binds *bd = arena_zalloc(a, sizeof(*bd));
    int rc = STORE_OK;
    const struct res_sql *rs = &c->store->sql[res_index(res)];

    where_filters(c, &where, bd, res, q, a);

    if (q->count && !store_count_kept(c, res, q, &out->total)) { /* src/store/counts.c */
        buf_printf(&sql, "SELECT count(*) FROM %s%s", res->table, where.p);
        sqlite3_stmt *st = store_prep(c, sql.p);
        if (!st) {
            error_set(err, "list count failed");
            rc = STORE_ERROR;
            goto out;
        }
        bind_all(st, bd);
        if (sqlite3_step(st) == SQLITE_ROW)
            out->total = sqlite3_column_int64(st, 0);
        store_done(st);
        buf_reset(&sql);
    }

    sort_expr(&order, res, q->sort);
    if (q->cursor.n) {
        struct value key;
        int64_t last_id;
        if (cursor_decode(res, q, a, &key, &last_id) < 0) {
            error_set(err, "the cursor does not belong to this list (its sort changed?)");
            rc = STORE_CONFLICT;
            goto out;
        }
        if (q->sort < 0) {
            buf_printf(&where, " AND id%s?", q->desc ? "<" : ">");
            bind_add(bd, NULL, (struct value){.i = last_id});
        } else {
            const struct field *f = &res->fields[q->sort];
            /* A null key only arises for nullable fields, whose expression coalesces. */
            if (key.null) {
                struct value sentinel = {0};
                if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL)
                    sentinel.i = -9223372036854775807LL;
                else if (f->type == FT_REAL)
                    sentinel.r = -1e308;
                else
                    sentinel.s = "", sentinel.n = 0;
                key = sentinel;
            }
            buf_printf(&where, " AND (%s,id)%s(?,?)", order.p, q->desc ? "<" : ">");
            bind_add(bd, f, key);
            bind_add(bd, NULL, (struct value){.i = last_id});
        }
    }
    const char *dir = q->desc ? " DESC" : "";
    if (q->sort < 0)
        buf_printf(&sql, "SELECT %s FROM %s%s ORDER BY id%s LIMIT %d", rs->select_cols, res->table,
                   where.p, dir, q->limit + 1);
    else
        buf_printf(&sql, "SELECT %s FROM %s%s ORDER BY %s%s,id%s LIMIT %d", rs->select_cols,
                   res->table, where.p, order.p, dir, dir, q->limit + 1);
    sqlite3_stmt *st = store_prep(c, sql.p);
    if (!st) {
        rc = STORE_ERROR;
        error_set(err, "list query failed");
        goto out;
    }
    bind_all(st, bd);
    out->items = arena_alloc(a, sizeof(*out->items) * (size_t)(q->limit + 1));
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (size_t)q->limit) {
            out->next_cursor = cursor_encode(res, q, out->items[out->n - 1], a);
            break;
        }
        out->items[out->n++] = row_record(st, res, a);
        if (q->hide_internal)
            blank_internal(out->items[out->n - 1], q->scope_org);
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = STORE_ERROR;
        error_set(err, "list failed: %s", sqlite3_errmsg(c->db));
    }
    store_done(st);
out:
    buf_release(&sql);
    buf_release(&where);
    buf_release(&order);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------ */

int store_write_begin(struct store *s, struct store_tx **out)
{
    s->writer_waiting++;
    pthread_mutex_lock(&s->writer_lock);
    s->writer_waiting--;
    sqlite3_stmt *st = store_prep(&s->writer, "BEGIN IMMEDIATE");
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (st)
        store_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: BEGIN IMMEDIATE failed: %s", sqlite3_errmsg(s->writer.db));
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
    sqlite3_stmt *st = store_prep(tx->conn, "COMMIT");
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (st)
        store_done(st);
    if (rc != SQLITE_DONE) {
        error_set(err, "commit failed: %s", sqlite3_errmsg(tx->conn->db));
        if (!sqlite3_get_autocommit(tx->conn->db))
            exec(tx->conn, "ROLLBACK", NULL);
        tx_end(tx);
        return STORE_ERROR;
    }
    tx_end(tx);
    return STORE_OK;
}

void store_write_rollback(struct store_tx *tx)
{
    if (!sqlite3_get_autocommit(tx->conn->db))
        exec(tx->conn, "ROLLBACK", NULL);
    tx_end(tx);
}

/* Maps a failed write step to a store code with a message naming what clashed. */
static int write_failure(struct store_conn *c, const struct resource *res, struct error *err)
{
    int ext = sqlite3_extended_errcode(c->db);
    const char *msg = sqlite3_errmsg(c->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        /* "UNIQUE constraint failed: t.a, t.b" → "a, b" */
        struct buf names = BUF_INIT;
        const char *p = strchr(msg, ':');
        size_t tl = strlen(res->table);
        while (p && *p) {
            p++;
            while (*p == ' ')
                p++;
            if (strncmp(p, res->table, tl) == 0 && p[tl] == '.')
                p += tl + 1;
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (names.n)
                buf_puts(&names, " and ");
            buf_append(&names, p, n);
            p = e;
        }
        error_set(err, "another %s already has the same %s", res->singular,
                  names.n ? names.p : "values");
        buf_release(&names);
        return STORE_CONFLICT;
    }
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
        error_set(err, "a reference points to a record that does not exist");
        return STORE_BAD_REF;
    }
    error_set(err, "%s", msg);
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
    sqlite3_stmt *st = store_prep(c, c->store->sql[res_index(res)].insert);
    if (!st)
        return error_set(err, "insert failed"), STORE_ERROR;
    store_now_text(rec->created_at);
    memcpy(rec->updated_at, rec->created_at, sizeof(rec->updated_at));
    int col = 1;
    for (size_t i = 0; i < res->nfields; i++)
        bind_value(st, col++, &res->fields[i], &rec->v[i]);
    sqlite3_bind_text(st, col++, rec->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, col++, rec->updated_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        rc = write_failure(c, res, err);
        store_done(st);
        return rc;
    }
    store_done(st);
    rec->id = sqlite3_last_insert_rowid(c->db);
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
    sqlite3_stmt *st = store_prep(c, c->store->sql[res_index(res)].update);
    if (!st)
        return error_set(err, "update failed"), STORE_ERROR;
    store_now_text(rec->updated_at);
    int col = 1;
    for (size_t i = 0; i < res->nfields; i++)
        bind_value(st, col++, &res->fields[i], &rec->v[i]);
    sqlite3_bind_text(st, col++, rec->updated_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, col++, rec->id);
    sqlite3_bind_int64(st, col++, rec->version);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        rc = write_failure(c, res, err);
        store_done(st);
        return rc;
    }
    store_done(st);
    if (sqlite3_changes(c->db) == 0) {
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
            else
                snprintf(sql, sizeof(sql),
                         "SELECT count(*) FROM %s WHERE EXISTS"
                         "(SELECT 1 FROM json_each(%s) WHERE value=?)",
                         o->table, f->name);
            sqlite3_stmt *st = store_prep(c, sql);
            if (!st)
                continue;
            sqlite3_bind_int64(st, 1, id);
            int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            store_done(st);
            if (n > 0) {
                *what = o->name;
                return n;
            }
        }
    }
    /* Users of an organisation are not a declared resource but still hold it. */
    if (strcmp(res->name, "organisations") == 0) {
        sqlite3_stmt *st = store_prep(c, "SELECT count(*) FROM users WHERE organisation_id=?");
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            store_done(st);
            if (n > 0) {
                *what = "users";
                return n;
            }
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
    sqlite3_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_done(st);
        error_set(err, "no %s with id %lld", res->singular, (long long)id);
        return STORE_NOT_FOUND;
    }
    int64_t have = sqlite3_column_int64(st, 0);
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
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
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

/* ---- audit chain -------------------------------------------------------------------- */

/* The canonical text of an entry, the input of its hash (with the previous hash). */
static void audit_canonical(struct buf *b, int64_t id, const char *at, int64_t actor_id,
                            const char *actor, int64_t org_id, const char *action,
                            const char *resource, int64_t record_id, const char *before,
                            const char *after)
{
    struct jw w;
    jw_init(&w, b);
    jw_arr(&w);
    jw_int(&w, id);
    jw_str(&w, at);
    jw_int(&w, actor_id);
    jw_str(&w, actor);
    jw_int(&w, org_id);
    jw_str(&w, action);
    jw_str(&w, resource);
    jw_int(&w, record_id);
    jw_str(&w, before);
    jw_str(&w, after);
    jw_arr_end(&w);
}

static void audit_hash(const char *prev_hex, const struct buf *canon, char out[65])
{
    crypto_hash_sha256_state h;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)prev_hex, strlen(prev_hex));
    crypto_hash_sha256_update(&h, (const unsigned char *)canon->p, canon->n);
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int store_audit(struct store_tx *tx, const struct store_actor *actor, const char *action,
                const char *resource, int64_t record_id, const char *before, const char *after)
{
    struct store_conn *c = tx->conn;
    sqlite3_stmt *st = store_prep(c, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!st)
        return STORE_ERROR;
    int64_t id = 1;
    char prev[65] = AUDIT_GENESIS;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0) + 1;
        copy_text(prev, sizeof(prev), st, 1);
    }
    store_done(st);
    char at[21], hash[65];
    store_now_text(at);
    const char *label = actor && actor->label ? actor->label : "system";
    int64_t uid = actor ? actor->user_id : 0, oid = actor ? actor->org_id : 0;
    struct buf canon = BUF_INIT;
    audit_canonical(&canon, id, at, uid, label, oid, action, resource, record_id, before, after);
    audit_hash(prev, &canon, hash);
    buf_release(&canon);

    st = store_prep(c, "INSERT INTO audit(id,at,actor_id,actor,org_id,action,resource,record_id,"
                       "before,after,prev_hash,hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
    if (uid)
        sqlite3_bind_int64(st, 3, uid);
    sqlite3_bind_text(st, 4, label, -1, SQLITE_STATIC);
    if (oid)
        sqlite3_bind_int64(st, 5, oid);
    sqlite3_bind_text(st, 6, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, resource, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, record_id);
    if (before)
        sqlite3_bind_text(st, 9, before, -1, SQLITE_STATIC);
    if (after)
        sqlite3_bind_text(st, 10, after, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: audit insert failed: %s", sqlite3_errmsg(c->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

const char *store_col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

int store_audit_verify(struct store_conn *c, int64_t *checked, int64_t *bad_id, struct error *err)
{
    sqlite3_stmt *st = store_prep(c, "SELECT id,at,actor_id,actor,org_id,action,resource,record_id,"
                                     "before,after,prev_hash,hash FROM audit ORDER BY id");
    if (!st)
        return error_set(err, "cannot read the audit trail"), STORE_ERROR;
    char prev[65] = AUDIT_GENESIS;
    int64_t expect_id = 1;
    int rc = STORE_OK;
    struct buf canon = BUF_INIT;
    *checked = 0;
    *bad_id = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *stored_prev = store_col_text(st, 10), *stored = store_col_text(st, 11);
        char hash[65];
        buf_reset(&canon);
        audit_canonical(&canon, id, store_col_text(st, 1), sqlite3_column_int64(st, 2),
                        store_col_text(st, 3), sqlite3_column_int64(st, 4), store_col_text(st, 5),
                        store_col_text(st, 6), sqlite3_column_int64(st, 7), store_col_text(st, 8),
                        store_col_text(st, 9));
        audit_hash(prev, &canon, hash);
        const char *why = NULL;
        if (id != expect_id)
            why = id > expect_id ? "an entry before it is missing" : "entries are out of order";
        else if (!stored_prev || strcmp(stored_prev, prev) != 0)
            why = "it does not follow the entry before it (deleted, inserted or reordered)";
        else if (!stored || strcmp(stored, hash) != 0)
            why = "its content does not match its hash (edited)";
        if (why) {
            *bad_id = id;
            error_set(err, "audit entry %lld: %s", (long long)id, why);
            rc = STORE_CONFLICT;
            break;
        }
        memcpy(prev, stored, sizeof(prev));
        expect_id = id + 1;
        (*checked)++;
    }
    if (rc == STORE_OK && step != SQLITE_DONE)
        rc = STORE_ERROR, error_set(err, "reading the audit trail failed");
    store_done(st);
    buf_release(&canon);
    return rc;
}

int store_integrity(struct store_conn *c, struct error *err)
{
    sqlite3_stmt *st = store_prep(c, "PRAGMA integrity_check");
    if (!st)
        return error_set(err, "integrity check could not run"), STORE_ERROR;
    int rc = STORE_OK;
    if (sqlite3_step(st) != SQLITE_ROW || strcmp(store_col_text(st, 0), "ok") != 0)
        rc = error_set(err, "integrity check: %s",
                       store_col_text(st, 0) ? store_col_text(st, 0) : "?");
    store_done(st);
    if (rc < 0)
        return STORE_ERROR;
    st = store_prep(c, "PRAGMA foreign_key_check");
    if (!st)
        return STORE_ERROR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        error_set(err, "foreign key check: table %s row %lld points nowhere", store_col_text(st, 0),
                  (long long)sqlite3_column_int64(st, 1));
        rc = STORE_ERROR;
    }
    store_done(st);
    return rc;
}

/* ---- state-machine history ---------------------------------------------------------- */

int store_transition_insert(struct store_tx *tx, const char *resource, int64_t record_id,
                            const char *from, const char *to, const struct store_actor *actor,
                            const char *note)
{
    sqlite3_stmt *st =
        store_prep(tx->conn, "INSERT INTO transitions(resource,record_id,from_state,"
                             "to_state,actor_id,actor,at,note) VALUES(?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, record_id);
    sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
    if (actor && actor->user_id)
        sqlite3_bind_int64(st, 5, actor->user_id);
    sqlite3_bind_text(st, 6, actor && actor->label ? actor->label : "system", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
    if (note)
        sqlite3_bind_text(st, 8, note, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_done(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

int store_transition_list(struct store_conn *c, const char *resource, int64_t record_id,
                          struct arena *a, struct transition_entry **out, size_t *n)
{
    sqlite3_stmt *st = store_prep(c, "SELECT from_state,to_state,actor_id,actor,at,note FROM "
                                     "transitions WHERE resource=? AND record_id=? ORDER BY id");
    *out = NULL;
    *n = 0;
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, record_id);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct transition_entry *grown = arena_alloc(a, cap * sizeof(*grown));
            if (*n)
                memcpy(grown, *out, *n * sizeof(*grown));
            *out = grown;
        }
        struct transition_entry *e = &(*out)[(*n)++];
        e->from = arena_strdup(a, store_col_text(st, 0));
        e->to = arena_strdup(a, store_col_text(st, 1));
        e->actor_id = sqlite3_column_int64(st, 2);
        e->actor = arena_strdup(a, store_col_text(st, 3));
        e->at = arena_strdup(a, store_col_text(st, 4));
        e->note = store_col_text(st, 5) ? arena_strdup(a, store_col_text(st, 5)) : NULL;
    }
    store_done(st);
    return STORE_OK;
}

/* ---- users and tokens --------------------------------------------------------------- */

static void row_user(sqlite3_stmt *st, struct arena *a, struct user *u)
{
    u->id = sqlite3_column_int64(st, 0);
    u->email = arena_strdup(a, store_col_text(st, 1) ? store_col_text(st, 1) : "");
    u->name = store_col_text(st, 2) ? arena_strdup(a, store_col_text(st, 2)) : NULL;
    u->role = arena_strdup(a, store_col_text(st, 3) ? store_col_text(st, 3) : "");
    u->org_id = sqlite3_column_int64(st, 4);
    u->disabled = sqlite3_column_int(st, 5) != 0;
    u->password_hash = store_col_text(st, 6) ? arena_strdup(a, store_col_text(st, 6)) : NULL;
}

#define USER_COLS "u.id,u.email,u.name,u.role,u.organisation_id,u.disabled,u.password_hash"

int store_user_insert(struct store_tx *tx, const struct user *u, int64_t *id, struct error *err)
{
    struct store_conn *c = tx->conn;
    sqlite3_stmt *st =
        store_prep(c, "INSERT INTO users(email,name,role,organisation_id,password_hash,"
                      "disabled,created_at,updated_at) VALUES(?,?,?,?,?,0,?,?)");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    sqlite3_bind_text(st, 1, u->email, -1, SQLITE_STATIC);
    if (u->name)
        sqlite3_bind_text(st, 2, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->role, -1, SQLITE_STATIC);
    if (u->org_id)
        sqlite3_bind_int64(st, 4, u->org_id);
    if (u->password_hash)
        sqlite3_bind_text(st, 5, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(c->db);
        store_done(st);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            return error_set(err, "a user with e-mail %s already exists", u->email), STORE_CONFLICT;
        if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            return error_set(err, "no organisation with id %lld", (long long)u->org_id),
                   STORE_BAD_REF;
        return error_set(err, "%s", sqlite3_errmsg(c->db)), STORE_ERROR;
    }
    store_done(st);
    *id = sqlite3_last_insert_rowid(c->db);
    return STORE_OK;
}

static int user_query(struct store_conn *c, const char *sql, int64_t id, const char *email,
                      const unsigned char *hash, struct arena *a, struct user *out)
{
    sqlite3_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    if (email)
        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    else if (hash)
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_user(st, a, out);
    store_done(st);
    return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_user_by_email(struct store_conn *c, const char *email, struct arena *a, struct user *out)
{
    return user_query(c, "SELECT " USER_COLS " FROM users u WHERE u.email=?", 0, email, NULL, a,
                      out);
}

int store_user_by_id(struct store_conn *c, int64_t id, struct arena *a, struct user *out)
{
    return user_query(c, "SELECT " USER_COLS " FROM users u WHERE u.id=?", id, NULL, NULL, a, out);
}

int store_user_set_disabled(struct store_tx *tx, int64_t id, bool disabled)
{
    sqlite3_stmt *st = store_prep(tx->conn, "UPDATE users SET disabled=?, updated_at=?, "
                                            "version=version+1 WHERE id=?");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    sqlite3_bind_int(st, 1, disabled);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id);
    int rc = sqlite3_step(st);
    store_done(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

int store_user_each(struct store_conn *c, struct arena *a,
                    void (*fn)(void *arg, const struct user *u), void *arg)
{
    sqlite3_stmt *st = store_prep(c, "SELECT " USER_COLS " FROM users u ORDER BY u.id");
    if (!st)
        return STORE_ERROR;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct user u;
        row_user(st, a, &u);
        fn(arg, &u);
    }
    store_done(st);
    return STORE_OK;
}

int store_token_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                     struct user *out)
{
    return user_query(c,
                      "SELECT " USER_COLS " FROM tokens t JOIN users u ON u.id=t.user_id "
                      "WHERE t.hash=? AND u.disabled=0",
                      0, NULL, hash, a, out);
}

int store_user_revoke_all(struct store_tx *tx, int64_t user_id)
{
    sqlite3_stmt *st = store_prep(tx->conn, "DELETE FROM tokens WHERE user_id=?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, user_id);
    int rc = sqlite3_step(st);
    store_done(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

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

static int user_version(struct store_conn *c)
{
    sqlite3_stmt *st = store_prep(c, "PRAGMA user_version");
    int v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    if (st)
        store_done(st);
    return v;
}

int store_schema_version(struct store *s)
{
    return user_version(&s->writer);
}

static int migrate(struct store *s, struct error *err)
{
    int have = user_version(&s->writer);
    int want = store_schema_latest();
    if (have > want)
        return error_set(err,
                         "the database has schema version %d, newer than this civdesk "
                         "knows (%d): use a newer civdesk",
                         have, want);
    for (int i = have; i < want; i++) {
        char sql[64];
        struct error e2;
        if (exec(&s->writer, "BEGIN IMMEDIATE", &e2) < 0)
            return error_set(err, "migration %s: %s", embed_migrations[i].name, e2.msg);
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", i + 1);
        if (exec(&s->writer, (const char *)embed_migrations[i].data, &e2) < 0 ||
            exec(&s->writer, sql, &e2) < 0) {
            exec(&s->writer, "ROLLBACK", NULL);
            return error_set(err, "migration %s failed: %s", embed_migrations[i].name, e2.msg);
        }
        if (exec(&s->writer, "COMMIT", &e2) < 0)
            return error_set(err, "migration %s: %s", embed_migrations[i].name, e2.msg);
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

int store_open(struct store **out, const char *path, enum store_open_mode mode, struct error *err)
{
    *out = NULL;
    if (sqlite3_threadsafe() == 0)
        return error_set(err, "SQLite was built without thread support");
    /* No global memory statistics: to keep them SQLite takes its allocator mutex around
     * every allocation on every connection (a point read: 33 lock/unlock pairs), and
     * nothing here reads them. Possible only before SQLite initialises, i.e. at the first
     * store_open; later calls are refused, which is harmless. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    struct store *s = calloc(1, sizeof(*s));
    if (!s)
        die("out of memory");
    s->path = strdup(path);
    pthread_mutex_init(&s->writer_lock, NULL);
    pthread_mutex_init(&s->readers_lock, NULL);
    pthread_key_create(&s->reader_key, reader_destroy);
    s->sql = calloc(resource_count, sizeof(*s->sql));
    if (!s->path || !s->sql)
        die("out of memory");
    for (size_t i = 0; i < resource_count; i++)
        build_res_sql(resource_all[i], &s->sql[i]);

    int flags = SQLITE_OPEN_READWRITE | (mode == STORE_OPEN_INIT ? SQLITE_OPEN_CREATE : 0);
    if (mode != STORE_OPEN_INIT && access(path, F_OK) != 0) {
        error_set(err, "no database at %s: create it with `civdesk init` (or `civdesk demo`)",
                  path);
        store_close(s);
        return -1;
    }
    struct error why = ERROR_INIT;
    if (mode == STORE_OPEN_INIT && strncmp(path, "file:", 5) != 0 && strcmp(path, ":memory:") != 0 &&
        store_create_private(path, err) < 0) {
        store_close(s);
        return -1;
    }
    if (conn_open(&s->writer, s, path, flags, false, &why) < 0) {
        error_set(err, "cannot use %s as a civdesk database: %s", path, why.msg);
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
            error_set(err, "%s is not a civdesk database yet: run `civdesk init`", path);
            store_close(s);
            return -1;
        }
        if (have != want) {
            if (have > want)
                error_set(err,
                          "%s has schema version %d, newer than this civdesk knows (%d): "
                          "refusing to use it",
                          path, have, want);
            else
                error_set(err,
                          "%s has schema version %d, this civdesk needs %d: run "
                          "`civdesk init` to migrate",
                          path, have, want);
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
    free(s);
}
