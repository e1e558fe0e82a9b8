/*
 * What the tokenizer's files (tokenizer.c: its life, cache and walk over a text;
 * tokenizer_words.c: the analysis of one word) share and nothing else includes.
 */
#ifndef CIVDESK_SEARCH_TOKENIZER_INT_H
#define CIVDESK_SEARCH_TOKENIZER_INT_H

#include "search/search.h"

#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/utrans.h>

#define WORD_MAX_UNITS 64  /* longer "words" (hashes, junk) are cut to this many UTF-16 units */
#define KEY_MAX        255 /* bytes of one token */
#define MAX_KEYS       5   /* primary + alternatives of one word */

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

/* Decodes UTF-8 s[0..n) into t->u16 with byte offsets (t->off); invalid bytes become
 * U+FFFD. The number of UTF-16 units, or -1 when out of memory. */
int32_t tokenizer_to_utf16(struct search_tokenizer *t, const char *s, size_t n);
/* UTF-16 u[0..n) as NUL-terminated UTF-8 into out (cap bytes); its length, or -1 when it
 * does not fit. */
int32_t tokenizer_u16_to_utf8(const UChar *u, int32_t n, char *out, int32_t cap);
/*
 * Folds the word w[0..n) in place (n in/out): apostrophes out, look-alike letters into the
 * main script, then the script's own folding. Returns the word's language.
 */
enum lang tokenizer_fold_script(struct search_tokenizer *t, UChar *w, int32_t *n, int32_t cap);
/* The longest common prefix of a and b, cut back to a whole UTF-8 character. */
size_t tokenizer_common_prefix(const char *a, size_t an, const char *b, size_t bn);
/* Every key of one folded word (UTF-8 w[0..n)), primary first, into *a. */
void tokenizer_analyse(struct search_tokenizer *t, enum lang l, bool number, const char *w,
                       size_t n, struct analysis *a);
/* The keys of a prefix the user typed (w[0..n), folded), into *a. */
void tokenizer_analyse_prefix(struct search_tokenizer *t, enum lang l, const char *w, size_t n,
                              struct analysis *a);

#endif
