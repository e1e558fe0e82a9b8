/*
 * Unit tests of the route index (src/http/dispatch.c): for every path the real route table
 * can be asked, and every method, it finds the row that trying each row in turn finds,
 * with the same captures — declaration order still decides between rows that both match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/serve.h"

#include <stdio.h>
#include <string.h>

static const enum http_method all_methods[] = {M_GET, M_POST, M_PATCH, M_DELETE,
                                               M_PUT, M_HEAD, M_OTHER};

/* The first row of table for m that matches path, trying each in turn (the old dispatch). */
static const struct route *scan(const struct route *table, size_t n, enum http_method m,
                                const char *path)
{
    for (size_t i = 0; i < n; i++) {
        struct request r;
        memset(&r, 0, sizeof(r));
        if (table[i].method == m && route_match(&table[i], path, &r))
            return &table[i];
    }
    return NULL;
}

/* Checks the index against the scan for path and every method; counts the routes found. */
static void expect_same(const struct route_index *ix, const char *path, size_t *found)
{
    for (size_t k = 0; k < ARRAY_SIZE(all_methods); k++) {
        enum http_method m = all_methods[k];
        const struct route *want = scan(ix->table, ix->n, m, path);
        struct request got_r;
        memset(&got_r, 0, sizeof(got_r));
        /* Captures left by an earlier request must not leak into this one's. */
        got_r.res = resource_all[0];
        got_r.id = 99;
        const struct route *got = route_index_find(ix, m, path, &got_r);
        if (got != want)
            fail_msg("%s: the index found %s, the scan %s (method %d)", path,
                     got ? got->pattern : "nothing", want ? want->pattern : "nothing", (int)m);
        if (!want)
            continue;
        (*found)++;
        struct request want_r;
        memset(&want_r, 0, sizeof(want_r));
        assert_true(route_match(want, path, &want_r));
        if (got_r.res != want_r.res || got_r.id != want_r.id || got_r.sub != want_r.sub ||
            got_r.sub_id != want_r.sub_id)
            fail_msg("%s: the captures differ from %s's own", path, want->pattern);
    }
}

/* Every path pattern can produce: {collection} and {sub} as each resource's path, {id}
 * and {subid} as numbers; checked as they come. */
static void expand(const struct route_index *ix, const char *pat, char *out, size_t at,
                   size_t *paths, size_t *found)
{
    if (at >= 200)
        fail_msg("a route pattern expands beyond the test's buffer");
    if (!*pat) {
        out[at] = '\0';
        expect_same(ix, out, found);
        (*paths)++;
        return;
    }
    if (*pat != '{') {
        out[at] = *pat;
        expand(ix, pat + 1, out, at + 1, paths, found);
        return;
    }
    const char *end = strchr(pat, '}') + 1;
    if (!strncmp(pat, "{id}", 4) || !strncmp(pat, "{subid}", 7)) {
        memcpy(out + at, "7", 1);
        expand(ix, end, out, at + 1, paths, found);
        memcpy(out + at, "x", 1); /* not a number: no row with a number there may match */
        expand(ix, end, out, at + 1, paths, found);
        return;
    }
    bool sub = !strncmp(pat, "{sub}", 5);
    for (size_t i = 0; i < resource_count; i++) {
        const struct resource *res = resource_all[i];
        if (!res->path || (sub != (res->parent != NULL)))
            continue;
        size_t n = strlen(res->path);
        memcpy(out + at, res->path, n);
        expand(ix, end, out, at + n, paths, found);
    }
}

static void test_index_finds_what_the_scan_finds_for_every_declared_path(void **state)
{
    struct route_index ix;
    route_index_init(&ix, routes, routes_count);
    char buf[256];
    size_t paths = 0, found = 0;
    for (size_t i = 0; i < routes_count; i++)
        expand(&ix, routes[i].pattern, buf, 0, &paths, &found);
    /* With a trailing slash, and paths no route has. */
    static const char *const odd[] = {
        "/",
        "",
        "//",
        "/api",
        "/api/",
        "/api/v1",
        "/api/v1/",
        "/api/v1/organisations/",
        "/api/v1/organisations/7/",
        "/api/v1/organisations//",
        "/api/v1/nope",
        "/api/v1/organisations/0",
        "/api/v1/organisations/-1",
        "/api/v1/organisations/07",
        "/api/v1/organisations/9223372036854775808",
        "/healthz/",
        "/healthzz",
        "/api/v1/stats/delegations",
        "/api/v1/a/b/c/d/e/f/g/h/i/j",
        "/index.html",
        "/api/v1/organisations/7/obligations/",
        "/API/V1/ORGANISATIONS/7",
    };
    for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
        expect_same(&ix, odd[i], &found);
    /* The expansion reached every row: the comparison was not empty. */
    assert_true(paths > routes_count);
    assert_true(found >= routes_count);
    route_index_release(&ix);
}

static void test_index_keeps_declaration_order_between_rows_that_both_match(void **state)
{
    static const struct route table[] = {
        {.method = M_GET, .pattern = "/api/v1/{collection}/{id}"},
        {.method = M_GET, .pattern = "/api/v1/organisations/{id}"},
        {.method = M_POST, .pattern = "/api/v1/organisations/{id}"},
        {.method = M_GET, .pattern = "/api/v1/organisations/new"},
        {.method = M_GET, .pattern = "/api/v1/{collection}/new"},
    };
    struct route_index ix;
    route_index_init(&ix, table, ARRAY_SIZE(table));
    struct request r;
    memset(&r, 0, sizeof(r));
    assert_ptr_equal(route_index_find(&ix, M_GET, "/api/v1/organisations/5", &r), &table[0]);
    assert_int_equal(r.id, 5);
    assert_ptr_equal(route_index_find(&ix, M_POST, "/api/v1/organisations/5", &r), &table[2]);
    assert_ptr_equal(route_index_find(&ix, M_GET, "/api/v1/organisations/new", &r), &table[3]);
    assert_ptr_equal(route_index_find(&ix, M_GET, "/api/v1/people/new", &r), &table[4]);
    assert_null(route_index_find(&ix, M_DELETE, "/api/v1/organisations/5", &r));
    route_index_release(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_finds_what_the_scan_finds_for_every_declared_path),
        cmocka_unit_test(test_index_keeps_declaration_order_between_rows_that_both_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
