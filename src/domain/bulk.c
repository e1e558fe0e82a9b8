/*
 * Bulk changes to a selection of records (issue 17): a list's selected rows assigned to
 * an officer or tagged at once. Each record goes through the same checks and the same
 * audit as a PATCH of it; the whole selection is one transaction, so either every record
 * changes or none does.
 */
#include "domain/domain.h"
#include "domain/access.h"

#include "core/limits.h"

#include <assert.h>
#include <string.h>

/* The record's list field fi as a JSON array (a new reference; empty when null). */
static json_t *current_list(const struct record *rec, int fi)
{
    const struct value *v = &rec->v[fi];
    json_t *arr = v->null ? NULL : json_loadb(v->s, v->n, 0, NULL);
    return json_is_array(arr) ? arr : (json_decref(arr), json_array());
}

static bool list_has(const json_t *arr, const json_t *item)
{
    size_t k;
    json_t *x;
    json_array_foreach(arr, k, x) if (json_equal(x, item)) return true;
    return false;
}

/*
 * The merge patch for one record: `set`, and each field of `add` / `remove` as the
 * record's list with those items added or taken out. Items of the wrong type are left
 * for record_from_json to refuse (it names the field). A new reference.
 */
static json_t *patch_for(const struct record *old, json_t *set, json_t *add, json_t *remove)
{
    json_t *patch = set ? json_deep_copy(set) : json_object();
    const char *key;
    json_t *items;
    for (int pass = 0; pass < 2; pass++) {
        json_t *ops = pass == 0 ? add : remove;
        json_object_foreach(ops, key, items)
        {
            int fi = resource_field_index(old->res, key);
            json_t *list = json_object_get(patch, key);
            list = list ? json_incref(list) : current_list(old, fi);
            if (pass == 0) {
                size_t k;
                json_t *item;
                json_array_foreach(items, k, item) if (!list_has(list, item))
                    json_array_append(list, item);
            } else {
                json_t *kept = json_array();
                size_t k;
                json_t *item;
                json_array_foreach(list, k, item) if (!list_has(items, item))
                    json_array_append(kept, item);
                json_decref(list);
                list = kept;
            }
            json_object_set_new(patch, key, list);
        }
    }
    return patch;
}

static bool same_image(const struct record *a, const struct record *b)
{
    struct buf x = BUF_INIT, y = BUF_INIT;
    record_to_audit_json(a, &x);
    record_to_audit_json(b, &y);
    bool same = x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
    buf_release(&x);
    buf_release(&y);
    return same;
}

int domain_bulk_update(struct store *s, const struct principal *who, const struct resource *res,
                       const int64_t *ids, size_t n, json_t *set, json_t *add, json_t *remove,
                       struct arena *a, struct errors *errs, struct error *msg, size_t *changed)
{
    assert(n > 0 && n <= LIMIT_ID_SET);
    *changed = 0;
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    struct store_conn *c = store_tx_conn(tx);
    int rc = 0;
    size_t written = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct record *old;
        if (store_get(c, res, ids[i], a, &old) != STORE_OK ||
            !domain_may_see(c, who, old, a)) {
            errors_add(errs, "ids", "no %s with id %lld", res->singular, (long long)ids[i]);
            error_set(msg, "no %s with id %lld: nothing was changed", res->singular,
                      (long long)ids[i]);
            rc = DOMAIN_INVALID;
            break;
        }
        rc = domain_may_change(c, who, old, CHANGE_UPDATE, a, msg);
        if (rc < 0)
            break;
        json_t *patch = patch_for(old, set, add, remove);
        struct record *rec = record_copy(old, a);
        record_from_json(rec, patch, RECORD_PATCH, a, errs);
        json_decref(patch);
        if (!errs->n && domain_check_writers(who, rec, old, errs, msg) < 0) {
            rc = DOMAIN_FORBIDDEN;
            break;
        }
        if (!errs->n)
            domain_check_owner(who, rec, errs);
        if (!errs->n && same_image(old, rec))
            continue; /* already so: nothing to write or audit */
        if (!errs->n)
            rc = domain_update_tx(tx, who, old, rec, a, errs, msg);
        if (errs->n)
            rc = DOMAIN_INVALID;
        if (rc == DOMAIN_INVALID)
            error_set(msg, "%s %lld refuses the change (see errors): nothing was changed",
                      res->singular, (long long)ids[i]);
        else if (rc == 0)
            written++;
    }
    if (rc < 0) {
        store_write_rollback(tx);
        return rc;
    }
    rc = store_write_commit(tx, msg);
    if (rc == 0)
        *changed = written;
    return rc;
}
