/*
 * Unit tests of the reminder thresholds, dates for people, preferences (src/domain/notify.c)
 * and the e-mail message format (src/io/mail.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/notify.h"
#include "io/mail.h"

#include <sodium.h>
#include <string.h>

static const char *label_on(const char *today, const char *due)
{
    int i = notify_threshold_for(today, due);
    return i < 0 ? "none" : notify_thresholds[i].label;
}

static void test_threshold_is_the_latest_reached(void **state)
{
    assert_string_equal(label_on("2028-03-02", "2028-06-01"), "none"); /* 91 days */
    assert_string_equal(label_on("2028-03-03", "2028-06-01"), "d90");  /* 90 days */
    assert_string_equal(label_on("2028-04-20", "2028-06-01"), "d90");
    assert_string_equal(label_on("2028-05-02", "2028-06-01"), "d30");
    assert_string_equal(label_on("2028-05-25", "2028-06-01"), "d7");
    assert_string_equal(label_on("2028-05-31", "2028-06-01"), "d1");
}

static void test_due_today_is_not_yet_overdue_the_day_after_is(void **state)
{
    assert_string_equal(label_on("2028-06-01", "2028-06-01"), "d1");
    assert_string_equal(label_on("2028-06-02", "2028-06-01"), "overdue");
    assert_string_equal(label_on("2031-01-01", "2028-06-01"), "overdue");
}

static void test_threshold_of_a_non_date_is_none(void **state)
{
    assert_int_equal(notify_threshold_for("2028-06-01", "soon"), -1);
    assert_int_equal(notify_threshold_for("2028-02-30", "2028-06-01"), -1);
}

static void test_date_add_crosses_months_and_leap_days(void **state)
{
    char out[11];
    notify_date_add("2028-02-28", 1, out);
    assert_string_equal(out, "2028-02-29");
    notify_date_add("2028-12-31", 90, out);
    assert_string_equal(out, "2029-03-31");
    notify_date_add("2028-03-01", -1, out);
    assert_string_equal(out, "2028-02-29");
}

static void test_date_for_a_person_in_russian_and_english(void **state)
{
    struct arena a = ARENA_INIT;
    assert_string_equal(notify_date_human("2028-06-01", "ru", &a), "1 июня 2028 г.");
    assert_string_equal(notify_date_human("2028-06-01", "en", &a), "1 June 2028");
    assert_string_equal(notify_date_human("2028-12-31", "ru", &a), "31 декабря 2028 г.");
    arena_release(&a);
}

static void test_officers_get_reminders_in_a_digest_unless_they_choose(void **state)
{
    struct notify_user officer = {.role = "officer", .kinds = "{}"};
    struct notify_user ngo = {.role = "ngo", .kinds = "{}"};
    assert_string_equal(notify_mode(&officer, "report_due"), "digest");
    assert_string_equal(notify_mode(&officer, "application_moved"), "immediate");
    assert_string_equal(notify_mode(&ngo, "report_due"), "immediate");
    struct notify_user chose = {.role = "officer", .kinds = "{\"report_due\":\"immediate\"}"};
    assert_string_equal(notify_mode(&chose, "report_due"), "immediate");
}

static void test_account_notices_cannot_be_turned_off(void **state)
{
    struct notify_user u = {.role = "ngo", .kinds = "{\"account\":\"off\",\"report_due\":\"off\"}"};
    assert_string_equal(notify_mode(&u, "account"), "immediate");
    assert_string_equal(notify_mode(&u, "report_due"), "off");
}

/* Decodes one "=?UTF-8?B?...?=" word at p into out (appending). */
static const char *decode_word(const char *p, struct buf *out)
{
    assert_memory_equal(p, "=?UTF-8?B?", 10);
    p += 10;
    const char *end = strstr(p, "?=");
    assert_non_null(end);
    assert_true(end - p + 12 <= 75);
    unsigned char bin[128];
    size_t n;
    assert_int_equal(sodium_base642bin(bin, sizeof(bin), p, (size_t)(end - p), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    /* each word is whole UTF-8 on its own */
    assert_true(utf8_valid((const char *)bin, n));
    buf_append(out, bin, n);
    return end + 2;
}

static void test_subject_encoded_per_rfc_2047_in_whole_characters(void **state)
{
    const char *subject = "Просрочен отчёт в ECOSOC (срок 1 июня 2028 г.) — Общество друзей "
                          "тестов и очень длинное название организации";
    struct buf enc = BUF_INIT, dec = BUF_INIT;
    mail_encode_header(&enc, subject);
    const char *p = enc.p;
    while (*p) {
        p = decode_word(p, &dec);
        if (*p) {
            assert_memory_equal(p, "\r\n ", 3); /* folded between words */
            p += 3;
        }
    }
    buf_putc(&dec, '\0');
    assert_string_equal(dec.p, subject);
    buf_release(&enc);
    buf_release(&dec);
}

static void test_plain_ascii_subject_stays_readable(void **state)
{
    struct buf enc = BUF_INIT;
    mail_encode_header(&enc, "Report to ECOSOC due on 1 June 2028");
    assert_string_equal(enc.p, "Report to ECOSOC due on 1 June 2028");
    buf_release(&enc);
}

static void test_message_has_headers_and_two_parts(void **state)
{
    struct mail_message m = {.from = "civdesk@mfa.example", .to = "ngo@example.org",
                             .subject = "Отчёт", .text = "Текст", .html = "<p>Текст</p>",
                             .message_id = "<civdesk.1.2@mfa.example>", .date = 0};
    struct buf b = BUF_INIT;
    mail_build(&b, &m);
    assert_non_null(strstr(b.p, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
    assert_non_null(strstr(b.p, "Message-ID: <civdesk.1.2@mfa.example>\r\n"));
    assert_non_null(strstr(b.p, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(b.p, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(b.p, "multipart/alternative"));
    assert_non_null(strstr(b.p, "Content-Type: text/plain; charset=UTF-8"));
    assert_non_null(strstr(b.p, "Content-Type: text/html; charset=UTF-8"));
    /* no bare LF: every line ends in CRLF */
    for (size_t i = 0; i < b.n; i++)
        if (b.p[i] == '\n')
            assert_int_equal(b.p[i - 1], '\r');
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold_is_the_latest_reached),
        cmocka_unit_test(test_due_today_is_not_yet_overdue_the_day_after_is),
        cmocka_unit_test(test_threshold_of_a_non_date_is_none),
        cmocka_unit_test(test_date_add_crosses_months_and_leap_days),
        cmocka_unit_test(test_date_for_a_person_in_russian_and_english),
        cmocka_unit_test(test_officers_get_reminders_in_a_digest_unless_they_choose),
        cmocka_unit_test(test_account_notices_cannot_be_turned_off),
        cmocka_unit_test(test_subject_encoded_per_rfc_2047_in_whole_characters),
        cmocka_unit_test(test_plain_ascii_subject_stays_readable),
        cmocka_unit_test(test_message_has_headers_and_two_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
