/*
 * The query string of a list, read into a struct list_query (see list_query.h). Moved
 * out of the handler so that the fuzz target parses exactly what the server parses.
 */
#include "http/list_query.h"
#include "core/limits.h"

#include <string.h>

int list_query_parse(const struct resource *res, const struct query_param *params, size_t nparams,
                     struct arena *a, struct list_query *q, struct errors *errs)
{
    size_t before = errs->n;
    memset(q, 0, sizeof(*q));
    q->sort = -1;
    q->limit = LIMIT_LIST_DEFAULT;
    bool duplicate = false;
    for (size_t i = 0; i < nparams; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[i].key, params[j].key) == 0)
                duplicate = true;
    for (size_t i = 0; i < nparams; i++) {
        const char *k = params[i].key;
        struct str v = str_from(params[i].value);
        if (!utf8_valid(v.p, v.n) || !utf8_valid(k, strlen(k))) {
            errors_add(errs, k, "is not valid UTF-8");
            continue;
        }
        if (strcmp(k, "limit") == 0) {
            int64_t n;
            if (parse_i64(v, 1, LIMIT_LIST_MAX, &n) < 0)
                errors_add(errs, k, "must be a whole number from 1 to %d", LIMIT_LIST_MAX);
            else
                q->limit = (int)n;
        } else if (strcmp(k, "cursor") == 0) {
            q->cursor = v;
        } else if (strcmp(k, "count") == 0) {
            if (str_eq_cstr(v, "true"))
                q->count = true;
            else if (!str_eq_cstr(v, "false"))
                errors_add(errs, k, "must be true or false");
        } else if (strcmp(k, "q") == 0) {
            if (v.n > LIMIT_SEARCH_QUERY)
                errors_add(errs, k, "is too long");
            q->q = v;
        } else if (strcmp(k, "sort") == 0) {
            bool desc = v.n && v.p[0] == '-';
            struct str name = desc ? (struct str){v.p + 1, v.n - 1} : v;
            if (str_eq_cstr(name, "id")) {
                q->sort = -1;
                q->desc = desc;
                continue;
            }
            int fi = -1;
            for (size_t f = 0; f < res->nfields; f++)
                if ((res->fields[f].flags & F_SORT) && str_eq_cstr(name, res->fields[f].name))
                    fi = (int)f;
            if (fi < 0) {
                struct buf allowed = BUF_INIT;
                buf_puts(&allowed, "id");
                for (size_t f = 0; f < res->nfields; f++)
                    if (res->fields[f].flags & F_SORT)
                        buf_printf(&allowed, ", %s", res->fields[f].name);
                errors_add(errs, k, "cannot sort by that; allowed: %s (prefix - for descending)",
                           allowed.p);
                buf_release(&allowed);
            } else {
                q->sort = fi;
                q->desc = desc;
            }
        } else if (strcmp(k, "id") == 0) {
            /* One id, or a selection: id=1,2,3 (the UI's bulk export). */
            struct value ids;
            const char *why;
            if (value_id_set(v, a, &ids, &why) < 0)
                errors_add(errs, k, "%s", why);
            else if (q->nfilters < ARRAY_SIZE(q->filters))
                q->filters[q->nfilters++] = (struct filter){.field = FILTER_ID_SET, .v = ids};
        } else if (resource_param(res, str_from(k))) {
            const struct list_param *p = resource_param(res, str_from(k));
            const struct field *f = list_param_field(res, p);
            const struct field day = {.name = k, .type = FT_DATE};
            struct value val;
            const char *why;
            if (value_from_text(p->kind == P_FROM || p->kind == P_TO ? &day : f, v, a, &val, &why) <
                0)
                errors_add(errs, k, "%s", why);
            else if (q->nparams < ARRAY_SIZE(q->params))
                q->params[q->nparams++] = (struct param_filter){.p = p, .v = val};
        } else {
            const struct field *f = resource_field(res, k);
            if (!f || !(f->flags & F_FILTER) || (f->flags & F_HIDDEN)) {
                errors_add(errs, k, "is not a filter of %s", res->name);
                continue;
            }
            struct value val;
            const char *why;
            if (value_from_text(f, v, a, &val, &why) < 0) {
                errors_add(errs, k, "%s", why);
                continue;
            }
            if (q->nfilters < ARRAY_SIZE(q->filters))
                q->filters[q->nfilters++] =
                    (struct filter){.field = resource_field_index(res, k), .v = val};
        }
    }
    if (duplicate)
        errors_add(errs, "", "a query parameter is given twice");
    return errs->n > before ? -1 : 0;
}
