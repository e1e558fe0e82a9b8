/*
 * Unit tests of the civdesk tokenizer alone (src/search/tokenizer.c): folding, word
 * boundaries, stemming by script, common words, transliteration keys, prefixes, offsets,
 * and hostile input. "Finds" below means: some key a query word gives equals some key the
 * document word gives — exactly what FTS5 matches on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 4096

struct tok {
    char key[256];
    bool colocated;
    int start, end;
};

struct toks {
    struct tok t[MAX_TOKENS];
    size_t n;
};

static int collect(void *ctx, int flags, const char *token, int n, int start, int end)
{
    struct toks *ts = ctx;
    if (ts->n == MAX_TOKENS)
        return 1;
    struct tok *t = &ts->t[ts->n++];
    snprintf(t->key, sizeof(t->key), "%.*s", n, token);
    t->colocated = flags & SEARCH_COLOCATED;
    t->start = start;
    t->end = end;
    return 0;
}

static struct search_tokenizer *tk;

static int group_setup(void **state)
{
    struct error err;
    return search_tokenizer_new(&tk, NULL, &err);
}

static int group_teardown(void **state)
{
    search_tokenizer_free(tk);
    return 0;
}

static struct toks *run(enum search_mode mode, const char *text)
{
    static struct toks ts;
    ts.n = 0;
    assert_int_equal(search_tokenize(tk, mode, text, strlen(text), collect, &ts), 0);
    return &ts;
}

/* The tokens as one string: "a b +c" (+ marks colocated). */
static const char *render(enum search_mode mode, const char *text)
{
    static char out[8192];
    struct toks *ts = run(mode, text);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ts->n && o < sizeof(out) - 300; i++)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%s", i ? " " : "",
                              ts->t[i].colocated ? "+" : "", ts->t[i].key);
    return out;
}

/* Whether the single word `query` (query mode) finds the single word `doc`. */
static bool finds(const char *query, const char *doc)
{
    static struct toks q, d;
    q.n = d.n = 0;
    search_tokenize(tk, SEARCH_QUERY, query, strlen(query), collect, &q);
    search_tokenize(tk, SEARCH_DOCUMENT, doc, strlen(doc), collect, &d);
    for (size_t i = 0; i < q.n; i++)
        for (size_t k = 0; k < d.n; k++)
            if (strcmp(q.t[i].key, d.t[k].key) == 0)
                return true;
    return false;
}

static void expect_finds(const char *query, const char *const *docs, size_t n, bool want)
{
    for (size_t i = 0; i < n; i++)
        if (finds(query, docs[i]) != want)
            fail_msg("'%s' should %sfind '%s' (query: %s / document: %s)", query,
                     want ? "" : "not ", docs[i], render(SEARCH_QUERY, query),
                     render(SEARCH_DOCUMENT, docs[i]));
}

#define FINDS(q, ...)                                                                              \
    do {                                                                                           \
        static const char *const docs_[] = {__VA_ARGS__};                                          \
        expect_finds(q, docs_, ARRAY_SIZE(docs_), true);                                           \
    } while (0)
#define MISSES(q, ...)                                                                             \
    do {                                                                                           \
        static const char *const docs_[] = {__VA_ARGS__};                                          \
        expect_finds(q, docs_, ARRAY_SIZE(docs_), false);                                          \
    } while (0)

/* ---- Russian morphology ------------------------------------------------------------- */

static void test_russian_cases_and_numbers_share_a_key(void **state)
{
    FINDS("организаций", "организация", "организации", "организацию", "организациями",
          "организациях", "Организация");
    FINDS("правам", "права", "право", "правах", "правами");
    FINDS("доклад", "доклады", "докладов", "докладе", "докладом");
    FINDS("человека", "человек", "человеку");
}

static void test_russian_surnames_and_nouns_snowball_splits_are_joined(void **state)
{
    /* Snowball alone gives "чкал" for Чкалов but "чкалов" for Чкалова. */
    FINDS("Чкалов", "Чкалова", "Чкаловым", "Чкалове", "Чкалов");
    FINDS("Чкалова", "Чкалов");
    FINDS("Мемориал", "Мемориала", "Мемориалом", "мемориале");
    FINDS("памяти", "Память", "памятью");
    FINDS("Михаил", "Михаила", "Михаилом");
    FINDS("Горбачёв", "Горбачева", "Горбачевым");
}

static void test_russian_different_words_stay_apart(void **state)
{
    MISSES("организация", "организатор", "Москва", "мост");
    MISSES("мост", "Москва", "монитор");
    MISSES("доклад", "доклик", "делегация");
}

/* ---- English morphology ------------------------------------------------------------- */

static void test_english_plurals_and_verb_forms_share_a_key(void **state)
{
    FINDS("reports", "report", "reported", "reporting", "Reports");
    FINDS("monitoring", "monitor", "monitors", "monitored");
    FINDS("organizations", "organization", "organizations");
    FINDS("submitted", "submit", "submits", "submitting");
    FINDS("elections", "election", "Election");
}

static void test_english_different_words_stay_apart(void **state)
{
    MISSES("report", "repeat", "port", "support");
    MISSES("monitor", "month");
}

/* ---- folding ------------------------------------------------------------------------ */

static void test_yo_folds_to_ye_and_case_folds(void **state)
{
    FINDS("Ёлка", "елка", "ЕЛКА", "ёлке");
    FINDS("елка", "Ёлка");
    FINDS("Королев", "Королёв", "Королёва");
    FINDS("МОСТ", "мост", "Мост");
    FINDS("Café", "cafe", "CAFÉ");
    FINDS("Zurich", "Zürich");
    assert_string_equal(render(SEARCH_QUERY, "Straße"), render(SEARCH_QUERY, "strasse"));
}

static void test_latin_lookalikes_inside_a_russian_word_fold(void **state)
{
    /* "Mосква" with a Latin M, "Пpава" with a Latin p: typed or pasted often. */
    FINDS("Москва", "M\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
    FINDS("права", "\xd0\x9fp\xd0\xb0\xd0\xb2\xd0\xb0");
    FINDS("Moscow", "Mos\xd1\x81ow"); /* a Cyrillic с inside a Latin word */
}

/* ---- words and punctuation ---------------------------------------------------------- */

static void test_punctuation_separates_words(void **state)
{
    assert_string_equal(render(SEARCH_DOCUMENT, "«Мост»"), "мост");
    assert_string_equal(render(SEARCH_DOCUMENT, "\"Мост\", (мост); мост!"), "мост мост мост");
    assert_string_equal(render(SEARCH_DOCUMENT, "Санкт-Петербург"), "санкт петербург");
    assert_string_equal(render(SEARCH_DOCUMENT, "1996/31"), "1996 31");
    FINDS("OBrien", "O'Brien", "O’Brien");
}

static void test_offsets_are_bytes_of_the_original_text(void **state)
{
    const char *text = "«Мост» и Chkalov";
    struct toks *ts = run(SEARCH_DOCUMENT, text);
    assert_true(ts->n >= 2);
    assert_string_equal(ts->t[0].key, "мост");
    assert_int_equal(ts->t[0].start, 2); /* after « (2 bytes) */
    assert_int_equal(ts->t[0].end, 10);  /* 4 Cyrillic letters, 2 bytes each */
    size_t last = ts->n - 1;
    while (ts->t[last].colocated)
        last--;
    assert_string_equal(ts->t[last].key, "chkalov");
    assert_int_equal(ts->t[last].start, (int)(strstr(text, "Chkalov") - text));
    assert_int_equal(ts->t[last].end, (int)strlen(text));
    for (size_t i = last + 1; i < ts->n; i++) { /* alternatives cover the same word */
        assert_int_equal(ts->t[i].start, ts->t[last].start);
        assert_int_equal(ts->t[i].end, ts->t[last].end);
    }
}

static void test_common_words_give_no_tokens(void **state)
{
    assert_string_equal(render(SEARCH_DOCUMENT, "the of and и в на"), "");
    assert_string_equal(render(SEARCH_QUERY, "The"), "");
    /* Acronyms that look like words stay: WHO, IT, UN. */
    assert_string_not_equal(render(SEARCH_QUERY, "WHO"), "");
    assert_string_not_equal(render(SEARCH_QUERY, "IT"), "");
    assert_string_not_equal(render(SEARCH_QUERY, "ООН"), "");
    /* A phrase keeps its other words in order. */
    assert_string_equal(render(SEARCH_DOCUMENT, "Ministry of Foreign Affairs"),
                        render(SEARCH_DOCUMENT, "ministry foreign affairs"));
}

/* ---- across scripts ----------------------------------------------------------------- */

static void test_latin_spellings_find_russian_names(void **state)
{
    FINDS("Chkalov", "Чкалов", "Чкалова", "Чкаловым");
    FINDS("Tchkalov", "Чкалова");
    FINDS("Yeltsin", "Ельцин", "Ельцина");
    FINDS("Eltsin", "Ельцин");
    FINDS("Dostoevsky", "Достоевский", "Достоевского");
    FINDS("Dostoyevskiy", "Достоевский");
    FINDS("Tolstoy", "Толстой", "Толстого");
    FINDS("Zhukov", "Жуков", "Жукова");
    FINDS("Shchukin", "Щукин");
    FINDS("Pamyat", "Память", "памяти");
    FINDS("Memorial", "Мемориал", "Мемориала");
    FINDS("Moskva", "Москва", "Москвы");
}

static void test_cyrillic_spellings_find_latin_names(void **state)
{
    FINDS("Мемориал", "Memorial");
    FINDS("Чкалов", "Chkalov");
    FINDS("Чкалова", "Chkalov");
    FINDS("Ельцин", "Yeltsin");
    FINDS("Достоевский", "Dostoevsky");
    FINDS("Мост", "Most");
    /* A name ending in -s: "сь" is no reflexive ending here (issue 17: "Форт Росс"). */
    FINDS("Росс", "Ross");
    FINDS("Парис", "Paris");
}

static void test_english_words_do_not_meet_their_own_transliteration(void **state)
{
    /* The Cyrillic key of a Latin word in a document is kept apart from Russian stems:
     * "report" looks for English texts by its stem and for Russian ones by its Cyrillic
     * key, never for English texts twice; "репорт" finds "report" through that key. */
    FINDS("report", "reports");
    FINDS("репорт", "report");
    FINDS("report", "репорт");
    struct toks *q = run(SEARCH_QUERY, "report");
    assert_int_equal(q->n, 2);
    struct toks d = {0};
    search_tokenize(tk, SEARCH_DOCUMENT, "report", 6, collect, &d);
    assert_int_equal(d.n, 2);
    assert_string_equal(q->t[0].key, d.t[0].key);
    assert_string_not_equal(q->t[1].key, d.t[1].key);
}

static void test_transliteration_does_not_invent_matches(void **state)
{
    MISSES("Chkalov", "Чайка", "Калуга");
    MISSES("Memorial", "Мурманск");
    MISSES("Ельцин", "Eltsova");
    MISSES("Ross", "Россия", "России"); /* "Ross" is no spelling of Russia */
}

static void test_document_alternatives_are_colocated_query_words_are_not_doubled(void **state)
{
    /* A Latin document word: its stem, then its Cyrillic key at the same position. */
    struct toks *ts = run(SEARCH_DOCUMENT, "Memorial");
    assert_int_equal(ts->n, 2);
    assert_false(ts->t[0].colocated);
    assert_true(ts->t[1].colocated);
    /* Positions: one per word, whatever the alternatives. */
    ts = run(SEARCH_DOCUMENT, "Memorial Chkalov Ельцин");
    size_t positions = 0;
    for (size_t i = 0; i < ts->n; i++)
        positions += !ts->t[i].colocated;
    assert_int_equal(positions, 3);
}

/* ---- prefixes ----------------------------------------------------------------------- */

static bool prefix_finds(const char *prefix, const char *doc)
{
    static struct toks q, d;
    q.n = d.n = 0;
    search_tokenize(tk, SEARCH_QUERY_PREFIX, prefix, strlen(prefix), collect, &q);
    search_tokenize(tk, SEARCH_DOCUMENT, doc, strlen(doc), collect, &d);
    for (size_t i = 0; i < q.n; i++)
        for (size_t k = 0; k < d.n; k++)
            if (strncmp(d.t[k].key, q.t[i].key, strlen(q.t[i].key)) == 0)
                return true;
    return false;
}

static void test_prefix_is_cut_to_what_stems_share(void **state)
{
    assert_true(prefix_finds("организ", "организациями"));
    assert_true(prefix_finds("организаций", "организация"));
    assert_true(prefix_finds("monito", "monitoring"));
    assert_true(prefix_finds("happy", "happiness"));
    assert_true(prefix_finds("Чкал", "Чкаловым"));
    assert_true(prefix_finds("chkal", "Чкаловым"));
    assert_true(prefix_finds("Мемор", "Memorials"));
    assert_false(prefix_finds("Моск", "мост"));
    /* The prefix applies to the last word only: "права чел" = права + чел*. */
    struct toks *ts = run(SEARCH_QUERY_PREFIX, "права чел");
    assert_string_equal(ts->t[0].key, "прав");
    size_t last = ts->n - 1;
    while (ts->t[last].colocated)
        last--;
    assert_string_equal(ts->t[last].key, "чел");
    /* A common word as a prefix is kept: the user asked for it. */
    assert_string_equal(run(SEARCH_QUERY_PREFIX, "the")->t[0].key, "the");
}

/* ---- other scripts, numbers, hostile input ------------------------------------------ */

static void test_other_scripts_and_numbers_are_words(void **state)
{
    assert_string_equal(render(SEARCH_DOCUMENT, "71 2016 3.14"), "71 2016 3.14");
    /* Chinese: ICU's dictionary splits words; each is a token. */
    assert_true(run(SEARCH_DOCUMENT, "联合国人权理事会")->n >= 2);
    /* Arabic is stemmed by its own Snowball algorithm: a word and its plural meet. */
    assert_true(run(SEARCH_DOCUMENT, "منظمة")->n == 1);
    FINDS("Ελλάδα", "ελλαδα", "ΕΛΛΑΔΑ");
}

static void test_invalid_utf8_and_huge_words_are_survived(void **state)
{
    static const char bad[] = "ok \xff\xfe bad \xc3\x28 \xe2\x82 end \xed\xa0\x80 x";
    struct toks ts = {0};
    assert_int_equal(search_tokenize(tk, SEARCH_DOCUMENT, bad, sizeof(bad) - 1, collect, &ts), 0);
    bool ok = false, end = false;
    for (size_t i = 0; i < ts.n; i++) {
        ok |= strcmp(ts.t[i].key, "ok") == 0;
        end |= strcmp(ts.t[i].key, "end") == 0;
        assert_true(ts.t[i].start >= 0 && ts.t[i].end <= (int)sizeof(bad) - 1);
    }
    assert_true(ok && end);
    /* A 100 KB "word" gives one token of bounded length. */
    size_t n = 100 * 1024;
    char *huge = malloc(n + 1);
    assert_non_null(huge);
    for (size_t i = 0; i < n; i++)
        huge[i] = (char)('a' + i % 26);
    huge[n] = '\0';
    struct toks *h = run(SEARCH_DOCUMENT, huge);
    assert_true(h->n >= 1 && h->n <= 2);
    assert_true(strlen(h->t[0].key) <= 255);
    free(huge);
    /* Empty and NULL input: no tokens, no failure. */
    assert_int_equal(search_tokenize(tk, SEARCH_DOCUMENT, NULL, 0, collect, &ts), 0);
    assert_string_equal(render(SEARCH_DOCUMENT, ""), "");
}

static void test_same_text_gives_same_tokens_with_or_without_the_cache(void **state)
{
    /* The index removes an entry by re-tokenizing its text: tokens must never depend on
     * what was tokenized before. A fresh tokenizer (empty cache) must agree. */
    char text[4096];
    size_t o = 0;
    static const char *const words[] = {"Чкалова",     "reports", "Ёлка", "the",   "Memorial",
                                        "организаций", "O'Brien", "1996", "Mосква"};
    for (int i = 0; i < 300 && o < sizeof(text) - 40; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%s ", words[(i * 7) % 9]);
    char first[8192];
    snprintf(first, sizeof(first), "%s", render(SEARCH_DOCUMENT, text));
    assert_string_equal(render(SEARCH_DOCUMENT, text), first);
    struct search_tokenizer *fresh;
    struct error err;
    assert_int_equal(search_tokenizer_new(&fresh, NULL, &err), 0);
    struct search_tokenizer *keep = tk;
    tk = fresh;
    assert_string_equal(render(SEARCH_DOCUMENT, text), first);
    tk = keep;
    search_tokenizer_free(fresh);
}

static int stop_at_first(void *ctx, int flags, const char *t, int n, int s, int e)
{
    (*(int *)ctx)++;
    return 7;
}

static void test_callback_error_stops_tokenizing(void **state)
{
    int calls = 0;
    assert_int_equal(search_tokenize(tk, SEARCH_DOCUMENT, "a b c d", 7, stop_at_first, &calls), 7);
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_russian_cases_and_numbers_share_a_key),
        cmocka_unit_test(test_russian_surnames_and_nouns_snowball_splits_are_joined),
        cmocka_unit_test(test_russian_different_words_stay_apart),
        cmocka_unit_test(test_english_plurals_and_verb_forms_share_a_key),
        cmocka_unit_test(test_english_different_words_stay_apart),
        cmocka_unit_test(test_yo_folds_to_ye_and_case_folds),
        cmocka_unit_test(test_latin_lookalikes_inside_a_russian_word_fold),
        cmocka_unit_test(test_punctuation_separates_words),
        cmocka_unit_test(test_offsets_are_bytes_of_the_original_text),
        cmocka_unit_test(test_common_words_give_no_tokens),
        cmocka_unit_test(test_latin_spellings_find_russian_names),
        cmocka_unit_test(test_cyrillic_spellings_find_latin_names),
        cmocka_unit_test(test_english_words_do_not_meet_their_own_transliteration),
        cmocka_unit_test(test_transliteration_does_not_invent_matches),
        cmocka_unit_test(test_document_alternatives_are_colocated_query_words_are_not_doubled),
        cmocka_unit_test(test_prefix_is_cut_to_what_stems_share),
        cmocka_unit_test(test_other_scripts_and_numbers_are_words),
        cmocka_unit_test(test_invalid_utf8_and_huge_words_are_survived),
        cmocka_unit_test(test_same_text_gives_same_tokens_with_or_without_the_cache),
        cmocka_unit_test(test_callback_error_stops_tokenizing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
