/*
 * Reading the search index: ?q= on lists, and searches ranked by relevance with what
 * the caller may see (tags), snippets and a cursor. See search_index.c for the tables.
 */
#define _GNU_SOURCE
#include "store/search_index.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- lists -------------------------------------------------------------------------- */

struct search_tokenizer *search_conn_tokenizer(struct store_conn *c)
{
    if (db_dialect(c->db) == DB_SQLITE)
        return search_fts5_tokenizer(c); /* the one FTS5 uses: made once per connection */
    if (!c->tokenizer) {
        struct error err;
        if (search_tokenizer_new(&c->tokenizer, NULL, &err) < 0) {
            log_error("search: %s", err.msg);
            return NULL;
        }
    }
    return c->tokenizer;
}

const char *search_list_other_script(struct store_conn *c, struct str q, struct arena *a)
{
    struct search_tokenizer *t = search_conn_tokenizer(c);
    struct buf out = BUF_INIT;
    const char *s = NULL;
    if (t && search_other_script(t, q.p, q.n, &out))
        s = arena_strndup(a, out.p, out.n);
    buf_release(&out);
    return s;
}

void search_list_subquery(struct store_conn *c, struct buf *b, const struct resource *res)
{
    bool pg = db_dialect(c->db) == DB_PGSQL;
    const char *match = pg ? "search_fts.keys @@ ?::tsquery" : "search_fts MATCH civdesk_match(?)";
    const char *rowid = pg ? "search_fts.id" : "search_fts.rowid";
    if (res->parent)
        buf_printf(b,
                   "SELECT e.record_id FROM search_fts JOIN search_entry e "
                   "ON e.id=%s WHERE %s AND e.resource='%s'",
                   rowid, match, res->name);
    else
        buf_printf(b,
                   "SELECT a.record_id FROM search_fts JOIN search_anchor a "
                   "ON a.id=(%s >> %d) WHERE %s AND a.resource='%s'",
                   rowid, SLOT_BITS, match, res->name);
}

void search_list_sql(struct store_conn *c, struct buf *b, const struct resource *res)
{
    buf_puts(b, " OR id IN (");
    search_list_subquery(c, b, res);
    buf_putc(b, ')');
}

/* ---- searching ---------------------------------------------------------------------- */

/* Cursor: base64url of "<score>,<entry id>" of the last result. */
static const char *cursor_encode(double score, int64_t id, struct arena *a)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "%.17g,%lld", score, (long long)id);
    size_t cap = sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, (const unsigned char *)text, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static int cursor_decode(struct str cur, double *score, int64_t *id)
{
    char text[64];
    size_t len;
    if (cur.n > LIMIT_CURSOR ||
        sodium_base642bin((unsigned char *)text, sizeof(text) - 1, cur.p, cur.n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    text[len] = '\0';
    char *comma = strchr(text, ',');
    if (!comma || comma == text)
        return -1;
    *comma = '\0';
    char *end;
    *score = strtod(text, &end);
    if (*end || *score != *score)
        return -1;
    return parse_i64(str_from(comma + 1), 1, INT64_MAX, id);
}

/*
 * The filters on tags (visibility, types, language), checked on each match's entry row
 * rather than in the MATCH expression: "p", the public tag, is on most entries, and
 * making FTS5 intersect its doclist with the terms' cost anonymous searches twice an
 * officer's at p50 and 16 times at p99 (200,000 documents, 1,000,000 organisations).
 * Each tag is bound as "<tag> " and looked for in the entry's tags plus a space, so
 * "o12 " never matches "o123".
 */
struct tag_filter {
    struct buf sql;       /* " AND (...) AND (...)" over e.tags */
    const char *tags[40]; /* bound in order from ?5 */
    size_t n;
    bool pg; /* PostgreSQL: strpos() for SQLite's instr() */
};

static void tag_any(struct tag_filter *tf, const char *const *tags, size_t n)
{
    buf_puts(&tf->sql, " AND (");
    for (size_t i = 0; i < n && tf->n < ARRAY_SIZE(tf->tags); i++) {
        buf_printf(&tf->sql, "%s%s(e.tags||' ',?%zu)>0", i ? " OR " : "",
                   tf->pg ? "strpos" : "instr", tf->n + 5);
        tf->tags[tf->n++] = tags[i];
    }
    buf_putc(&tf->sql, ')');
}

static void tag_filter_of(const struct search_request *rq, bool pg, struct arena *a,
                          struct tag_filter *tf)
{
    *tf = (struct tag_filter){.sql = BUF_INIT, .pg = pg};
    const char *any[ARRAY_SIZE(rq->types) + 3];
    size_t n = 0;
    for (size_t i = 0; i < rq->ntypes && n < ARRAY_SIZE(any); i++)
        any[n++] = arena_printf(a, TAG "t%s ", rq->types[i]->name);
    if (n)
        tag_any(tf, any, n);
    if (rq->lang) {
        any[0] = arena_printf(a, TAG "l%s ", rq->lang);
        any[1] = TAG "l ";
        tag_any(tf, any, 2);
    }
    n = 0;
    if (rq->scope == SEARCH_SEE_PUBLIC || rq->scope == SEARCH_SEE_ORG)
        any[n++] = TAG "p ";
    if (rq->scope == SEARCH_SEE_ORG) {
        any[n++] = TAG "r ";
        any[n++] = arena_printf(a, TAG "o%lld ", (long long)rq->org);
    }
    if (n)
        tag_any(tf, any, n);
}

struct row {
    int64_t entry;
    double score;
};

/* Fills one hit from its entry: the record, its label and a snippet. False to skip it. */
static bool make_hit(struct store_conn *c, struct search_tokenizer *t,
                     const struct search_matcher *m, const struct search_request *rq,
                     const struct row *row, struct arena *a, struct search_hit *hit)
{
    struct db_stmt *st = store_prep(c, "SELECT e.resource,e.record_id,e.lang,a.resource,"
                                       "a.record_id FROM search_entry e JOIN search_anchor a "
                                       "ON a.id=(e.id >> 16) WHERE e.id=?");
    if (!st)
        return false;
    db_bind_int64(st, 1, row->entry);
    if (db_step(st) != DB_ROW) {
        store_done(st);
        return false;
    }
    const struct resource *res = resource_find(str_from(store_col_text(st, 0)));
    int64_t rid = db_column_int64(st, 1);
    const char *lang = store_col_text(st, 2);
    hit->lang = lang ? arena_strdup(a, lang) : NULL;
    hit->res = resource_find(str_from(store_col_text(st, 3)));
    hit->id = db_column_int64(st, 4);
    store_done(st);
    struct record *rec;
    struct search_entry e;
    if (!res || !hit->res || store_get(c, res, rid, a, &rec) != STORE_OK ||
        !search_entry_of(rec, a, &e))
        return false;
    hit->match_res = res;
    hit->match_id = rid;
    hit->title = e.label;
    hit->score = -row->score;
    bool matched = false;
    hit->snippet = "";
    if (e.body[0])
        hit->snippet = search_snippet(t, m, e.body, strlen(e.body), &rq->style, a, &matched);
    /* Else the first title line that matched (a name_en, an acronym), or the first one. */
    for (const char *line = e.title; !matched && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *sn = search_snippet(t, m, line, len, &rq->style, a, &matched);
        if (matched || !hit->snippet[0])
            hit->snippet = sn;
        line = nl ? nl + 1 : line + len;
    }
    return true;
}

int search_run(struct store_conn *c, const struct search_request *rq, struct arena *a,
               struct search_result *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    if (c->store->search_stale)
        return error_set(err, "the search index is out of date: run `civdesk reindex`"),
               STORE_ERROR;
    struct search_query q;
    if (search_parse(rq->q, &q, err) < 0) {
        out->bad_param = "q";
        return STORE_CONFLICT;
    }
    double after_score = 0;
    int64_t after_id = 0;
    if (rq->cursor.n && cursor_decode(rq->cursor, &after_score, &after_id) < 0) {
        out->bad_param = "cursor";
        return error_set(err, "the cursor does not belong to this search"), STORE_CONFLICT;
    }
    struct search_tokenizer *t = search_conn_tokenizer(c);
    if (!t)
        return error_set(err, "the search tokenizer is not available"), STORE_ERROR;
    if (search_query_prune(t, &q) == 0)
        return STORE_OK; /* only common words: nothing to find */
    int limit = rq->limit > 0 ? rq->limit : 20;

    /* Rank the newest SEARCH_SCORE_CAP matches the caller may see (all of them, almost
     * always), one result per anchor — its best entry — by relevance, then entry id. */
    bool pg = db_dialect(c->db) == DB_PGSQL;
    struct tag_filter tf;
    tag_filter_of(rq, pg, a, &tf);
    struct buf sql = BUF_INIT;
    if (pg) {
        /* The same shape over the tsvector of civdesk's keys (search_tsv.c): ts_rank with
         * its default weights ranks the title's keys (A) ten times the body's (D), as
         * civdesk_rank does; one result per anchor by DISTINCT ON. */
        buf_printf(&sql,
                   "WITH m AS MATERIALIZED (SELECT f.id, -ts_rank(f.keys, ?1::tsquery, 1)::float8 "
                   "AS score FROM search_fts f WHERE f.keys @@ ?1::tsquery%s%s%s ORDER BY f.id "
                   "DESC LIMIT %d) SELECT g.id, g.score, (SELECT count(*) FROM m) FROM (SELECT "
                   "DISTINCT ON (id >> %d) id, score FROM m ORDER BY id >> %d, score, id) g%s "
                   "ORDER BY g.score, g.id LIMIT %d",
                   tf.n ? " AND EXISTS(SELECT 1 FROM search_entry e WHERE e.id=f.id" : "",
                   tf.n ? tf.sql.p : "", tf.n ? ")" : "", SEARCH_SCORE_CAP, SLOT_BITS, SLOT_BITS,
                   rq->cursor.n ? " WHERE (g.score, g.id) > (?3, ?4)" : "", limit + 1);
    } else {
        buf_printf(&sql,
                   "WITH m AS MATERIALIZED (SELECT rowid AS id, civdesk_rank(search_fts, ?2) AS "
                   "score FROM search_fts WHERE search_fts MATCH ?1%s%s%s ORDER BY rowid DESC "
                   "LIMIT %d) SELECT g.id, g.score, (SELECT count(*) FROM m) FROM (SELECT id, "
                   "min(score) AS score FROM m GROUP BY id >> %d) g%s ORDER BY g.score, g.id "
                   "LIMIT %d",
                   tf.n ? " AND EXISTS(SELECT 1 FROM search_entry e WHERE e.id=search_fts.rowid"
                        : "",
                   tf.n ? tf.sql.p : "", tf.n ? ")" : "", SEARCH_SCORE_CAP, SLOT_BITS,
                   rq->cursor.n ? " WHERE (g.score, g.id) > (?3, ?4)" : "", limit + 1);
    }
    buf_release(&tf.sql);
    struct db_stmt *st = store_prep(c, sql.p);
    buf_release(&sql);
    if (!st)
        return error_set(err, "search failed: %s", db_error_text(c->db)), STORE_ERROR;
    db_bind_text(st, 1, pg ? search_tsquery(t, &q, a) : search_fts_expr(&q, a), -1);
    for (size_t i = 0; i < tf.n; i++)
        db_bind_text(st, (int)i + 5, tf.tags[i], -1);
    if (!pg)
        db_bind_int64(st, 2, (int)q.n);
    if (rq->cursor.n) {
        db_bind_double(st, 3, after_score);
        db_bind_int64(st, 4, after_id);
    }
    struct row *rows = arena_alloc(a, sizeof(*rows) * (size_t)(limit + 1));
    size_t n = 0;
    int step;
    while ((step = db_step(st)) == DB_ROW && n < (size_t)limit + 1) {
        rows[n++] = (struct row){db_column_int64(st, 0), db_column_double(st, 1)};
        out->capped = db_column_int64(st, 2) >= SEARCH_SCORE_CAP;
    }
    int rc = STORE_OK;
    if (step != DB_ROW && step != DB_DONE) {
        error_set(err, "search failed: %s", db_error_text(c->db));
        rc = STORE_ERROR;
    }
    store_done(st);
    if (rc < 0)
        return rc;

    struct search_matcher *m = search_matcher_new(t, &q, a);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    out->items = arena_zalloc(a, sizeof(*out->items) * (shown ? shown : 1));
    for (size_t i = 0; i < shown; i++)
        if (make_hit(c, t, m, rq, &rows[i], a, &out->items[out->n]))
            out->n++;
    if (n > (size_t)limit)
        out->next_cursor = cursor_encode(rows[limit - 1].score, rows[limit - 1].entry, a);
    return STORE_OK;
}
