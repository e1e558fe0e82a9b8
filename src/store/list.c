/*
 * Lists of declared resources: filters, declared list parameters, the owner's scope and
 * public records, ?q= (search index and trigram index), sorting and keyset pagination
 * with an opaque cursor.
 *
 * Every value is bound; the only text pasted into SQL is identifiers from the static
 * resource declarations and integers this file produced.
 */
#define _GNU_SOURCE
#include "store/internal.h"
#include "store/counts.h"
#include "store/search_index.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void bind_all(struct db_stmt *st, const struct binds *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->f[i])
            store_bind_value(st, (int)i + 1, b->f[i], &b->v[i]);
        else
            db_bind_int64(st, (int)i + 1, b->v[i].i);
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
static const char *trigram_table(const struct resource *res, const char **text)
{
    /* text: on PostgreSQL, the expression pg_trgm's index covers (migrations/pgsql/0012),
     * written exactly as there so that the planner uses the index. */
    static const struct {
        const char *table, *index, *text;
    } tri[] = {
        {"organisations", "organisations_trigram",
         "(coalesce(name, '') || ' ' || coalesce(name_en, '') || ' ' || coalesce(name_ru, '') "
         "|| ' ' || coalesce(acronym, '') || ' ' || coalesce(city, '') || ' ' || "
         "coalesce(registration_no, ''))"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(tri); i++) {
        if (strcmp(res->table, tri[i].table) == 0) {
            if (text)
                *text = tri[i].text;
            return tri[i].index;
        }
    }
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
 * is public (not for the records of the caller's own organisation, scope_org), and the
 * F_STAFF_READS values of every record (q->hide_internal is set below the ministry). */
static void blank_internal(struct record *rec, int64_t scope_org)
{
    for (size_t i = 0; i < rec->res->nfields; i++) /* the ministry's own, for no one else */
        if (rec->res->fields[i].flags & F_STAFF_READS)
            rec->v[i] = (struct value){.null = true};
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

/* "%text%" for LIKE, with %, _ and \ in text made literal. */
static void like_pattern(struct buf *pat, const char *s, size_t n)
{
    buf_putc(pat, '%');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
            buf_putc(pat, '\\');
        buf_putc(pat, s[i]);
    }
    buf_putc(pat, '%');
}

/* How an id set's JSON text is bound. */
static const struct field id_set_field = {.name = "id", .type = FT_TEXT};

static void where_filters(struct store_conn *c, struct buf *b, struct binds *bd,
                          const struct resource *res, const struct list_query *q, struct arena *a)
{
    buf_puts(b, " WHERE 1=1");
    for (size_t i = 0; i < q->nfilters; i++) {
        const struct filter *fl = &q->filters[i];
        if (fl->field == FILTER_ID_SET) { /* a selection: id=1,2,3 */
            buf_puts(b, " AND id IN (SELECT CAST(value AS BIGINT) FROM ");
            buf_printf(b, db_sql_json_each(c->db), "?");
            buf_putc(b, ')');
            bind_add(bd, &id_set_field, fl->v);
            continue;
        }
        if (fl->field < 0) {
            buf_puts(b, " AND id=?");
            bind_add(bd, NULL, fl->v);
            continue;
        }
        const struct field *f = &res->fields[fl->field];
        if (is_list_type(f->type)) {
            buf_puts(b, " AND EXISTS(SELECT 1 FROM ");
            buf_printf(b, db_sql_json_each(c->db), f->name);
            buf_puts(b, " WHERE value=?)");
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
        if (of && of->type == FT_REF_LIST) {
            buf_puts(b, " AND (EXISTS(SELECT 1 FROM ");
            buf_printf(b, db_sql_json_each(c->db), of->name);
            buf_puts(b, " WHERE value=?)");
        } else
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
        like_pattern(&pat, q->q.p, q->q.n);
        struct value pv = {.s = arena_strndup(a, pat.p, pat.n), .n = pat.n};
        buf_release(&pat);
        bool pg = db_dialect(c->db) == DB_PGSQL;
        const char *match = search_list_match(c, q->q, a);
        struct value mv = {.s = match, .n = strlen(match)};
        const char *tri_text = NULL;
        const char *tri = trigram_table(res, &tri_text);
        if (tri && utf8_chars(q->q) >= 3) {
            /* Its words in any form or script (search index), or a substring of any case
             * in either script (trigram index: FTS5's, migration 0012, or pg_trgm's): the
             * ids come from the two indexes, never from a scan of the table. */
            const char *other = search_list_other_script(c, q->q, a);
            buf_puts(b, " AND id IN (");
            search_list_subquery(c, b, res);
            bind_add(bd, &search_match_field, mv);
            if (pg) {
                buf_printf(b, " UNION SELECT id FROM %s WHERE %s ILIKE ? ESCAPE '\\'", res->table,
                           tri_text);
                bind_add(bd, &search_match_field, pv);
                if (other) {
                    struct buf op = BUF_INIT;
                    like_pattern(&op, other, strlen(other));
                    buf_printf(b, " OR %s ILIKE ? ESCAPE '\\'", tri_text);
                    bind_add(bd, &search_match_field,
                             (struct value){.s = arena_strndup(a, op.p, op.n), .n = op.n});
                    buf_release(&op);
                }
                buf_putc(b, ')');
            } else {
                buf_printf(b, " UNION SELECT rowid FROM %s WHERE %s MATCH ?)", tri, tri);
                bind_add(bd, &search_match_field, trigram_query(q->q, other, a)); /* any text */
            }
        } else {
            buf_puts(b, " AND (1=0");
            search_list_sql(c, b, res); /* or its words, in any form or script */
            bind_add(bd, &search_match_field, mv);
            for (size_t i = 0; i < res->nfields; i++) {
                if (!(res->fields[i].flags & F_SEARCH))
                    continue;
                buf_printf(b, " OR %s %s ? ESCAPE '\\'", res->fields[i].name, db_sql_ilike(c->db));
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
    const struct res_sql *rs = &c->store->sql[store_res_index(res)];

    where_filters(c, &where, bd, res, q, a);

    if (q->count && !store_count_kept(c, res, q, &out->total)) { /* src/store/counts.c */
        buf_printf(&sql, "SELECT count(*) FROM %s%s", res->table, where.p);
        struct db_stmt *st = store_prep(c, sql.p);
        if (!st) {
            error_set(err, "list count failed");
            rc = STORE_ERROR;
            goto out;
        }
        bind_all(st, bd);
        if (db_step(st) == DB_ROW)
            out->total = db_column_int64(st, 0);
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
    struct db_stmt *st = store_prep(c, sql.p);
    if (!st) {
        rc = STORE_ERROR;
        error_set(err, "list query failed");
        goto out;
    }
    bind_all(st, bd);
    out->items = arena_alloc(a, sizeof(*out->items) * (size_t)(q->limit + 1));
    int step;
    while ((step = db_step(st)) == DB_ROW) {
        if (out->n == (size_t)q->limit) {
            out->next_cursor = cursor_encode(res, q, out->items[out->n - 1], a);
            break;
        }
        out->items[out->n++] = store_row_record(st, res, a);
        if (q->hide_internal)
            blank_internal(out->items[out->n - 1], q->scope_org);
    }
    if (step != DB_ROW && step != DB_DONE) {
        rc = STORE_ERROR;
        error_set(err, "list failed: %s", db_error_text(c->db));
    }
    store_done(st);
out:
    buf_release(&sql);
    buf_release(&where);
    buf_release(&order);
    return rc;
}
