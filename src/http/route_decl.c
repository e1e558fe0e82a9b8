/*
 * What the server and the documents read from a route's declaration (src/http/routes.c):
 * its least role, whether it is public, its query string checked once before the handler
 * runs, and docs/api.md's route table. See http.h for the contracts.
 */
#include "http/http.h"
#include "http/request.h"
#include "core/valid.h"

#include <assert.h>
#include <microhttpd.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    enum http_method m;
} method_names[] = {
    {"GET", M_GET},       {"POST", M_POST}, {"PATCH", M_PATCH},
    {"DELETE", M_DELETE}, {"PUT", M_PUT},   {"HEAD", M_HEAD},
};

const char *route_method_name(enum http_method m)
{
    for (size_t i = 0; i < ARRAY_SIZE(method_names); i++)
        if (method_names[i].m == m)
            return method_names[i].name;
    return "?";
}

enum role route_least_role(const struct route *rt)
{
    for (int r = ROLE_ANON; r < ROLE_COUNT; r++)
        if (rt->grant[r] != GRANT_NONE && rt->grant[r] != GRANT_UNSET)
            return (enum role)r;
    return (enum role)ROLE_COUNT;
}

int route_success_status(const struct route *rt)
{
    return rt->reply == REPLY_NONE ? 204 : (rt->flags & ROUTE_CREATES) ? 201 : 200;
}

bool route_is_public(const struct route *rt)
{
    return rt->grant[ROLE_ANON] != GRANT_NONE && rt->grant[ROLE_ANON] != GRANT_UNSET;
}

const struct route *route_find(const char *method, const char *pattern)
{
    for (size_t i = 0; i < routes_count; i++)
        if (strcmp(routes[i].pattern, pattern) == 0 &&
            strcasecmp(route_method_name(routes[i].method), method) == 0)
            return &routes[i];
    return NULL;
}

/* ---- the query string ----------------------------------------------------------------- */

struct qcheck {
    struct request *r;
    const struct route *rt;
    struct errors *errs;
};

/* "a, b or c" from a NULL-terminated list, in the arena. */
static const char *or_list(struct arena *a, const char *const *v)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; v[i]; i++)
        buf_printf(&b, "%s%s", i == 0 ? "" : v[i + 1] ? ", " : " or ", v[i]);
    const char *out = arena_strdup(a, b.p ? b.p : "");
    buf_release(&b);
    return out;
}

/* Adds to errs what is wrong with value v of parameter p (nothing when it is fine). */
static void check_value(struct request *r, const struct route_param *p, const char *v,
                        struct errors *errs)
{
    struct str s = str_from(v);
    int64_t n;
    switch (p->type) {
    case PT_TEXT:
        if (p->max && s.n > (size_t)p->max)
            errors_add(errs, p->name, "is longer than %lld bytes", (long long)p->max);
        break;
    case PT_INT:
        if (parse_i64(s, 1, p->max, &n) < 0)
            errors_add(errs, p->name, "must be a whole number from 1 to %lld", (long long)p->max);
        break;
    case PT_ID:
        if (parse_i64(s, 1, INT64_MAX, &n) < 0)
            errors_add(errs, p->name, "must be an id");
        break;
    case PT_BOOL:
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            errors_add(errs, p->name, "must be true or false");
        break;
    case PT_ENUM: {
        bool known = false;
        for (size_t i = 0; p->values[i] && !known; i++)
            known = strcmp(p->values[i], v) == 0;
        if (!known)
            errors_add(errs, p->name, "must be one of %s", or_list(&r->arena, p->values));
        break;
    }
    case PT_DATE:
        if (!date_valid(s))
            errors_add(errs, p->name, "must be a date that exists, as YYYY-MM-DD");
        break;
    case PT_TIME:
        if (!date_valid(s) && datetime_parse(s, &n) < 0)
            errors_add(errs, p->name, "must be a date (YYYY-MM-DD) or a time (RFC 3339)");
        break;
    case PT_COUNTRY:
        if (!valid_country(s))
            errors_add(errs, p->name, "must be an ISO 3166-1 alpha-2 country code, such as RU");
        break;
    case PT_LANG:
        if (!valid_lang(s))
            errors_add(errs, p->name, "must be an ISO 639-1 language code, such as ru or en");
        break;
    case PT_CURSOR:
        if (s.n > LIMIT_CURSOR)
            errors_add(errs, p->name, "is not a cursor from this list");
        break;
    }
}

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct qcheck *c = cls;
    const struct route_param *params = c->rt->params;
    for (size_t i = 0; params[i].name; i++) {
        if (strcmp(params[i].name, key) != 0)
            continue;
        if (c->r->params[i])
            errors_add(c->errs, key, "is given twice");
        else if (!value || !utf8_valid(value, strlen(value)))
            errors_add(c->errs, key, "is not valid UTF-8 text");
        else if (*value || (params[i].type != PT_TEXT && params[i].type != PT_CURSOR))
            /* empty text or cursor: fine (the handler's default), or "is required" below */
            check_value(c->r, &params[i], value, c->errs);
        c->r->params[i] = value ? value : "";
        return MHD_YES;
    }
    if (c->rt->flags & ROUTE_OPEN_QUERY)
        return MHD_YES;
    struct buf list = BUF_INIT;
    for (size_t i = 0; params[i].name; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", params[i].name);
    errors_add(c->errs, utf8_valid(key, strlen(key)) ? key : "",
               "is not a parameter here; allowed: %s", list.p ? list.p : "none");
    buf_release(&list);
    return MHD_YES;
}

/* Whether errs already says something about field. */
static bool named(const struct errors *errs, const char *field)
{
    for (size_t i = 0; i < errs->n; i++)
        if (strcmp(errs->items[i].field, field) == 0)
            return true;
    return false;
}

bool route_check_query(struct request *r, const struct route *rt)
{
    memset(r->params, 0, sizeof(r->params));
    if (!rt->params || (rt->flags & ROUTE_LIST_QUERY))
        return true; /* reads none (any given is ignored), or the list's own check */
    struct errors errs;
    errors_init(&errs, &r->arena);
    struct qcheck c = {r, rt, &errs};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, &c);
    for (size_t i = 0; rt->params[i].name; i++) {
        assert(i < LIMIT_QUERY_PARAMS);
        if (rt->params[i].required && (!r->params[i] || !*r->params[i]) &&
            !named(&errs, rt->params[i].name))
            errors_add(&errs, rt->params[i].name, "is required: %s", rt->params[i].about);
    }
    if (!errs.n)
        return true;
    req_bad_query(r, &errs);
    return false;
}

const char *req_route_param(const struct request *r, const char *name)
{
    const struct route *rt = r->route_index >= 0 ? &routes[r->route_index] : NULL;
    assert(rt && rt->params); /* only a route that declares name asks for it */
    for (size_t i = 0; rt->params[i].name; i++)
        if (strcmp(rt->params[i].name, name) == 0)
            return r->params[i];
    BUG("a handler asked for a query parameter its route does not declare");
    return NULL;
}

/* ---- docs/api.md ---------------------------------------------------------------------- */

static const char *const grant_words[] = {[GRANT_UNSET] = "?",
                                          [GRANT_NONE] = "—",
                                          [GRANT_PUBLIC] = "public",
                                          [GRANT_OWN] = "own",
                                          [GRANT_ALL] = "all"};

static const char *body_word(enum body_kind k)
{
    switch (k) {
    case BODY_JSON:
        return "JSON";
    case BODY_MERGE_PATCH:
        return "merge patch";
    case BODY_UPLOAD:
        return "CSV or JSON file";
    case BODY_BYTES:
        return "bytes";
    default:
        return "";
    }
}

static void reply_words(struct buf *b, const struct route *rt)
{
    const char *of = rt->schema ? rt->schema : "{collection}";
    if (rt->schema == NULL && strstr(rt->pattern, "{sub}"))
        of = "{sub}";
    switch (rt->reply) {
    case REPLY_RECORD:
        buf_printf(b, "%d, `%s` record", route_success_status(rt), of);
        break;
    case REPLY_LIST:
        buf_printf(b, "200, list of `%s`", of);
        break;
    case REPLY_NONE:
        buf_puts(b, "204");
        break;
    case REPLY_FILE:
        buf_puts(b, "200, file");
        break;
    case REPLY_TEXT:
        buf_puts(b, "200, text");
        break;
    default:
        buf_printf(b, "%d, `%s`", route_success_status(rt), of);
        break;
    }
}

static const char *const type_words[] = {[PT_TEXT] = "text",
                                         [PT_INT] = "integer",
                                         [PT_ID] = "id",
                                         [PT_BOOL] = "`true` \\| `false`",
                                         [PT_ENUM] = "enum",
                                         [PT_DATE] = "date",
                                         [PT_TIME] = "date or time",
                                         [PT_COUNTRY] = "country",
                                         [PT_LANG] = "language",
                                         [PT_CURSOR] = "cursor"};

static void params_words(struct buf *b, const struct route *rt)
{
    if (rt->flags & ROUTE_LIST_QUERY) {
        buf_puts(b, "list parameters (below)");
        return;
    }
    if (!rt->params)
        return;
    for (size_t i = 0; rt->params[i].name; i++) {
        const struct route_param *p = &rt->params[i];
        buf_printf(b, "%s`%s`%s: ", i ? "; " : "", p->name, p->required ? " (required)" : "");
        if (p->type == PT_ENUM) {
            for (size_t k = 0; p->values[k]; k++)
                buf_printf(b, "%s`%s`", k ? " \\| " : "", p->values[k]);
        } else if (p->type == PT_INT) {
            buf_printf(b, "1–%lld", (long long)p->max);
        } else {
            buf_puts(b, type_words[p->type]);
        }
    }
    if (!rt->params[0].name)
        buf_puts(b, "none");
    else if (rt->flags & ROUTE_OPEN_QUERY)
        buf_puts(b, "; others ignored");
}

void routes_markdown(struct buf *b)
{
    buf_puts(b, "| method and path | does | anonymous | ngo | officer | admin | body | "
                "query | answer |\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *rt = &routes[i];
        buf_printf(b, "| `%s %s` | %s |", route_method_name(rt->method), rt->pattern, rt->summary);
        for (int role = ROLE_ANON; role < ROLE_COUNT; role++)
            buf_printf(b, " %s |", grant_words[rt->grant[role]]);
        buf_printf(b, " %s | ", body_word(rt->body));
        params_words(b, rt);
        buf_puts(b, " | ");
        reply_words(b, rt);
        buf_puts(b, " |\n");
    }
}
