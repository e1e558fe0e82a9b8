/*
 * Dispatch: finding a request's route through the route index, the checks its declaration
 * asks of central code, then its handler.
 */
#include "http/serve.h"
#include "http/auth_handlers.h"
#include "http/static.h"
#include "core/limits.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the route index ---------------------------------------------------------------- */

/* The slot of a method bit in route_index.start (0 for M_GET … 6 for M_OTHER). */
static size_t method_slot(enum http_method m)
{
    size_t k = 0;
    while (k + 1 < ROUTE_INDEX_METHODS && !((unsigned)m & (1u << k)))
        k++;
    return k;
}

/* The number of "/" in the first n bytes of s. */
static size_t slashes(const char *s, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += s[i] == '/';
    return d;
}

void route_index_init(struct route_index *ix, const struct route *table, size_t n)
{
    memset(ix, 0, sizeof(*ix));
    if (n >= 0xffff)
        BUG("the route table is too large to index");
    ix->table = table;
    ix->n = n;
    ix->order = calloc(n ? n : 1, sizeof(*ix->order));
    ix->literal = calloc(n ? n : 1, sizeof(*ix->literal));
    if (!ix->order || !ix->literal)
        die("out of memory");
    /* Count the rows of each (method, depth), then place them, stable in table order. */
    size_t count[ROUTE_INDEX_METHODS][ROUTE_INDEX_DEPTH] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const char *pat = table[i].pattern;
        size_t d = slashes(pat, strlen(pat));
        if (d >= ROUTE_INDEX_DEPTH)
            BUG("a route pattern deeper than ROUTE_INDEX_DEPTH");
        count[method_slot(table[i].method)][d]++;
        const char *cap = strchr(pat, '{');
        ix->literal[i] = (unsigned short)(cap ? (size_t)(cap - pat) : strlen(pat));
    }
    size_t at = 0;
    for (size_t k = 0; k < ROUTE_INDEX_METHODS; k++) {
        for (size_t d = 0; d < ROUTE_INDEX_DEPTH; d++) {
            ix->start[k][d] = at;
            at += count[k][d];
        }
        ix->start[k][ROUTE_INDEX_DEPTH] = at;
    }
    size_t fill[ROUTE_INDEX_METHODS][ROUTE_INDEX_DEPTH] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const char *pat = table[i].pattern;
        size_t k = method_slot(table[i].method), d = slashes(pat, strlen(pat));
        ix->order[ix->start[k][d] + fill[k][d]++] = (unsigned short)i;
    }
}

void route_index_release(struct route_index *ix)
{
    free(ix->order);
    free(ix->literal);
    memset(ix, 0, sizeof(*ix));
}

const struct route *route_index_find(const struct route_index *ix, enum http_method m,
                                     const char *path, struct request *r)
{
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/')
        n--; /* route_match reads "/api/v1/organisations/" as "/api/v1/organisations" */
    size_t d = slashes(path, n);
    if (d >= ROUTE_INDEX_DEPTH)
        return NULL;
    size_t k = method_slot(m);
    for (size_t j = ix->start[k][d]; j < ix->start[k][d + 1]; j++) {
        const struct route *rt = &ix->table[ix->order[j]];
        size_t lit = ix->literal[ix->order[j]];
        if (rt->method != m || lit > n || memcmp(rt->pattern, path, lit) != 0)
            continue; /* the literal before the first capture differs: it cannot match */
        /* A row that failed half-way may have filled some captures: none of them stays. */
        r->res = r->sub = NULL;
        r->id = r->sub_id = 0;
        if (route_match(rt, path, r))
            return rt;
    }
    return NULL;
}

/* ---- methods ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    enum http_method m;
} methods[] = {
    {"GET", M_GET},       {"POST", M_POST}, {"PATCH", M_PATCH},
    {"DELETE", M_DELETE}, {"PUT", M_PUT},   {"HEAD", M_HEAD},
};

enum http_method http_method_parse(const char *s)
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

/* ---- dispatch ----------------------------------------------------------------------- */

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

/* The answer when no route has the request's method and path: 405 with Allow when other
 * methods have one, the web UI's files for a GET outside /api/, else 404. */
static void no_route(const struct route_index *ix, struct request *r, enum http_method m)
{
    unsigned allowed = 0;
    for (size_t i = 0; i < ix->n; i++)
        if (route_match(&ix->table[i], r->path, r))
            allowed |= ix->table[i].method;
    if (allowed) {
        resp_problem(r, 405, "this method is not allowed here; see the Allow header", NULL);
        allow_header(r, allowed);
    } else if (m == M_GET && !str_starts_with(str_from(r->path), "/api/")) {
        static_serve(r); /* the web UI: embedded files, else index.html */
    } else {
        resp_problem(r, 404, "no such resource", NULL);
    }
}

void http_dispatch(const struct route_index *ix, struct request *r)
{
    if (strlen(r->path) > LIMIT_URL_BYTES) {
        resp_problem(r, 414, "the URL is too long", NULL);
        return;
    }
    enum http_method m = r->method == M_HEAD ? M_GET : r->method;
    const struct route *found = route_index_find(ix, m, r->path, r);
    if (!found) {
        no_route(ix, r, m);
        return;
    }
    r->route_index = (int)(found - ix->table);
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

/* Decides, when a write's headers have arrived, whether its caller may use the route at
 * all (credentials, access rule, CSRF and Origin), so that a refused body is never held
 * in memory. True when the request was refused (the problem is in r). A request that
 * matches no route is left to dispatch (404, 405). */
bool http_refuse_before_body(const struct route_index *ix, struct request *r)
{
    if (!(r->method & (M_POST | M_PATCH | M_PUT | M_DELETE)) ||
        !utf8_valid(r->path, strlen(r->path)))
        return false;
    const struct route *found = route_index_find(ix, r->method, r->path, r);
    if (!found)
        return false;
    r->route_index = (int)(found - ix->table);
    r->checked = true;
    return !auth_http_check(r, found);
}

size_t http_body_limit(const struct route_index *ix, struct request *r)
{
    if (!(r->method & (M_POST | M_PATCH | M_PUT)))
        return LIMIT_JSON_BODY; /* no upload route: spare reads the route search */
    const struct route *rt = route_index_find(ix, r->method, r->path, r);
    return !rt                       ? LIMIT_JSON_BODY
           : rt->body == BODY_UPLOAD ? LIMIT_CSV_UPLOAD
           : rt->body == BODY_BYTES  ? LIMIT_ATTACHMENT
                                     : LIMIT_JSON_BODY;
}
