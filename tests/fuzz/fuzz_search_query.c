/*
 * libFuzzer: the search query language and everything a query reaches. The first byte
 * picks who asks (all / one organisation / public) and the page size; the rest is what
 * the user typed, then optionally a NUL and a cursor's content before base64url.
 *
 *   - search_parse, search_fts_expr, search_query_prune, the matcher, and a snippet of
 *     the typed text itself: no crash; the HTML snippet has no '<' but our own tags;
 *   - search_run on the demo database (FTS5 with the civdesk tokenizer, bm25, access
 *     scope, snippets): answers or refuses (STORE_CONFLICT, a 400), never fails
 *     otherwise (a 503); every title and snippet is valid UTF-8; the next-page cursor it
 *     gives is accepted.
 */
#include "fuzz_common.h"
#include "search/search.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct snippet_style style = {
    .open = "<mark>", .close = "</mark>", .ellipsis = "…", .html = true, .words = 12};

/* The snippet with our own tags taken out has no '<' left: the text was escaped. */
static bool escaped(const char *s)
{
    while ((s = strchr(s, '<'))) {
        if (strncmp(s, style.open, strlen(style.open)) == 0)
            s += strlen(style.open);
        else if (strncmp(s, style.close, strlen(style.close)) == 0)
            s += strlen(style.close);
        else
            return false;
    }
    return true;
}

static void check_hits(const struct search_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        const struct search_hit *h = &res->items[i];
        if ((h->title && !utf8_valid(h->title, strlen(h->title))) ||
            (h->snippet && !utf8_valid(h->snippet, strlen(h->snippet)))) {
            fprintf(stderr, "hit %s/%lld: title or snippet is not valid UTF-8\n", h->res->name,
                    (long long)h->id);
            __builtin_trap();
        }
        if (h->snippet && !escaped(h->snippet)) {
            fprintf(stderr, "hit %s/%lld: snippet not escaped: %s\n", h->res->name,
                    (long long)h->id, h->snippet);
            __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2 * LIMIT_SEARCH_QUERY + 64)
        return 0;
    struct store *s = fuzz_store();
    static struct search_tokenizer *t;
    struct error err = ERROR_INIT;
    if (!t && search_tokenizer_new(&t, NULL, &err) < 0)
        die("fuzz: tokenizer: %s", err.msg);
    struct arena a = ARENA_INIT;
    const char *text = (const char *)data + 1;
    const char *nul = memchr(text, '\0', size - 1);
    struct str q = {text, nul ? (size_t)(nul - text) : size - 1};
    struct str raw_cursor = {0};
    if (nul)
        raw_cursor = (struct str){nul + 1, size - 1 - q.n - 1};

    struct search_query sq;
    if (search_parse(q, &sq, &err) == 0) {
        for (size_t i = 0; i < sq.n; i++)
            if (sq.terms[i].text.p < q.p || sq.terms[i].text.p + sq.terms[i].text.n > q.p + q.n)
                __builtin_trap(); /* terms borrow from the query */
        (void)search_fts_expr(&sq, &a);
        search_query_prune(t, &sq);
        (void)search_fts_expr(&sq, &a);
        struct search_matcher *m = search_matcher_new(t, &sq, &a);
        bool matched;
        const char *snip = search_snippet(t, m, q.p, q.n, &style, &a, &matched);
        if (snip && !escaped(snip))
            __builtin_trap();
    }

    struct search_request rq = {
        .q = q,
        .limit = 1 + (data[0] >> 2) % 8,
        .scope = (enum search_scope)(data[0] % 3),
        .org = 4,
        .style = style,
    };
    if (raw_cursor.n) {
        size_t cap =
            sodium_base64_ENCODED_LEN(raw_cursor.n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        char *cur = arena_alloc(&a, cap);
        sodium_bin2base64(cur, cap, (const unsigned char *)raw_cursor.p, raw_cursor.n,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        rq.cursor = str_from(cur);
    }
    struct store_conn *c = store_reader(s);
    struct search_result res;
    store_read_begin(c);
    int rc = search_run(c, &rq, &a, &res, &err);
    if (rc != STORE_OK && rc != STORE_CONFLICT) {
        fprintf(stderr, "search_run failed: %s\n", err.msg);
        __builtin_trap();
    }
    if (rc == STORE_OK) {
        check_hits(&res);
        if (res.next_cursor) {
            rq.cursor = str_from(res.next_cursor);
            rc = search_run(c, &rq, &a, &res, &err);
            if (rc != STORE_OK) {
                fprintf(stderr, "our own search cursor was refused: %s\n", err.msg);
                __builtin_trap();
            }
            check_hits(&res);
        }
    }
    store_read_end(c);
    arena_release(&a);
    return 0;
}
