/* Generic create / update / delete of declared resources, with audit and hooks. */
#include "domain/domain.h"
#include "core/valid.h"
#include "domain/access.h"

#include <assert.h>
#include <string.h>

/* References must point at records that exist: checked here to name the field. */
/* A referenced record counts as there only if the caller may see it: otherwise the
 * "no such id" answer would tell an NGO which other organisations' records exist. */
static bool ref_visible(const struct hook_ctx *ctx, const struct resource *target, int64_t id)
{
    if (!ctx->who || ctx->who->role >= ROLE_OFFICER)
        return store_exists(ctx->conn, target, id);
    struct record *rec;
    return store_get(ctx->conn, target, id, ctx->arena, &rec) == STORE_OK &&
           domain_may_see(ctx->conn, ctx->who, rec, ctx->arena);
}

/* References must point at records that exist (and that the caller may see): checked
 * here to name the field. */
static void check_refs(const struct hook_ctx *ctx, const struct record *rec, struct errors *errs)
{
    const struct resource *res = rec->res;
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        const struct value *v = &rec->v[i];
        if (v->null || !f->ref)
            continue;
        const struct resource *target = resource_find(str_from(f->ref));
        if (!target)
            continue;
        if (f->type == FT_REF) {
            if (!ref_visible(ctx, target, v->i))
                errors_add(errs, f->name, "no %s with id %lld", target->singular, (long long)v->i);
        } else if (f->type == FT_REF_LIST) {
            json_t *arr = json_loadb(v->s, v->n, 0, NULL);
            size_t k;
            json_t *item;
            json_array_foreach(arr, k, item)
            {
                if (!ref_visible(ctx, target, json_integer_value(item)))
                    errors_add(errs, f->name, "no %s with id %lld", target->singular,
                               (long long)json_integer_value(item));
            }
            json_decref(arr);
        }
    }
}

int domain_end_tx(struct store_tx *tx, int rc, struct error *msg)
{
    assert(tx && store_in_transaction(store_tx_conn(tx)));
    if (rc < 0) {
        store_write_rollback(tx);
        return rc;
    }
    return store_write_commit(tx, msg);
}

int domain_insert_tx(struct store_tx *tx, const struct principal *who, struct record *rec,
                     struct arena *a, struct errors *errs, struct error *msg)
{
    int rc = domain_import_tx(tx, who, rec, a, errs, msg);
    if (rc < 0)
        return rc;
    struct buf after = BUF_INIT;
    record_to_audit_json(rec, &after);
    struct store_actor actor = principal_actor(who);
    rc = store_audit(tx, &actor, "create", rec->res->name, rec->id, NULL, after.p);
    buf_release(&after);
    if (rc < 0)
        error_set(msg, "could not write the audit entry");
    return rc;
}

int domain_create(struct store *s, const struct principal *who, const struct resource *res,
                  json_t *body, struct arena *a, struct errors *errs, struct error *msg,
                  struct record **out)
{
    struct record *rec = record_new(res, a);
    record_from_json(rec, body, RECORD_CREATE, a, errs);
    if (errs->n)
        return DOMAIN_INVALID;
    if (domain_check_writers(who, rec, NULL, errs, msg) < 0)
        return DOMAIN_FORBIDDEN;
    domain_initial_state(rec);
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    int rc = domain_may_create(store_tx_conn(tx), who, rec, a, errs, msg);
    if (rc == 0)
        rc = domain_insert_tx(tx, who, rec, a, errs, msg);
    rc = domain_end_tx(tx, rc, msg);
    if (rc == STORE_OK)
        *out = rec;
    return rc;
}

int domain_begin_change(struct store *s, const struct principal *who, const struct resource *res,
                        int64_t id, enum change what, struct arena *a, struct store_tx **tx,
                        struct record **old, struct error *msg)
{
    if (store_write_begin(s, tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    int rc = store_get(store_tx_conn(*tx), res, id, a, old);
    if (rc < 0)
        error_set(msg, "no %s with id %lld", res->singular, (long long)id);
    else
        rc = domain_may_change(store_tx_conn(*tx), who, *old, what, a, msg);
    if (rc < 0)
        domain_end_tx(*tx, rc, msg);
    return rc;
}

int domain_update(struct store *s, const struct principal *who, const struct resource *res,
                  int64_t id, int64_t if_match, json_t *patch, struct arena *a, struct errors *errs,
                  struct error *msg, struct record **out)
{
    struct store_tx *tx;
    struct record *old;
    int rc = domain_begin_change(s, who, res, id, CHANGE_UPDATE, a, &tx, &old, msg);
    if (rc < 0)
        return rc;
    struct hook_ctx ctx = {.who = who, .conn = store_tx_conn(tx), .tx = tx, .arena = a};
    if (if_match && old->version != if_match) {
        error_set(msg,
                  "the %s was changed by someone else (you had version %lld, it is now %lld): "
                  "reload it and apply your change again",
                  res->singular, (long long)if_match, (long long)old->version);
        return domain_end_tx(tx, STORE_VERSION, msg);
    }
    struct record *rec = record_copy(old, a);
    record_from_json(rec, patch, RECORD_PATCH, a, errs);
    if (!errs->n && domain_check_writers(who, rec, old, errs, msg) < 0)
        return domain_end_tx(tx, DOMAIN_FORBIDDEN, msg);
    if (!errs->n)
        domain_check_owner(who, rec, errs);
    if (!errs->n)
        check_refs(&ctx, rec, errs);
    if (!errs->n && res->validate)
        res->validate(&ctx, rec, old, errs);
    if (errs->n)
        return domain_end_tx(tx, DOMAIN_INVALID, msg);
    rc = res->check_conflict ? res->check_conflict(&ctx, rec, old, msg) : 0;
    if (rc == 0)
        rc = store_update(tx, rec, msg);
    if (rc == STORE_OK) {
        struct buf before = BUF_INIT, after = BUF_INIT;
        record_to_audit_json(old, &before);
        record_to_audit_json(rec, &after);
        struct store_actor actor = principal_actor(who);
        rc = store_audit(tx, &actor, "update", res->name, id, before.p, after.p);
        buf_release(&before);
        buf_release(&after);
    }
    rc = domain_end_tx(tx, rc, msg);
    if (rc == STORE_OK)
        *out = rec;
    return rc;
}

int domain_delete(struct store *s, const struct principal *who, const struct resource *res,
                  int64_t id, int64_t if_match, struct arena *a, struct error *msg)
{
    struct store_tx *tx;
    struct record *old;
    int rc = domain_begin_change(s, who, res, id, CHANGE_DELETE, a, &tx, &old, msg);
    if (rc < 0)
        return rc;
    rc = store_delete(tx, res, id, if_match, msg);
    if (rc == STORE_OK) {
        struct buf before = BUF_INIT;
        record_to_audit_json(old, &before);
        struct store_actor actor = principal_actor(who);
        rc = store_audit(tx, &actor, "delete", res->name, id, before.p, NULL);
        buf_release(&before);
    }
    return domain_end_tx(tx, rc, msg);
}

void domain_initial_state(struct record *rec)
{
    const struct resource *res = rec->res;
    if (!res->state_field)
        return;
    int i = resource_field_index(res, res->state_field);
    if (i < 0 || !res->fields[i].values)
        BUG("state_field must name an FT_ENUM field");
    rec->v[i] =
        (struct value){.s = res->fields[i].values[0], .n = strlen(res->fields[i].values[0])};
}

/* ---- hooks of the foundation's resources --------------------------------------------- */

void organisation_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                           struct errors *errs)
{
    int founded = resource_field_index(rec->res, "founded_on");
    const struct value *v = &rec->v[founded];
    if (!v->null) {
        char today[11];
        date_from_unix(now_unix(), today);
        if (strncmp(v->s, today, 10) > 0)
            errors_add(errs, "founded_on", "is in the future");
    }
    /* The desk officer, when set or changed, is an enabled officer's (or an
     * administrator's) account; one who leaves later stays named until reassigned. */
    int oi = resource_field_index(rec->res, "officer");
    const struct value *o = &rec->v[oi];
    if (o->null || (old && !old->v[oi].null && strcmp(old->v[oi].s, o->s) == 0))
        return;
    struct user u;
    if (store_user_by_email(ctx->conn, o->s, ctx->arena, &u) != STORE_OK || u.disabled ||
        (strcmp(u.role, "officer") != 0 && strcmp(u.role, "admin") != 0))
        errors_add(errs, "officer", "is not the e-mail of an officer's account");
    else /* as the account spells it, so that ?officer= finds it */
        rec->v[oi] = (struct value){.s = u.email, .n = strlen(u.email)};
}

void person_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                     struct errors *errs)
{
    record_check_items(rec, "languages", valid_lang, "an ISO 639-1 language code", errs);
}

/* organisation_name: the name of the person's organisation, so a list of people shows it
 * without one request per organisation. A caller who sees the person sees its
 * organisation (an NGO sees only its own people). */
void person_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    int oi = resource_field_index(rec->res, "organisation_id");
    if (!ctx || !ctx->conn || oi < 0 || rec->v[oi].null)
        return;
    struct record *org;
    if (store_get(ctx->conn, &res_organisations, rec->v[oi].i, ctx->arena, &org) != STORE_OK)
        return;
    int ni = resource_field_index(org->res, "name");
    if (ni >= 0 && !org->v[ni].null)
        jw_kstr(w, "organisation_name", org->v[ni].s);
}

/* ---- writes inside a caller's transaction (imports) ---------------------------------- */

int domain_import_tx(struct store_tx *tx, const struct principal *who, struct record *rec,
                     struct arena *a, struct errors *errs, struct error *msg)
{
    assert(tx && rec && store_in_transaction(store_tx_conn(tx)));
    struct hook_ctx ctx = {.who = who, .conn = store_tx_conn(tx), .tx = tx, .arena = a};
    check_refs(&ctx, rec, errs);
    if (rec->res->validate)
        rec->res->validate(&ctx, rec, NULL, errs);
    if (errs->n)
        return DOMAIN_INVALID;
    int rc = rec->res->check_conflict ? rec->res->check_conflict(&ctx, rec, NULL, msg) : 0;
    return rc == 0 ? store_insert(tx, rec, msg) : rc;
}

int domain_update_tx(struct store_tx *tx, const struct principal *who, const struct record *old,
                     struct record *rec, struct arena *a, struct errors *errs, struct error *msg)
{
    assert(tx && old && rec && old->res == rec->res && old->id == rec->id);
    assert(store_in_transaction(store_tx_conn(tx)));
    struct hook_ctx ctx = {.who = who, .conn = store_tx_conn(tx), .tx = tx, .arena = a};
    const struct resource *res = rec->res;
    check_refs(&ctx, rec, errs);
    if (!errs->n && res->validate)
        res->validate(&ctx, rec, old, errs);
    if (errs->n)
        return DOMAIN_INVALID;
    int rc = res->check_conflict ? res->check_conflict(&ctx, rec, old, msg) : 0;
    if (rc == 0)
        rc = store_update(tx, rec, msg);
    if (rc < 0)
        return rc;
    struct buf before = BUF_INIT, after = BUF_INIT;
    record_to_audit_json(old, &before);
    record_to_audit_json(rec, &after);
    struct store_actor actor = principal_actor(who);
    rc = store_audit(tx, &actor, "update", res->name, rec->id, before.p, after.p);
    buf_release(&before);
    buf_release(&after);
    if (rc < 0)
        error_set(msg, "could not write the audit entry");
    return rc;
}
