/*
 * Unit tests of the OpenAPI document (src/http/openapi.c, openapi_schema.c): it is written
 * for the real route table without tripping its BUG (a route answering a schema that is
 * not declared), it is JSON, every $ref names a declared schema, and every operation
 * declares its path parameters — so a route added without its shape fails here, not as a
 * crash of the server when someone asks for /api/v1/openapi.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/openapi.h"

#include <jansson.h>
#include <string.h>

/* The document, parsed; the caller decrefs it. */
static json_t *document(void)
{
    struct arena a = ARENA_INIT;
    struct buf out = BUF_INIT;
    struct jw w;
    jw_init(&w, &out);
    openapi_write(&w, &a);
    json_error_t err;
    json_t *doc = json_loadb(out.p, out.n, 0, &err);
    if (!doc)
        fail_msg("the document is not JSON: %s at %d", err.text, err.position);
    buf_release(&out);
    arena_release(&a);
    return doc;
}

/* Every "$ref" under v names a schema of schemas; counts them in *n. */
static void check_refs(const json_t *v, const json_t *schemas, size_t *n)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x)
        {
            if (!strcmp(key, "$ref") && json_is_string(x)) {
                const char *ref = json_string_value(x);
                const char *prefix = "#/components/schemas/";
                if (strncmp(ref, prefix, strlen(prefix)) != 0 ||
                    !json_object_get(schemas, ref + strlen(prefix)))
                    fail_msg("$ref %s names no declared schema", ref);
                (*n)++;
            } else {
                check_refs(x, schemas, n);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, x)
        {
            check_refs(x, schemas, n);
        }
    }
}

static void test_every_reference_names_a_declared_schema(void **state)
{
    (void)state;
    json_t *doc = document();
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    assert_non_null(schemas);
    assert_non_null(json_object_get(schemas, "problem"));
    assert_non_null(json_object_get(schemas, "organisations_patch"));
    assert_non_null(json_object_get(schemas, "organisations_page"));
    size_t n = 0;
    check_refs(doc, schemas, &n);
    assert_true(n > 1000);
    json_decref(doc);
}

static void test_every_operation_declares_its_path_parameters_and_answers(void **state)
{
    (void)state;
    json_t *doc = document();
    const char *path, *method;
    json_t *item, *op;
    size_t ops = 0;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        json_object_foreach(item, method, op)
        {
            ops++;
            json_t *params = json_object_get(op, "parameters");
            for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
                size_t len = strcspn(p + 1, "}");
                bool found = false;
                size_t i;
                json_t *prm;
                json_array_foreach(params, i, prm)
                {
                    const char *name = json_string_value(json_object_get(prm, "name"));
                    found |= name && strlen(name) == len && !strncmp(name, p + 1, len);
                }
                if (!found)
                    fail_msg("%s %s does not declare %.*s", method, path, (int)len, p + 1);
            }
            json_t *responses = json_object_get(op, "responses");
            if (!json_object_get(responses, "default"))
                fail_msg("%s %s has no default (problem) answer", method, path);
            assert_non_null(json_object_get(op, "operationId"));
            assert_true(json_array_size(json_object_get(op, "security")) > 0);
        }
    }
    assert_true(ops > 140);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_reference_names_a_declared_schema),
        cmocka_unit_test(test_every_operation_declares_its_path_parameters_and_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
