/*
 * The search index's hooks inside the store (src/store only). The functions the
 * layers above use (search_run, search_reindex) are declared in search/search.h.
 */
#ifndef CIVDESK_STORE_SEARCH_INDEX_H
#define CIVDESK_STORE_SEARCH_INDEX_H

#include "search/search.h"
#include "store/internal.h"

#define PARENT_DEPTH_MAX 8
#define SLOT_BITS        16     /* entries of one anchor: its own, and up to 65535 sub-records */
#define TAG              "\x01" /* starts every tag: no word of text can */

/* A rebuild's progress, reported every SEARCH_PROGRESS_EVERY records. */
struct search_job {
    search_progress_fn fn; /* may be NULL */
    void *arg;
    int64_t done, total; /* records */
};

/* Indexes every record of res inside the caller's write transaction, with progress in
 * job (may be NULL): fresh — none of them is indexed yet, written together (top-level
 * resources) — or one by one, each finding what it belongs to (sub-resources).
 * STORE_OK or STORE_ERROR (src/store/search_index.c). */
int search_index_all(struct store_conn *c, const struct resource *res, bool fresh,
                     struct search_job *job);

/* Steps st once and resets it; STORE_OK, or STORE_ERROR logged with `what`. */
int search_step_done(struct store_conn *c, struct db_stmt *st, const char *what);

/* The connection's tokenizer, for snippets and queries; NULL if it cannot be made
 * (src/store/search_query.c). Borrowed: the connection owns it. */
struct search_tokenizer *search_conn_tokenizer(struct store_conn *c);
/* The tokenizer registered with FTS5 on a SQLite connection (src/store/search_fts5.c). */
struct search_tokenizer *search_fts5_tokenizer(struct store_conn *c);

/*
 * Index upkeep, in the write transaction of the change, so the index is exact at every
 * commit. search_index_put adds the record as it now is (after an insert or update);
 * search_index_remove takes out the record as it is stored, so it must run BEFORE the
 * row is updated or deleted (the index is contentless: an entry is removed by its text).
 * deleting: the record itself goes away, with what decides who may see it. Both return
 * STORE_OK or STORE_ERROR; on error the transaction must be rolled back, as after any
 * failed write.
 */
int search_index_put(struct store_conn *c, const struct record *rec);
int search_index_remove(struct store_conn *c, const struct resource *res, int64_t id,
                        bool deleting);

/*
 * At open: whether the index was built for these declarations and this tokenizer (so
 * removals meet the text they indexed). If not, as mode says (enum store_open_mode): an
 * index of at most SEARCH_REBUILD_AT_OPEN records is rebuilt; a larger one is rebuilt by
 * STORE_OPEN_SERVE (progress in the log), left out of date by STORE_OPEN_INIT (with a
 * notice) and STORE_OPEN_KEEP_INDEX, and refused by STORE_OPEN_USE (err names `civdesk
 * reindex`). An index left out of date is neither kept up nor searched until rebuilt.
 */
int search_index_check(struct store *s, enum store_open_mode mode, struct error *err);

/* ?q= on lists: appends " OR id IN (<records of res whose text matches ?>)", the
 * parameter being search_list_match's value (on SQLite what the user typed, which the SQL
 * function civdesk_match, registered with the tokenizer, turns into an FTS5 expression; a
 * malformed query matches nothing). */
void search_list_sql(struct store_conn *c, struct buf *b, const struct resource *res);
/* The SELECT of those records' ids alone (one parameter, as above). */
void search_list_subquery(struct store_conn *c, struct buf *b, const struct resource *res);
/* A text field to bind the query with. */
extern const struct field search_match_field;

/* The value a list's ?q= binds for search_list_sql: q itself on SQLite (civdesk_match
 * parses it there), its tsquery on PostgreSQL. Arena-owned (src/store/search_tsv.c). */
const char *search_list_match(struct store_conn *c, struct str q, struct arena *a);

/* PostgreSQL (src/store/search_tsv.c): an entry's keys as tsvector input text — the
 * title's with weight A, the body's with D, positions as FTS5 counts them — into out
 * (emptied first). STORE_OK, or STORE_ERROR if the tokenizer failed. */
int search_tsvector(struct search_tokenizer *t, const char *title, size_t title_n, const char *body,
                    size_t body_n, struct buf *out);
/* A parsed, pruned query as tsquery input text: its terms ANDed, each term's positions
 * joined by <-> (a phrase), alternatives at one position ORed, a prefix term's last keys
 * marked :*. A query without keys gives a lexeme no entry holds. Arena-owned. */
const char *search_tsquery(struct search_tokenizer *t, const struct search_query *q,
                           struct arena *a);

/* q written in the other script (search_other_script), in the arena, or NULL when no
 * word of it changes or the tokenizer is not available: a list's q= also looks for it. */
const char *search_list_other_script(struct store_conn *c, struct str q, struct arena *a);

#endif
