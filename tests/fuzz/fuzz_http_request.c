/*
 * libFuzzer: whole HTTP requests through the real server — libmicrohttpd's parsing of
 * the request line, headers, cookies and query string, then civdesk's own: credentials
 * (Authorization: Bearer, the session cookie), the access rules, CSRF and Origin checks,
 * X-Forwarded-* behind a trusted proxy, routing, list query strings and JSON bodies.
 *
 * The server (http_serve, as `civdesk serve` runs it, with trust_proxy on) runs in a
 * thread of this process on the demo database, so the sanitizers and the coverage see
 * its code. Each input is the request's bytes (request line, headers, then body after a
 * blank line; the blank line is added when missing). So the fuzzer can reach signed-in
 * paths, these markers are replaced before sending:
 *     @T  an administrator's bearer token     @N  an NGO user's bearer token
 *     @S  an officer's session cookie value   @C  that session's CSRF token
 *     @H  the server's host:port (for Host and Origin)
 * Property: no crash, no sanitizer report, and no 5xx answered by civdesk (problem JSON)
 * — a client's request, however wrong, is a 4xx. Inputs that would lock the harness out
 * (changing users, signing the session out) are skipped.
 *
 * The access log (one line per request) goes to stderr: `make fuzz` closes it for this
 * target (tests/fuzz/http_request.options).
 */
#define _GNU_SOURCE /* memmem */
#include "fuzz_common.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
    unsigned port;
    char host[32];
    char admin_token[TOKEN_TEXT_MAX], ngo_token[TOKEN_TEXT_MAX];
    struct session_new session;
    struct server_config cfg;
    int announce[2];
} fz;

static void *serve(void *arg)
{
    struct error err = ERROR_INIT;
    if (http_serve(arg, &fz.cfg, &err) < 0)
        die("fuzz: serve: %s", err.msg);
    return NULL;
}

static int64_t user_id(struct store_tx *tx, const char *email, struct arena *a)
{
    struct user u;
    if (store_user_by_email(store_tx_conn(tx), email, a, &u) < 0)
        die("fuzz: no demo user %s", email);
    return u.id;
}

static void start(void)
{
    struct store *s = fuzz_store();
    struct arena a = ARENA_INIT;
    struct store_tx *tx;
    unsigned char hash[32];
    int64_t tid;
    if (store_write_begin(s, &tx) < 0)
        die("fuzz: begin");
    token_new(fz.admin_token, hash);
    if (store_token_create(tx, user_id(tx, "admin@civdesk.example", &a), hash, "fuzz",
                           "2100-01-01T00:00:00Z", &tid) < 0)
        die("fuzz: token");
    token_new(fz.ngo_token, hash);
    if (store_token_create(tx, user_id(tx, "ngo@civdesk.example", &a), hash, "fuzz",
                           "2100-01-01T00:00:00Z", &tid) < 0)
        die("fuzz: token");
    if (session_start(tx, user_id(tx, "officer@civdesk.example", &a), "127.0.0.1", &fz.session) < 0)
        die("fuzz: session");
    struct error err = ERROR_INIT;
    if (store_write_commit(tx, &err) < 0)
        die("fuzz: commit: %s", err.msg);
    arena_release(&a);

    if (pipe(fz.announce) < 0)
        die("fuzz: pipe");
    fz.cfg = (struct server_config){.listen = "127.0.0.1:0",
                                    .threads = 2,
                                    .announce = fdopen(fz.announce[1], "w"),
                                    .trust_proxy = true};
    pthread_t th;
    if (pthread_create(&th, NULL, serve, s) != 0)
        die("fuzz: thread");
    pthread_detach(th);
    char line[256];
    FILE *in = fdopen(fz.announce[0], "r");
    if (!in || !fgets(line, sizeof(line), in))
        die("fuzz: the server did not start");
    const char *colon = strstr(line, "127.0.0.1:");
    if (!colon || sscanf(colon + 10, "%u", &fz.port) != 1)
        die("fuzz: cannot read the port from: %s", line);
    snprintf(fz.host, sizeof(fz.host), "127.0.0.1:%u", fz.port);
}

/* The request with the markers replaced and a blank line after the head if missing. */
static void build(const uint8_t *data, size_t size, struct buf *out)
{
    for (size_t i = 0; i < size; i++) {
        const char *sub = NULL;
        if (data[i] == '@' && i + 1 < size) {
            switch (data[i + 1]) {
            case 'T':
                sub = fz.admin_token;
                break;
            case 'N':
                sub = fz.ngo_token;
                break;
            case 'S':
                sub = fz.session.token;
                break;
            case 'C':
                sub = fz.session.csrf;
                break;
            case 'H':
                sub = fz.host;
                break;
            }
        }
        if (sub) {
            buf_puts(out, sub);
            i++;
        } else {
            buf_putc(out, (char)data[i]);
        }
    }
    if (!memmem(out->p ? out->p : "", out->n, "\r\n\r\n", 4))
        buf_puts(out, "\r\n\r\n");
}

/* Whether the request would change who may sign in or end the harness's session. */
static bool locks_out(const struct buf *req)
{
    const char *eol = memchr(req->p, '\n', req->n);
    size_t n = eol ? (size_t)(eol - req->p) : req->n;
    bool get = n >= 4 && (memcmp(req->p, "GET ", 4) == 0 || memcmp(req->p, "HEAD", 4) == 0);
    return (!get && memmem(req->p, n, "users", 5)) || (!get && memmem(req->p, n, "session", 7)) ||
           (!get && memmem(req->p, n, "token", 5));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    if (!fz.port)
        start();
    struct buf req = BUF_INIT;
    build(data, size, &req);
    if (locks_out(&req)) {
        buf_release(&req);
        return 0;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("fuzz: socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fz.port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    /* No TIME_WAIT left behind: close with a reset. */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    /* A request the server is still waiting on (a body shorter than its length) gets no
     * answer: give up on it after this long. */
    struct timeval tv = {0, 300000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("fuzz: connect: the server is gone");
    size_t off = 0;
    while (off < req.n) {
        ssize_t w = send(fd, req.p + off, req.n - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    /* Read the answer's head (and whatever body comes with it). */
    char resp[8192];
    size_t got = 0;
    while (got < sizeof(resp) - 1) {
        ssize_t r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        resp[got] = '\0';
        if (strstr(resp, "\r\n\r\n"))
            break;
    }
    resp[got] = '\0';
    close(fd);
    int status = 0;
    if (got > 12 && memcmp(resp, "HTTP/1.", 7) == 0)
        status = atoi(resp + 9);
    if (status >= 500 && strstr(resp, "application/problem+json")) {
        fprintf(stderr, "civdesk answered %d to:\n%.*s\n---\n%s\n", status, (int)req.n, req.p,
                resp);
        __builtin_trap();
    }
    buf_release(&req);
    return 0;
}
