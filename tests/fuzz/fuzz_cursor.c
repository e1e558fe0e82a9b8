/*
 * libFuzzer: list cursors. A cursor is opaque to clients but comes back from them, so it
 * is input like any other. The first byte picks the resource, the second the sort (id or
 * one of the resource's F_SORT fields; the top bit: descending); the rest is the
 * cursor's content before base64url — the fuzzer works on the JSON inside rather than
 * on its encoding. store_list on the demo database must answer the page or refuse the
 * cursor (STORE_CONFLICT, a 400); it must never fail otherwise (a 503) or crash.
 */
#include "fuzz_common.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 4 * LIMIT_CURSOR || resource_count == 0)
        return 0;
    struct store *s = fuzz_store();
    const struct resource *res = resource_all[data[0] % resource_count];
    int sorts[64], nsorts = 0;
    sorts[nsorts++] = -1;
    for (size_t f = 0; f < res->nfields && nsorts < (int)ARRAY_SIZE(sorts); f++)
        if (res->fields[f].flags & F_SORT)
            sorts[nsorts++] = (int)f;
    struct list_query q;
    memset(&q, 0, sizeof(q));
    q.sort = sorts[(data[1] & 0x7f) % nsorts];
    q.desc = (data[1] & 0x80) != 0;
    q.limit = 3;
    struct arena a = ARENA_INIT;
    size_t cap = sodium_base64_ENCODED_LEN(size - 2, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *cursor = arena_alloc(&a, cap);
    sodium_bin2base64(cursor, cap, data + 2, size - 2, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    q.cursor = str_from(cursor);
    struct store_conn *c = store_reader(s);
    struct list_result out;
    struct error err = ERROR_INIT;
    store_read_begin(c);
    int rc = store_list(c, res, &q, &a, &out, &err);
    store_read_end(c);
    if (rc != STORE_OK && rc != STORE_CONFLICT) {
        fprintf(stderr, "store_list(%s) with a client's cursor failed: %s\n", res->name, err.msg);
        __builtin_trap();
    }
    arena_release(&a);
    return 0;
}
