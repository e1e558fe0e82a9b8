/*
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document generated from the route table and
 * the resource declarations the server runs on, so it cannot drift from them. Generic
 * patterns are expanded per resource; each operation carries x-min-role (the least role
 * that may call it), x-route (its pattern in routes[]) and x-access (each role's grant
 * from src/auth/rules.c, null for a route without a rule), and each schema what the
 * access rules read of the declaration, for tools and the authorisation-matrix test.
 */
#include "http/openapi.h"
#include "domain/domain.h"

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
    jw_kbool(w, "x-owner-adds-only", (res->access & RES_OWNER_ADDS_ONLY) != 0);
    jw_kstr(w, "x-internal-flag", res->internal_flag); /* set: the ministry's only */
    jw_kbool(w, "additionalProperties", false);
    jw_obj_end(w);
}

/* The route's access rule: each role's grant, or null when the route has none. */
static void access_of_route(struct jw *w, const struct route *rt, const char *method)
{
    const struct access_rule *rule = access_rule_find(method, rt->pattern);
    jw_kstr(w, "x-route", rt->pattern);
    jw_key(w, "x-access");
    if (!rule) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    for (int role = ROLE_ANON; role < ROLE_COUNT; role++)
        jw_kstr(w, role_name((enum role)role), grant_name(rule->grant[role]));
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
            jw_kstr(w, "x-min-role", role_name(ops[k].rt->min_role));
            jw_kbool(w, "x-public", (ops[k].rt->flags & ROUTE_PUBLIC) != 0);
            access_of_route(w, ops[k].rt, method_name(ops[k].rt->method));
            if (ops[k].res) {
                jw_kstr(w, "x-resource", ops[k].res->name);
                if (ops[k].rt->flags & ROUTE_BODY) {
                    jw_key(w, "requestBody");
                    jw_obj(w);
                    jw_key(w, "content");
                    jw_obj(w);
                    jw_key(w, "application/json");
                    jw_obj(w);
                    jw_key(w, "schema");
                    jw_obj(w);
                    jw_kstr(w, "$ref",
                            arena_printf(a, "#/components/schemas/%s", ops[k].res->name));
                    jw_obj_end(w);
                    jw_obj_end(w);
                    jw_obj_end(w);
                    jw_obj_end(w);
                }
            }
            jw_key(w, "responses");
            jw_obj(w);
            jw_key(w, "default");
            jw_obj(w);
            jw_kstr(w, "description", "see docs/api.md; errors are application/problem+json");
            jw_obj_end(w);
            jw_obj_end(w);
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_key(w, "components");
    jw_obj(w);
    jw_key(w, "schemas");
    jw_obj(w);
    for (size_t i = 0; i < resource_count; i++)
        schema_of_resource(w, resource_all[i]);
    jw_obj_end(w);
    jw_key(w, "securitySchemes");
    jw_obj(w);
    jw_key(w, "bearer");
    jw_obj(w);
    jw_kstr(w, "type", "http");
    jw_kstr(w, "scheme", "bearer");
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
