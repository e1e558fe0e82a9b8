/*
 * Unit tests of src/core/core.c: arenas, strings, buffers, errors, UTF-8, integers,
 * dates and times. Each test states one property a caller relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/core.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------ */

static struct str S(const char *s) {
    return str_from(s);
}

static bool
utf8_ok(const char *s)
{
    return utf8_valid(s, strlen(s));
}

static int parse(const char *s, int64_t min, int64_t max, int64_t *out)
{
    return parse_i64(str_from(s), min, max, out);
}

/*
 * Runs fn in a child process and says whether it died through die() (exit status 1)
 * rather than returning. stderr of the child is discarded.
 */
static bool dies(void (*fn)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        fn();
        _exit(0); /* returned: no death */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

/* ---- errors ------------------------------------------------------------------------- */

static void test_error_set_fills_message_and_returns_minus_one(void **state)
{
    struct error e = ERROR_INIT;
    assert_int_equal(error_set(&e, "field %s: %d", "name", 42), ERROR_FAILED);
    /* A failure is never taken for "no such record" (a 404) by a result-code map. */
    assert_int_not_equal(ERROR_FAILED, STORE_NOT_FOUND);
    assert_string_equal(e.msg, "field name: 42");
}

static void test_error_set_accepts_null_error(void **state)
{
    assert_int_equal(error_set(NULL, "ignored %d", 1), -1);
}

static void test_error_set_truncates_long_message_safely(void **state)
{
    struct error e = ERROR_INIT;
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    error_set(&e, "%s", big);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

/* ---- arena -------------------------------------------------------------------------- */

static void test_arena_many_allocations_stay_distinct_and_intact(void **state)
{
    struct arena a = ARENA_INIT;
    enum { N = 20000 };
    unsigned char **ptrs = calloc(N, sizeof(*ptrs));
    assert_non_null(ptrs);
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 97;
        ptrs[i] = arena_alloc(&a, n);
        memset(ptrs[i], (int)(i & 0xFF), n);
    }
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 97;
        for (size_t k = 0; k < n; k++)
            assert_int_equal(ptrs[i][k], i & 0xFF);
    }
    assert_true(a.total >= (size_t)N);
    free(ptrs);
    arena_release(&a);
}

/* The first blocks are small (about 1 KiB): allocations around and above their size, as
 * the first of an arena and after others, are whole and apart. */
static void test_arena_sizes_around_the_small_first_blocks_are_whole(void **state)
{
    static const size_t sizes[] = {1500, 990, 1000, 1024, 2000, 4000, 4097, 10, 8000, 1};
    for (size_t start = 0; start < ARRAY_SIZE(sizes); start++) {
        struct arena a = ARENA_INIT;
        unsigned char *ptrs[ARRAY_SIZE(sizes)];
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
            size_t k = (start + i) % ARRAY_SIZE(sizes);
            ptrs[k] = arena_alloc(&a, sizes[k]);
            memset(ptrs[k], (int)k + 1, sizes[k]);
        }
        for (size_t k = 0; k < ARRAY_SIZE(sizes); k++)
            for (size_t b = 0; b < sizes[k]; b++)
                assert_int_equal(ptrs[k][b], k + 1);
        arena_release(&a);
    }
}

static void test_arena_large_allocation_is_fully_usable(void **state)
{
    struct arena a = ARENA_INIT;
    size_t n = 3 * 1024 * 1024;
    unsigned char *p = arena_alloc(&a, n);
    memset(p, 0xAB, n);
    char *small = arena_strdup(&a, "after the big one");
    assert_int_equal(p[0], 0xAB);
    assert_int_equal(p[n - 1], 0xAB);
    assert_string_equal(small, "after the big one");
    assert_true(a.total >= n);
    arena_release(&a);
}

static void test_arena_large_allocation_keeps_head_block_for_small_ones(void **state)
{
    struct arena a = ARENA_INIT;
    char *first = arena_alloc(&a, 16);
    const struct arena_block *head = a.head;
    char *big = arena_alloc(&a, 100000);
    char *second = arena_alloc(&a, 16);
    assert_ptr_equal(a.head, head);
    /* the small ones are neighbours in the head block, the big one lives elsewhere */
    assert_ptr_equal(second, first + 16);
    assert_true(big < first || big > second);
    arena_release(&a);
}

static void test_arena_allocations_are_aligned_for_any_type(void **state)
{
    struct arena a = ARENA_INIT;
    for (size_t n = 0; n < 300; n++) {
        void *p = arena_alloc(&a, n % 37 + 1);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    }
    void *big = arena_alloc(&a, 50000);
    assert_int_equal((uintptr_t)big % _Alignof(max_align_t), 0);
    arena_release(&a);
}

static void test_arena_zalloc_returns_zeroed_memory(void **state)
{
    struct arena a = ARENA_INIT;
    /* dirty the block first so zeroes cannot come from a fresh malloc by luck */
    unsigned char *dirty = arena_alloc(&a, 512);
    memset(dirty, 0xFF, 512);
    arena_release(&a);
    unsigned char *p = arena_zalloc(&a, 4096);
    for (size_t i = 0; i < 4096; i++)
        assert_int_equal(p[i], 0);
    assert_non_null(arena_zalloc(&a, 0));
    arena_release(&a);
}

static void test_arena_release_empties_and_arena_is_reusable(void **state)
{
    struct arena a;
    arena_init(&a);
    for (int i = 0; i < 100; i++)
        arena_alloc(&a, 1000);
    arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    char *s = arena_strdup(&a, "again");
    assert_string_equal(s, "again");
    assert_int_equal(a.total, 16);
    arena_release(&a);
    arena_release(&a); /* releasing an empty arena is harmless */
    assert_null(a.head);
}

static void alloc_near_size_max(void)
{
    struct arena a = ARENA_INIT;
    arena_alloc(&a, SIZE_MAX - 40); /* rounds up without wrapping; header does not fit */
}

static void alloc_size_max(void)
{
    struct arena a = ARENA_INIT;
    arena_alloc(&a, SIZE_MAX);
}

static void test_arena_dies_on_allocation_size_overflow(void **state)
{
    assert_true(dies(alloc_size_max));
    assert_true(dies(alloc_near_size_max));
}

static void test_arena_strndup_copies_exactly_n_bytes_and_terminates(void **state)
{
    struct arena a = ARENA_INIT;
    const char src[] = "abcdef";
    char *s = arena_strndup(&a, src, 3);
    assert_string_equal(s, "abc");
    assert_ptr_not_equal(s, src);
    char *empty = arena_strndup(&a, NULL, 0);
    assert_string_equal(empty, "");
    arena_release(&a);
}

static void test_arena_printf_formats_beyond_small_sizes(void **state)
{
    struct arena a = ARENA_INIT;
    assert_string_equal(arena_printf(&a, "/api/v1/%s/%lld", "people", 42LL), "/api/v1/people/42");
    char big[10001];
    memset(big, 'q', 10000);
    big[10000] = '\0';
    char *s = arena_printf(&a, "<%s>", big);
    assert_int_equal(strlen(s), 10002);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[10001], '>');
    arena_release(&a);
}

/* ---- strings ------------------------------------------------------------------------ */

static void test_str_from_null_is_empty(void **state)
{
    struct str s = str_from(NULL);
    assert_null(s.p);
    assert_int_equal(s.n, 0);
}

static void test_str_eq_compares_length_and_bytes(void **state)
{
    assert_true(str_eq(STR("abc"), S("abc")));
    assert_false(str_eq(STR("abc"), STR("abcd")));
    assert_false(str_eq(STR("abd"), STR("abc")));
    assert_true(str_eq(STR_NULL, STR("")));
    assert_false(str_eq(STR_NULL, STR("a")));
    /* a view into a longer buffer compares only its own bytes */
    struct str view = {"organisations/5", 13};
    assert_true(str_eq_cstr(view, "organisations"));
    assert_false(str_eq_cstr(view, "organisations/5"));
}

static void test_str_eq_handles_embedded_nul(void **state)
{
    struct str a = {"a\0b", 3}, b = {"a\0c", 3};
    assert_false(str_eq(a, b));
    assert_true(str_eq(a, (struct str){"a\0b", 3}));
}

static void test_str_starts_with_checks_prefix_within_view(void **state)
{
    assert_true(str_starts_with(STR("https://x"), "https://"));
    assert_false(str_starts_with(STR("http"), "https://"));
    assert_true(str_starts_with(STR("anything"), ""));
}

static void test_str_cut_splits_at_first_separator(void **state)
{
    struct str head, rest;
    assert_true(str_cut(STR("a/b/c"), '/', &head, &rest));
    assert_true(str_eq_cstr(head, "a"));
    assert_true(str_eq_cstr(rest, "b/c"));
}

static void test_str_cut_without_separator_gives_whole_and_empty_rest(void **state)
{
    struct str head, rest;
    assert_false(str_cut(STR("abc"), '/', &head, &rest));
    assert_true(str_eq_cstr(head, "abc"));
    assert_int_equal(rest.n, 0);
}

static void test_str_cut_handles_separator_at_edges(void **state)
{
    struct str head, rest;
    assert_true(str_cut(STR("/x"), '/', &head, &rest));
    assert_int_equal(head.n, 0);
    assert_true(str_eq_cstr(rest, "x"));
    assert_true(str_cut(STR("x/"), '/', &head, &rest));
    assert_true(str_eq_cstr(head, "x"));
    assert_int_equal(rest.n, 0);
    assert_false(str_cut(STR_NULL, '/', &head, &rest));
    assert_int_equal(head.n, 0);
    assert_int_equal(rest.n, 0);
}

static void test_str_cut_ignores_bytes_beyond_the_view(void **state)
{
    struct str head, rest;
    struct str view = {"abc/def", 3};
    assert_false(str_cut(view, '/', &head, &rest));
    assert_true(str_eq_cstr(head, "abc"));
}

/* ---- buffers ------------------------------------------------------------------------ */

static void test_buf_append_grows_and_keeps_content(void **state)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < 10000; i++)
        buf_append(&b, "0123456789", 10);
    assert_int_equal(b.n, 100000);
    assert_true(b.cap > b.n);
    for (size_t i = 0; i < b.n; i++)
        assert_int_equal(b.p[i], '0' + (int)(i % 10));
    assert_int_equal(b.p[b.n], '\0');
    buf_release(&b);
}

static void test_buf_is_nul_terminated_after_every_operation(void **state)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, 'x');
    assert_string_equal(b.p, "x");
    buf_puts(&b, "yz");
    assert_string_equal(b.p, "xyz");
    buf_append(&b, "", 0);
    assert_string_equal(b.p, "xyz");
    buf_printf(&b, "%d", 7);
    assert_string_equal(b.p, "xyz7");
    assert_int_equal(strlen(b.p), b.n);
    buf_release(&b);
}

static void test_buf_empty_append_gives_empty_string(void **state)
{
    struct buf b = BUF_INIT;
    buf_append(&b, NULL, 0);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    buf_release(&b);
}

static void test_buf_printf_grows_past_its_stack_buffer(void **state)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "head:");
    char big[5001];
    memset(big, 'z', 5000);
    big[5000] = '\0';
    buf_printf(&b, "[%s]%d", big, 99);
    assert_int_equal(b.n, 5 + 1 + 5000 + 1 + 2);
    assert_memory_equal(b.p, "head:[zzz", 9);
    assert_string_equal(b.p + b.n - 3, "]99");
    assert_int_equal(strlen(b.p), b.n);
    buf_release(&b);
}

static void test_buf_printf_exactly_at_stack_buffer_boundary(void **state)
{
    for (size_t len = 250; len < 262; len++) {
        struct buf b = BUF_INIT;
        char s[300];
        memset(s, 'k', len);
        s[len] = '\0';
        buf_printf(&b, "%s", s);
        assert_int_equal(b.n, len);
        assert_int_equal(strlen(b.p), len);
        buf_release(&b);
    }
}

static void grow_near_size_max(void)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, 'x');
    buf_grow(&b, SIZE_MAX - 1); /* n + extra + 1 wraps to a small number */
}

static void test_buf_dies_on_size_overflow(void **state)
{
    assert_true(dies(grow_near_size_max));
}

static void test_buf_reset_keeps_memory_and_empties(void **state)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "some text");
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.n, 0);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.p, "");
    buf_reset(&b);
    buf_release(&b);
    buf_reset(&b); /* on a released buffer too */
}

static void test_buf_detach_hands_over_string_and_empties_buffer(void **state)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "owned by caller");
    char *s = buf_detach(&b);
    assert_string_equal(s, "owned by caller");
    assert_null(b.p);
    assert_int_equal(b.n, 0);
    assert_int_equal(b.cap, 0);
    buf_puts(&b, "next");
    assert_string_equal(b.p, "next");
    assert_string_equal(s, "owned by caller");
    free(s);
    buf_release(&b);
}

static void test_buf_detach_of_empty_buffer_is_empty_string(void **state)
{
    struct buf b = BUF_INIT;
    char *s = buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_buf_str_of_empty_buffer_is_not_null(void **state)
{
    struct buf b = BUF_INIT;
    struct str s = buf_str(&b);
    assert_non_null(s.p);
    assert_int_equal(s.n, 0);
}

/* ---- UTF-8 -------------------------------------------------------------------------- */

static void test_utf8_accepts_ascii_and_empty(void **state)
{
    assert_true(utf8_valid("", 0));
    assert_true(utf8_ok("Memorial Human Rights Centre"));
}

static void test_utf8_accepts_cyrillic_cjk_and_emoji(void **state)
{
    assert_true(utf8_ok("Мемориал"));
    assert_true(utf8_ok("人权观察"));
    assert_true(utf8_ok("\xF0\x9F\x98\x80")); /* U+1F600 */
    assert_true(utf8_ok("\xF4\x8F\xBF\xBF")); /* U+10FFFF, the last code point */
    assert_true(utf8_ok("\xEF\xBF\xBD"));     /* U+FFFD */
    assert_true(utf8_ok("\xED\x9F\xBF"));     /* U+D7FF, just below the surrogates */
    assert_true(utf8_ok("\xEE\x80\x80"));     /* U+E000, just above them */
    assert_true(utf8_ok("\xC2\x80"));         /* U+0080, smallest two-byte form */
    assert_true(utf8_ok("\xE0\xA0\x80"));     /* U+0800, smallest three-byte form */
    assert_true(utf8_ok("\xF0\x90\x80\x80")); /* U+10000, smallest four-byte form */
}

static void test_utf8_rejects_overlong_encoding(void **state)
{
    assert_false(utf8_ok("\xC0\xAF")); /* '/' in two bytes */
    assert_false(utf8_ok("\xC1\xBF"));
    assert_false(utf8_ok("\xE0\x80\xAF"));     /* '/' in three bytes */
    assert_false(utf8_ok("\xE0\x9F\xBF"));     /* U+07FF in three bytes */
    assert_false(utf8_ok("\xF0\x80\x80\xAF")); /* '/' in four bytes */
    assert_false(utf8_ok("\xF0\x8F\xBF\xBF")); /* U+FFFF in four bytes */
}

static void test_utf8_rejects_overlong_nul(void **state)
{
    assert_false(utf8_ok("\xC0\x80"));
}

static void test_utf8_rejects_surrogates(void **state)
{
    assert_false(utf8_ok("\xED\xA0\x80"));             /* U+D800 */
    assert_false(utf8_ok("\xED\xBF\xBF"));             /* U+DFFF */
    assert_false(utf8_ok("\xED\xA0\xBD\xED\xB8\x80")); /* CESU-8 pair for U+1F600 */
}

static void test_utf8_rejects_code_points_above_10ffff(void **state)
{
    assert_false(utf8_ok("\xF4\x90\x80\x80")); /* U+110000 */
    assert_false(utf8_ok("\xF5\x80\x80\x80"));
    assert_false(utf8_ok("\xF7\xBF\xBF\xBF"));
    assert_false(utf8_ok("\xF8\x88\x80\x80\x80")); /* five-byte form */
    assert_false(utf8_ok("\xFC\x84\x80\x80\x80\x80"));
    assert_false(utf8_ok("\xFE"));
    assert_false(utf8_ok("\xFF"));
}

static void test_utf8_rejects_truncated_sequences(void **state)
{
    assert_false(utf8_ok("\xD0"));         /* lead of a Cyrillic letter, alone */
    assert_false(utf8_ok("abc\xE4\xBA"));  /* CJK cut after two of three bytes */
    assert_false(utf8_ok("\xF0\x9F\x98")); /* emoji cut short */
    assert_false(utf8_ok("\xE4\xBA"
                         "x"));              /* ASCII where a continuation belongs */
    assert_false(utf8_valid("\xD0\x9C", 1)); /* length cuts the sequence */
}

static void test_utf8_rejects_stray_continuation_bytes(void **state)
{
    assert_false(utf8_ok("\x80"));
    assert_false(utf8_ok("a\xBF"
                         "b"));
    assert_false(utf8_ok("\xD0\x9C\x9C"));
}

static void test_utf8_rejects_nul(void **state)
{
    assert_false(utf8_valid("a\0b", 3));
    assert_false(utf8_valid("\0", 1));
}

static void test_utf8_length_counts_code_points_not_bytes(void **state)
{
    assert_int_equal(utf8_length("", 0), 0);
    assert_int_equal(utf8_length("abc", 3), 3);
    const char *ru = "Мемориал";
    assert_int_equal(strlen(ru), 16);
    assert_int_equal(utf8_length(ru, strlen(ru)), 8);
    const char *mix = "a人\xF0\x9F\x98\x80z";
    assert_int_equal(utf8_length(mix, strlen(mix)), 4);
}

/* ---- parse_i64 ---------------------------------------------------------------------- */

static void test_parse_i64_accepts_plain_numbers_in_range(void **state)
{
    int64_t v = -99;
    assert_int_equal(parse("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(parse("-17", -100, 100, &v), 0);
    assert_int_equal(v, -17);
}

static void test_parse_i64_enforces_bounds_inclusively(void **state)
{
    int64_t v;
    assert_int_equal(parse("1", 1, 10, &v), 0);
    assert_int_equal(parse("10", 1, 10, &v), 0);
    assert_int_equal(parse("0", 1, 10, &v), -1);
    assert_int_equal(parse("11", 1, 10, &v), -1);
    assert_int_equal(parse("-1", 0, 10, &v), -1);
}

static void test_parse_i64_accepts_int64_extremes(void **state)
{
    int64_t v;
    assert_int_equal(parse("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(parse("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
}

static void test_parse_i64_rejects_overflow(void **state)
{
    int64_t v;
    assert_int_equal(parse("9223372036854775808", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("-9223372036854775809", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("18446744073709551615", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("18446744073709551616", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("99999999999999999999", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("123456789012345678901234567890", INT64_MIN, INT64_MAX, &v), -1);
}

static void test_parse_i64_rejects_plus_sign_and_lone_minus(void **state)
{
    int64_t v;
    assert_int_equal(parse("+1", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("-", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("--1", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse("-+1", INT64_MIN, INT64_MAX, &v), -1);
}

static void test_parse_i64_rejects_junk_and_spaces(void **state)
{
    int64_t v;
    const char *bad[] = {"1a", "a1", " 1", "1 ", "1.0", "1e3", "0x10", "١", "1,000", "\t1"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(parse(bad[i], INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse_i64((struct str){"1\0"
                                            "2",
                                            3},
                               0, 100, &v),
                     -1);
}

static void test_parse_i64_rejects_empty(void **state)
{
    int64_t v;
    assert_int_equal(parse("", INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(parse_i64(STR_NULL, INT64_MIN, INT64_MAX, &v), -1);
}

static void test_parse_i64_reads_only_the_view(void **state)
{
    int64_t v;
    assert_int_equal(parse_i64((struct str){"123abc", 3}, 0, 1000, &v), 0);
    assert_int_equal(v, 123);
}

/* ---- dates -------------------------------------------------------------------------- */

static void test_date_accepts_leap_day_of_2000_and_2024(void **state)
{
    int y, m, d;
    assert_int_equal(date_parse(S("2000-02-29"), &y, &m, &d), 0);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
    assert_true(date_valid(S("2024-02-29")));
    assert_true(date_valid(S("1600-02-29")));
}

static void test_date_rejects_leap_day_of_1900_and_2023(void **state)
{
    assert_false(date_valid(S("1900-02-29")));
    assert_false(date_valid(S("2023-02-29")));
    assert_false(date_valid(S("2100-02-29")));
    assert_false(date_valid(S("2024-02-30")));
}

static void test_date_rejects_31st_of_30_day_months(void **state)
{
    const char *bad[] = {"2024-04-31", "2024-06-31", "2024-09-31", "2024-11-31"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_false(date_valid(S(bad[i])));
    const char *good[] = {"2024-01-31", "2024-03-31", "2024-05-31", "2024-07-31",
                          "2024-08-31", "2024-10-31", "2024-12-31", "2024-04-30"};
    for (size_t i = 0; i < ARRAY_SIZE(good); i++)
        assert_true(date_valid(S(good[i])));
}

static void test_date_rejects_year_zero_and_before_1000(void **state)
{
    assert_false(date_valid(S("0000-01-01")));
    assert_false(date_valid(S("0999-12-31")));
    assert_true(date_valid(S("1000-01-01")));
    assert_true(date_valid(S("9999-12-31")));
}

static void test_date_rejects_month_and_day_zero_or_past_range(void **state)
{
    assert_false(date_valid(S("2024-00-10")));
    assert_false(date_valid(S("2024-13-01")));
    assert_false(date_valid(S("2024-01-00")));
    assert_false(date_valid(S("2024-01-32")));
    assert_false(date_valid(S("2024-99-99")));
}

static void test_date_rejects_format_errors(void **state)
{
    const char *bad[] = {"",           "2024-1-01",   "2024-01-1",   "2024/01/01",
                         "20240101",   "2024-01-01 ", " 2024-01-01", "2024-01-0a",
                         "+024-01-01", "-024-01-01",  "2024-+1-01",  "2024-01-01T00:00:00Z",
                         "24-01-01",   "2024_01_01",  "١٩٩٩-01-01"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_false(date_valid(S(bad[i])));
}

static void test_date_reads_only_the_view(void **state)
{
    assert_true(date_valid((struct str){"2024-02-29garbage", 10}));
    assert_false(date_valid((struct str){"2024-02-2", 9}));
}

/* ---- datetimes ---------------------------------------------------------------------- */

#define LEAP_NOON 1709210096 /* 2024-02-29T12:34:56Z */

static int dt(const char *s, int64_t *t)
{
    return datetime_parse(S(s), t);
}

static void test_datetime_parses_utc_with_z(void **state)
{
    int64_t t = 0;
    assert_int_equal(dt("2024-02-29T12:34:56Z", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("1970-01-01T00:00:00Z", &t), 0);
    assert_true(t == 0);
}

static void test_datetime_accepts_lower_case_t_z_and_space(void **state)
{
    int64_t t = 0;
    assert_int_equal(dt("2024-02-29t12:34:56z", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("2024-02-29 12:34:56Z", &t), 0);
    assert_true(t == LEAP_NOON);
}

static void test_datetime_normalises_offsets_to_utc(void **state)
{
    int64_t t = 0;
    assert_int_equal(dt("2024-02-29T15:34:56+03:00", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("2024-02-29T07:04:56-05:30", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("2024-02-29T12:34:56+00:00", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("2024-03-01T02:34:56+14:00", &t), 0); /* crosses the date line */
    assert_true(t == LEAP_NOON);
}

static void test_datetime_accepts_and_drops_fractional_seconds(void **state)
{
    int64_t t = 0;
    assert_int_equal(dt("2024-02-29T12:34:56.5Z", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("2024-02-29T12:34:56.999999999Z", &t), 0);
    assert_true(t == LEAP_NOON);
    assert_int_equal(dt("2024-02-29T15:34:56.123+03:00", &t), 0);
    assert_true(t == LEAP_NOON);
}

static void test_datetime_rejects_bad_forms(void **state)
{
    const char *bad[] = {
        "",
        "2024-02-29",
        "2024-02-29T12:34:56",  /* no zone */
        "2024-02-29T12:34Z",    /* no seconds */
        "2024-02-29X12:34:56Z", /* wrong separator */
        "2024-02-29T12-34-56Z",
        "2024-02-29T24:00:00Z", /* hour 24 */
        "2024-02-29T12:60:00Z",
        "2024-02-29T12:34:60Z",            /* leap seconds are not accepted */
        "2023-02-29T12:34:56Z",            /* a date that does not exist */
        "2024-02-29T12:34:56.Z",           /* dot without digits */
        "2024-02-29T12:34:56.1234567890Z", /* more than nanoseconds */
        "2024-02-29T12:34:56+03",
        "2024-02-29T12:34:56+0300",
        "2024-02-29T12:34:56+03:0",
        "2024-02-29T12:34:56+24:00",
        "2024-02-29T12:34:56+03:60",
        "2024-02-29T12:34:56Z ", /* trailing space */
        "2024-02-29T12:34:56ZZ",
        "2024-02-29T12:34:56+03:00Z",
        "2024-02-29T1a:34:56Z",
        "2024-02-29T12:34:56 Z",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int64_t t;
        if (dt(bad[i], &t) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void test_datetime_reads_only_the_view(void **state)
{
    int64_t t = 0;
    const char *s = "2024-02-29T12:34:56Zjunk";
    assert_int_equal(datetime_parse((struct str){s, 20}, &t), 0);
    assert_true(t == LEAP_NOON);
    /* cut inside the time: must not read past the view */
    assert_int_equal(datetime_parse((struct str){s, 19}, &t), -1);
}

/* ---- formatting and the calendar ---------------------------------------------------- */

static void test_fmt_u64_writes_decimal_digits(void **state)
{
    char out[21];
    assert_int_equal(fmt_u64(out, 0), 1);
    assert_string_equal(out, "0");
    assert_int_equal(fmt_u64(out, 1234567890), 10);
    assert_string_equal(out, "1234567890");
    assert_int_equal(fmt_u64(out, UINT64_MAX), 20);
    assert_string_equal(out, "18446744073709551615");
}

static void test_time_rfc3339_formats_known_instants(void **state)
{
    char out[21];
    time_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    time_rfc3339(LEAP_NOON, out);
    assert_string_equal(out, "2024-02-29T12:34:56Z");
    time_rfc3339(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    time_rfc3339(253402300799LL, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
}

static void test_time_rfc3339_round_trips_through_datetime_parse(void **state)
{
    /* every ~day and a bit from 1000-01-01 to 9999, odd seconds included */
    int64_t first = -30610224000LL; /* 1000-01-01T00:00:00Z */
    for (int64_t t = first; t < 253402300799LL; t += 86400 * 37 + 3671) {
        char out[21];
        int64_t back = 0;
        time_rfc3339(t, out);
        assert_int_equal(datetime_parse((struct str){out, 20}, &back), 0);
        if (back != t)
            fail_msg("%lld formatted as %s parsed back as %lld", (long long)t, out,
                     (long long)back);
    }
}

static void test_date_from_unix_gives_the_utc_date(void **state)
{
    char out[11];
    date_from_unix(LEAP_NOON, out);
    assert_string_equal(out, "2024-02-29");
    date_from_unix(-1, out);
    assert_string_equal(out, "1969-12-31");
}

static void test_days_from_civil_matches_known_days(void **state)
{
    assert_true(days_from_civil(1970, 1, 1) == 0);
    assert_true(days_from_civil(1969, 12, 31) == -1);
    assert_true(days_from_civil(2000, 2, 29) == 11016);
    assert_true(days_from_civil(2000, 3, 1) == 11017);
    assert_true(days_from_civil(2024, 2, 29) == 19782);
    assert_true(days_from_civil(1900, 3, 1) == -25508);
    assert_true(days_from_civil(1600, 2, 29) == -135081);
    assert_true(days_from_civil(1000, 1, 1) == -354285);
    assert_true(days_from_civil(9999, 12, 31) == 2932896);
}

static void test_days_from_civil_is_consecutive_across_month_and_year_ends(void **state)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t expect = days_from_civil(1899, 1, 1);
    for (int y = 1899; y <= 2101; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int n = dim[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= n; d++) {
                if (days_from_civil(y, m, d) != expect)
                    fail_msg("%04d-%02d-%02d", y, m, d);
                expect++;
            }
        }
    }
}

static void test_clock_offset_shifts_now(void **state)
{
    int64_t before = now_unix();
    core_set_clock_offset(86400 * 10);
    int64_t later = now_unix();
    core_set_clock_offset(0);
    assert_true(later - before >= 86400 * 10);
    assert_true(later - before <= 86400 * 10 + 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_set_fills_message_and_returns_minus_one),
        cmocka_unit_test(test_error_set_accepts_null_error),
        cmocka_unit_test(test_error_set_truncates_long_message_safely),
        cmocka_unit_test(test_arena_many_allocations_stay_distinct_and_intact),
        cmocka_unit_test(test_arena_sizes_around_the_small_first_blocks_are_whole),
        cmocka_unit_test(test_arena_large_allocation_is_fully_usable),
        cmocka_unit_test(test_arena_large_allocation_keeps_head_block_for_small_ones),
        cmocka_unit_test(test_arena_allocations_are_aligned_for_any_type),
        cmocka_unit_test(test_arena_zalloc_returns_zeroed_memory),
        cmocka_unit_test(test_arena_release_empties_and_arena_is_reusable),
        cmocka_unit_test(test_arena_dies_on_allocation_size_overflow),
        cmocka_unit_test(test_arena_strndup_copies_exactly_n_bytes_and_terminates),
        cmocka_unit_test(test_arena_printf_formats_beyond_small_sizes),
        cmocka_unit_test(test_str_from_null_is_empty),
        cmocka_unit_test(test_str_eq_compares_length_and_bytes),
        cmocka_unit_test(test_str_eq_handles_embedded_nul),
        cmocka_unit_test(test_str_starts_with_checks_prefix_within_view),
        cmocka_unit_test(test_str_cut_splits_at_first_separator),
        cmocka_unit_test(test_str_cut_without_separator_gives_whole_and_empty_rest),
        cmocka_unit_test(test_str_cut_handles_separator_at_edges),
        cmocka_unit_test(test_str_cut_ignores_bytes_beyond_the_view),
        cmocka_unit_test(test_buf_append_grows_and_keeps_content),
        cmocka_unit_test(test_buf_is_nul_terminated_after_every_operation),
        cmocka_unit_test(test_buf_empty_append_gives_empty_string),
        cmocka_unit_test(test_buf_printf_grows_past_its_stack_buffer),
        cmocka_unit_test(test_buf_printf_exactly_at_stack_buffer_boundary),
        cmocka_unit_test(test_buf_dies_on_size_overflow),
        cmocka_unit_test(test_buf_reset_keeps_memory_and_empties),
        cmocka_unit_test(test_buf_detach_hands_over_string_and_empties_buffer),
        cmocka_unit_test(test_buf_detach_of_empty_buffer_is_empty_string),
        cmocka_unit_test(test_buf_str_of_empty_buffer_is_not_null),
        cmocka_unit_test(test_utf8_accepts_ascii_and_empty),
        cmocka_unit_test(test_utf8_accepts_cyrillic_cjk_and_emoji),
        cmocka_unit_test(test_utf8_rejects_overlong_encoding),
        cmocka_unit_test(test_utf8_rejects_overlong_nul),
        cmocka_unit_test(test_utf8_rejects_surrogates),
        cmocka_unit_test(test_utf8_rejects_code_points_above_10ffff),
        cmocka_unit_test(test_utf8_rejects_truncated_sequences),
        cmocka_unit_test(test_utf8_rejects_stray_continuation_bytes),
        cmocka_unit_test(test_utf8_rejects_nul),
        cmocka_unit_test(test_utf8_length_counts_code_points_not_bytes),
        cmocka_unit_test(test_parse_i64_accepts_plain_numbers_in_range),
        cmocka_unit_test(test_parse_i64_enforces_bounds_inclusively),
        cmocka_unit_test(test_parse_i64_accepts_int64_extremes),
        cmocka_unit_test(test_parse_i64_rejects_overflow),
        cmocka_unit_test(test_parse_i64_rejects_plus_sign_and_lone_minus),
        cmocka_unit_test(test_parse_i64_rejects_junk_and_spaces),
        cmocka_unit_test(test_parse_i64_rejects_empty),
        cmocka_unit_test(test_parse_i64_reads_only_the_view),
        cmocka_unit_test(test_date_accepts_leap_day_of_2000_and_2024),
        cmocka_unit_test(test_date_rejects_leap_day_of_1900_and_2023),
        cmocka_unit_test(test_date_rejects_31st_of_30_day_months),
        cmocka_unit_test(test_date_rejects_year_zero_and_before_1000),
        cmocka_unit_test(test_date_rejects_month_and_day_zero_or_past_range),
        cmocka_unit_test(test_date_rejects_format_errors),
        cmocka_unit_test(test_date_reads_only_the_view),
        cmocka_unit_test(test_datetime_parses_utc_with_z),
        cmocka_unit_test(test_datetime_accepts_lower_case_t_z_and_space),
        cmocka_unit_test(test_datetime_normalises_offsets_to_utc),
        cmocka_unit_test(test_datetime_accepts_and_drops_fractional_seconds),
        cmocka_unit_test(test_datetime_rejects_bad_forms),
        cmocka_unit_test(test_datetime_reads_only_the_view),
        cmocka_unit_test(test_fmt_u64_writes_decimal_digits),
        cmocka_unit_test(test_time_rfc3339_formats_known_instants),
        cmocka_unit_test(test_time_rfc3339_round_trips_through_datetime_parse),
        cmocka_unit_test(test_date_from_unix_gives_the_utc_date),
        cmocka_unit_test(test_days_from_civil_matches_known_days),
        cmocka_unit_test(test_days_from_civil_is_consecutive_across_month_and_year_ends),
        cmocka_unit_test(test_clock_offset_shifts_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
