/*
 * Request plumbing shared by the handler files; see request.h for the contracts.
 */
#include "http/request.h"
#include "domain/access.h"
#include "domain/domain.h"
#include "json/json.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

json_t *req_body_object(struct request *r)
{
    json_t *obj;
    struct error msg = ERROR_INIT;
    enum json_read_status st = json_read_object(r->body.p ? r->body.p : "", r->body.n, &obj, &msg);
    if (st == JSON_READ_OK)
        return obj;
    resp_problem(r, st == JSON_READ_NOT_OBJECT ? 422 : 400, msg.msg, NULL);
    return NULL;
}

int req_if_match(struct request *r, const char *what, int64_t *version)
{
    *version = 0;
    const char *h = req_header(r, MHD_HTTP_HEADER_IF_MATCH);
    if (!h || strcmp(h, "*") == 0)
        return 0;
    struct str s = str_from(h);
    if (str_starts_with(s, "W/"))
        s.p += 2, s.n -= 2;
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"')
        s.p++, s.n -= 2;
    if (parse_i64(s, 1, INT64_MAX, version) < 0) {
        resp_problem(r,
                     412,
                     arena_printf(&r->arena, "If-Match must be the ETag of the %s, such as \"3\"",
                                  what),
                     NULL);
        return -1;
    }
    return 0;
}

void req_etag(struct request *r, int64_t version)
{
    /* On every read: digits written directly, no printf (docs/performance.md). */
    char etag[24] = "\""; /* "<version>" */
    size_t n = fmt_u64(etag + 1, version < 0 ? 0 : (uint64_t)version); /* versions start at 1 */
    etag[n + 1] = '"';
    etag[n + 2] = '\0';
    resp_header(r, MHD_HTTP_HEADER_ETAG, etag);
}

struct collect {
    struct req_params *q;
    struct errors *errs;
    struct request *r;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct collect *c = cls;
    struct req_params *q = c->q;
    for (size_t i = 0; q->allowed[i]; i++) {
        if (strcmp(q->allowed[i], key) != 0)
            continue;
        if (q->values[i])
            errors_add(c->errs, key, "is given twice");
        else if (!value || !utf8_valid(value, strlen(value)))
            errors_add(c->errs, key, "is not valid UTF-8 text");
        q->values[i] = value ? value : "";
        return MHD_YES;
    }
    struct buf list = BUF_INIT;
    for (size_t i = 0; q->allowed[i]; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", q->allowed[i]);
    errors_add(c->errs, utf8_valid(key, strlen(key)) ? key : "",
               "is not a parameter here; allowed: %s", list.p ? list.p : "none");
    buf_release(&list);
    return MHD_YES;
}

bool req_params_read(struct request *r, struct req_params *q, struct errors *errs)
{
    size_t before = errs->n;
    struct collect c = {.q = q, .errs = errs, .r = r};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, &c);
    return errs->n == before;
}

bool req_params_allowed(struct request *r, const char *const *allowed)
{
    struct req_params q = {.allowed = allowed};
    struct errors errs;
    errors_init(&errs, &r->arena);
    if (req_params_read(r, &q, &errs))
        return true;
    req_bad_query(r, &errs);
    return false;
}

const char *req_param(const struct req_params *q, const char *name)
{
    for (size_t i = 0; q->allowed[i]; i++)
        if (strcmp(q->allowed[i], name) == 0)
            return q->values[i];
    return NULL;
}

int64_t req_param_num(const char *v, int64_t dflt)
{
    int64_t n;
    if (!v || !*v)
        return dflt;
    if (parse_i64(str_from(v), 1, INT64_MAX, &n) < 0)
        BUG("a number parameter that the route's check let through");
    return n;
}

int64_t req_param_id(const char *v, const char *name, struct errors *errs)
{
    int64_t id = 0;
    if (v && parse_i64(str_from(v), 1, INT64_MAX, &id) < 0)
        errors_add(errs, name, "must be an id");
    return id;
}

int64_t req_param_int(const char *v, const char *name, int64_t max, int64_t dflt,
                      struct errors *errs)
{
    int64_t n = dflt;
    if (v && parse_i64(str_from(v), 1, max, &n) < 0)
        errors_add(errs, name, "must be a whole number from 1 to %lld", (long long)max);
    return n;
}

bool req_page_of(struct request *r, int64_t dflt, size_t n, size_t *first, size_t *end)
{
    struct errors errs;
    errors_init(&errs, &r->arena);
    int64_t limit = req_param_int(req_query(r, "limit"), "limit", LIMIT_LIST_MAX, dflt, &errs);
    int64_t after = req_param_int(req_query(r, "cursor"), "cursor", INT64_MAX, 0, &errs);
    if (errs.n) {
        req_bad_query(r, &errs);
        return false;
    }
    *first = (uint64_t)after < n ? (size_t)after : n;
    *end = n - *first > (uint64_t)limit ? *first + (size_t)limit : n;
    return true;
}

void req_bad_query(struct request *r, const struct errors *errs)
{
    resp_problem(r, 400, "the query string is not valid; see errors", errs);
}

void req_list_begin(struct request *r, struct jw *w)
{
    resp_json(r, 200, w);
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
}

void req_list_items_end(struct request *r, struct jw *w, bool more, int64_t last_id)
{
    jw_arr_end(w);
    jw_kstr(w, "next_cursor", more ? arena_printf(&r->arena, "%lld", (long long)last_id) : NULL);
}

void req_list_end(struct request *r, struct jw *w, bool more, int64_t last_id)
{
    req_list_items_end(r, w, more, last_id);
    jw_obj_end(w);
}

void req_problem(struct request *r, int rc, const struct error *msg, const struct errors *errs)
{
    switch (rc) {
    case DOMAIN_INVALID:
        resp_problem(r, 422, "some fields are not valid; see errors", errs);
        break;
    case STORE_NOT_FOUND:
        resp_problem(r, 404, msg->msg[0] ? msg->msg : "no such record", NULL);
        break;
    case DOMAIN_FORBIDDEN: /* with the fields at fault, when it is about fields */
        resp_problem(r, 403, msg->msg[0] ? msg->msg : "your role may not do this",
                     errs && errs->n ? errs : NULL);
        break;
    case STORE_CONFLICT:
    case STORE_REFERENCED:
        resp_problem(r, 409, msg->msg, NULL);
        break;
    case STORE_VERSION:
        resp_problem(r, 412, msg->msg, NULL);
        break;
    case STORE_BAD_REF:
        resp_problem(r, 422, msg->msg, NULL);
        break;
    default:
        log_error("%s %s: %s", r->res ? r->res->name : "-", r->path, msg->msg);
        resp_problem(r, 503, "the database could not complete the request; try again", NULL);
        break;
    }
}
