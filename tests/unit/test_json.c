/*
 * Unit tests of src/json/json.c: the streaming writer (escaping, commas, nesting, raw
 * inserts) and the guarded reader of request bodies (depth, malformed input, UTF-8,
 * NUL, top-level type, duplicate keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------ */

/* The JSON string literal jw_str writes for s (n bytes). Caller frees. */
static char *escaped(const char *s, size_t n)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_strn(&w, s, n);
    return buf_detach(&b);
}

static void expect_escape(const char *in, const char *want)
{
    char *got = escaped(in, strlen(in));
    assert_string_equal(got, want);
    free(got);
}

static enum json_read_status read_n(const char *p, size_t n, struct error *e)
{
    json_t *obj = (json_t *)1; /* must be overwritten */
    enum json_read_status st = json_read_object(p, n, &obj, e);
    if (st == JSON_READ_OK) {
        assert_non_null(obj);
        assert_true(json_is_object(obj));
        json_decref(obj);
    } else {
        assert_null(obj);
    }
    return st;
}

static enum json_read_status read_s(const char *p)
{
    struct error e = ERROR_INIT;
    return read_n(p, strlen(p), &e);
}

/* "[[[...0...]]]" or {"a":{"a":...}} nested `depth` levels. Caller frees. */
static char *nested(int depth, bool objects)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < depth; i++)
        buf_puts(&b, objects ? "{\"a\":" : "[");
    buf_puts(&b, "0");
    for (int i = 0; i < depth; i++)
        buf_putc(&b, objects ? '}' : ']');
    return buf_detach(&b);
}

/* ---- writer: escaping --------------------------------------------------------------- */

static void test_writer_escapes_quote_and_backslash(void **state)
{
    expect_escape("say \"hi\"", "\"say \\\"hi\\\"\"");
    expect_escape("C:\\dir\\", "\"C:\\\\dir\\\\\"");
}

static void test_writer_escapes_control_characters(void **state)
{
    expect_escape("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
    expect_escape("\x01\x08\x0c\x1f", "\"\\u0001\\u0008\\u000c\\u001f\"");
    expect_escape("\x7f", "\"\\u007f\"");
}

static void test_writer_escapes_nul_inside_counted_string(void **state)
{
    char *got = escaped("a\0b", 3);
    assert_string_equal(got, "\"a\\u0000b\"");
    free(got);
}

static void test_writer_escapes_html_significant_characters(void **state)
{
    expect_escape("</script><b>&amp;", "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\"");
}

static void test_writer_escapes_line_and_paragraph_separators(void **state)
{
    expect_escape("a\xE2\x80\xA8"
                  "b\xE2\x80\xA9"
                  "c",
                  "\"a\\u2028b\\u2029c\"");
    expect_escape("\xE2\x80\xA8", "\"\\u2028\""); /* alone, at the very end */
}

static void test_writer_leaves_other_utf8_untouched(void **state)
{
    /* U+2027 and U+202A share the first two bytes with U+2028 */
    expect_escape("Мемориал 人权 \xE2\x80\xA7\xE2\x80\xAA \xF0\x9F\x98\x80",
                  "\"Мемориал 人权 \xE2\x80\xA7\xE2\x80\xAA \xF0\x9F\x98\x80\"");
}

static void test_writer_replaces_bytes_that_are_not_utf8(void **state)
{
    /* a raw path echoed in a problem: lone bytes, a truncated sequence, an overlong, a
     * surrogate — each bad byte becomes U+FFFD, good characters around them survive */
    expect_escape("/api/\xFF\xFE", "\"/api/\\ufffd\\ufffd\"");
    expect_escape("a\xD0", "\"a\\ufffd\"");
    expect_escape("\xC0\xAFx", "\"\\ufffd\\ufffdx\"");
    expect_escape("\xED\xA0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    expect_escape("Я\x80Я", "\"Я\\ufffdЯ\"");
}

/* The escaping rules written the slow, obvious way: byte by byte. */
static void reference_escape(struct buf *b, const unsigned char *s, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\'), buf_putc(b, (char)c), i++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            buf_puts(b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t"), i++;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
            buf_printf(b, "\\u%04x", c), i++;
        } else if (c < 0x80) {
            buf_putc(b, (char)c), i++;
        } else {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (len > n - i)
                len = n - i;
            if (!utf8_valid((const char *)s + i, len)) {
                buf_puts(b, "\\ufffd"), i++;
            } else if (len == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
                buf_puts(b, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"), i += 3;
            } else {
                buf_append(b, s + i, len), i += len;
            }
        }
    }
    buf_putc(b, '"');
}

/* The writer's fast paths (eight ASCII bytes at a time, two-byte characters inline) give
 * exactly what the byte-by-byte rules give, on 50,000 random strings of pieces chosen to
 * sit across every boundary. */
static void test_writer_escape_matches_byte_by_byte_rules(void **state)
{
    static const char *const pieces[] = {
        "a", "Zq", "plain ascii text ", "0123456789", "\"", "\\", "<", ">", "&", "\x7f", "\n",
        "\t", "\x01", "\x1f", " ", "Я", "ё", "人", "\xF0\x9F\x98\x80", "\xE2\x80\xA8",
        "\xE2\x80\xA9", "\xE2\x80\xA7", "\xD0", "\x80", "\xBF", "\xC0\xAF", "\xC1\x81", "\xFF",
        "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE0\x80\xAF", "\xC2\xA0", "\xDF\xBF"};
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    struct buf in = BUF_INIT, want = BUF_INIT;
    for (int round = 0; round < 50000; round++) {
        buf_reset(&in);
        buf_reset(&want);
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        for (unsigned k = 0, count = (unsigned)(seed % 24); k < count; k++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            buf_puts(&in, pieces[seed % ARRAY_SIZE(pieces)]);
        }
        reference_escape(&want, (const unsigned char *)in.p, in.n);
        char *got = escaped(in.p ? in.p : "", in.n);
        if (strcmp(got, want.p) != 0)
            fail_msg("round %d: escaped %zu bytes differently:\n got  %s\n want %s", round, in.n,
                     got, want.p);
        free(got);
    }
    buf_release(&in);
    buf_release(&want);
}

static void test_writer_escaped_output_parses_back_to_input(void **state)
{
    char in[200];
    size_t n = 0;
    for (int c = 1; c < 0x80; c++)
        in[n++] = (char)c;
    memcpy(in + n, "\xE2\x80\xA8\xE2\x80\xA9\xD0\x9C", 8);
    n += 8;
    char *out = escaped(in, n);
    json_error_t err;
    json_t *j = json_loads(out, JSON_DECODE_ANY, &err);
    assert_non_null(j);
    assert_true(json_is_string(j));
    assert_int_equal(json_string_length(j), n);
    assert_memory_equal(json_string_value(j), in, n);
    json_decref(j);
    free(out);
}

static void test_writer_null_string_writes_null(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_str(&w, NULL);
    jw_str(&w, "");
    jw_arr_end(&w);
    assert_string_equal(b.p, "[null,\"\"]");
    buf_release(&b);
}

static void test_writer_escapes_keys(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kint(&w, "a\"<b>", 1);
    jw_kint(&w, "", 2);           /* plain keys take a shorter path: empty, */
    jw_kint(&w, "name_2", 3);     /* ASCII, */
    jw_kint(&w, "имя", 4);        /* and not ASCII (escaped the same way) */
    jw_kint(&w, "tab\there", 5);
    jw_obj_end(&w);
    assert_string_equal(b.p, "{\"a\\\"\\u003cb\\u003e\":1,\"\":2,\"name_2\":3,\"имя\":4,"
                             "\"tab\\there\":5}");
    buf_release(&b);
}

/* ---- writer: structure -------------------------------------------------------------- */

static void test_writer_places_commas_between_members_and_items(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kint(&w, "a", 1);
    jw_key(&w, "b");
    jw_arr(&w);
    jw_int(&w, 1);
    jw_int(&w, 2);
    jw_obj(&w);
    jw_key(&w, "c");
    jw_null(&w);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_kbool(&w, "d", true);
    jw_kstr(&w, "e", "x");
    jw_key(&w, "f");
    jw_obj(&w);
    jw_obj_end(&w);
    jw_key(&w, "g");
    jw_arr(&w);
    jw_arr_end(&w);
    jw_kbool(&w, "h", false);
    jw_obj_end(&w);
    assert_string_equal(b.p, "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":true,\"e\":\"x\",\"f\":{},"
                             "\"g\":[],\"h\":false}");
    buf_release(&b);
}

static void test_writer_nested_empty_containers(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_arr(&w);
    jw_arr_end(&w);
    jw_obj(&w);
    jw_obj_end(&w);
    jw_arr(&w);
    jw_arr(&w);
    jw_arr_end(&w);
    jw_arr_end(&w);
    jw_arr_end(&w);
    assert_string_equal(b.p, "[[],{},[[]]]");
    buf_release(&b);
}

static void test_writer_writes_deepest_allowed_nesting(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    for (int i = 0; i < LIMIT_JSON_DEPTH; i++)
        jw_arr(&w);
    jw_int(&w, 7);
    jw_int(&w, 8);
    for (int i = 0; i < LIMIT_JSON_DEPTH; i++)
        jw_arr_end(&w);
    assert_int_equal(w.depth, 0);
    assert_int_equal(json_depth(b.p, b.n, 100), LIMIT_JSON_DEPTH);
    json_t *j = json_loads(b.p, 0, NULL);
    assert_non_null(j);
    json_decref(j);
    buf_release(&b);
}

static void test_writer_numbers(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_int(&w, INT64_MIN);
    jw_int(&w, INT64_MAX);
    jw_int(&w, 0);
    jw_real(&w, 0.5);
    jw_real(&w, -55.75);
    jw_real(&w, NAN);
    jw_real(&w, INFINITY);
    jw_arr_end(&w);
    assert_string_equal(b.p, "[-9223372036854775808,9223372036854775807,0,0.5,-55.75,null,null]");
    buf_release(&b);
}

static void test_writer_raw_is_verbatim_with_commas_around_it(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_key(&w, "areas");
    jw_raw(&w, "[\"a\",\"b\"]", 9);
    jw_kint(&w, "n", 1);
    jw_key(&w, "list");
    jw_arr(&w);
    jw_int(&w, 1);
    jw_raw(&w, "{\"x\":[]}", 8);
    jw_raw(&w, "[]", 2);
    jw_int(&w, 2);
    jw_arr_end(&w);
    jw_obj_end(&w);
    assert_string_equal(b.p, "{\"areas\":[\"a\",\"b\"],\"n\":1,\"list\":[1,{\"x\":[]},[],2]}");
    buf_release(&b);
}

static void test_writer_raw_respects_its_length(void **state)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_raw(&w, "123456", 3);
    jw_arr_end(&w);
    assert_string_equal(b.p, "[123]");
    buf_release(&b);
}

static void test_writer_appends_to_existing_buffer(void **state)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "data: ");
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "k", "v");
    jw_obj_end(&w);
    assert_string_equal(b.p, "data: {\"k\":\"v\"}");
    buf_release(&b);
}

/* ---- json_depth --------------------------------------------------------------------- */

static void test_depth_counts_objects_and_arrays(void **state)
{
    assert_int_equal(json_depth("", 0, 32), 0);
    assert_int_equal(json_depth("1", 1, 32), 0);
    assert_int_equal(json_depth("{}", 2, 32), 1);
    assert_int_equal(json_depth("{\"a\":[{}]}", 10, 32), 3);
    assert_int_equal(json_depth("[[],[[]],[]]", 12, 32), 3);
}

static void test_depth_ignores_brackets_inside_strings(void **state)
{
    const char *s = "{\"a\":\"[[[[{{{{\",\"b\":\"]]]}\"}";
    assert_int_equal(json_depth(s, strlen(s), 32), 1);
}

static void test_depth_handles_escaped_quotes_in_strings(void **state)
{
    const char *s = "[\"\\\"[[[\",\"\\\\\",[1]]";
    assert_int_equal(json_depth(s, strlen(s), 32), 2);
}

static void test_depth_stops_early_past_max(void **state)
{
    char *s = nested(1000, false);
    int d = json_depth(s, strlen(s), LIMIT_JSON_DEPTH);
    assert_int_equal(d, LIMIT_JSON_DEPTH + 1);
    free(s);
}

/* ---- json_read_object --------------------------------------------------------------- */

static void test_read_accepts_plain_object(void **state)
{
    json_t *obj = NULL;
    struct error e = ERROR_INIT;
    const char *s = "{\"name\":\"Мемориал\",\"n\":1,\"l\":[true,null]}";
    assert_int_equal(json_read_object(s, strlen(s), &obj, &e), JSON_READ_OK);
    assert_string_equal(json_string_value(json_object_get(obj, "name")), "Мемориал");
    json_decref(obj);
}

static void test_read_accepts_nesting_of_32(void **state)
{
    char *s = nested(LIMIT_JSON_DEPTH, true);
    assert_int_equal(read_s(s), JSON_READ_OK);
    free(s);
}

static void test_read_accepts_object_holding_31_nested_arrays(void **state)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"a\":");
    for (int i = 0; i < LIMIT_JSON_DEPTH - 1; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < LIMIT_JSON_DEPTH - 1; i++)
        buf_putc(&b, ']');
    buf_putc(&b, '}');
    assert_int_equal(read_s(b.p), JSON_READ_OK);
    buf_release(&b);
}

static void test_read_refuses_nesting_of_33_as_too_deep(void **state)
{
    struct error e = ERROR_INIT;
    char *s = nested(LIMIT_JSON_DEPTH + 1, true);
    assert_int_equal(read_n(s, strlen(s), &e), JSON_READ_TOO_DEEP);
    assert_non_null(strstr(e.msg, "32"));
    free(s);
}

static void test_read_refuses_deep_arrays_inside_object_as_too_deep(void **state)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"a\":");
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, '[');
    buf_putc(&b, '}'); /* not even well-formed: depth is checked first */
    assert_int_equal(read_s(b.p), JSON_READ_TOO_DEEP);
    buf_release(&b);
}

static void test_read_refuses_malformed_json(void **state)
{
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{'a':1}",
        "{\"a\":01}",
        "{\"a\":NaN}",
        "{\"a\":\"unterminated}",
        "{\"a\":1}{\"b\":2}",
        "{\"a\":1} x",
        "{\"a\":\"\\x41\"}",
        "{\"a\":\"tab\there\"}", /* raw control character in a string */
        "/* c */{}",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct error e = ERROR_INIT;
        enum json_read_status st = read_n(bad[i], strlen(bad[i]), &e);
        if (st != JSON_READ_MALFORMED)
            fail_msg("\"%s\" gave %d, not MALFORMED", bad[i], (int)st);
        assert_true(e.msg[0] != '\0');
    }
}

static void test_read_malformed_message_names_line_and_column(void **state)
{
    struct error e = ERROR_INIT;
    const char *s = "{\n\"a\":,\n}";
    assert_int_equal(read_n(s, strlen(s), &e), JSON_READ_MALFORMED);
    assert_non_null(strstr(e.msg, "line 2"));
}

static void test_read_refuses_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "{\"a\":\"\xFF\"}",
        "{\"a\":\"\xC0\xAF\"}",         /* overlong */
        "{\"a\":\"\xED\xA0\x80\"}",     /* surrogate */
        "{\"a\":\"\xF4\x90\x80\x80\"}", /* past U+10FFFF */
        "{\"a\":\"\xD0\"}",             /* truncated */
        "{\"\xFF\":1}",                 /* in a key */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct error e = ERROR_INIT;
        if (read_n(bad[i], strlen(bad[i]), &e) != JSON_READ_MALFORMED)
            fail_msg("case %zu accepted", i);
    }
}

static void test_read_refuses_lone_surrogate_escape(void **state)
{
    assert_int_equal(read_s("{\"a\":\"\\ud800\"}"), JSON_READ_MALFORMED);
    assert_int_equal(read_s("{\"a\":\"\\udc00x\"}"), JSON_READ_MALFORMED);
}

static void test_read_accepts_escaped_surrogate_pair(void **state)
{
    json_t *obj = NULL;
    const char *s = "{\"a\":\"\\ud83d\\ude00\"}";
    assert_int_equal(json_read_object(s, strlen(s), &obj, NULL), JSON_READ_OK);
    assert_string_equal(json_string_value(json_object_get(obj, "a")), "\xF0\x9F\x98\x80");
    json_decref(obj);
}

static void test_read_refuses_escaped_nul_in_string(void **state)
{
    assert_int_equal(read_s("{\"a\":\"x\\u0000y\"}"), JSON_READ_MALFORMED);
    assert_int_equal(read_s("{\"x\\u0000y\":1}"), JSON_READ_MALFORMED);
}

static void test_read_refuses_raw_nul_byte(void **state)
{
    struct error e = ERROR_INIT;
    const char s[] = "{\"a\":\"x\0y\"}";
    assert_int_equal(read_n(s, sizeof(s) - 1, &e), JSON_READ_MALFORMED);
    const char t[] = "{\"a\":1}\0";
    assert_int_equal(read_n(t, sizeof(t) - 1, &e), JSON_READ_MALFORMED);
}

static void test_read_refuses_non_object_top_level(void **state)
{
    static const char *const bad[] = {"[]", "[{}]", "1", "-1.5", "\"s\"", "true", "null"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct error e = ERROR_INIT;
        if (read_n(bad[i], strlen(bad[i]), &e) != JSON_READ_NOT_OBJECT)
            fail_msg("\"%s\" not refused as NOT_OBJECT", bad[i]);
        assert_non_null(strstr(e.msg, "object"));
    }
}

static void test_read_refuses_duplicate_keys(void **state)
{
    assert_int_equal(read_s("{\"a\":1,\"a\":2}"), JSON_READ_MALFORMED);
    assert_int_equal(read_s("{\"o\":{\"k\":1,\"k\":1}}"), JSON_READ_MALFORMED);
}

static void test_read_reads_only_the_given_length(void **state)
{
    struct error e = ERROR_INIT;
    const char *s = "{\"a\":1}garbage";
    assert_int_equal(read_n(s, 7, &e), JSON_READ_OK);
}

static void test_read_accepts_null_error_pointer(void **state)
{
    json_t *obj = NULL;
    assert_int_equal(json_read_object("{", 1, &obj, NULL), JSON_READ_MALFORMED);
    assert_null(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_escapes_quote_and_backslash),
        cmocka_unit_test(test_writer_escapes_control_characters),
        cmocka_unit_test(test_writer_escapes_nul_inside_counted_string),
        cmocka_unit_test(test_writer_escapes_html_significant_characters),
        cmocka_unit_test(test_writer_escapes_line_and_paragraph_separators),
        cmocka_unit_test(test_writer_escape_matches_byte_by_byte_rules),
        cmocka_unit_test(test_writer_leaves_other_utf8_untouched),
        cmocka_unit_test(test_writer_replaces_bytes_that_are_not_utf8),
        cmocka_unit_test(test_writer_escaped_output_parses_back_to_input),
        cmocka_unit_test(test_writer_null_string_writes_null),
        cmocka_unit_test(test_writer_escapes_keys),
        cmocka_unit_test(test_writer_places_commas_between_members_and_items),
        cmocka_unit_test(test_writer_nested_empty_containers),
        cmocka_unit_test(test_writer_writes_deepest_allowed_nesting),
        cmocka_unit_test(test_writer_numbers),
        cmocka_unit_test(test_writer_raw_is_verbatim_with_commas_around_it),
        cmocka_unit_test(test_writer_raw_respects_its_length),
        cmocka_unit_test(test_writer_appends_to_existing_buffer),
        cmocka_unit_test(test_depth_counts_objects_and_arrays),
        cmocka_unit_test(test_depth_ignores_brackets_inside_strings),
        cmocka_unit_test(test_depth_handles_escaped_quotes_in_strings),
        cmocka_unit_test(test_depth_stops_early_past_max),
        cmocka_unit_test(test_read_accepts_plain_object),
        cmocka_unit_test(test_read_accepts_nesting_of_32),
        cmocka_unit_test(test_read_accepts_object_holding_31_nested_arrays),
        cmocka_unit_test(test_read_refuses_nesting_of_33_as_too_deep),
        cmocka_unit_test(test_read_refuses_deep_arrays_inside_object_as_too_deep),
        cmocka_unit_test(test_read_refuses_malformed_json),
        cmocka_unit_test(test_read_malformed_message_names_line_and_column),
        cmocka_unit_test(test_read_refuses_invalid_utf8),
        cmocka_unit_test(test_read_refuses_lone_surrogate_escape),
        cmocka_unit_test(test_read_accepts_escaped_surrogate_pair),
        cmocka_unit_test(test_read_refuses_escaped_nul_in_string),
        cmocka_unit_test(test_read_refuses_raw_nul_byte),
        cmocka_unit_test(test_read_refuses_non_object_top_level),
        cmocka_unit_test(test_read_refuses_duplicate_keys),
        cmocka_unit_test(test_read_reads_only_the_given_length),
        cmocka_unit_test(test_read_accepts_null_error_pointer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
