/*
 * Accounts and access over HTTP: the central check of every request (credentials, rule,
 * CSRF, Origin), signing in and out, the users API and API tokens (the audit trail API is
 * in audit_handlers.c). The grants
 * are data on each route's row (src/http/routes.c); this file only applies them and
 * translates between HTTP and the auth, domain and store layers.
 */
#define _GNU_SOURCE
#include "http/auth_handlers.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/access.h"
#include "domain/users.h"
#include "http/request.h"
#include "store/access.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define COOKIE_PLAIN  "civdesk_session"
#define COOKIE_SECURE "__Host-civdesk_session" /* Secure, Path=/, no Domain: TLS only */
#define HSTS_VALUE    "max-age=31536000; includeSubDomains"

/* ---- where the request came from ---------------------------------------------------- */

/* The last element of a comma-separated header (the one our own proxy appended). */
static const char *last_item(struct arena *a, const char *v)
{
    if (!v)
        return NULL;
    const char *comma = strrchr(v, ',');
    const char *p = comma ? comma + 1 : v;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n ? arena_strndup(a, p, n) : NULL;
}

static const char *peer_address(struct request *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char text[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) { /* dotted quad, as inet_ntop writes it (without its
                                           sprintf, a measurable part of a point read) */
            const unsigned char *b =
                (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
            size_t n = 0;
            for (int i = 0; i < 4; i++) {
                n += fmt_u64(text + n, b[i]);
                text[n++] = i < 3 ? '.' : '\0';
            }
        } else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof(text));
    }
    return text[0] ? arena_strdup(&r->arena, text) : NULL;
}

/* Fills r->https and r->client from the connection and, when trusted, the proxy. */
static void transport(struct request *r)
{
    bool trust = r->cfg && r->cfg->trust_proxy;
    const char *proto = trust ? last_item(&r->arena, req_header(r, "X-Forwarded-Proto")) : NULL;
    r->https = proto && strcasecmp(proto, "https") == 0;
    const char *fwd = trust ? last_item(&r->arena, req_header(r, "X-Forwarded-For")) : NULL;
    r->client = fwd && strlen(fwd) <= INET6_ADDRSTRLEN ? fwd : peer_address(r);
}

/* The origin this server is reached at: scheme://host[:port], default port left out. */
static const char *own_origin(struct request *r)
{
    bool trust = r->cfg && r->cfg->trust_proxy;
    const char *host = trust ? last_item(&r->arena, req_header(r, "X-Forwarded-Host")) : NULL;
    if (!host)
        host = req_header(r, MHD_HTTP_HEADER_HOST);
    if (!host || !*host)
        return NULL;
    const char *scheme = r->https ? "https" : "http";
    const char *dflt = r->https ? ":443" : ":80";
    size_t n = strlen(host), dn = strlen(dflt);
    if (n > dn && strcmp(host + n - dn, dflt) == 0)
        n -= dn;
    return arena_printf(&r->arena, "%s://%.*s", scheme, (int)n, host);
}

static bool same_origin(struct request *r, const char *origin)
{
    const char *own = own_origin(r);
    return own && origin && strcasecmp(own, origin) == 0;
}

/* ---- the session cookie ------------------------------------------------------------- */

static const char *cookie_name(const struct request *r)
{
    return r->https ? COOKIE_SECURE : COOKIE_PLAIN;
}

static struct str session_cookie(struct request *r)
{
    return str_from(MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, cookie_name(r)));
}

static void set_cookie(struct request *r, const char *value, bool clear)
{
    resp_header(r, MHD_HTTP_HEADER_SET_COOKIE,
                arena_printf(&r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
                             cookie_name(r), value, r->https ? "; Secure" : "",
                             clear ? "; Max-Age=0" : ""));
}

/* ---- the central check -------------------------------------------------------------- */

#define REFUSAL_WINDOW 600 /* seconds: refusals of one kind by one caller are counted per window */

/* Whether the n-th refusal of a kind in a window gets an audit entry: the 1st, 10th,
 * 100th, 1000th … — a flood is on record, and costs a handful of entries. */
static bool refusal_listed(int64_t n)
{
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

/* Records a refusal of a signed-in caller (anonymous refusals are not recorded: a flood
 * of them would fill the trail), aggregated per caller, kind (method, route, resource,
 * status, reason — fixed texts) and 10-minute window. Never fails the request. */
static void audit_refusal(struct request *r, int status, const char *reason)
{
    if (r->who.role == ROLE_ANON || r->refusal_audited)
        return;
    r->refusal_audited = true;
    const char *method = route_method_name(r->method == M_HEAD ? M_GET : r->method);
    const char *resource = r->sub ? r->sub->name : r->res ? r->res->name : "route";
    const char *kind = arena_printf(&r->arena, "%s %s %s %d %s", method,
                                    r->route_index >= 0 ? routes[r->route_index].pattern : "?",
                                    resource, status, reason);
    int64_t now = now_unix(), count = 0;
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    if (store_write_begin(r->store, &tx) < 0)
        return;
    if (store_refusal_count(tx, r->who.user_id, kind, now / REFUSAL_WINDOW,
                            now / REFUSAL_WINDOW - 86400 / REFUSAL_WINDOW, &count) < 0) {
        store_write_rollback(tx);
        return;
    }
    int rc = STORE_OK;
    if (refusal_listed(count)) {
        struct buf b = BUF_INIT;
        struct jw w;
        jw_init(&w, &b);
        jw_obj(&w);
        jw_kstr(&w, "method", method);
        jw_kstr(&w, "path", r->path);
        jw_kint(&w, "status", status);
        jw_kstr(&w, "reason", reason);
        jw_kint(&w, "count", count); /* refusals of this kind by this caller in the window */
        jw_kint(&w, "window_seconds", REFUSAL_WINDOW);
        jw_obj_end(&w);
        struct store_actor actor = principal_actor(&r->who);
        rc = store_audit(tx, &actor, "refused", resource, r->sub ? r->sub_id : r->id, NULL, b.p);
        buf_release(&b);
    }
    if (rc == STORE_OK)
        store_write_commit(tx, &err);
    else
        store_write_rollback(tx);
}

void auth_http_audit_refusal(struct request *r)
{
    if (r->refusal_audited || r->route_index < 0)
        return;
    if (r->status == 404 && r->who.role == ROLE_NGO)
        audit_refusal(r, 404, "not found, or not the caller's to see");
    else if (r->status == 403 && r->who.role != ROLE_ANON)
        audit_refusal(r, 403, "forbidden");
}

static void refuse(struct request *r, int status, const char *detail)
{
    resp_problem(r, status, detail, NULL);
    if (status == 401)
        resp_header(r, "WWW-Authenticate", "Bearer realm=\"civdesk\"");
    else
        audit_refusal(r, status, detail);
}

/* Resolves credentials. *stale: a session cookie was sent that no longer works. */
static bool authenticate(struct request *r, bool *stale)
{
    *stale = false;
    r->who = (struct principal){.role = ROLE_ANON};
    const char *auth = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth) {
        struct str a = str_from(auth);
        if (a.n < 7 || strncasecmp(a.p, "Bearer ", 7) != 0) {
            refuse(r, 401, "use 'Authorization: Bearer <token>'");
            return false;
        }
        struct str token = {a.p + 7, a.n - 7};
        while (token.n && token.p[0] == ' ')
            token.p++, token.n--;
        int rc = auth_bearer(r->tokens, store_reader(r->store), token, &r->arena, &r->who);
        if (rc == STORE_NOT_FOUND) {
            refuse(r, 401,
                   "the token is not valid (unknown, revoked, expired, or its user is disabled)");
            return false;
        }
        if (rc < 0) {
            resp_problem(r, 503, "the database is not answering; try again", NULL);
            return false;
        }
        token_note_use(r->store, &r->who); /* its last use, to within minutes */
        return true;
    }
    struct str cookie = session_cookie(r);
    if (!cookie.p)
        return true;
    int rc = session_resolve(r->store, cookie, &r->arena, &r->who);
    if (rc == STORE_NOT_FOUND) {
        /* Carry on as anonymous: public routes (signing in again) still work. */
        r->who = (struct principal){.role = ROLE_ANON};
        *stale = true;
        return true;
    }
    if (rc < 0) {
        resp_problem(r, 503, "the database is not answering; try again", NULL);
        return false;
    }
    return true;
}

bool auth_http_check(struct request *r, const struct route *rt)
{
    auth_clock_refresh();
    transport(r);
    bool stale;
    if (!authenticate(r, &stale))
        return false;
    /* A row that left a role out (UNSET) refuses it; the unit tests check none does. */
    r->who.grant = rt->grant[r->who.role] == GRANT_UNSET ? GRANT_NONE : rt->grant[r->who.role];
    enum grant g = principal_grant(&r->who); /* the rule narrows the role's reach */
    const char *what = r->sub ? r->sub->name : r->res ? r->res->name : NULL;
    bool reaches = g != GRANT_NONE && (!r->res || domain_grant_reaches(g, r->res)) &&
                   (!r->sub || domain_grant_reaches(g, r->sub));
    if (!reaches) {
        if (r->who.role == ROLE_ANON) {
            refuse(r, 401,
                   stale ? "your session has ended (signed out, idle for 30 minutes, "
                           "or 12 hours old): sign in again"
                         : "sign in, or send 'Authorization: Bearer <token>'");
            if (stale)
                set_cookie(r, "", true);
        } else {
            refuse(r, 403,
                   what ? arena_printf(&r->arena, "your role (%s) may not use %s",
                                       role_name(r->who.role), what)
                        : arena_printf(&r->arena, "your role (%s) may not do this",
                                       role_name(r->who.role)));
        }
        return false;
    }
    bool write = !(r->method & (M_GET | M_HEAD));
    if (!write)
        return true;
    const char *origin = req_header(r, "Origin");
    if (origin && !same_origin(r, origin)) {
        refuse(r, 403, "a change from another site's page is refused (Origin)");
        return false;
    }
    if (r->who.session_id) {
        if (!origin) {
            refuse(r, 403,
                   "a change made with the session cookie must carry the Origin of this "
                   "site");
            return false;
        }
        if (!session_csrf_ok(session_cookie(r), req_header(r, "X-CSRF-Token"))) {
            refuse(r, 403,
                   "a change made with the session cookie needs the X-CSRF-Token "
                   "header given at sign-in");
            return false;
        }
    }
    return true;
}

void auth_http_response_headers(struct request *r, struct MHD_Response *resp)
{
    /* Responses that never passed the check (the web UI's files, 404s) learn it here. */
    if (!r->https && r->cfg && r->cfg->trust_proxy) {
        const char *proto = last_item(&r->arena, req_header(r, "X-Forwarded-Proto"));
        r->https = proto && strcasecmp(proto, "https") == 0;
    }
    if (r->https)
        MHD_add_response_header(resp, "Strict-Transport-Security", HSTS_VALUE);
}

/* ---- JSON helpers ------------------------------------------------------------------- */

static void write_user(struct jw *w, const struct user *u)
{
    jw_kint(w, "id", u->id);
    jw_kstr(w, "email", u->email);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "role", u->role);
    jw_key(w, "organisation_id");
    if (u->org_id)
        jw_int(w, u->org_id);
    else
        jw_null(w);
}

static void write_user_row(struct jw *w, const struct user_row *row)
{
    jw_obj(w);
    write_user(w, &row->u);
    jw_kbool(w, "disabled", row->u.disabled);
    jw_kstr(w, "created_at", row->created_at);
    jw_kstr(w, "updated_at", row->updated_at);
    jw_kint(w, "version", row->version);
    jw_obj_end(w);
}

/* ---- sessions ----------------------------------------------------------------------- */

/* A string member of the sign-in body, bounded; NULL (with an error) if absent or wrong. */
static const char *login_field(json_t *body, const char *name, size_t max, struct errors *errs)
{
    json_t *v = json_object_get(body, name);
    if (!v || json_is_null(v)) {
        errors_add(errs, name, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        errors_add(errs, name, "must be a string");
        return NULL;
    }
    if (json_string_length(v) > max || json_string_length(v) == 0) {
        errors_add(errs, name, json_string_length(v) ? "is too long" : "is required");
        return NULL;
    }
    return json_string_value(v);
}

void h_session_create(struct request *r)
{
    json_t *body = req_body_object(r);
    if (r->body.p)
        sodium_memzero(r->body.p, r->body.n); /* the password was in it */
    if (!body)
        return;
    struct errors errs;
    errors_init(&errs, &r->arena);
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        if (strcmp(key, "email") != 0 && strcmp(key, "password") != 0)
            errors_add(&errs, key, "is not a field of a sign-in (email, password)");
    }
    const char *email = login_field(body, "email", LIMIT_EMAIL, &errs);
    const char *password = login_field(body, "password", LIMIT_PASSWORD_MAX, &errs);
    struct login_result res;
    if (!errs.n)
        auth_login(r->store, email, password, r->client, &r->arena, &res);
    json_t *pw = json_object_get(body, "password");
    if (json_is_string(pw))
        sodium_memzero((char *)json_string_value(pw), json_string_length(pw));
    json_decref(body);
    if (errs.n) {
        resp_problem(r, 422, "the sign-in is not valid; see errors", &errs);
        return;
    }
    char wait[24];
    snprintf(wait, sizeof(wait), "%lld", (long long)res.retry_after);
    switch (res.status) {
    case LOGIN_OK:
        break;
    case LOGIN_REFUSED:
        metrics_login_failed(r); /* civdesk_login_failures_total */
        refuse(r, 401, "the e-mail or the password is not right");
        return;
    case LOGIN_LIMITED:
        metrics_login_failed(r);
        resp_problem(r, 429,
                     arena_printf(&r->arena,
                                  "too many failed sign-ins for this account or from this "
                                  "address: try again in %lld seconds",
                                  (long long)res.retry_after),
                     NULL);
        resp_header(r, "Retry-After", wait);
        return;
    case LOGIN_BUSY:
        resp_problem(r, 429, "too many sign-ins are being checked right now: try again", NULL);
        resp_header(r, "Retry-After", wait);
        return;
    default:
        resp_problem(r, 503, "the database could not complete the sign-in; try again", NULL);
        return;
    }
    struct jw w;
    char expires[21];
    time_rfc3339(res.session.expires_at, expires);
    resp_json(r, 201, &w);
    set_cookie(r, res.session.token, false);
    jw_obj(&w);
    jw_key(&w, "user");
    jw_obj(&w);
    write_user(&w, &res.user);
    jw_obj_end(&w);
    jw_kstr(&w, "csrf_token", res.session.csrf);
    jw_kstr(&w, "expires_at", expires);
    jw_kint(&w, "idle_timeout", SESSION_IDLE_SECONDS);
    jw_obj_end(&w);
    sodium_memzero(&res.session, sizeof(res.session));
}

void h_session_get(struct request *r)
{
    /* The name is not in the principal; the UI's header shows it. */
    const char *name = NULL;
    struct user stored;
    struct store_conn *c = store_reader(r->store);
    store_read_begin(c);
    if (store_user_by_id(c, r->who.user_id, &r->arena, &stored) == STORE_OK)
        name = stored.name;
    store_read_end(c);
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_key(&w, "user");
    jw_obj(&w);
    struct user u = {.id = r->who.user_id,
                     .email = r->who.email,
                     .role = role_name(r->who.role),
                     .org_id = r->who.org_id,
                     .name = name};
    write_user(&w, &u);
    jw_obj_end(&w);
    jw_kstr(&w, "via", r->who.session_id ? "session" : "token");
    jw_key(&w, "csrf_token");
    if (r->who.session_id) {
        char csrf[CSRF_TOKEN_TEXT];
        session_csrf(session_cookie(r), csrf);
        jw_str(&w, csrf);
        sodium_memzero(csrf, sizeof(csrf));
    } else {
        jw_null(&w);
    }
    jw_kint(&w, "idle_timeout", SESSION_IDLE_SECONDS);
    jw_obj_end(&w);
}

void h_session_delete(struct request *r)
{
    if (!r->who.session_id) {
        resp_problem(r, 409, "there is no session to end: this request used an API token", NULL);
        return;
    }
    if (session_end(r->store, &r->who) < 0) {
        resp_problem(r, 503, "the database could not end the session; try again", NULL);
        return;
    }
    r->status = 204;
    set_cookie(r, "", true);
}

/* ---- users -------------------------------------------------------------------------- */

/* role, organisation_id, disabled, limit, cursor: declared on the route, checked before. */
void h_users_list(struct request *r)
{
    struct user_filter f = {.disabled = -1};
    const char *disabled = req_route_param(r, "disabled");
    f.role = req_route_param(r, "role");
    f.org_id = req_param_num(req_route_param(r, "organisation_id"), 0);
    if (disabled)
        f.disabled = disabled[0] == 't';
    f.limit = (int)req_param_num(req_route_param(r, "limit"), LIMIT_LIST_DEFAULT);
    f.after_id = req_param_num(req_route_param(r, "cursor"), 0);
    struct user_row *rows;
    size_t n;
    bool more;
    struct store_conn *c = store_reader(r->store);
    if (store_user_list(c, &f, &r->arena, &rows, &n, &more) < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    req_list_begin(r, &w);
    for (size_t i = 0; i < n; i++)
        write_user_row(&w, &rows[i]);
    req_list_end(r, &w, more && n, n ? rows[n - 1].u.id : 0);
}

/* The accounts an organisation may be given to as its desk officer (the bulk action's
 * and the form's choice): active officers and administrators, with id, name, e-mail and
 * role only. At most LIMIT_LIST_MAX of each role; no paging (a ministry has dozens). */
void h_officers_list(struct request *r)
{
    static const char *const roles[] = {"officer", "admin"};
    struct store_conn *c = store_reader(r->store);
    struct jw w;
    req_list_begin(r, &w);
    for (size_t k = 0; k < ARRAY_SIZE(roles); k++) {
        struct user_filter f = {.role = roles[k], .disabled = 0, .limit = LIMIT_LIST_MAX};
        struct user_row *rows;
        size_t n;
        bool more;
        if (store_user_list(c, &f, &r->arena, &rows, &n, &more) < 0) {
            resp_problem(r, 503, "the database could not answer; try again", NULL);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            jw_obj(&w);
            jw_kint(&w, "id", rows[i].u.id);
            jw_kstr(&w, "name", rows[i].u.name);
            jw_kstr(&w, "email", rows[i].u.email);
            jw_kstr(&w, "role", rows[i].u.role);
            jw_obj_end(&w);
        }
    }
    req_list_end(r, &w, false, 0);
}

void h_users_get(struct request *r)
{
    struct user_row row;
    int rc = store_user_row(store_reader(r->store), r->id, &r->arena, &row);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, arena_printf(&r->arena, "no user with id %lld", (long long)r->id),
                     NULL);
        return;
    }
    if (rc < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    resp_json(r, 200, &w);
    req_etag(r, row.version);
    write_user_row(&w, &row);
}

/* The fields of a user in a request body, read into ch by their JSON types; the rules
 * on their values are the domain's (src/domain/users.c). A string of the wrong type is
 * passed on as "" so that the domain names the field with its one message. */
static void user_from_json(json_t *body, struct user_change *ch, struct arena *a,
                           struct errors *errs)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        const char *text = json_is_string(v) ? arena_strdup(a, json_string_value(v)) : "";
        if (!strcmp(key, "email")) {
            ch->email = text;
        } else if (!strcmp(key, "name")) {
            ch->has_name = true;
            ch->name = json_is_null(v) ? NULL : text;
        } else if (!strcmp(key, "role")) {
            ch->has_role = true;
            ch->role = text;
        } else if (!strcmp(key, "organisation_id")) {
            ch->has_org = true;
            if (json_is_null(v))
                ch->org_id = 0;
            else if (!json_is_integer(v) || json_integer_value(v) < 1)
                errors_add(errs, key, "must be the id of an organisation, or null");
            else
                ch->org_id = json_integer_value(v);
        } else if (!strcmp(key, "disabled")) {
            ch->has_disabled = true;
            if (!json_is_boolean(v))
                errors_add(errs, key, "must be true or false");
            else
                ch->disabled = json_is_true(v);
        } else if (!strcmp(key, "password")) {
            ch->has_password = true;
            if (!json_is_string(v))
                errors_add(errs, key, "must be a string");
            else
                ch->password = json_string_value(v); /* not copied: wiped with the body */
        } else {
            errors_add(errs, key,
                       "is not a field of a user (email, name, role, "
                       "organisation_id, disabled, password)");
        }
    }
}

static void wipe_password(json_t *body)
{
    json_t *pw = json_object_get(body, "password");
    if (json_is_string(pw))
        sodium_memzero((char *)json_string_value(pw), json_string_length(pw));
}

/* Answers a failed users_create / users_update: the users' own codes, an unknown
 * organisation as a field error, the rest by the common map. */
static void user_problem(struct request *r, int rc, struct errors *errs, const struct error *err)
{
    if (rc == USERS_BUSY) {
        resp_problem(r, 429, "too many passwords are being checked right now: try again", NULL);
        resp_header(r, "Retry-After", "1");
        return;
    }
    if (rc == STORE_BAD_REF) {
        errors_add(errs, "organisation_id", "%s", err->msg);
        rc = DOMAIN_INVALID;
    }
    req_problem(r, rc, err, errs);
}

/* Answers with user id as stored now: status, ETag, the user. */
static void user_reply(struct request *r, int status, int64_t id)
{
    struct user_row row;
    if (store_user_row(store_reader(r->store), id, &r->arena, &row) < 0) {
        resp_problem(r, 503,
                     status == 201 ? "the user was added, but could not be read back"
                                   : "the user was changed, but could not be read back",
                     NULL);
        return;
    }
    struct jw w;
    resp_json(r, status, &w);
    req_etag(r, row.version);
    if (status == 201)
        resp_header(r, "Location", arena_printf(&r->arena, "/api/v1/users/%lld", (long long)id));
    write_user_row(&w, &row);
}

/*
 * Reads the body of a users write into ch (field errors into errs, initialised here),
 * wiping the request's bytes, which hold the password; NULL when the body was refused
 * (answered). The caller hands the JSON, which ch borrows from, to user_done.
 */
static json_t *user_body(struct request *r, struct user_change *ch, struct errors *errs)
{
    json_t *body = req_body_object(r);
    if (r->body.p)
        sodium_memzero(r->body.p, r->body.n);
    if (!body)
        return NULL;
    errors_init(errs, &r->arena);
    *ch = (struct user_change){0};
    user_from_json(body, ch, &r->arena, errs);
    return body;
}

/* After users_create / users_update returned rc: the password wiped and the body freed,
 * then the answer (user id with status, or the problem). */
static void user_done(struct request *r, json_t *body, int rc, struct errors *errs,
                      const struct error *err, int status, int64_t id)
{
    wipe_password(body);
    json_decref(body);
    if (rc < 0)
        user_problem(r, rc, errs, err);
    else
        user_reply(r, status, id);
}

void h_users_create(struct request *r)
{
    struct errors errs;
    struct user_change ch;
    json_t *body = user_body(r, &ch, &errs);
    if (!body)
        return;
    struct error err = ERROR_INIT;
    int64_t id = 0;
    int rc = users_create(r->store, &r->who, &ch, &r->arena, &errs, &err, &id);
    user_done(r, body, rc, &errs, &err, 201, id);
}

void h_users_update(struct request *r)
{
    int64_t version;
    if (req_if_match(r, "user", &version) < 0)
        return;
    struct errors errs;
    struct user_change ch;
    json_t *body = user_body(r, &ch, &errs);
    if (!body)
        return;
    struct error err = ERROR_INIT;
    int rc = users_update(r->store, &r->who, r->id, version, &ch, &r->arena, &errs, &err);
    user_done(r, body, rc, &errs, &err, 200, r->id);
}

/* ---- API tokens (issue 16) -------------------------------------------------------------- */

void h_tokens_list(struct request *r)
{
    /* Administrators see everyone's tokens; everyone else their own. */
    int64_t user_id = r->who.role == ROLE_ADMIN ? 0 : r->who.user_id;
    static const char *const names[] = {"limit", "cursor", NULL};
    struct errors errs;
    errors_init(&errs, &r->arena);
    struct req_params q = {.allowed = names};
    if (!req_params_read(r, &q, &errs))
        return req_bad_query(r, &errs);
    int limit = (int)req_param_int(q.values[0], "limit", LIMIT_LIST_MAX, LIMIT_LIST_DEFAULT, &errs);
    int64_t after = req_param_int(q.values[1], "cursor", INT64_MAX, 0, &errs);
    if (errs.n)
        return req_bad_query(r, &errs);
    struct token_row *rows;
    size_t n;
    bool more;
    if (store_token_page(store_reader(r->store), user_id, after, limit, &r->arena, &rows, &n,
                         &more) < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    req_list_begin(r, &w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        jw_kint(&w, "id", rows[i].id);
        jw_kint(&w, "user_id", rows[i].user_id);
        jw_kstr(&w, "email", rows[i].email);
        jw_kstr(&w, "name", rows[i].label);
        jw_kstr(&w, "created_at", rows[i].created_at);
        jw_kstr(&w, "expires_at", rows[i].expires_at);
        jw_kstr(&w, "last_used_at", rows[i].last_used_at);
        jw_kbool(&w, "current", rows[i].id == r->who.token_id);
        jw_obj_end(&w);
    }
    req_list_end(r, &w, more, n ? rows[n - 1].id : 0);
}

void h_tokens_revoke(struct request *r)
{
    struct error err = ERROR_INIT;
    int rc = token_revoke(r->store, &r->who, r->id, &err);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, err.msg, NULL);
        return;
    }
    if (rc < 0) {
        resp_problem(r, 503, "the database could not complete the change; try again", NULL);
        return;
    }
    r->status = 204;
}
