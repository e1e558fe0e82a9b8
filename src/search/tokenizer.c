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
 */
#include "search/search.h"

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

#define WORD_MAX_UNITS 64  /* longer "words" (hashes, junk) are cut to this many UTF-16 units */
#define KEY_MAX        255 /* bytes of one token */
#define MAX_KEYS       5   /* primary + alternatives of one word */
#define CACHE_SLOTS    (1u << 15) /* analysed words kept; the cache is emptied when half full */
#define CACHE_POOL_MAX (4u << 20) /* bytes of cached analyses per connection */

/* Our rules' version: bump it whenever a change here can change tokens. */
#define TOKENIZER_RULES "civdesk-tokenizer-9"

const char *search_tokenizer_version(void)
{
    return TOKENIZER_RULES " icu-" U_ICU_VERSION " snowball-2";
}

/* ---- the language table ------------------------------------------------------------- */

enum translit {
    TR_NONE,
    TR_TO_CYRILLIC, /* Latin word → Cyrillic key */
    TR_TO_LATIN,    /* Cyrillic word → Latin key (latin_keys only) */
};

enum lang {
    LANG_LATIN,
    LANG_CYRILLIC,
    LANG_ARABIC,
    LANG_GREEK,
    LANG_OTHER, /* any other script: folded, not stemmed */
    LANG_COUNT,
};

/* Common words, folded (ё as е). Only function words: a name or acronym that looks like
 * one ("WHO", "IT") must stay findable, so the lists are short on purpose. */
static const char *const stop_en[] = {
    "a",   "an",  "and",  "are",  "as",   "at",    "be",    "by",    "for",  "from",
    "has", "in",  "into", "is",   "its",  "of",    "on",    "or",    "that", "the",
    "to",  "was", "were", "with", "this", "these", "those", "which", NULL};
static const char *const stop_ru[] = {"а",   "в",   "во",  "да",  "для",   "до", "же", "за", "и",
                                      "из",  "или", "к",   "как", "ко",    "ли", "на", "не", "но",
                                      "о",   "об",  "от",  "по",  "при",   "с",  "со", "то", "у",
                                      "что", "это", "так", "его", "также", NULL};

/*
 * Stem endings made consistent. Snowball's Russian takes the -ов/-ев of a nominative
 * surname for a genitive plural and the -л of "мемориал", "журнал" for a past tense, but
 * keeps them in the other cases: "Чкалов" → "чкал" yet "Чкалова" → "чкалов"; likewise the
 * -ть of "память" (an infinitive?), the -н of "ветеран", the -ил of "Михаил", the -й of
 * "музей" (музе/муз). Cutting them from every stem
 * puts all the forms of such words under one key (and merges a few more words).
 */
struct stem_fix {
    const char *suffix, *replacement;
};
static const struct stem_fix fixes_ru[] = {
    {"ов", ""},  {"ев", ""}, {"ал", "а"}, {"ял", "я"}, {"ан", "а"}, {"ян", "я"}, {"ат", "а"},
    {"ят", "я"}, {"ил", ""}, {"ыл", ""},  {"ен", ""},  {"е", ""},   {NULL, NULL}};
#define STEM_FIX_MIN_BASE 2 /* letters that must remain before the suffix */

struct lang_row {
    enum lang lang;
    UScriptCode script;
    const char *stemmer;          /* Snowball algorithm; NULL: no stemming */
    const char *const *stop;      /* common words; NULL: none */
    const struct stem_fix *fixes; /* applied to stems; NULL: none */
    enum translit translit;       /* the other-script key */
};

static const struct lang_row langs[LANG_COUNT] = {
    {LANG_LATIN, USCRIPT_LATIN, "english", stop_en, NULL, TR_TO_CYRILLIC},
    {LANG_CYRILLIC, USCRIPT_CYRILLIC, "russian", stop_ru, fixes_ru, TR_TO_LATIN},
    {LANG_ARABIC, USCRIPT_ARABIC, "arabic", NULL, NULL, TR_NONE},
    {LANG_GREEK, USCRIPT_GREEK, "greek", NULL, NULL, TR_NONE},
    {LANG_OTHER, USCRIPT_COMMON, NULL, NULL, NULL, TR_NONE},
};

/*
 * Latin → Cyrillic for Russian names as people type them (BGN/PCGN, ISO-ish and English
 * habits alike): longer spellings first; "$" anchors at the end of the word. Applied to
 * folded ASCII words only.
 */
static const char latin_cyrillic_rules[] =
    "shch > щ; sch > щ; tch > ч; zh > ж; kh > х; ch > ч; sh > ш; ts > ц; tz > ц;"
    "ph > ф; th > т; ck > к;"
    "ya > я; ja > я; yu > ю; ju > ю; ye > е; yo > е;"
    "sky } $ > ский; ski } $ > ский; iy } $ > ий; yy } $ > ый; yi } $ > ый; ij } $ > ий;"
    "yj } $ > ый;"
    "ei } $ > ей; ai } $ > ай; oi } $ > ой; ui } $ > уй;"
    "[аеиоуыэюя] { y > й; y > ы; j > дж;"
    "x > кс; w > в; q > к; c > к; h > х;"
    "a > а; b > б; v > в; g > г; d > д; e > е; z > з; i > и; k > к; l > л; m > м;"
    "n > н; o > о; p > п; r > р; s > с; t > т; u > у; f > ф;";

/* Cyrillic → Latin, as the BGN/PCGN romanisation (latin_keys only). */
static const char cyrillic_latin_id[] = "Russian-Latin/BGN; Latin-ASCII";

/* Look-alike letters, folded: Latin ↔ Cyrillic. */
static const struct {
    UChar latin, cyrillic;
} homoglyphs[] = {
    {'a', 0x0430}, {'b', 0x0432}, {'c', 0x0441}, {'e', 0x0435}, {'h', 0x043D},
    {'i', 0x0456}, {'j', 0x0458}, {'k', 0x043A}, {'m', 0x043C}, {'o', 0x043E},
    {'p', 0x0440}, {'s', 0x0455}, {'t', 0x0442}, {'x', 0x0445}, {'y', 0x0443},
};

/* ---- the cache of analysed words ---------------------------------------------------- */

/* Starts the Cyrillic key of a Latin word in documents, keeping those keys apart from the
 * stems of Russian words: an English query word then looks for Russian words only, and a
 * Russian one for Latin words by this key, each without meeting the keys of its own
 * script's texts again. */
#define LATIN_ORIGIN '\x02'

enum key_kind {
    K_PRIMARY = 0, /* the word's own token */
    K_BOTH = 1,    /* colocated, in documents and queries */
    K_DOC = 2,     /* colocated, in documents only */
    K_QUERY = 3,   /* colocated, in queries only */
};

struct analysis {
    bool stop;
    size_t n;
    enum key_kind kind[MAX_KEYS];
    unsigned char len[MAX_KEYS];
    char key[MAX_KEYS][KEY_MAX + 1];
};

/* Slot: 0 empty, else 1 + offset of the record in pool: [klen][key][n]([kind][len][bytes])* */
struct cache {
    uint32_t *slots;
    uint32_t *hashes;
    size_t used;
    unsigned char *pool;
    size_t pool_n, pool_cap;
};

struct search_tokenizer {
    struct search_tokenizer_opts opts;
    UBreakIterator *words;
    const UNormalizer2 *nfkc_cf; /* ICU singletons: not owned */
    const UNormalizer2 *nfd;
    struct sb_stemmer *stemmers[LANG_COUNT]; /* opened on first use */
    UTransliterator *to_cyrillic;            /* opened on first use */
    UTransliterator *to_latin;
    UChar *u16;   /* the input as UTF-16 */
    int32_t *off; /* off[i]: byte offset in the input of UTF-16 unit i; off[len] = n */
    size_t cap16;
    struct cache cache;         /* analyses by folded word */
    struct cache raw;           /* the same by the word's bytes as they are in the text */
    char stem_buf[KEY_MAX + 1]; /* the last stem */
    bool failed;                /* an ICU or allocation failure happened in the current call */
};

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

static struct sb_stemmer *stemmer(struct search_tokenizer *t, enum lang l)
{
    if (!langs[l].stemmer)
        return NULL;
    if (!t->stemmers[l])
        t->stemmers[l] = sb_stemmer_new(langs[l].stemmer, "UTF_8");
    return t->stemmers[l];
}

static UTransliterator *open_rules(const char *id, const char *rules)
{
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    UChar uid[64], *urules = NULL;
    int32_t nid, nrules = 0;
    u_strFromUTF8(uid, ARRAY_SIZE(uid), &nid, id, -1, &st);
    if (rules) {
        size_t cap = strlen(rules) + 1;
        urules = malloc(cap * sizeof(UChar));
        if (!urules)
            return NULL;
        u_strFromUTF8(urules, (int32_t)cap, &nrules, rules, -1, &st);
    }
    UTransliterator *tr =
        U_SUCCESS(st) ? utrans_openU(uid, nid, UTRANS_FORWARD, urules, nrules, &pe, &st) : NULL;
    free(urules);
    if (U_FAILURE(st)) {
        if (tr)
            utrans_close(tr);
        return NULL;
    }
    return tr;
}

/* ---- text conversion ---------------------------------------------------------------- */

/* Decodes UTF-8 into t->u16 with byte offsets; invalid bytes become U+FFFD. */
static int32_t to_utf16(struct search_tokenizer *t, const char *s, size_t n)
{
    if (n + 1 > t->cap16) {
        size_t cap = n + 1 < 256 ? 256 : n + 1;
        UChar *u = realloc(t->u16, cap * sizeof(*u));
        if (u)
            t->u16 = u;
        int32_t *o = realloc(t->off, (cap + 1) * sizeof(*o));
        if (o)
            t->off = o;
        if (!u || !o)
            return -1;
        t->cap16 = cap;
    }
    const unsigned char *p = (const unsigned char *)s;
    int32_t len = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t c = p[i];
        size_t k = 1;
        if (c >= 0x80) {
            size_t need = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
            uint32_t min = need == 4 ? 0x10000 : need == 3 ? 0x800 : 0x80;
            if (need && i + need <= n) {
                c &= need == 4 ? 0x07 : need == 3 ? 0x0F : 0x1F;
                size_t j = 1;
                for (; j < need && (p[i + j] & 0xC0) == 0x80; j++)
                    c = (c << 6) | (p[i + j] & 0x3F);
                if (j == need && c >= min && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF))
                    k = need;
                else
                    c = 0xFFFD;
            } else {
                c = 0xFFFD;
            }
        }
        if (c > 0xFFFF) {
            t->off[len] = (int32_t)i;
            t->u16[len++] = U16_LEAD(c);
            t->off[len] = (int32_t)i;
            t->u16[len++] = U16_TRAIL(c);
        } else {
            t->off[len] = (int32_t)i;
            t->u16[len++] = (UChar)c;
        }
        i += k;
    }
    t->off[len] = (int32_t)n;
    return len;
}

static int32_t u16_to_utf8(const UChar *u, int32_t n, char *out, int32_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t len = 0;
    u_strToUTF8WithSub(out, cap, &len, u, n, 0xFFFD, NULL, &st);
    if (U_FAILURE(st) || len >= cap)
        return -1;
    out[len] = '\0';
    return len;
}

/* ---- one word ----------------------------------------------------------------------- */

static bool is_apostrophe(UChar c)
{
    return c == 0x27 || c == 0x2019 || c == 0x02BC || c == 0x2018 || c == 0x055A;
}

static UChar homoglyph(UChar c, bool to_cyrillic)
{
    for (size_t i = 0; i < ARRAY_SIZE(homoglyphs); i++) {
        if (to_cyrillic && homoglyphs[i].latin == c)
            return homoglyphs[i].cyrillic;
        if (!to_cyrillic && homoglyphs[i].cyrillic == c)
            return homoglyphs[i].latin;
    }
    return 0;
}

static enum lang lang_of_script(UScriptCode sc)
{
    for (size_t i = 0; i < LANG_COUNT; i++)
        if (langs[i].script == sc && sc != USCRIPT_COMMON)
            return langs[i].lang;
    return LANG_OTHER;
}

/*
 * Folds the word w[0..n) in place (n in/out): apostrophes out, look-alike letters into the
 * main script, then the script's own folding. Returns the word's language.
 */
static enum lang fold_script(struct search_tokenizer *t, UChar *w, int32_t *n, int32_t cap)
{
    int32_t latin = 0, cyrillic = 0, j = 0;
    UScriptCode other = USCRIPT_COMMON;
    for (int32_t i = 0; i < *n;) {
        UChar32 c;
        int32_t start = i;
        U16_NEXT(w, i, *n, c);
        if (c < 0x10000 && is_apostrophe((UChar)c))
            continue;
        UErrorCode st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(c, &st);
        if (sc == USCRIPT_LATIN)
            latin++;
        else if (sc == USCRIPT_CYRILLIC)
            cyrillic++;
        else if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED && other == USCRIPT_COMMON)
            other = sc;
        while (start < i)
            w[j++] = w[start++];
    }
    *n = j;
    enum lang l;
    if (latin || cyrillic) {
        bool to_cyr = cyrillic >= latin;
        l = to_cyr ? LANG_CYRILLIC : LANG_LATIN;
        if (latin && cyrillic) {
            /* Fold the minority's look-alikes if every one of its letters has one. */
            bool all = true;
            for (int32_t i = 0; i < *n && all; i++) {
                UErrorCode st = U_ZERO_ERROR;
                UScriptCode sc = uscript_getScript(w[i], &st);
                if ((to_cyr && sc == USCRIPT_LATIN) || (!to_cyr && sc == USCRIPT_CYRILLIC))
                    all = homoglyph(w[i], to_cyr) != 0;
            }
            for (int32_t i = 0; i < *n && all; i++) {
                UChar h = homoglyph(w[i], to_cyr);
                UErrorCode st = U_ZERO_ERROR;
                UScriptCode sc = uscript_getScript(w[i], &st);
                if (h && ((to_cyr && sc == USCRIPT_LATIN) || (!to_cyr && sc == USCRIPT_CYRILLIC)))
                    w[i] = h;
            }
        }
    } else {
        l = lang_of_script(other);
    }

    if (l == LANG_CYRILLIC) {
        j = 0;
        for (int32_t i = 0; i < *n; i++) {
            UChar c = w[i];
            if (c == 0x0451) /* ё */
                c = 0x0435;
            if (c == 0x0300 || c == 0x0301) /* stress marks */
                continue;
            w[j++] = c;
        }
        *n = j;
    } else if (l == LANG_LATIN) {
        bool ascii = true;
        for (int32_t i = 0; i < *n; i++)
            ascii &= w[i] < 0x80;
        if (!ascii) {
            UChar d[WORD_MAX_UNITS * 4];
            UErrorCode st = U_ZERO_ERROR;
            int32_t dn = unorm2_normalize(t->nfd, w, *n, d, ARRAY_SIZE(d), &st);
            if (U_SUCCESS(st)) {
                j = 0;
                for (int32_t i = 0; i < dn && j < cap; i++)
                    if (u_charType(d[i]) != U_NON_SPACING_MARK)
                        w[j++] = d[i];
                *n = j;
            }
        }
    }
    return l;
}

static void add_key(struct analysis *a, enum key_kind kind, const char *key, size_t n)
{
    if (n == 0 || n > KEY_MAX || a->n == MAX_KEYS)
        return;
    for (size_t k = 0; k < a->n; k++)
        if (a->len[k] == n && memcmp(a->key[k], key, n) == 0)
            return;
    a->kind[a->n] = kind;
    a->len[a->n] = (unsigned char)n;
    memcpy(a->key[a->n], key, n);
    a->key[a->n][n] = '\0';
    a->n++;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The stem of a UTF-8 word by the language's algorithm and fixes (the word itself if it
 * has none), in t->stem_buf. */
static const char *stem(struct search_tokenizer *t, enum lang l, const char *w, size_t n,
                        size_t *len)
{
    struct sb_stemmer *s = stemmer(t, l);
    const char *r = s ? (const char *)sb_stemmer_stem(s, (const sb_symbol *)w, (int)n) : NULL;
    size_t rn = r ? (size_t)sb_stemmer_length(s) : n;
    if (!r)
        r = w;
    if (rn > KEY_MAX)
        rn = KEY_MAX;
    memcpy(t->stem_buf, r, rn);
    t->stem_buf[rn] = '\0';
    /* To a fixed point, so every form ends on the same key ("чкалова" → "чкалов" →
     * "чкал" → "чка", and "чкалов" → "чкал" → "чка"). */
    for (bool again = langs[l].fixes != NULL; again;) {
        again = false;
        for (const struct stem_fix *f = langs[l].fixes; f->suffix && !again; f++) {
            size_t sl = strlen(f->suffix), pl = strlen(f->replacement);
            if (rn > sl && memcmp(t->stem_buf + rn - sl, f->suffix, sl) == 0 &&
                utf8_chars(t->stem_buf, rn - sl) >= STEM_FIX_MIN_BASE) {
                memcpy(t->stem_buf + rn - sl, f->replacement, pl + 1);
                rn = rn - sl + pl;
                again = true;
            }
        }
    }
    *len = rn;
    return t->stem_buf;
}

/* Cyrillic text without ь and ъ (UTF-8: d1 8c, d1 8a). Returns the new length. */
static size_t drop_signs(char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && (unsigned char)s[i] == 0xD1 &&
            ((unsigned char)s[i + 1] == 0x8C || (unsigned char)s[i + 1] == 0x8A)) {
            i++;
            continue;
        }
        s[j++] = s[i];
    }
    s[j] = '\0';
    return j;
}

/* Transliterates a folded word; the result is UTF-8 in out. False if it could not. */
static bool translit(struct search_tokenizer *t, enum translit dir, const char *w, size_t n,
                     char *out, size_t cap)
{
    UTransliterator **tr = dir == TR_TO_CYRILLIC ? &t->to_cyrillic : &t->to_latin;
    if (!*tr) {
        *tr = dir == TR_TO_CYRILLIC ? open_rules("civdesk-Latin-Cyrillic", latin_cyrillic_rules)
                                    : open_rules(cyrillic_latin_id, NULL);
        if (!*tr) {
            t->failed = true;
            return false;
        }
    }
    UChar buf[WORD_MAX_UNITS * 4];
    int32_t len = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(buf, ARRAY_SIZE(buf), &len, w, (int32_t)n, &st);
    if (U_FAILURE(st))
        return false;
    int32_t limit = len;
    utrans_transUChars(*tr, buf, &len, ARRAY_SIZE(buf), 0, &limit, &st);
    if (U_FAILURE(st) || len > (int32_t)ARRAY_SIZE(buf))
        return false;
    int32_t on = u16_to_utf8(buf, len, out, (int32_t)cap);
    if (on < 0)
        return false;
    if (dir == TR_TO_LATIN) { /* keep letters and digits: BGN writes ь as ' */
        size_t j = 0;
        for (int32_t i = 0; i < on; i++)
            if ((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9'))
                out[j++] = out[i];
            else if (out[i] >= 'A' && out[i] <= 'Z')
                out[j++] = (char)(out[i] - 'A' + 'a');
        out[j] = '\0';
    }
    return out[0] != '\0';
}

bool search_other_script(struct search_tokenizer *t, const char *text, size_t n, struct buf *out)
{
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && text[j] != ' ')
            j++;
        size_t len = j - i;
        bool latin = len > 0, cyrillic = false;
        char word[WORD_MAX_UNITS * 4];
        for (size_t k = 0; k < len && latin; k++) {
            char ch = text[i + k];
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch - 'A' + 'a');
            latin = ch >= 'a' && ch <= 'z';
            word[k] = ch;
        }
        /* Cyrillic letters are U+0400..U+04FF: lead bytes D0..D3. */
        for (size_t k = 0; k < len && !latin; k++)
            cyrillic |= (unsigned char)text[i + k] >= 0xD0 && (unsigned char)text[i + k] <= 0xD3;
        char other[KEY_MAX + 1];
        if (out->n && i)
            buf_putc(out, ' ');
        if (len && len < WORD_MAX_UNITS && (latin || cyrillic) &&
            translit(t, latin ? TR_TO_CYRILLIC : TR_TO_LATIN, latin ? word : text + i, len, other,
                     sizeof(other))) {
            buf_puts(out, other);
            changed = true;
        } else {
            buf_append(out, text + i, len);
        }
        i = j + 1;
    }
    return changed;
}

static bool lower_ascii_letters(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z')
            return false;
    return true;
}

/*
 * The Cyrillic key of a Latin word: the Russian stem of its transliteration, without ь
 * and ъ (Latin spellings drop them). A transliteration ending in a consonant other than
 * those of case endings (-ом, -ах, -ый) is stemmed as if it ended in ь: Latin spellings
 * lose the soft sign, and "памят" would be cut as a verb where "память" is not. 0 if none.
 *
 * In a document (the marked key a Russian query word looks for) not after с: "сь" is the
 * reflexive verb ending Snowball cuts whole ("Ross" would be "рос"), and a Russian writer
 * spells the name "Росс", stemmed "росс" — so "Форт Росс" finds "Fort Ross". A Latin
 * query word keeps the soft sign there: its key looks for Russian words, and "росс" is
 * the stem of "России" ("Ross" is not a spelling of Russia).
 */
static size_t cyrillic_key(struct search_tokenizer *t, const char *w, size_t n, bool document,
                           char key[KEY_MAX + 1])
{
    char cyr[KEY_MAX * 4 + 3];
    if (!translit(t, TR_TO_CYRILLIC, w, n, cyr, sizeof(cyr) - 2))
        return 0;
    size_t cn = strlen(cyr);
    static const char consonants[] = "бвгджзклнпрстфцчшщ";
    if (cn >= 2 && !(document && memcmp(cyr + cn - 2, "с", 2) == 0)) {
        for (size_t i = 0; i + 1 < sizeof(consonants); i += 2) {
            if (memcmp(cyr + cn - 2, consonants + i, 2) == 0) {
                memcpy(cyr + cn, "ь", 3);
                cn += 2;
                break;
            }
        }
    }
    size_t sn;
    const char *s = stem(t, LANG_CYRILLIC, cyr, cn, &sn);
    if (sn > KEY_MAX)
        return 0;
    memcpy(key, s, sn);
    return drop_signs(key, sn);
}

/* Every key of one folded word (UTF-8 w[0..n)), primary first. */
static void analyse(struct search_tokenizer *t, enum lang l, bool number, const char *w, size_t n,
                    struct analysis *a)
{
    memset(a, 0, offsetof(struct analysis, key));
    if (number) {
        add_key(a, K_PRIMARY, w, n);
        return;
    }
    if (!t->opts.keep_stopwords && langs[l].stop) {
        for (const char *const *s = langs[l].stop; *s; s++) {
            if (strlen(*s) == n && memcmp(*s, w, n) == 0) {
                a->stop = true;
                return;
            }
        }
    }
    size_t sn;
    const char *s = stem(t, l, w, n, &sn);
    add_key(a, K_PRIMARY, s, sn);
    if (a->n == 0)
        return;
    char tmp[KEY_MAX * 4 + 1];
    if (langs[l].translit == TR_TO_LATIN) {
        memcpy(tmp + 1, a->key[0], a->len[0]);
        size_t kn = drop_signs(tmp + 1, a->len[0]);
        if (kn != a->len[0]) /* written without ь/ъ, as Latin spellings are */
            add_key(a, K_DOC, tmp + 1, kn);
        tmp[0] = LATIN_ORIGIN;
        if (!t->opts.no_query_translit) /* Latin texts' words, by their Cyrillic key */
            add_key(a, K_QUERY, tmp, kn + 1);
        if (t->opts.latin_keys) {
            /* The stem's romanisation ("Chkalov" for "Чкалова"), and the word's own,
             * English-stemmed as a Latin query word would be ("Chkalova"). */
            char stem_copy[KEY_MAX + 1];
            memcpy(stem_copy, a->key[0], a->len[0] + 1);
            if (translit(t, TR_TO_LATIN, stem_copy, strlen(stem_copy), tmp, sizeof(tmp)))
                add_key(a, K_DOC, tmp, strlen(tmp));
            if (translit(t, TR_TO_LATIN, w, n, tmp, sizeof(tmp))) {
                size_t en;
                const char *e = stem(t, LANG_LATIN, tmp, strlen(tmp), &en);
                add_key(a, K_DOC, e, en);
            }
        }
    } else if (langs[l].translit == TR_TO_CYRILLIC && n >= 2 && lower_ascii_letters(w, n)) {
        char key[KEY_MAX + 2];
        size_t kn = cyrillic_key(t, w, n, true, key + 1);
        if (kn) {
            key[0] = LATIN_ORIGIN; /* in documents: apart from Russian words' stems */
            add_key(a, K_DOC, key, kn + 1);
        }
        kn = t->opts.no_query_translit ? 0 : cyrillic_key(t, w, n, false, key + 1);
        if (kn) /* in queries: Russian words' stems */
            add_key(a, K_QUERY, key + 1, kn);
    }
}

/* The longest common prefix of a and b, cut back to a whole UTF-8 character. */
static size_t common_prefix(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    while (i > 0 && i < an && ((unsigned char)a[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/*
 * A prefix the user typed ("организац*", "monitori*"): the part of it that the stems of
 * the words it begins are likely to share — the word cut where its own stem departs
 * from it (so "happy*" looks for "happ*", covering "happi"). Its transliteration too.
 */
static void analyse_prefix(struct search_tokenizer *t, enum lang l, const char *w, size_t n,
                           struct analysis *a)
{
    memset(a, 0, offsetof(struct analysis, key));
    size_t sn;
    const char *s = stem(t, l, w, n, &sn);
    size_t keep = common_prefix(w, n, s, sn);
    if (utf8_chars(w, keep) < 2)
        keep = n;
    char key[KEY_MAX + 1];
    memcpy(key, w, keep);
    key[keep] = '\0';
    add_key(a, K_PRIMARY, key, keep);
    if (langs[l].translit == TR_TO_LATIN && !t->opts.no_query_translit) {
        char alt[KEY_MAX + 2];
        alt[0] = LATIN_ORIGIN;
        memcpy(alt + 1, key, keep);
        add_key(a, K_QUERY, alt, drop_signs(alt + 1, keep) + 1);
    }
    if (langs[l].translit == TR_TO_CYRILLIC && !t->opts.no_query_translit && n >= 2 &&
        lower_ascii_letters(w, n)) {
        char cyr[KEY_MAX * 4 + 1];
        if (translit(t, TR_TO_CYRILLIC, w, n, cyr, sizeof(cyr))) {
            size_t cn = strlen(cyr);
            size_t csn;
            const char *cs = stem(t, LANG_CYRILLIC, cyr, cn, &csn);
            size_t ck = common_prefix(cyr, cn, cs, csn);
            if (utf8_chars(cyr, ck) < 2)
                ck = cn;
            if (ck <= KEY_MAX) {
                memcpy(key, cyr, ck);
                add_key(a, K_QUERY, key, drop_signs(key, ck));
            }
        }
    }
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
    enum lang l = fold_script(t, w, &n, ARRAY_SIZE(w));
    char key[KEY_MAX * 4 + 1];
    int32_t kn = u16_to_utf8(w, n, key, sizeof(key));
    if (kn <= 0)
        return 0;
    if (kn > KEY_MAX) {
        kn = (int32_t)common_prefix(key, (size_t)kn, key, KEY_MAX);
        key[kn] = '\0';
    }
    if (prefix) {
        analyse_prefix(t, l, key, (size_t)kn, &a);
    } else {
        /* Numbers and words differ in analysis, so they are cached apart. */
        if (sp->number)
            key[kn] = '\x01';
        uint32_t h = hash_bytes(key, (size_t)kn + sp->number);
        if (!cache_get(&t->cache, key, (size_t)kn + sp->number, h, &a)) {
            key[kn] = '\0';
            analyse(t, l, sp->number, key, (size_t)kn, &a);
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
    int32_t len = to_utf16(t, text, n);
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
