/*
 * Row-level access: who may see which record. The route table (src/http/routes.c) says
 * which role may call what; this says which records a caller may see among those.
 */
#include "domain/domain.h"

#include <string.h>

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
    json_t *arr = json_loadb(rec->v[i].s, rec->v[i].n, 0, NULL);
    bool found = false;
    size_t k;
    json_t *item;
    json_array_foreach(arr, k, item) found |= json_integer_value(item) == org;
    json_decref(arr);
    return found;
}

static bool is_public(const struct record *rec)
{
    const struct resource *res = rec->res;
    if (!res->public_flag)
        return false;
    int i = resource_field_index(res, res->public_flag);
    return i >= 0 && !rec->v[i].null && rec->v[i].i;
}

bool domain_may_see(struct store_conn *c, const struct principal *who,
                    const struct record *rec, struct arena *a)
{
    enum role role = who ? who->role : ROLE_ANON;
    if (role >= ROLE_OFFICER)
        return true;
    if (is_public(rec))
        return true;
    const struct resource *res = rec->res;
    if (res->parent) {
        const struct resource *pres = resource_find(str_from(res->parent));
        int pi = resource_field_index(res, res->parent_field);
        struct record *parent;
        if (!pres || pi < 0 || rec->v[pi].null ||
            store_get(c, pres, rec->v[pi].i, a, &parent) != STORE_OK)
            return false;
        return domain_may_see(c, who, parent, a);
    }
    if (role == ROLE_NGO)
        /* Reference data (no owner, no public flag) is for every signed-in user. */
        return (!res->owner && !res->public_flag) || owned_by(rec, who->org_id);
    return false;
}
