/*
 * The civdesk tokenizer. For each word ICU finds (UBRK_WORD rules, so «Мост», hyphens
 * and punctuation separate words and numbers stay whole):
 *
 *   1. NFKC case folding (ICU's NFKC_Casefold: also drops soft hyphens and other
 *      ignorables), apostrophes removed, then by script: ё→е and stress marks dropped in
 *      Cyrillic, diacritics dropped in Latin; a word mixing Latin and Cyrillic look-alike
 *      letters (a Latin "o" typed inside a Russian word) is folded into its main script.
 *   2. Common words of its language are dropped (documents and queries alike).
 *   3. The Snowball stemmer of its script gives the primary token.
 *   4. Alternatives at the same position (FTS5 colocated tokens):
 *      - a Latin word: its Cyrillic key, the Russian stem of its transliteration. In a
 *        document it is marked (LATIN_ORIGIN) so a Russian query word finds it through
 *        its own marked key ("Мемориал" finds "Memorial"); in a query it is unmarked and
 *        finds Russian words ("Chkalov", "Tchkalov" find "Чкалова"; "Dostoevsky",
 *        "Dostoyevskiy" find "Достоевского").
 *      - a Cyrillic stem containing ь or ъ, in a document: the stem without them, as
 *        Latin spellings drop them ("Yeltsin" and "Eltsin" find "Ельцин").
 *      - optionally (latin_keys, for comparisons) the BGN/PCGN romanisation of a
 *        Cyrillic word, in documents.
 *    So a query word has at most two keys, and neither meets the other script's texts'
 *    own words twice.
 *
 * The script → language table is the one place to add languages: a row names the
 * Snowball algorithm, the common words and the transliteration target.
 *
 * Analysing a word costs a few microseconds (ICU transforms, Snowball); a cache of
 * analysed words makes indexing cost about what unicode61 costs, as word frequencies
 * are Zipfian. The cache never changes results: same word, same tokens.
 *
 * This file holds the tokenizer's life, its cache and the walk over a text's words; the
 * analysis of one word (the language table, folding, stemming, transliteration) is in
 * tokenizer_words.c.
 */
#include "search/search.h"
#include "search/tokenizer_int.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>
#include <unicode/uvernum.h>

#define CACHE_SLOTS    (1u << 15) /* analysed words kept; the cache is emptied when half full */
#define CACHE_POOL_MAX (4u << 20) /* bytes of cached analyses per connection */

/* Our rules' version: bump it whenever a change here or in tokenizer_words.c can change
 * tokens. */
#define TOKENIZER_RULES "civdesk-tokenizer-9"

const char *search_tokenizer_version(void)
{
    return TOKENIZER_RULES " icu-" U_ICU_VERSION " snowball-2";
}

/* ---- the cache of analysed words ---------------------------------------------------- */

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h ? h : 1;
}

static void cache_clear(struct cache *c)
{
    if (c->slots)
        memset(c->slots, 0, CACHE_SLOTS * sizeof(*c->slots));
    c->used = 0;
    c->pool_n = 0;
}

static void cache_release(struct cache *c)
{
    free(c->slots);
    free(c->hashes);
    free(c->pool);
    memset(c, 0, sizeof(*c));
}

static bool cache_get(const struct cache *c, const char *key, size_t n, uint32_t h,
                      struct analysis *out)
{
    if (!c->slots)
        return false;
    for (uint32_t i = h & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        if (!c->slots[i])
            return false;
        if (c->hashes[i] != h)
            continue;
        const unsigned char *p = c->pool + c->slots[i] - 1;
        if (p[0] != n || memcmp(p + 1, key, n) != 0)
            continue;
        p += 1 + n;
        out->stop = p[0] & 0x80;
        out->n = p[0] & 0x7f;
        p++;
        for (size_t k = 0; k < out->n; k++) {
            out->kind[k] = (enum key_kind)p[0];
            out->len[k] = p[1];
            memcpy(out->key[k], p + 2, p[1]);
            out->key[k][p[1]] = '\0';
            p += 2 + out->len[k];
        }
        return true;
    }
}

static void cache_put(struct cache *c, const char *key, size_t n, uint32_t h,
                      const struct analysis *a)
{
    if (!c->slots) {
        c->slots = calloc(CACHE_SLOTS, sizeof(*c->slots));
        c->hashes = calloc(CACHE_SLOTS, sizeof(*c->hashes));
        if (!c->slots || !c->hashes) {
            free(c->slots);
            free(c->hashes);
            c->slots = c->hashes = NULL;
            return; /* no cache: still correct, only slower */
        }
    }
    size_t need = 2 + n;
    for (size_t k = 0; k < a->n; k++)
        need += 2 + a->len[k];
    if (c->used >= CACHE_SLOTS / 2 || c->pool_n + need > CACHE_POOL_MAX)
        cache_clear(c);
    if (c->pool_n + need > c->pool_cap) {
        size_t cap = c->pool_cap ? c->pool_cap * 2 : 64 * 1024;
        while (cap < c->pool_n + need)
            cap *= 2;
        unsigned char *p = realloc(c->pool, cap);
        if (!p)
            return;
        c->pool = p;
        c->pool_cap = cap;
    }
    unsigned char *p = c->pool + c->pool_n;
    *p++ = (unsigned char)n;
    memcpy(p, key, n);
    p += n;
    *p++ = (unsigned char)((a->stop ? 0x80 : 0) | a->n);
    for (size_t k = 0; k < a->n; k++) {
        *p++ = (unsigned char)a->kind[k];
        *p++ = a->len[k];
        memcpy(p, a->key[k], a->len[k]);
        p += a->len[k];
    }
    uint32_t i = h & (CACHE_SLOTS - 1);
    while (c->slots[i])
        i = (i + 1) & (CACHE_SLOTS - 1);
    c->slots[i] = (uint32_t)c->pool_n + 1;
    c->hashes[i] = h;
    c->pool_n += need;
    c->used++;
}

/* ---- creating and freeing ----------------------------------------------------------- */

int search_tokenizer_new(struct search_tokenizer **out, const struct search_tokenizer_opts *opts,
                         struct error *err)
{
    *out = NULL;
    struct search_tokenizer *t = calloc(1, sizeof(*t));
    if (!t)
        return error_set(err, "out of memory");
    if (opts)
        t->opts = *opts;
    UErrorCode st = U_ZERO_ERROR;
    t->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    t->nfd = unorm2_getNFDInstance(&st);
    t->words = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    if (U_FAILURE(st)) {
        search_tokenizer_free(t);
        return error_set(err, "ICU could not start: %s", u_errorName(st));
    }
    *out = t;
    return 0;
}

void search_tokenizer_free(struct search_tokenizer *t)
{
    if (!t)
        return;
    if (t->words)
        ubrk_close(t->words);
    for (size_t i = 0; i < LANG_COUNT; i++)
        if (t->stemmers[i])
            sb_stemmer_delete(t->stemmers[i]);
    if (t->to_cyrillic)
        utrans_close(t->to_cyrillic);
    if (t->to_latin)
        utrans_close(t->to_latin);
    free(t->u16);
    free(t->off);
    cache_release(&t->cache);
    cache_release(&t->raw);
    free(t);
}

/* ---- tokenizing --------------------------------------------------------------------- */

struct span {
    int32_t s, e;
    bool number;
};

static int emit(const struct analysis *a, enum search_mode mode, search_token_fn fn, void *ctx,
                int start, int end)
{
    bool first = true;
    for (size_t k = 0; k < a->n; k++) {
        enum key_kind kind = a->kind[k];
        if (mode == SEARCH_DOCUMENT ? kind == K_QUERY : kind == K_DOC)
            continue;
        int rc = fn(ctx, first ? 0 : SEARCH_COLOCATED, a->key[k], a->len[k], start, end);
        if (rc)
            return rc;
        first = false;
    }
    return 0;
}

/* Analyses the word at span sp of text and hands its tokens to fn. The analysis of a
 * word is a function of its bytes alone (and whether ICU calls it a number), so a word met
 * before in the same spelling is looked up by those bytes — most words of a text are —
 * before any Unicode work; then by its folded form. */
static int word(struct search_tokenizer *t, const char *text, enum search_mode mode, bool prefix,
                const struct span *sp, search_token_fn fn, void *ctx)
{
    struct analysis a;
    char raw[KEY_MAX + 1];
    size_t rn = (size_t)(t->off[sp->e] - t->off[sp->s]);
    uint32_t rh = 0;
    bool by_raw = !prefix && rn < KEY_MAX;
    if (by_raw) {
        memcpy(raw, text + t->off[sp->s], rn);
        raw[rn] = sp->number ? '\x01' : '\x02'; /* numbers and words are analysed apart */
        rh = hash_bytes(raw, rn + 1);
        if (cache_get(&t->raw, raw, rn + 1, rh, &a))
            return a.stop ? 0 : emit(&a, mode, fn, ctx, t->off[sp->s], t->off[sp->e]);
    }
    int32_t len = sp->e - sp->s;
    if (len > WORD_MAX_UNITS)
        len = WORD_MAX_UNITS;
    if (len > 0 && U16_IS_LEAD(t->u16[sp->s + len - 1]))
        len--; /* do not cut a surrogate pair */
    UChar w[WORD_MAX_UNITS * 4];
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = unorm2_normalize(t->nfkc_cf, t->u16 + sp->s, len, w, ARRAY_SIZE(w), &st);
    if (U_FAILURE(st))
        return 0; /* cannot happen within these sizes; the word is simply not indexed */
    enum lang l = tokenizer_fold_script(t, w, &n, ARRAY_SIZE(w));
    char key[KEY_MAX * 4 + 1];
    int32_t kn = tokenizer_u16_to_utf8(w, n, key, sizeof(key));
    if (kn <= 0)
        return 0;
    if (kn > KEY_MAX) {
        kn = (int32_t)tokenizer_common_prefix(key, (size_t)kn, key, KEY_MAX);
        key[kn] = '\0';
    }
    if (prefix) {
        tokenizer_analyse_prefix(t, l, key, (size_t)kn, &a);
    } else {
        /* Numbers and words differ in analysis, so they are cached apart. */
        if (sp->number)
            key[kn] = '\x01';
        uint32_t h = hash_bytes(key, (size_t)kn + sp->number);
        if (!cache_get(&t->cache, key, (size_t)kn + sp->number, h, &a)) {
            key[kn] = '\0';
            tokenizer_analyse(t, l, sp->number, key, (size_t)kn, &a);
            if (sp->number)
                key[kn] = '\x01';
            cache_put(&t->cache, key, (size_t)kn + sp->number, h, &a);
        }
        if (by_raw && !t->failed)
            cache_put(&t->raw, raw, rn + 1, rh, &a);
        if (a.stop)
            return 0;
    }
    return emit(&a, mode, fn, ctx, t->off[sp->s], t->off[sp->e]);
}

/* Tags (the index's filter column; no text of a record can start with U+0001): words
 * separated by spaces, each a token as it is. */
static int tags(const char *text, size_t n, search_token_fn fn, void *ctx)
{
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && text[e] != ' ')
            e++;
        if (e > i && e - i <= KEY_MAX) {
            int rc = fn(ctx, 0, text + i, (int)(e - i), (int)i, (int)e);
            if (rc)
                return rc;
        }
        i = e + 1;
    }
    return 0;
}

int search_tokenize(struct search_tokenizer *t, enum search_mode mode, const char *text, size_t n,
                    search_token_fn fn, void *ctx)
{
    if (!text || n == 0)
        return 0;
    if (text[0] == '\x01')
        return tags(text, n, fn, ctx);
    if (n > INT32_MAX / 2)
        n = INT32_MAX / 2;
    int32_t len = tokenizer_to_utf16(t, text, n);
    if (len < 0)
        return -1;
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(t->words, t->u16, len, &st);
    if (U_FAILURE(st))
        return -1;
    t->failed = false;
    /* The last word of a prefix query is the prefix: look one word ahead. */
    struct span cur = {0}, next;
    bool have = false;
    int32_t start = ubrk_first(t->words);
    int rc = 0;
    for (int32_t end = ubrk_next(t->words); end != UBRK_DONE;
         start = end, end = ubrk_next(t->words)) {
        int32_t status = ubrk_getRuleStatus(t->words);
        if (status < UBRK_WORD_NONE_LIMIT)
            continue; /* spaces and punctuation */
        next = (struct span){start, end, status < UBRK_WORD_NUMBER_LIMIT};
        if (have && (rc = word(t, text, mode, false, &cur, fn, ctx)) != 0)
            return rc;
        cur = next;
        have = true;
    }
    if (have)
        rc = word(t, text, mode, mode == SEARCH_QUERY_PREFIX, &cur, fn, ctx);
    if (rc == 0 && t->failed)
        return -1;
    return rc;
}
