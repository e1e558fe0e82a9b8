/*
 * Comments on records (issue 17): an officer, or a representative of the organisation a
 * record belongs to, leaves a note on an organisation, an application, a proposal ... It
 * shows on the record's page and in the organisation's timeline. The organisations a
 * comment belongs to are those of its record (organisation_ids, set by the server), so an
 * NGO sees the comments on its own records and never another's; an officer's comment
 * marked internal is the ministry's only (.internal_flag). A comment stays as written:
 * nothing in it changes after creation, and only the ministry removes one.
 */
#include "domain/domain.h"
#include "domain/engagement.h"
#include "domain/access.h"
#include "core/limits.h"

#include <assert.h>
#include <string.h>

/* What may carry comments: records an organisation can own, and the ministry's own. */
static const char *const commentable[] = {"organisations", "people",   "accreditations",
                                          "applications",  "proposals", "reports",
                                          "meetings",      "documents", "delegations",
                                          "incidents",     "working-groups", NULL};

static const struct field comment_fields[] = {
    {"about", FT_ENUM, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, 0, commentable, NULL},
    {"record_id", FT_INT, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 1, INT64_MAX, NULL, NULL},
    {"organisation_ids", FT_REF_LIST, F_READONLY | F_FILTER, 0, 20, NULL, "organisations"},
    {"text", FT_TEXT, F_REQUIRED | F_CREATE_ONLY, 1, LIMIT_TEXT_MEDIUM * 2, NULL, NULL},
    {"internal", FT_BOOL, F_FILTER | F_CREATE_ONLY | F_STAFF_WRITES, 0, 0, NULL, NULL},
    {"author", FT_EMAIL, F_READONLY | F_FILTER, 0, 0, NULL, NULL},
};

/* The owners of target as a JSON array of ids (arena), and whether org is one of them. */
static const char *owners_of(const struct record *target, int64_t org, bool *has, struct arena *a)
{
    const struct resource *res = target->res;
    *has = false;
    if (!res->owner)
        return "[]";
    if (strcmp(res->owner, "id") == 0) {
        *has = target->id == org;
        return arena_printf(a, "[%lld]", (long long)target->id);
    }
    int oi = resource_field_index(res, res->owner);
    const struct value *v = &target->v[oi];
    if (v->null)
        return "[]";
    if (res->fields[oi].type == FT_REF) {
        *has = v->i == org;
        return arena_printf(a, "[%lld]", (long long)v->i);
    }
    json_t *arr = json_loadb(v->s, v->n, 0, NULL);
    size_t k;
    json_t *item;
    json_array_foreach(arr, k, item) *has |= json_integer_value(item) == org;
    json_decref(arr);
    return arena_strndup(a, v->s, v->n);
}

/* On create: the record commented on exists and the caller may see it (an NGO: it is its
 * organisation's); the comment belongs to that record's organisations; the author is the
 * caller. */
static void comment_validate(const struct hook_ctx *ctx, struct record *rec,
                             const struct record *old, struct errors *errs)
{
    if (old)
        return; /* nothing changes after creation (F_CREATE_ONLY) */
    const struct value *about = record_val(rec, "about");
    int64_t id = record_val(rec, "record_id")->i;
    const struct resource *target = resource_find((struct str){about->s, about->n});
    struct record *t;
    if (!target || store_get(ctx->conn, target, id, ctx->arena, &t) != STORE_OK ||
        (ctx->who && !domain_may_see(ctx->conn, ctx->who, t, ctx->arena))) {
        errors_add(errs, "record_id", "no %s with id %lld", target ? target->singular : "record",
                   (long long)id);
        return;
    }
    bool staff = !ctx->who || principal_grant(ctx->who) == GRANT_ALL;
    bool own = false;
    const char *owners = owners_of(t, ctx->who ? ctx->who->org_id : 0, &own, ctx->arena);
    if (!staff && !own) {
        errors_add(errs, "record_id", "is not your organisation's: you may comment on its records only");
        return;
    }
    *record_val(rec, "organisation_ids") = (struct value){.s = owners, .n = strlen(owners)};
    const char *author = ctx->who && ctx->who->email ? ctx->who->email : NULL;
    struct value *a = record_val(rec, "author");
    *a = author ? (struct value){.s = arena_strdup(ctx->arena, author), .n = strlen(author)}
                : (struct value){.null = true};
}

/* author_name: the author's name as the accounts know it, so a thread reads as people. */
static void comment_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    int ai = resource_field_index(rec->res, "author");
    if (!ctx || !ctx->conn || rec->v[ai].null)
        return;
    struct user u;
    if (store_user_by_email(ctx->conn, rec->v[ai].s, ctx->arena, &u) == STORE_OK && u.name &&
        *u.name)
        jw_kstr(w, "author_name", u.name);
}

const struct resource res_comments = {
    .name = "comments",
    .table = "comments",
    .singular = "comment",
    .fields = comment_fields,
    .nfields = ARRAY_SIZE(comment_fields),
    .owner = "organisation_ids",
    .access = RES_OWNER_ADDS_ONLY,
    .internal_flag = "internal",
    .validate = comment_validate,
    .computed = comment_computed,
};
