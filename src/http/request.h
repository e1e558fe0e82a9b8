/*
 * http/request: the plumbing every handler file shares — the request body as a JSON
 * object, If-Match, the ETag, the query string against an allow-list, and the one map
 * from result codes (STORE_*, DOMAIN_*) to HTTP statuses and problems. Handlers call
 * these instead of keeping their own copies, so a code added to the map is answered the
 * same way everywhere.
 */
#ifndef CIVDESK_HTTP_REQUEST_H
#define CIVDESK_HTTP_REQUEST_H

#include "core/limits.h"
#include "http/http.h"

#include <jansson.h>

/*
 * The request body as a JSON object (a new reference the caller decrefs), or NULL with
 * the problem answered: 400 for malformed JSON or UTF-8, 422 for JSON that is not an
 * object.
 */
json_t *req_body_object(struct request *r);

/*
 * If-Match: "<version>", W/"<version>" or a bare number into *version; 0 when absent or
 * "*". Anything else answers 412 ("If-Match must be the ETag of the <what> …") and
 * returns -1. what is a fixed text, such as "record" or "user".
 */
int req_if_match(struct request *r, const char *what, int64_t *version);

/* Sets the ETag header of a record at version. */
void req_etag(struct request *r, int64_t version);

/*
 * The query string against an allow-list. allowed: NULL-terminated names (borrowed, at
 * most LIMIT_QUERY_PARAMS); values[i] is then the value of allowed[i] (borrowed from the
 * connection; "" for a key without a value), NULL when absent.
 */
struct req_params {
    const char *const *allowed;
    const char *values[LIMIT_QUERY_PARAMS];
};

/*
 * Reads the query string into q. Adds to errs: a key not in q->allowed ("is not a
 * parameter here; allowed: …"), a key given twice, a value that is not UTF-8. True when
 * it added nothing; the caller answers (req_bad_query) after its own checks.
 */
bool req_params_read(struct request *r, struct req_params *q, struct errors *errs);

/*
 * For handlers that read each value with req_query: reads the query string against
 * allowed alone. True when all is well; otherwise the 400 is answered.
 */
bool req_params_allowed(struct request *r, const char *const *allowed);

/* The value of parameter name, by position in q->allowed; NULL when absent. */
const char *req_param(const struct req_params *q, const char *name);

/*
 * The value of the query parameter name that the request's route declares (checked by
 * dispatch against its type before the handler ran); NULL when absent. Asking for a name
 * the route does not declare is a bug.
 */
const char *req_route_param(const struct request *r, const char *name);

/* The number in v, a PT_INT or PT_ID value the dispatcher has checked; dflt when v is
 * NULL or empty. */
int64_t req_param_num(const char *v, int64_t dflt);

/* An id (1 … INT64_MAX) from v; 0 when v is NULL; an error added to errs when not one. */
int64_t req_param_id(const char *v, const char *name, struct errors *errs);

/* A whole number from 1 to max from v; dflt when v is NULL; an error added when not. */
int64_t req_param_int(const char *v, const char *name, int64_t max, int64_t dflt,
                      struct errors *errs);

/*
 * A page of a list made whole in memory in a stable order (n items): ?limit= (1 to
 * LIMIT_LIST_MAX, default dflt) and ?cursor= (the position the last page's next_cursor
 * gave). Sets [*first, *end); the page's next_cursor is then *end when *end < n (write it
 * with req_list_end(r, w, *end < n, *end)). False, with a 400 answered, for a bad value.
 */
bool req_page_of(struct request *r, int64_t dflt, size_t n, size_t *first, size_t *end);

/* Answers 400 "the query string is not valid; see errors". */
void req_bad_query(struct request *r, const struct errors *errs);

/* Starts a 200 answer that is a list: {"items": [ — the caller writes each item. */
void req_list_begin(struct request *r, struct jw *w);

/* Ends a list begun by req_list_begin: ], "next_cursor": "<last_id>" when more, else
 * null }. */
void req_list_end(struct request *r, struct jw *w, bool more, int64_t last_id);

/* Like req_list_end but leaves the object open, for a list that adds members after its
 * items (the caller then ends the object with jw_obj_end). */
void req_list_items_end(struct request *r, struct jw *w, bool more, int64_t last_id);

/*
 * Answers a failed domain or store call by its result code: DOMAIN_INVALID 422 with
 * errs; DOMAIN_FORBIDDEN 403 (with errs, when it is about fields); STORE_NOT_FOUND 404;
 * STORE_CONFLICT and STORE_REFERENCED 409; STORE_VERSION 412; STORE_BAD_REF 422; anything
 * else is logged with msg and answered 503 without it. msg is the message of the call.
 */
void req_problem(struct request *r, int rc, const struct error *msg, const struct errors *errs);

#endif
