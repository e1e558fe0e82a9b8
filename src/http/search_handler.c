/*
 * GET /api/v1/search?q=&types=&lang=&limit=&cursor=
 *
 * Translates between HTTP and search_run: checks the parameters, maps the caller to what
 * it may see, writes {"items": [...], "next_cursor": ...}. Each item: type and id of the
 * record to open, title, snippet (HTML-escaped, matches in <mark>), score (higher is
 * better), lang when the text has one, and match (type and id) when the words were found
 * in a sub-record, such as a document's translation.
 */
#include "http/search_handler.h"
#include "core/limits.h"
#include "core/valid.h"
#include "search/search.h"
#include "http/request.h"

#include <microhttpd.h>
#include <string.h>

#define SEARCH_DEFAULT_LIMIT 20

/* Parses types=a,b into rq; false with an error added if a name is not searchable. */
static bool parse_types(const char *v, struct search_request *rq, struct errors *errs)
{
    struct str rest = str_from(v), name;
    bool more = true;
    while (more) {
        more = str_cut(rest, ',', &name, &rest);
        if (!name.n)
            continue;
        const struct resource *res = resource_find(name);
        if (!res || !search_resource_findable(res)) {
            struct buf allowed = BUF_INIT;
            for (size_t i = 0; i < resource_count; i++)
                if (search_resource_findable(resource_all[i]))
                    buf_printf(&allowed, "%s%s", allowed.n ? ", " : "", resource_all[i]->name);
            errors_add(errs, "types", "'%.*s' cannot be searched; searchable: %s", (int)name.n,
                       name.p, allowed.p ? allowed.p : "none");
            buf_release(&allowed);
            return false;
        }
        if (rq->ntypes == ARRAY_SIZE(rq->types)) {
            errors_add(errs, "types", "names at most %zu types", ARRAY_SIZE(rq->types));
            return false;
        }
        rq->types[rq->ntypes++] = res;
    }
    return true;
}

void h_search(struct request *r)
{
    /* q (required), types, lang, limit, cursor: declared on the route, their types checked
     * before this runs; what is left is whether types names searchable collections. */
    struct errors errs;
    errors_init(&errs, &r->arena);
    struct search_request rq = {
        .style = {.open = "<mark>", .close = "</mark>", .ellipsis = "…", .html = true, .words = 24},
    };
    const char *q = req_route_param(r, "q"), *types = req_route_param(r, "types");
    const char *lang = req_route_param(r, "lang");
    const char *cursor = req_route_param(r, "cursor");
    if (types)
        parse_types(types, &rq, &errs);
    rq.limit = (int)req_param_num(req_route_param(r, "limit"), SEARCH_DEFAULT_LIMIT);
    if (errs.n) {
        req_bad_query(r, &errs);
        return;
    }
    rq.q = str_from(q);
    rq.lang = lang;
    rq.cursor = str_from(cursor);
    /* The route's grant (its row in src/http/routes.c) as a scope, the same reach as a read. */
    switch (principal_grant(&r->who)) {
    case GRANT_ALL:
        rq.scope = SEARCH_SEE_ALL;
        break;
    case GRANT_OWN:
        rq.scope = SEARCH_SEE_ORG;
        rq.org = r->who.org_id;
        break;
    case GRANT_PUBLIC:
        rq.scope = SEARCH_SEE_PUBLIC;
        break;
    default:
        resp_problem(r, 403, "your role may not search", NULL);
        return;
    }

    struct store_conn *c = store_reader(r->store);
    struct search_result res;
    struct error err = ERROR_INIT;
    store_read_begin(c);
    int rc = search_run(c, &rq, &r->arena, &res, &err);
    if (rc == STORE_CONFLICT) {
        errors_add(&errs, res.bad_param ? res.bad_param : "q", "%s", err.msg);
        resp_problem(r, 400, err.msg, &errs);
    } else if (rc < 0) {
        log_error("search: %s", err.msg);
        resp_problem(r, 503, "the search could not be completed; try again", NULL);
    } else {
        struct jw w;
        resp_json(r, 200, &w);
        jw_obj(&w);
        jw_key(&w, "items");
        jw_arr(&w);
        for (size_t i = 0; i < res.n; i++) {
            const struct search_hit *h = &res.items[i];
            jw_obj(&w);
            jw_kstr(&w, "type", h->res->name);
            jw_kint(&w, "id", h->id);
            jw_kstr(&w, "title", h->title);
            jw_kstr(&w, "snippet", h->snippet);
            jw_key(&w, "score");
            jw_real(&w, h->score);
            if (h->lang)
                jw_kstr(&w, "lang", h->lang);
            if (h->match_res != h->res || h->match_id != h->id) {
                jw_key(&w, "match");
                jw_obj(&w);
                jw_kstr(&w, "type", h->match_res->name);
                jw_kint(&w, "id", h->match_id);
                jw_obj_end(&w);
            }
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_kstr(&w, "next_cursor", res.next_cursor);
        jw_kbool(&w, "approximate", res.capped); /* only the newest matches were ranked */
        jw_obj_end(&w);
    }
    store_read_end(c);
}
