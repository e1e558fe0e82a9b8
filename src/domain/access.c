/*
 * Row-level access: which records a caller may see and change. The route's rule
 * (its row in src/http/routes.c) says how far the caller's role reaches on that route (a grant);
 * this file is the single place that turns a grant into decisions about records, from
 * the declarations alone:
 *
 *   owner        the field naming the owning organisation ("id" for organisations, a
 *                reference, or a list of references for joint work)
 *   public_flag  the boolean that publishes a record to everyone
 *   public_via   a reference whose record's public flag publishes this one (an
 *                organisation's statuses are public when it is listed); F_INTERNAL
 *                fields stay the ministry's and the owner's
 *   parent       sub-records are seen and owned through their parent
 *   access       RES_REFERENCE (readable by every signed-in user), RES_OWNER_READS_ONLY
 *   state_field  with transitions: an ngo changes its record only in states it can itself
 *                move the record out of (its drafts), never after it handed it over
 */
#include "domain/access.h"

#include <assert.h>
#include <string.h>

/* Whether the JSON list of ids v holds id. */
static bool list_has(const struct value *v, int64_t id)
{
    if (v->null)
        return false;
    json_t *arr = json_loadb(v->s, v->n, 0, NULL);
    bool found = false;
    size_t k;
    json_t *item;
    json_array_foreach(arr, k, item) found |= json_integer_value(item) == id;
    json_decref(arr);
    return found;
}

static bool owned_by(const struct record *rec, int64_t org)
{
    const struct resource *res = rec->res;
    if (!res->owner || org <= 0)
        return false;
    if (strcmp(res->owner, "id") == 0)
        return rec->id == org;
    int i = resource_field_index(res, res->owner);
    if (i < 0 || rec->v[i].null)
        return false;
    if (res->fields[i].type == FT_REF)
        return rec->v[i].i == org;
    return list_has(&rec->v[i], org);
}

static bool is_public(const struct record *rec)
{
    const struct resource *res = rec->res;
    if (!res->public_flag)
        return false;
    int i = resource_field_index(res, res->public_flag);
    return i >= 0 && !rec->v[i].null && rec->v[i].i;
}

/* Whether rec is public because the record its public_via field names is. */
static bool public_through(struct store_conn *c, const struct record *rec, struct arena *a)
{
    const struct resource *res = rec->res;
    if (!res->public_via)
        return false;
    int i = resource_field_index(res, res->public_via);
    const struct resource *ref = i >= 0 ? resource_find(str_from(res->fields[i].ref)) : NULL;
    struct record *target;
    return ref && !rec->v[i].null && store_get(c, ref, rec->v[i].i, a, &target) == STORE_OK &&
           is_public(target);
}

/* The parent record of a sub-record, or NULL if it cannot be read. */
static struct record *parent_of(struct store_conn *c, const struct record *rec, struct arena *a)
{
    const struct resource *res = rec->res;
    const struct resource *pres = resource_find(str_from(res->parent));
    int pi = resource_field_index(res, res->parent_field);
    struct record *parent;
    if (!pres || pi < 0 || rec->v[pi].null ||
        store_get(c, pres, rec->v[pi].i, a, &parent) != STORE_OK)
        return NULL;
    return parent;
}

/* Whether the caller's organisation owns rec (through its parents for sub-records). */
static bool owns(struct store_conn *c, const struct principal *who, const struct record *rec,
                 struct arena *a)
{
    if (rec->res->parent) {
        struct record *parent = parent_of(c, rec, a);
        return parent && owns(c, who, parent, a);
    }
    return who && owned_by(rec, who->org_id);
}

bool domain_grant_reaches(enum grant g, const struct resource *res)
{
    const struct resource *parent = res->parent ? resource_find(str_from(res->parent)) : NULL;
    switch (g) {
    case GRANT_ALL:
        return true;
    case GRANT_PUBLIC:
        return res->public_flag || res->public_via || (parent && domain_grant_reaches(g, parent));
    case GRANT_OWN:
        return res->public_flag || res->owner || (res->access & RES_REFERENCE) ||
               (parent && domain_grant_reaches(g, parent));
    default:
        return false;
    }
}

/* Whether rec is the ministry's only (res->internal_flag set on it). */
static bool is_internal(const struct record *rec)
{
    if (!rec->res->internal_flag)
        return false;
    int i = resource_field_index(rec->res, rec->res->internal_flag);
    return i >= 0 && !rec->v[i].null && rec->v[i].i;
}

bool domain_may_see(struct store_conn *c, const struct principal *who, const struct record *rec,
                    struct arena *a)
{
    enum grant g = principal_grant(who);
    if (g == GRANT_ALL)
        return true;
    if (g != GRANT_PUBLIC && g != GRANT_OWN)
        return false;
    if (is_internal(rec))
        return false;
    if (is_public(rec) || public_through(c, rec, a))
        return true;
    const struct resource *res = rec->res;
    if (res->parent) {
        struct record *parent = parent_of(c, rec, a);
        return parent && domain_may_see(c, who, parent, a);
    }
    if (g == GRANT_PUBLIC)
        return false;
    return (res->access & RES_REFERENCE) || owned_by(rec, who->org_id);
}

/* Whether the role may itself move a record out of `state` (explicit rows only: "any
 * state -> withdrawn" does not make every state a draft). */
static bool role_moves_from(const struct resource *res, const char *state, enum role role)
{
    for (size_t i = 0; i < res->ntransitions; i++)
        if (strcmp(res->transitions[i].from, state) == 0 &&
            (int)role >= res->transitions[i].min_role)
            return true;
    return false;
}

/* Writes to RES_ADMIN_WRITES resources are for administrators (and the system). */
static bool admin_only(const struct principal *who, const struct resource *res)
{
    return (res->access & RES_ADMIN_WRITES) && who && who->role < ROLE_ADMIN;
}

static const char *state_of(const struct record *rec)
{
    int i = resource_field_index(rec->res, rec->res->state_field);
    return i >= 0 && !rec->v[i].null ? rec->v[i].s : "";
}

int domain_may_change(struct store_conn *c, const struct principal *who, const struct record *rec,
                      enum change what, struct arena *a, struct error *msg)
{
    const struct resource *res = rec->res;
    enum grant g = principal_grant(who);
    if (admin_only(who, res))
        return error_set(msg, "only administrators may change %s", res->name), DOMAIN_FORBIDDEN;
    if (g == GRANT_ALL)
        return 0;
    if (!domain_may_see(c, who, rec, a))
        return error_set(msg, "no %s with id %lld", res->singular, (long long)rec->id),
               STORE_NOT_FOUND;
    if (g != GRANT_OWN || !owns(c, who, rec, a))
        return error_set(msg,
                         "this %s is not your organisation's: only ministry staff may "
                         "change it",
                         res->singular),
               DOMAIN_FORBIDDEN;
    if (res->access & RES_OWNER_READS_ONLY)
        return error_set(msg,
                         "%s records are kept by the ministry: you may read yours, not "
                         "change them",
                         res->singular),
               DOMAIN_FORBIDDEN;
    if (res->access & RES_OWNER_ADDS_ONLY)
        return error_set(msg, "a %s stays as written: only ministry staff may change or remove it",
                         res->singular),
               DOMAIN_FORBIDDEN;
    if (what == CHANGE_DELETE && res->owner && strcmp(res->owner, "id") == 0)
        return error_set(msg, "only ministry staff may remove an %s", res->singular),
               DOMAIN_FORBIDDEN;
    if (what != CHANGE_TRANSITION && res->state_field &&
        !role_moves_from(res, state_of(rec), who->role))
        return error_set(msg,
                         "this %s is %s: your organisation can no longer change it "
                         "(withdraw it, or ask the ministry)",
                         res->singular, state_of(rec)),
               DOMAIN_FORBIDDEN;
    return 0;
}

/* The owner field of a top-level resource an organisation can own ("id" excluded). */
static int owner_index(const struct resource *res)
{
    if (res->parent || !res->owner || strcmp(res->owner, "id") == 0)
        return -1;
    return resource_field_index(res, res->owner);
}

void domain_check_owner(const struct principal *who, const struct record *rec, struct errors *errs)
{
    if (principal_grant(who) != GRANT_OWN)
        return;
    int oi = owner_index(rec->res);
    if (oi < 0)
        return;
    const struct field *f = &rec->res->fields[oi];
    const struct value *v = &rec->v[oi];
    if (f->type == FT_REF && (v->null || v->i != who->org_id))
        errors_add(errs, f->name,
                   "must be your organisation (%lld): you may not give a record "
                   "to another organisation",
                   (long long)who->org_id);
    else if (f->type == FT_REF_LIST && !list_has(v, who->org_id))
        errors_add(errs, f->name, "must include your organisation (%lld)", (long long)who->org_id);
}

/* Whether two values of field f are the same (text by bytes, lists by canonical text). */
static bool same_value(const struct field *f, const struct value *a, const struct value *b)
{
    if (a->null || b->null)
        return a->null == b->null;
    switch (f->type) {
    case FT_INT:
    case FT_BOOL:
    case FT_REF:
        return a->i == b->i;
    case FT_REAL:
        return a->r == b->r;
    default:
        return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
    }
}

int domain_check_writers(const struct principal *who, const struct record *rec,
                         const struct record *old, struct errors *errs, struct error *msg)
{
    if (who->role >= ROLE_OFFICER)
        return 0;
    size_t before = errs->n;
    struct value unset = {.null = true};
    struct value no = {.i = 0};
    for (size_t i = 0; i < rec->res->nfields; i++) {
        const struct field *f = &rec->res->fields[i];
        if (!(f->flags & F_STAFF_WRITES))
            continue;
        /* On create, the starting value (null; false for a boolean) is no change. */
        const struct value *was = old ? &old->v[i] : f->type == FT_BOOL ? &no : &unset;
        if (!same_value(f, &rec->v[i], was))
            errors_add(errs, f->name,
                       "is the ministry's to set (officers and administrators): your role "
                       "(%s) may not set or change it",
                       role_name(who->role));
    }
    if (errs->n == before)
        return 0;
    error_set(msg, "some fields are the ministry's to set; see errors");
    return DOMAIN_FORBIDDEN;
}

int domain_may_create(struct store_conn *c, const struct principal *who, struct record *rec,
                      struct arena *a, struct errors *errs, struct error *msg)
{
    const struct resource *res = rec->res;
    enum grant g = principal_grant(who);
    if (admin_only(who, res))
        return error_set(msg, "only administrators may create %s", res->name), DOMAIN_FORBIDDEN;
    if (g == GRANT_ALL)
        return 0;
    if (g != GRANT_OWN || (res->access & RES_OWNER_READS_ONLY))
        return error_set(msg, "your role may not create %s", res->name), DOMAIN_FORBIDDEN;
    if (res->parent) {
        struct record *parent = parent_of(c, rec, a);
        if (!parent || !domain_may_see(c, who, parent, a))
            return error_set(msg, "no %s with that id", res->parent), STORE_NOT_FOUND;
        if (!owns(c, who, parent, a))
            return error_set(msg, "only ministry staff may add %s here", res->name),
                   DOMAIN_FORBIDDEN;
        return 0;
    }
    int oi = owner_index(res);
    if (oi < 0)
        return error_set(msg, "your role may not create %s", res->name), DOMAIN_FORBIDDEN;
    struct value *v = &rec->v[oi];
    if (v->null || (res->fields[oi].type == FT_REF_LIST && v->n <= 2)) {
        /* Left out: the record is the caller's organisation's. */
        if (res->fields[oi].type == FT_REF) {
            *v = (struct value){.i = who->org_id};
        } else {
            const char *s = arena_printf(a, "[%lld]", (long long)who->org_id);
            *v = (struct value){.s = s, .n = strlen(s)};
        }
    }
    domain_check_owner(who, rec, errs);
    return errs->n ? DOMAIN_INVALID : 0;
}

bool domain_reads_internal(struct store_conn *c, const struct principal *who,
                           const struct record *rec, struct arena *a)
{
    return principal_grant(who) == GRANT_ALL || owns(c, who, rec, a);
}

/* Whether res declares fields only the ministry reads (F_STAFF_READS). */
static bool has_staff_fields(const struct resource *res)
{
    for (size_t i = 0; i < res->nfields; i++)
        if (res->fields[i].flags & F_STAFF_READS)
            return true;
    return false;
}

/* Whether q filters or sorts by a field only the ministry reads: the answer would tell. */
static bool uses_staff_fields(const struct resource *res, const struct list_query *q)
{
    for (size_t i = 0; i < q->nfilters; i++)
        if (q->filters[i].field >= 0 && (res->fields[q->filters[i].field].flags & F_STAFF_READS))
            return true;
    return q->sort >= 0 && (res->fields[q->sort].flags & F_STAFF_READS);
}

int domain_list_scope(const struct principal *who, const struct resource *res, struct list_query *q)
{
    enum grant g = principal_grant(who);
    if (g != GRANT_ALL && uses_staff_fields(res, q))
        return DOMAIN_LIST_STAFF_FIELD;
    if (g != GRANT_ALL && res->internal_flag) { /* the ministry's only records left out */
        if (q->nfilters == ARRAY_SIZE(q->filters))
            return -1;
        q->filters[q->nfilters++] =
            (struct filter){.field = resource_field_index(res, res->internal_flag), .v = {.i = 0}};
    }
    switch (g) {
    case GRANT_ALL:
        return 0;
    case GRANT_PUBLIC:
        if (!res->public_flag && !res->public_via)
            return -1;
        q->only_public = true;
        q->hide_internal = res->public_via != NULL || has_staff_fields(res);
        return 0;
    case GRANT_OWN:
        if (res->access & RES_REFERENCE)
            return 0;
        if (res->owner && who->org_id > 0) {
            q->scope_org = who->org_id;
            q->or_public = res->public_flag || res->public_via;
            q->hide_internal = res->public_via != NULL || has_staff_fields(res);
            return 0;
        }
        if (res->public_flag || res->public_via) {
            q->only_public = true;
            q->hide_internal = res->public_via != NULL || has_staff_fields(res);
            return 0;
        }
        return -1;
    default:
        return -1;
    }
}

bool domain_sub_list_scope(struct store_conn *c, const struct principal *who,
                           const struct resource *res, int64_t parent_id, struct list_query *q,
                           struct arena *a)
{
    assert(res->parent);
    if (principal_grant(who) == GRANT_ALL)
        return true;
    const struct resource *pres = resource_find(str_from(res->parent));
    struct record *parent;
    bool owner =
        pres && store_get(c, pres, parent_id, a, &parent) == STORE_OK && owns(c, who, parent, a);
    /* The store blanks both kinds together: a sub-resource declaring F_STAFF_READS would
     * hide its F_INTERNAL values from the owner too (none does). */
    q->hide_internal = !owner || has_staff_fields(res);
    return !q->hide_internal;
}
