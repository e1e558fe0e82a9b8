/*
 * Unit tests of src/http/encoding.c's pure parts: If-None-Match against an ETag as RFC
 * 9110 13.1.2 reads it (*, lists, weak comparison, malformed fields), and which content
 * types are worth compressing. The rest (Accept-Encoding, 304s, gzip on the wire) is
 * tested against the real server in tests/api/http_encoding.test.mjs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/encoding.h"

static void test_the_current_tag_matches_in_any_list_position_and_form(void **state)
{
    static const char *const matching[] = {
        "\"3\"", "W/\"3\"", "\"1\", \"3\"", "\"1\",\"3\"", " \"1\" ,\tW/\"3\" , \"9\"", "*",
        " * ",
    };
    for (size_t i = 0; i < ARRAY_SIZE(matching); i++)
        if (!enc_etag_none_match(matching[i], "\"3\""))
            fail_msg("If-None-Match: %s did not match \"3\"", matching[i]);
    /* Weak comparison: a weak current tag matches a strong one with the same opaque tag. */
    assert_true(enc_etag_none_match("\"3\"", "W/\"3\""));
    assert_true(enc_etag_none_match("W/\"3\"", "W/\"3\""));
}

static void test_other_tags_and_malformed_fields_never_match(void **state)
{
    static const char *const other[] = {
        "\"33\"", "\"\"", "3", "W/3", "\"3", "\"1\" \"3\"", "\"1\", 3, \"3\"", "", ",", "w/\"3\"",
        "**",
    };
    for (size_t i = 0; i < ARRAY_SIZE(other); i++)
        if (enc_etag_none_match(other[i], "\"3\""))
            fail_msg("If-None-Match: %s matched \"3\"", other[i]);
    assert_false(enc_etag_none_match(NULL, "\"3\""));
    assert_false(enc_etag_none_match("*", NULL));
}

static void test_json_csv_and_calendars_are_compressible_files_are_not(void **state)
{
    assert_true(enc_compressible("application/json"));
    assert_true(enc_compressible("application/problem+json"));
    assert_true(enc_compressible("text/csv; charset=utf-8; header=present"));
    assert_true(enc_compressible("text/calendar; charset=utf-8"));
    assert_true(enc_compressible("Application/JSON"));
    assert_false(enc_compressible(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    assert_false(enc_compressible("application/pdf"));
    assert_false(enc_compressible("image/png"));
    assert_false(enc_compressible("text/plain; charset=utf-8"));
    assert_false(enc_compressible("application/jsonx"));
    assert_false(enc_compressible(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_current_tag_matches_in_any_list_position_and_form),
        cmocka_unit_test(test_other_tags_and_malformed_fields_never_match),
        cmocka_unit_test(test_json_csv_and_calendars_are_compressible_files_are_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
