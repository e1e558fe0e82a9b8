/*
 * The HTTP server on libmicrohttpd: request lifecycle, central routing and
 * authorisation, problem responses, security headers.
 */
#define _GNU_SOURCE
#include "http/http.h"
#include "http/auth_handlers.h"
#include "http/encoding.h"
#include "http/metrics.h"
#include "http/static.h"
#include "core/limits.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A connection between requests or reading a request's header: the time it started
 * doing so. A header has to arrive within LIMIT_HEADER_SECONDS of that, however slowly
 * its bytes trickle in (libmicrohttpd's own timeout restarts at each byte). */
struct conn_watch {
    int fd;
    bool reading_header;   /* no complete header yet since header_since */
    uint64_t header_since; /* monotonic µs */
    struct conn_watch *prev, *next;
};

struct server {
    atomic_bool serving; /* the daemon started: its log messages are worth showing */
    struct store *store;
    const struct server_config *cfg; /* borrowed for the server's lifetime */
    struct metrics metrics;
    struct metrics *counted;         /* &metrics, or the main server's for --metrics-listen */
    bool metrics_only;               /* the --metrics-listen daemon: GET /metrics, else 404 */
    pthread_mutex_t watch_lock;      /* guards watched */
    struct conn_watch *watched;      /* every open connection */
};

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- responses ---------------------------------------------------------------------- */

static const struct {
    int status;
    const char *title;
    const char *type; /* problem type, relative to the API; NULL: about:blank */
} statuses[] = {
    {200, "OK", NULL},
    {201, "Created", NULL},
    {204, "No Content", NULL},
    {400, "Bad Request", "/problems/bad-request"},
    {401, "Unauthorized", "/problems/unauthenticated"},
    {403, "Forbidden", "/problems/forbidden"},
    {404, "Not Found", "/problems/not-found"},
    {405, "Method Not Allowed", "/problems/method-not-allowed"},
    {409, "Conflict", "/problems/conflict"},
    {412, "Precondition Failed", "/problems/version-mismatch"},
    {413, "Content Too Large", "/problems/too-large"},
    {414, "URI Too Long", "/problems/too-large"},
    {415, "Unsupported Media Type", "/problems/unsupported-media-type"},
    {422, "Unprocessable Content", "/problems/validation"},
    {428, "Precondition Required", "/problems/precondition-required"},
    {429, "Too Many Requests", "/problems/rate-limited"},
    {431, "Request Header Fields Too Large", "/problems/too-large"},
    {500, "Internal Server Error", "/problems/internal"},
    {503, "Service Unavailable", "/problems/unavailable"},
};

static const char *status_title(int status, const char **type)
{
    for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
        if (statuses[i].status == status) {
            if (type)
                *type = statuses[i].type;
            return statuses[i].title;
        }
    }
    if (type)
        *type = NULL;
    return "Error";
}

void resp_header(struct request *r, const char *name, const char *value)
{
    if (r->nheaders >= ARRAY_SIZE(r->headers))
        BUG("too many response headers");
    r->headers[r->nheaders++] =
        (struct header){arena_strdup(&r->arena, name), arena_strdup(&r->arena, value)};
}

void resp_json(struct request *r, int status, struct jw *w)
{
    r->status = status;
    r->content_type = "application/json";
    buf_reset(&r->out);
    jw_init(w, &r->out);
}

static void problem(struct request *r, int status, const char *detail, const struct errors *errs,
                    const char *key, const char *const *values)
{
    const char *type;
    const char *title = status_title(status, &type);
    struct jw w;
    r->status = status;
    r->content_type = "application/problem+json";
    r->nheaders = 0; /* an ETag or Location set before the failure no longer applies */
    if (r->stream) { /* nor does a streamed body */
        MHD_destroy_response(r->stream);
        r->stream = NULL;
    }
    buf_reset(&r->out);
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "type", type ? type : "about:blank");
    jw_kstr(&w, "title", title);
    jw_kint(&w, "status", status);
    if (detail)
        jw_kstr(&w, "detail", detail);
    if (r->path)
        jw_kstr(&w, "instance", r->path);
    if (errs && errs->n) {
        jw_key(&w, "errors");
        jw_arr(&w);
        for (size_t i = 0; i < errs->n; i++) {
            jw_obj(&w);
            jw_kstr(&w, "field", errs->items[i].field);
            jw_kstr(&w, "message", errs->items[i].message);
            if (errs->items[i].code) { /* stable, for clients that say it in their language */
                jw_kstr(&w, "code", errs->items[i].code);
                jw_key(&w, "params");
                jw_arr(&w);
                for (size_t k = 0; k < errs->items[i].nparams; k++)
                    jw_str(&w, errs->items[i].params[k]);
                jw_arr_end(&w);
            }
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
    }
    if (key) {
        jw_key(&w, key);
        jw_arr(&w);
        for (const char *const *v = values; v && *v; v++)
            jw_str(&w, *v);
        jw_arr_end(&w);
    }
    jw_obj_end(&w);
}

void resp_problem(struct request *r, int status, const char *detail, const struct errors *errs)
{
    problem(r, status, detail, errs, NULL, NULL);
}

void resp_problem_list(struct request *r, int status, const char *detail, const char *key,
                       const char *const *values)
{
    problem(r, status, detail, NULL, key, values);
}

const char *req_query(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_query_n(struct request *r, const char *name, size_t *n)
{
    const char *v = NULL;
    if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, n) !=
        MHD_YES)
        return NULL;
    return v;
}

const char *req_header(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Security headers on every response (issue: CSP, nosniff, referrer, framing). */
static const struct {
    const char *name, *value;
} security_headers[] = {
    {"Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

static enum MHD_Result queue(struct request *r)
{
    if (r->status == 0)
        resp_problem(r, 500, "the handler produced no response", NULL);
    enc_finish(r); /* 304, gzip, Vary (src/http/encoding.c) */
    size_t n = r->out.n;
    struct MHD_Response *resp = r->stream; /* a streamed body, else the buffer */
    r->stream = NULL;
    if (!resp) {
        char *body = buf_detach(&r->out);
        resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
    } else {
        n = 1; /* has a body: give its type */
    }
    if (r->content_type && n)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    for (size_t i = 0; i < ARRAY_SIZE(security_headers); i++)
        MHD_add_response_header(resp, security_headers[i].name, security_headers[i].value);
    if (r->who.role != ROLE_ANON || str_starts_with(str_from(r->path), "/api/"))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    auth_http_response_headers(r, resp);
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    char rid[21];
    fmt_u64(rid, r->request_id);
    MHD_add_response_header(resp, "X-Request-Id", rid);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->queued = true;
    return ret;
}

/* ---- dispatch ----------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum http_method m;
} methods[] = {
    {"GET", M_GET},       {"POST", M_POST}, {"PATCH", M_PATCH},
    {"DELETE", M_DELETE}, {"PUT", M_PUT},   {"HEAD", M_HEAD},
};

static enum http_method method_parse(const char *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
        if (strcmp(s, methods[i].name) == 0)
            return methods[i].m;
    return M_OTHER;
}

static void allow_header(struct request *r, unsigned allowed)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
        enum http_method m = methods[i].m;
        if (!(allowed & m) && !(m == M_HEAD && (allowed & M_GET)))
            continue;
        if (b.n)
            buf_puts(&b, ", ");
        buf_puts(&b, methods[i].name);
    }
    resp_header(r, "Allow", b.p ? b.p : "");
    buf_release(&b);
}

static bool json_content_type(const char *ct)
{
    if (!ct)
        return false;
    struct str s = str_from(ct), media, params;
    str_cut(s, ';', &media, &params);
    while (media.n && media.p[media.n - 1] == ' ')
        media.n--;
    return (media.n == 16 && strncasecmp(media.p, "application/json", 16) == 0) ||
           (media.n == 28 && strncasecmp(media.p, "application/merge-patch+json", 28) == 0);
}

static void run_route(struct request *r, const struct route *found);

static void dispatch(struct request *r)
{
    if (strlen(r->path) > LIMIT_URL_BYTES) {
        resp_problem(r, 414, "the URL is too long", NULL);
        return;
    }
    unsigned allowed = 0;
    const struct route *found = NULL;
    enum http_method m = r->method == M_HEAD ? M_GET : r->method;
    for (size_t i = 0; i < routes_count; i++) {
        if (!route_match(&routes[i], r->path, r))
            continue;
        allowed |= routes[i].method;
        if (routes[i].method == m) {
            found = &routes[i];
            break;
        }
    }
    if (!found) {
        if (allowed) {
            resp_problem(r, 405, "this method is not allowed here; see the Allow header", NULL);
            allow_header(r, allowed);
        } else if (m == M_GET && !str_starts_with(str_from(r->path), "/api/")) {
            static_serve(r); /* the web UI: embedded files, else index.html */
        } else {
            resp_problem(r, 404, "no such resource", NULL);
        }
        return;
    }
    /* Re-match to make sure the captures are those of the route found. */
    route_match(found, r->path, r);
    r->route_index = (int)(found - routes);
    /* A read is one transaction from the credentials to the last row: one snapshot, and
     * one lock taken instead of one per statement group. */
    struct store_conn *c = m == M_GET ? store_reader(r->store) : NULL;
    if (c)
        store_read_begin(c);
    run_route(r, found);
    if (c)
        store_read_end(c);
    auth_http_audit_refusal(r); /* probes and other refusals, on record (aggregated) */
}

/* The route for the request's method and path, its captures filled in; NULL if none. */
static const struct route *find_route(struct request *r)
{
    for (size_t i = 0; i < routes_count; i++)
        if (routes[i].method == r->method && route_match(&routes[i], r->path, r))
            return &routes[i]; /* the captures are this match's */
    return NULL;
}

/* Decides, when a write's headers have arrived, whether its caller may use the route at
 * all (credentials, access rule, CSRF and Origin), so that a refused body is never held
 * in memory. True when the request was refused (the problem is in r). A request that
 * matches no route is left to dispatch (404, 405). */
static bool refuse_before_body(struct request *r)
{
    if (!(r->method & (M_POST | M_PATCH | M_PUT | M_DELETE)) || !utf8_valid(r->path, strlen(r->path)))
        return false;
    const struct route *found = find_route(r);
    if (!found)
        return false;
    r->route_index = (int)(found - routes);
    r->checked = true;
    return !auth_http_check(r, found);
}

/*
 * What the route's declaration lets central code check, in order, before its handler
 * runs — so no handler re-checks any of it: the caller and the route's grants
 * (src/http/auth_handlers.c), the body's size and type, the query string.
 */
static void run_route(struct request *r, const struct route *found)
{
    /* Credentials, the route's grants, CSRF and Origin — unless already checked when the
     * headers arrived. */
    if (!r->checked && !auth_http_check(r, found))
        return;
    if (found->body != BODY_NONE && r->body_too_large) {
        resp_problem(
            r, 413,
            arena_printf(&r->arena, "the request body is larger than %zu MiB", r->body_limit >> 20),
            NULL);
        return;
    }
    if (found->body == BODY_JSON || found->body == BODY_MERGE_PATCH) {
        if (!json_content_type(req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
            resp_problem(r, 415, "send the body as application/json", NULL);
            return;
        }
    }
    if (!route_check_query(r, found))
        return;
    found->handler(r);
}

/* ---- libmicrohttpd callbacks -------------------------------------------------------- */

/* The body size the request's route accepts: its own for raw-body routes (uploads). */
static size_t body_limit(struct request *r)
{
    enum http_method m = r->method;
    if (!(m & (M_POST | M_PATCH | M_PUT)))
        return LIMIT_JSON_BODY; /* no upload route: spare reads the route search */
    for (size_t i = 0; i < routes_count; i++)
        if (routes[i].method == m && route_match(&routes[i], r->path, r))
            return routes[i].body == BODY_UPLOAD  ? LIMIT_CSV_UPLOAD
                   : routes[i].body == BODY_BYTES ? LIMIT_ATTACHMENT
                                                  : LIMIT_JSON_BODY;
    return LIMIT_JSON_BODY;
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    size_t *total = cls;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* Bytes of the request line and headers as received (near enough for a limit). */
static size_t header_bytes(struct MHD_Connection *conn, const char *url)
{
    size_t total = strlen(url) + 16;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_size, &total);
    return total;
}

static const char *too_large_detail(struct request *r)
{
    if (r->body_limit % (1024 * 1024) == 0)
        return arena_printf(&r->arena, "the request body is larger than the %zu MiB allowed here",
                            r->body_limit / (1024 * 1024));
    return arena_printf(&r->arena, "the request body is larger than the %zu bytes allowed here",
                        r->body_limit);
}

/* ---- header deadline ----------------------------------------------------------------- */

static struct conn_watch *watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Marks the connection as reading a header (since now) or not. */
static void watch_header(struct server *srv, struct MHD_Connection *conn, bool reading)
{
    struct conn_watch *w = watch_of(conn);
    if (!w)
        return;
    pthread_mutex_lock(&srv->watch_lock);
    w->reading_header = reading;
    w->header_since = monotonic_us();
    pthread_mutex_unlock(&srv->watch_lock);
}

/* libmicrohttpd calls this when a connection opens and when it closes, the latter before
 * it closes the socket: so a watched fd is always still this connection's. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_watch *w = calloc(1, sizeof(*w));
        if (!w || !ci) {
            free(w);
            return;
        }
        *w = (struct conn_watch){.fd = ci->connect_fd, .reading_header = true,
                                 .header_since = monotonic_us()};
        pthread_mutex_lock(&srv->watch_lock);
        w->next = srv->watched;
        if (w->next)
            w->next->prev = w;
        srv->watched = w;
        pthread_mutex_unlock(&srv->watch_lock);
        *socket_context = w;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn_watch *w = *socket_context;
        pthread_mutex_lock(&srv->watch_lock);
        if (w->prev)
            w->prev->next = w->next;
        else
            srv->watched = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&srv->watch_lock);
        free(w);
        *socket_context = NULL;
    }
}

/* Ends every connection that has spent more than LIMIT_HEADER_SECONDS on one header
 * (shutdown: libmicrohttpd then sees the end of the stream and closes it itself).
 * Called each second by http_serve's main thread. */
static void sweep_slow_headers(struct server *srv)
{
    uint64_t now = monotonic_us(), limit = (uint64_t)LIMIT_HEADER_SECONDS * 1000000u;
    pthread_mutex_lock(&srv->watch_lock);
    for (struct conn_watch *w = srv->watched; w; w = w->next) {
        if (w->reading_header && now - w->header_since > limit) {
            shutdown(w->fd, SHUT_RDWR);
            w->reading_header = false;
        }
    }
    pthread_mutex_unlock(&srv->watch_lock);
}

/* ---- framing: what RFC 9112 requires before a request is believed ------------------ */

/* The context libmicrohttpd hands on_access for a request whose query string had too
 * many pairs (see on_uri). */
static char too_many_pairs;

/* Called by libmicrohttpd with the request target as soon as the request line is read,
 * before it parses the query string into its connection memory. A query of thousands of
 * pairs would exhaust that memory, and libmicrohttpd would close the connection without
 * an answer; so a query over LIMIT_QUERY_PAIRS is cut off here (the target is in
 * libmicrohttpd's own writable read buffer, which it hands us as const) and on_access
 * answers 400. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    char *q = strchr(uri, '?');
    if (!q)
        return NULL;
    size_t pairs = 1;
    for (const char *p = q + 1; *p; p++)
        pairs += *p == '&';
    if (pairs <= LIMIT_QUERY_PAIRS)
        return NULL;
    q[1] = '\0';
    return &too_many_pairs;
}

struct framing {
    unsigned hosts;         /* Host headers */
    unsigned lengths;       /* Content-Length headers */
    const char *length;     /* the first one's value */
    bool lengths_differ;    /* a later one says something else */
    bool transfer_encoding; /* a Transfer-Encoding header */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        f->hosts++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->lengths++ == 0)
            f->length = value;
        else if (!value || !f->length || strcmp(value, f->length) != 0)
            f->lengths_differ = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encoding = true;
    }
    return MHD_YES;
}

/* Why the request's framing is refused (RFC 9112 3.2, 6.1, 6.3), or NULL. A request
 * whose length is ambiguous is the stuff of request smuggling through a proxy. */
static const char *framing_problem(struct MHD_Connection *conn, const char *version)
{
    struct framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    if (f.hosts == 0 && version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
        return "an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)";
    if (f.hosts > 1)
        return "the request has more than one Host header (RFC 9112, section 3.2)";
    if (f.lengths_differ)
        return "the request has Content-Length headers that differ (RFC 9112, section 6.3)";
    if (f.transfer_encoding && f.lengths)
        return "the request has both Transfer-Encoding and Content-Length (RFC 9112, "
               "section 6.1)";
    return NULL;
}

/* The --metrics-listen daemon answers GET /metrics and nothing else. */
static void metrics_only(struct request *r)
{
    if ((r->method == M_GET || r->method == M_HEAD) && strcmp(r->path, "/metrics") == 0)
        h_metrics(r);
    else
        resp_problem(r, 404, "this address serves only /metrics", NULL);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct server *srv = cls;
    struct request *r = *con_cls;
    bool too_many_params = r == (void *)&too_many_pairs;
    if (too_many_params)
        r = NULL;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        arena_init(&r->arena);
        r->conn = conn;
        r->store = srv->store;
        r->cfg = srv->cfg;
        r->metrics = srv->counted;
        r->route_index = -1;
        r->started_us = monotonic_us();
        r->request_id = atomic_fetch_add(&srv->counted->next_request_id, 1) + 1;
        atomic_fetch_add(&srv->counted->in_flight, 1);
        r->method = method_parse(method);
        r->path = arena_strdup(&r->arena, url);
        *con_cls = r;
        watch_header(srv, conn, false);
        const char *framing = framing_problem(conn, version);
        if (too_many_params || framing) {
            resp_problem(r, 400,
                         framing ? framing
                                 : arena_printf(&r->arena,
                                                "too many query parameters: at most %d",
                                                LIMIT_QUERY_PAIRS),
                         NULL);
            return queue(r);
        }
        if (header_bytes(conn, url) > LIMIT_HEADER_BYTES) {
            resp_problem(r, 431,
                         arena_printf(&r->arena, "the request headers are larger than %d bytes",
                                      LIMIT_HEADER_BYTES),
                         NULL);
            return queue(r);
        }
        r->body_limit = body_limit(r);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *expect =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        bool waits = expect && strcasecmp(expect, "100-continue") == 0;
        int64_t len = 0;
        if (cl && parse_i64(str_from(cl), 0, INT64_MAX, &len) < 0)
            len = 0;
        /* A client waiting on "Expect: 100-continue" has sent nothing yet: answer now
         * (libmicrohttpd closes afterwards). A client already sending is drained and
         * answered at the end, unless what it declares is beyond LIMIT_DISCARD. */
        if (!srv->metrics_only && refuse_before_body(r)) {
            r->refused = true;
            return waits || len > LIMIT_DISCARD ? queue(r) : MHD_YES;
        }
        if (len > (int64_t)r->body_limit) {
            r->body_too_large = true;
            if (waits || len > LIMIT_DISCARD) {
                resp_problem(r, 413, too_large_detail(r), NULL);
                return queue(r);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->refused) { /* refused at the headers: drop the body unread, as below */
            r->discarded += *upload_data_size;
            *upload_data_size = 0;
            return r->discarded > LIMIT_DISCARD ? MHD_NO : MHD_YES;
        }
        if (r->body_too_large || r->body.n + *upload_data_size > r->body_limit) {
            /* A chunked body that grew too large: read and drop it, answering 413 at its
             * end (libmicrohttpd accepts no response while a body is arriving, and
             * closing on a client still sending makes its TCP stack discard an answer).
             * Past LIMIT_DISCARD the connection is cut. */
            r->body_too_large = true;
            r->discarded += *upload_data_size;
            *upload_data_size = 0;
            return r->discarded > LIMIT_DISCARD ? MHD_NO : MHD_YES;
        }
        buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->queued)
        return MHD_YES;
    if (r->refused)
        ; /* the refusal made at the headers is the answer */
    else if (r->body_too_large)
        resp_problem(r, 413, too_large_detail(r), NULL);
    else if (!utf8_valid(r->path, strlen(r->path)))
        resp_problem(r, 400, "the URL is not valid UTF-8", NULL);
    else if (srv->metrics_only)
        metrics_only(r);
    else
        dispatch(r);
    return queue(r);
}

/* One JSON line per request on stderr: never a body, a query string or a secret. The lines
 * are buffered (LIMIT_LOG_BUFFER, flushed each second by http_serve's main thread). */
static void access_log(const struct request *r, uint64_t us, enum MHD_RequestTerminationCode toe)
{
    static const char *const mnames[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"};
    const char *method = "OTHER";
    for (size_t k = 0; k < ARRAY_SIZE(mnames); k++)
        if (r->method == (enum http_method)(1 << k))
            method = mnames[k];
    char when[21];
    time_rfc3339(now_unix(), when);
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "t", when);
    jw_kint(&w, "id", (int64_t)r->request_id);
    jw_kstr(&w, "method", method);
    jw_kstr(&w, "route", r->route_index >= 0 ? routes[r->route_index].pattern : NULL);
    jw_kint(&w, "status", r->status);
    char ms[32]; /* "%.3f" of milliseconds, without printf */
    size_t n = fmt_u64(ms, us / 1000);
    ms[n] = '.';
    ms[n + 1] = (char)('0' + us / 100 % 10);
    ms[n + 2] = (char)('0' + us / 10 % 10);
    ms[n + 3] = (char)('0' + us % 10);
    jw_key(&w, "ms");
    jw_raw(&w, ms, n + 4);
    jw_key(&w, "user");
    if (r->who.user_id)
        jw_int(&w, r->who.user_id);
    else
        jw_null(&w);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        jw_kbool(&w, "aborted", true);
    jw_obj_end(&w);
    buf_putc(&b, '\n');
    log_buffered(b.p, b.n);
    buf_release(&b);
}

void h_metrics(struct request *r)
{
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf_reset(&r->out);
    metrics_write(r->metrics, &r->out, store_path(r->store), store_writer_waiting(r->store));
}

void metrics_login_failed(struct request *r)
{
    atomic_fetch_add(&r->metrics->login_failures, 1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct request *r = *con_cls;
    watch_header(cls, conn, true); /* kept alive: the next request's header starts now */
    if (!r || r == (void *)&too_many_pairs)
        return;
    uint64_t us = monotonic_us() - r->started_us;
    metrics_observe(r->metrics, r->route_index, r->method, r->status, us);
    atomic_fetch_sub(&r->metrics->in_flight, 1);
    access_log(r, us, toe);
    if (r->stream)
        MHD_destroy_response(r->stream);
    buf_release(&r->body);
    buf_release(&r->out);
    arena_release(&r->arena);
    free(r);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages: through our log once serving; before that, http_serve
 * reports the failure itself in one line. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    const struct server *srv = cls;
    if (!atomic_load(&srv->serving))
        return;
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    while (b.n && b.p[b.n - 1] == '\n')
        b.p[--b.n] = '\0';
    log_msg("mhd", "%s", b.p ? b.p : "");
    buf_release(&b);
}

static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    log_error("libmicrohttpd panic at %s:%u: %s", file, line, reason ? reason : "?");
    abort();
}

#define SHUTDOWN_GRACE_MS 10000

static int parse_listen(const char *listen, struct sockaddr_in *sa, struct error *err)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return error_set(err, "--listen wants HOST:PORT, such as 127.0.0.1:8080");
    char host[64];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof(host))
        return error_set(err, "--listen: host too long");
    memcpy(host, listen, hl);
    host[hl] = '\0';
    int64_t port;
    if (parse_i64(str_from(colon + 1), 0, 65535, &port) < 0)
        return error_set(err, "--listen: '%s' is not a port number", colon + 1);
    if (hl == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return error_set(err, "--listen: '%s' is not an IPv4 address", host);
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

/* One libmicrohttpd daemon for srv on sa; NULL if it cannot listen there. */
static struct MHD_Daemon *start_daemon(struct server *srv, const struct sockaddr_in *sa,
                                       unsigned threads)
{
    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL,
        NULL, on_access, srv, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)LIMIT_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)LIMIT_CONNECTIONS_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)LIMIT_CONNECTION_TIMEOUT,
        /* Room to read headers up to ~3x our limit, so that we, not libmicrohttpd, answer
         * most oversized blocks (with problem JSON); beyond that MHD answers 431 itself. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LIMIT_CONNECTION_MEMORY,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv, MHD_OPTION_END);
}

int http_serve(struct store *s, const struct server_config *cfg, struct error *err)
{
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa, err) < 0)
        return -1;
    unsigned threads = cfg->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 2;
    }
    struct server *srv_ptr = calloc(1, sizeof(*srv_ptr));
    if (!srv_ptr)
        die("out of memory");
    srv_ptr->store = s;
    srv_ptr->cfg = cfg;
    metrics_init(&srv_ptr->metrics);

    /* Block the stop signals in every thread; the main thread waits for them below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    MHD_set_panic_func(on_panic, NULL);
    srv_ptr->counted = &srv_ptr->metrics;
    pthread_mutex_init(&srv_ptr->watch_lock, NULL);
    struct MHD_Daemon *d = start_daemon(srv_ptr, &sa, threads);
    if (!d) {
        free(srv_ptr);
        return error_set(err, "cannot listen on %s (in use, or not this machine's address?)",
                         cfg->listen);
    }
    atomic_store(&srv_ptr->serving, true);
    /* Metrics on their own address, for a scraper that holds no token. */
    struct server *msrv = NULL;
    struct MHD_Daemon *md = NULL;
    struct sockaddr_in msa;
    if (cfg->metrics_listen) {
        msrv = calloc(1, sizeof(*msrv));
        if (!msrv)
            die("out of memory");
        *msrv = (struct server){.store = s, .cfg = cfg, .counted = &srv_ptr->metrics,
                                .metrics_only = true};
        pthread_mutex_init(&msrv->watch_lock, NULL);
        if (parse_listen(cfg->metrics_listen, &msa, err) < 0 ||
            !(md = start_daemon(msrv, &msa, 1))) {
            if (!err->msg[0])
                error_set(err, "cannot listen on %s for metrics", cfg->metrics_listen);
            MHD_stop_daemon(d);
            free(msrv);
            free(srv_ptr);
            return -1;
        }
        atomic_store(&msrv->serving, true);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : ntohs(sa.sin_port);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
    if (cfg->announce) {
        fprintf(cfg->announce, "civdesk: serving http://%s:%u/ with %u threads (Ctrl-C stops)\n",
                host, port, threads);
        const union MHD_DaemonInfo *mi = md ? MHD_get_daemon_info(md, MHD_DAEMON_INFO_BIND_PORT) : NULL;
        if (mi) {
            char mhost[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &msa.sin_addr, mhost, sizeof(mhost));
            fprintf(cfg->announce, "civdesk: metrics on http://%s:%u/metrics\n", mhost, mi->port);
        }
        fflush(cfg->announce);
    }
    /* Wait for a stop signal, writing out the buffered access log each second. */
    int sig;
    const struct timespec second = {.tv_sec = 1};
    while ((sig = sigtimedwait(&stop, NULL, &second)) < 0) {
        log_flush();
        sweep_slow_headers(srv_ptr);
        if (msrv)
            sweep_slow_headers(msrv);
    }
    /* Graceful: stop accepting, let requests in flight finish (bounded), then stop. An
     * acknowledged write was committed before its response was queued, so nothing
     * acknowledged is lost either way. */
    log_info("signal %d: no new connections; finishing requests in flight", sig);
    MHD_socket listen_fd = MHD_quiesce_daemon(d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    for (int i = 0; i < SHUTDOWN_GRACE_MS / 10 && atomic_load(&srv_ptr->metrics.in_flight) > 0; i++)
        usleep(10000);
    if (md)
        MHD_stop_daemon(md);
    MHD_stop_daemon(d);
    free(msrv);
    log_info("stopped"); /* after the last access-log lines, which it writes out */
    free(srv_ptr);
    return 0;
}
