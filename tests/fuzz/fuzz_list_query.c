/*
 * libFuzzer: the query string of a list, all the way to SQL. The first byte picks the
 * resource and the caller's role; the rest is a raw query string ("country=RU&sort=-name
 * &limit=5&cursor=..."), decoded as libmicrohttpd decodes it and read by
 * list_query_parse — the function the handler calls. A query that parses is scoped to
 * the role (domain_list_scope) and run by store_list against the demo database.
 *
 * Properties, beyond "no crash, no sanitizer report":
 *   - a parsed query never fails in the store except for a foreign cursor (anything else
 *     is a 503 for a request that was the client's fault, or a broken SQL builder);
 *   - the cursor the store hands out for the next page is accepted, and the next page
 *     shares no record with the first.
 */
#include "domain/access.h"
#include "fuzz_common.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum role roles[] = {ROLE_ANON, ROLE_NGO, ROLE_OFFICER, ROLE_ADMIN};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192 || resource_count == 0)
        return 0;
    struct store *s = fuzz_store();
    const struct resource *res = resource_all[(data[0] & 0x3f) % resource_count];
    struct principal who = {.role = roles[data[0] >> 6], .user_id = 1, .org_id = 4};
    if (who.role == ROLE_ANON)
        who.user_id = 0, who.org_id = 0;
    struct arena a = ARENA_INIT;
    struct query_param params[LIMIT_QUERY_PARAMS];
    size_t n = fuzz_query_split((const char *)data + 1, size - 1, &a, params, ARRAY_SIZE(params));
    struct errors errs;
    errors_init(&errs, &a);
    struct list_query q;
    if (n > ARRAY_SIZE(params) || list_query_parse(res, params, n, &a, &q, &errs) < 0 ||
        domain_list_scope(&who, res, &q) < 0)
        goto out;
    struct store_conn *c = store_reader(s);
    struct list_result first, next;
    struct error err = ERROR_INIT;
    store_read_begin(c);
    int rc = store_list(c, res, &q, &a, &first, &err);
    if (rc != STORE_OK && rc != STORE_CONFLICT) {
        fprintf(stderr, "store_list(%s) failed on a parsed query: %s\n", res->name, err.msg);
        __builtin_trap();
    }
    if (rc == STORE_OK) {
        struct hook_ctx ctx = {.who = &who, .conn = c, .arena = &a};
        struct buf out = BUF_INIT;
        struct jw w;
        jw_init(&w, &out);
        jw_arr(&w);
        for (size_t i = 0; i < first.n; i++)
            record_to_json(&ctx, first.items[i], &w);
        jw_arr_end(&w);
        buf_release(&out);
    }
    if (rc == STORE_OK && first.next_cursor) {
        q.cursor = str_from(first.next_cursor);
        q.count = false;
        rc = store_list(c, res, &q, &a, &next, &err);
        if (rc != STORE_OK) {
            fprintf(stderr, "our own cursor for %s was refused: %s\n", res->name, err.msg);
            __builtin_trap();
        }
        for (size_t i = 0; i < next.n; i++)
            for (size_t j = 0; j < first.n; j++)
                if (next.items[i]->id == first.items[j]->id) {
                    fprintf(stderr, "%s: record %lld on two pages\n", res->name,
                            (long long)next.items[i]->id);
                    __builtin_trap();
                }
    }
    store_read_end(c);
out:
    arena_release(&a);
    return 0;
}
