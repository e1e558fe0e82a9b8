/*
 * POST /api/v1/{collection}/bulk {"ids": [1, 2], "set": {...}, "add": {...}, "remove": {...}}:
 * the body is read and checked here (ids, the shape of each part); what each record
 * accepts is the domain's (domain_bulk_update). Answers 200 {"changed", "unchanged",
 * "ids"} or a problem, and then nothing has changed.
 */
#include "http/bulk_handlers.h"
#include "core/limits.h"
#include "domain/domain.h"
#include "http/request.h"

#include <string.h>

/* ids: an array of 1..LIMIT_ID_SET distinct ids, into out (arena). */
static size_t read_ids(json_t *ids, struct arena *a, int64_t **out, struct errors *errs)
{
    if (!json_is_array(ids) || json_array_size(ids) == 0) {
        errors_add(errs, "ids", "must be an array of ids");
        return 0;
    }
    size_t n = json_array_size(ids);
    if (n > LIMIT_ID_SET) {
        errors_add(errs, "ids", "names too many records (at most %d)", LIMIT_ID_SET);
        return 0;
    }
    int64_t *v = arena_alloc(a, sizeof(*v) * n);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(ids, i);
        if (!json_is_integer(x) || json_integer_value(x) < 1) {
            errors_add(errs, "ids", "must be an array of ids");
            return 0;
        }
        v[i] = json_integer_value(x);
        for (size_t j = 0; j < i; j++)
            if (v[j] == v[i]) {
                errors_add(errs, "ids", "lists the same id twice");
                return 0;
            }
    }
    *out = v;
    return n;
}

/* add / remove: an object whose keys are list-of-text fields of res, each an array. */
static void check_list_ops(const struct resource *res, const char *name, json_t *ops,
                           struct errors *errs)
{
    if (!ops)
        return;
    if (!json_is_object(ops)) {
        errors_add(errs, name, "must be an object of lists, such as {\"tags\": [\"x\"]}");
        return;
    }
    const char *key;
    json_t *items;
    json_object_foreach(ops, key, items)
    {
        const struct field *f = resource_field(res, key);
        const char *at = arena_printf(errs->arena, "%s.%s", name, key);
        if (!f || f->type != FT_TEXT_LIST || (f->flags & (F_READONLY | F_HIDDEN)))
            errors_add(errs, at, "is not a list of words of %s", res->name);
        else if (!json_is_array(items))
            errors_add(errs, at, "must be an array of strings");
    }
}

void h_bulk(struct request *r)
{
    const struct resource *res = r->res;
    json_t *body = req_body_object(r);
    if (!body)
        return;
    struct errors errs;
    errors_init(&errs, &r->arena);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "ids") && strcmp(key, "set") && strcmp(key, "add") &&
            strcmp(key, "remove"))
            errors_add(&errs, key, "is not a part of a bulk change (ids, set, add, remove)");
    }
    int64_t *ids = NULL;
    size_t n = read_ids(json_object_get(body, "ids"), &r->arena, &ids, &errs);
    json_t *set = json_object_get(body, "set");
    json_t *add = json_object_get(body, "add");
    json_t *remove = json_object_get(body, "remove");
    if (set && !json_is_object(set))
        errors_add(&errs, "set", "must be an object of fields, as a PATCH of one record");
    check_list_ops(res, "add", add, &errs);
    check_list_ops(res, "remove", remove, &errs);
    if (!errs.n && !json_object_size(set) && !json_object_size(add) && !json_object_size(remove))
        errors_add(&errs, "", "says no change: give set, add or remove");
    struct error msg = ERROR_INIT;
    size_t changed = 0;
    int rc = DOMAIN_INVALID;
    if (!errs.n)
        rc = domain_bulk_update(r->store, &r->who, res, ids, n, set, add, remove, &r->arena,
                                &errs, &msg, &changed);
    else
        error_set(&msg, "the bulk change is not valid; see errors: nothing was changed");
    json_decref(body);
    if (rc == DOMAIN_INVALID) { /* the detail names the record at fault */
        resp_problem(r, 422, msg.msg, &errs);
        return;
    }
    if (rc < 0) {
        req_problem(r, rc, &msg, &errs);
        return;
    }
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kint(&w, "changed", (int64_t)changed);
    jw_kint(&w, "unchanged", (int64_t)(n - changed));
    jw_key(&w, "ids");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        jw_int(&w, ids[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
}
