/*
 * Unit tests of route_match (src/http/routes.c): literals, {collection} and {id}
 * captures, trailing slashes, and what must not match. Also checks that the real route
 * table sends the foundation's paths where the issue says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "http/http.h"

#include <stdio.h>
#include <string.h>

static const struct route collection = {.method = M_GET, .pattern = "/api/v1/{collection}"};
static const struct route item = {.method = M_GET, .pattern = "/api/v1/{collection}/{id}"};
static const struct route healthz = {.method = M_GET, .pattern = "/healthz"};

/* Matches path against rt with a fresh, zeroed request; the request is copied to *out. */
static bool match(const struct route *rt, const char *path, struct request *out)
{
    struct request r;
    memset(&r, 0, sizeof(r));
    bool ok = route_match(rt, path, &r);
    if (out)
        *out = r;
    return ok;
}

static void expect_no_match(const struct route *rt, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (match(rt, paths[i], NULL))
            fail_msg("\"%s\" matched \"%s\"", paths[i], rt->pattern);
}

/* The route of the real table that serves method on path, or NULL. */
static const struct route *table_route(enum http_method m, const char *path, struct request *out)
{
    for (size_t i = 0; i < routes_count; i++) {
        struct request r;
        memset(&r, 0, sizeof(r));
        if (route_match(&routes[i], path, &r) && routes[i].method == m) {
            if (out)
                *out = r;
            return &routes[i];
        }
    }
    return NULL;
}

/* ---- {collection} ------------------------------------------------------------------- */

static void test_collection_pattern_captures_declared_resource(void **state)
{
    struct request r;
    assert_true(match(&collection, "/api/v1/organisations", &r));
    assert_ptr_equal(r.res, &res_organisations);
    assert_true(match(&collection, "/api/v1/people", &r));
    assert_ptr_equal(r.res, &res_people);
    assert_int_equal(r.id, 0);
}

static void test_collection_pattern_refuses_unknown_collection(void **state)
{
    static const char *const bad[] = {"/api/v1/widgets",
                                      "/api/v1/Organisations",
                                      "/api/v1/organisation",
                                      "/api/v1/organisationsx",
                                      "/api/v1/",
                                      "/api/v1/users",
                                      "/api/v1/organisations%2F"};
    expect_no_match(&collection, bad, ARRAY_SIZE(bad));
}

static void test_collection_pattern_tolerates_one_trailing_slash(void **state)
{
    struct request r;
    assert_true(match(&collection, "/api/v1/organisations/", &r));
    assert_ptr_equal(r.res, &res_organisations);
    static const char *const bad[] = {"/api/v1/organisations//"};
    expect_no_match(&collection, bad, ARRAY_SIZE(bad));
}

static void test_collection_pattern_refuses_extra_or_missing_segments(void **state)
{
    static const char *const bad[] = {"/api/v1/organisations/5",
                                      "/api/v1/organisations/x",
                                      "/api/v1",
                                      "/api",
                                      "/",
                                      "",
                                      "/api/v1//organisations",
                                      "//api/v1/organisations",
                                      "api/v1/organisations",
                                      "/api/v2/organisations",
                                      "/API/v1/organisations",
                                      "/x/api/v1/organisations"};
    expect_no_match(&collection, bad, ARRAY_SIZE(bad));
}

/* ---- {id} --------------------------------------------------------------------------- */

static void test_item_pattern_captures_collection_and_id(void **state)
{
    struct request r;
    assert_true(match(&item, "/api/v1/people/42", &r));
    assert_ptr_equal(r.res, &res_people);
    assert_int_equal(r.id, 42);
    assert_true(match(&item, "/api/v1/organisations/1", &r));
    assert_ptr_equal(r.res, &res_organisations);
    assert_int_equal(r.id, 1);
}

static void test_item_pattern_accepts_largest_id(void **state)
{
    struct request r;
    assert_true(match(&item, "/api/v1/organisations/9223372036854775807", &r));
    assert_true(r.id == INT64_MAX);
}

static void test_item_pattern_refuses_ids_that_are_not_positive_integers(void **state)
{
    static const char *const bad[] = {
        "/api/v1/organisations/0",
        "/api/v1/organisations/-1",
        "/api/v1/organisations/abc",
        "/api/v1/organisations/99999999999999999999",
        "/api/v1/organisations/9223372036854775808",
        "/api/v1/organisations/+1",
        "/api/v1/organisations/1.0",
        "/api/v1/organisations/1e3",
        "/api/v1/organisations/0x1",
        "/api/v1/organisations/ 1",
        "/api/v1/organisations/1 ",
        "/api/v1/organisations/",
        "/api/v1/organisations//",
    };
    expect_no_match(&item, bad, ARRAY_SIZE(bad));
}

static void test_item_pattern_refuses_unknown_collection(void **state)
{
    static const char *const bad[] = {"/api/v1/widgets/1", "/api/v1/People/1"};
    expect_no_match(&item, bad, ARRAY_SIZE(bad));
}

static void test_item_pattern_tolerates_one_trailing_slash(void **state)
{
    struct request r;
    assert_true(match(&item, "/api/v1/people/7/", &r));
    assert_ptr_equal(r.res, &res_people);
    assert_int_equal(r.id, 7);
}

static void test_item_pattern_refuses_extra_segments(void **state)
{
    static const char *const bad[] = {"/api/v1/people/7/x", "/api/v1/people/7/8",
                                      "/api/v1/people/7//", "/api/v1/people", "/api/v1/7"};
    expect_no_match(&item, bad, ARRAY_SIZE(bad));
}

/* ---- literals ----------------------------------------------------------------------- */

static void test_literal_pattern_matches_exactly(void **state)
{
    assert_true(match(&healthz, "/healthz", NULL));
    assert_true(match(&healthz, "/healthz/", NULL));
    static const char *const bad[] = {"/healthzz", "/health", "/healthz/x", "/Healthz",
                                      "/",         "healthz", "/healthz?x"};
    expect_no_match(&healthz, bad, ARRAY_SIZE(bad));
}

/* ---- the real route table ----------------------------------------------------------- */

static void test_table_routes_collection_paths_to_list_and_create(void **state)
{
    struct request r;
    const struct route *get = table_route(M_GET, "/api/v1/organisations", &r);
    assert_non_null(get);
    assert_string_equal(get->pattern, "/api/v1/{collection}");
    assert_ptr_equal(r.res, &res_organisations);
    const struct route *post = table_route(M_POST, "/api/v1/people", &r);
    assert_non_null(post);
    assert_int_equal(post->body, BODY_JSON);
    assert_ptr_equal(r.res, &res_people);
}

static void test_table_routes_item_paths_to_get_patch_delete(void **state)
{
    struct request r;
    static const enum http_method methods[] = {M_GET, M_PATCH, M_DELETE};
    for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
        const struct route *rt = table_route(methods[i], "/api/v1/organisations/12", &r);
        assert_non_null(rt);
        assert_string_equal(rt->pattern, "/api/v1/{collection}/{id}");
        assert_int_equal(r.id, 12);
    }
    assert_null(table_route(M_POST, "/api/v1/organisations/12", NULL));
    assert_null(table_route(M_PUT, "/api/v1/organisations/12", NULL));
}

static void test_table_has_no_route_for_bad_api_paths(void **state)
{
    static const char *const bad[] = {"/api/v1/widgets", "/api/v1/organisations/0",
                                      "/api/v1/organisations/abc", "/api/v1/organisations/1/x/y/z",
                                      "/api/v2/organisations"};
    static const enum http_method methods[] = {M_GET, M_POST, M_PATCH, M_DELETE, M_PUT};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        for (size_t k = 0; k < ARRAY_SIZE(methods); k++)
            if (table_route(methods[k], bad[i], NULL))
                fail_msg("a route serves %s", bad[i]);
}

static void test_table_serves_healthz_without_credentials(void **state)
{
    const struct route *h = table_route(M_GET, "/healthz", NULL);
    assert_non_null(h);
    assert_true(route_is_public(h));
    assert_int_equal(route_least_role(h), ROLE_ANON);
}

/* route_match treats every {...} segment as a capture: each must be one it knows. */
static void test_table_patterns_use_only_known_captures(void **state)
{
    static const char *const known[] = {"{collection}", "{id}", "{sub}", "{subid}"};
    for (size_t i = 0; i < routes_count; i++) {
        for (const char *p = strchr(routes[i].pattern, '{'); p; p = strchr(p + 1, '{')) {
            const char *end = strchr(p, '}');
            bool ok = end && (p[-1] == '/') && (end[1] == '/' || end[1] == '\0');
            size_t n = end ? (size_t)(end - p + 1) : 0;
            bool named = false;
            for (size_t k = 0; k < ARRAY_SIZE(known) && ok; k++)
                named |= strlen(known[k]) == n && strncmp(p, known[k], n) == 0;
            if (!ok || !named)
                fail_msg("route %s: a capture that is not a whole known segment", routes[i].pattern);
        }
    }
}

/* Each route that takes query parameters declares them in a table that ends with a NULL
 * name and fits in the request's slots. */
static void test_declared_query_parameters_fit(void **state)
{
    for (size_t i = 0; i < routes_count; i++) {
        size_t n = 0;
        for (; routes[i].params && routes[i].params[n].name; n++)
            if (routes[i].params[n].type == PT_ENUM && !routes[i].params[n].values)
                fail_msg("route %s: enum %s without values", routes[i].pattern,
                         routes[i].params[n].name);
        assert_true(n <= LIMIT_QUERY_PARAMS);
        if (!routes[i].summary)
            fail_msg("route %s has no summary", routes[i].pattern);
    }
}

/*
 * docs/api.md holds the route table that routes_markdown writes from routes[], between
 * two marker lines; when a route changes and the document does not, this fails (run
 * `make api-doc` to rewrite it). Run from the repository's root (make unit does).
 */
static void test_docs_api_route_table_is_current(void **state)
{
    static const char begin[] = "<!-- routes: generated by `make api-doc` from src/http/routes.c; "
                                "do not edit -->\n";
    static const char end[] = "<!-- end of routes -->";
    FILE *f = fopen("docs/api.md", "r");
    assert_non_null(f);
    struct buf doc = BUF_INIT, want = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&doc, chunk, n);
    fclose(f);
    const char *a = doc.p ? strstr(doc.p, begin) : NULL;
    const char *b = a ? strstr(a, end) : NULL;
    if (!a || !b)
        fail_msg("docs/api.md lacks the generated route table's markers");
    a += strlen(begin);
    routes_markdown(&want);
    if ((size_t)(b - a) != want.n || memcmp(a, want.p, want.n) != 0)
        fail_msg("docs/api.md's route table is stale: run `make api-doc`");
    buf_release(&doc);
    buf_release(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collection_pattern_captures_declared_resource),
        cmocka_unit_test(test_collection_pattern_refuses_unknown_collection),
        cmocka_unit_test(test_collection_pattern_tolerates_one_trailing_slash),
        cmocka_unit_test(test_collection_pattern_refuses_extra_or_missing_segments),
        cmocka_unit_test(test_item_pattern_captures_collection_and_id),
        cmocka_unit_test(test_item_pattern_accepts_largest_id),
        cmocka_unit_test(test_item_pattern_refuses_ids_that_are_not_positive_integers),
        cmocka_unit_test(test_item_pattern_refuses_unknown_collection),
        cmocka_unit_test(test_item_pattern_tolerates_one_trailing_slash),
        cmocka_unit_test(test_item_pattern_refuses_extra_segments),
        cmocka_unit_test(test_literal_pattern_matches_exactly),
        cmocka_unit_test(test_table_routes_collection_paths_to_list_and_create),
        cmocka_unit_test(test_table_routes_item_paths_to_get_patch_delete),
        cmocka_unit_test(test_table_has_no_route_for_bad_api_paths),
        cmocka_unit_test(test_table_serves_healthz_without_credentials),
        cmocka_unit_test(test_table_patterns_use_only_known_captures),
        cmocka_unit_test(test_declared_query_parameters_fit),
        cmocka_unit_test(test_docs_api_route_table_is_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
