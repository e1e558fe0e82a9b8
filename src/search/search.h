/*
 * search: bilingual full-text search.
 *
 * - The civdesk tokenizer (tokenizer.c): ICU word boundaries, NFKC case folding, ё→е,
 *   Latin diacritics removed; Snowball stemming chosen by each word's script (a table:
 *   Latin → English, Cyrillic → Russian, Arabic, Greek; other scripts are folded only);
 *   common words dropped; and Latin↔Cyrillic transliteration so a name typed in one
 *   script finds it written in the other.
 * - The query language (query.c): words ANDed, "quoted phrases", prefix*. Parsed here,
 *   never handed raw to FTS5.
 * - What text of a record is indexed (entries.c), from the declarations: fields flagged
 *   F_SEARCH (body) or F_TITLE (title, weighs more); JSON arrays of translation objects
 *   {lang, title, body} become one entry per translation.
 * - Snippets (snippet.c): the words around the matches, matches marked.
 *
 * No SQL here. The index (one contentless FTS5 table), its upkeep inside each write
 * transaction and the search query live in src/store/search_*.c; the functions it
 * implements for the layers above are declared at the end of this header.
 */
#ifndef CIVDESK_SEARCH_H
#define CIVDESK_SEARCH_H

#include "core/core.h"
#include "resource/resource.h"

/* ---- tokenizer ---------------------------------------------------------------------- */

struct search_tokenizer;

enum search_mode {
    SEARCH_DOCUMENT,     /* text being indexed: every key of every word */
    SEARCH_QUERY,        /* a query word or phrase */
    SEARCH_QUERY_PREFIX, /* same, and the last word is a prefix (the user typed word*) */
};

/* The token shares the position of the token before it (an alternative form). */
#define SEARCH_COLOCATED 1

/*
 * Called for each token: its text (UTF-8, not NUL-terminated, valid only during the
 * call) and the byte range [start, end) of the word in the input it came from. A
 * non-zero return stops tokenizing and is returned by search_tokenize.
 */
typedef int (*search_token_fn)(void *ctx, int flags, const char *token, int n, int start, int end);

struct search_tokenizer_opts {
    /* Also index a Latin (BGN/PCGN) transliteration of each Cyrillic word. Off by
     * default: Latin query words look for their Cyrillic transliteration instead, which
     * matches the many Latin spellings of one Russian name. On for comparisons. */
    bool latin_keys;
    /* Latin query words also look for their Cyrillic transliteration (default on). */
    bool no_query_translit;
    /* Keep common words (default: dropped). */
    bool keep_stopwords;
};

/*
 * A tokenizer: ICU iterators, stemmers, transliterators and a cache of analysed words.
 * Not thread-safe: one per connection / thread. opts may be NULL (defaults). On failure
 * returns negative with a message in err. The caller owns *out (search_tokenizer_free).
 */
int search_tokenizer_new(struct search_tokenizer **out, const struct search_tokenizer_opts *opts,
                         struct error *err);
void search_tokenizer_free(struct search_tokenizer *t); /* NULL is fine */

/*
 * Splits text (UTF-8; invalid bytes are tolerated and never match) into tokens. Returns 0,
 * the callback's non-zero value, or -1 if ICU failed (out of memory).
 */
int search_tokenize(struct search_tokenizer *t, enum search_mode mode, const char *text, size_t n,
                    search_token_fn fn, void *ctx);

/*
 * The query written in the other script, word by word, for substring search: a Latin
 * word as people type Russian names ("otkrytyi" → "открытый", "Samara" → "самара"), a
 * Cyrillic word in BGN/PCGN romanisation ("Форт" → "fort"); other words as they are.
 * Appends to out and returns true when some word changed; false otherwise.
 */
bool search_other_script(struct search_tokenizer *t, const char *text, size_t n, struct buf *out);

/* Changes whenever the tokens of some text could change (our rules, ICU's version):
 * the index must then be rebuilt. Static string. */
const char *search_tokenizer_version(void);

/* ---- queries ------------------------------------------------------------------------ */

#define SEARCH_MAX_TERMS 16 /* words and phrases in one query */

struct search_term {
    struct str text; /* the word, or the phrase's words, without quotes or '*'; borrowed */
    bool phrase;     /* was in quotation marks */
    bool prefix;     /* ended with '*' */
};

struct search_query {
    struct search_term terms[SEARCH_MAX_TERMS];
    size_t n;
};

/*
 * Parses what a user typed: words (ANDed), "quoted phrases", and word* / "phrase"* for
 * prefixes. Malformed input (empty, an unclosed quotation mark, a stray '*', a prefix of
 * fewer than two letters, control characters, too many terms) returns -1 with a message
 * for the user in err. Terms borrow from q.
 */
int search_parse(struct str q, struct search_query *out, struct error *err);

/* Drops the terms that give no token (common words such as "the", punctuation alone):
 * FTS5 would find nothing for them, and nothing at all for a query ANDing them. Returns
 * how many terms remain. */
size_t search_query_prune(struct search_tokenizer *t, struct search_query *q);

/* The FTS5 MATCH expression for a parsed query: each term a quoted string, ANDed; with
 * no terms, an empty string that matches nothing. The user's text never reaches FTS5's
 * query syntax. Arena-owned. */
const char *search_fts_expr(const struct search_query *q, struct arena *a);

/* ---- what a record contributes to the index ----------------------------------------- */

/*
 * The text a record contributes to the index: its title fields (F_TITLE, or else its
 * first F_SEARCH field) and its other F_SEARCH fields, one value per line; text lists
 * give one line per item. A record of a sub-resource (a document's translation, a
 * report's recommendation) is indexed on its own and found as its top-level record.
 */
struct search_entry {
    const char *title; /* the title column ("" if none) */
    const char *body;  /* the body column ("" if none) */
    const char *lang;  /* the record's language (its first FT_LANG field), or NULL */
    const char *label; /* what a result shows as its title */
};

/* Whether records of res have text to index (fields flagged F_SEARCH or F_TITLE). */
bool search_resource_indexed(const struct resource *res);
/* Whether records of res appear in results: a top-level resource with text, or with a
 * sub-resource (at any depth) with text. */
bool search_resource_findable(const struct resource *res);

/* The entry of rec (arena-owned strings). False if the record has no text at all.
 * Deterministic: the same record always gives the same text (the index removes an
 * entry by its text). */
bool search_entry_of(const struct record *rec, struct arena *a, struct search_entry *out);
/* The same title and body texts into the caller's buffers (emptied first; both
 * NUL-terminated even when empty), and the language, borrowed from rec ({NULL, 0}: none):
 * no allocation once the buffers have grown, for bulk indexing. */
bool search_entry_text(const struct record *rec, struct buf *title, struct buf *body,
                       struct str *lang);

/* Appends what identifies the declarations' searchable layout (resources, their indexed
 * fields and access fields), for the index fingerprint. */
void search_declarations_fingerprint(struct buf *out);

/* ---- snippets ----------------------------------------------------------------------- */

struct search_matcher;

/* What a query matches, as index keys, for marking words in snippets. Arena-owned. */
struct search_matcher *search_matcher_new(struct search_tokenizer *t, const struct search_query *q,
                                          struct arena *a);

struct snippet_style {
    const char *open, *close; /* around each matched word */
    const char *ellipsis;     /* where text was cut */
    bool html;                /* escape & < > " ' in the text */
    int words;                /* about this many words around the matches */
};

/* A snippet of text around its best cluster of matches (its beginning if none match).
 * *matched says whether any word matched. Arena-owned. */
const char *search_snippet(struct search_tokenizer *t, const struct search_matcher *m,
                           const char *text, size_t n, const struct snippet_style *style,
                           struct arena *a, bool *matched);

/* ---- the index (implemented in src/store/search_*.c) ---------------------------- */

struct store;
struct store_conn;
struct store_tx;

/* Who is asking, as far as search results go (mapped from the principal by callers). */
enum search_scope {
    SEARCH_SEE_ALL,    /* officers and administrators */
    SEARCH_SEE_ORG,    /* an NGO user: its organisation's records, reference data, public */
    SEARCH_SEE_PUBLIC, /* anonymous: only records whose public flag is set */
};

struct search_request {
    struct str q;                     /* what the user typed */
    const struct resource *types[32]; /* only these resources; none: all */
    size_t ntypes;
    const char *lang;  /* only entries in this language (or none) */
    int limit;         /* results per page */
    struct str cursor; /* from a previous page; empty: first page */
    enum search_scope scope;
    int64_t org; /* SEARCH_SEE_ORG: the user's organisation */
    struct snippet_style style;
};

struct search_hit {
    const struct resource *res; /* the top-level record to open */
    int64_t id;
    const struct resource *match_res; /* the record whose text matched: the same, or a */
    int64_t match_id;                 /* sub-record (a document's translation) */
    const char *lang;                 /* the matching entry's language, or NULL */
    const char *title;                /* arena-owned */
    const char *snippet;              /* arena-owned, styled */
    double score;                     /* relevance: higher is better (bm25, title weighs more) */
};

struct search_result {
    struct search_hit *items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
    bool capped;             /* more matches than are ranked: the newest SEARCH_SCORE_CAP were */
    const char *bad_param;   /* on STORE_CONFLICT: the parameter at fault, "q" or "cursor" */
};

/* How many matches at most are ranked by relevance (DESIGN §8: ranking costs about 3 µs a
 * match; a word in most records would otherwise cost 100-700 ms). */
#define SEARCH_SCORE_CAP 4000

/*
 * Runs a search on a reader (or the writer's) connection inside a read transaction the
 * caller opened. Results never include what the scope may not see, in titles, snippets
 * or counts. STORE_CONFLICT: the query or cursor is malformed (err says how, for a 400;
 * out->bad_param names which); STORE_ERROR otherwise.
 */
int search_run(struct store_conn *c, const struct search_request *rq, struct arena *a,
               struct search_result *out, struct error *err);

/* Progress of a rebuild: fn(arg, records done, records in all) every
 * SEARCH_PROGRESS_EVERY records. */
#define SEARCH_PROGRESS_EVERY 10000
typedef void (*search_progress_fn)(void *arg, int64_t done, int64_t total);

/* Rebuilds the whole index from the records, in one write transaction (progress may be
 * NULL). *entries: how many entries it now holds. */
int search_reindex(struct store *s, search_progress_fn progress, void *arg, int64_t *entries,
                   struct error *err);

/*
 * An index built by another version of the tokenizer or for other searchable fields
 * (the fingerprint differs) is rebuilt when the database is opened if it covers at most
 * this many records — a second or two. A larger one is rebuilt by `civdesk serve` before
 * it listens (with progress in the log) or by `civdesk reindex`; other commands refuse
 * the database until then, naming the command (store_open, enum store_open_mode).
 */
#define SEARCH_REBUILD_AT_OPEN 20000

/*
 * Bulk writes (imports). After search_bulk_begin(tx, res), the index entries of the
 * records of res created in tx from then on are not written one by one as they are
 * created but all together by search_bulk_end(tx, true, ...), before the commit — the
 * same entries, for less (progress, which may be NULL, hears of it as for a rebuild). Until then
 * those records are not found by searches in tx (an import's checks do not search).
 * search_bulk_end(tx, false) forgets them, for a transaction that is being rolled back; one of the
 * two must end every begin. Sub-resources, and a resource whose index holds orphaned entries above
 * its largest id, are indexed one by one as before. STORE_OK or STORE_ERROR (roll back).
 */
int search_bulk_begin(struct store_tx *tx, const struct resource *res);
int search_bulk_end(struct store_tx *tx, bool flush, search_progress_fn progress, void *arg);

#endif
