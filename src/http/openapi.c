/*
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document generated from the route table and
 * the resource declarations the server runs on, so it cannot drift from them. Generic
 * patterns are expanded per resource; each operation carries what its row in routes[]
 * declares: path, query and version-header parameters with their types, the request body
 * by kind and content type, the answers by status (the success by kind with its schema,
 * 304/412 on versioned routes, RFC 9457 problems), the security (none for public routes;
 * bearer, or the session cookie with the CSRF header for writes), operationId and tag,
 * x-min-role, x-route and x-access (each role's grant). The schemas are written by
 * openapi_schema.c; the API suite validates every answer against this document.
 */
#include "http/openapi.h"
#include "http/openapi_schema.h"
#include "domain/domain.h"
#include "search/search.h"

#include <string.h>

/* The route's grants: each role's, as declared on its row. */
static void access_of_route(struct jw *w, const struct route *rt)
{
    jw_kstr(w, "x-route", rt->pattern);
    jw_key(w, "x-access");
    jw_obj(w);
    for (int role = ROLE_ANON; role < ROLE_COUNT; role++)
        jw_kstr(w, role_name((enum role)role), grant_name(rt->grant[role]));
    jw_obj_end(w);
}

static const char *method_name(enum http_method m)
{
    switch (m) {
    case M_GET:
        return "get";
    case M_POST:
        return "post";
    case M_PATCH:
        return "patch";
    case M_DELETE:
        return "delete";
    case M_PUT:
        return "put";
    default:
        return "head";
    }
}

/* Opens one parameter object up to its "schema" key; the caller writes the schema and
 * closes the object. */
static void param_open(struct jw *w, const char *name, const char *in, bool required,
                       const char *about)
{
    jw_obj(w);
    jw_kstr(w, "name", name);
    jw_kstr(w, "in", in);
    jw_kbool(w, "required", required);
    if (about)
        jw_kstr(w, "description", about);
    jw_key(w, "schema");
}

static void param(struct jw *w, const struct route_param *p)
{
    param_open(w, p->name, "query", p->required, p->about);
    openapi_param_schema(w, p);
    jw_obj_end(w);
}

/* The query of a list (src/http/list_query.c): the common parameters, sort by the
 * resource's sortable fields, a filter per filterable field and the resource's own. */
static void list_parameters(struct jw *w, struct arena *a, const struct resource *res)
{
    static const char *const formats_v[] = {"csv", "json", "xlsx", NULL};
    static const char *const langs_v[] = {"en", "ru", NULL};
    static const struct route_param common[] = {
        {"limit", PT_INT, LIMIT_LIST_MAX, NULL, false, "page size (default 50)"},
        {"cursor", PT_CURSOR, 0, NULL, false, "next_cursor of the previous page"},
        {"count", PT_BOOL, 0, NULL, false, "true: the page also says the total"},
        {"q", PT_TEXT, LIMIT_SEARCH_QUERY, NULL, false, "words the records contain"},
        {"id", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false, "one id, or a selection: 1,2,3"},
        {"format", PT_ENUM, 0, formats_v, false, "the whole list as a file (csv, json, xlsx)"},
        {"bom", PT_BOOL, 0, NULL, false, "true: a CSV starts with a UTF-8 BOM (for Excel)"},
        {"labels", PT_ENUM, 0, langs_v, false, "a CSV's header row in the UI's words"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(common); i++)
        param(w, &common[i]);
    const char **sorts = arena_alloc(a, (2 * res->nfields + 3) * sizeof(*sorts));
    size_t n = 0;
    sorts[n++] = "id";
    sorts[n++] = "-id";
    for (size_t i = 0; i < res->nfields; i++)
        if (res->fields[i].flags & F_SORT) {
            sorts[n++] = res->fields[i].name;
            sorts[n++] = arena_printf(a, "-%s", res->fields[i].name);
        }
    sorts[n] = NULL;
    const struct route_param sort = {"sort", PT_ENUM, 0,
                                     sorts,  false,   "the order: a field, descending with -"};
    param(w, &sort);
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!(f->flags & F_FILTER) || (f->flags & F_HIDDEN))
            continue;
        param_open(w, f->name, "query", false, "only records with this value");
        openapi_filter_schema(w, f);
        jw_obj_end(w);
    }
    for (size_t i = 0; i < res->nparams; i++) {
        const struct list_param *lp = &res->params[i];
        const struct field day = {.name = lp->name, .type = FT_DATE};
        param_open(w, lp->name, "query", false, NULL);
        openapi_filter_schema(
            w, lp->kind == P_FROM || lp->kind == P_TO ? &day : list_param_field(res, lp));
        jw_obj_end(w);
    }
}

/* The parameters: the pattern's ids ({id}, {subid}: whole numbers from 1), the route's
 * declared query (or a list's, by its resource) and the version headers of a route whose
 * answers carry an ETag. */
static void parameters_of_route(struct jw *w, struct arena *a, const struct route *rt,
                                const struct resource *res)
{
    jw_key(w, "parameters");
    jw_arr(w);
    static const char *const ids[] = {"id", "subid"};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        if (!strstr(rt->pattern, arena_printf(a, "{%s}", ids[i])))
            continue;
        param_open(w, ids[i], "path", true, NULL);
        jw_obj(w);
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 1);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    for (size_t i = 0; rt->params && rt->params[i].name; i++)
        param(w, &rt->params[i]);
    if ((rt->flags & ROUTE_LIST_QUERY) && res)
        list_parameters(w, a, res);
    if (rt->flags & ROUTE_ETAG) {
        bool read = rt->method == M_GET;
        param_open(w, read ? "If-None-Match" : "If-Match", "header", false,
                   read ? "the ETag of a copy the client holds: 304 when it is current"
                        : "the ETag read: 412 when the record has changed since");
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (rt->flags & ROUTE_LIST_QUERY)
        jw_kbool(w, "x-list-query", true); /* checked by list_query.c, per resource */
    if (rt->flags & ROUTE_OPEN_QUERY)
        jw_kbool(w, "x-other-query-ignored", true);
}

static void ref_schema(struct jw *w, struct arena *a, const char *name)
{
    jw_key(w, "schema");
    jw_obj(w);
    jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s", name));
    jw_obj_end(w);
}

/* A content type whose schema is bytes (a file, a feed, the metrics). */
static void bytes_content(struct jw *w, const char *type)
{
    jw_key(w, type);
    jw_obj(w);
    jw_key(w, "schema");
    jw_obj(w);
    jw_kstr(w, "type", "string");
    jw_obj_end(w);
    jw_obj_end(w);
}

/* The request body of a route by its declared kind: a JSON body with the schema the
 * route's answer names ("<schema>_in" for a POST, "<schema>_patch" for a PATCH,
 * transition_in for a move); an upload as CSV or a JSON array of records; an attachment
 * as any bytes. */
static void body_of_route(struct jw *w, struct arena *a, const struct route *rt, const char *schema,
                          const struct resource *res)
{
    if (rt->body == BODY_NONE)
        return;
    jw_key(w, "requestBody");
    jw_obj(w);
    jw_kbool(w, "required", true);
    jw_key(w, "content");
    jw_obj(w);
    if (rt->body == BODY_JSON || rt->body == BODY_MERGE_PATCH) {
        const char *in = NULL;
        if (rt->body == BODY_MERGE_PATCH)
            in = arena_printf(a, "%s_patch", schema ? schema : "");
        else if (strstr(rt->pattern, "/transitions"))
            in = "transition_in";
        else if (schema && openapi_schema_declared(arena_printf(a, "%s_in", schema)))
            in = arena_printf(a, "%s_in", schema);
        /* a merge patch is also taken as application/json */
        static const char *const types[] = {"application/merge-patch+json", "application/json"};
        for (size_t i = rt->body == BODY_MERGE_PATCH ? 0 : 1; i < ARRAY_SIZE(types); i++) {
            jw_key(w, types[i]);
            jw_obj(w);
            if (in && openapi_schema_declared(in))
                ref_schema(w, a, in);
            jw_obj_end(w);
        }
    } else if (rt->body == BODY_UPLOAD) {
        bytes_content(w, "text/csv");
        jw_key(w, "application/json");
        jw_obj(w);
        jw_key(w, "schema");
        jw_obj(w);
        jw_kstr(w, "type", "array");
        jw_key(w, "items");
        jw_obj(w);
        jw_kstr(w, "type", "object");
        jw_obj_end(w);
        jw_obj_end(w);
        jw_obj_end(w);
    } else {
        bytes_content(w, "*/*");
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

/* The success answer's content by the route's reply kind: a record or an object of the
 * declared schema; a list's page (or the whole list as a file: a JSON array, CSV or
 * XLSX); bytes. */
static void success_content(struct jw *w, struct arena *a, const struct route *rt,
                            const char *schema)
{
    if (rt->reply == REPLY_NONE)
        return;
    jw_key(w, "content");
    jw_obj(w);
    if (rt->reply == REPLY_TEXT) {
        bytes_content(w, "text/plain");
    } else if (rt->reply == REPLY_FILE) {
        bytes_content(w, strstr(rt->pattern, ".ics") ? "text/calendar" : "*/*");
    } else if (rt->reply == REPLY_LIST) {
        jw_key(w, "application/json");
        jw_obj(w);
        jw_key(w, "schema");
        jw_obj(w);
        if (!(rt->flags & ROUTE_LIST_QUERY)) {
            jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s_page", schema));
        } else { /* or with format=json: every record, an array */
            jw_key(w, "anyOf");
            jw_arr(w);
            jw_obj(w);
            jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s_page", schema));
            jw_obj_end(w);
            jw_obj(w);
            jw_kstr(w, "type", "array");
            jw_key(w, "items");
            jw_obj(w);
            jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s", schema));
            jw_obj_end(w);
            jw_obj_end(w);
            jw_arr_end(w);
        }
        jw_obj_end(w);
        jw_obj_end(w);
        if (rt->flags & ROUTE_LIST_QUERY) {
            bytes_content(w, "text/csv");
            bytes_content(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        }
    } else {
        jw_key(w, "application/json");
        jw_obj(w);
        ref_schema(w, a, schema);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* One problem answer: status, why, and the schema of its body (problem, or a route's
 * own that extends it). */
static void problem_answer(struct jw *w, struct arena *a, int status, const char *why,
                           const char *schema)
{
    jw_key(w, arena_printf(a, "%d", status));
    jw_obj(w);
    jw_kstr(w, "description", why);
    jw_key(w, "content");
    jw_obj(w);
    jw_key(w, "application/problem+json");
    jw_obj(w);
    ref_schema(w, a, schema);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void problem_response(struct jw *w, struct arena *a, int status, const char *why)
{
    problem_answer(w, a, status, why, "problem");
}

/* The answers: the success by the declared kind, 304 where a version guards a read, then
 * the problems the route can give (each RFC 9457, application/problem+json), and any
 * other as the default. schema: the component schema the row's answer names (NULL: bytes
 * or nothing). */
static void responses_of_route(struct jw *w, struct arena *a, const struct route *rt,
                               const char *schema)
{
    static const char *const kinds[] = {
        [REPLY_OBJECT] = "object", [REPLY_RECORD] = "record", [REPLY_LIST] = "list",
        [REPLY_NONE] = "none",     [REPLY_FILE] = "file",     [REPLY_TEXT] = "text"};
    jw_kstr(w, "x-reply", kinds[rt->reply]);
    if (schema)
        jw_kstr(w, "x-schema", schema);
    jw_key(w, "responses");
    jw_obj(w);
    jw_key(w, arena_printf(a, "%d", route_success_status(rt)));
    jw_obj(w);
    jw_kstr(w, "description", rt->summary);
    if (((rt->flags & ROUTE_ETAG) && rt->method != M_DELETE) || rt->reply == REPLY_RECORD) {
        jw_key(w, "headers");
        jw_obj(w);
        jw_key(w, "ETag");
        jw_obj(w);
        jw_kstr(w, "description",
                "\"<version>\" of a record (a digest of a file or feed); "
                "W/ before it when the body is gzipped");
        jw_key(w, "schema");
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_obj_end(w);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    success_content(w, a, rt, schema);
    jw_obj_end(w);
    if ((rt->flags & ROUTE_ETAG) && rt->method == M_GET) {
        jw_key(w, "304");
        jw_obj(w);
        jw_kstr(w, "description", "not modified: If-None-Match names the current ETag");
        jw_obj_end(w);
    }
    bool has_body = rt->body != BODY_NONE, has_query = rt->params || (rt->flags & ROUTE_LIST_QUERY);
    bool someone_refused = false;
    for (int role = ROLE_NGO; role < ROLE_COUNT; role++)
        someone_refused |= rt->grant[role] != GRANT_ALL;
    if (has_body || has_query)
        problem_response(w, a, 400,
                         has_body ? "malformed JSON, invalid UTF-8 or query string"
                                  : "a query parameter is unknown or not valid");
    if (!route_is_public(rt))
        problem_response(w, a, 401, "no credentials, or they are not valid");
    if (someone_refused || (!route_is_public(rt) && rt->method != M_GET))
        problem_response(w, a, 403, "the caller's role may not do this (or no CSRF token)");
    if (strstr(rt->pattern, "{"))
        problem_response(w, a, 404, "no such record, or one the caller may not see");
    if (rt->method != M_GET)
        problem_response(w, a, 409,
                         "a conflict: a duplicate, an illegal transition, a record in use");
    if ((rt->flags & ROUTE_ETAG) && rt->method != M_GET)
        problem_response(w, a, 412, "If-Match names a version that is not the current one");
    if (has_body) {
        problem_response(w, a, 413, "the body is too large");
        problem_response(w, a, 415, "the Content-Type is not one this route takes");
    }
    if (has_body || has_query) /* a route's own problem, <schema>_problem, if it has one */
        problem_answer(w, a, 422, "some fields are not valid; see errors",
                       schema && openapi_schema_declared(arena_printf(a, "%s_problem", schema))
                           ? arena_printf(a, "%s_problem", schema)
                           : "problem");
    problem_response(w, a, 429, "too many requests; try again later");
    problem_response(w, a, 503, "the database could not complete the request; try again");
    jw_key(w, "default");
    jw_obj(w);
    jw_kstr(w, "description", "any other problem");
    jw_key(w, "content");
    jw_obj(w);
    jw_key(w, "application/problem+json");
    jw_obj(w);
    ref_schema(w, a, "problem");
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* Who may call: nothing for a public route (or credentials, which show more), else a
 * bearer token, or the session cookie — with the X-CSRF-Token header for a write. */
static void security_of_route(struct jw *w, const struct route *rt)
{
    jw_key(w, "security");
    jw_arr(w);
    if (route_is_public(rt)) {
        jw_obj(w);
        jw_obj_end(w);
    }
    jw_obj(w);
    jw_key(w, "bearer");
    jw_arr(w);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_obj(w);
    jw_key(w, "session");
    jw_arr(w);
    jw_arr_end(w);
    if (rt->method != M_GET) {
        jw_key(w, "csrf");
        jw_arr(w);
        jw_arr_end(w);
    }
    jw_obj_end(w);
    jw_arr_end(w);
}

/* operationId: the method and the concrete path's words, e.g. get_organisations_id —
 * unique (one per method and path) and stable while the path is. */
static const char *operation_id(struct arena *a, const char *method, const char *path)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, method);
    if (!strncmp(path, "/api/v1", 7))
        path += 7;
    bool sep = true;
    for (const char *q = path; *q; q++) {
        bool word =
            (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9');
        if (!word) {
            sep = true;
            continue;
        }
        if (sep)
            buf_putc(&b, '_');
        sep = false;
        buf_putc(&b, *q == '-' ? '_' : *q);
    }
    const char *id = arena_strndup(a, b.p, b.n);
    buf_release(&b);
    return id;
}

/* The tag: the first segment after /api/v1 (the collection), or "service". */
static const char *tag_of(struct arena *a, const char *path)
{
    if (strncmp(path, "/api/v1/", 8) != 0)
        return "service";
    path += 8;
    size_t n = strcspn(path, "/");
    return arena_strndup(a, path, n);
}

/* One concrete path: the pattern with {collection}/{sub} replaced. */
struct op {
    const char *path;
    const struct route *rt;
    const struct resource *res; /* the resource the body/response is about, or NULL */
};

static void expand(struct arena *a, const struct route *rt, struct op *ops, size_t *n, size_t cap)
{
    const char *p = rt->pattern;
    bool coll = strstr(p, "{collection}") != NULL, sub = strstr(p, "{sub}") != NULL;
    for (size_t i = 0; i < resource_count || (!coll && i == 0); i++) {
        const struct resource *res = coll ? resource_all[i] : NULL;
        if (coll && res->parent)
            continue;
        if (coll && strstr(p, "/transitions") && !res->state_field)
            continue;
        for (size_t j = 0; j < (sub ? resource_count : 1); j++) {
            const struct resource *s = sub ? resource_all[j] : NULL;
            if (sub && (!s->parent || strcmp(s->parent, res->name) != 0))
                continue;
            struct buf b = BUF_INIT;
            for (const char *q = p; *q;) {
                if (!strncmp(q, "{collection}", 12)) {
                    buf_puts(&b, res->name);
                    q += 12;
                } else if (!strncmp(q, "{sub}", 5)) {
                    buf_puts(&b, s->path);
                    q += 5;
                } else {
                    buf_putc(&b, *q++);
                }
            }
            if (*n < cap)
                ops[(*n)++] = (struct op){arena_strndup(a, b.p, b.n), rt, sub ? s : res};
            buf_release(&b);
        }
        if (!coll)
            break;
    }
}

void openapi_write(struct jw *w, struct arena *a)
{
    size_t cap = routes_count * (resource_count + 1) * 4, n = 0;
    struct op *ops = arena_alloc(a, cap * sizeof(*ops));
    for (size_t i = 0; i < routes_count; i++)
        expand(a, &routes[i], ops, &n, cap);

    jw_obj(w);
    jw_kstr(w, "openapi", "3.1.0");
    jw_key(w, "info");
    jw_obj(w);
    jw_kstr(w, "title", "civdesk API");
    jw_kstr(w, "version", "1");
    jw_kstr(w, "description",
            "The API of civdesk, generated from the routes and resources the "
            "server runs on. Errors are RFC 9457 problems.");
    jw_obj_end(w);
    jw_key(w, "servers"); /* the server that serves this document */
    jw_arr(w);
    jw_obj(w);
    jw_kstr(w, "url", "/");
    jw_obj_end(w);
    jw_arr_end(w);
    jw_key(w, "paths");
    jw_obj(w);
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(ops[k].path, ops[i].path))
                first = false;
        if (!first)
            continue;
        jw_key(w, ops[i].path);
        jw_obj(w);
        for (size_t k = i; k < n; k++) {
            if (strcmp(ops[k].path, ops[i].path) != 0)
                continue;
            /* The router takes the first route that matches; so does the document. */
            bool shadowed = false;
            for (size_t e = i; e < k; e++)
                shadowed |=
                    !strcmp(ops[e].path, ops[k].path) && ops[e].rt->method == ops[k].rt->method;
            if (shadowed)
                continue;
            jw_key(w, method_name(ops[k].rt->method));
            jw_obj(w);
            const struct route *rt = ops[k].rt;
            const char *schema = rt->schema ? rt->schema : ops[k].res ? ops[k].res->name : NULL;
            const struct resource *res = ops[k].res;
            for (size_t e = 0; !res && schema && e < resource_count; e++)
                if (!strcmp(resource_all[e]->name, schema))
                    res = resource_all[e]; /* a literal route of a resource's */
            bool typed =
                rt->reply == REPLY_OBJECT || rt->reply == REPLY_RECORD || rt->reply == REPLY_LIST;
            if (typed && !openapi_schema_declared(
                             rt->reply == REPLY_LIST ? arena_printf(a, "%s_page", schema) : schema))
                BUG("a route answers a schema openapi_schema.c does not declare");
            jw_kstr(w, "operationId", operation_id(a, method_name(rt->method), ops[k].path));
            jw_key(w, "tags");
            jw_arr(w);
            jw_str(w, tag_of(a, ops[k].path));
            jw_arr_end(w);
            jw_kstr(w, "summary", rt->summary);
            jw_kstr(w, "x-min-role", role_name(route_least_role(rt)));
            jw_kbool(w, "x-public", route_is_public(rt));
            access_of_route(w, rt);
            if (res)
                jw_kstr(w, "x-resource", res->name);
            security_of_route(w, rt);
            parameters_of_route(w, a, rt, res);
            body_of_route(w, a, rt, schema, res);
            responses_of_route(w, a, rt, schema);
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_key(w, "components");
    jw_obj(w);
    jw_key(w, "schemas");
    jw_obj(w);
    openapi_schemas(w, a);
    jw_obj_end(w);
    jw_key(w, "securitySchemes");
    jw_obj(w);
    static const struct {
        const char *name, *type, *in, *key, *about;
    } schemes[] = {
        {"bearer", "http", NULL, NULL, "a token from `civdesk token create --email E`"},
        {"session", "apiKey", "cookie", "civdesk_session",
         "the cookie POST /api/v1/session sets (__Host-civdesk_session over HTTPS)"},
        {"csrf", "apiKey", "header", "X-CSRF-Token",
         "the csrf_token of the session, sent with every write made with its cookie"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
        jw_key(w, schemes[i].name);
        jw_obj(w);
        jw_kstr(w, "type", schemes[i].type);
        if (schemes[i].in) {
            jw_kstr(w, "in", schemes[i].in);
            jw_kstr(w, "name", schemes[i].key);
        } else {
            jw_kstr(w, "scheme", "bearer");
        }
        jw_kstr(w, "description", schemes[i].about);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

void h_openapi(struct request *r)
{
    struct jw w;
    resp_json(r, 200, &w);
    openapi_write(&w, &r->arena);
}
