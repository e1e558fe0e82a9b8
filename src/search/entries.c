/*
 * What a record contributes to the index, read from its declaration: title fields
 * (F_TITLE; without any, the first F_SEARCH field) go to the title column, the other
 * F_SEARCH fields to the body column, and the first FT_LANG field gives the language.
 * New resources are covered as soon as they flag fields.
 */
#include "search/search.h"
#include "core/limits.h"

#include <string.h>

#define LABEL_MAX 200 /* code points of a result's title */

static bool indexed_field(const struct field *f)
{
    return f->flags & (F_SEARCH | F_TITLE);
}

bool search_resource_indexed(const struct resource *res)
{
    for (size_t i = 0; i < res->nfields; i++)
        if (indexed_field(&res->fields[i]))
            return true;
    return false;
}

#define PARENT_DEPTH_MAX 8

bool search_resource_findable(const struct resource *res)
{
    if (res->parent)
        return false;
    if (search_resource_indexed(res))
        return true;
    for (size_t i = 0; i < resource_count; i++) {
        const struct resource *r = resource_all[i];
        if (!search_resource_indexed(r))
            continue;
        for (int depth = 0; r && r->parent && depth < PARENT_DEPTH_MAX; depth++) {
            r = resource_find(str_from(r->parent));
            if (r == res)
                return true;
        }
    }
    return false;
}

/* The field whose values go to the title column when no field is flagged F_TITLE: the
 * first F_SEARCH one (-1: none); -2 when some field is flagged F_TITLE. */
static int title_field(const struct resource *res)
{
    int first_search = -1;
    for (size_t k = 0; k < res->nfields; k++) {
        if (res->fields[k].flags & F_TITLE)
            return -2;
        if (first_search < 0 && (res->fields[k].flags & F_SEARCH))
            first_search = (int)k;
    }
    return first_search;
}

/* Whether field i goes to the title column (tf: title_field(res)). */
static bool is_title(const struct resource *res, int tf, size_t i)
{
    return tf == -2 ? (res->fields[i].flags & F_TITLE) != 0 : tf == (int)i;
}

static bool textual(enum field_type t)
{
    return t == FT_TEXT || t == FT_ENUM || t == FT_TEXT_LIST || t == FT_EMAIL || t == FT_URL ||
           t == FT_COUNTRY || t == FT_LANG;
}

/* Appends text with control characters (other than line breaks and tabs) as spaces: no
 * indexed text starts with the tokenizer's tag marker, U+0001. */
static void put_text(struct buf *b, const char *p, size_t n)
{
    if (b->n)
        buf_putc(b, '\n');
    size_t run = 0; /* start of the bytes not yet appended */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 || c == '\n' || c == '\t')
            continue;
        buf_append(b, p + run, i - run);
        buf_putc(b, ' ');
        run = i + 1;
    }
    buf_append(b, p + run, n - run);
}

/* Appends the value's text, one line per list item. */
static void put_value(struct buf *b, const struct field *f, const struct value *v)
{
    if (f->type != FT_TEXT_LIST) {
        put_text(b, v->s, v->n);
        return;
    }
    json_t *arr = json_loadb(v->s, v->n, 0, NULL);
    size_t k;
    json_t *item;
    json_array_foreach(arr, k, item)
    {
        if (json_is_string(item))
            put_text(b, json_string_value(item), json_string_length(item));
    }
    json_decref(arr);
}

/* The first line of s, cut to LABEL_MAX code points. */
static const char *label_of(const char *s, struct arena *a)
{
    size_t n = 0, cps = 0;
    while (s[n] && s[n] != '\n' && cps <= LABEL_MAX) {
        if (((unsigned char)s[n] & 0xC0) != 0x80)
            cps++;
        if (cps > LABEL_MAX)
            break;
        n++;
    }
    return arena_strndup(a, s, n);
}

bool search_entry_text(const struct record *rec, struct buf *title, struct buf *body,
                       struct str *lang)
{
    const struct resource *res = rec->res;
    int tf = title_field(res);
    buf_reset(title);
    buf_reset(body);
    *lang = (struct str){NULL, 0};
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        const struct value *v = &rec->v[i];
        if (f->type == FT_LANG && !lang->p && !v->null)
            *lang = (struct str){v->s, v->n};
        if (!indexed_field(f) || !textual(f->type) || v->null || v->n == 0)
            continue;
        put_value(is_title(res, tf, i) ? title : body, f, v);
    }
    /* Both NUL-terminated, even when empty. */
    buf_append(title, "", 0);
    buf_append(body, "", 0);
    return title->n || body->n;
}

bool search_entry_of(const struct record *rec, struct arena *a, struct search_entry *out)
{
    struct buf title = BUF_INIT, body = BUF_INIT;
    struct str lang;
    memset(out, 0, sizeof(*out));
    bool any = search_entry_text(rec, &title, &body, &lang);
    if (lang.p)
        out->lang = arena_strndup(a, lang.p, lang.n);
    out->title = arena_strndup(a, title.p ? title.p : "", title.n);
    out->body = arena_strndup(a, body.p ? body.p : "", body.n);
    out->label = label_of(title.n ? out->title : out->body, a);
    buf_release(&title);
    buf_release(&body);
    return any;
}

void search_declarations_fingerprint(struct buf *out)
{
    for (size_t r = 0; r < resource_count; r++) {
        const struct resource *res = resource_all[r];
        buf_printf(out, "%s(%s,%s,%s,%s,%u:", res->name, res->parent ? res->parent : "",
                   res->parent_field ? res->parent_field : "", res->owner ? res->owner : "",
                   res->public_flag ? res->public_flag : "", res->access);
        for (size_t i = 0; i < res->nfields; i++) {
            const struct field *f = &res->fields[i];
            if (indexed_field(f) || f->type == FT_LANG)
                buf_printf(out, " %s/%d/%u", f->name, (int)f->type,
                           f->flags & (F_SEARCH | F_TITLE));
        }
        buf_puts(out, ")");
    }
}
