/*
 * The route table and the generic resource handlers. Handlers translate between HTTP and
 * the domain: parse, call, write the answer. Each route is one row of routes[] below,
 * carrying its grants, body, answer and query parameters; dispatch.c checks them before the
 * handler runs, and src/domain/access.c the row-level part of the grant.
 */
#include "domain/domain.h"
#include "domain/access.h"
#include "http/audit_handlers.h"
#include "http/auth_handlers.h"
#include "http/bulk_handlers.h"
#include "http/http.h"
#include "http/list_query.h"
#include "http/ledger_handlers.h"
#include "domain/ledger.h" /* settings (issue 14) */
#include "http/openapi.h"
#include "core/limits.h"
#include "http/engagement_handlers.h"
#include "http/io_handlers.h"
#include "http/search_handler.h"
#include "http/notify_handlers.h"
#include "http/request.h"
#include "http/route_params.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

/* ---- matching ----------------------------------------------------------------------- */

/*
 * Whether path has the pattern's shape: every literal byte equal, each {capture} one
 * segment (possibly empty) of the path. Cheap, and without side effects: dispatch tries
 * each route in turn, and nearly all of them differ from the path within a few bytes, so
 * the captures (a resource lookup, a number parsed) are looked at only for a route of the
 * right shape. Patterns hold captures only as whole segments.
 */
static bool route_shape(const char *pat, const char *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (*pat == '{') {
            while (*pat && *pat != '}')
                pat++;
            if (*pat)
                pat++;
            while (i < n && p[i] != '/')
                i++;
        } else if (*pat == '\0') {
            return i == n;
        } else if (i == n || p[i] != *pat) {
            return false;
        } else {
            pat++, i++;
        }
    }
}

bool route_match(const struct route *rt, const char *path, struct request *r)
{
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/')
        n--; /* "/api/v1/organisations/" is "/api/v1/organisations" */
    if (!route_shape(rt->pattern, path, n))
        return false;
    /* The right shape: the literal segments are equal; fill the captures. */
    struct str pat = str_from(rt->pattern), p = {path, n}, ps, pp;
    for (bool more = true; more;) {
        more = str_cut(pat, '/', &ps, &pat);
        str_cut(p, '/', &pp, &p);
        if (ps.n < 2 || ps.p[0] != '{')
            continue;
        if (str_eq_cstr(ps, "{collection}")) {
            const struct resource *res = resource_find(pp);
            if (!res || res->parent)
                return false;
            r->res = res;
        } else if (str_eq_cstr(ps, "{sub}")) {
            const struct resource *sub = NULL;
            for (size_t i = 0; i < resource_count && r->res && !sub; i++)
                if (resource_all[i]->parent && !strcmp(resource_all[i]->parent, r->res->name) &&
                    str_eq_cstr(pp, resource_all[i]->path))
                    sub = resource_all[i];
            if (!sub)
                return false;
            r->sub = sub;
        } else {
            int64_t id;
            bool subid = str_eq_cstr(ps, "{subid}");
            if (!subid && !str_eq_cstr(ps, "{id}"))
                BUG("a route pattern with an unknown {capture}");
            if (parse_i64(pp, 1, INT64_MAX, &id) < 0)
                return false;
            if (subid)
                r->sub_id = id;
            else
                r->id = id;
        }
    }
    return true;
}

/* ---- helpers ------------------------------------------------------------------------ */

static bool may_see(struct request *r, const struct record *rec)
{
    return domain_may_see(store_reader(r->store), &r->who, rec, &r->arena);
}

/* Answers one record: first loads what its JSON needs (the history of a record with
 * states), then writes it. False with a 503 answered when the database fails. */
static bool write_record(struct request *r, int status, const struct record *rec)
{
    struct jw w;
    struct hook_ctx ctx = {
        .who = &r->who, .conn = store_reader(r->store), .arena = &r->arena, .detail = true};
    if (rec->res->parent) /* a sub-record is owned through its parent */
        ctx.owns_parent = domain_reads_internal(ctx.conn, &r->who, rec, &r->arena);
    if (rec->res->transitions) {
        struct transition_entry *h = NULL;
        int rc =
            store_transition_list(ctx.conn, rec->res->name, rec->id, &r->arena, &h, &ctx.nhistory);
        if (rc < 0) {
            log_error("%s %lld: the history could not be read", rec->res->name, (long long)rec->id);
            resp_problem(r, 503, "the database could not answer; try again", NULL);
            return false;
        }
        ctx.history = h;
    }
    resp_json(r, status, &w);
    req_etag(r, rec->version);
    record_to_json(&ctx, rec, &w);
    return true;
}

/* ---- generic handlers --------------------------------------------------------------- */

static void h_get(struct request *r)
{
    struct store_conn *c = store_reader(r->store);
    struct record *rec;
    store_read_begin(c);
    int rc = store_get(c, r->res, r->id, &r->arena, &rec);
    if (rc == STORE_OK && !may_see(r, rec))
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        write_record(r, 200, rec);
    else if (rc == STORE_NOT_FOUND)
        resp_problem(r, 404, "no such record", NULL);
    else
        resp_problem(r, 503, "the database could not answer; try again", NULL);
    store_read_end(c);
}

/* Collects the decoded query parameters (MHD iterator callback). */
struct qparams {
    struct query_param items[LIMIT_QUERY_PARAMS];
    size_t n;
    bool overflow;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct qparams *q = cls;
    if (strcmp(key, IO_HTTP_FORMAT_PARAM) == 0 || strcmp(key, IO_HTTP_BOM_PARAM) == 0 ||
        strcmp(key, IO_HTTP_LABELS_PARAM) == 0)
        return MHD_YES; /* the answer's format (io_handlers.c), not a filter */
    if (q->n == ARRAY_SIZE(q->items)) {
        q->overflow = true;
        return MHD_NO;
    }
    q->items[q->n++] = (struct query_param){key, value ? value : ""};
    return MHD_YES;
}

/* Reads the list query from the URL into q; false (problem set) if anything is wrong. */
static bool parse_list_query(struct request *r, const struct resource *res, struct list_query *q)
{
    struct qparams qp = {0};
    struct errors errs;
    errors_init(&errs, &r->arena);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, &qp);
    if (qp.overflow) {
        resp_problem(r, 400, "too many query parameters", NULL);
        return false;
    }
    if (list_query_parse(res, qp.items, qp.n, &r->arena, q, &errs) < 0) {
        req_bad_query(r, &errs);
        return false;
    }
    return true;
}

/* Lists res; parent_filter >= 0 restricts to the sub-records of one parent. */
static void list_records(struct request *r, const struct resource *res, int parent_filter,
                         int64_t parent_id)
{
    enum io_format fmt;
    int as_file = io_http_wants_export(r, &fmt), scope;
    bool owns_parent = false;
    struct list_query q;
    if (as_file < 0 || !parse_list_query(r, res, &q))
        return;
    if (parent_filter >= 0) {
        if (q.nfilters == ARRAY_SIZE(q.filters)) {
            resp_problem(r, 400, "too many filters", NULL);
            return;
        }
        q.filters[q.nfilters++] = (struct filter){.field = parent_filter, .v = {.i = parent_id}};
        /* the parent's visibility was checked: its sub-records are all visible */
        owns_parent =
            domain_sub_list_scope(store_reader(r->store), &r->who, res, parent_id, &q, &r->arena);
    } else if ((scope = domain_list_scope(&r->who, res, &q)) < 0) {
        resp_problem(r, r->who.role == ROLE_ANON ? 401 : 403,
                     scope == DOMAIN_LIST_STAFF_FIELD
                         ? "only the ministry filters or sorts by its own fields"
                         : arena_printf(&r->arena, "your role may not read %s", res->name),
                     NULL);
        return;
    }
    if (as_file) { /* the whole list as a file, with the same filters and scope */
        io_http_export(r, res, &q, fmt);
        return;
    }
    struct store_conn *c = store_reader(r->store);
    struct list_result lr;
    struct error msg = ERROR_INIT;
    store_read_begin(c);
    int rc = store_list(c, res, &q, &r->arena, &lr, &msg);
    if (rc == STORE_CONFLICT) {
        resp_problem(r, 400, msg.msg, NULL);
    } else if (rc < 0) {
        log_error("list %s: %s", res->name, msg.msg);
        resp_problem(r, 503, "the database could not answer; try again", NULL);
    } else {
        struct jw w;
        struct hook_ctx ctx = {
            .who = &r->who, .conn = c, .arena = &r->arena, .owns_parent = owns_parent};
        resp_json(r, 200, &w);
        jw_obj(&w);
        jw_key(&w, "items");
        jw_arr(&w);
        for (size_t i = 0; i < lr.n; i++)
            record_to_json(&ctx, lr.items[i], &w);
        jw_arr_end(&w);
        jw_kstr(&w, "next_cursor", lr.next_cursor);
        if (q.count)
            jw_kint(&w, "total", lr.total);
        jw_obj_end(&w);
    }
    store_read_end(c);
}

static void h_list(struct request *r)
{
    list_records(r, r->res, -1, 0);
}

static void h_create(struct request *r)
{
    json_t *body = req_body_object(r);
    if (!body)
        return;
    struct errors errs;
    struct error msg = ERROR_INIT;
    struct record *rec = NULL;
    errors_init(&errs, &r->arena);
    int rc = domain_create(r->store, &r->who, r->res, body, &r->arena, &errs, &msg, &rec);
    json_decref(body);
    if (rc < 0) {
        req_problem(r, rc, &msg, &errs);
        return;
    }
    if (write_record(r, 201, rec))
        resp_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/%s/%lld", r->res->name, (long long)rec->id));
}

/* PATCH of one record of res (top level or sub-record): If-Match, merge patch, answer. */
static void update_record(struct request *r, const struct resource *res, int64_t id)
{
    int64_t version;
    if (req_if_match(r, "record", &version) < 0)
        return;
    json_t *body = req_body_object(r);
    if (!body)
        return;
    struct errors errs;
    struct error msg = ERROR_INIT;
    struct record *rec = NULL;
    errors_init(&errs, &r->arena);
    int rc = domain_update(r->store, &r->who, res, id, version, body, &r->arena, &errs, &msg, &rec);
    json_decref(body);
    if (rc < 0)
        req_problem(r, rc, &msg, &errs);
    else
        write_record(r, 200, rec);
}

/* DELETE of one record of res: If-Match, then 204 or a problem. */
static void delete_record(struct request *r, const struct resource *res, int64_t id)
{
    int64_t version;
    if (req_if_match(r, "record", &version) < 0)
        return;
    struct error msg = ERROR_INIT;
    int rc = domain_delete(r->store, &r->who, res, id, version, &r->arena, &msg);
    if (rc < 0) {
        struct errors none;
        errors_init(&none, &r->arena);
        req_problem(r, rc, &msg, &none);
        return;
    }
    r->status = 204;
}

static void h_update(struct request *r)
{
    update_record(r, r->res, r->id);
}

static void h_delete(struct request *r)
{
    delete_record(r, r->res, r->id);
}

/* ---- sub-resources ------------------------------------------------------------------ */

/* The parent record named by the URL, if the caller may see it; else a 404 is set. */
static bool parent_visible(struct request *r)
{
    struct store_conn *c = store_reader(r->store);
    struct record *parent;
    if (store_get(c, r->res, r->id, &r->arena, &parent) == STORE_OK && may_see(r, parent))
        return true;
    resp_problem(r, 404,
                 arena_printf(&r->arena, "no %s with id %lld", r->res->singular, (long long)r->id),
                 NULL);
    return false;
}

static void h_sub_list(struct request *r)
{
    if (!parent_visible(r))
        return;
    list_records(r, r->sub, resource_field_index(r->sub, r->sub->parent_field), r->id);
}

static void h_sub_create(struct request *r)
{
    if (!parent_visible(r))
        return;
    json_t *body = req_body_object(r);
    if (!body)
        return;
    json_t *given = json_object_get(body, r->sub->parent_field);
    if (given && !(json_is_integer(given) && json_integer_value(given) == r->id)) {
        struct errors errs;
        errors_init(&errs, &r->arena);
        errors_add(&errs, r->sub->parent_field, "is taken from the URL; leave it out");
        resp_problem(r, 422, "some fields are not valid; see errors", &errs);
        json_decref(body);
        return;
    }
    json_object_set_new(body, r->sub->parent_field, json_integer(r->id));
    struct errors errs;
    struct error msg = ERROR_INIT;
    struct record *rec = NULL;
    errors_init(&errs, &r->arena);
    int rc = domain_create(r->store, &r->who, r->sub, body, &r->arena, &errs, &msg, &rec);
    json_decref(body);
    if (rc < 0) {
        req_problem(r, rc, &msg, &errs);
        return;
    }
    if (!write_record(r, 201, rec))
        return;
    /* the collection's own path (a literal route names it otherwise than the resource) */
    size_t n = strlen(r->path);
    if (n > 1 && r->path[n - 1] == '/')
        n--;
    resp_header(r, "Location",
                arena_printf(&r->arena, "%.*s/%lld", (int)n, r->path, (long long)rec->id));
}

/* The sub-record named by the URL, checked to belong to the parent in the URL. */
static bool sub_record(struct request *r, struct record **out)
{
    if (!parent_visible(r))
        return false;
    struct store_conn *c = store_reader(r->store);
    int pf = resource_field_index(r->sub, r->sub->parent_field);
    if (store_get(c, r->sub, r->sub_id, &r->arena, out) == STORE_OK && !(*out)->v[pf].null &&
        (*out)->v[pf].i == r->id)
        return true;
    resp_problem(
        r, 404,
        arena_printf(&r->arena, "no %s with id %lld here", r->sub->singular, (long long)r->sub_id),
        NULL);
    return false;
}

static void h_sub_get(struct request *r)
{
    struct record *rec;
    if (sub_record(r, &rec))
        write_record(r, 200, rec);
}

static void h_sub_update(struct request *r)
{
    struct record *rec;
    if (sub_record(r, &rec))
        update_record(r, r->sub, r->sub_id);
}

static void h_sub_delete(struct request *r)
{
    struct record *rec;
    if (sub_record(r, &rec))
        delete_record(r, r->sub, r->sub_id);
}

/* ---- state machines ----------------------------------------------------------------- */

static void h_transition(struct request *r)
{
    if (!r->res->state_field) {
        resp_problem(r, 404, arena_printf(&r->arena, "%s records have no states", r->res->singular),
                     NULL);
        return;
    }
    int64_t version;
    if (req_if_match(r, "record", &version) < 0)
        return;
    json_t *body = req_body_object(r);
    if (!body)
        return;
    struct errors errs;
    errors_init(&errs, &r->arena);
    const char *to = NULL, *note = NULL;
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        if (!strcmp(key, "to") && json_is_string(val))
            to = arena_strdup(&r->arena, json_string_value(val));
        else if (!strcmp(key, "note") && (json_is_string(val) || json_is_null(val)))
            note = json_is_string(val) ? arena_strdup(&r->arena, json_string_value(val)) : NULL;
        else if (!strcmp(key, "to") || !strcmp(key, "note"))
            errors_add(&errs, key, "must be a string");
        else
            errors_add(&errs, key, "is not a field of a transition (to, note)");
    }
    json_decref(body);
    if (!to && !errs.n)
        errors_add(&errs, "to", "is required");
    if (note &&
        (!utf8_valid(note, strlen(note)) || utf8_length(note, strlen(note)) > LIMIT_TEXT_MEDIUM))
        errors_add(&errs, "note", "is too long");
    if (errs.n) {
        resp_problem(r, 422, "the transition is not valid; see errors", &errs);
        return;
    }
    struct error msg = ERROR_INIT;
    const char **allowed = NULL;
    struct record *rec = NULL;
    int rc = domain_transition(r->store, &r->who, r->res, r->id, version, to, note, &r->arena,
                               &errs, &msg, &allowed, &rec);
    if (rc == STORE_CONFLICT && allowed)
        resp_problem_list(r, 409, msg.msg, "allowed", allowed);
    else if (rc < 0)
        req_problem(r, rc, &msg, &errs);
    else
        write_record(r, 200, rec);
}

static void h_healthz(struct request *r)
{
    struct jw w;
    struct store_conn *c = store_reader(r->store);
    bool ok = store_read_begin(c) == STORE_OK;
    store_read_end(c);
    resp_json(r, ok ? 200 : 503, &w);
    jw_obj(&w);
    jw_kstr(&w, "status", ok ? "ok" : "database unavailable");
    jw_kint(&w, "schema", store_schema_latest());
    jw_obj_end(&w);
}

static void h_me(struct request *r)
{
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kint(&w, "id", r->who.user_id);
    jw_kstr(&w, "email", r->who.email);
    jw_kstr(&w, "role", role_name(r->who.role));
    jw_key(&w, "organisation_id");
    if (r->who.org_id)
        jw_int(&w, r->who.org_id);
    else
        jw_null(&w);
    jw_obj_end(&w);
}

/* ---- settings (issue 14): one record, src/domain/ledger.c ---------------------------- */

static void h_settings_get(struct request *r)
{
    struct ledger_settings st;
    struct store_conn *c = store_reader(r->store);
    store_read_begin(c);
    int rc = ledger_settings_get(c, &st);
    store_read_end(c);
    if (rc < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    resp_json(r, 200, &w);
    req_etag(r, st.version);
    ledger_settings_json(&st, &w);
}

static void h_settings_update(struct request *r)
{
    int64_t version;
    if (req_if_match(r, "record", &version) < 0)
        return;
    json_t *body = req_body_object(r);
    if (!body)
        return;
    struct errors errs;
    struct error msg = ERROR_INIT;
    struct ledger_settings st;
    errors_init(&errs, &r->arena);
    int rc = ledger_settings_update(r->store, &r->who, body, version, &errs, &msg, &st);
    json_decref(body);
    if (rc < 0) {
        req_problem(r, rc, &msg, &errs);
        return;
    }
    struct jw w;
    resp_json(r, 200, &w);
    req_etag(r, st.version);
    ledger_settings_json(&st, &w);
}

/*
 * Questions on a quadrennial report (issue 14 item 8): the report is itself a sub-record
 * (/accreditations/{id}/reports/{subid}), and the router's generic shapes go one level
 * deep, so its questions have routes of their own, /accreditation-reports/{id}/questions,
 * served by the generic sub-resource handlers with the report as the parent.
 */
static void as_report_questions(struct request *r)
{
    r->res = &res_accreditation_reports;
    r->sub = &res_report_questions;
}

/* The report itself by its own id (the page a notice about its questions links to). */
static void h_report_get(struct request *r)
{
    r->res = &res_accreditation_reports;
    h_get(r);
}

static void h_report_questions_list(struct request *r)
{
    as_report_questions(r);
    h_sub_list(r);
}

static void h_report_questions_create(struct request *r)
{
    as_report_questions(r);
    h_sub_create(r);
}

static void h_report_question_get(struct request *r)
{
    as_report_questions(r);
    h_sub_get(r);
}

static void h_report_question_update(struct request *r)
{
    as_report_questions(r);
    h_sub_update(r);
}

static void h_report_question_delete(struct request *r)
{
    as_report_questions(r);
    h_sub_delete(r);
}

/* The query-parameter tables the rows name are in route_params.c. */
/* clang-format off */

/* ---- the table ---------------------------------------------------------------------- */

/*
 * One row per route: method, pattern, handler, what each role may do there (anonymous,
 * ngo, officer, admin: N none, P public records, O its own organisation's, A all — see
 * src/auth/auth.h), body, answer, schema, query parameters, flags, summary. Dispatch
 * (src/http/dispatch.c) checks the method, the grant, the body and the query string from
 * this row before the handler runs; docs/api.md's route table and openapi.json are
 * written from it. The first row that matches wins, so literal paths come before the
 * generic {collection} shapes they would otherwise fall into.
 */
#define N GRANT_NONE
#define P GRANT_PUBLIC
#define O GRANT_OWN
#define A GRANT_ALL
#define LIST ROUTE_LIST_QUERY
#define OPEN ROUTE_OPEN_QUERY
#define CREATES ROUTE_CREATES
#define ETAG ROUTE_ETAG

const struct route routes[] = {
    {M_GET, "/healthz", h_healthz, {A, A, A, A}, BODY_NONE, REPLY_OBJECT, "health", NULL, 0,
     "whether the server and its database answer"},
    {M_GET, "/api/v1/openapi.json", h_openapi, {A, A, A, A}, BODY_NONE, REPLY_OBJECT, "openapi",
     NULL, 0, "this API as an OpenAPI 3.1 document"},
    /* and to anyone on --metrics-listen */
    {M_GET, "/metrics", h_metrics, {N, N, N, A}, BODY_NONE, REPLY_TEXT, "metrics", NULL, 0,
     "Prometheus metrics"},
    {M_GET, "/api/v1/me", h_me, {N, A, A, A}, BODY_NONE, REPLY_OBJECT, "me", NULL, 0,
     "who the caller is"},
    /* browser sessions: signing in is open to all; the rest needs a principal */
    {M_POST, "/api/v1/session", h_session_create, {A, A, A, A}, BODY_JSON, REPLY_OBJECT,
     "session", NULL, CREATES,
     "sign in: sets the session cookie, returns the user and a CSRF token"},
    {M_GET, "/api/v1/session", h_session_get, {N, A, A, A}, BODY_NONE, REPLY_OBJECT, "session",
     NULL, 0, "the current session"},
    {M_DELETE, "/api/v1/session", h_session_delete, {N, A, A, A}, BODY_NONE, REPLY_NONE, NULL,
     NULL, 0, "sign out"},
    /* accounts and the audit trail */
    {M_GET, "/api/v1/users", h_users_list, {N, N, N, A}, BODY_NONE, REPLY_LIST, "users",
     users_params, 0, "the accounts"},
    {M_POST, "/api/v1/users", h_users_create, {N, N, N, A}, BODY_JSON, REPLY_RECORD, "users",
     NULL, CREATES, "add an account"},
    {M_GET, "/api/v1/officers", h_officers_list, {N, N, A, A}, BODY_NONE, REPLY_LIST, "officers",
     NULL, 0, "active officers and administrators: id, name, e-mail, role"},
    /* the caller's own tokens; an admin's: everyone's */
    {M_GET, "/api/v1/tokens", h_tokens_list, {N, A, A, A}, BODY_NONE, REPLY_LIST, "tokens", token_params,
     0, "API tokens (the caller's; an administrator's: all)"},
    {M_DELETE, "/api/v1/tokens/{id}", h_tokens_revoke, {N, A, A, A}, BODY_NONE, REPLY_NONE, NULL,
     NULL, 0, "revoke a token (the caller's own; an administrator: any)"},
    {M_GET, "/api/v1/users/{id}", h_users_get, {N, N, N, A}, BODY_NONE, REPLY_RECORD, "users",
     NULL, ETAG, "one account"},
    {M_PATCH, "/api/v1/users/{id}", h_users_update, {N, N, N, A}, BODY_MERGE_PATCH,
     REPLY_RECORD, "users", NULL, ETAG, "change an account (role, name, disabled, password)"},
    {M_GET, "/api/v1/audit", h_audit_list, {N, N, A, A}, BODY_NONE, REPLY_LIST, "audit",
     audit_params, 0, "the audit trail, newest first"},
    {M_GET, "/api/v1/audit/verify", h_audit_verify, {N, N, N, A}, BODY_NONE, REPLY_OBJECT,
     "audit_report", verify_params, OPEN, "verify the audit chain"},
    /* the ledger: statistics for officers; representation and the calendar (own
     * organisation only, src/domain/ledger_stats.c) for every signed-in user */
    {M_GET, "/api/v1/stats/representation", h_stats_representation, {N, A, A, A}, BODY_NONE,
     REPLY_OBJECT, "representation", representation_params, 0,
     "organisations in a body's status, by country, from the newest listing"},
    {M_GET, "/api/v1/stats/pipeline", h_stats_pipeline, {N, N, A, A}, BODY_NONE, REPLY_OBJECT,
     "pipeline", no_params, 0, "applications by state, accreditations, overdue reports"},
    {M_GET, "/api/v1/calendar", h_calendar, {N, O, A, A}, BODY_NONE, REPLY_LIST,
     "calendar_items", calendar_params, ETAG, "every dated item the caller may see, by date"},
    {M_GET, "/api/v1/search", h_search, {P, O, A, A}, BODY_NONE, REPLY_LIST, "search_hits",
     search_params, 0, "full-text search over every searchable collection"},
    {M_GET, "/calendar.ics", h_calendar_ics, {N, O, A, A}, BODY_NONE, REPLY_FILE, "calendar",
     ics_params, ETAG, "the calendar as iCalendar"},
    /* notifications (src/http/notify_handlers.c): each user's own; the outbox for admins */
    {M_GET, "/api/v1/notifications", h_notifications_list, {N, A, A, A}, BODY_NONE, REPLY_LIST,
     "notifications", notification_params, 0, "the caller's notifications, newest first"},
    {M_POST, "/api/v1/notifications/{id}/read", h_notification_read, {N, A, A, A}, BODY_NONE,
     REPLY_OBJECT, "notifications", NULL, 0, "mark one read"},
    {M_GET, "/api/v1/outbox", h_outbox_list, {N, N, N, A}, BODY_NONE, REPLY_LIST, "outbox",
     outbox_params, 0, "every e-mail with its state"},
    {M_GET, "/api/v1/me/preferences", h_prefs_get, {N, A, A, A}, BODY_NONE, REPLY_OBJECT,
     "preferences", NULL, 0, "the caller's language and notification choices"},
    {M_PATCH, "/api/v1/me/preferences", h_prefs_update, {N, A, A, A}, BODY_MERGE_PATCH,
     REPLY_OBJECT, "preferences", NULL, 0, "change them"},
    /* a calendar subscription: the secret key in the URL is the credential; the feed shows
     * what its owner may see */
    {M_POST, "/api/v1/me/calendar", h_ics_key_create, {N, A, A, A}, BODY_NONE, REPLY_OBJECT,
     "calendar_key", NULL, CREATES, "a new calendar subscription URL (the old one stops working)"},
    {M_DELETE, "/api/v1/me/calendar", h_ics_key_revoke, {N, A, A, A}, BODY_NONE, REPLY_NONE,
     NULL, NULL, 0, "revoke the calendar subscription"},
    {M_GET, "/calendar/feed.ics", h_ics_feed, {A, A, A, A}, BODY_NONE, REPLY_FILE, "calendar",
     feed_params, ETAG, "a subscribed calendar (the key is the credential)"},
    /* issue 14: an organisation's obligations, its own for an NGO (ledger_handlers.c) */
    {M_GET, "/api/v1/organisations/{id}/obligations", h_obligations, {N, O, A, A}, BODY_NONE,
     REPLY_OBJECT, "obligations", obligation_params, 0, "what the organisation must do, by date"},
    /* issue 14: questions on a quadrennial report (a sub-record of a sub-record), with the
     * generic sub-resource routes' grants: seen through their parents (src/domain/access.c),
     * asked by the ministry, answered by the report's organisation */
    {M_GET, "/api/v1/accreditation-reports/{id}", h_report_get, {P, O, A, A}, BODY_NONE,
     REPLY_RECORD, "accreditation_reports", NULL, ETAG,
     "a quadrennial report by its own id (the page a notice links to)"},
    {M_GET, "/api/v1/accreditation-reports/{id}/questions", h_report_questions_list,
     {P, O, A, A}, BODY_NONE, REPLY_LIST, "report_questions", NULL, LIST,
     "a quadrennial report's questions"},
    {M_POST, "/api/v1/accreditation-reports/{id}/questions", h_report_questions_create,
     {N, O, A, A}, BODY_JSON, REPLY_RECORD, "report_questions", NULL, CREATES, "ask one"},
    {M_GET, "/api/v1/accreditation-reports/{id}/questions/{subid}", h_report_question_get,
     {P, O, A, A}, BODY_NONE, REPLY_RECORD, "report_questions", NULL, ETAG, "one question"},
    {M_PATCH, "/api/v1/accreditation-reports/{id}/questions/{subid}", h_report_question_update,
     {N, O, A, A}, BODY_MERGE_PATCH, REPLY_RECORD, "report_questions", NULL, ETAG, "answer it"},
    {M_DELETE, "/api/v1/accreditation-reports/{id}/questions/{subid}", h_report_question_delete,
     {N, O, A, A}, BODY_NONE, REPLY_NONE, NULL, NULL, ETAG, "delete it"},
    {M_GET, "/api/v1/settings", h_settings_get, {N, A, A, A}, BODY_NONE, REPLY_OBJECT,
     "settings", NULL, ETAG, "the installation's settings"},
    {M_PATCH, "/api/v1/settings", h_settings_update, {N, N, N, A}, BODY_MERGE_PATCH,
     REPLY_OBJECT, "settings", NULL, ETAG, "change them"},
    /* every declared resource */
    {M_GET, "/api/v1/{collection}", h_list, {P, O, A, A}, BODY_NONE, REPLY_LIST, NULL, NULL,
     LIST, "a page of records, or the whole list as a file (format=)"},
    {M_POST, "/api/v1/{collection}", h_create, {N, O, A, A}, BODY_JSON, REPLY_RECORD, NULL, NULL,
     CREATES, "create a record"},
    {M_GET, "/api/v1/{collection}/{id}", h_get, {P, O, A, A}, BODY_NONE, REPLY_RECORD, NULL,
     NULL, ETAG, "one record"},
    {M_PATCH, "/api/v1/{collection}/{id}", h_update, {N, O, A, A}, BODY_MERGE_PATCH,
     REPLY_RECORD, NULL, NULL, ETAG, "change a record (If-Match)"},
    {M_DELETE, "/api/v1/{collection}/{id}", h_delete, {N, O, A, A}, BODY_NONE, REPLY_NONE, NULL,
     NULL, ETAG, "delete a record (If-Match)"},
    {M_POST, "/api/v1/{collection}/{id}/transitions", h_transition, {N, O, A, A}, BODY_JSON,
     REPLY_RECORD, NULL, NULL, ETAG, "move a record with states: {\"to\", \"note\"}"},
    /* imports (src/http/io_handlers.c): a whole file in one transaction, admins only */
    {M_POST, "/api/v1/{collection}/import", h_import, {N, N, N, A}, BODY_UPLOAD, REPLY_OBJECT,
     "import_report", import_params, 0, "import a CSV or JSON file in one transaction"},
    /* issue 17: one change to a selection of records, all or none (src/domain/bulk.c) */
    {M_POST, "/api/v1/{collection}/bulk", h_bulk, {N, N, A, A}, BODY_JSON, REPLY_OBJECT,
     "bulk_report", NULL, 0, "one change to a selection of records, all or none"},
    /* engagement: delegation statistics for officers; attachments as their document */
    {M_GET, "/api/v1/stats/delegations", h_delegation_stats, {N, N, A, A}, BODY_NONE,
     REPLY_LIST, "delegation_stats", delegation_stats_params, 0,
     "per forum: members and distinct NGOs"},
    {M_POST, "/api/v1/documents/{id}/attachments", h_attachment_upload, {N, O, A, A},
     BODY_BYTES, REPLY_RECORD, "document_attachments", attachment_params, OPEN | CREATES,
     "upload a file (the body is the file)"},
    {M_GET, "/api/v1/documents/{id}/attachments/{subid}/content", h_attachment_content,
     {P, O, A, A}, BODY_NONE, REPLY_FILE, "document_attachments", NULL, ETAG, "the file's bytes"},
    {M_GET, "/api/v1/{collection}/{id}/{sub}", h_sub_list, {P, O, A, A}, BODY_NONE, REPLY_LIST,
     NULL, NULL, LIST, "a page of sub-records, or all as a file"},
    {M_POST, "/api/v1/{collection}/{id}/{sub}", h_sub_create, {N, O, A, A}, BODY_JSON,
     REPLY_RECORD, NULL, NULL, CREATES, "create a sub-record"},
    {M_GET, "/api/v1/{collection}/{id}/{sub}/{subid}", h_sub_get, {P, O, A, A}, BODY_NONE,
     REPLY_RECORD, NULL, NULL, ETAG, "one sub-record"},
    {M_PATCH, "/api/v1/{collection}/{id}/{sub}/{subid}", h_sub_update, {N, O, A, A},
     BODY_MERGE_PATCH, REPLY_RECORD, NULL, NULL, ETAG, "change a sub-record (If-Match)"},
    {M_DELETE, "/api/v1/{collection}/{id}/{sub}/{subid}", h_sub_delete, {N, O, A, A}, BODY_NONE,
     REPLY_NONE, NULL, NULL, ETAG, "delete a sub-record (If-Match)"},
};
const size_t routes_count = ARRAY_SIZE(routes);

#undef N
#undef P
#undef O
#undef A
#undef LIST
#undef OPEN
#undef CREATES
#undef ETAG
/* clang-format on */
