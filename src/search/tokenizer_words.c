/*
 * The analysis of one word by the civdesk tokenizer (tokenizer.c describes the whole):
 * the script → language table (the one place to add a language), folding, common words,
 * Snowball stems and their fixes, transliteration between Latin and Cyrillic, and the keys
 * of a word or of a prefix a user typed.
 */
#include "search/search.h"
#include "search/tokenizer_int.h"

#include <libstemmer.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>

/* ---- the language table ------------------------------------------------------------- */

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
int32_t tokenizer_to_utf16(struct search_tokenizer *t, const char *s, size_t n)
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

int32_t tokenizer_u16_to_utf8(const UChar *u, int32_t n, char *out, int32_t cap)
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
enum lang tokenizer_fold_script(struct search_tokenizer *t, UChar *w, int32_t *n, int32_t cap)
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
    int32_t on = tokenizer_u16_to_utf8(buf, len, out, (int32_t)cap);
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
void tokenizer_analyse(struct search_tokenizer *t, enum lang l, bool number, const char *w,
                       size_t n, struct analysis *a)
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
size_t tokenizer_common_prefix(const char *a, size_t an, const char *b, size_t bn)
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
void tokenizer_analyse_prefix(struct search_tokenizer *t, enum lang l, const char *w, size_t n,
                              struct analysis *a)
{
    memset(a, 0, offsetof(struct analysis, key));
    size_t sn;
    const char *s = stem(t, l, w, n, &sn);
    size_t keep = tokenizer_common_prefix(w, n, s, sn);
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
            size_t ck = tokenizer_common_prefix(cyr, cn, cs, csn);
            if (utf8_chars(cyr, ck) < 2)
                ck = cn;
            if (ck <= KEY_MAX) {
                memcpy(key, cyr, ck);
                add_key(a, K_QUERY, key, drop_signs(key, ck));
            }
        }
    }
}
