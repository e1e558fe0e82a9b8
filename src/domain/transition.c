/*
 * Generic state machines: every resource that declares a state field and a transition
 * table gets the same behaviour — legal moves only, history, audit, a hook for effects.
 */
#include "domain/domain.h"
#include "domain/notify.h"
#include "domain/access.h"

#include <assert.h>
#include <string.h>

/* A state is final when no explicit row leaves it. */
static bool is_final(const struct resource *res, const char *state)
{
    for (size_t i = 0; i < res->ntransitions; i++)
        if (strcmp(res->transitions[i].from, state) == 0)
            return false;
    return true;
}

const char *domain_open_states_json(const struct resource *res, struct arena *a)
{
    int si = res->state_field ? resource_field_index(res, res->state_field) : -1;
    assert(si >= 0 && res->fields[si].type == FT_ENUM && res->fields[si].values);
    struct buf b = BUF_INIT;
    buf_putc(&b, '[');
    for (const char *const *v = res->fields[si].values; *v; v++) {
        assert(!strpbrk(*v, "\"\\")); /* states are plain words: nothing to escape */
        if (!is_final(res, *v))
            buf_printf(&b, "%s\"%s\"", b.n > 1 ? "," : "", *v);
    }
    buf_putc(&b, ']');
    const char *out = arena_strdup(a, b.p);
    buf_release(&b);
    return out;
}

static bool legal(const struct resource *res, const char *from, const char *to, enum role role)
{
    for (size_t i = 0; i < res->ntransitions; i++) {
        const struct transition *t = &res->transitions[i];
        if (strcmp(t->to, to) != 0 || (int)role < t->min_role)
            continue;
        if (strcmp(t->from, from) == 0 || (strcmp(t->from, "*") == 0 && !is_final(res, from)))
            return true;
    }
    return false;
}

static const char *state_of(const struct record *rec)
{
    int i = resource_field_index(rec->res, rec->res->state_field);
    return i >= 0 && !rec->v[i].null ? rec->v[i].s : "";
}

const char **domain_transitions_allowed(const struct principal *who, const struct record *rec,
                                        struct arena *a)
{
    const struct resource *res = rec->res;
    const char **out = arena_zalloc(a, (res->ntransitions + 1) * sizeof(*out));
    size_t n = 0;
    const char *from = state_of(rec);
    for (size_t i = 0; i < res->ntransitions; i++) {
        const char *to = res->transitions[i].to;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(out[k], to) == 0;
        if (!seen && legal(res, from, to, who ? who->role : ROLE_ANON))
            out[n++] = to;
    }
    return out;
}

int domain_transition(struct store *s, const struct principal *who, const struct resource *res,
                      int64_t id, int64_t if_match, const char *to, const char *note,
                      struct arena *a, struct errors *errs, struct error *msg,
                      const char ***allowed, struct record **out)
{
    *allowed = NULL;
    if (!res->state_field)
        return error_set(msg, "%s records have no states", res->singular), STORE_NOT_FOUND;
    struct store_tx *tx;
    struct record *old, *rec = NULL;
    int rc = domain_begin_change(s, who, res, id, CHANGE_TRANSITION, a, &tx, &old, msg);
    if (rc < 0)
        return rc;
    struct hook_ctx ctx = {.who = who, .conn = store_tx_conn(tx), .tx = tx, .arena = a};
    if (if_match && old->version != if_match) {
        error_set(msg,
                  "the %s was changed by someone else (you had version %lld, it is now "
                  "%lld): reload it",
                  res->singular, (long long)if_match, (long long)old->version);
        rc = STORE_VERSION;
        goto done;
    }
    const char *from = state_of(old);
    if (!legal(res, from, to, who ? who->role : ROLE_ANON)) {
        *allowed = domain_transitions_allowed(who, old, a);
        struct buf list = BUF_INIT;
        for (const char **p = *allowed; *p; p++)
            buf_printf(&list, "%s%s", list.n ? ", " : "", *p);
        error_set(msg, "cannot move this %s from %s to %s; allowed: %s", res->singular, from, to,
                  list.n ? list.p : "none");
        buf_release(&list);
        rc = STORE_CONFLICT;
        goto done;
    }
    rec = record_copy(old, a);
    int si = resource_field_index(res, res->state_field);
    const struct field *sf = &res->fields[si];
    for (const char *const *v = sf->values; *v; v++)
        if (strcmp(*v, to) == 0)
            rec->v[si] = (struct value){.s = *v, .n = strlen(*v)};
    if (res->on_transition) {
        rc = res->on_transition(&ctx, rec, old, errs, msg);
        if (rc == 0 && errs->n)
            rc = DOMAIN_INVALID;
        if (rc < 0)
            goto done;
    }
    rc = store_update(tx, rec, msg);
    struct store_actor actor = principal_actor(who);
    if (rc == STORE_OK)
        rc = store_transition_insert(tx, res->name, id, from, to, &actor, note);
    if (rc == STORE_OK) {
        struct buf before = BUF_INIT, after = BUF_INIT;
        record_to_audit_json(old, &before);
        record_to_audit_json(rec, &after);
        rc = store_audit(tx, &actor, "transition", res->name, id, before.p, after.p);
        buf_release(&before);
        buf_release(&after);
    }
    if (rc == STORE_OK) /* who must hear of it (docs/notifications.md) */
        rc = notify_transition(tx, rec, from, to, note);
done:
    rc = domain_end_tx(tx, rc, msg);
    if (rc == STORE_OK)
        *out = rec;
    return rc;
}
