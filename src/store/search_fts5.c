/*
 * The SQLite-only half of the search index: the "civdesk" FTS5 tokenizer (civdesk's own
 * analysis: ICU, Snowball, transliteration, src/search), the civdesk_rank ranking
 * function and the civdesk_match SQL function, registered on every SQLite connection by
 * the SQLite driver (db_sqlite.c). The index's upkeep and queries are in search_index.c.
 */
#define _GNU_SOURCE
#include "store/db_sqlite.h"
#include "store/search_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_WEIGHT 10.0
#define BM25_K1      1.2
#define BM25_B       0.75

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

/* The FTS5 API of a connection, through a prepared "SELECT fts5(?1)". */
static fts5_api *fts5_api_of(sqlite3_stmt *st)
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

int search_fts5_register(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    fts5_api *api = fts5_api_of(st);
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

struct search_tokenizer *search_fts5_tokenizer(struct store_conn *c)
{
    struct db_stmt *st = store_prep(c, "SELECT fts5(?1)");
    if (!st)
        return NULL;
    fts5_api *api = fts5_api_of(db_sqlite_stmt(st));
    store_done(st);
    void *ctx = NULL;
    fts5_tokenizer tok;
    if (!api || api->xFindTokenizer(api, "civdesk", &ctx, &tok) != SQLITE_OK || !ctx)
        return NULL;
    return shared_tokenizer(ctx);
}
