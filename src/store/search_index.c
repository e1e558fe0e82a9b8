/*
 * The search index on SQLite (migration 0005; SCHEMA in search_rebuild.c is the same
 * statements):
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

const struct field search_match_field = {"q", FT_TEXT, 0, 0, LIMIT_SEARCH_QUERY, NULL, NULL};

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

int search_step_done(struct store_conn *c, struct db_stmt *st, const char *what)
{
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE && rc != DB_ROW) {
        log_error("search: %s failed: %s", what, db_error_text(c->db));
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

/* The FTS row of an entry: its title and body (the tags column stays empty). On
 * PostgreSQL the row of keys civdesk's tokenizer makes of them (search_tsv.c), removed by
 * its id alone. */
static const char FTS_INSERT_PG[] = "INSERT INTO search_fts(id,keys) VALUES(?,?::tsvector) "
                                    "ON CONFLICT(id) DO UPDATE SET keys=excluded.keys";

static int fts_write(struct store_conn *c, bool delete, int64_t rowid, const char *title,
                     const char *body)
{
    bool pg = db_dialect(c->db) == DB_PGSQL;
    struct buf keys = BUF_INIT;
    if (pg && !delete) {
        struct search_tokenizer *t = search_conn_tokenizer(c);
        if (!t || search_tsvector(t, title, strlen(title), body, strlen(body), &keys) < 0) {
            buf_release(&keys);
            log_error("search: the tokenizer failed");
            return STORE_ERROR;
        }
    }
    struct db_stmt *st =
        store_prep(c, pg       ? (delete ? "DELETE FROM search_fts WHERE id=?" : FTS_INSERT_PG)
                      : delete ? "INSERT INTO search_fts(search_fts,rowid,title,body) "
                                 "VALUES('delete',?,?,?)"
                               : "INSERT INTO search_fts(rowid,title,body) VALUES(?,?,?)");
    if (!st) {
        buf_release(&keys);
        return STORE_ERROR;
    }
    db_bind_int64(st, 1, rowid);
    if (pg && !delete) {
        db_bind_text(st, 2, keys.p ? keys.p : "", (int)keys.n);
    } else if (!pg) {
        db_bind_text(st, 2, title, -1);
        db_bind_text(st, 3, body, -1);
    }
    int rc = search_step_done(c, st, delete ? "index delete" : "index insert");
    buf_release(&keys);
    return rc;
}

/* Tags every entry of an anchor again (its visibility changed): the entry rows only, as
 * the FTS rows do not hold the tags. */
static int retag(struct store_conn *c, int64_t anchor, const struct vis *v, const char *res_name,
                 struct arena *a)
{
    struct db_stmt *st = store_prep(c, "SELECT id,resource,record_id,lang,tags FROM "
                                       "search_entry WHERE id BETWEEN ? AND ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, anchor << SLOT_BITS);
    db_bind_int64(st, 2, (anchor << SLOT_BITS) + (1 << SLOT_BITS) - 1);
    struct old {
        int64_t id, rid;
        const char *res, *lang, *tags;
    } *olds = NULL;
    size_t n = 0, cap = 0;
    while (db_step(st) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            struct old *o = arena_alloc(a, cap * sizeof(*o));
            if (n)
                memcpy(o, olds, n * sizeof(*o));
            olds = o;
        }
        const char *lang = store_col_text(st, 3);
        olds[n++] = (struct old){
            db_column_int64(st, 0), db_column_int64(st, 2), arena_strdup(a, store_col_text(st, 1)),
            lang ? arena_strdup(a, lang) : NULL, arena_strdup(a, store_col_text(st, 4))};
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
                db_bind_text(st, 1, tags.p, -1);
                db_bind_int64(st, 2, olds[i].id);
                rc = search_step_done(c, st, "retag");
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
    struct db_stmt *st = store_prep(c, "SELECT id,public,shared FROM search_anchor WHERE "
                                       "resource=? AND record_id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, top->res->name, -1);
    db_bind_int64(st, 2, top->id);
    bool exists = db_step(st) == DB_ROW, changed = !exists;
    if (exists) {
        *anchor = db_column_int64(st, 0);
        changed = db_column_int(st, 1) != v.public || db_column_int(st, 2) != v.shared;
    }
    store_done(st);
    if (exists && !changed) {
        st = store_prep(c, "SELECT org FROM search_anchor_org WHERE anchor=? ORDER BY org");
        if (!st)
            return STORE_ERROR;
        db_bind_int64(st, 1, *anchor);
        size_t k = 0;
        while (db_step(st) == DB_ROW)
            changed |= k >= v.norgs || db_column_int64(st, 0) != v.orgs[k++];
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
    db_bind_int64(st, 1, v.public);
    db_bind_int64(st, 2, v.shared);
    if (exists) {
        db_bind_int64(st, 3, *anchor);
    } else {
        db_bind_text(st, 4, top->res->name, -1);
        db_bind_int64(st, 5, top->id);
    }
    if (search_step_done(c, st, "anchor") < 0)
        return STORE_ERROR;
    if (!exists)
        *anchor = db_last_insert_id(c->db);
    st = store_prep(c, "DELETE FROM search_anchor_org WHERE anchor=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, *anchor);
    if (search_step_done(c, st, "anchor owners") < 0)
        return STORE_ERROR;
    for (size_t i = 0; i < v.norgs; i++) {
        st = store_prep(
            c, "INSERT INTO search_anchor_org(anchor,org) VALUES(?,?) ON CONFLICT DO NOTHING");
        if (!st)
            return STORE_ERROR;
        db_bind_int64(st, 1, *anchor);
        db_bind_int64(st, 2, v.orgs[i]);
        if (search_step_done(c, st, "anchor owner") < 0)
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
    struct db_stmt *st = store_prep(c, "SELECT max(id) FROM search_entry WHERE id BETWEEN ? AND ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lo + 1);
    db_bind_int64(st, 2, lo + (1 << SLOT_BITS) - 1);
    int64_t id = lo + 1;
    if (db_step(st) == DB_ROW && db_column_type(st, 0) != DB_NULL)
        id = db_column_int64(st, 0) + 1;
    store_done(st);
    return id < lo + (1 << SLOT_BITS) ? id : -1;
}

static int entry_put(struct store_conn *c, const struct record *rec, const struct record *top,
                     int64_t anchor, struct arena *a)
{
    /* A stale entry under this id (rows written behind the store's back): orphan it. */
    struct db_stmt *st = store_prep(c, "DELETE FROM search_entry WHERE resource=? AND record_id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, rec->res->name, -1);
    db_bind_int64(st, 2, rec->id);
    if (search_step_done(c, st, "stale entry") < 0)
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
        db_bind_int64(st, 1, id);
        db_bind_text(st, 2, rec->res->name, -1);
        db_bind_int64(st, 3, rec->id);
        if (e.lang)
            db_bind_text(st, 4, e.lang, -1);
        db_bind_int64(st, 5, text_hash(&e));
        db_bind_text(st, 6, tags.p, -1);
        rc = search_step_done(c, st, "entry");
    }
    if (rc == STORE_OK)
        rc = fts_write(c, false, id, e.title, e.body);
    buf_release(&tags);
    return rc;
}

/* ---- many new records at once (imports, rebuilds) ----------------------------------- */

static void job_step(struct search_job *j)
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
    struct db_stmt *anchor, *owner, *entry, *fts;
    bool indexed;                       /* the resource has text (else anchors only) */
    struct buf title, body, tags;       /* reused from record to record */
    struct buf keys;                    /* PostgreSQL: the entry's tsvector, reused likewise */
    struct search_tokenizer *tokenizer; /* PostgreSQL: makes the keys */
    struct search_job *job;             /* may be NULL */
};

static int prepare(struct store_conn *c, const char *sql, struct db_stmt **st)
{
    if (!(*st = db_prepare(c->db, sql))) {
        log_error("search: prepare failed: %s: %s", db_error_text(c->db), sql);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* Steps an insert and resets it for the next record. */
static int insert_step(struct store_conn *c, struct db_stmt *st, const char *what)
{
    int rc = db_step(st);
    db_reset(st);
    if (rc != DB_DONE) {
        log_error("search: %s failed: %s", what, db_error_text(c->db));
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
    db_bind_int64(f->anchor, 1, v.public);
    db_bind_int64(f->anchor, 2, v.shared);
    db_bind_text(f->anchor, 3, rec->res->name, -1);
    db_bind_int64(f->anchor, 4, rec->id);
    if (insert_step(c, f->anchor, "anchor") < 0)
        return STORE_ERROR;
    int64_t anchor = db_last_insert_id(c->db);
    for (size_t i = 0; i < v.norgs; i++) {
        db_bind_int64(f->owner, 1, anchor);
        db_bind_int64(f->owner, 2, v.orgs[i]);
        if (insert_step(c, f->owner, "anchor owner") < 0)
            return STORE_ERROR;
    }
    struct str lang;
    if (f->indexed && search_entry_text(rec, &f->title, &f->body, &lang)) {
        int64_t id = anchor << SLOT_BITS;
        tags_of(&v, false, rec->res->name, lang, &f->tags);
        db_bind_int64(f->entry, 1, id);
        db_bind_text(f->entry, 2, rec->res->name, -1);
        db_bind_int64(f->entry, 3, rec->id);
        if (lang.p)
            db_bind_text(f->entry, 4, lang.p, (int)lang.n);
        else
            db_bind_null(f->entry, 4);
        db_bind_int64(f->entry, 5, hash_texts(f->title.p, f->title.n, f->body.p, f->body.n));
        db_bind_text(f->entry, 6, f->tags.p, (int)f->tags.n);
        if (insert_step(c, f->entry, "entry") < 0)
            return STORE_ERROR;
        db_bind_int64(f->fts, 1, id);
        if (f->tokenizer) {
            if (search_tsvector(f->tokenizer, f->title.p, f->title.n, f->body.p, f->body.n,
                                &f->keys) < 0)
                return STORE_ERROR;
            db_bind_text(f->fts, 2, f->keys.p ? f->keys.p : "", (int)f->keys.n);
        } else {
            db_bind_text(f->fts, 2, f->title.p, (int)f->title.n);
            db_bind_text(f->fts, 3, f->body.p, (int)f->body.n);
        }
        if (insert_step(c, f->fts, "index insert") < 0)
            return STORE_ERROR;
    }
    job_step(f->job);
    return STORE_OK;
}

/* Indexes every record of top-level res with an id above `after`; none of them may have
 * an anchor or an entry yet. */
static int index_fresh(struct store_conn *c, const struct resource *res, int64_t after,
                       struct search_job *job)
{
    assert(!res->parent);
    struct fresh f = {.c = c,
                      .indexed = search_resource_indexed(res),
                      .title = BUF_INIT,
                      .body = BUF_INIT,
                      .tags = BUF_INIT,
                      .keys = BUF_INIT,
                      .job = job};
    bool pg = db_dialect(c->db) == DB_PGSQL;
    if (pg && f.indexed && !(f.tokenizer = search_conn_tokenizer(c)))
        return STORE_ERROR;
    int rc = prepare(c,
                     "INSERT INTO search_anchor(public,shared,resource,record_id) "
                     "VALUES(?1,?2,?3,?4)",
                     &f.anchor);
    if (rc == STORE_OK)
        rc = prepare(c,
                     "INSERT INTO search_anchor_org(anchor,org) VALUES(?,?) ON CONFLICT DO NOTHING",
                     &f.owner);
    if (rc == STORE_OK)
        rc = prepare(c,
                     "INSERT INTO search_entry(id,resource,record_id,lang,text_hash,tags) "
                     "VALUES(?,?,?,?,?,?)",
                     &f.entry);
    if (rc == STORE_OK)
        rc = prepare(c,
                     pg ? FTS_INSERT_PG : "INSERT INTO search_fts(rowid,title,body) VALUES(?,?,?)",
                     &f.fts);
    if (rc == STORE_OK)
        rc = store_scan_records(c, res, after, fresh_one, &f);
    db_finalize(f.anchor);
    db_finalize(f.owner);
    db_finalize(f.entry);
    db_finalize(f.fts);
    buf_release(&f.title);
    buf_release(&f.body);
    buf_release(&f.tags);
    buf_release(&f.keys);
    return rc < 0 ? STORE_ERROR : STORE_OK;
}

struct one_by_one {
    struct store_conn *c;
    struct search_job *job;
};

static int put_one(void *arg, const struct record *rec)
{
    struct one_by_one *o = arg;
    job_step(o->job);
    return search_index_put(o->c, rec);
}

int search_index_all(struct store_conn *c, const struct resource *res, bool fresh,
                     struct search_job *job)
{
    if (fresh)
        return index_fresh(c, res, INT64_MIN, job);
    struct one_by_one o = {c, job};
    return store_scan_records(c, res, INT64_MIN, put_one, &o);
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
        struct db_stmt *st = store_prep(c, sql[i]);
        if (!st)
            return true; /* the careful way, then */
        db_bind_text(st, 1, res->name, -1);
        db_bind_int64(st, 2, after);
        found = db_step(st) == DB_ROW;
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
    struct search_job job = {.fn = progress, .arg = arg};
    if (progress) {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE id>?", b->res->table);
        struct db_stmt *st = store_prep(c, sql);
        if (st) {
            db_bind_int64(st, 1, b->after);
            if (db_step(st) == DB_ROW)
                job.total = db_column_int64(st, 0);
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
        struct db_stmt *st =
            store_prep(c, "SELECT id FROM search_anchor WHERE resource=? AND record_id=?");
        rc = st ? STORE_OK : STORE_ERROR;
        if (st) {
            db_bind_text(st, 1, top->res->name, -1);
            db_bind_int64(st, 2, top->id);
            bool found = db_step(st) == DB_ROW;
            if (found)
                anchor = db_column_int64(st, 0);
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
        struct db_stmt *st =
            store_prep(c, "SELECT id,text_hash FROM search_entry WHERE resource=? AND record_id=?");
        if (!st) {
            arena_release(&a);
            return STORE_ERROR;
        }
        db_bind_text(st, 1, res->name, -1);
        db_bind_int64(st, 2, id);
        int64_t rowid = 0, hash = 0;
        if (db_step(st) == DB_ROW) {
            rowid = db_column_int64(st, 0);
            hash = db_column_int64(st, 1);
        }
        store_done(st);
        struct record *old;
        struct search_entry e;
        if (rowid && db_dialect(c->db) == DB_PGSQL)
            rc = fts_write(c, true, rowid, NULL, NULL); /* by its id: never an orphan */
        else if (rowid && store_get(c, res, id, &a, &old) == STORE_OK &&
                 search_entry_of(old, &a, &e) && text_hash(&e) == hash)
            rc = fts_write(c, true, rowid, e.title, e.body);
        if (rowid && rc == STORE_OK) {
            st = store_prep(c, "DELETE FROM search_entry WHERE id=?");
            rc = st ? STORE_OK : STORE_ERROR;
            if (st) {
                db_bind_int64(st, 1, rowid);
                rc = search_step_done(c, st, "entry delete");
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
            struct db_stmt *st = store_prep(c, sql[i]);
            if (!st) {
                rc = STORE_ERROR;
            } else {
                db_bind_text(st, 1, res->name, -1);
                db_bind_int64(st, 2, id);
                rc = search_step_done(c, st, "anchor delete");
            }
        }
    }
    arena_release(&a);
    return rc;
}
