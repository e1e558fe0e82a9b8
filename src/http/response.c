/*
 * Responses: problem details (RFC 9457), the request's query and headers as handlers read
 * them, and queueing an answer with the headers every response carries.
 */
#include "http/serve.h"
#include "http/auth_handlers.h"
#include "http/encoding.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

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
    if (status == 503) /* the database unreachable or failing: worth trying again soon */
        resp_header(r, "Retry-After", "1");
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

enum MHD_Result http_queue(struct request *r)
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
