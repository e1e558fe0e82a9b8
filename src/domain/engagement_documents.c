/*
 * Declarations of documents (DESIGN §3): a statement, transcript, minutes… published to
 * everyone when the ministry publishes it, its versions in each language (translations),
 * and its attachments (the bytes themselves: engagement_attach.c).
 */
#include "domain/engagement.h"
#include "core/limits.h"

#include <stdio.h>
#include <string.h>

/* ---- documents ---------------------------------------------------------------------- */

static const char *const document_kinds[] = {"statement", "transcript", "minutes", "letter",
                                             "report",    "other",      NULL};

/* Publishing without a date stamps it now. */
static void document_validate(const struct hook_ctx *ctx, struct record *rec,
                              const struct record *old, struct errors *errs)
{
    if (record_val(rec, "published")->i && record_val(rec, "published_at")->null) {
        char now[21];
        time_rfc3339(now_unix(), now);
        record_set_text(rec, "published_at", now, ctx->arena);
    }
}

/* "titles": {"en": "...", "ru": "..."} — the document in each language it exists in. */
static const struct computed_field document_computed_fields[] = {
    {"titles", "object", NULL, CF_OPTIONAL,
     "the title in each language version: {\"en\": …, \"ru\": …}"},
};

static void document_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    if (!ctx || !ctx->conn)
        return;
    int di = resource_field_index(&res_document_translations, "document_id");
    struct list_query q = {.sort = -1, .limit = LIMIT_LIST_MAX, .nfilters = 1};
    q.filters[0] = (struct filter){.field = di, .v = {.i = rec->id}};
    struct list_result lr = {0};
    struct error err = ERROR_INIT;
    jw_key(w, "titles");
    jw_obj(w);
    if (store_list(ctx->conn, &res_document_translations, &q, ctx->arena, &lr, &err) == 0)
        for (size_t i = 0; i < lr.n; i++)
            jw_kstr(w, record_text(lr.items[i], "lang"), record_text(lr.items[i], "title"));
    jw_obj_end(w);
}

static const struct field document_fields[] = {
    {"kind", FT_ENUM, F_REQUIRED | F_FILTER | F_SORT, 0, 0, document_kinds, NULL},
    {"organisation_id", FT_REF, F_FILTER, 0, 0, NULL, "organisations"},
    {"meeting_id", FT_REF, F_FILTER, 0, 0, NULL, "meetings"},
    {"report_id", FT_REF, F_FILTER, 0, 0, NULL, "reports"},
    {"published", FT_BOOL, F_FILTER | F_STAFF_WRITES, 0, 0, NULL, NULL},
    {"published_at", FT_DATETIME, F_SORT | F_STAFF_WRITES, 0, 0, NULL, NULL},
};

static const struct list_param document_params[] = {
    {"lang", P_CHILD, "lang", "document_translations", NULL},
};

const struct resource res_documents = {
    .name = "documents",
    .table = "documents",
    .singular = "document",
    .fields = document_fields,
    .nfields = ARRAY_SIZE(document_fields),
    .owner = "organisation_id",
    .public_flag = "published",
    .validate = document_validate,
    .computed = document_computed,
    .computed_fields = document_computed_fields,
    .ncomputed = ARRAY_SIZE(document_computed_fields),
    .params = document_params,
    .nparams = ARRAY_SIZE(document_params),
};

static const struct field translation_fields[] = {
    {"document_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "documents"},
    {"lang", FT_LANG, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"title", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT * 2, NULL, NULL},
    {"body", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_LONG, NULL, NULL},
};

const struct resource res_document_translations = {
    .name = "document_translations",
    .table = "document_translations",
    .singular = "translation",
    .fields = translation_fields,
    .nfields = ARRAY_SIZE(translation_fields),
    .parent = "documents",
    .parent_field = "document_id",
    .path = "translations",
};

static void attachment_validate(const struct hook_ctx *ctx, struct record *rec,
                                const struct record *old, struct errors *errs)
{
    const struct value *v = record_val(rec, "filename");
    const char *why = v->null ? NULL : attachment_filename_problem(v->s, v->n);
    if (why)
        errors_add(errs, "filename", "%s", why);
}

static const struct computed_field attachment_computed_fields[] = {
    {"content_url", "string", "uri-reference", 0, "where the bytes are: GET it to download"},
};

/* Where the bytes are: GET it to download. */
static void attachment_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "/api/v1/documents/%lld/attachments/%lld/content",
               (long long)record_val(rec, "document_id")->i, (long long)rec->id);
    jw_kstr(w, "content_url", b.p);
    buf_release(&b);
}

static const struct field attachment_fields[] = {
    {"document_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "documents"},
    {"filename", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"content_type", FT_TEXT, F_READONLY | F_FILTER, 0, 128, NULL, NULL},
    {"size", FT_INT, F_READONLY | F_SORT, 0, 0, NULL, NULL},
    {"sha256", FT_TEXT, F_READONLY | F_FILTER, 0, 64, NULL, NULL},
};

const struct resource res_document_attachments = {
    .name = "document_attachments",
    .table = "document_attachments",
    .singular = "attachment",
    .fields = attachment_fields,
    .nfields = ARRAY_SIZE(attachment_fields),
    .parent = "documents",
    .parent_field = "document_id",
    .path = "attachments",
    .validate = attachment_validate,
    .computed = attachment_computed,
    .computed_fields = attachment_computed_fields,
    .ncomputed = ARRAY_SIZE(attachment_computed_fields),
};
