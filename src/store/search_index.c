/*
 * The search index on SQLite (migration 0005):
 *
 *   search_fts        contentless FTS5 table (title, body) with the civdesk tokenizer: the
 *                     text stays in the records' own tables (DESIGN §9).
 *   search_entry      one row per indexed record, its rowid the FTS rowid: which record,
 *                     its language, its own public flag, and its anchor.
 *   search_anchor     one row per top-level record that has text or sub-records with
 *                     text: what decides who may see it (public, reference data, the
 *                     organisations owning it) — src/domain/access.c's rule as columns. A document's translations are found as
 *                     the document and are seen by whoever may see the document.
 *   search_anchor_org the owning organisations of an anchor.
 *   search_meta       the fingerprint (tokenizer version, declarations) the index was
 *                     built with.
 *
 * Every change runs in the write transaction of the record's change: remove the old
 * entry (by its old text, read before the row changes), add the new one.
 *
 * Ranking: bm25 with the title column weighing SEARCH_TITLE_WEIGHT times the body. It
 * costs about 3 µs per match (DESIGN §9), so a query is ranked over its newest
 * SEARCH_SCORE_CAP visible matches; common words are dropped by the tokenizer.
 */
#define _GNU_SOURCE
#include "store/search_index.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_TITLE_WEIGHT "10.0"
#define REINDEX_CHUNK 1000
#define PARENT_DEPTH_MAX 8

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

/* ---- declarations ------------------------------------------------------------------- */

static bool flag_set(const struct record *rec, const char *field)
{
    if (!field)
        return false;
    int i = resource_field_index(rec->res, field);
    return i >= 0 && !rec->v[i].null && rec->v[i].i != 0;
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

/* Inserts or refreshes the anchor of a top-level record; its id in *anchor. */
static int anchor_put(struct store_conn *c, const struct record *rec, int64_t *anchor)
{
    const struct resource *res = rec->res;
    sqlite3_stmt *st = store_prep(
        c, "INSERT INTO search_anchor(resource,record_id,public,shared) VALUES(?,?,?,?) "
           "ON CONFLICT(resource,record_id) DO UPDATE SET public=excluded.public, "
           "shared=excluded.shared RETURNING id");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, res->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rec->id);
    sqlite3_bind_int(st, 3, flag_set(rec, res->public_flag));
    sqlite3_bind_int(st, 4, (res->access & RES_REFERENCE) != 0);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *anchor = sqlite3_column_int64(st, 0);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE) {
        log_error("search: anchor failed: %s", sqlite3_errmsg(c->db));
        return STORE_ERROR;
    }
    st = store_prep(c, "DELETE FROM search_anchor_org WHERE anchor=?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, *anchor);
    if (step_done(c, st, "anchor owners") < 0 || !res->owner)
        return res->owner ? STORE_ERROR : STORE_OK;

    int64_t orgs[LIMIT_ARRAY_ITEMS + 1];
    size_t n = 0;
    int oi = resource_field_index(res, res->owner);
    if (strcmp(res->owner, "id") == 0) {
        orgs[n++] = rec->id;
    } else if (oi >= 0 && !rec->v[oi].null) {
        if (res->fields[oi].type == FT_REF_LIST) {
            json_t *arr = json_loadb(rec->v[oi].s, rec->v[oi].n, 0, NULL);
            size_t k;
            json_t *item;
            json_array_foreach(arr, k, item)
            {
                if (json_is_integer(item) && n < ARRAY_SIZE(orgs))
                    orgs[n++] = json_integer_value(item);
            }
            json_decref(arr);
        } else {
            orgs[n++] = rec->v[oi].i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        st = store_prep(c, "INSERT OR IGNORE INTO search_anchor_org(anchor,org) VALUES(?,?)");
        if (!st)
            return STORE_ERROR;
        sqlite3_bind_int64(st, 1, *anchor);
        sqlite3_bind_int64(st, 2, orgs[i]);
        if (step_done(c, st, "anchor owner") < 0)
            return STORE_ERROR;
    }
    return STORE_OK;
}

/* The anchor of a record of a sub-resource: its top-level ancestor's. */
static int anchor_of_child(struct store_conn *c, const struct record *rec, struct arena *a,
                           int64_t *anchor)
{
    const struct record *top = rec;
    for (int depth = 0; top->res->parent; depth++) {
        const struct resource *pres = resource_find(str_from(top->res->parent));
        int pi = resource_field_index(top->res, top->res->parent_field);
        struct record *parent;
        if (depth == PARENT_DEPTH_MAX || !pres || pi < 0 || top->v[pi].null ||
            store_get(c, pres, top->v[pi].i, a, &parent) != STORE_OK) {
            log_error("search: %s %lld has no parent to anchor it", rec->res->name,
                      (long long)rec->id);
            return STORE_ERROR;
        }
        top = parent;
    }
    sqlite3_stmt *st =
        store_prep(c, "SELECT id FROM search_anchor WHERE resource=? AND record_id=?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, top->res->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, top->id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *anchor = sqlite3_column_int64(st, 0);
    store_done(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return anchor_put(c, top, anchor);
}

/* A hash of an entry's text: a removal uses the record's text only if it is the text that
 * was indexed (a row changed behind the store's back is orphaned instead, never wrongly
 * deleted, which would corrupt the index). */
static int64_t text_hash(const struct search_entry *e)
{
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)e->title, strlen(e->title) + 1);
    crypto_generichash_update(&st, (const unsigned char *)e->body, strlen(e->body));
    crypto_generichash_final(&st, h, sizeof(h));
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(h); i++)
        v = (v << 8) | h[i];
    return (int64_t)(v >> 1);
}

static int entry_put(struct store_conn *c, const struct record *rec, int64_t anchor,
                     struct arena *a)
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
    st = store_prep(c, "INSERT INTO search_entry(resource,record_id,anchor,lang,public,"
                       "text_hash) VALUES(?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, rec->res->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rec->id);
    sqlite3_bind_int64(st, 3, anchor);
    if (e.lang)
        sqlite3_bind_text(st, 4, e.lang, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, flag_set(rec, rec->res->public_flag));
    sqlite3_bind_int64(st, 6, text_hash(&e));
    if (step_done(c, st, "entry") < 0)
        return STORE_ERROR;
    int64_t rowid = sqlite3_last_insert_rowid(c->db);
    st = store_prep(c, "INSERT INTO search_fts(rowid,title,body) VALUES(?,?,?)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, rowid);
    sqlite3_bind_text(st, 2, e.title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e.body, -1, SQLITE_STATIC);
    return step_done(c, st, "index insert");
}

int search_index_put(struct store_conn *c, const struct record *rec)
{
    const struct resource *res = rec->res;
    bool indexed = search_resource_indexed(res);
    if (!indexed && !search_resource_findable(res))
        return STORE_OK;
    struct arena a = ARENA_INIT;
    int64_t anchor = 0;
    int rc = res->parent ? anchor_of_child(c, rec, &a, &anchor) : anchor_put(c, rec, &anchor);
    if (rc == STORE_OK && indexed)
        rc = entry_put(c, rec, anchor, &a);
    arena_release(&a);
    return rc;
}

int search_index_remove(struct store_conn *c, const struct resource *res, int64_t id,
                        bool deleting)
{
    struct arena a = ARENA_INIT;
    int rc = STORE_OK;
    if (search_resource_indexed(res)) {
        sqlite3_stmt *st = store_prep(
            c, "SELECT id,text_hash FROM search_entry WHERE resource=? AND record_id=?");
        if (!st)
            return STORE_ERROR;
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
        if (rowid && store_get(c, res, id, &a, &old) == STORE_OK &&
            search_entry_of(old, &a, &e) && text_hash(&e) == hash) {
            st = store_prep(c, "INSERT INTO search_fts(search_fts,rowid,title,body) "
                               "VALUES('delete',?,?,?)");
            rc = st ? STORE_OK : STORE_ERROR;
            if (st) {
                sqlite3_bind_int64(st, 1, rowid);
                sqlite3_bind_text(st, 2, e.title, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, e.body, -1, SQLITE_STATIC);
                rc = step_done(c, st, "index delete");
            }
        }
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
            if (!st)
                rc = STORE_ERROR;
            else {
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
    buf_puts(b, search_tokenizer_version());
    buf_puts(b, " weights " SEARCH_TITLE_WEIGHT " | ");
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

/* Indexes every record of res, in id order, a chunk at a time. */
static int reindex_resource(struct store_conn *c, const struct resource *res, struct error *err)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id>? ORDER BY id LIMIT %d", res->table,
             REINDEX_CHUNK);
    int64_t last = 0;
    for (;;) {
        int64_t ids[REINDEX_CHUNK];
        size_t n = 0;
        sqlite3_stmt *st = store_prep(c, sql);
        if (!st)
            return error_set(err, "search index: cannot read %s", res->name), STORE_ERROR;
        sqlite3_bind_int64(st, 1, last);
        while (n < REINDEX_CHUNK && sqlite3_step(st) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(st, 0);
        store_done(st);
        if (n == 0)
            return STORE_OK;
        struct arena a = ARENA_INIT;
        for (size_t i = 0; i < n; i++) {
            struct record *rec;
            if (store_get(c, res, ids[i], &a, &rec) != STORE_OK ||
                search_index_put(c, rec) != STORE_OK) {
                arena_release(&a);
                return error_set(err, "search index: cannot index %s %lld", res->name,
                                 (long long)ids[i]),
                       STORE_ERROR;
            }
        }
        arena_release(&a);
        last = ids[n - 1];
    }
}

int search_reindex(struct store *s, int64_t *entries, struct error *err)
{
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(err, "the database is busy"), STORE_ERROR;
    struct store_conn *c = tx->conn;
    int rc = exec_sql(c,
                      "INSERT INTO search_fts(search_fts) VALUES('delete-all');"
                      "DELETE FROM search_entry; DELETE FROM search_anchor_org;"
                      "DELETE FROM search_anchor;",
                      err);
    for (size_t i = 0; i < resource_count && rc == STORE_OK; i++) {
        const struct resource *res = resource_all[i];
        if (search_resource_indexed(res) || search_resource_findable(res))
            rc = reindex_resource(c, res, err);
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
    if (rc != STORE_OK) {
        if (!err->msg[0])
            error_set(err, "search index: %s", sqlite3_errmsg(c->db));
        store_write_rollback(tx);
        return STORE_ERROR;
    }
    return store_write_commit(tx, err);
}

int search_index_check(struct store *s, struct error *err)
{
    struct store_conn *c = &s->writer;
    struct buf want = BUF_INIT;
    fingerprint(&want);
    sqlite3_stmt *st = store_prep(c, "SELECT value FROM search_meta WHERE key='fingerprint'");
    if (!st) {
        buf_release(&want);
        return error_set(err, "the search index is missing (schema too old?)"), STORE_ERROR;
    }
    bool same = sqlite3_step(st) == SQLITE_ROW && store_col_text(st, 0) &&
                strcmp(store_col_text(st, 0), want.p) == 0;
    store_done(st);
    buf_release(&want);
    if (same)
        return STORE_OK;
    log_info("search: building the search index (first use, or the tokenizer or the "
             "searchable fields changed)");
    int64_t n = 0;
    int rc = search_reindex(s, &n, err);
    if (rc == STORE_OK)
        log_info("search: index built, %lld entries", (long long)n);
    return rc;
}

/* ---- lists -------------------------------------------------------------------------- */

void search_list_sql(struct buf *b, const struct resource *res)
{
    if (res->parent)
        buf_printf(b,
                   " OR id IN (SELECT e.record_id FROM search_fts JOIN search_entry e "
                   "ON e.id=search_fts.rowid WHERE search_fts MATCH civdesk_match(?) AND e.resource='%s')",
                   res->name);
    else
        buf_printf(b,
                   " OR id IN (SELECT a.record_id FROM search_fts JOIN search_entry e "
                   "ON e.id=search_fts.rowid JOIN search_anchor a ON a.id=e.anchor "
                   "WHERE search_fts MATCH civdesk_match(?) AND a.resource='%s')",
                   res->name);
}

/* ---- searching ---------------------------------------------------------------------- */

/* Cursor: base64url of "<bm25 score>,<entry id>" of the last result. */
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
        sodium_base642bin((unsigned char *)text, sizeof(text) - 1, cur.p, cur.n, NULL, &len,
                          NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
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

struct row {
    int64_t entry, anchor;
    double score;
};

/* Fills one hit from its entry: the record, its label and a snippet. False to skip it. */
static bool make_hit(struct store_conn *c, struct search_tokenizer *t,
                     const struct search_matcher *m, const struct search_request *rq,
                     const struct row *row, struct arena *a, struct search_hit *hit)
{
    sqlite3_stmt *st = store_prep(c, "SELECT e.resource,e.record_id,e.lang,a.resource,"
                                     "a.record_id FROM search_entry e JOIN search_anchor a "
                                     "ON a.id=e.anchor WHERE e.id=?");
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
    if (t && e.body[0])
        hit->snippet = search_snippet(t, m, e.body, strlen(e.body), &rq->style, a, &matched);
    if (t && !matched && e.title[0]) {
        const char *s = search_snippet(t, m, e.title, strlen(e.title), &rq->style, a, &matched);
        if (matched || !hit->snippet[0])
            hit->snippet = s;
    }
    return true;
}

int search_run(struct store_conn *c, const struct search_request *rq, struct arena *a,
               struct search_result *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    struct search_query q;
    if (search_parse(rq->q, &q, err) < 0)
        return STORE_CONFLICT;
    struct search_tokenizer *t = conn_tokenizer(c);
    if (!t)
        return error_set(err, "the search tokenizer is not available"), STORE_ERROR;
    if (search_query_prune(t, &q) == 0)
        return STORE_OK; /* only common words: nothing to find */
    double after_score = 0;
    int64_t after_id = 0;
    if (rq->cursor.n && cursor_decode(rq->cursor, &after_score, &after_id) < 0)
        return error_set(err, "the cursor does not belong to this search"), STORE_CONFLICT;
    const char *expr = search_fts_expr(&q, a);
    int limit = rq->limit > 0 ? rq->limit : 20;

    struct buf sql = BUF_INIT;
    buf_puts(&sql, "WITH m AS MATERIALIZED (SELECT e.id AS id, e.anchor AS anchor, "
                   "bm25(search_fts, " SEARCH_TITLE_WEIGHT ", 1.0) AS score "
                   "FROM search_fts JOIN search_entry e ON e.id=search_fts.rowid "
                   "JOIN search_anchor a ON a.id=e.anchor WHERE search_fts MATCH ?");
    if (rq->ntypes) {
        buf_puts(&sql, " AND a.resource IN (");
        for (size_t i = 0; i < rq->ntypes; i++)
            buf_puts(&sql, i ? ",?" : "?");
        buf_putc(&sql, ')');
    }
    if (rq->lang)
        buf_puts(&sql, " AND (e.lang=? OR e.lang IS NULL)");
    if (rq->scope == SEARCH_SEE_PUBLIC)
        buf_puts(&sql, " AND (e.public OR a.public)");
    else if (rq->scope == SEARCH_SEE_ORG)
        buf_puts(&sql, " AND (e.public OR a.public OR a.shared OR EXISTS(SELECT 1 FROM "
                       "search_anchor_org o WHERE o.anchor=e.anchor AND o.org=?))");
    buf_printf(&sql,
               " ORDER BY search_fts.rowid DESC LIMIT %d) "
               "SELECT g.id, g.anchor, g.score, (SELECT count(*) FROM m) FROM "
               "(SELECT id, anchor, min(score) AS score FROM m GROUP BY anchor) g",
               SEARCH_SCORE_CAP);
    if (rq->cursor.n)
        buf_puts(&sql, " WHERE (g.score, g.id) > (?, ?)");
    buf_printf(&sql, " ORDER BY g.score, g.id LIMIT %d", limit + 1);

    int rc = STORE_OK;
    sqlite3_stmt *st = store_prep(c, sql.p);
    buf_release(&sql);
    if (!st)
        return error_set(err, "search failed: %s", sqlite3_errmsg(c->db)), STORE_ERROR;
    int col = 1;
    sqlite3_bind_text(st, col++, expr, -1, SQLITE_STATIC);
    for (size_t i = 0; i < rq->ntypes; i++)
        sqlite3_bind_text(st, col++, rq->types[i]->name, -1, SQLITE_STATIC);
    if (rq->lang)
        sqlite3_bind_text(st, col++, rq->lang, -1, SQLITE_STATIC);
    if (rq->scope == SEARCH_SEE_ORG)
        sqlite3_bind_int64(st, col++, rq->org);
    if (rq->cursor.n) {
        sqlite3_bind_double(st, col++, after_score);
        sqlite3_bind_int64(st, col++, after_id);
    }
    struct row *rows = arena_alloc(a, sizeof(*rows) * (size_t)(limit + 1));
    size_t n = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)limit + 1) {
        rows[n++] = (struct row){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                 sqlite3_column_double(st, 2)};
        out->capped = sqlite3_column_int64(st, 3) >= SEARCH_SCORE_CAP;
    }
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
