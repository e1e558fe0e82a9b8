/*
 * Unit tests of src/core/valid.c: countries and languages from iso-codes, e-mail
 * addresses and http(s) URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/limits.h"
#include "core/valid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static struct str S(const char *s) {
    return str_from(s);
}

static void
expect_all(bool (*fn)(struct str), const char *const *list, size_t n, bool want)
{
    for (size_t i = 0; i < n; i++)
        if (fn(S(list[i])) != want)
            fail_msg("\"%s\" should be %s", list[i], want ? "accepted" : "refused");
}

/* ---- countries ---------------------------------------------------------------------- */

static void test_country_accepts_assigned_upper_case_codes(void **state)
{
    static const char *const ok[] = {"RU", "FR", "US", "GB", "DE", "CN", "UA", "KZ", "AD", "ZW"};
    expect_all(valid_country, ok, ARRAY_SIZE(ok), true);
}

static void test_country_refuses_unassigned_lower_case_and_wrong_length(void **state)
{
    static const char *const bad[] = {"XX", "ru", "Ru", "rU", "R",  "RUS", "",
                                      "R1", "  ", "UK", "EU", "ZZ", "AA",  "R\xD0"};
    expect_all(valid_country, bad, ARRAY_SIZE(bad), false);
}

static void test_country_refuses_code_with_embedded_nul(void **state)
{
    assert_false(valid_country((struct str){"R\0", 2}));
}

static void test_country_reads_only_the_view(void **state)
{
    assert_true(valid_country((struct str){"RUS", 2}));
}

static void test_country_list_is_the_full_iso_3166_list(void **state)
{
    size_t n = country_count();
    assert_true(n >= 245 && n <= 255); /* iso-codes has 249 */
    for (size_t i = 0; i < n; i++) {
        const char *code = country_code_at(i);
        assert_non_null(code);
        assert_int_equal(strlen(code), 2);
        assert_true(isupper((unsigned char)code[0]) && isupper((unsigned char)code[1]));
        assert_true(valid_country(S(code)));
        if (i > 0)
            assert_true(strcmp(country_code_at(i - 1), code) < 0); /* sorted, unique */
    }
    assert_null(country_code_at(n));
}

static void test_country_name_gives_english_name(void **state)
{
    assert_string_equal(country_name(S("FR")), "France");
    assert_string_equal(country_name(S("RU")), "Russian Federation");
    assert_null(country_name(S("XX")));
    assert_null(country_name(S("fr")));
}

/* ---- languages ---------------------------------------------------------------------- */

static void test_lang_accepts_iso_639_1_lower_case(void **state)
{
    static const char *const ok[] = {"en", "ru", "fr", "de", "zh", "ar", "uk", "kk"};
    expect_all(valid_lang, ok, ARRAY_SIZE(ok), true);
}

static void test_lang_refuses_upper_case_three_letter_and_unknown(void **state)
{
    static const char *const bad[] = {"EN", "En", "eng", "rus", "e", "", "xx", "qq", "e1"};
    expect_all(valid_lang, bad, ARRAY_SIZE(bad), false);
}

/* ---- e-mail ------------------------------------------------------------------------- */

static void test_email_accepts_ordinary_addresses(void **state)
{
    static const char *const ok[] = {"a@b.co", "info@memo.ru", "first.last+tag@example.org",
                                     "o'brien@mail.example.ie", "x_y-z@sub.domain.example.com"};
    expect_all(valid_email, ok, ARRAY_SIZE(ok), true);
}

static void test_email_refuses_malformed_addresses(void **state)
{
    static const char *const bad[] = {
        "",
        "a",
        "@example.org",
        "info@",
        "info@example", /* no dot in the domain */
        "info@@example.org",
        "in@fo@example.org",
        "in fo@example.org",
        "info@exa mple.org",
        " info@example.org",
        "info@example.org ",
        "info@example..org",
        "info@.example.org",
        "info@example.org.",
        "info@-example.org",
        "info@example.org-",
        "<info@example.org>",
        "info@example.org,other@example.org",
        "\"quoted\"@example.org",
        "info@[127.0.0.1]",
        "info\n@example.org",
        "a@b.c\x7f",
    };
    expect_all(valid_email, bad, ARRAY_SIZE(bad), false);
}

static void test_email_refuses_overlong_local_part_and_address(void **state)
{
    char local[80], addr[300];
    memset(local, 'a', 65);
    local[65] = '\0';
    snprintf(addr, sizeof(addr), "%s@example.org", local);
    assert_false(valid_email(S(addr)));
    local[64] = '\0';
    snprintf(addr, sizeof(addr), "%s@example.org", local);
    assert_true(valid_email(S(addr)));

    /* 64 + 1 + 190 = 255 bytes: one past LIMIT_EMAIL */
    char dom[200];
    memset(dom, 'd', 186);
    memcpy(dom + 186, ".org", 5);
    snprintf(addr, sizeof(addr), "%s@%s", local, dom);
    assert_int_equal(strlen(addr), LIMIT_EMAIL + 1);
    assert_false(valid_email(S(addr)));
    memcpy(dom + 185, ".org", 5); /* one byte shorter: exactly the limit */
    snprintf(addr, sizeof(addr), "%s@%s", local, dom);
    assert_int_equal(strlen(addr), LIMIT_EMAIL);
    assert_true(valid_email(S(addr)));
}

/* ---- URLs --------------------------------------------------------------------------- */

static void test_url_accepts_http_and_https(void **state)
{
    static const char *const ok[] = {
        "https://memo.ru",
        "http://example.org/",
        "https://example.org/path/to?q=1&r=2#frag",
        "https://example.org:8443/x",
        "https://user@example.org/",
        "https://пример.рф/путь",
        "http://127.0.0.1:8080/healthz",
    };
    expect_all(valid_http_url, ok, ARRAY_SIZE(ok), true);
}

static void test_url_refuses_javascript_and_other_schemes(void **state)
{
    static const char *const bad[] = {
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "javascript://example.org/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/",
        "file:///etc/passwd",
        "mailto:info@example.org",
        "//example.org/",
        "example.org",
        " https://example.org",
        "https:example.org",
        "http:/example.org",
    };
    expect_all(valid_http_url, bad, ARRAY_SIZE(bad), false);
}

static void test_url_refuses_missing_host(void **state)
{
    static const char *const bad[] = {"https://",      "http://",
                                      "https:///path", "https://?q",
                                      "https://#x",    "https://.example.org",
                                      "https://:80/",  "https://@example.org"};
    expect_all(valid_http_url, bad, ARRAY_SIZE(bad), false);
}

static void test_url_refuses_spaces_and_controls_in_host(void **state)
{
    static const char *const bad[] = {"https://exa mple.org",    "https://example.org ",
                                      "https://example.org\n",   "https://exa\tmple.org",
                                      "https://example.org\x7f", "https://exa\"mple.org",
                                      "https://<example>.org"};
    expect_all(valid_http_url, bad, ARRAY_SIZE(bad), false);
}

static void test_url_refuses_spaces_and_controls_after_host(void **state)
{
    static const char *const bad[] = {
        "https://example.org/a b",
        "https://example.org/?q=a b",
        "https://example.org/#a b",
        "https://example.org/\n",
        "https://example.org/\r\nSet-Cookie: x=1",
        "https://example.org/\t",
        "https://example.org/\"onmouseover=\"alert(1)",
        "https://example.org/<script>",
        "https://example.org/a\\b",
    };
    expect_all(valid_http_url, bad, ARRAY_SIZE(bad), false);
}

static void test_url_refuses_longer_than_limit(void **state)
{
    char url[LIMIT_URL_FIELD + 10];
    const char *head = "https://example.org/";
    size_t hl = strlen(head);
    memcpy(url, head, hl);
    memset(url + hl, 'a', LIMIT_URL_FIELD - hl);
    url[LIMIT_URL_FIELD] = '\0';
    assert_true(valid_http_url(S(url)));
    url[LIMIT_URL_FIELD] = 'a';
    url[LIMIT_URL_FIELD + 1] = '\0';
    assert_false(valid_http_url(S(url)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_country_accepts_assigned_upper_case_codes),
        cmocka_unit_test(test_country_refuses_unassigned_lower_case_and_wrong_length),
        cmocka_unit_test(test_country_refuses_code_with_embedded_nul),
        cmocka_unit_test(test_country_reads_only_the_view),
        cmocka_unit_test(test_country_list_is_the_full_iso_3166_list),
        cmocka_unit_test(test_country_name_gives_english_name),
        cmocka_unit_test(test_lang_accepts_iso_639_1_lower_case),
        cmocka_unit_test(test_lang_refuses_upper_case_three_letter_and_unknown),
        cmocka_unit_test(test_email_accepts_ordinary_addresses),
        cmocka_unit_test(test_email_refuses_malformed_addresses),
        cmocka_unit_test(test_email_refuses_overlong_local_part_and_address),
        cmocka_unit_test(test_url_accepts_http_and_https),
        cmocka_unit_test(test_url_refuses_javascript_and_other_schemes),
        cmocka_unit_test(test_url_refuses_missing_host),
        cmocka_unit_test(test_url_refuses_spaces_and_controls_in_host),
        cmocka_unit_test(test_url_refuses_spaces_and_controls_after_host),
        cmocka_unit_test(test_url_refuses_longer_than_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
