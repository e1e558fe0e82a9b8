/*
 * serve: what the server's own files share — the daemon and its callbacks (server.c),
 * finding and running a request's route (dispatch.c), queueing the answer (response.c).
 * Not for handlers: they see src/http/http.h.
 */
#ifndef CIVDESK_HTTP_SERVE_H
#define CIVDESK_HTTP_SERVE_H

#include "http/http.h"

#include <microhttpd.h>

/* The deepest route a table may hold, in "/" of its pattern; deeper paths match none. */
#define ROUTE_INDEX_DEPTH 8
/* The request methods that have a bit in enum http_method (M_GET … M_OTHER). */
#define ROUTE_INDEX_METHODS 7

/*
 * A route table indexed by method and by the number of segments ("/") of its patterns,
 * built once at start. A path can only match a pattern with as many "/" as it has (a
 * capture is one segment, never containing "/"), so finding a request's route tries only
 * the few rows of its method and depth, in declaration order — the same first match as
 * trying every row in turn, without the scan. Read-only once built; shared by threads.
 */
struct route_index {
    const struct route *table; /* borrowed: routes[] (or a test's table) */
    size_t n;                  /* rows in table */
    /* Row numbers of table, grouped by method bit, then depth, then declaration order:
     * the rows of (method k, depth d) are order[start[k][d] … start[k][d + 1]). */
    unsigned short *order;
    size_t start[ROUTE_INDEX_METHODS][ROUTE_INDEX_DEPTH + 1];
    unsigned short *literal; /* per row: bytes of its pattern before the first capture */
};

/* Builds ix over table (borrowed for ix's life). Dies when out of memory, or when a row is
 * deeper than ROUTE_INDEX_DEPTH or table is too large to index (a programming error). */
void route_index_init(struct route_index *ix, const struct route *table, size_t n);
void route_index_release(struct route_index *ix);

/*
 * The first row of the table (in declaration order) whose method is m and whose pattern
 * path matches, with r's captures (res, id, sub, sub_id) those of that row alone; NULL when
 * none. Exactly what trying every row in turn with route_match would find.
 */
const struct route *route_index_find(const struct route_index *ix, enum http_method m,
                                     const char *path, struct request *r);

/* The method's bit; M_OTHER for a method no route can have. */
enum http_method http_method_parse(const char *name);

/* Finds the request's route and runs it: the central checks of the route's declaration,
 * then its handler (dispatch.c). The answer is left in r. */
void http_dispatch(const struct route_index *ix, struct request *r);

/* When a write's headers have arrived: true when its caller may not use the route at all
 * (the problem is in r), so that a refused body is never read into memory. */
bool http_refuse_before_body(const struct route_index *ix, struct request *r);

/* The largest body the request's route accepts (LIMIT_JSON_BODY unless it is an upload). */
size_t http_body_limit(const struct route_index *ix, struct request *r);

/* Hands r's answer to libmicrohttpd: encoding (304, gzip), the security headers, the
 * route's own headers, the request id (response.c). */
enum MHD_Result http_queue(struct request *r);

#endif
