/*
 * Unit tests of src/resource/record.c against the real declarations of organisations and
 * people (src/domain/registry.c): validation of JSON input on create and patch, values
 * given as text, and the JSON written out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/limits.h"
#include "domain/domain.h"
#include "resource/resource.h"

#include <stdlib.h>
#include <string.h>

/* ---- fixture and helpers ------------------------------------------------------------ */

struct fx {
    struct arena a;
    struct errors errs;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    arena_init(&f->a);
    errors_init(&f->errs, &f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    arena_release(&f->a);
    free(f);
    return 0;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", text, je.text);
    return j;
}

/* Validates text as a new record of res; errors land in f->errs. */
static struct record *create(struct fx *f, const struct resource *res, const char *text)
{
    json_t *obj = parse(text);
    struct record *rec = record_new(res, &f->a);
    errors_init(&f->errs, &f->a);
    record_from_json(rec, obj, RECORD_CREATE, &f->a, &f->errs);
    json_decref(obj);
    return rec;
}

/* A valid new organisation, then text applied to a copy of it as a merge patch. */
static struct record *patch(struct fx *f, const struct record *stored, const char *text)
{
    json_t *obj = parse(text);
    struct record *rec = record_copy(stored, &f->a);
    errors_init(&f->errs, &f->a);
    record_from_json(rec, obj, RECORD_PATCH, &f->a, &f->errs);
    json_decref(obj);
    return rec;
}

static const struct value *val(const struct record *rec, const char *field)
{
    int i = resource_field_index(rec->res, field);
    if (i < 0)
        fail_msg("no field %s", field);
    return &rec->v[i];
}

static void expect_text(const struct record *rec, const char *field, const char *want)
{
    const struct value *v = val(rec, field);
    if (v->null)
        fail_msg("%s is null, expected \"%s\"", field, want);
    assert_int_equal(v->n, strlen(want));
    assert_memory_equal(v->s, want, v->n);
}

static void expect_no_errors(const struct fx *f)
{
    for (size_t i = 0; i < f->errs.n; i++)
        print_error("unexpected error: %s %s\n", f->errs.items[i].field, f->errs.items[i].message);
    assert_int_equal(f->errs.n, 0);
}

static size_t errors_on(const struct fx *f, const char *field)
{
    size_t n = 0;
    for (size_t i = 0; i < f->errs.n; i++)
        n += strcmp(f->errs.items[i].field, field) == 0;
    return n;
}

/* Exactly one error on field, and its message contains `part`. */
static void expect_error(const struct fx *f, const char *field, const char *part)
{
    for (size_t i = 0; i < f->errs.n; i++) {
        if (strcmp(f->errs.items[i].field, field) != 0)
            continue;
        if (!strstr(f->errs.items[i].message, part))
            fail_msg("%s: \"%s\" does not say \"%s\"", field, f->errs.items[i].message, part);
        assert_int_equal(errors_on(f, field), 1);
        return;
    }
    fail_msg("no error on %s (wanted \"%s\")", field, part);
}

/* {"name":"Test","country":"FR", <extra>} */
static struct record *org(struct fx *f, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof(text), "{\"name\":\"Test\",\"country\":\"FR\"%s%s}", extra[0] ? "," : "",
             extra);
    return create(f, &res_organisations, text);
}

/* A JSON string literal of n copies of the UTF-8 sequence u. Arena-owned. */
static const char *repeat(struct fx *f, const char *u, size_t n)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '"');
    for (size_t i = 0; i < n; i++)
        buf_puts(&b, u);
    buf_putc(&b, '"');
    char *s = arena_strndup(&f->a, b.p, b.n);
    buf_release(&b);
    return s;
}

/* ---- create: what is valid ---------------------------------------------------------- */

static void test_create_minimal_organisation_is_valid(void **state)
{
    struct fx *f = *state;
    struct record *rec = org(f, "");
    expect_no_errors(f);
    expect_text(rec, "name", "Test");
    expect_text(rec, "country", "FR");
    assert_true(val(rec, "city")->null);
    assert_true(val(rec, "areas")->null);
    assert_false(val(rec, "public")->null); /* booleans default to false, not null */
    assert_int_equal(val(rec, "public")->i, 0);
}

static void test_create_full_organisation_stores_every_value(void **state)
{
    struct fx *f = *state;
    struct record *rec = create(
        f, &res_organisations,
        "{\"name\":\"Мемориал\",\"name_en\":\"Memorial\",\"name_ru\":\"Мемориал\","
        "\"acronym\":\"HRC\",\"country\":\"RU\",\"city\":\"Москва\","
        "\"legal_form\":\"public_association\",\"registration_no\":\"1027700433771\","
        "\"founded_on\":\"1989-01-28\",\"website\":\"https://memo.ru/\","
        "\"email\":\"info@memo.ru\",\"phone\":\"+7 495 650 78 83\","
        "\"areas\":[\"human rights\",\"history\"],\"description\":\"Archive.\",\"public\":true}");
    expect_no_errors(f);
    expect_text(rec, "name", "Мемориал");
    expect_text(rec, "city", "Москва");
    expect_text(rec, "legal_form", "public_association");
    expect_text(rec, "founded_on", "1989-01-28");
    expect_text(rec, "website", "https://memo.ru/");
    expect_text(rec, "email", "info@memo.ru");
    expect_text(rec, "areas", "[\"human rights\",\"history\"]");
    assert_int_equal(val(rec, "public")->i, 1);
}

static void test_create_trims_surrounding_whitespace(void **state)
{
    struct fx *f = *state;
    struct record *rec =
        create(f, &res_organisations,
               "{\"name\":\"  Memorial \\t\\n\",\"country\":\" FR \",\"city\":\" Metz\"}");
    expect_no_errors(f);
    expect_text(rec, "name", "Memorial");
    expect_text(rec, "country", "FR");
    expect_text(rec, "city", "Metz");
}

/* ---- create: required, unknown and server fields ------------------------------------ */

static void test_create_missing_required_fields_names_each(void **state)
{
    struct fx *f = *state;
    create(f, &res_organisations, "{}");
    assert_int_equal(f->errs.n, 2);
    expect_error(f, "name", "is required");
    expect_error(f, "country", "is required");
}

static void test_create_null_required_field_is_reported_once(void **state)
{
    struct fx *f = *state;
    create(f, &res_organisations, "{\"name\":null,\"country\":\"FR\"}");
    assert_int_equal(f->errs.n, 1);
    expect_error(f, "name", "is required");
}

static void test_create_blank_required_name_is_refused(void **state)
{
    struct fx *f = *state;
    create(f, &res_organisations, "{\"name\":\"   \",\"country\":\"FR\"}");
    assert_int_equal(errors_on(f, "name"), 1);
    create(f, &res_organisations, "{\"name\":\"\",\"country\":\"FR\"}");
    assert_int_equal(errors_on(f, "name"), 1);
}

static void test_create_unknown_field_is_refused(void **state)
{
    struct fx *f = *state;
    org(f, "\"colour\":\"red\"");
    assert_int_equal(f->errs.n, 1);
    expect_error(f, "colour", "is not a field of organisation");
}

static void test_create_server_set_fields_are_refused(void **state)
{
    struct fx *f = *state;
    org(f, "\"id\":5,\"version\":3,\"created_at\":\"2024-01-01T00:00:00Z\","
           "\"updated_at\":\"2024-01-01T00:00:00Z\"");
    assert_int_equal(f->errs.n, 4);
    expect_error(f, "id", "set by the server");
    expect_error(f, "version", "set by the server");
    expect_error(f, "created_at", "set by the server");
    expect_error(f, "updated_at", "set by the server");
}

static void test_create_reports_every_bad_field_at_once(void **state)
{
    struct fx *f = *state;
    create(f, &res_organisations,
           "{\"country\":\"XX\",\"email\":\"nope\",\"website\":\"javascript:alert(1)\","
           "\"founded_on\":\"2023-02-29\",\"legal_form\":\"charity\",\"bogus\":1}");
    assert_int_equal(f->errs.n, 7);
    expect_error(f, "name", "is required");
    assert_int_equal(errors_on(f, "country"), 1);
    assert_int_equal(errors_on(f, "email"), 1);
    assert_int_equal(errors_on(f, "website"), 1);
    assert_int_equal(errors_on(f, "founded_on"), 1);
    assert_int_equal(errors_on(f, "legal_form"), 1);
    assert_int_equal(errors_on(f, "bogus"), 1);
}

/* ---- create: types ------------------------------------------------------------------ */

static void test_create_wrong_json_types_are_refused(void **state)
{
    struct fx *f = *state;
    create(f, &res_organisations,
           "{\"name\":5,\"country\":[\"FR\"],\"public\":\"yes\",\"areas\":\"culture\","
           "\"founded_on\":20200101,\"website\":true,\"legal_form\":{},\"city\":1.5}");
    expect_error(f, "name", "must be a string");
    expect_error(f, "country", "must be a string");
    expect_error(f, "public", "must be true or false");
    expect_error(f, "areas", "must be an array of strings");
    expect_error(f, "founded_on", "must be a string");
    expect_error(f, "website", "must be a string");
    expect_error(f, "legal_form", "must be a string");
    expect_error(f, "city", "must be a string");
    assert_int_equal(f->errs.n, 8);
}

static void test_create_boolean_accepts_only_true_and_false(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"1", "0", "\"true\"", "[]"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char extra[64];
        snprintf(extra, sizeof(extra), "\"public\":%s", bad[i]);
        org(f, extra);
        expect_error(f, "public", "must be true or false");
    }
    struct record *rec = org(f, "\"public\":false");
    expect_no_errors(f);
    assert_int_equal(val(rec, "public")->i, 0);
}

static void test_person_reference_must_be_positive_integer(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"\"1\"", "0", "-3", "1.5", "true", "[1]"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char text[128];
        snprintf(text, sizeof(text), "{\"full_name\":\"Ann\",\"organisation_id\":%s}", bad[i]);
        create(f, &res_people, text);
        expect_error(f, "organisation_id", "id of an existing record");
    }
    struct record *rec = create(f, &res_people, "{\"full_name\":\"Ann\",\"organisation_id\":5}");
    expect_no_errors(f);
    assert_false(val(rec, "organisation_id")->null);
    assert_int_equal(val(rec, "organisation_id")->i, 5);
}

/* ---- create: text lengths ----------------------------------------------------------- */

static void test_text_limit_counts_code_points_not_bytes(void **state)
{
    struct fx *f = *state;
    char text[2048];
    /* 200 Cyrillic letters are 400 bytes: within the 200 code point limit */
    snprintf(text, sizeof(text), "{\"name\":%s,\"country\":\"RU\"}",
             repeat(f, "Ж", LIMIT_TEXT_SHORT));
    struct record *rec = create(f, &res_organisations, text);
    expect_no_errors(f);
    assert_int_equal(val(rec, "name")->n, 2 * LIMIT_TEXT_SHORT);
    /* 200 emoji are 800 bytes */
    snprintf(text, sizeof(text), "{\"name\":%s,\"country\":\"RU\"}",
             repeat(f, "\xF0\x9F\x98\x80", LIMIT_TEXT_SHORT));
    create(f, &res_organisations, text);
    expect_no_errors(f);
}

static void test_text_one_code_point_over_limit_is_too_long(void **state)
{
    struct fx *f = *state;
    char text[2048];
    snprintf(text, sizeof(text), "{\"name\":%s,\"country\":\"RU\"}",
             repeat(f, "Ж", LIMIT_TEXT_SHORT + 1));
    create(f, &res_organisations, text);
    expect_error(f, "name", "is too long");
    snprintf(text, sizeof(text), "{\"name\":%s,\"country\":\"RU\"}",
             repeat(f, "a", LIMIT_TEXT_SHORT + 1));
    create(f, &res_organisations, text);
    expect_error(f, "name", "is too long");
    snprintf(text, sizeof(text), "{\"name\":%s,\"country\":\"RU\"}",
             repeat(f, "a", LIMIT_TEXT_SHORT));
    create(f, &res_organisations, text);
    expect_no_errors(f);
}

static void test_text_field_uses_its_own_limit(void **state)
{
    struct fx *f = *state;
    char extra[256];
    snprintf(extra, sizeof(extra), "\"acronym\":%s", repeat(f, "Я", 32));
    org(f, extra);
    expect_no_errors(f);
    snprintf(extra, sizeof(extra), "\"acronym\":%s", repeat(f, "Я", 33));
    org(f, extra);
    expect_error(f, "acronym", "is too long");
}

static void test_text_length_is_measured_after_trimming(void **state)
{
    struct fx *f = *state;
    char extra[256];
    snprintf(extra, sizeof(extra), "\"acronym\":\"  %s  \"", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
    struct record *rec = org(f, extra);
    expect_no_errors(f);
    expect_text(rec, "acronym", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
}

static void test_invalid_utf8_value_is_refused(void **state)
{
    struct fx *f = *state;
    json_t *obj = parse("{\"country\":\"FR\"}");
    json_object_set_new(obj, "name", json_stringn_nocheck("bad \xC0\xAF", 6));
    struct record *rec = record_new(&res_organisations, &f->a);
    record_from_json(rec, obj, RECORD_CREATE, &f->a, &f->errs);
    json_decref(obj);
    expect_error(f, "name", "UTF-8");
}

/* ---- create: formats ---------------------------------------------------------------- */

static void test_invalid_country_is_refused(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"XX", "ru", "R", "RUS", "", "Russia"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char text[128];
        snprintf(text, sizeof(text), "{\"name\":\"Test\",\"country\":\"%s\"}", bad[i]);
        create(f, &res_organisations, text);
        expect_error(f, "country", "ISO 3166-1");
    }
}

static void test_bad_email_is_refused(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"info", "info@", "@memo.ru", "in fo@memo.ru", "info@memo", "a@@memo.ru"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "\"email\":\"%s\"", bad[i]);
        org(f, extra);
        expect_error(f, "email", "e-mail");
    }
    create(f, &res_people, "{\"full_name\":\"Ann\",\"email\":\"ann@example\"}");
    expect_error(f, "email", "e-mail");
}

static void test_bad_url_is_refused(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"javascript:alert(1)", "ftp://memo.ru",   "memo.ru", "https://",
                         "https://memo.ru/a b", "https://me mo.ru"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "\"website\":\"%s\"", bad[i]);
        org(f, extra);
        expect_error(f, "website", "http");
    }
    struct record *rec = org(f, "\"website\":\"http://memo.ru/en?x=1#top\"");
    expect_no_errors(f);
    expect_text(rec, "website", "http://memo.ru/en?x=1#top");
}

static void test_bad_date_is_refused(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"2023-02-29", "1900-02-29", "2024-04-31",          "0000-01-01",
                         "29.02.2024", "2024-2-29",  "2024-02-29T00:00:00Z"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "\"founded_on\":\"%s\"", bad[i]);
        org(f, extra);
        expect_error(f, "founded_on", "date that exists");
    }
    struct record *rec = org(f, "\"founded_on\":\"2000-02-29\"");
    expect_no_errors(f);
    expect_text(rec, "founded_on", "2000-02-29");
}

static void test_enum_accepts_only_declared_values(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"Foundation", "charity", "", "foundation,union"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "\"legal_form\":\"%s\"", bad[i]);
        org(f, extra);
        expect_error(f, "legal_form", "not one of the allowed values");
    }
    /* trailing space is trimmed like any text */
    struct record *rec = org(f, "\"legal_form\":\"foundation \"");
    expect_no_errors(f);
    expect_text(rec, "legal_form", "foundation");
}

/* ---- create: list fields ------------------------------------------------------------ */

static void test_list_is_stored_as_canonical_json(void **state)
{
    struct fx *f = *state;
    struct record *rec = org(f, "\"areas\":[ \"  human rights \" , \"образование\",\"<b>\"]");
    expect_no_errors(f);
    expect_text(rec, "areas", "[\"human rights\",\"образование\",\"\\u003cb\\u003e\"]");
    rec = org(f, "\"areas\":[]");
    expect_no_errors(f);
    expect_text(rec, "areas", "[]");
}

static void test_list_with_too_many_items_is_refused(void **state)
{
    struct fx *f = *state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "\"areas\":[");
    for (int i = 0; i < 21; i++)
        buf_printf(&b, "%s\"area %d\"", i ? "," : "", i);
    buf_putc(&b, ']');
    org(f, b.p);
    expect_error(f, "areas", "too many items");
    buf_reset(&b);
    buf_puts(&b, "\"areas\":[");
    for (int i = 0; i < 20; i++)
        buf_printf(&b, "%s\"area %d\"", i ? "," : "", i);
    buf_putc(&b, ']');
    org(f, b.p);
    expect_no_errors(f);
    buf_release(&b);
}

static void test_list_with_non_string_items_is_refused(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"[1]", "[\"a\",null]", "[[\"a\"]]", "[{\"a\":1}]", "[true]"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "\"areas\":%s", bad[i]);
        org(f, extra);
        expect_error(f, "areas", "array of strings");
    }
}

static void test_list_with_empty_string_is_refused(void **state)
{
    struct fx *f = *state;
    org(f, "\"areas\":[\"culture\",\"\"]");
    expect_error(f, "areas", "empty strings");
    org(f, "\"areas\":[\"   \"]");
    expect_error(f, "areas", "empty strings");
}

static void test_list_item_longer_than_short_text_is_refused(void **state)
{
    struct fx *f = *state;
    char extra[1024];
    snprintf(extra, sizeof(extra), "\"areas\":[%s]", repeat(f, "д", LIMIT_TEXT_SHORT + 1));
    org(f, extra);
    expect_error(f, "areas", "too long");
    snprintf(extra, sizeof(extra), "\"areas\":[%s]", repeat(f, "д", LIMIT_TEXT_SHORT));
    org(f, extra);
    expect_no_errors(f);
}

/* ---- hooks of the foundation's resources -------------------------------------------- */

static void test_person_languages_must_be_iso_639_1_codes(void **state)
{
    struct fx *f = *state;
    struct record *rec =
        create(f, &res_people, "{\"full_name\":\"Ann\",\"languages\":[\"en\",\"xx\",\"RU\"]}");
    expect_no_errors(f);
    struct hook_ctx ctx = {.arena = &f->a};
    person_validate(&ctx, rec, NULL, &f->errs);
    assert_int_equal(f->errs.n, 2);
    assert_non_null(strstr(f->errs.items[0].message, "'xx'"));
    assert_non_null(strstr(f->errs.items[1].message, "'RU'"));
    rec = create(f, &res_people, "{\"full_name\":\"Ann\",\"languages\":[\"en\",\"ru\"]}");
    person_validate(&ctx, rec, NULL, &f->errs);
    expect_no_errors(f);
}

static void test_organisation_founded_in_the_future_is_refused(void **state)
{
    struct fx *f = *state;
    struct hook_ctx ctx = {.arena = &f->a};
    struct record *rec = org(f, "\"founded_on\":\"9999-12-31\"");
    expect_no_errors(f);
    organisation_validate(&ctx, rec, NULL, &f->errs);
    expect_error(f, "founded_on", "in the future");

    char today[11], extra[64];
    date_from_unix(now_unix(), today);
    snprintf(extra, sizeof(extra), "\"founded_on\":\"%s\"", today);
    rec = org(f, extra);
    organisation_validate(&ctx, rec, NULL, &f->errs);
    expect_no_errors(f);
}

/* ---- patch -------------------------------------------------------------------------- */

static struct record *stored_org(struct fx *f)
{
    struct record *rec = org(f, "\"city\":\"Metz\",\"areas\":[\"culture\"],\"public\":true");
    expect_no_errors(f);
    rec->id = 12;
    rec->version = 3;
    return rec;
}

static void test_patch_changes_only_given_fields(void **state)
{
    struct fx *f = *state;
    struct record *old = stored_org(f);
    struct record *rec = patch(f, old, "{\"city\":\"Lyon\"}");
    expect_no_errors(f);
    expect_text(rec, "city", "Lyon");
    expect_text(rec, "name", "Test");
    expect_text(rec, "areas", "[\"culture\"]");
    assert_int_equal(val(rec, "public")->i, 1);
    assert_int_equal(rec->id, 12);
    assert_int_equal(rec->version, 3);
    expect_text(old, "city", "Metz"); /* the stored record is untouched */
}

static void test_patch_null_clears_optional_field(void **state)
{
    struct fx *f = *state;
    struct record *rec = patch(f, stored_org(f), "{\"city\":null,\"areas\":null}");
    expect_no_errors(f);
    assert_true(val(rec, "city")->null);
    assert_true(val(rec, "areas")->null);
}

static void test_patch_null_on_required_field_is_refused(void **state)
{
    struct fx *f = *state;
    patch(f, stored_org(f), "{\"name\":null}");
    expect_error(f, "name", "is required");
    patch(f, stored_org(f), "{\"country\":null}");
    expect_error(f, "country", "is required");
}

static void test_patch_null_on_boolean_is_refused(void **state)
{
    struct fx *f = *state;
    patch(f, stored_org(f), "{\"public\":null}");
    expect_error(f, "public", "true or false");
}

static void test_patch_does_not_require_absent_required_fields(void **state)
{
    struct fx *f = *state;
    patch(f, stored_org(f), "{}");
    expect_no_errors(f);
    patch(f, stored_org(f), "{\"public\":false}");
    expect_no_errors(f);
}

static void test_patch_validates_like_create(void **state)
{
    struct fx *f = *state;
    patch(f, stored_org(f),
          "{\"country\":\"XX\",\"id\":1,\"colour\":\"red\",\"name\":\"\",\"areas\":[1]}");
    assert_int_equal(errors_on(f, "country"), 1);
    expect_error(f, "id", "set by the server");
    expect_error(f, "colour", "not a field");
    assert_int_equal(errors_on(f, "name"), 1);
    expect_error(f, "areas", "array of strings");
}

/* ---- value_from_text ---------------------------------------------------------------- */

static const struct field *field(const struct resource *res, const char *name)
{
    const struct field *fl = resource_field(res, name);
    if (!fl)
        fail_msg("no field %s in %s", name, res->name);
    return fl;
}

static int from_text(struct fx *f, const struct resource *res, const char *name, const char *text,
                     struct value *out, const char **why)
{
    return value_from_text(field(res, name), str_from(text), &f->a, out, why);
}

static void test_value_from_text_validates_country(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why = NULL;
    assert_int_equal(from_text(f, &res_organisations, "country", "FR", &v, &why), 0);
    assert_null(why);
    assert_false(v.null);
    assert_string_equal(v.s, "FR");
    assert_int_equal(from_text(f, &res_organisations, "country", "fr", &v, &why), -1);
    assert_non_null(strstr(why, "ISO 3166-1"));
}

static void test_value_from_text_parses_booleans(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why;
    const char *yes[] = {"true", "1"}, *no[] = {"false", "0"},
               *bad[] = {"yes", "TRUE", "", "2", " true"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(from_text(f, &res_organisations, "public", yes[i], &v, &why), 0);
        assert_int_equal(v.i, 1);
        assert_int_equal(from_text(f, &res_organisations, "public", no[i], &v, &why), 0);
        assert_int_equal(v.i, 0);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(from_text(f, &res_organisations, "public", bad[i], &v, &why), -1);
        assert_string_equal(why, "must be true or false");
    }
}

static void test_value_from_text_parses_reference_ids(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why;
    assert_int_equal(from_text(f, &res_people, "organisation_id", "42", &v, &why), 0);
    assert_int_equal(v.i, 42);
    const char *bad[] = {"0", "-1", "abc", "", "1.0", "99999999999999999999"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(from_text(f, &res_people, "organisation_id", bad[i], &v, &why), -1);
}

/* A latitude-like field, declared here so the test does not depend on other areas. */
static const struct field lat_field = {"lat", FT_REAL, 0, -90, 90, NULL, NULL};

static void test_value_from_text_refuses_real_out_of_range(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why;
    assert_int_equal(value_from_text(&lat_field, STR("55.75"), &f->a, &v, &why), 0);
    assert_true(v.r > 55.7 && v.r < 55.8);
    assert_int_equal(value_from_text(&lat_field, STR("-90"), &f->a, &v, &why), 0);
    assert_int_equal(value_from_text(&lat_field, STR("1000"), &f->a, &v, &why), -1);
    assert_string_equal(why, "is out of range");
    assert_int_equal(value_from_text(&lat_field, STR("-91"), &f->a, &v, &why), -1);
    const char *loose[] = {" 5", "+5", "0x1p3", "inf", "nan", "5 ", "1e", "--1"};
    for (size_t i = 0; i < ARRAY_SIZE(loose); i++)
        assert_int_equal(value_from_text(&lat_field, str_from(loose[i]), &f->a, &v, &why), -1);
}

static void test_text_with_control_characters_is_refused(void **state)
{
    struct fx *f = *state;
    create(f, &res_organisations, "{\"name\":\"a\\u001bb\",\"country\":\"RU\"}");
    assert_int_equal(f->errs.n, 1);
    assert_string_equal(f->errs.items[0].field, "name");
    assert_string_equal(f->errs.items[0].message, "contains control characters");
    create(f, &res_organisations,
           "{\"name\":\"ok\",\"country\":\"RU\",\"description\":\"line one\\nline\\ttwo\"}");
    assert_int_equal(f->errs.n, 0);
}

static void test_value_from_text_validates_dates_emails_and_enums(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why;
    assert_int_equal(from_text(f, &res_organisations, "founded_on", "2024-02-29", &v, &why), 0);
    assert_int_equal(from_text(f, &res_organisations, "founded_on", "2023-02-29", &v, &why), -1);
    assert_int_equal(from_text(f, &res_people, "email", "ann@example.org", &v, &why), 0);
    assert_int_equal(from_text(f, &res_people, "email", "ann", &v, &why), -1);
    assert_int_equal(from_text(f, &res_organisations, "legal_form", "union", &v, &why), 0);
    assert_int_equal(from_text(f, &res_organisations, "legal_form", "Union", &v, &why), -1);
}

static void test_value_from_text_on_list_field_validates_one_item(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why;
    assert_int_equal(from_text(f, &res_organisations, "areas", " culture ", &v, &why), 0);
    assert_string_equal(v.s, "culture");
    char long_item[LIMIT_TEXT_SHORT + 2];
    memset(long_item, 'x', LIMIT_TEXT_SHORT + 1);
    long_item[LIMIT_TEXT_SHORT + 1] = '\0';
    assert_int_equal(from_text(f, &res_organisations, "areas", long_item, &v, &why), -1);
}

static void test_value_from_text_refuses_invalid_utf8(void **state)
{
    struct fx *f = *state;
    struct value v;
    const char *why;
    assert_int_equal(value_from_text(field(&res_organisations, "city"), (struct str){"Mo\xD0", 3},
                                     &f->a, &v, &why),
                     -1);
    assert_non_null(strstr(why, "UTF-8"));
}

static void test_value_from_text_checks_numeric_ranges(void **state)
{
    /* no foundation resource has numeric fields yet: declare two here */
    struct fx *f = *state;
    const struct field count = {"count", FT_INT, 0, 1, 10, NULL, NULL};
    const struct field lat = {"lat", FT_REAL, 0, -90, 90, NULL, NULL};
    struct value v;
    const char *why;
    assert_int_equal(value_from_text(&count, STR("10"), &f->a, &v, &why), 0);
    assert_int_equal(v.i, 10);
    assert_int_equal(value_from_text(&count, STR("11"), &f->a, &v, &why), -1);
    assert_string_equal(why, "is out of range");
    assert_int_equal(value_from_text(&count, STR("ten"), &f->a, &v, &why), -1);
    assert_int_equal(value_from_text(&lat, STR("55.75"), &f->a, &v, &why), 0);
    assert_true(v.r > 55.74 && v.r < 55.76);
    assert_int_equal(value_from_text(&lat, STR("55.75x"), &f->a, &v, &why), -1);
    assert_int_equal(value_from_text(&lat, STR("nan"), &f->a, &v, &why), -1);
    assert_int_equal(value_from_text(&lat, STR("inf"), &f->a, &v, &why), -1);
    assert_int_equal(value_from_text(&lat, STR(""), &f->a, &v, &why), -1);
}

/* ---- JSON out ----------------------------------------------------------------------- */

static char *to_json(const struct record *rec)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    struct hook_ctx ctx = {0};
    record_to_json(&ctx, rec, &w);
    return buf_detach(&b);
}

static void test_record_to_json_has_id_fields_then_metadata(void **state)
{
    struct fx *f = *state;
    struct record *rec =
        create(f, &res_people, "{\"full_name\":\"Анна Петрова\",\"languages\":[\"ru\",\"en\"]}");
    expect_no_errors(f);
    rec->id = 7;
    rec->version = 2;
    memcpy(rec->created_at, "2024-02-29T12:00:00Z", 21);
    memcpy(rec->updated_at, "2024-03-01T08:30:00Z", 21);
    char *out = to_json(rec);
    json_t *j = parse(out);

    /* member order: id, every declared field, then the metadata */
    const char *keys[64];
    size_t n = 0;
    for (void *it = json_object_iter(j); it && n < 64; it = json_object_iter_next(j, it))
        keys[n++] = json_object_iter_key(it);
    assert_int_equal(n, 1 + res_people.nfields + 3);
    assert_string_equal(keys[0], "id");
    for (size_t i = 0; i < res_people.nfields; i++)
        assert_string_equal(keys[1 + i], res_people.fields[i].name);
    assert_string_equal(keys[n - 3], "created_at");
    assert_string_equal(keys[n - 2], "updated_at");
    assert_string_equal(keys[n - 1], "version");

    assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "full_name")), "Анна Петрова");
    assert_true(json_is_null(json_object_get(j, "organisation_id")));
    assert_true(json_is_null(json_object_get(j, "email")));
    assert_string_equal(json_string_value(json_object_get(j, "created_at")),
                        "2024-02-29T12:00:00Z");
    /* a list field is a JSON array, not a string holding JSON */
    assert_non_null(strstr(out, "\"languages\":[\"ru\",\"en\"]"));
    json_decref(j);
    free(out);
}

static void test_record_to_json_writes_types_of_organisation_fields(void **state)
{
    struct fx *f = *state;
    struct record *rec = org(f, "\"areas\":[\"culture\"],\"public\":true");
    rec->id = 1;
    char *out = to_json(rec);
    assert_non_null(strstr(out, "\"id\":1,\"name\":\"Test\","));
    assert_non_null(strstr(out, "\"areas\":[\"culture\"]"));
    assert_non_null(strstr(out, "\"public\":true"));
    assert_non_null(strstr(out, "\"city\":null"));
    free(out);
}

static void test_record_to_json_escapes_stored_text_for_html(void **state)
{
    struct fx *f = *state;
    struct record *rec =
        create(f, &res_organisations,
               "{\"name\":\"</script><script>alert(1)</script>\",\"country\":\"FR\"}");
    expect_no_errors(f);
    char *out = to_json(rec);
    assert_null(strstr(out, "<"));
    assert_null(strstr(out, ">"));
    json_t *j = parse(out);
    assert_string_equal(json_string_value(json_object_get(j, "name")),
                        "</script><script>alert(1)</script>");
    json_decref(j);
    free(out);
}

static void test_record_to_audit_json_omits_nulls(void **state)
{
    struct fx *f = *state;
    struct record *rec = org(f, "\"city\":\"Metz\"");
    rec->id = 4;
    rec->version = 1;
    struct buf b = BUF_INIT;
    record_to_audit_json(rec, &b);
    assert_string_equal(b.p, "{\"id\":4,\"version\":1,\"name\":\"Test\",\"country\":\"FR\","
                             "\"city\":\"Metz\",\"public\":false}");
    buf_release(&b);
}

/* ---- records and the registry ------------------------------------------------------- */

static void test_record_copy_is_independent_of_original(void **state)
{
    struct fx *f = *state;
    struct record *a = org(f, "\"city\":\"Metz\"");
    struct record *b = record_copy(a, &f->a);
    b->v[resource_field_index(b->res, "city")] = (struct value){.null = true};
    b->id = 99;
    expect_text(a, "city", "Metz");
    assert_int_equal(a->id, 0);
}

static void test_resource_find_matches_collection_names_exactly(void **state)
{
    assert_ptr_equal(resource_find(STR("organisations")), &res_organisations);
    assert_ptr_equal(resource_find(STR("people")), &res_people);
    assert_null(resource_find(STR("Organisations")));
    assert_null(resource_find(STR("organisation")));
    assert_null(resource_find(STR("")));
    assert_null(resource_find((struct str){"people", 5}));
    assert_int_equal(resource_field_index(&res_organisations, "nope"), -1);
    assert_null(resource_field(&res_people, "name"));
}

static void test_errors_grow_past_initial_capacity(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 100; i++)
        errors_add(&f->errs, "field", "problem %d", i);
    assert_int_equal(f->errs.n, 100);
    assert_string_equal(f->errs.items[0].message, "problem 0");
    assert_string_equal(f->errs.items[99].message, "problem 99");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_minimal_organisation_is_valid),
        T(test_create_full_organisation_stores_every_value),
        T(test_create_trims_surrounding_whitespace),
        T(test_create_missing_required_fields_names_each),
        T(test_create_null_required_field_is_reported_once),
        T(test_create_blank_required_name_is_refused),
        T(test_create_unknown_field_is_refused),
        T(test_create_server_set_fields_are_refused),
        T(test_create_reports_every_bad_field_at_once),
        T(test_create_wrong_json_types_are_refused),
        T(test_create_boolean_accepts_only_true_and_false),
        T(test_person_reference_must_be_positive_integer),
        T(test_text_limit_counts_code_points_not_bytes),
        T(test_text_one_code_point_over_limit_is_too_long),
        T(test_text_field_uses_its_own_limit),
        T(test_text_length_is_measured_after_trimming),
        T(test_invalid_utf8_value_is_refused),
        T(test_invalid_country_is_refused),
        T(test_bad_email_is_refused),
        T(test_bad_url_is_refused),
        T(test_bad_date_is_refused),
        T(test_enum_accepts_only_declared_values),
        T(test_list_is_stored_as_canonical_json),
        T(test_list_with_too_many_items_is_refused),
        T(test_list_with_non_string_items_is_refused),
        T(test_list_with_empty_string_is_refused),
        T(test_list_item_longer_than_short_text_is_refused),
        T(test_person_languages_must_be_iso_639_1_codes),
        T(test_organisation_founded_in_the_future_is_refused),
        T(test_patch_changes_only_given_fields),
        T(test_patch_null_clears_optional_field),
        T(test_patch_null_on_required_field_is_refused),
        T(test_patch_null_on_boolean_is_refused),
        T(test_patch_does_not_require_absent_required_fields),
        T(test_patch_validates_like_create),
        T(test_value_from_text_validates_country),
        T(test_value_from_text_parses_booleans),
        T(test_value_from_text_parses_reference_ids),
        T(test_value_from_text_validates_dates_emails_and_enums),
        T(test_value_from_text_refuses_real_out_of_range),
        T(test_text_with_control_characters_is_refused),
        T(test_value_from_text_on_list_field_validates_one_item),
        T(test_value_from_text_refuses_invalid_utf8),
        T(test_value_from_text_checks_numeric_ranges),
        T(test_record_to_json_has_id_fields_then_metadata),
        T(test_record_to_json_writes_types_of_organisation_fields),
        T(test_record_to_json_escapes_stored_text_for_html),
        T(test_record_to_audit_json_omits_nulls),
        T(test_record_copy_is_independent_of_original),
        T(test_resource_find_matches_collection_names_exactly),
        T(test_errors_grow_past_initial_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
