/*
 * The audit trail over HTTP: GET /api/v1/audit (the entries, filtered and paged) and
 * GET /api/v1/audit/verify (the chain checked). HTTP ⇄ store, nothing more; the chain
 * itself is src/store/audit.c's.
 */
#define _GNU_SOURCE
#include "http/audit_handlers.h"
#include "core/limits.h"
#include "http/request.h"
#include "store/access.h"

#include <stdio.h>
#include <string.h>

/* ---- the audit trail ---------------------------------------------------------------- */

/* A time bound: a date (the whole day) or an RFC 3339 time, as stored text. */
static const char *time_bound(struct arena *a, const char *v, bool end, const char *name,
                              struct errors *errs)
{
    if (!v)
        return NULL;
    if (date_valid(str_from(v)))
        return arena_printf(a, "%sT%s", v, end ? "23:59:59Z" : "00:00:00Z");
    int64_t t;
    if (datetime_parse(str_from(v), &t) == 0) {
        char text[21];
        time_rfc3339(t, text);
        return arena_strdup(a, text);
    }
    errors_add(errs, name, "must be a date (YYYY-MM-DD) or a time (RFC 3339)");
    return NULL;
}

/* The parameters are declared on the route and their types checked before this runs;
 * what is left here is how they combine (record= instead of resource= and record_id=). */
void h_audit_list(struct request *r)
{
    struct errors errs;
    errors_init(&errs, &r->arena);
    struct audit_filter f = {0};
    const char *record = req_route_param(r, "record");
    f.resource = req_route_param(r, "resource");
    f.record_id = req_param_num(req_route_param(r, "record_id"), 0);
    if (record) { /* record=organisations/5 */
        const char *slash = strrchr(record, '/');
        if (!slash || slash == record || f.resource || f.record_id) {
            errors_add(&errs, "record",
                       "must be collection/id, such as organisations/5, and "
                       "not given with resource or record_id");
        } else {
            f.resource = arena_strndup(&r->arena, record, (size_t)(slash - record));
            f.record_id = req_param_id(slash + 1, "record", &errs);
        }
    }
    f.actor = req_route_param(r, "actor");
    f.actor_id = req_param_num(req_route_param(r, "actor_id"), 0);
    f.action = req_route_param(r, "action");
    f.from = time_bound(&r->arena, req_route_param(r, "from"), false, "from", &errs);
    f.to = time_bound(&r->arena, req_route_param(r, "to"), true, "to", &errs);
    f.limit = (int)req_param_num(req_route_param(r, "limit"), LIMIT_LIST_DEFAULT);
    f.before_id = req_param_num(req_route_param(r, "cursor"), 0);
    if (errs.n) {
        req_bad_query(r, &errs);
        return;
    }
    struct audit_entry *e;
    size_t n;
    bool more;
    if (store_audit_list(store_reader(r->store), &f, &r->arena, &e, &n, &more) < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    req_list_begin(r, &w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        jw_kint(&w, "id", e[i].id);
        jw_kstr(&w, "at", e[i].at);
        jw_kstr(&w, "actor", e[i].actor);
        jw_key(&w, "actor_id");
        e[i].actor_id ? jw_int(&w, e[i].actor_id) : jw_null(&w);
        jw_key(&w, "organisation_id");
        e[i].org_id ? jw_int(&w, e[i].org_id) : jw_null(&w);
        jw_kstr(&w, "action", e[i].action);
        jw_kstr(&w, "resource", e[i].resource);
        jw_key(&w, "record_id");
        e[i].record_id ? jw_int(&w, e[i].record_id) : jw_null(&w);
        /* before/after are JSON the server wrote; an entry edited into something else
         * is shown as text rather than breaking the response. */
        const char *img[2] = {e[i].before, e[i].after};
        static const char *const names[2] = {"before", "after"};
        for (int k = 0; k < 2; k++) {
            jw_key(&w, names[k]);
            json_t *probe = img[k] ? json_loads(img[k], 0, NULL) : NULL;
            if (probe)
                jw_raw(&w, img[k], strlen(img[k]));
            else
                jw_str(&w, img[k]);
            json_decref(probe);
        }
        jw_kstr(&w, "prev_hash", e[i].prev_hash);
        jw_kstr(&w, "hash", e[i].hash);
        jw_obj_end(&w);
    }
    req_list_end(r, &w, more && n, n ? e[n - 1].id : 0);
}

void h_audit_verify(struct request *r)
{
    struct audit_report rep;
    struct error err = ERROR_INIT;
    const char *dv = req_route_param(r, "deep"); /* true or false, checked before */
    bool deep = dv && dv[0] == 't';
    int rc = store_audit_check(store_reader(r->store), &rep, &err);
    if (rc == STORE_ERROR) {
        resp_problem(r, 503, "the audit trail could not be read; try again", NULL);
        return;
    }
    /* ?deep=true: also every live row against its last audited image (issue 16). */
    struct deep_report dr = {0};
    if (deep && rc == STORE_OK &&
        store_audit_deep_check(store_reader(r->store), &r->arena, &dr) < 0) {
        resp_problem(r, 503, "the rows could not be compared with the audit trail", NULL);
        return;
    }
    if (deep && rc == STORE_OK && dr.faults_total) {
        rc = STORE_CONFLICT;
        snprintf(err.msg, sizeof(err.msg), "%lld rows were written outside civdesk; see deep",
                 (long long)dr.faults_total);
    }
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kbool(&w, "ok", rc == STORE_OK);
    jw_kint(&w, "checked", rep.checked);
    jw_key(&w, "first_bad_id");
    rc == STORE_OK || !rep.bad_id ? jw_null(&w) : jw_int(&w, rep.bad_id);
    jw_kstr(&w, "detail", rc == STORE_OK ? "the audit trail is intact" : err.msg);
    jw_key(&w, "head");
    jw_obj(&w);
    jw_kint(&w, "entries", rep.entries);
    jw_kint(&w, "last_id", rep.head_id);
    jw_kstr(&w, "last_hash", rep.head_hash);
    jw_obj_end(&w);
    if (deep) {
        jw_key(&w, "deep");
        jw_obj(&w);
        jw_kint(&w, "checked", dr.checked);
        jw_kint(&w, "faults_total", dr.faults_total);
        jw_key(&w, "faults");
        jw_arr(&w);
        for (size_t i = 0; i < dr.nfaults; i++) {
            jw_obj(&w);
            jw_kstr(&w, "resource", dr.faults[i].resource);
            jw_kint(&w, "id", dr.faults[i].id);
            jw_kstr(&w, "detail", dr.faults[i].detail);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
}
