/*
 * The search benchmark's corpus generator (see corpus.h). Vocabularies: real domain words
 * at the top ranks, then synthetic words built from syllables, each with a paradigm of
 * endings; Russian surnames in -ов/-ев/-ин/-ский with a Latin spelling (and, for some, a
 * second one: -sky for -skiy, h for kh).
 */
#include "corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RU_LEMMAS       40000
#define EN_LEMMAS       40000
#define NAMES           2000
#define FUNCTION_SHARE  40 /* percent of running words that are function words */
#define BASE_FORM_SHARE 35 /* percent of a lemma's occurrences in its dictionary form */

/* ---- random numbers: xorshift64* ---------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

static uint32_t rnd(struct rng *r, uint32_t n)
{
    return (uint32_t)((next(r) >> 11) % n);
}

static double unit(struct rng *r)
{
    return (double)(next(r) >> 11) / 9007199254740992.0;
}

/* ---- paradigms ---------------------------------------------------------------------- */

struct paradigm {
    const char *const *e;
    int n;
};
#define P(...)                                                                                     \
    {                                                                                              \
        (const char *const[]){__VA_ARGS__},                                                        \
            sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)                      \
    }

static const struct paradigm ru_masc = P("", "а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах");
static const struct paradigm ru_masc_soft =
    P("ь", "я", "ю", "ем", "е", "и", "ей", "ям", "ями", "ях");
static const struct paradigm ru_fem = P("а", "ы", "е", "у", "ой", "ам", "ами", "ах");
static const struct paradigm ru_fem_soft = P("а", "и", "е", "у", "ей", "ам", "ами", "ах");
static const struct paradigm ru_fem_ia = P("я", "и", "ю", "ей", "й", "ям", "ями", "ях");
static const struct paradigm ru_neut_o = P("о", "а", "у", "ом", "е", "", "ам", "ами", "ах");
static const struct paradigm ru_neut_ie = P("е", "я", "ю", "ем", "и", "й", "ям", "ями", "ях");
static const struct paradigm ru_adj =
    P("ый", "ого", "ому", "ым", "ом", "ая", "ой", "ую", "ое", "ые", "ых", "ыми");
static const struct paradigm ru_verb = P("ать", "аю", "ает", "ают", "ал", "ала", "али", "ающих");
static const struct paradigm en_noun = P("", "s");
static const struct paradigm en_verb = P("", "s", "ed", "ing");
static const struct paradigm surname = P("", "а", "у", "ым", "е", "ы", "ых");
static const struct paradigm surname_sky = P("ий", "ого", "ому", "им", "ом", "ая", "ой");

struct real {
    const char *stem;
    const struct paradigm *p;
};

static const struct real ru_real[] = {
    {"прав", &ru_neut_o},          {"человек", &ru_masc},         {"организаци", &ru_fem_ia},
    {"доклад", &ru_masc},          {"выбор", &ru_masc},           {"мониторинг", &ru_masc},
    {"государств", &ru_neut_o},    {"министерств", &ru_neut_o},   {"комитет", &ru_masc},
    {"совет", &ru_masc},           {"делегаци", &ru_fem_ia},      {"встреч", &ru_fem_soft},
    {"предложени", &ru_neut_ie},   {"сесси", &ru_fem_ia},         {"нарушени", &ru_neut_ie},
    {"рекомендаци", &ru_fem_ia},   {"статус", &ru_masc},          {"заявлени", &ru_neut_ie},
    {"журналист", &ru_masc},       {"памятник", &ru_masc},        {"консультаци", &ru_fem_ia},
    {"вопрос", &ru_masc},          {"решени", &ru_neut_ie},       {"отчет", &ru_masc},
    {"наблюдател", &ru_masc_soft}, {"мемориал", &ru_masc},        {"ветеран", &ru_masc},
    {"музе", &ru_fem_ia},          {"соотечественник", &ru_masc}, {"инцидент", &ru_masc},
};

static const struct real en_real[] = {
    {"report", &en_verb},    {"right", &en_noun},      {"organization", &en_noun},
    {"election", &en_noun},  {"monitor", &en_verb},    {"meeting", &en_noun},
    {"state", &en_noun},     {"council", &en_noun},    {"delegation", &en_noun},
    {"proposal", &en_noun},  {"session", &en_noun},    {"statement", &en_noun},
    {"recommend", &en_verb}, {"journalist", &en_noun}, {"memorial", &en_noun},
    {"consult", &en_verb},   {"question", &en_noun},   {"decision", &en_noun},
    {"observer", &en_noun},  {"violation", &en_noun},  {"expert", &en_noun},
    {"veteran", &en_noun},   {"museum", &en_noun},     {"incident", &en_noun},
};

static const char *const ru_function[] = {
    "и",   "в",   "не",  "на",  "что", "с",    "он",   "по",    "это", "к",   "но",   "как",
    "из",  "а",   "за",  "то",  "от",  "о",    "для",  "у",     "мы",  "они", "до",   "же",
    "так", "его", "при", "или", "она", "было", "быть", "также", "все", "их",  "этот", "который"};
static const char *const en_function[] = {
    "the",  "of",  "and",  "to", "in",   "a",     "is",  "that", "for",  "on",    "was",
    "with", "as",  "by",   "be", "it",   "this",  "are", "from", "at",   "which", "not",
    "have", "has", "will", "we", "they", "their", "or",  "an",   "been", "its",   "would"};

size_t corpus_function_words(enum corpus_lang l, const char *const **out)
{
    *out = l == CORPUS_RU ? ru_function : en_function;
    return l == CORPUS_RU ? ARRAY_SIZE(ru_function) : ARRAY_SIZE(en_function);
}

/* ---- vocabulary --------------------------------------------------------------------- */

struct lemma {
    char stem[64];
    const struct paradigm *p;
    enum corpus_lang lang;
    int rank;
    bool name;
    char latin[64], latin_alt[64]; /* names */
};

struct corpus {
    struct rng r;
    struct lemma *lemmas; /* RU_LEMMAS Russian, then EN_LEMMAS English, then NAMES */
    int n;
    double cdf_ru[RU_LEMMAS], cdf_en[EN_LEMMAS], cdf_names[NAMES];
    double cdf_fn_ru[ARRAY_SIZE(ru_function)], cdf_fn_en[ARRAY_SIZE(en_function)];
};

static void zipf_cdf(double *cdf, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += 1.0 / (i + 1);
    double acc = 0;
    for (int i = 0; i < n; i++) {
        acc += 1.0 / (i + 1) / sum;
        cdf[i] = acc;
    }
    cdf[n - 1] = 1.0;
}

static int draw(struct rng *r, const double *cdf, int n)
{
    double u = unit(r);
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *const ru_onset[] = {"б",  "в",  "г",  "д",  "з",  "к",  "л",  "м", "н",
                                       "п",  "р",  "с",  "т",  "ф",  "х",  "ч",  "ш", "ст",
                                       "пр", "кр", "тр", "бл", "гр", "зв", "дв", "сл"};
static const char *const ru_vowel[] = {"а", "о", "у", "и", "е"};
static const char *const ru_final[] = {"н", "р", "л", "с", "т", "к", "м", "д", "в", "б"};
static const char *const en_onset[] = {"b",  "c",  "d",  "f",  "g",  "h",  "l",  "m",
                                       "n",  "p",  "r",  "s",  "t",  "v",  "w",  "br",
                                       "cl", "dr", "fl", "gr", "pl", "pr", "st", "tr"};
static const char *const en_vowel[] = {"a", "e", "i", "o", "u", "ea", "ai", "oo"};
static const char *const en_final[] = {"n", "r", "l", "t", "d", "m", "nt", "rd", "st", "ck", "p"};

/* A stem not used before (a small open-addressing set of hashes). */
struct seen {
    uint64_t *h;
    size_t cap;
};

static bool seen_add(struct seen *s, const char *w)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = w; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h |= 1;
    for (size_t i = h % s->cap;; i = (i + 1) % s->cap) {
        if (s->h[i] == h)
            return false;
        if (!s->h[i]) {
            s->h[i] = h;
            return true;
        }
    }
}

static void make_stem(struct rng *r, bool ru, char *out, size_t cap, int syllables)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < syllables; i++) {
        const char *on =
            ru ? ru_onset[rnd(r, ARRAY_SIZE(ru_onset))] : en_onset[rnd(r, ARRAY_SIZE(en_onset))];
        const char *v =
            ru ? ru_vowel[rnd(r, ARRAY_SIZE(ru_vowel))] : en_vowel[rnd(r, ARRAY_SIZE(en_vowel))];
        o += (size_t)snprintf(out + o, cap - o, "%s%s", on, v);
    }
    snprintf(out + o, cap - o, "%s",
             ru ? ru_final[rnd(r, ARRAY_SIZE(ru_final))] : en_final[rnd(r, ARRAY_SIZE(en_final))]);
}

/* BGN/PCGN-like romanisation of a Cyrillic surname (lower case, ASCII). */
static void romanise(const char *cyr, char *out, size_t cap, bool alt)
{
    static const struct {
        const char *c, *l, *alt;
    } map[] = {
        {"а", "a", "a"}, {"б", "b", "b"},   {"в", "v", "v"},   {"г", "g", "g"},   {"д", "d", "d"},
        {"е", "e", "e"}, {"ж", "zh", "zh"}, {"з", "z", "z"},   {"и", "i", "i"},   {"й", "y", "y"},
        {"к", "k", "k"}, {"л", "l", "l"},   {"м", "m", "m"},   {"н", "n", "n"},   {"о", "o", "o"},
        {"п", "p", "p"}, {"р", "r", "r"},   {"с", "s", "s"},   {"т", "t", "t"},   {"у", "u", "u"},
        {"ф", "f", "f"}, {"х", "kh", "h"},  {"ц", "ts", "tz"}, {"ч", "ch", "ch"}, {"ш", "sh", "sh"},
    };
    size_t o = 0;
    out[0] = '\0';
    size_t n = strlen(cyr);
    if (n >= 8 && strcmp(cyr + n - 8, "ский") == 0) {
        char stem[64];
        snprintf(stem, sizeof(stem), "%.*s", (int)(n - 8), cyr);
        romanise(stem, out, cap, alt);
        o = strlen(out);
        snprintf(out + o, cap - o, "%s", alt ? "sky" : "skiy");
        return;
    }
    for (const char *p = cyr; *p && o + 4 < cap;) {
        bool done = false;
        for (size_t i = 0; i < ARRAY_SIZE(map) && !done; i++) {
            size_t k = strlen(map[i].c);
            if (strncmp(p, map[i].c, k) == 0) {
                o += (size_t)snprintf(out + o, cap - o, "%s", alt ? map[i].alt : map[i].l);
                p += k;
                done = true;
            }
        }
        if (!done)
            p++;
    }
}

static void capitalise_ascii(char *s)
{
    if (s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 'a' + 'A');
}

struct corpus *corpus_new(uint64_t seed)
{
    struct corpus *c = calloc(1, sizeof(*c));
    if (!c)
        die("out of memory");
    c->r.s = seed ? seed : 1;
    c->n = RU_LEMMAS + EN_LEMMAS + NAMES;
    c->lemmas = calloc((size_t)c->n, sizeof(*c->lemmas));
    struct seen seen = {calloc(1 << 20, sizeof(uint64_t)), 1 << 20};
    if (!c->lemmas || !seen.h)
        die("out of memory");
    for (int lang = 0; lang < 2; lang++) {
        bool ru = lang == CORPUS_RU;
        int base = ru ? 0 : RU_LEMMAS, n = ru ? RU_LEMMAS : EN_LEMMAS;
        const struct real *real = ru ? ru_real : en_real;
        int nreal = ru ? (int)ARRAY_SIZE(ru_real) : (int)ARRAY_SIZE(en_real);
        for (int i = 0; i < n; i++) {
            struct lemma *l = &c->lemmas[base + i];
            l->lang = (enum corpus_lang)lang;
            l->rank = i + 1;
            if (i < nreal) {
                snprintf(l->stem, sizeof(l->stem), "%s", real[i].stem);
                l->p = real[i].p;
                seen_add(&seen, l->stem);
                continue;
            }
            do
                make_stem(&c->r, ru, l->stem, sizeof(l->stem), 2 + (int)rnd(&c->r, 2));
            while (!seen_add(&seen, l->stem));
            uint32_t k = rnd(&c->r, 100);
            if (ru)
                l->p = k < 35   ? &ru_masc
                       : k < 55 ? &ru_fem
                       : k < 65 ? &ru_neut_ie
                       : k < 80 ? &ru_adj
                                : &ru_verb;
            else
                l->p = k < 55 ? &en_noun : &en_verb;
            if (l->p == &ru_neut_ie) /* -ение nouns */
                snprintf(l->stem + strlen(l->stem), sizeof(l->stem) - strlen(l->stem), "ени");
        }
    }
    static const char *const suffixes[] = {"ов", "ов", "ов", "ев", "ин", "ин", "ск"};
    for (int i = 0; i < NAMES; i++) {
        struct lemma *l = &c->lemmas[RU_LEMMAS + EN_LEMMAS + i];
        l->name = true;
        l->lang = CORPUS_RU;
        char stem[48];
        do {
            make_stem(&c->r, true, stem, sizeof(stem), 1 + (int)rnd(&c->r, 2));
            const char *suf = suffixes[rnd(&c->r, ARRAY_SIZE(suffixes))];
            snprintf(l->stem, sizeof(l->stem), "%s%s", stem, suf);
        } while (!seen_add(&seen, l->stem));
        bool sky = strcmp(l->stem + strlen(l->stem) - 4, "ск") == 0;
        l->p = sky ? &surname_sky : &surname;
        char full[80];
        snprintf(full, sizeof(full), "%s%s", l->stem, sky ? "ий" : "");
        romanise(full, l->latin, sizeof(l->latin), false);
        romanise(full, l->latin_alt, sizeof(l->latin_alt), true);
        capitalise_ascii(l->latin);
        capitalise_ascii(l->latin_alt);
    }
    free(seen.h);
    zipf_cdf(c->cdf_ru, RU_LEMMAS);
    zipf_cdf(c->cdf_en, EN_LEMMAS);
    zipf_cdf(c->cdf_names, NAMES);
    zipf_cdf(c->cdf_fn_ru, (int)ARRAY_SIZE(ru_function));
    zipf_cdf(c->cdf_fn_en, (int)ARRAY_SIZE(en_function));
    return c;
}

void corpus_free(struct corpus *c)
{
    if (!c)
        return;
    free(c->lemmas);
    free(c);
}

int corpus_lemmas(const struct corpus *c)
{
    return c->n;
}

enum corpus_lang corpus_lemma_lang(const struct corpus *c, int lemma)
{
    return c->lemmas[lemma].lang;
}

int corpus_lemma_rank(const struct corpus *c, int lemma)
{
    return c->lemmas[lemma].name ? 0 : c->lemmas[lemma].rank;
}

bool corpus_lemma_is_name(const struct corpus *c, int lemma)
{
    return c->lemmas[lemma].name;
}

int corpus_lemma_at(const struct corpus *c, enum corpus_lang l, int rank)
{
    return (l == CORPUS_RU ? 0 : RU_LEMMAS) + rank - 1;
}

const char *corpus_name_latin(const struct corpus *c, int lemma)
{
    return c->lemmas[lemma].latin;
}

int corpus_lemma_forms(const struct corpus *c, int lemma, struct buf *out)
{
    const struct lemma *l = &c->lemmas[lemma];
    int n = 0;
    for (int i = 0; i < l->p->n; i++, n++)
        buf_printf(out, "%s%s%s", n ? "\n" : "", l->stem, l->p->e[i]);
    if (l->name) {
        buf_printf(out, "\n%s", l->latin);
        n++;
        if (strcmp(l->latin, l->latin_alt) != 0) {
            buf_printf(out, "\n%s", l->latin_alt);
            n++;
        }
    }
    return n;
}

/* ---- text --------------------------------------------------------------------------- */

/* Appends one form of lemma l: capitalised (first letter) if cap. */
static void put_form(struct corpus *c, const struct lemma *l, enum corpus_lang lang, bool cap,
                     struct buf *b)
{
    if (l->name && lang == CORPUS_EN) {
        buf_puts(b, rnd(&c->r, 100) < 70 ? l->latin : l->latin_alt);
        return;
    }
    int f = rnd(&c->r, 100) < BASE_FORM_SHARE ? 0 : (int)rnd(&c->r, (uint32_t)l->p->n);
    size_t at = b->n;
    buf_printf(b, "%s%s", l->stem, l->p->e[f]);
    if (!(cap || l->name))
        return;
    /* Upper-case the first letter: ASCII, or a Cyrillic а–я (UTF-8 d0 b0 – d1 8f). */
    unsigned char *p = (unsigned char *)b->p + at;
    if (p[0] >= 'a' && p[0] <= 'z') {
        p[0] = (unsigned char)(p[0] - 'a' + 'A');
    } else if (p[0] == 0xD0 && p[1] >= 0xB0 && p[1] <= 0xBF) {
        p[1] = (unsigned char)(p[1] - 0x20);
    } else if (p[0] == 0xD1 && p[1] >= 0x80 && p[1] <= 0x8F) {
        p[0] = 0xD0;
        p[1] = (unsigned char)(p[1] + 0x20);
    }
}

static int content_lemma(struct corpus *c, enum corpus_lang lang)
{
    return lang == CORPUS_RU ? draw(&c->r, c->cdf_ru, RU_LEMMAS)
                             : RU_LEMMAS + draw(&c->r, c->cdf_en, EN_LEMMAS);
}

static void note(struct corpus_text *t, int lemma)
{
    if (t->nlemmas < CORPUS_MAX_WORDS)
        t->lemmas[t->nlemmas++] = lemma;
}

/* Words of one text: sentences of function and content words, names where given. */
static void words(struct corpus *c, enum corpus_lang lang, int n, bool title, const int *names,
                  int nnames, struct corpus_text *t, struct buf *b)
{
    const char *const *fn = lang == CORPUS_RU ? ru_function : en_function;
    const double *fcdf = lang == CORPUS_RU ? c->cdf_fn_ru : c->cdf_fn_en;
    int nfn = lang == CORPUS_RU ? (int)ARRAY_SIZE(ru_function) : (int)ARRAY_SIZE(en_function);
    int sentence = 0, pos[2] = {-1, -1};
    for (int k = 0; k < nnames && k < 2; k++)
        pos[k] = (int)rnd(&c->r, (uint32_t)n);
    if (pos[1] == pos[0])
        pos[1] = (pos[0] + 1) % n;
    for (int i = 0; i < n; i++) {
        bool start = sentence == 0;
        if (i)
            buf_putc(b, ' ');
        int name_at = -1;
        for (int k = 0; k < nnames && k < 2; k++)
            if (pos[k] == i)
                name_at = names[k];
        if (name_at >= 0) {
            put_form(c, &c->lemmas[name_at], lang, true, b);
            note(t, name_at);
        } else if (!title && rnd(&c->r, 100) < FUNCTION_SHARE) {
            const char *w = fn[draw(&c->r, fcdf, nfn)];
            size_t at = b->n;
            buf_puts(b, w);
            if (start && b->p[at] >= 'a' && b->p[at] <= 'z')
                b->p[at] = (char)(b->p[at] - 'a' + 'A');
        } else {
            int l = content_lemma(c, lang);
            put_form(c, &c->lemmas[l], lang, start, b);
            note(t, l);
        }
        if (title)
            continue;
        if (++sentence >= 8 + (int)rnd(&c->r, 9) || i == n - 1) {
            buf_putc(b, '.');
            sentence = 0;
        } else if (rnd(&c->r, 100) < 6) {
            buf_putc(b, ',');
        }
    }
}

void corpus_next(struct corpus *c, struct corpus_doc *d)
{
    int names[2], nnames = 0;
    uint32_t k = rnd(&c->r, 100);
    int want = k < 50 ? 0 : k < 85 ? 1 : 2;
    for (int i = 0; i < want; i++)
        names[nnames++] = RU_LEMMAS + EN_LEMMAS + draw(&c->r, c->cdf_names, NAMES);
    for (int lang = 0; lang < 2; lang++) {
        struct corpus_text *t = &d->t[lang];
        buf_reset(&t->title);
        buf_reset(&t->body);
        t->nlemmas = 0;
        int tl = 5 + (int)rnd(&c->r, 5);
        words(c, (enum corpus_lang)lang, tl, true, names, rnd(&c->r, 4) ? 0 : nnames, t, &t->title);
        words(c, (enum corpus_lang)lang, 60 + (int)rnd(&c->r, 180), false, names, nnames, t,
              &t->body);
    }
}

void corpus_doc_release(struct corpus_doc *d)
{
    for (int i = 0; i < 2; i++) {
        buf_release(&d->t[i].title);
        buf_release(&d->t[i].body);
    }
}
