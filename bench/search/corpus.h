/*
 * A deterministic bilingual corpus for the search benchmark: documents with a Russian
 * and an English translation (title and body), words drawn by Zipf's law from
 * vocabularies whose words inflect (Russian cases and numbers, English plurals and verb
 * forms), function words at their usual share, and Russian surnames written in Cyrillic
 * (inflected) in the Russian text and in Latin letters in the English one.
 *
 * The same seed gives the same corpus, word for word, on any machine.
 */
#ifndef CIVDESK_BENCH_CORPUS_H
#define CIVDESK_BENCH_CORPUS_H

#include "core/core.h"

enum corpus_lang { CORPUS_RU, CORPUS_EN };

#define CORPUS_MAX_WORDS 512 /* lemmas used by one translation, for ground truth */

struct corpus_text {
    struct buf title, body;
    int lemmas[CORPUS_MAX_WORDS]; /* lemma ids used (content words and names) */
    size_t nlemmas;
};

struct corpus_doc {
    struct corpus_text t[2]; /* by enum corpus_lang */
};

struct corpus;

struct corpus *corpus_new(uint64_t seed);
void corpus_free(struct corpus *c);
void corpus_next(struct corpus *c, struct corpus_doc *d);
void corpus_doc_release(struct corpus_doc *d);

/* Lemma ids are global: [0, corpus_lemmas()). Rank is its Zipf rank in its language
 * (1 = most frequent); names have rank 0. */
int corpus_lemmas(const struct corpus *c);
enum corpus_lang corpus_lemma_lang(const struct corpus *c, int lemma);
int corpus_lemma_rank(const struct corpus *c, int lemma);
bool corpus_lemma_is_name(const struct corpus *c, int lemma);
/* The lemma's forms (the first is the dictionary form), written into out separated by
 * '\n'; returns how many. For a name: its Cyrillic forms, then its Latin spellings. */
int corpus_lemma_forms(const struct corpus *c, int lemma, struct buf *out);
/* A name's usual Latin spelling (what a user would type). */
const char *corpus_name_latin(const struct corpus *c, int lemma);
/* The lemma of content rank `rank` in a language. */
int corpus_lemma_at(const struct corpus *c, enum corpus_lang l, int rank);
/* Common words that are not content words ("и", "the", "он", "will"...). */
size_t corpus_function_words(enum corpus_lang l, const char *const **out);

#endif
