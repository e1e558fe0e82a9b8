/*
 * The search index on SQLite (migration 0005; SCHEMA below is the same statements):
 *
 *   search_fts        contentless FTS5 table with the civdesk tokenizer: title and body
 *                     (the text stays in the records' own tables, DESIGN §9). Its third
 *                     column, tags, is left empty since schema-3: the filters are checked
 *                     on search_entry.tags (see search_run), and as tokens the tags cost a
 *                     quarter of an entry's tokens and a term of its own for every owner.
 *   search_entry      one row per indexed record; id = the FTS rowid = anchor id * 65536 +
 *                     slot, so results group by anchor without a join per match; its tags
 *                     (visibility, type, language) are what searches filter on.
 *   search_anchor     one row per top-level record that has text or sub-records with text:
 *                     who may see it (public, reference data, owning organisations) —
 *                     src/domain/access.c's rule as data. A document's translations are
 *                     found as the document, and seen by whoever may see the document.
 *   search_anchor_org the owning organisations of an anchor.
 *   search_meta       the fingerprint (tokenizer version, declarations, schema) the index
 *                     was built with; another one at open rebuilds it.
 *
 * Every change runs in the write transaction of the record's change: remove the old entry
 * (by its old text, read before the row changes), add the new one; when what decides
 * visibility changes, the anchor's entries are tagged again. An import defers the entries
 * of the records it creates to the end of its transaction and writes them together
 * (search_bulk_begin/end); a rebuild writes top-level records the same way.
 *
 * Ranking: civdesk_rank, bm25 over title (weight 10) and body (1), ignoring the tags. It
 * costs about 1-3 µs per match, so a query is ranked over its newest SEARCH_SCORE_CAP
 * visible matches; common words are dropped by the tokenizer.
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

#define TITLE_WEIGHT     10.0
#define BM25_K1          1.2
#define BM25_B           0.75
#define PARENT_DEPTH_MAX 8
#define SLOT_BITS        16     /* entries of one anchor: its own, and up to 65535 sub-records */
#define TAG              "\x01" /* starts every tag: no word of text can */

/* The index's tables, as migration 0005 creates them; a rebuild creates them again. */
static const char SCHEMA_VERSION[] = "schema-3";
static const char SCHEMA[] =
    "DROP TABLE IF EXISTS search_fts; DROP TABLE IF EXISTS search_anchor;"
    "DROP TABLE IF EXISTS search_anchor_org; DROP TABLE IF EXISTS search_entry;"
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, content='', "
    "tokenize='civdesk');"
    "CREATE TABLE search_anchor (id INTEGER PRIMARY KEY, resource TEXT NOT NULL, "
    "record_id INTEGER NOT NULL, public INTEGER NOT NULL, shared INTEGER NOT NULL, "
    "UNIQUE (resource, record_id));"
    "CREATE TABLE search_anchor_org (anchor INTEGER NOT NULL, org INTEGER NOT NULL, "
    "PRIMARY KEY (anchor, org)) WITHOUT ROWID;"
    "CREATE TABLE search_entry (id INTEGER PRIMARY KEY, resource TEXT NOT NULL, "
    "record_id INTEGER NOT NULL, lang TEXT, text_hash INTEGER NOT NULL, tags TEXT NOT NULL);"
    "CREATE INDEX search_entry_record ON search_entry (resource, record_id);";

const struct field search_match_field = {"q", FT_TEXT, 0, 0, LIMIT_SEARCH_QUERY, NULL, NULL};

/* ---- the FTS5 tokenizer ------------------------------------------------------------- */

/* Per connection: the tokenizer the index uses, created on first use. */
struct registration {
    struct search_tokenizer *shared;
};

/* An instance FTS5 asked for: the connection's shared tokenizer, or (with arguments, for
 * comparisons in the benchmark) one of its own. */
struct instance {
    struct registration *reg;
    struct search_tokenizer *own;
};

static struct search_tokenizer *shared_tokenizer(struct registration *reg)
{
    if (!reg->shared) {
        struct error err;
        if (search_tokenizer_new(&reg->shared, NULL, &err) < 0) {
            log_error("search: %s", err.msg);
            return NULL;
        }
    }
    return reg->shared;
}

static void registration_free(void *p)
{
    struct registration *reg = p;
    search_tokenizer_free(reg->shared);
    free(reg);
}

static int fts_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    struct instance *in = calloc(1, sizeof(*in));
    if (!in)
        return SQLITE_NOMEM;
    in->reg = ctx;
    if (argc > 0) {
        struct search_tokenizer_opts o = {0};
        for (int i = 0; i + 1 < argc; i += 2) {
            bool on = strcmp(argv[i + 1], "1") == 0;
            if (strcmp(argv[i], "latin_keys") == 0)
                o.latin_keys = on;
            else if (strcmp(argv[i], "query_translit") == 0)
                o.no_query_translit = !on;
            else if (strcmp(argv[i], "stopwords") == 0)
                o.keep_stopwords = !on;
            else {
                free(in);
                return SQLITE_ERROR;
            }
        }
        struct error err;
        if (argc % 2 || search_tokenizer_new(&in->own, &o, &err) < 0) {
            free(in);
            return SQLITE_ERROR;
        }
    }
    *out = (Fts5Tokenizer *)in;
    return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *p)
{
    struct instance *in = (struct instance *)p;
    search_tokenizer_free(in->own);
    free(in);
}

struct fts_call {
    void *ctx;
    int (*token)(void *, int, const char *, int, int, int);
};

static int fts_token(void *ctx, int flags, const char *tok, int n, int start, int end)
{
    struct fts_call *call = ctx;
    return call->token(call->ctx, (flags & SEARCH_COLOCATED) ? FTS5_TOKEN_COLOCATED : 0, tok, n,
                       start, end);
}

static int fts_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n,
                        int (*token)(void *, int, const char *, int, int, int))
{
    struct instance *in = (struct instance *)p;
    struct search_tokenizer *t = in->own ? in->own : shared_tokenizer(in->reg);
    if (!t)
        return SQLITE_NOMEM;
    enum search_mode mode = SEARCH_DOCUMENT;
    if (flags & FTS5_TOKENIZE_QUERY)
        mode = (flags & FTS5_TOKENIZE_PREFIX) ? SEARCH_QUERY_PREFIX : SEARCH_QUERY;
    struct fts_call call = {ctx, token};
    int rc = search_tokenize(t, mode, text, n > 0 ? (size_t)n : 0, fts_token, &call);
    return rc < 0 ? SQLITE_NOMEM : rc;
}

static fts5_api *fts5_api_of(sqlite3 *db, sqlite3_stmt *st)
{
    fts5_api *api = NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    return api;
}

/* ---- ranking ------------------------------------------------------------------------ */

/*
 * civdesk_rank(search_fts, nterms): bm25 (k1 1.2, b 0.75, as FTS5's) over the first
 * nterms phrases — the user's words; the rest are tag filters — in the title (weight 10)
 * and body (1) columns, lengths counted over those two. Negative, like bm25(): lower is
 * more relevant. The IDFs are computed once per query.
 */
struct rank_query {
    int n;
    double idf[SEARCH_MAX_TERMS];
    double avgdl;
};

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (*(int64_t *)ctx)++;
    return SQLITE_OK;
}

static void rank_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int nval, sqlite3_value **val)
{
    struct rank_query *q = api->xGetAuxdata(fts, 0);
    if (!q) {
        q = sqlite3_malloc(sizeof(*q));
        if (!q) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        int phrases = api->xPhraseCount(fts);
        q->n = nval > 0 ? sqlite3_value_int(val[0]) : phrases;
        if (q->n > phrases)
            q->n = phrases;
        if (q->n > SEARCH_MAX_TERMS)
            q->n = SEARCH_MAX_TERMS;
        sqlite3_int64 rows = 0, t0 = 0, t1 = 0;
        int rc = api->xRowCount(fts, &rows);
        if (rc == SQLITE_OK)
            rc = api->xColumnTotalSize(fts, 0, &t0);
        if (rc == SQLITE_OK)
            rc = api->xColumnTotalSize(fts, 1, &t1);
        for (int i = 0; i < q->n && rc == SQLITE_OK; i++) {
            int64_t hits = 0;
            rc = api->xQueryPhrase(fts, i, &hits, count_hit);
            double idf = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5));
            q->idf[i] = idf > 1e-6 ? idf : 1e-6;
        }
        q->avgdl = rows > 0 ? (double)(t0 + t1) / (double)rows : 1.0;
        if (rc == SQLITE_OK)
            rc = api->xSetAuxdata(fts, q, sqlite3_free);
        else
            sqlite3_free(q);
        if (rc != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
    }
    double freq[SEARCH_MAX_TERMS] = {0};
    int ninst = 0, s0 = 0, s1 = 0;
    int rc = api->xInstCount(fts, &ninst);
    for (int i = 0; i < ninst && rc == SQLITE_OK; i++) {
        int phrase, col, off;
        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK && phrase < q->n && col < 2)
            freq[phrase] += col == 0 ? TITLE_WEIGHT : 1.0;
    }
    if (rc == SQLITE_OK)
        rc = api->xColumnSize(fts, 0, &s0);
    if (rc == SQLITE_OK)
        rc = api->xColumnSize(fts, 1, &s1);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double norm = BM25_K1 * (1 - BM25_B + BM25_B * (double)(s0 + s1) / q->avgdl), score = 0;
    for (int i = 0; i < q->n; i++)
        score += q->idf[i] * freq[i] * (BM25_K1 + 1) / (freq[i] + norm);
    sqlite3_result_double(ctx, -score);
}

/* civdesk_match(q): the FTS5 expression for what a user typed (a list's ?q=). */
static void match_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct search_tokenizer *t = shared_tokenizer(sqlite3_user_data(ctx));
    const char *q = (const char *)sqlite3_value_text(argv[0]);
    struct search_query sq;
    struct error err;
    struct arena a = ARENA_INIT;
    if (!t || !q || search_parse(str_from(q), &sq, &err) < 0)
        sq.n = 0;
    else
        search_query_prune(t, &sq);
    sqlite3_result_text(ctx, search_fts_expr(&sq, &a), -1, SQLITE_TRANSIENT);
    arena_release(&a);
}

int search_register(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    fts5_api *api = fts5_api_of(db, st);
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2)
        return SQLITE_ERROR;
    struct registration *reg = calloc(1, sizeof(*reg));
    if (!reg)
        return SQLITE_NOMEM;
    static fts5_tokenizer tokenizer = {fts_create, fts_delete, fts_tokenize};
    /* The tokenizer owns reg (freed with the connection); the function borrows it. */
    int rc = api->xCreateTokenizer(api, "civdesk", reg, &tokenizer, registration_free);
    if (rc != SQLITE_OK) {
        registration_free(reg);
        return rc;
    }
    rc = api->xCreateFunction(api, "civdesk_rank", NULL, rank_function, NULL);
    if (rc != SQLITE_OK)
        return rc;
    return sqlite3_create_function(db, "civdesk_match", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, reg,
                                   match_function, NULL, NULL);
}

/* The connection's tokenizer, for snippets. */
static struct search_tokenizer *conn_tokenizer(struct store_conn *c)
{
    sqlite3_stmt *st = store_prep(c, "SELECT fts5(?1)");
    if (!st)
        return NULL;
    fts5_api *api = fts5_api_of(c->db, st);
    store_done(st);
    void *ctx = NULL;
    fts5_tokenizer tok;
    if (!api || api->xFindTokenizer(api, "civdesk", &ctx, &tok) != SQLITE_OK || !ctx)
        return NULL;
    return shared_tokenizer(ctx);
}

/* ---- visibility and tags ------------------------------------------------------------ */

static bool flag_set(const struct record *rec, const char *field)
{
    if (!field)
        return false;
    int i = resource_field_index(rec->res, field);
    return i >= 0 && !rec->v[i].null && rec->v[i].i != 0;
}

/* Who may see what an anchor record anchors (src/domain/access.c's rule, as data). */
struct vis {
    bool public, shared;
    int64_t orgs[LIMIT_ARRAY_ITEMS + 1]; /* sorted */
    size_t norgs;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void vis_of(const struct record *top, struct vis *v)
{
    const struct resource *res = top->res;
    memset(v, 0, sizeof(*v));
    v->public = flag_set(top, res->public_flag);
    v->shared = (res->access & RES_REFERENCE) != 0;
    if (!res->owner)
        return;
    int oi = resource_field_index(res, res->owner);
    if (strcmp(res->owner, "id") == 0) {
        v->orgs[v->norgs++] = top->id;
    } else if (oi >= 0 && !top->v[oi].null) {
        if (res->fields[oi].type == FT_REF_LIST) {
            json_t *arr = json_loadb(top->v[oi].s, top->v[oi].n, 0, NULL);
            size_t k;
            json_t *item;
            json_array_foreach(arr, k, item)
            {
                if (json_is_integer(item) && v->norgs < ARRAY_SIZE(v->orgs))
                    v->orgs[v->norgs++] = json_integer_value(item);
            }
            json_decref(arr);
        } else {
            v->orgs[v->norgs++] = top->v[oi].i;
        }
    }
    qsort(v->orgs, v->norgs, sizeof(*v->orgs), cmp_i64);
}

/* The tags column of an entry: p (anyone may see it), r (reference data), o<org> (owned),
 * t<the anchor's resource>, l<language> (l alone: none). */
static void tags_of(const struct vis *v, bool own_public, const char *anchor_res, struct str lang,
                    struct buf *out)
{
    buf_reset(out);
    if (v->public || own_public)
        buf_puts(out, TAG "p ");
    if (v->shared)
        buf_puts(out, TAG "r ");
    for (size_t i = 0; i < v->norgs; i++)
        buf_printf(out, TAG "o%lld ", (long long)v->orgs[i]);
    buf_puts(out, TAG "t");
    buf_puts(out, anchor_res);
    buf_puts(out, " " TAG "l");
    buf_append(out, lang.p ? lang.p : "", lang.n);
}

/* ---- upkeep ------------------------------------------------------------------------- */

static int step_done(struct store_conn *c, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("search: %s failed: %s", what, sqlite3_errmsg(c->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* A hash of an entry's text: a removal uses the record's text only if it is the text that
 * was indexed (a row changed behind the store's back is orphaned instead, never wrongly
 * deleted, which would corrupt the index). */
static int64_t hash_texts(const char *title, size_t title_n, const char *body, size_t body_n)
{
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)title, title_n + 1); /* and its NUL */
    crypto_generichash_update(&st, (const unsigned char *)body, body_n);
    crypto_generichash_final(&st, h, sizeof(h));
    uint64_t x = 0;
    for (size_t i = 0; i < sizeof(h); i++)
        x = (x << 8) | h[i];
    return (int64_t)(x >> 1);
}

static int64_t text_hash(const struct search_entry *e)
{
    return hash_texts(e->title, strlen(e->title), e->body, strlen(e->body));
}

/* The FTS row of an entry: its title and body (the tags column stays empty). */
static int fts_write(struct store_conn *c, bool delete, int64_t rowid, const char *title,
                     const char *body)
{
    sqlite3_stmt *st = store_prep(c, delete ? "INSERT INTO search_fts(search_fts,rowid,title,"
                                              "body) VALUES('delete',?,?,?)"
                                            : "INSERT INTO search_fts(rowid,title,body) "
                                              "VALUES(?,?,?)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, rowid);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
    return step_done(c, st, delete ? "index delete" : "index insert");
}

/* Tags every entry of an anchor again (its visibility changed): the entry rows only, as
 * the FTS rows do not hold the tags. */
static int retag(struct store_conn *c, int64_t anchor, const struct vis *v, const char *res_name,
                 struct arena *a)
{
    sqlite3_stmt *st = store_prep(c, "SELECT id,resource,record_id,lang,tags FROM "
                                     "search_entry WHERE id BETWEEN ? AND ?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, anchor << SLOT_BITS);
    sqlite3_bind_int64(st, 2, (anchor << SLOT_BITS) + (1 << SLOT_BITS) - 1);
    struct old {
        int64_t id, rid;
        const char *res, *lang, *tags;
    } *olds = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            struct old *o = arena_alloc(a, cap * sizeof(*o));
            if (n)
                memcpy(o, olds, n * sizeof(*o));
            olds = o;
        }
        const char *lang = store_col_text(st, 3);
        olds[n++] = (struct old){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 2),
                                 arena_strdup(a, store_col_text(st, 1)),
                                 lang ? arena_strdup(a, lang) : NULL,
                                 arena_strdup(a, store_col_text(st, 4))};
    }
    store_done(st);
    struct buf tags = BUF_INIT;
    int rc = STORE_OK;
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        const struct resource *res = resource_find(str_from(olds[i].res));
        struct record *rec;
        if (!res || store_get(c, res, olds[i].rid, a, &rec) != STORE_OK)
            continue; /* deleted behind the store's back: left for a rebuild */
        tags_of(v, res->parent && flag_set(rec, res->public_flag), res_name, str_from(olds[i].lang),
                &tags);
        if (strcmp(tags.p, olds[i].tags) != 0) {
            st = store_prep(c, "UPDATE search_entry SET tags=? WHERE id=?");
            rc = st ? STORE_OK : STORE_ERROR;
            if (st) {
                sqlite3_bind_text(st, 1, tags.p, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, olds[i].id);
                rc = step_done(c, st, "retag");
            }
        }
    }
    buf_release(&tags);
    return rc;
}

/* Inserts or refreshes the anchor of a top-level record; its id in *anchor. When what
 * decides visibility changed, the entries it anchors are tagged again. */
static int anchor_put(struct store_conn *c, const struct record *top, int64_t *anchor,
                      struct arena *a)
{
    struct vis v;
    vis_of(top, &v);
    sqlite3_stmt *st = store_prep(c, "SELECT id,public,shared FROM search_anchor WHERE "
                                     "resource=? AND record_id=?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, top->res->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, top->id);
    bool exists = sqlite3_step(st) == SQLITE_ROW, changed = !exists;
    if (exists) {
        *anchor = sqlite3_column_int64(st, 0);
        changed = sqlite3_column_int(st, 1) != v.public || sqlite3_column_int(st, 2) != v.shared;
    }
    store_done(st);
    if (exists && !changed) {
        st = store_prep(c, "SELECT org FROM search_anchor_org WHERE anchor=? ORDER BY org");
        if (!st)
            return STORE_ERROR;
        sqlite3_bind_int64(st, 1, *anchor);
        size_t k = 0;
        while (sqlite3_step(st) == SQLITE_ROW)
            changed |= k >= v.norgs || sqlite3_column_int64(st, 0) != v.orgs[k++];
        changed |= k != v.norgs;
        store_done(st);
    }
    if (!changed)
        return STORE_OK;
    st = store_prep(c, exists ? "UPDATE search_anchor SET public=?1, shared=?2 WHERE id=?3"
                              : "INSERT INTO search_anchor(public,shared,resource,record_id) "
                                "VALUES(?1,?2,?4,?5)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int(st, 1, v.public);
    sqlite3_bind_int(st, 2, v.shared);
    if (exists) {
        sqlite3_bind_int64(st, 3, *anchor);
    } else {
        sqlite3_bind_text(st, 4, top->res->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, top->id);
    }
    if (step_done(c, st, "anchor") < 0)
        return STORE_ERROR;
    if (!exists)
        *anchor = sqlite3_last_insert_rowid(c->db);
    st = store_prep(c, "DELETE FROM search_anchor_org WHERE anchor=?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, *anchor);
    if (step_done(c, st, "anchor owners") < 0)
        return STORE_ERROR;
    for (size_t i = 0; i < v.norgs; i++) {
        st = store_prep(c, "INSERT OR IGNORE INTO search_anchor_org(anchor,org) VALUES(?,?)");
        if (!st)
            return STORE_ERROR;
        sqlite3_bind_int64(st, 1, *anchor);
        sqlite3_bind_int64(st, 2, v.orgs[i]);
        if (step_done(c, st, "anchor owner") < 0)
            return STORE_ERROR;
    }
    return exists ? retag(c, *anchor, &v, top->res->name, a) : STORE_OK;
}

/* The top-level record above rec (rec itself at the top). */
static int top_of(struct store_conn *c, const struct record *rec, struct arena *a,
                  const struct record **top)
{
    *top = rec;
    for (int depth = 0; (*top)->res->parent; depth++) {
        const struct resource *res = (*top)->res;
        const struct resource *pres = resource_find(str_from(res->parent));
        int pi = resource_field_index(res, res->parent_field);
        struct record *parent;
        if (depth == PARENT_DEPTH_MAX || !pres || pi < 0 || (*top)->v[pi].null ||
            store_get(c, pres, (*top)->v[pi].i, a, &parent) != STORE_OK) {
            log_error("search: %s %lld has no parent to anchor it", rec->res->name,
                      (long long)rec->id);
            return STORE_ERROR;
        }
        *top = parent;
    }
    return STORE_OK;
}

/* The slot of a new entry under anchor: 0 for the anchor's own record, else the next free.
 * -1 if the anchor has no free slot left. */
static int64_t slot_for(struct store_conn *c, int64_t anchor, bool own)
{
    int64_t lo = anchor << SLOT_BITS;
    if (own)
        return lo;
    sqlite3_stmt *st = store_prep(c, "SELECT max(id) FROM search_entry WHERE id BETWEEN ? AND ?");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, lo + 1);
    sqlite3_bind_int64(st, 2, lo + (1 << SLOT_BITS) - 1);
    int64_t id = lo + 1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        id = sqlite3_column_int64(st, 0) + 1;
    store_done(st);
    return id < lo + (1 << SLOT_BITS) ? id : -1;
}

static int entry_put(struct store_conn *c, const struct record *rec, const struct record *top,
                     int64_t anchor, struct arena *a)
{
    /* A stale entry under this id (rows written behind the store's back): orphan it. */
    sqlite3_stmt *st = store_prep(c, "DELETE FROM search_entry WHERE resource=? AND record_id=?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, rec->res->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rec->id);
    if (step_done(c, st, "stale entry") < 0)
        return STORE_ERROR;
    struct search_entry e;
    if (!search_entry_of(rec, a, &e))
        return STORE_OK;
    int64_t id = slot_for(c, anchor, rec == top);
    if (id < 0) {
        log_error("search: %s %lld not indexed: %s %lld anchors too many records", rec->res->name,
                  (long long)rec->id, top->res->name, (long long)top->id);
        return STORE_OK;
    }
    struct vis v;
    vis_of(top, &v);
    struct buf tags = BUF_INIT;
    tags_of(&v, rec != top && flag_set(rec, rec->res->public_flag), top->res->name,
            str_from(e.lang), &tags);
    st = store_prep(c, "INSERT INTO search_entry(id,resource,record_id,lang,text_hash,tags) "
                       "VALUES(?,?,?,?,?,?)");
    int rc = st ? STORE_OK : STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, rec->res->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rec->id);
        if (e.lang)
            sqlite3_bind_text(st, 4, e.lang, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, text_hash(&e));
        sqlite3_bind_text(st, 6, tags.p, -1, SQLITE_STATIC);
        rc = step_done(c, st, "entry");
    }
    if (rc == STORE_OK)
        rc = fts_write(c, false, id, e.title, e.body);
    buf_release(&tags);
    return rc;
}

/* ---- many new records at once (imports, rebuilds) ----------------------------------- */

/* A rebuild's progress, reported every SEARCH_PROGRESS_EVERY records. */
struct job {
    search_progress_fn fn; /* may be NULL */
    void *arg;
    int64_t done, total; /* records */
};

static void job_step(struct job *j)
{
    if (j && ++j->done % SEARCH_PROGRESS_EVERY == 0 && j->fn)
        j->fn(j->arg, j->done, j->total);
}

/*
 * New top-level records, indexed together: each gets its anchor, its owners, its entry and
 * its FTS row through four prepared inserts — the rows search_index_put writes, without
 * the lookups it needs to find what a record already has (a new record has nothing, which
 * the caller makes sure of) and without allocations per record.
 */
struct fresh {
    struct store_conn *c;
    sqlite3_stmt *anchor, *owner, *entry, *fts;
    bool indexed;                 /* the resource has text (else anchors only) */
    struct buf title, body, tags; /* reused from record to record */
    struct job *job;              /* may be NULL */
};

static int prepare(struct store_conn *c, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) {
        log_error("search: prepare failed: %s: %s", sqlite3_errmsg(c->db), sql);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* Steps an insert and resets it for the next record. */
static int insert_step(struct store_conn *c, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        log_error("search: %s failed: %s", what, sqlite3_errmsg(c->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

static int fresh_one(void *arg, const struct record *rec)
{
    struct fresh *f = arg;
    struct store_conn *c = f->c;
    struct vis v;
    vis_of(rec, &v);
    sqlite3_bind_int(f->anchor, 1, v.public);
    sqlite3_bind_int(f->anchor, 2, v.shared);
    sqlite3_bind_text(f->anchor, 3, rec->res->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(f->anchor, 4, rec->id);
    if (insert_step(c, f->anchor, "anchor") < 0)
        return STORE_ERROR;
    int64_t anchor = sqlite3_last_insert_rowid(c->db);
    for (size_t i = 0; i < v.norgs; i++) {
        sqlite3_bind_int64(f->owner, 1, anchor);
        sqlite3_bind_int64(f->owner, 2, v.orgs[i]);
        if (insert_step(c, f->owner, "anchor owner") < 0)
            return STORE_ERROR;
    }
    struct str lang;
    if (f->indexed && search_entry_text(rec, &f->title, &f->body, &lang)) {
        int64_t id = anchor << SLOT_BITS;
        tags_of(&v, false, rec->res->name, lang, &f->tags);
        sqlite3_bind_int64(f->entry, 1, id);
        sqlite3_bind_text(f->entry, 2, rec->res->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(f->entry, 3, rec->id);
        if (lang.p)
            sqlite3_bind_text(f->entry, 4, lang.p, (int)lang.n, SQLITE_STATIC);
        else
            sqlite3_bind_null(f->entry, 4);
        sqlite3_bind_int64(f->entry, 5, hash_texts(f->title.p, f->title.n, f->body.p, f->body.n));
        sqlite3_bind_text(f->entry, 6, f->tags.p, (int)f->tags.n, SQLITE_STATIC);
        if (insert_step(c, f->entry, "entry") < 0)
            return STORE_ERROR;
        sqlite3_bind_int64(f->fts, 1, id);
        sqlite3_bind_text(f->fts, 2, f->title.p, (int)f->title.n, SQLITE_STATIC);
        sqlite3_bind_text(f->fts, 3, f->body.p, (int)f->body.n, SQLITE_STATIC);
        if (insert_step(c, f->fts, "index insert") < 0)
            return STORE_ERROR;
    }
    job_step(f->job);
    return STORE_OK;
}

/* Indexes every record of top-level res with an id above `after`; none of them may have
 * an anchor or an entry yet. */
static int index_fresh(struct store_conn *c, const struct resource *res, int64_t after,
                       struct job *job)
{
    assert(!res->parent);
    struct fresh f = {.c = c,
                      .indexed = search_resource_indexed(res),
                      .title = BUF_INIT,
                      .body = BUF_INIT,
                      .tags = BUF_INIT,
                      .job = job};
    int rc = prepare(c,
                     "INSERT INTO search_anchor(public,shared,resource,record_id) "
                     "VALUES(?1,?2,?3,?4)",
                     &f.anchor);
    if (rc == STORE_OK)
        rc =
            prepare(c, "INSERT OR IGNORE INTO search_anchor_org(anchor,org) VALUES(?,?)", &f.owner);
    if (rc == STORE_OK)
        rc = prepare(c,
                     "INSERT INTO search_entry(id,resource,record_id,lang,text_hash,tags) "
                     "VALUES(?,?,?,?,?,?)",
                     &f.entry);
    if (rc == STORE_OK)
        rc = prepare(c, "INSERT INTO search_fts(rowid,title,body) VALUES(?,?,?)", &f.fts);
    if (rc == STORE_OK)
        rc = store_scan_records(c, res, after, fresh_one, &f);
    sqlite3_finalize(f.anchor);
    sqlite3_finalize(f.owner);
    sqlite3_finalize(f.entry);
    sqlite3_finalize(f.fts);
    buf_release(&f.title);
    buf_release(&f.body);
    buf_release(&f.tags);
    return rc < 0 ? STORE_ERROR : STORE_OK;
}

struct one_by_one {
    struct store_conn *c;
    struct job *job;
};

static int put_one(void *arg, const struct record *rec)
{
    struct one_by_one *o = arg;
    job_step(o->job);
    return search_index_put(o->c, rec);
}

/* Whether the index holds anything of a record of res with an id above `after` (rows
 * written behind the store's back, then deleted: their entries are orphans). */
static bool has_entries_above(struct store_conn *c, const struct resource *res, int64_t after)
{
    static const char *const sql[] = {
        "SELECT 1 FROM search_anchor WHERE resource=? AND record_id>? LIMIT 1",
        "SELECT 1 FROM search_entry WHERE resource=? AND record_id>? LIMIT 1",
    };
    bool found = false;
    for (size_t i = 0; i < ARRAY_SIZE(sql) && !found; i++) {
        sqlite3_stmt *st = store_prep(c, sql[i]);
        if (!st)
            return true; /* the careful way, then */
        sqlite3_bind_text(st, 1, res->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, after);
        found = sqlite3_step(st) == SQLITE_ROW;
        store_done(st);
    }
    return found;
}

/* The records whose entries wait for the end of the transaction: those of res created in
 * it, which have ids above `after` (the largest id when it began). */
struct search_bulk {
    const struct resource *res;
    int64_t after;
};

static bool deferred(const struct store_conn *c, const struct resource *res, int64_t id)
{
    const struct search_bulk *b = c->search_bulk;
    return b && b->res == res && id > b->after;
}

/* Indexes the deferred records as they now are, and stops deferring (progress may be
 * NULL). */
static int bulk_flush(struct store_conn *c, search_progress_fn progress, void *arg)
{
    struct search_bulk *b = c->search_bulk;
    if (!b)
        return STORE_OK;
    c->search_bulk = NULL;
    struct job job = {.fn = progress, .arg = arg};
    if (progress) {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE id>?", b->res->table);
        sqlite3_stmt *st = store_prep(c, sql);
        if (st) {
            sqlite3_bind_int64(st, 1, b->after);
            if (sqlite3_step(st) == SQLITE_ROW)
                job.total = sqlite3_column_int64(st, 0);
            store_done(st);
        }
        progress(arg, 0, job.total);
    }
    int rc = index_fresh(c, b->res, b->after, &job);
    if (rc == STORE_OK && progress)
        progress(arg, job.done, job.total);
    free(b);
    return rc;
}

int search_bulk_begin(struct store_tx *tx, const struct resource *res)
{
    struct store_conn *c = store_tx_conn(tx);
    assert(!c->search_bulk); /* one bulk write at a time, ended by search_bulk_end */
    if (c->store->search_stale || res->parent ||
        (!search_resource_indexed(res) && !search_resource_findable(res)))
        return STORE_OK; /* nothing to gain: one by one */
    int64_t after = store_tx_max_id(tx, res);
    if (after < 0)
        return STORE_ERROR;
    if (has_entries_above(c, res, after))
        return STORE_OK; /* orphans to clear: the one-by-one upkeep does it */
    struct search_bulk *b = malloc(sizeof(*b));
    if (!b)
        die("out of memory");
    *b = (struct search_bulk){res, after};
    c->search_bulk = b;
    return STORE_OK;
}

int search_bulk_end(struct store_tx *tx, bool flush, search_progress_fn progress, void *arg)
{
    struct store_conn *c = store_tx_conn(tx);
    if (flush)
        return bulk_flush(c, progress, arg);
    free(c->search_bulk);
    c->search_bulk = NULL;
    return STORE_OK;
}

int search_index_put(struct store_conn *c, const struct record *rec)
{
    const struct resource *res = rec->res;
    if (c->store->search_stale || deferred(c, res, rec->id))
        return STORE_OK;
    bool indexed = search_resource_indexed(res);
    if (!indexed && !search_resource_findable(res))
        return STORE_OK;
    struct arena a = ARENA_INIT;
    const struct record *top;
    int64_t anchor = 0;
    int rc = top_of(c, rec, &a, &top);
    if (rc == STORE_OK && top != rec && deferred(c, top->res, top->id))
        rc = bulk_flush(c, NULL, NULL); /* its anchor must be there first */
    if (rc == STORE_OK && top == rec) {
        rc = anchor_put(c, rec, &anchor, &a);
    } else if (rc == STORE_OK) {
        sqlite3_stmt *st =
            store_prep(c, "SELECT id FROM search_anchor WHERE resource=? AND record_id=?");
        rc = st ? STORE_OK : STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, top->res->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, top->id);
            bool found = sqlite3_step(st) == SQLITE_ROW;
            if (found)
                anchor = sqlite3_column_int64(st, 0);
            store_done(st);
            if (!found)
                rc = anchor_put(c, top, &anchor, &a);
        }
    }
    if (rc == STORE_OK && indexed)
        rc = entry_put(c, rec, top, anchor, &a);
    arena_release(&a);
    return rc;
}

int search_index_remove(struct store_conn *c, const struct resource *res, int64_t id, bool deleting)
{
    if (c->store->search_stale || deferred(c, res, id))
        return STORE_OK; /* not indexed yet: search_bulk_end indexes it as it will be */
    struct arena a = ARENA_INIT;
    int rc = STORE_OK;
    if (search_resource_indexed(res)) {
        sqlite3_stmt *st =
            store_prep(c, "SELECT id,text_hash FROM search_entry WHERE resource=? AND record_id=?");
        if (!st) {
            arena_release(&a);
            return STORE_ERROR;
        }
        sqlite3_bind_text(st, 1, res->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, id);
        int64_t rowid = 0, hash = 0;
        if (sqlite3_step(st) == SQLITE_ROW) {
            rowid = sqlite3_column_int64(st, 0);
            hash = sqlite3_column_int64(st, 1);
        }
        store_done(st);
        struct record *old;
        struct search_entry e;
        if (rowid && store_get(c, res, id, &a, &old) == STORE_OK && search_entry_of(old, &a, &e) &&
            text_hash(&e) == hash)
            rc = fts_write(c, true, rowid, e.title, e.body);
        if (rowid && rc == STORE_OK) {
            st = store_prep(c, "DELETE FROM search_entry WHERE id=?");
            rc = st ? STORE_OK : STORE_ERROR;
            if (st) {
                sqlite3_bind_int64(st, 1, rowid);
                rc = step_done(c, st, "entry delete");
            }
        }
    }
    if (rc == STORE_OK && deleting && !res->parent) {
        static const char *const sql[] = {
            "DELETE FROM search_anchor_org WHERE anchor IN "
            "(SELECT id FROM search_anchor WHERE resource=?1 AND record_id=?2)",
            "DELETE FROM search_anchor WHERE resource=?1 AND record_id=?2",
        };
        for (size_t i = 0; i < ARRAY_SIZE(sql) && rc == STORE_OK; i++) {
            sqlite3_stmt *st = store_prep(c, sql[i]);
            if (!st) {
                rc = STORE_ERROR;
            } else {
                sqlite3_bind_text(st, 1, res->name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, id);
                rc = step_done(c, st, "anchor delete");
            }
        }
    }
    arena_release(&a);
    return rc;
}

/* ---- rebuilding --------------------------------------------------------------------- */

static void fingerprint(struct buf *b)
{
    buf_printf(b, "%s %s rank-bm25-10-1 | ", search_tokenizer_version(), SCHEMA_VERSION);
    search_declarations_fingerprint(b);
}

static int exec_sql(struct store_conn *c, const char *sql, struct error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        error_set(err, "search index: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* Records of the resources the index covers: top-level ones with text or with
 * sub-records with text, and sub-records with text. Counted up to `cap` (at most cap + 1
 * per resource, so a bounded count stays cheap on a large database). */
static int64_t records_to_index(struct store_conn *c, int64_t cap)
{
    int64_t n = 0;
    for (size_t i = 0; i < resource_count; i++) {
        const struct resource *res = resource_all[i];
        if (!search_resource_indexed(res) && !search_resource_findable(res))
            continue;
        char sql[200];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM %s LIMIT ?)", res->table);
        sqlite3_stmt *st = store_prep(c, sql);
        if (!st)
            continue;
        sqlite3_bind_int64(st, 1, cap < INT64_MAX ? cap + 1 : cap);
        if (sqlite3_step(st) == SQLITE_ROW)
            n += sqlite3_column_int64(st, 0);
        store_done(st);
    }
    return n;
}

#define REINDEX_CACHE_KIB 131072 /* page cache of a rebuild's transaction: 128 MiB */

int search_reindex(struct store *s, search_progress_fn progress, void *arg, int64_t *entries,
                   struct error *err)
{
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(err, "the database is busy"), STORE_ERROR;
    struct store_conn *c = tx->conn;
    int64_t old_cache = store_tx_cache_size(tx, -REINDEX_CACHE_KIB);
    struct job job = {.fn = progress, .arg = arg, .total = records_to_index(c, INT64_MAX)};
    bool was_stale = s->search_stale;
    s->search_stale = false; /* the upkeep below writes the new index */
    int rc = exec_sql(c, SCHEMA, err);
    /* Top-level records first, all at once: each anchors itself before its sub-records
     * come, one by one (each finds its anchor and its slot). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < resource_count && rc == STORE_OK; i++) {
            const struct resource *res = resource_all[i];
            if (!res->parent != !pass ||
                (!search_resource_indexed(res) && !search_resource_findable(res)))
                continue;
            struct one_by_one o = {c, &job};
            rc = pass == 0 ? index_fresh(c, res, INT64_MIN, &job)
                           : store_scan_records(c, res, INT64_MIN, put_one, &o);
            if (rc != STORE_OK)
                error_set(err, "search index: cannot index %s: %s", res->name,
                          sqlite3_errmsg(c->db));
        }
    }
    struct buf fp = BUF_INIT;
    fingerprint(&fp);
    if (rc == STORE_OK) {
        sqlite3_stmt *st = store_prep(c, "INSERT OR REPLACE INTO search_meta(key,value) "
                                         "VALUES('fingerprint',?)");
        rc = st ? STORE_OK : STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, fp.p, (int)fp.n, SQLITE_STATIC);
            rc = step_done(c, st, "fingerprint");
        }
    }
    buf_release(&fp);
    if (rc == STORE_OK)
        rc = exec_sql(c, "INSERT INTO search_fts(search_fts) VALUES('optimize')", err);
    if (rc == STORE_OK && entries) {
        sqlite3_stmt *st = store_prep(c, "SELECT count(*) FROM search_entry");
        *entries = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (st)
            store_done(st);
    }
    store_tx_cache_size(tx, old_cache);
    if (rc != STORE_OK) {
        if (!err->msg[0])
            error_set(err, "search index: %s", sqlite3_errmsg(c->db));
        store_write_rollback(tx);
        s->search_stale = was_stale;
        return STORE_ERROR;
    }
    rc = store_write_commit(tx, err);
    if (rc != STORE_OK)
        s->search_stale = was_stale;
    return rc;
}

/* A rebuild in the log: a line every SEARCH_PROGRESS_EVERY records, with the time left. */
struct log_progress {
    double t0;
};

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_progress(void *arg, int64_t done, int64_t total)
{
    struct log_progress *lp = arg;
    double dt = mono_seconds() - lp->t0;
    double left = done > 0 && total > done ? dt * (double)(total - done) / (double)done : 0;
    log_info("search: rebuilding the search index: %lld of %lld records (%d%%), about %.0f s "
             "left",
             (long long)done, (long long)total, total ? (int)(done * 100 / total) : 100, left);
}

static int rebuild_logged(struct store *s, bool first, int64_t records, struct error *err)
{
    if (first)
        log_info("search: building the search index (%lld records)", (long long)records);
    else
        log_info("search: rebuilding the search index (%lld records): it was built by another "
                 "version of civdesk or for other searchable fields",
                 (long long)records);
    struct log_progress lp = {mono_seconds()};
    int64_t n = 0;
    int rc = search_reindex(s, log_progress, &lp, &n, err);
    if (rc == STORE_OK)
        log_info("search: index built, %lld entries in %.1f s", (long long)n,
                 mono_seconds() - lp.t0);
    return rc;
}

int search_index_check(struct store *s, enum store_open_mode mode, struct error *err)
{
    struct store_conn *c = &s->writer;
    struct buf want = BUF_INIT;
    fingerprint(&want);
    sqlite3_stmt *st = store_prep(c, "SELECT value FROM search_meta WHERE key='fingerprint'");
    if (!st) {
        buf_release(&want);
        return error_set(err, "the search index is missing (schema too old?)"), STORE_ERROR;
    }
    bool built = sqlite3_step(st) == SQLITE_ROW && store_col_text(st, 0);
    bool same = built && strcmp(store_col_text(st, 0), want.p) == 0;
    store_done(st);
    buf_release(&want);
    if (same)
        return STORE_OK;
    if (mode == STORE_OPEN_KEEP_INDEX) {
        s->search_stale = true;
        return STORE_OK;
    }
    int64_t n = records_to_index(c, SEARCH_REBUILD_AT_OPEN);
    if (n > SEARCH_REBUILD_AT_OPEN)
        n = records_to_index(c, INT64_MAX);
    if (n <= SEARCH_REBUILD_AT_OPEN || mode == STORE_OPEN_SERVE)
        return rebuild_logged(s, !built, n, err);
    if (mode == STORE_OPEN_INIT) {
        s->search_stale = true;
        log_info("search: the search index must be rebuilt for this version of civdesk "
                 "(%lld records, a few minutes): `civdesk serve` rebuilds it before it listens, "
                 "`civdesk reindex` does it now",
                 (long long)n);
        return STORE_OK;
    }
    return error_set(err,
                     "the search index of %s was built by another version of civdesk (or for "
                     "other searchable fields) and rebuilding it for %lld records takes minutes: "
                     "run `civdesk reindex` (or start `civdesk serve`, which rebuilds it first)",
                     s->path, (long long)n),
           STORE_ERROR;
}

/* ---- lists -------------------------------------------------------------------------- */

const char *search_list_other_script(struct store_conn *c, struct str q, struct arena *a)
{
    struct search_tokenizer *t = conn_tokenizer(c);
    struct buf out = BUF_INIT;
    const char *s = NULL;
    if (t && search_other_script(t, q.p, q.n, &out))
        s = arena_strndup(a, out.p, out.n);
    buf_release(&out);
    return s;
}

void search_list_subquery(struct buf *b, const struct resource *res)
{
    if (res->parent)
        buf_printf(b,
                   "SELECT e.record_id FROM search_fts JOIN search_entry e "
                   "ON e.id=search_fts.rowid WHERE search_fts MATCH civdesk_match(?) "
                   "AND e.resource='%s'",
                   res->name);
    else
        buf_printf(b,
                   "SELECT a.record_id FROM search_fts JOIN search_anchor a "
                   "ON a.id=(search_fts.rowid >> %d) WHERE search_fts MATCH civdesk_match(?) "
                   "AND a.resource='%s'",
                   SLOT_BITS, res->name);
}

void search_list_sql(struct buf *b, const struct resource *res)
{
    buf_puts(b, " OR id IN (");
    search_list_subquery(b, res);
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
};

static void tag_any(struct tag_filter *tf, const char *const *tags, size_t n)
{
    buf_puts(&tf->sql, " AND (");
    for (size_t i = 0; i < n && tf->n < ARRAY_SIZE(tf->tags); i++) {
        buf_printf(&tf->sql, "%sinstr(e.tags||' ',?%zu)>0", i ? " OR " : "", tf->n + 5);
        tf->tags[tf->n++] = tags[i];
    }
    buf_putc(&tf->sql, ')');
}

static void tag_filter_of(const struct search_request *rq, struct arena *a, struct tag_filter *tf)
{
    *tf = (struct tag_filter){.sql = BUF_INIT};
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
    sqlite3_stmt *st = store_prep(c, "SELECT e.resource,e.record_id,e.lang,a.resource,"
                                     "a.record_id FROM search_entry e JOIN search_anchor a "
                                     "ON a.id=(e.id >> 16) WHERE e.id=?");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row->entry);
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_done(st);
        return false;
    }
    const struct resource *res = resource_find(str_from(store_col_text(st, 0)));
    int64_t rid = sqlite3_column_int64(st, 1);
    const char *lang = store_col_text(st, 2);
    hit->lang = lang ? arena_strdup(a, lang) : NULL;
    hit->res = resource_find(str_from(store_col_text(st, 3)));
    hit->id = sqlite3_column_int64(st, 4);
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
    struct search_tokenizer *t = conn_tokenizer(c);
    if (!t)
        return error_set(err, "the search tokenizer is not available"), STORE_ERROR;
    if (search_query_prune(t, &q) == 0)
        return STORE_OK; /* only common words: nothing to find */
    int limit = rq->limit > 0 ? rq->limit : 20;

    /* Rank the newest SEARCH_SCORE_CAP matches the caller may see (all of them, almost
     * always), one result per anchor — its best entry — by relevance, then entry id. */
    struct tag_filter tf;
    tag_filter_of(rq, a, &tf);
    struct buf sql = BUF_INIT;
    buf_printf(&sql,
               "WITH m AS MATERIALIZED (SELECT rowid AS id, civdesk_rank(search_fts, ?2) AS "
               "score FROM search_fts WHERE search_fts MATCH ?1%s%s%s ORDER BY rowid DESC "
               "LIMIT %d) SELECT g.id, g.score, (SELECT count(*) FROM m) FROM (SELECT id, "
               "min(score) AS score FROM m GROUP BY id >> %d) g%s ORDER BY g.score, g.id "
               "LIMIT %d",
               tf.n ? " AND EXISTS(SELECT 1 FROM search_entry e WHERE e.id=search_fts.rowid" : "",
               tf.n ? tf.sql.p : "", tf.n ? ")" : "", SEARCH_SCORE_CAP, SLOT_BITS,
               rq->cursor.n ? " WHERE (g.score, g.id) > (?3, ?4)" : "", limit + 1);
    buf_release(&tf.sql);
    sqlite3_stmt *st = store_prep(c, sql.p);
    buf_release(&sql);
    if (!st)
        return error_set(err, "search failed: %s", sqlite3_errmsg(c->db)), STORE_ERROR;
    sqlite3_bind_text(st, 1, search_fts_expr(&q, a), -1, SQLITE_STATIC);
    for (size_t i = 0; i < tf.n; i++)
        sqlite3_bind_text(st, (int)i + 5, tf.tags[i], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)q.n);
    if (rq->cursor.n) {
        sqlite3_bind_double(st, 3, after_score);
        sqlite3_bind_int64(st, 4, after_id);
    }
    struct row *rows = arena_alloc(a, sizeof(*rows) * (size_t)(limit + 1));
    size_t n = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)limit + 1) {
        rows[n++] = (struct row){sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1)};
        out->capped = sqlite3_column_int64(st, 2) >= SEARCH_SCORE_CAP;
    }
    int rc = STORE_OK;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        error_set(err, "search failed: %s", sqlite3_errmsg(c->db));
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
