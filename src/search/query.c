/*
 * The query language users type: words (all must match), "quoted phrases" (the words in
 * that order), and a '*' ending a word or phrase for a prefix. Everything else in a word
 * — hyphens, guillemets, apostrophes, FTS5 operators such as AND, NEAR or ':' — is text,
 * which the tokenizer turns into words; each term reaches FTS5 as a quoted string.
 */
#include "search/search.h"
#include "core/limits.h"

#include <string.h>

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool control(char c)
{
    return ((unsigned char)c < 0x20 && !space(c)) || c == 0x7f;
}

static size_t letters(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c & 0xC0) == 0x80 || space((char)c))
            continue;
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            n++;
    }
    return n;
}

int search_parse(struct str q, struct search_query *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    if (q.n > LIMIT_SEARCH_QUERY)
        return error_set(err, "the query is longer than %d bytes", LIMIT_SEARCH_QUERY);
    size_t i = 0;
    while (i < q.n) {
        if (space(q.p[i])) {
            i++;
            continue;
        }
        struct search_term t = {0};
        if (q.p[i] == '"') {
            const char *close = memchr(q.p + i + 1, '"', q.n - i - 1);
            if (!close)
                return error_set(err, "a quotation mark is not closed");
            t.phrase = true;
            t.text = (struct str){q.p + i + 1, (size_t)(close - (q.p + i + 1))};
            i = (size_t)(close - q.p) + 1;
            if (i < q.n && q.p[i] == '*') {
                t.prefix = true;
                i++;
            }
        } else {
            size_t j = i;
            while (j < q.n && !space(q.p[j]) && q.p[j] != '"')
                j++;
            t.text = (struct str){q.p + i, j - i};
            i = j;
            if (t.text.p[t.text.n - 1] == '*') {
                t.prefix = true;
                t.text.n--;
            }
        }
        for (size_t k = 0; k < t.text.n; k++) {
            if (control(t.text.p[k]))
                return error_set(err, "the query contains control characters");
            if (t.text.p[k] == '*')
                return error_set(err, "'*' may only end a word, to search by its beginning");
        }
        if (t.prefix && letters(t.text) < 2)
            return error_set(err, "a prefix needs at least two letters before '*'");
        if (letters(t.text) == 0)
            continue; /* "" or punctuation alone: nothing to look for */
        if (out->n == SEARCH_MAX_TERMS)
            return error_set(err, "the query has more than %d words or phrases", SEARCH_MAX_TERMS);
        out->terms[out->n++] = t;
    }
    if (out->n == 0)
        return error_set(err, "the query has no words to look for");
    return 0;
}

static int count_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (*(size_t *)ctx)++;
    return 0;
}

size_t search_query_prune(struct search_tokenizer *t, struct search_query *q)
{
    size_t kept = 0;
    for (size_t i = 0; i < q->n; i++) {
        const struct search_term *term = &q->terms[i];
        size_t tokens = 0;
        search_tokenize(t, term->prefix ? SEARCH_QUERY_PREFIX : SEARCH_QUERY, term->text.p,
                        term->text.n, count_token, &tokens);
        if (tokens)
            q->terms[kept++] = *term;
    }
    q->n = kept;
    return kept;
}

const char *search_fts_expr(const struct search_query *q, struct arena *a)
{
    if (q->n == 0)
        return "\"\"";
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < q->n; i++) {
        const struct search_term *t = &q->terms[i];
        if (i)
            buf_puts(&b, " AND ");
        buf_putc(&b, '"');
        for (size_t k = 0; k < t->text.n; k++) {
            if (t->text.p[k] == '"')
                buf_putc(&b, '"');
            buf_putc(&b, t->text.p[k]);
        }
        buf_putc(&b, '"');
        if (t->prefix)
            buf_puts(&b, " *");
    }
    const char *s = arena_strndup(a, b.p ? b.p : "", b.n);
    buf_release(&b);
    return s;
}
