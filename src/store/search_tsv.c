/*
 * The search index on PostgreSQL: civdesk's keys as a tsvector, a query as a tsquery.
 *
 * The analysis is civdesk's own (src/search: ICU, Snowball, transliteration), exactly as
 * FTS5 gets it on SQLite. What PostgreSQL receives is the keys the tokenizer produced,
 * written as tsvector and tsquery input text and cast (`?::tsvector`, `?::tsquery`),
 * which keeps each key as it is — what the `simple` configuration would do, without its
 * splitting a key at punctuation again. A GIN index on search_fts.keys (migration 0005)
 * finds the entries holding them.
 *
 * Positions follow FTS5's: each token that is not colocated takes the next position, an
 * alternative (SEARCH_COLOCATED) shares the one before, dropped common words take none.
 * The title's keys carry weight A, the body's the default D, whose ranks ts_rank weighs
 * 1.0 and 0.1 — ten to one, as civdesk_rank weighs them on SQLite. The body starts one
 * position after the title's last plus one, so that no phrase spans the two (FTS5
 * matches a phrase within a column). PostgreSQL keeps positions up to 16383 and 256 of
 * them per key: in a longer text the later occurrences still match words, and a phrase
 * past that point may be missed.
 */
#define _GNU_SOURCE
#include "store/search_index.h"

#include <string.h>

#define TSV_MAX_KEY 2046 /* PostgreSQL refuses longer lexemes (MAXSTRLEN) */

/* Appends key as a quoted tsvector/tsquery lexeme: 'key', with ' doubled and \ escaped. */
static void put_lexeme(struct buf *b, const char *key, int n)
{
    buf_putc(b, '\'');
    for (int i = 0; i < n; i++) {
        if (key[i] == '\'')
            buf_putc(b, '\'');
        else if (key[i] == '\\')
            buf_putc(b, '\\');
        buf_putc(b, key[i]);
    }
    buf_putc(b, '\'');
}

/* How much of a key PostgreSQL takes: all of it, or without the incomplete character the
 * tokenizer's cut of a very long word may end in (FTS5 takes any bytes; PostgreSQL refuses
 * text that is not UTF-8). 0: none (skip the key). Documents and queries cut alike. */
static int key_length(const char *key, int n)
{
    if (n <= 0 || n > TSV_MAX_KEY)
        return 0;
    if (utf8_valid(key, (size_t)n))
        return n;
    int cut = n;
    while (cut > 0 && n - cut < 4 && ((unsigned char)key[cut - 1] & 0xC0) == 0x80)
        cut--;
    if (cut > 0 && ((unsigned char)key[cut - 1] & 0x80)) /* the lead byte of that character */
        cut--;
    return cut > 0 && utf8_valid(key, (size_t)cut) ? cut : 0;
}

struct tsv {
    struct buf *out;
    int pos;     /* the position of the last token */
    char weight; /* 'A' (title) or 0 (body: the default, D) */
};

static int tsv_token(void *ctx, int flags, const char *tok, int n, int start, int end)
{
    struct tsv *v = ctx;
    if (!(flags & SEARCH_COLOCATED) || v->pos == 0)
        v->pos++;
    if (!(n = key_length(tok, n)))
        return 0;
    if (v->out->n)
        buf_putc(v->out, ' ');
    put_lexeme(v->out, tok, n);
    buf_printf(v->out, ":%d", v->pos < 16383 ? v->pos : 16383);
    if (v->weight)
        buf_putc(v->out, v->weight);
    return 0;
}

int search_tsvector(struct search_tokenizer *t, const char *title, size_t title_n, const char *body,
                    size_t body_n, struct buf *out)
{
    buf_reset(out);
    struct tsv v = {out, 0, 'A'};
    if (search_tokenize(t, SEARCH_DOCUMENT, title, title_n, tsv_token, &v) < 0)
        return STORE_ERROR;
    v.pos++; /* a gap: no phrase across title and body */
    v.weight = 0;
    if (search_tokenize(t, SEARCH_DOCUMENT, body, body_n, tsv_token, &v) < 0)
        return STORE_ERROR;
    return STORE_OK;
}

/* One term of a query: its keys position by position, alternatives ORed. */
struct tsq {
    struct buf *out;
    bool prefix; /* the term's last position is a prefix */
    int groups;  /* positions so far */
    int keys;    /* keys at the current position */
    size_t group_start;
};

static int tsq_token(void *ctx, int flags, const char *tok, int n, int start, int end)
{
    struct tsq *q = ctx;
    if (!(n = key_length(tok, n)))
        return 0;
    if (!(flags & SEARCH_COLOCATED) || q->groups == 0) {
        if (q->groups)
            buf_puts(q->out, ") <-> ");
        buf_putc(q->out, '(');
        q->groups++;
        q->keys = 0;
        q->group_start = q->out->n;
    }
    if (q->keys++)
        buf_puts(q->out, " | ");
    put_lexeme(q->out, tok, n);
    return 0;
}

/* Marks every key of the last position (from `from` on) as a prefix: 'key' -> 'key':*. */
static void prefix_last(struct buf *b, size_t from)
{
    struct buf tail = BUF_INIT;
    const char *p = b->p + from, *end = b->p + b->n;
    while (p < end) {
        if (*p == '\'') {
            const char *q = p + 1;
            while (q < end) {
                if (*q == '\\' || (*q == '\'' && q + 1 < end && q[1] == '\''))
                    q += 2; /* an escaped character or a doubled quote */
                else if (*q == '\'')
                    break;
                else
                    q++;
            }
            buf_append(&tail, p, (size_t)(q + 1 - p));
            buf_puts(&tail, ":*");
            p = q + 1;
        } else {
            buf_putc(&tail, *p++);
        }
    }
    b->n = from;
    b->p[b->n] = '\0';
    buf_append(b, tail.p ? tail.p : "", tail.n);
    buf_release(&tail);
}

const char *search_tsquery(struct search_tokenizer *t, const struct search_query *q,
                           struct arena *a)
{
    struct buf b = BUF_INIT;
    size_t terms = 0;
    for (size_t i = 0; i < q->n; i++) {
        const struct search_term *term = &q->terms[i];
        struct buf one = BUF_INIT;
        struct tsq s = {.out = &one, .prefix = term->prefix};
        search_tokenize(t, term->prefix ? SEARCH_QUERY_PREFIX : SEARCH_QUERY, term->text.p,
                        term->text.n, tsq_token, &s);
        if (s.groups) {
            if (term->prefix)
                prefix_last(&one, s.group_start);
            buf_putc(&one, ')');
            if (terms++)
                buf_puts(&b, " & ");
            buf_putc(&b, '(');
            buf_append(&b, one.p, one.n);
            buf_putc(&b, ')');
        }
        buf_release(&one);
    }
    /* No key at all: a lexeme no text has (every tag begins with TAG, no word can). */
    const char *s = terms ? arena_strndup(a, b.p, b.n) : "'" TAG "none'";
    buf_release(&b);
    return s;
}

const char *search_list_match(struct store_conn *c, struct str q, struct arena *a)
{
    if (db_dialect(c->db) == DB_SQLITE)
        return arena_strndup(a, q.p, q.n); /* civdesk_match() parses it inside SQLite */
    struct search_tokenizer *t = search_conn_tokenizer(c);
    struct search_query sq;
    struct error err;
    if (!t || search_parse(q, &sq, &err) < 0)
        sq.n = 0;
    else
        search_query_prune(t, &sq);
    return search_tsquery(t, &sq, a);
}
