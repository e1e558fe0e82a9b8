/*
 * The route table and the generic resource handlers. Handlers translate between HTTP and
 * the domain: parse, call, write the answer. Access is checked centrally: server.c applies
 * each route's rule (src/auth/rules.c; min_role here must agree with it, which the tests
 * check) and src/domain/access.c the row-level part.
 */
#include "domain/domain.h"
#include "domain/access.h"
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

static void write_record(struct request *r, int status, const struct record *rec)
{
    struct jw w;
    struct hook_ctx ctx = {
        .who = &r->who, .conn = store_reader(r->store), .arena = &r->arena, .detail = true};
    resp_json(r, status, &w);
    req_etag(r, rec->version);
    record_to_json(&ctx, rec, &w);
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
        struct hook_ctx ctx = {.who = &r->who, .conn = c, .arena = &r->arena};
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
    write_record(r, 201, rec);
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
    write_record(r, 201, rec);
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

/* ---- the table ---------------------------------------------------------------------- */

const struct route routes[] = {
    {M_GET, "/healthz", h_healthz, ROLE_ANON, ROUTE_PUBLIC},
    {M_GET, "/api/v1/openapi.json", h_openapi, ROLE_ANON, ROUTE_PUBLIC},
    {M_GET, "/metrics", h_metrics, ROLE_ADMIN, 0},
    {M_GET, "/api/v1/me", h_me, ROLE_NGO, 0},
    {M_POST, "/api/v1/session", h_session_create, ROLE_ANON, ROUTE_PUBLIC | ROUTE_BODY},
    {M_GET, "/api/v1/session", h_session_get, ROLE_NGO, 0},
    {M_DELETE, "/api/v1/session", h_session_delete, ROLE_NGO, 0},
    {M_GET, "/api/v1/users", h_users_list, ROLE_ADMIN, 0},
    {M_POST, "/api/v1/users", h_users_create, ROLE_ADMIN, ROUTE_BODY},
    {M_GET, "/api/v1/tokens", h_tokens_list, ROLE_NGO, 0},
    {M_DELETE, "/api/v1/tokens/{id}", h_tokens_revoke, ROLE_NGO, 0},
    {M_GET, "/api/v1/users/{id}", h_users_get, ROLE_ADMIN, 0},
    {M_PATCH, "/api/v1/users/{id}", h_users_update, ROLE_ADMIN, ROUTE_BODY},
    {M_GET, "/api/v1/audit", h_audit_list, ROLE_OFFICER, 0},
    {M_GET, "/api/v1/audit/verify", h_audit_verify, ROLE_ADMIN, 0},
    {M_GET, "/api/v1/stats/representation", h_stats_representation, ROLE_NGO, 0},
    {M_GET, "/api/v1/stats/pipeline", h_stats_pipeline, ROLE_OFFICER, 0},
    {M_GET, "/api/v1/calendar", h_calendar, ROLE_NGO, 0},
    {M_GET, "/api/v1/search", h_search, ROLE_ANON, ROUTE_PUBLIC},
    {M_GET, "/calendar.ics", h_calendar_ics, ROLE_NGO, 0},
    /* notifications (src/http/notify_handlers.c) */
    {M_GET, "/api/v1/notifications", h_notifications_list, ROLE_NGO, 0},
    {M_POST, "/api/v1/notifications/{id}/read", h_notification_read, ROLE_NGO, 0},
    {M_GET, "/api/v1/outbox", h_outbox_list, ROLE_ADMIN, 0},
    {M_GET, "/api/v1/me/preferences", h_prefs_get, ROLE_NGO, 0},
    {M_PATCH, "/api/v1/me/preferences", h_prefs_update, ROLE_NGO, ROUTE_BODY},
    {M_POST, "/api/v1/me/calendar", h_ics_key_create, ROLE_NGO, 0},
    {M_DELETE, "/api/v1/me/calendar", h_ics_key_revoke, ROLE_NGO, 0},
    {M_GET, "/calendar/feed.ics", h_ics_feed, ROLE_ANON, ROUTE_PUBLIC},
    /* issue 14: obligations (src/http/ledger_handlers.c); the settings row */
    {M_GET, "/api/v1/organisations/{id}/obligations", h_obligations, ROLE_NGO, 0},
    /* issue 14: questions on a quadrennial report, as the generic sub-resource rows below */
    {M_GET, "/api/v1/accreditation-reports/{id}", h_report_get, ROLE_ANON, ROUTE_PUBLIC},
    {M_GET, "/api/v1/accreditation-reports/{id}/questions", h_report_questions_list, ROLE_ANON,
     ROUTE_PUBLIC},
    {M_POST, "/api/v1/accreditation-reports/{id}/questions", h_report_questions_create, ROLE_NGO,
     ROUTE_BODY},
    {M_GET, "/api/v1/accreditation-reports/{id}/questions/{subid}", h_report_question_get,
     ROLE_ANON, ROUTE_PUBLIC},
    {M_PATCH, "/api/v1/accreditation-reports/{id}/questions/{subid}", h_report_question_update,
     ROLE_NGO, ROUTE_BODY},
    {M_DELETE, "/api/v1/accreditation-reports/{id}/questions/{subid}", h_report_question_delete,
     ROLE_NGO, 0},
    {M_GET, "/api/v1/settings", h_settings_get, ROLE_NGO, 0},
    {M_PATCH, "/api/v1/settings", h_settings_update, ROLE_ADMIN, ROUTE_BODY},
    {M_GET, "/api/v1/{collection}", h_list, ROLE_ANON, ROUTE_PUBLIC},
    {M_POST, "/api/v1/{collection}", h_create, ROLE_NGO, ROUTE_BODY},
    {M_GET, "/api/v1/{collection}/{id}", h_get, ROLE_ANON, ROUTE_PUBLIC},
    {M_PATCH, "/api/v1/{collection}/{id}", h_update, ROLE_NGO, ROUTE_BODY},
    {M_DELETE, "/api/v1/{collection}/{id}", h_delete, ROLE_NGO, 0},
    {M_POST, "/api/v1/{collection}/{id}/transitions", h_transition, ROLE_NGO, ROUTE_BODY},
    {M_POST, "/api/v1/{collection}/import", h_import, ROLE_ADMIN, ROUTE_UPLOAD},
    {M_POST, "/api/v1/{collection}/bulk", h_bulk, ROLE_OFFICER, ROUTE_BODY}, /* issue 17 */
    {M_GET, "/api/v1/stats/delegations", h_delegation_stats, ROLE_OFFICER, 0},
    {M_POST, "/api/v1/documents/{id}/attachments", h_attachment_upload, ROLE_NGO, ROUTE_RAW_BODY},
    {M_GET, "/api/v1/documents/{id}/attachments/{subid}/content", h_attachment_content, ROLE_ANON,
     ROUTE_PUBLIC},
    {M_GET, "/api/v1/{collection}/{id}/{sub}", h_sub_list, ROLE_ANON, ROUTE_PUBLIC},
    {M_POST, "/api/v1/{collection}/{id}/{sub}", h_sub_create, ROLE_NGO, ROUTE_BODY},
    {M_GET, "/api/v1/{collection}/{id}/{sub}/{subid}", h_sub_get, ROLE_ANON, ROUTE_PUBLIC},
    {M_PATCH, "/api/v1/{collection}/{id}/{sub}/{subid}", h_sub_update, ROLE_NGO, ROUTE_BODY},
    {M_DELETE, "/api/v1/{collection}/{id}/{sub}/{subid}", h_sub_delete, ROLE_NGO, 0},
};
const size_t routes_count = ARRAY_SIZE(routes);
