/*
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document generated from the route table and
 * the resource declarations the server runs on, so it cannot drift from them. Generic
 * patterns are expanded per resource; each operation carries what its row in routes[]
 * declares: path and query parameters with their types, the request body by kind, the
 * success answer by kind (x-reply, with the resource schema for records and lists), the
 * security (none for public routes; bearer or session), x-min-role, x-route and x-access
 * (each role's grant); each schema carries what the access rules read of the declaration,
 * for tools and the authorisation-matrix test.
 */
#include "http/openapi.h"
#include "domain/domain.h"
#include "search/search.h"

#include <string.h>

static void schema_of_field(struct jw *w, const struct field *f)
{
    static const struct {
        enum field_type t;
        const char *type, *format;
    } map[] = {
        {FT_TEXT, "string", NULL},
        {FT_INT, "integer", NULL},
        {FT_REAL, "number", NULL},
        {FT_BOOL, "boolean", NULL},
        {FT_DATE, "string", "date"},
        {FT_DATETIME, "string", "date-time"},
        {FT_COUNTRY, "string", "iso3166-1-alpha-2"},
        {FT_LANG, "string", "iso639-1"},
        {FT_EMAIL, "string", "email"},
        {FT_URL, "string", "uri"},
        {FT_ENUM, "string", NULL},
        {FT_TEXT_LIST, "array", NULL},
        {FT_REF, "integer", NULL},
        {FT_REF_LIST, "array", NULL},
    };
    jw_obj(w);
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (map[i].t != f->type)
            continue;
        jw_key(w, "type");
        if (f->flags & F_REQUIRED) {
            jw_str(w, map[i].type);
        } else {
            jw_arr(w);
            jw_str(w, map[i].type);
            jw_str(w, "null");
            jw_arr_end(w);
        }
        if (map[i].format)
            jw_kstr(w, "format", map[i].format);
    }
    if (f->type == FT_TEXT && f->max)
        jw_kint(w, "maxLength", f->max);
    if (f->type == FT_ENUM && f->values) {
        jw_key(w, "enum");
        jw_arr(w);
        for (const char *const *v = f->values; *v; v++)
            jw_str(w, *v);
        if (!(f->flags & F_REQUIRED))
            jw_null(w); /* a nullable enum lists null, or null fails its own schema */
        jw_arr_end(w);
    }
    if (f->type == FT_TEXT_LIST || f->type == FT_REF_LIST) {
        jw_key(w, "items");
        jw_obj(w);
        jw_kstr(w, "type", f->type == FT_TEXT_LIST ? "string" : "integer");
        jw_obj_end(w);
        jw_kint(w, "maxItems", f->max ? f->max : 100);
    }
    if (f->ref)
        jw_kstr(w, "x-references", f->ref);
    if (f->flags & F_READONLY)
        jw_kbool(w, "readOnly", true);
    if (f->flags & F_STAFF_WRITES)
        jw_kstr(w, "x-writers", "staff"); /* officers and administrators only */
    if (f->flags & F_STAFF_READS)
        jw_kstr(w, "x-readers", "staff"); /* never shown to an NGO nor the public */
    if (f->flags & F_FILTER)
        jw_kbool(w, "x-filter", true);
    if (f->flags & F_SORT)
        jw_kbool(w, "x-sort", true);
    jw_obj_end(w);
}

static void schema_of_resource(struct jw *w, const struct resource *res)
{
    jw_key(w, res->name);
    jw_obj(w);
    jw_kstr(w, "type", "object");
    jw_key(w, "properties");
    jw_obj(w);
    jw_key(w, "id");
    jw_obj(w);
    jw_kstr(w, "type", "integer");
    jw_kbool(w, "readOnly", true);
    jw_obj_end(w);
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & F_HIDDEN)
            continue;
        jw_key(w, res->fields[i].name);
        schema_of_field(w, &res->fields[i]);
    }
    /* The computed members, as declared beside the fields (read-only, x-computed). */
    for (size_t i = 0; i < res->ncomputed; i++) {
        const struct computed_field *cf = &res->computed_fields[i];
        jw_key(w, cf->name);
        jw_obj(w);
        jw_key(w, "type");
        if (cf->flags & CF_NULLABLE) {
            jw_arr(w);
            jw_str(w, cf->type);
            jw_str(w, "null");
            jw_arr_end(w);
        } else {
            jw_str(w, cf->type);
        }
        if (cf->format)
            jw_kstr(w, "format", cf->format);
        jw_kstr(w, "description", cf->about);
        jw_kbool(w, "readOnly", true);
        jw_kbool(w, "x-computed", true);
        if (cf->flags & CF_DETAIL)
            jw_kbool(w, "x-detail", true); /* on one record, not on list items */
        if (cf->flags & CF_OPTIONAL)
            jw_kbool(w, "x-optional", true);
        jw_obj_end(w);
    }
    if (res->transitions) {
        jw_key(w, "history");
        jw_obj(w);
        jw_kstr(w, "type", "array");
        jw_kstr(w, "description", "the record's moves, oldest first: from, to, by, at, note");
        jw_kbool(w, "readOnly", true);
        jw_kbool(w, "x-computed", true);
        jw_kbool(w, "x-detail", true);
        jw_obj_end(w);
    }
    static const char *const meta[] = {"created_at", "updated_at", "version"};
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++) {
        jw_key(w, meta[i]);
        jw_obj(w);
        jw_kstr(w, "type", i < 2 ? "string" : "integer");
        jw_kbool(w, "readOnly", true);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_key(w, "required");
    jw_arr(w);
    for (size_t i = 0; i < res->nfields; i++)
        if (res->fields[i].flags & F_REQUIRED)
            jw_str(w, res->fields[i].name);
    jw_arr_end(w);
    if (res->state_field) {
        jw_key(w, "x-transitions");
        jw_arr(w);
        for (size_t i = 0; i < res->ntransitions; i++) {
            jw_obj(w);
            jw_kstr(w, "from", res->transitions[i].from);
            jw_kstr(w, "to", res->transitions[i].to);
            jw_kstr(w, "min_role", role_name((enum role)res->transitions[i].min_role));
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    /* What the access rules read (src/domain/access.c). */
    jw_kbool(w, "x-resource", true); /* a declared resource (not a patch nor an answer's shape) */
    jw_kstr(w, "x-owner", res->owner);
    jw_kstr(w, "x-public-flag", res->public_flag);
    jw_kstr(w, "x-public-via", res->public_via);
    jw_kstr(w, "x-parent", res->parent);
    jw_kstr(w, "x-parent-field", res->parent_field);
    jw_kstr(w, "x-path", res->path);
    jw_kstr(w, "x-parent-path", res->parent_path);
    jw_kstr(w, "x-state-field", res->state_field);
    jw_kbool(w, "x-reference", (res->access & RES_REFERENCE) != 0);
    jw_kbool(w, "x-owner-reads-only", (res->access & RES_OWNER_READS_ONLY) != 0);
    jw_kbool(w, "x-admin-writes", (res->access & RES_ADMIN_WRITES) != 0);
    jw_kbool(w, "x-searchable", search_resource_findable(res)); /* in /api/v1/search results */
    jw_kbool(w, "x-owner-adds-only", (res->access & RES_OWNER_ADDS_ONLY) != 0);
    jw_kstr(w, "x-internal-flag", res->internal_flag); /* set: the ministry's only */
    jw_kbool(w, "additionalProperties", false);
    jw_obj_end(w);
}

/*
 * <resource>_patch: what a JSON merge patch (RFC 7396) of the resource may hold: every
 * writable member optional, null (clearing) allowed where the field is not required.
 */
static void patch_schema_of_resource(struct jw *w, struct arena *a, const struct resource *res)
{
    jw_key(w, arena_printf(a, "%s_patch", res->name));
    jw_obj(w);
    jw_kstr(w, "type", "object");
    jw_kstr(w, "description", "a JSON merge patch (RFC 7396): members to set; null clears");
    jw_key(w, "properties");
    jw_obj(w);
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (f->flags & (F_HIDDEN | F_READONLY))
            continue;
        jw_key(w, f->name);
        schema_of_field(w, f);
    }
    jw_obj_end(w);
    jw_kbool(w, "additionalProperties", false);
    jw_obj_end(w);
}

/* The RFC 9457 problem every 4xx and 5xx answer carries (src/http/request.c). */
static void problem_schema(struct jw *w)
{
    jw_key(w, "problem");
    jw_obj(w);
    jw_kstr(w, "type", "object");
    jw_kstr(w, "description", "RFC 9457 problem details");
    jw_key(w, "properties");
    jw_obj(w);
    static const char *const strs[] = {"type", "title", "detail", "instance", "code"};
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
        jw_key(w, strs[i]);
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_obj_end(w);
    }
    jw_key(w, "status");
    jw_obj(w);
    jw_kstr(w, "type", "integer");
    jw_kint(w, "minimum", 400);
    jw_kint(w, "maximum", 599);
    jw_obj_end(w);
    jw_key(w, "errors");
    jw_obj(w);
    jw_kstr(w, "type", "array");
    jw_key(w, "items");
    jw_obj(w);
    jw_kstr(w, "type", "object");
    jw_key(w, "properties");
    jw_obj(w);
    jw_key(w, "field");
    jw_obj(w);
    jw_kstr(w, "type", "string");
    jw_obj_end(w);
    jw_key(w, "message");
    jw_obj(w);
    jw_kstr(w, "type", "string");
    jw_obj_end(w);
    jw_obj_end(w);
    jw_key(w, "required");
    jw_arr(w);
    jw_str(w, "field");
    jw_str(w, "message");
    jw_arr_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_key(w, "required");
    jw_arr(w);
    jw_str(w, "type");
    jw_str(w, "title");
    jw_str(w, "status");
    jw_arr_end(w);
    jw_obj_end(w);
}

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

/* The schema of a query parameter's value. */
static void schema_of_param(struct jw *w, const struct route_param *p)
{
    jw_obj(w);
    switch (p->type) {
    case PT_INT:
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 1);
        jw_kint(w, "maximum", p->max);
        break;
    case PT_ID:
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 1);
        break;
    case PT_BOOL:
        jw_kstr(w, "type", "boolean");
        break;
    case PT_ENUM:
        jw_kstr(w, "type", "string");
        jw_key(w, "enum");
        jw_arr(w);
        for (const char *const *v = p->values; *v; v++)
            jw_str(w, *v);
        jw_arr_end(w);
        break;
    case PT_DATE:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date");
        break;
    case PT_COUNTRY:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "iso3166-1-alpha-2");
        break;
    case PT_LANG:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "iso639-1");
        break;
    case PT_CURSOR:
        jw_kstr(w, "type", "string");
        jw_kint(w, "maxLength", LIMIT_CURSOR);
        break;
    case PT_TIME: /* a date (the whole day) or a date-time */
        jw_key(w, "anyOf");
        jw_arr(w);
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date");
        jw_obj_end(w);
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date-time");
        jw_obj_end(w);
        jw_arr_end(w);
        break;
    default: /* PT_TEXT */
        jw_kstr(w, "type", "string");
        if (p->max)
            jw_kint(w, "maxLength", p->max);
        break;
    }
    jw_obj_end(w);
}

/* The path parameters of a pattern ({id}, {subid}: integers) and the route's declared
 * query parameters. A list route's parameters depend on the resource (x-list-query). */
static void parameters_of_route(struct jw *w, const struct route *rt)
{
    jw_key(w, "parameters");
    jw_arr(w);
    static const char *const ids[] = {"{id}", "{subid}"};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        if (!strstr(rt->pattern, ids[i]))
            continue;
        jw_obj(w);
        jw_kstr(w, "name", i ? "subid" : "id");
        jw_kstr(w, "in", "path");
        jw_kbool(w, "required", true);
        jw_key(w, "schema");
        jw_obj(w);
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 1);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    for (size_t i = 0; rt->params && rt->params[i].name; i++) {
        jw_obj(w);
        jw_kstr(w, "name", rt->params[i].name);
        jw_kstr(w, "in", "query");
        jw_kbool(w, "required", rt->params[i].required);
        jw_kstr(w, "description", rt->params[i].about);
        jw_key(w, "schema");
        schema_of_param(w, &rt->params[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (rt->flags & ROUTE_LIST_QUERY)
        jw_kbool(w, "x-list-query", true); /* filters and sort from the schema's x-filter,
                                               x-sort; limit, cursor, count, q, format */
    if (rt->flags & ROUTE_OPEN_QUERY)
        jw_kbool(w, "x-other-query-ignored", true);
}

/* The request body of a route by its declared kind. */
static void body_of_route(struct jw *w, struct arena *a, const struct route *rt, const char *schema)
{
    static const struct {
        enum body_kind k;
        const char *type;
    } types[] = {
        {BODY_JSON, "application/json"},        {BODY_MERGE_PATCH, "application/merge-patch+json"},
        {BODY_MERGE_PATCH, "application/json"}, {BODY_UPLOAD, "text/csv"},
        {BODY_UPLOAD, "application/json"},      {BODY_BYTES, "application/octet-stream"},
    };
    if (rt->body == BODY_NONE)
        return;
    jw_key(w, "requestBody");
    jw_obj(w);
    jw_kbool(w, "required", true);
    jw_key(w, "content");
    jw_obj(w);
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        if (types[i].k != rt->body)
            continue;
        jw_key(w, types[i].type);
        jw_obj(w);
        if ((rt->body == BODY_JSON || rt->body == BODY_MERGE_PATCH) && schema) {
            jw_key(w, "schema");
            jw_obj(w);
            jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s", schema));
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

static void ref_schema(struct jw *w, struct arena *a, const char *name)
{
    jw_key(w, "schema");
    jw_obj(w);
    jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s", name));
    jw_obj_end(w);
}

/* The success answer's content by the route's reply kind. */
static void success_content(struct jw *w, struct arena *a, const struct route *rt,
                            const char *schema)
{
    if (rt->reply == REPLY_NONE)
        return;
    jw_key(w, "content");
    jw_obj(w);
    if (rt->reply == REPLY_FILE || rt->reply == REPLY_TEXT) {
        /* a file, a feed or the metrics: their own types, bytes to a client */
        jw_key(w, rt->reply == REPLY_TEXT ? "text/plain" : "application/octet-stream");
        jw_obj(w);
        jw_key(w, "schema");
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_obj_end(w);
        jw_obj_end(w);
        jw_obj_end(w);
        return;
    }
    jw_key(w, "application/json");
    jw_obj(w);
    jw_key(w, "schema");
    jw_obj(w);
    if (rt->reply == REPLY_LIST) {
        jw_kstr(w, "type", "object");
        jw_key(w, "properties");
        jw_obj(w);
        jw_key(w, "items");
        jw_obj(w);
        jw_kstr(w, "type", "array");
        jw_key(w, "items");
        jw_obj(w);
        if (schema)
            jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s", schema));
        else
            jw_kstr(w, "type", "object");
        jw_obj_end(w);
        jw_obj_end(w);
        jw_key(w, "next_cursor");
        jw_obj(w);
        jw_key(w, "type");
        jw_arr(w);
        jw_str(w, "string");
        jw_str(w, "null");
        jw_arr_end(w);
        jw_obj_end(w);
        jw_key(w, "total"); /* with count=true */
        jw_obj(w);
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 0);
        jw_obj_end(w);
        jw_obj_end(w);
        jw_key(w, "required");
        jw_arr(w);
        jw_str(w, "items");
        jw_arr_end(w);
    } else if (schema) {
        jw_kstr(w, "$ref", arena_printf(a, "#/components/schemas/%s", schema));
    } else {
        jw_kstr(w, "type", "object"); /* a fixed shape not yet declared (x-schema) */
    }
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void problem_response(struct jw *w, struct arena *a, int status, const char *why)
{
    jw_key(w, arena_printf(a, "%d", status));
    jw_obj(w);
    jw_kstr(w, "description", why);
    jw_key(w, "content");
    jw_obj(w);
    jw_key(w, "application/problem+json");
    jw_obj(w);
    ref_schema(w, a, "problem");
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* Whether a record's version guards this route: GET answers 304 to a current
 * If-None-Match; PATCH and DELETE answer 412 to a stale If-Match. */
static bool versioned(const struct route *rt)
{
    return strstr(rt->pattern, "{id}") && (rt->reply == REPLY_RECORD || rt->method == M_DELETE) &&
           (rt->method == M_GET || rt->method == M_PATCH || rt->method == M_DELETE);
}

/* The answers: the success by the declared kind, 304 where a version guards a read, then
 * the problems the route can give (each RFC 9457, application/problem+json), and any
 * other as the default. schema: a component schema's name, else NULL; shape: what the
 * row names its answer. */
static void responses_of_route(struct jw *w, struct arena *a, const struct route *rt,
                               const char *schema, const char *shape)
{
    static const char *const kinds[] = {
        [REPLY_OBJECT] = "object", [REPLY_RECORD] = "record", [REPLY_LIST] = "list",
        [REPLY_NONE] = "none",     [REPLY_FILE] = "file",     [REPLY_TEXT] = "text"};
    jw_kstr(w, "x-reply", kinds[rt->reply]);
    if (shape)
        jw_kstr(w, "x-schema", shape);
    jw_key(w, "responses");
    jw_obj(w);
    jw_key(w, arena_printf(a, "%d", route_success_status(rt)));
    jw_obj(w);
    jw_kstr(w, "description", rt->summary);
    if (versioned(rt) && rt->method != M_DELETE) {
        jw_key(w, "headers");
        jw_obj(w);
        jw_key(w, "ETag");
        jw_obj(w);
        jw_kstr(w, "description", "\"<version>\"; W/\"<version>\" when the body is gzipped");
        jw_key(w, "schema");
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_obj_end(w);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    success_content(w, a, rt, schema);
    jw_obj_end(w);
    if (versioned(rt) && rt->method == M_GET) {
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
        problem_response(w, a, 400, has_body ? "malformed JSON, invalid UTF-8 or query string"
                                             : "a query parameter is unknown or not valid");
    if (!route_is_public(rt))
        problem_response(w, a, 401, "no credentials, or they are not valid");
    if (someone_refused || (!route_is_public(rt) && rt->method != M_GET))
        problem_response(w, a, 403, "the caller's role may not do this (or no CSRF token)");
    if (strstr(rt->pattern, "{"))
        problem_response(w, a, 404, "no such record, or one the caller may not see");
    if (rt->method != M_GET)
        problem_response(w, a, 409, "a conflict: a duplicate, an illegal transition, a record in use");
    if (versioned(rt) && rt->method != M_GET)
        problem_response(w, a, 412, "If-Match names a version that is not the current one");
    if (has_body) {
        problem_response(w, a, 413, "the body is too large");
        problem_response(w, a, 415, "the Content-Type is not one this route takes");
    }
    if (has_body || has_query)
        problem_response(w, a, 422, "some fields are not valid; see errors");
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
        bool word = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9');
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
    jw_obj_end(w);
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
            bool declared = false; /* only resources have component schemas so far */
            for (size_t e = 0; schema && e < resource_count && !declared; e++)
                declared = !strcmp(resource_all[e]->name, schema);
            jw_kstr(w, "operationId", operation_id(a, method_name(rt->method), ops[k].path));
            jw_key(w, "tags");
            jw_arr(w);
            jw_str(w, tag_of(a, ops[k].path));
            jw_arr_end(w);
            jw_kstr(w, "summary", rt->summary);
            jw_kstr(w, "x-min-role", role_name(route_least_role(rt)));
            jw_kbool(w, "x-public", route_is_public(rt));
            access_of_route(w, rt);
            if (ops[k].res)
                jw_kstr(w, "x-resource", ops[k].res->name);
            security_of_route(w, rt);
            parameters_of_route(w, rt);
            body_of_route(w, a, rt, declared ? schema : NULL);
            responses_of_route(w, a, rt, declared ? schema : NULL, schema);
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_key(w, "components");
    jw_obj(w);
    jw_key(w, "schemas");
    jw_obj(w);
    for (size_t i = 0; i < resource_count; i++) {
        schema_of_resource(w, resource_all[i]);
        patch_schema_of_resource(w, a, resource_all[i]);
    }
    problem_schema(w);
    jw_obj_end(w);
    jw_key(w, "securitySchemes");
    jw_obj(w);
    jw_key(w, "bearer");
    jw_obj(w);
    jw_kstr(w, "type", "http");
    jw_kstr(w, "scheme", "bearer");
    jw_obj_end(w);
    jw_key(w, "session"); /* writes with it also send X-CSRF-Token (docs/security.md) */
    jw_obj(w);
    jw_kstr(w, "type", "apiKey");
    jw_kstr(w, "in", "cookie");
    jw_kstr(w, "name", "civdesk_session");
    jw_obj_end(w);
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
