/*
 * Snippets. The index is contentless, so FTS5's snippet() has no text to work on; the
 * record's text is read from its table and tokenized again here, with the same
 * tokenizer, so a word is marked exactly when the index matched it — whatever its form or
 * script ("Чкалова" is marked for the query "Chkalov").
 */
#include "search/search.h"

#include <stdlib.h>
#include <string.h>

#define SNIPPET_SCAN_BYTES (64 * 1024) /* matches are looked for in this much of the text */
#define SNIPPET_TAIL_BYTES 40          /* wordless text shown after the last word */

struct qkey {
    const char *s;
    int n;
    bool prefix;
};

struct search_matcher {
    struct qkey *keys;
    size_t n, cap;
    struct arena *arena;
    size_t last_pos_first; /* while collecting: first key of the term's last word */
    size_t nterms;         /* the query's terms: a window with as many hits is enough */
};

static int collect(void *ctx, int flags, const char *token, int n, int start, int end)
{
    struct search_matcher *m = ctx;
    if (!(flags & SEARCH_COLOCATED))
        m->last_pos_first = m->n;
    struct qkey *k = arena_push(m->arena, (void **)&m->keys, &m->n, &m->cap, sizeof(*k));
    *k = (struct qkey){arena_strndup(m->arena, token, (size_t)n), n, false};
    return 0;
}

struct search_matcher *search_matcher_new(struct search_tokenizer *t, const struct search_query *q,
                                          struct arena *a)
{
    struct search_matcher *m = arena_zalloc(a, sizeof(*m));
    m->arena = a;
    m->nterms = q->n;
    for (size_t i = 0; i < q->n; i++) {
        const struct search_term *term = &q->terms[i];
        size_t first = m->n;
        m->last_pos_first = m->n;
        search_tokenize(t, term->prefix ? SEARCH_QUERY_PREFIX : SEARCH_QUERY, term->text.p,
                        term->text.n, collect, m);
        /* Only the keys of the last word of a prefix term are prefixes. */
        if (term->prefix && m->n > first)
            for (size_t k = m->last_pos_first; k < m->n; k++)
                m->keys[k].prefix = true;
    }
    return m;
}

static bool key_matches(const struct search_matcher *m, const char *s, int n)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct qkey *k = &m->keys[i];
        if (k->prefix ? (n >= k->n && memcmp(s, k->s, (size_t)k->n) == 0)
                      : (n == k->n && memcmp(s, k->s, (size_t)n) == 0))
            return true;
    }
    return false;
}

struct word {
    int start, end;
    bool hit;
};

struct words {
    struct word *w;
    size_t n, cap;
    const struct search_matcher *m;
    bool oom;
    size_t width;   /* words a snippet shows */
    size_t stop_at; /* > 0: enough words once there are this many */
    bool stopped;   /* the text was not read to its end */
};

/* Whether the `width` words ending with the last one hold as many hits as the query has
 * terms: a snippet good enough that reading on for a better one does not pay. */
static bool window_full(const struct words *ws)
{
    size_t hits = 0, from = ws->n > ws->width ? ws->n - ws->width : 0;
    for (size_t i = from; i < ws->n; i++)
        hits += ws->w[i].hit;
    return hits >= ws->m->nterms;
}

static int add_word(void *ctx, int flags, const char *token, int n, int start, int end)
{
    struct words *ws = ctx;
    if (!(flags & SEARCH_COLOCATED)) {
        /* A new word: the one before is complete (its colocated keys are in). Tokenizing
         * the rest of a long text cost as much as ranking the matches (issue 21): once a
         * window holds every term, `width` words more are all the snippet can show. */
        if (ws->stop_at && ws->n >= ws->stop_at) {
            ws->stopped = true;
            return 1;
        }
        if (!ws->stop_at && ws->n && ws->w[ws->n - 1].hit && window_full(ws))
            ws->stop_at = ws->n + ws->width;
        if (ws->n == ws->cap) {
            size_t cap = ws->cap ? ws->cap * 2 : 64;
            struct word *w = realloc(ws->w, cap * sizeof(*w));
            if (!w) {
                ws->oom = true;
                return 1;
            }
            ws->w = w;
            ws->cap = cap;
        }
        ws->w[ws->n++] = (struct word){start, end, false};
    }
    if (ws->n && !ws->w[ws->n - 1].hit && key_matches(ws->m, token, n))
        ws->w[ws->n - 1].hit = true;
    return 0;
}

/* Text between and of words: one line (line breaks become spaces), escaped for HTML. */
static void put_text(struct buf *b, const char *p, size_t n, bool html)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n' || c == '\r' || c == '\t')
            buf_putc(b, ' ');
        else if (html && c == '&')
            buf_puts(b, "&amp;");
        else if (html && c == '<')
            buf_puts(b, "&lt;");
        else if (html && c == '>')
            buf_puts(b, "&gt;");
        else if (html && c == '"')
            buf_puts(b, "&quot;");
        else if (html && c == '\'')
            buf_puts(b, "&#39;");
        else
            buf_putc(b, c);
    }
}

const char *search_snippet(struct search_tokenizer *t, const struct search_matcher *m,
                           const char *text, size_t n, const struct snippet_style *style,
                           struct arena *a, bool *matched)
{
    *matched = false;
    size_t scan = n;
    if (scan > SNIPPET_SCAN_BYTES) {
        scan = SNIPPET_SCAN_BYTES;
        while (scan > 0 && ((unsigned char)text[scan] & 0xC0) == 0x80)
            scan--;
    }
    size_t width = style->words > 0 ? (size_t)style->words : 24;
    struct words ws = {.m = m, .width = width};
    search_tokenize(t, SEARCH_DOCUMENT, text, scan, add_word, &ws);
    if (ws.n == 0) {
        free(ws.w);
        return arena_strdup(a, "");
    }
    /* The window of `width` words holding the most matches (the first such). */
    size_t best = 0, best_hits = 0, hits = 0;
    for (size_t i = 0; i < ws.n; i++) {
        hits += ws.w[i].hit;
        if (i >= width)
            hits -= ws.w[i - width].hit;
        if (hits > best_hits) {
            best_hits = hits;
            best = i + 1 > width ? i + 1 - width : 0;
        }
    }
    *matched = best_hits > 0;
    /* Start a few words before the first match, so it has some context. */
    size_t first = best;
    while (first < ws.n && first < best + width && !ws.w[first].hit)
        first++;
    size_t from = first < ws.n && first > best + 3 ? first - 3 : best;
    size_t to = from + width < ws.n ? from + width : ws.n;

    struct buf b = BUF_INIT;
    const char *ell = style->ellipsis ? style->ellipsis : "…";
    if (from > 0)
        buf_puts(&b, ell);
    else
        put_text(&b, text, (size_t)ws.w[0].start, style->html);
    for (size_t i = from; i < to; i++) {
        const struct word *w = &ws.w[i];
        if (i > from)
            put_text(&b, text + ws.w[i - 1].end, (size_t)(w->start - ws.w[i - 1].end), style->html);
        if (w->hit && style->open)
            buf_puts(&b, style->open);
        put_text(&b, text + w->start, (size_t)(w->end - w->start), style->html);
        if (w->hit && style->close)
            buf_puts(&b, style->close);
    }
    /* After the last word shown: the rest of the text when no word follows (closing
     * punctuation, common words), else an ellipsis. */
    size_t end = (size_t)ws.w[to - 1].end;
    if (to == ws.n && end < n && n - end <= SNIPPET_TAIL_BYTES && scan == n && !ws.stopped)
        put_text(&b, text + end, n - end, style->html);
    else if (end < n)
        buf_puts(&b, ell);
    free(ws.w);
    const char *s = arena_strndup(a, b.p ? b.p : "", b.n);
    buf_release(&b);
    return s;
}
