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
#include "core/limits.h"
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
    struct token_cache *tokens;  /* borrowed from the server: bearer tokens verified */
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
    const char *params[LIMIT_QUERY_PARAMS]; /* values of the route's declared query
                                               parameters, by position; NULL when absent */
    uint64_t started_us;     /* monotonic clock at the first callback */
    uint64_t request_id;
};

typedef void (*handler_fn)(struct request *r);

/*
 * The route declarations: one row per route (src/http/routes.c) carrying everything the
 * server checks before the handler runs and everything a document about the API needs —
 * docs/api.md's route table (routes_markdown) and /api/v1/openapi.json are written from
 * the same rows, so neither can drift from what the server does.
 */

/* What a route takes as its request body; dispatch checks the size (413) and, for JSON
 * kinds, the Content-Type (415) before the handler runs. */
enum body_kind {
    BODY_NONE = 0,    /* no body is read */
    BODY_JSON,        /* a JSON object (application/json), up to LIMIT_JSON_BODY */
    BODY_MERGE_PATCH, /* a JSON merge patch (RFC 7396; application/json or
                         application/merge-patch+json), up to LIMIT_JSON_BODY */
    BODY_UPLOAD,      /* a file to import (text/csv or application/json, the handler
                         checks which), up to LIMIT_CSV_UPLOAD */
    BODY_BYTES,       /* any bytes (an attachment; the handler checks the type), up to
                         LIMIT_ATTACHMENT */
};

/* What a successful answer is, for documents and client generators. */
enum reply_kind {
    REPLY_OBJECT = 0, /* one JSON object of the shape the route's schema names */
    REPLY_RECORD,     /* one record of the resource (ETag); with ROUTE_CREATES, 201 with
                         Location */
    REPLY_LIST,       /* {"items": [records…], "next_cursor"} */
    REPLY_NONE,       /* 204, no body */
    REPLY_FILE,       /* bytes: a file download or a feed (its own Content-Type) */
    REPLY_TEXT,       /* text/plain (Prometheus metrics) */
};

/* The type of a query parameter: what dispatch checks its value against. */
enum param_type {
    PT_TEXT = 0, /* UTF-8 text of 1 … max bytes (max 0: LIMIT_TEXT_SHORT) */
    PT_INT,      /* a whole number from 1 to max */
    PT_ID,       /* a record id, 1 … INT64_MAX */
    PT_BOOL,     /* true or false */
    PT_ENUM,     /* one of values */
    PT_DATE,     /* YYYY-MM-DD, a date that exists */
    PT_TIME,     /* a date or an RFC 3339 time (the handler reads which) */
    PT_COUNTRY,  /* ISO 3166-1 alpha-2 */
    PT_LANG,     /* ISO 639-1 */
    PT_CURSOR,   /* an opaque cursor from an earlier page, at most LIMIT_CURSOR bytes */
};

/* One query parameter a route accepts. A table of them ends with a row whose name is
 * NULL. */
struct route_param {
    const char *name;
    enum param_type type;
    int64_t max;                /* PT_INT: the largest value; PT_TEXT: the most bytes */
    const char *const *values;  /* PT_ENUM: NULL-terminated */
    bool required;
    const char *about;          /* for people: what it does (docs/api.md) */
};

enum route_flags {
    ROUTE_LIST_QUERY = 1 << 0, /* the query string is a list's (list_query.c): the
                                  resource's filters, sort, q, limit, cursor, count, and
                                  format/bom/labels for a file; checked per resource */
    ROUTE_OPEN_QUERY = 1 << 1, /* parameters other than the declared ones are ignored (as
                                  this route always did), not refused */
    ROUTE_CREATES = 1 << 2,    /* success is 201 Created (else 200, or 204 for REPLY_NONE) */
    ROUTE_ETAG = 1 << 3,       /* versioned: a GET's answer carries an ETag (304 to a current
                                  If-None-Match); a write takes If-Match (412 when stale) */
};

struct route {
    enum http_method method;
    const char *pattern; /* literals, {collection}, {id}, {sub}, {subid} */
    handler_fn handler;
    enum grant grant[ROLE_COUNT]; /* by enum role: what each role may do here (never
                                     GRANT_UNSET); see src/auth/auth.h and docs/security.md */
    enum body_kind body;
    enum reply_kind reply;
    const char *schema; /* what the answer (and a JSON body) is: a resource's name, or
                           the name of a fixed shape; NULL: the resource of the captures */
    const struct route_param *params; /* the query parameters; NULL: none (any given is
                                         refused unless ROUTE_OPEN_QUERY) */
    unsigned flags;                   /* enum route_flags */
    const char *summary;              /* one line for people (docs/api.md) */
};

extern const struct route routes[];
extern const size_t routes_count;

/* The least role the route lets in (a grant other than NONE); ROLE_COUNT when none. */
enum role route_least_role(const struct route *rt);
/* The status of the route's success: 201, 204 or 200. */
int route_success_status(const struct route *rt);
/* Whether anonymous callers may use the route (no credentials needed). */
bool route_is_public(const struct route *rt);
/* "GET", "POST", … */
const char *route_method_name(enum http_method m);
/* The route row for a method ("GET", "post", …) and a pattern exactly as declared;
 * NULL when there is none. */
const struct route *route_find(const char *method, const char *pattern);

/*
 * Checks the query string against rt's declaration (names, repeats, UTF-8, each value's
 * type, required ones) and fills r->params. True when it is acceptable; otherwise the 400
 * problem is answered. Called once by dispatch before the handler; list routes are left
 * to list_query_parse, which knows the resource's fields.
 */
bool route_check_query(struct request *r, const struct route *rt);

/* Appends docs/api.md's generated route table (Markdown) to b. */
void routes_markdown(struct buf *b);

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
