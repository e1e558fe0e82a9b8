/*
 * The HTTP server on libmicrohttpd: the daemon and its options, a request's life from its
 * first callback to the access log, the limits and framing checked before any route is
 * looked for. Finding and running the route is in dispatch.c, answering in response.c.
 */
#define _GNU_SOURCE
#include "http/serve.h"
#include "http/metrics.h"
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
    /* Monotonic µs at which the connection began waiting for a request's header; 0 while
     * it is not (a request is being answered). Written by the connection's thread at each
     * request without the lock, read and cleared by the sweeper with a compare-exchange. */
    _Atomic uint64_t header_since;
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
    struct route_index routes;       /* routes[] by method and depth, built at start */
    struct token_cache *tokens;      /* owned; NULL on the --metrics-listen daemon */
};

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- libmicrohttpd callbacks -------------------------------------------------------- */

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

/* A header wait that began now (never 0, which means none). */
static uint64_t header_wait_start(void)
{
    uint64_t now = monotonic_us();
    return now ? now : 1;
}

/* Marks the connection as reading a header (since now) or not. No lock: the field is the
 * connection's own, and the list it is on changes only when connections open and close. */
static void watch_header(struct server *srv, struct MHD_Connection *conn, bool reading)
{
    struct conn_watch *w = watch_of(conn);
    if (w)
        atomic_store_explicit(&w->header_since, reading ? header_wait_start() : 0,
                              memory_order_relaxed);
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
        *w = (struct conn_watch){.fd = ci->connect_fd};
        atomic_init(&w->header_since, header_wait_start());
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
        uint64_t since = atomic_load_explicit(&w->header_since, memory_order_relaxed);
        /* Only if the connection is still in the same wait (not answering meanwhile). */
        if (since && now > since && now - since > limit &&
            atomic_compare_exchange_strong(&w->header_since, &since, 0))
            shutdown(w->fd, SHUT_RDWR);
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
        r->tokens = srv->tokens;
        r->cfg = srv->cfg;
        r->metrics = srv->counted;
        r->route_index = -1;
        r->started_us = monotonic_us();
        r->request_id = atomic_fetch_add(&srv->counted->next_request_id, 1) + 1;
        atomic_fetch_add(&srv->counted->in_flight, 1);
        r->method = http_method_parse(method);
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
            return http_queue(r);
        }
        if (header_bytes(conn, url) > LIMIT_HEADER_BYTES) {
            resp_problem(r, 431,
                         arena_printf(&r->arena, "the request headers are larger than %d bytes",
                                      LIMIT_HEADER_BYTES),
                         NULL);
            return http_queue(r);
        }
        r->body_limit = http_body_limit(&srv->routes, r);
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
        if (!srv->metrics_only && http_refuse_before_body(&srv->routes, r)) {
            r->refused = true;
            return waits || len > LIMIT_DISCARD ? http_queue(r) : MHD_YES;
        }
        if (len > (int64_t)r->body_limit) {
            r->body_too_large = true;
            if (waits || len > LIMIT_DISCARD) {
                resp_problem(r, 413, too_large_detail(r), NULL);
                return http_queue(r);
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
        http_dispatch(&srv->routes, r);
    return http_queue(r);
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
    route_index_init(&srv_ptr->routes, routes, routes_count);
    srv_ptr->tokens = token_cache_new();
    pthread_mutex_init(&srv_ptr->watch_lock, NULL);
    struct MHD_Daemon *d = start_daemon(srv_ptr, &sa, threads);
    if (!d) {
        route_index_release(&srv_ptr->routes);
        token_cache_free(srv_ptr->tokens);
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
            route_index_release(&srv_ptr->routes);
            token_cache_free(srv_ptr->tokens);
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
    route_index_release(&srv_ptr->routes);
    token_cache_free(srv_ptr->tokens);
    free(srv_ptr);
    return 0;
}
