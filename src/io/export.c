/*
 * Exports: any declared resource as CSV or JSON, produced page by page (keyset pages of
 * store_list inside one read transaction), so a million records cost what a page costs
 * in memory and the output is one consistent snapshot.
 */
#include "io/internal.h"
#include "core/limits.h"
#include "io/labels.h"
#include "json/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct io_export {
    struct io_export_opts o;
    struct store_conn *conn; /* borrowed */
    struct arena page;       /* the current page's records */
    struct buf cursor;       /* where the next page starts */
    bool in_read;            /* the read transaction is open */
    bool started;            /* the header was written */
    bool fetched;            /* at least one page was read */
    bool done;               /* the trailer was written */
    size_t rows;
    struct list_result cur; /* export_next_record: the page being handed out */
    size_t pos;             /* its next item */
};

/* ---- filters ------------------------------------------------------------------------ */

static const char *filter_names(const struct resource *res, struct arena *a)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "id, q");
    for (size_t i = 0; i < res->nfields; i++)
        if ((res->fields[i].flags & F_FILTER) && !(res->fields[i].flags & F_HIDDEN))
            buf_printf(&b, ", %s", res->fields[i].name);
    for (size_t i = 0; i < res->nparams; i++)
        buf_printf(&b, ", %s", res->params[i].name);
    char *s = arena_strndup(a, b.p, b.n);
    buf_release(&b);
    return s;
}

int io_export_filter(struct io_export_opts *o, struct str name, struct str value, struct arena *a,
                     struct error *err)
{
    const struct resource *res = o->res;
    struct list_query *q = &o->q;
    const char *key = arena_strndup(a, name.p, name.n);
    struct value val;
    const char *why = NULL;
    if (str_eq_cstr(name, "q")) {
        if (value.n > LIMIT_SEARCH_QUERY || !utf8_valid(value.p, value.n))
            return error_set(err, "q: must be UTF-8 text of at most %d bytes", LIMIT_SEARCH_QUERY);
        q->q = (struct str){arena_strndup(a, value.p, value.n), value.n};
        return 0;
    }
    if (str_eq_cstr(name, "id")) {
        if (value_id_set(value, a, &val, &why) < 0)
            return error_set(err, "id: %s", why);
        if (q->nfilters >= ARRAY_SIZE(q->filters))
            return error_set(err, "too many filters");
        q->filters[q->nfilters++] = (struct filter){.field = FILTER_ID_SET, .v = val};
        return 0;
    }
    const struct list_param *p = resource_param(res, name);
    if (p) {
        const struct field day = {.name = key, .type = FT_DATE};
        const struct field *f = list_param_field(res, p);
        if (value_from_text(p->kind == P_FROM || p->kind == P_TO ? &day : f, value, a, &val, &why) <
            0)
            return error_set(err, "%s: %s", key, why);
        if (q->nparams >= ARRAY_SIZE(q->params))
            return error_set(err, "too many filters");
        q->params[q->nparams++] = (struct param_filter){.p = p, .v = val};
        return 0;
    }
    int fi = resource_field_index(res, key);
    if (fi < 0 || !(res->fields[fi].flags & F_FILTER) || (res->fields[fi].flags & F_HIDDEN))
        return error_set(err, "%s is not a filter of %s (filters: %s)", key, res->name,
                         filter_names(res, a));
    if (value_from_text(&res->fields[fi], value, a, &val, &why) < 0)
        return error_set(err, "%s: %s", key, why);
    if (q->nfilters >= ARRAY_SIZE(q->filters))
        return error_set(err, "too many filters");
    q->filters[q->nfilters++] = (struct filter){.field = fi, .v = val};
    return 0;
}

/* ---- CSV and JSON rows -------------------------------------------------------------- */

/* The shortest text that reads back as the same double. */
static void put_real(struct buf *b, double r)
{
    char tmp[40];
    snprintf(tmp, sizeof(tmp), "%.15g", r);
    if (strtod(tmp, NULL) != r)
        snprintf(tmp, sizeof(tmp), "%.17g", r);
    buf_puts(b, tmp);
}

bool io_export_labels_valid(const char *lang)
{
    for (size_t i = 0; i < io_field_labels_n; i++)
        if (strcmp(io_field_labels[i].lang, lang) == 0)
            return true;
    return false;
}

/* The UI's label of field `name` in lang; the name itself where the UI has none. */
static const char *column_label(const char *lang, const char *name)
{
    for (size_t i = 0; lang && i < io_field_labels_n; i++)
        if (strcmp(io_field_labels[i].lang, lang) == 0 &&
            strcmp(io_field_labels[i].name, name) == 0)
            return io_field_labels[i].label;
    return name;
}

/* The column names, or with `labels` (a UI language) what the UI calls them: quoted as
 * any cell, as a label may hold a comma. */
static void csv_header_row(const struct resource *res, const char *labels, struct buf *out)
{
    static const char *const meta[] = {"created_at", "updated_at", "version"};
    const char *id = column_label(labels, "id");
    csv_put_cell(out, id, strlen(id), ',');
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & F_HIDDEN)
            continue;
        const char *l = column_label(labels, res->fields[i].name);
        buf_putc(out, ',');
        csv_put_cell(out, l, strlen(l), ',');
    }
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++) {
        const char *l = column_label(labels, meta[i]);
        buf_putc(out, ',');
        csv_put_cell(out, l, strlen(l), ',');
    }
    buf_puts(out, "\r\n");
}

static void csv_row(const struct record *rec, struct buf *out)
{
    const struct resource *res = rec->res;
    buf_printf(out, "%lld", (long long)rec->id);
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        const struct value *v = &rec->v[i];
        if (f->flags & F_HIDDEN)
            continue;
        buf_putc(out, ',');
        if (v->null)
            continue;
        switch (f->type) {
        case FT_INT:
        case FT_REF:
            buf_printf(out, "%lld", (long long)v->i);
            break;
        case FT_BOOL:
            buf_puts(out, v->i ? "true" : "false");
            break;
        case FT_REAL:
            put_real(out, v->r);
            break;
        case FT_TEXT_LIST:
        case FT_REF_LIST:
            csv_put_list(out, v->s, v->n, ',');
            break;
        default:
            csv_put_cell(out, v->s, v->n, ',');
            break;
        }
    }
    buf_printf(out, ",%s,%s,%lld\r\n", rec->created_at, rec->updated_at, (long long)rec->version);
}

/* ---- the stream --------------------------------------------------------------------- */

int io_export_open(struct io_export **out, struct store_conn *conn, const struct io_export_opts *o,
                   struct error *err)
{
    struct io_export *e = calloc(1, sizeof(*e));
    if (!e)
        die("out of memory");
    e->o = *o;
    e->o.q.sort = -1;
    e->o.q.desc = false;
    e->o.q.count = false;
    e->o.q.limit = LIMIT_LIST_MAX;
    e->o.q.cursor = STR_NULL;
    e->conn = conn;
    if (store_read_begin(conn) < 0) {
        free(e);
        return error_set(err, "could not start reading the database"), STORE_ERROR;
    }
    e->in_read = true;
    *out = e;
    return 0;
}

size_t io_export_rows(const struct io_export *e)
{
    return e->rows;
}

void io_export_free(struct io_export *e)
{
    if (!e)
        return;
    if (e->in_read)
        store_read_end(e->conn);
    arena_release(&e->page);
    buf_release(&e->cursor);
    free(e);
}

/* The next page of records into *res (page arena); 0 or a negative store code. */
static int next_page(struct io_export *e, struct list_result *res, struct error *err)
{
    arena_release(&e->page);
    struct list_query q = e->o.q;
    q.cursor = e->fetched ? buf_str(&e->cursor) : STR_NULL;
    int rc = store_list(e->conn, e->o.res, &q, &e->page, res, err);
    if (rc < 0)
        return rc;
    e->fetched = true;
    buf_reset(&e->cursor);
    if (res->next_cursor)
        buf_puts(&e->cursor, res->next_cursor);
    return 0;
}

int io_export_next(struct io_export *e, struct buf *out, struct error *err)
{
    if (e->done)
        return 0;
    if (!e->started) {
        e->started = true;
        if (e->o.format == IO_JSON)
            buf_putc(out, '[');
        else
            csv_header_row(e->o.res, e->o.labels, out);
        return 1;
    }
    if (!e->fetched || e->cursor.n) {
        struct list_result page;
        int rc = next_page(e, &page, err);
        if (rc < 0)
            return rc;
        /* a list of sub-records keeps what the caller reads (domain_sub_list_scope) */
        struct hook_ctx ctx = {.who = e->o.who,
                               .conn = e->conn,
                               .arena = &e->page,
                               .owns_parent = !e->o.q.hide_internal};
        for (size_t i = 0; i < page.n; i++) {
            if (e->o.format == IO_JSON) {
                buf_puts(out, e->rows ? ",\n" : "\n");
                struct jw w;
                jw_init(&w, out);
                record_to_json(&ctx, page.items[i], &w);
            } else {
                csv_row(page.items[i], out);
            }
            e->rows++;
        }
        if (e->cursor.n)
            return 1;
    }
    e->done = true;
    if (e->o.format == IO_JSON)
        buf_puts(out, e->rows ? "\n]\n" : "]\n");
    return 1;
}

const struct record *export_next_record(struct io_export *e, struct error *err, int *rc)
{
    *rc = 0;
    while (e->pos >= e->cur.n) {
        if (e->fetched && !e->cursor.n)
            return NULL;
        if ((*rc = next_page(e, &e->cur, err)) < 0)
            return NULL;
        e->pos = 0;
    }
    e->rows++;
    return e->cur.items[e->pos++];
}
