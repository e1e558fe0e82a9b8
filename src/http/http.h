/*
 * http: the server (libmicrohttpd), the route table, requests and responses.
 *
 * A request owns an arena that lives until its response is queued and sent; handlers
 * allocate from it and never free. Every error leaves as RFC 9457 problem JSON.
 */
#ifndef CIVDESK_HTTP_H
#define CIVDESK_HTTP_H

#include "auth/auth.h"
#include "core/core.h"
#include "resource/resource.h"
#include "store/store.h"

struct server_config {
    const char *listen; /* "127.0.0.1:8080"; port 0 picks a free one */
    unsigned threads;   /* worker threads; 0: one per core */
    FILE *announce;     /* where to print the URL once listening (stdout) */
    bool trust_proxy;   /* behind a TLS-terminating reverse proxy: believe its
                           X-Forwarded-Proto/-Host/-For (docs/security.md) */
    const char *metrics_listen; /* NULL, or "HOST:PORT" serving only GET /metrics, to
                                   anyone who can reach it (not the main address) */
};

/* Serves until SIGINT or SIGTERM. Negative with a message if it cannot start. */
int http_serve(struct store *s, const struct server_config *cfg, struct error *err);

/* ---- what handlers see -------------------------------------------------------------- */

struct MHD_Connection;
struct MHD_Response;
struct metrics;

enum http_method {
    M_GET = 1 << 0,
    M_POST = 1 << 1,
    M_PATCH = 1 << 2,
    M_DELETE = 1 << 3,
    M_PUT = 1 << 4,
    M_HEAD = 1 << 5,
    M_OTHER = 1 << 6,
};

struct header {
    const char *name, *value; /* arena-owned */
};

struct request {
    struct arena arena;
    struct MHD_Connection *conn; /* borrowed from MHD */
    struct store *store;         /* borrowed */
    enum http_method method;
    const char *path; /* decoded path, arena-owned */
    struct buf body;  /* request body (owned, released with the request) */
    bool body_too_large;
    bool refused;      /* refused when its headers arrived: the body is dropped unread */
    bool checked;      /* caller and access rule already checked (at the headers) */
    bool refusal_audited; /* the refusal is in the audit trail (or counted there) */
    size_t body_limit; /* the largest body the route accepts (LIMIT_JSON_BODY) */
    size_t discarded;  /* bytes of a too-large body read and dropped */
    struct principal who;
    const struct server_config *cfg; /* borrowed */
    bool https;                      /* reached over TLS (a trusted proxy said so) */
    const char *client;              /* client address (arena); the proxy's view when trusted */
    /* captured by the route pattern */
    const struct resource *res; /* {collection} */
    int64_t id;                 /* {id} */
    const struct resource *sub; /* {sub}: a sub-resource of res */
    int64_t sub_id;             /* {subid} */
    /* the response being built */
    int status;
    const char *content_type;
    struct buf out;              /* response body (handed to MHD when queued) */
    struct MHD_Response *stream; /* instead of out: a streamed body (io_handlers.c); owned
                                    until queued, dropped by resp_problem */
    struct header headers[16];
    size_t nheaders;
    bool queued;
    /* bookkeeping for metrics and the access log */
    struct metrics *metrics; /* borrowed from the server */
    int route_index;         /* index in routes[], -1 until matched */
    uint64_t started_us;     /* monotonic clock at the first callback */
    uint64_t request_id;
};

typedef void (*handler_fn)(struct request *r);

enum route_flags {
    ROUTE_PUBLIC = 1 << 0,   /* no credentials needed */
    ROUTE_BODY = 1 << 1,     /* takes a JSON body */
    ROUTE_RAW_BODY = 1 << 2, /* takes raw bytes, up to LIMIT_ATTACHMENT; the handler checks
                                the type (a route needing another limit gets its own flag) */
    ROUTE_UPLOAD = 1 << 3,   /* takes raw bytes up to LIMIT_CSV_UPLOAD (imports) */
};

struct route {
    enum http_method method;
    const char *pattern; /* literals, {collection}, {id}, {sub}, {subid} */
    handler_fn handler;
    enum role min_role; /* the least role that may call it */
    unsigned flags;     /* enum route_flags */
};

extern const struct route routes[];
extern const size_t routes_count;

/* Matches a path against one pattern, filling captures; false if it does not match. */
bool route_match(const struct route *rt, const char *path, struct request *r);

/* ---- building responses ------------------------------------------------------------- */

void resp_header(struct request *r, const char *name, const char *value);
/* Starts a JSON body: the writer points into r->out. */
void resp_json(struct request *r, int status, struct jw *w);
/*
 * Ends the request with an RFC 9457 problem. detail: what went wrong, for a person;
 * errs (may be NULL): per-field errors for 422.
 */
void resp_problem(struct request *r, int status, const char *detail, const struct errors *errs);
/* The same with one extension member: "key": [values...] (NULL-terminated). */
void resp_problem_list(struct request *r, int status, const char *detail, const char *key,
                       const char *const *values);

/* GET /metrics: Prometheus text (public; restrict it at the proxy if needed). */
void h_metrics(struct request *r);
/* Counts a failed sign-in for /metrics. */
void metrics_login_failed(struct request *r);

/* A query-string parameter (decoded), or NULL. */
const char *req_query(struct request *r, const char *name);
/* A query parameter's value and its length in bytes, which can be longer than its strlen
 * when "%00" put a NUL in it; NULL if absent. */
const char *req_query_n(struct request *r, const char *name, size_t *n);
/* A request header, or NULL. */
const char *req_header(struct request *r, const char *name);

#endif
