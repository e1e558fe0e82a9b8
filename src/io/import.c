/*
 * Imports: CSV (and JSON) rows into any declared resource, in one write transaction.
 *
 * Each row becomes a record through the declaration (value_from_text per cell, or
 * record_from_json per JSON object), then goes through domain_insert_tx — references,
 * the resource's validate and check_conflict hooks, the insert and its audit entry —
 * exactly as an API create does. A row that fails is listed with its line; by default
 * one failure rolls the whole import back.
 *
 * This file is the engine every format shares (the input's hash, the transaction, one
 * row, the report); import_csv.c and import_json.c read their formats into it.
 */
#define _GNU_SOURCE
#include "io/internal.h"
#include "io/import_int.h"
#include "core/limits.h"
#include "domain/domain.h"
#include "json/json.h"
#include "search/search.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A large import sets the imported table's secondary indexes aside and builds them again
 * at its end, in one sorted pass (store_tx_drop_indexes): inserting a million rows into
 * each of them at random was half the import. It does so once it has imported as many
 * rows as the table held (at least INDEX_ASIDE_MIN), so that rebuilding costs at most
 * twice what it saves. Only for the resources that declare it may
 * (import_sets_indexes_aside): while the indexes are aside, the import's own queries
 * cannot use them, and these resources' hooks (validation, references) read other tables
 * or rows by id only.
 */

static void *hasher_main(void *arg)
{
    struct hasher *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->hashed == h->given && !h->eof)
            pthread_cond_wait(&h->cond, &h->lock);
        if (h->hashed == h->given)
            break;
        size_t k = h->hashed % HASH_RING;
        pthread_mutex_unlock(&h->lock);
        crypto_hash_sha256_update(&h->sha, (const unsigned char *)h->chunk[k], h->len[k]);
        pthread_mutex_lock(&h->lock);
        h->hashed++;
        pthread_cond_broadcast(&h->cond);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

void import_hasher_start(struct hasher *h)
{
    memset(h, 0, sizeof(*h));
    crypto_hash_sha256_init(&h->sha);
    for (size_t k = 0; k < HASH_RING; k++)
        if (!(h->chunk[k] = malloc(READ_CHUNK)))
            die("out of memory");
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    h->threaded = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
    h->started = true;
}

/* The next chunk to read into: free once the hasher is done with what it held. */
char *import_hasher_chunk(struct hasher *h)
{
    pthread_mutex_lock(&h->lock);
    while (h->given - h->hashed >= HASH_RING)
        pthread_cond_wait(&h->cond, &h->lock);
    char *c = h->chunk[h->given % HASH_RING];
    pthread_mutex_unlock(&h->lock);
    return c;
}

/* Hands over the n bytes read into the chunk hasher_chunk gave; the caller may go on
 * reading them (the hasher only reads too). */
void import_hasher_give(struct hasher *h, size_t n)
{
    size_t k = h->given % HASH_RING;
    h->len[k] = n;
    if (!h->threaded) {
        crypto_hash_sha256_update(&h->sha, (const unsigned char *)h->chunk[k], n);
        h->given++;
        h->hashed++;
        return;
    }
    pthread_mutex_lock(&h->lock);
    h->given++;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

/* Waits for the last chunk, frees the ring; the digest in out (NULL: not wanted). */
static void hasher_finish(struct hasher *h, unsigned char out[crypto_hash_sha256_BYTES])
{
    if (!h->started)
        return;
    if (h->threaded) {
        pthread_mutex_lock(&h->lock);
        h->eof = true;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->thread, NULL);
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h->sha, digest);
    if (out)
        memcpy(out, digest, sizeof(digest));
    for (size_t k = 0; k < HASH_RING; k++)
        free(h->chunk[k]);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    h->started = false;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void io_report_release(struct io_report *r)
{
    arena_release(&r->arena);
    memset(r, 0, sizeof(*r));
}

static void issues_json(struct jw *w, const char *key, const struct io_issue *items, size_t n)
{
    jw_key(w, key);
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_kint(w, "line", (int64_t)items[i].line);
        jw_kstr(w, "field", items[i].field);
        jw_kstr(w, "message", items[i].message);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void io_report_to_json(const struct io_report *r, struct jw *w)
{
    jw_obj(w);
    /* "committed": rows were written — not merely a transaction that changed nothing. */
    jw_kbool(w, "committed", r->committed && (r->imported || r->updated));
    jw_kint(w, "rows", (int64_t)r->rows);
    jw_kint(w, "imported", (int64_t)r->imported);
    jw_kint(w, "updated", (int64_t)r->updated);
    jw_kint(w, "skipped", (int64_t)r->skipped);
    jw_kint(w, "invalid", (int64_t)r->invalid);
    jw_kint(w, "duplicates", (int64_t)r->duplicates);
    jw_key(w, "seconds");
    jw_real(w, r->seconds);
    issues_json(w, "errors", r->errors, r->nerrors);
    jw_kint(w, "errors_total", (int64_t)r->errors_total);
    issues_json(w, "duplicate_rows", r->dups, r->ndups);
    jw_kint(w, "duplicate_rows_total", (int64_t)r->dups_total);
    jw_obj_end(w);
}

static void add_issue(struct io_report *rep, struct io_issue **list, size_t *n, size_t *total,
                      size_t line, const char *field, const char *msg)
{
    (*total)++;
    if (*n >= IO_ISSUES_LISTED)
        return;
    if (!*list)
        *list = arena_alloc(&rep->arena, IO_ISSUES_LISTED * sizeof(**list));
    (*list)[(*n)++] = (struct io_issue){line, arena_strdup(&rep->arena, field ? field : ""),
                                        arena_strdup(&rep->arena, msg)};
}

void import_file_issue(struct importer *im, size_t line, const char *field, const char *msg)
{
    add_issue(im->rep, &im->rep->errors, &im->rep->nerrors, &im->rep->errors_total, line, field,
              msg);
}

int import_fatal(struct importer *im, int rc)
{
    if (!im->fatal)
        im->fatal = rc < 0 ? rc : STORE_ERROR;
    return im->fatal;
}

static void progress(struct importer *im)
{
    if (!im->o->progress)
        return;
    struct io_progress p = {.rows = im->rep->rows,
                            .bytes = im->bytes,
                            .total_bytes = im->total,
                            .seconds = mono() - im->t0,
                            .indexed = im->indexed,
                            .to_index = im->to_index};
    im->o->progress(im->o->progress_arg, &p);
}

/* The search index written at the end (search_bulk_end). */
static void index_progress(void *arg, int64_t done, int64_t total)
{
    struct importer *im = arg;
    im->indexed = done;
    im->to_index = total;
    progress(im);
}

bool import_is_meta(const char *name)
{
    static const char *const meta[] = {"id", "created_at", "updated_at", "version"};
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++)
        if (strcmp(name, meta[i]) == 0)
            return true;
    return false;
}

/* Fields a file may name but whose values are the server's: read-only ones and the state
 * of a state machine (changed only through transitions). */
bool import_is_server_field(const struct resource *res, int fi)
{
    const struct field *f = &res->fields[fi];
    return (f->flags & F_READONLY) || (res->state_field && !strcmp(res->state_field, f->name));
}

int import_fixed_index(const struct importer *im, int fi)
{
    for (size_t k = 0; k < im->o->nfixed; k++)
        if (im->fixed_field[k] == fi)
            return (int)k;
    return -1;
}

static bool value_equal(const struct value *a, const struct value *b)
{
    if (a->null || b->null)
        return a->null == b->null;
    return a->i == b->i && a->r == b->r && a->n == b->n && (!a->n || !memcmp(a->s, b->s, a->n));
}

/* ---- start and end ------------------------------------------------------------------ */

int import_begin(struct importer *im, struct store *s, const struct io_import_opts *o, int64_t size,
                 int64_t rows, struct io_report *rep, struct error *err)
{
    memset(im, 0, sizeof(*im));
    im->o = o;
    im->res = o->res;
    im->rep = rep;
    im->err = err;
    im->total = size;
    im->t0 = mono();
    memset(rep, 0, sizeof(*rep));
    /* Fixed values come from the command (listing: body, date), never from the file; the
     * rows' loops read o->nfixed of them from im's arrays. */
    assert(o->nfixed <= ARRAY_SIZE(im->fixed_field));
    for (size_t k = 0; k < o->nfixed && k < ARRAY_SIZE(im->fixed_field); k++) {
        const struct io_fixed *fx = &o->fixed[k];
        int fi = resource_field_index(o->res, fx->field);
        const char *why = NULL;
        im->fixed_field[k] = fi;
        if (fi < 0 || (o->res->fields[fi].flags & F_HIDDEN))
            why = arena_printf(&im->keep, "is not a field of %s", o->res->singular);
        else if (value_from_text(&o->res->fields[fi], str_from(fx->value), &im->keep,
                                 &im->fixed_val[k], &why) == 0)
            why = NULL;
        if (why)
            import_file_issue(im, 0, fx->field, why);
    }
    if (rep->errors_total)
        return IO_INVALID;
    if (store_write_begin(s, &im->tx) < 0)
        return error_set(err, "the database is busy (another write holds it); try again"),
               STORE_ERROR;
    im->conn = store_tx_conn(im->tx);
    im->old_cache = store_tx_cache_size(im->tx, -IMPORT_CACHE_KIB);
    int rc = dup_index_init(&im->dups, o->res, im->conn, err);
    /* Sized once for the rows to come (a table grown by doubling holds the old and the new
     * at once): from the file's lines when they could be counted, else from its size. */
    if (rc == 0 && (rows > 0 || size > 0))
        dup_index_reserve(&im->dups, (size_t)(rows > 0 ? rows : size / BYTES_PER_ROW_GUESS));
    /* The search index entries of the records created are written together at the end. */
    if (rc == 0 && search_bulk_begin(im->tx, o->res) < 0) {
        error_set(err, "could not prepare the search index for the import");
        rc = STORE_ERROR;
    }
    im->aside_at = -1;
    if (rc == 0 && o->res->import_sets_indexes_aside) {
        int64_t stored = store_tx_max_id(im->tx, o->res);
        if (stored >= 0)
            im->aside_at = stored > INDEX_ASIDE_MIN ? stored : INDEX_ASIDE_MIN;
    }
    if (rc < 0) {
        search_bulk_end(im->tx, false, NULL, NULL);
        store_tx_cache_size(im->tx, im->old_cache);
        store_write_rollback(im->tx);
        im->tx = NULL;
    }
    return rc;
}

int import_flush_rejects(struct importer *im)
{
    if (!im->o->rejects || !im->out.n)
        return 0;
    size_t n = fwrite(im->out.p, 1, im->out.n, im->o->rejects);
    bool ok = n == im->out.n;
    buf_reset(&im->out);
    if (!ok) {
        error_set(im->err, "could not write the rejects file: %s", strerror(errno));
        return import_fatal(im, STORE_ERROR);
    }
    return 0;
}

/*
 * The import's one audit entry for the records it created: the file (name and SHA-256,
 * so what was imported can be proven later) and the id range created. Records it
 * updated (--on-duplicate update) have an entry each, with before and after, written
 * as they were changed.
 */
static int audit_import(struct importer *im)
{
    struct io_report *rep = im->rep;
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof(hex), im->sha256, sizeof(im->sha256));
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "source", im->o->source ? im->o->source : "-");
    jw_kstr(&w, "sha256", hex);
    jw_kstr(&w, "format", im->format);
    jw_kint(&w, "rows", (int64_t)rep->rows);
    jw_kint(&w, "created", (int64_t)rep->imported);
    if (rep->imported) {
        jw_kint(&w, "first_id", im->first_id);
        jw_kint(&w, "last_id", im->last_id);
    }
    jw_kint(&w, "updated", (int64_t)rep->updated);
    jw_kint(&w, "skipped", (int64_t)rep->skipped);
    jw_kint(&w, "set_aside", (int64_t)rep->invalid);
    jw_obj_end(&w);
    struct store_actor actor = principal_actor(im->o->who);
    int rc = store_audit(im->tx, &actor, "import", im->res->name, 0, NULL, b.p);
    buf_release(&b);
    if (rc < 0)
        error_set(im->err, "could not write the audit entry");
    return rc;
}

/* Commits, or rolls back when a row was invalid (and skip_invalid is off) or it failed. */
int import_end(struct importer *im, int rc)
{
    struct io_report *rep = im->rep;
    hasher_finish(&im->hash, im->sha256);
    dup_index_release(&im->dups); /* the rows are read: 64 MiB a million back before the sorts */
    if (rc == 0 && im->fatal)
        rc = im->fatal;
    if (rc == 0 && import_flush_rejects(im) < 0)
        rc = im->fatal;
    if (rc == 0 && rep->errors_total && !im->o->skip_invalid)
        rc = IO_INVALID;
    if (im->aside && rc == 0) {
        index_progress(im, 0, (int64_t)rep->imported); /* building them takes seconds */
        /* SQLite's sorter holds as much as the page cache allows, per thread: smaller
         * while it runs (the pages beyond it go to the WAL now rather than at COMMIT) */
        store_tx_cache_size(im->tx, -IMPORT_SORT_KIB);
        if (store_tx_restore_indexes(im->tx, im->aside) < 0) {
            error_set(im->err, "could not build the indexes of %s again", im->res->table);
            rc = STORE_ERROR;
        }
        store_tx_cache_size(im->tx, -IMPORT_CACHE_KIB);
        im->aside = NULL;
    }
    store_indexes_free(im->aside); /* the rollback brings them back */
    im->aside = NULL;
    if (im->tx && search_bulk_end(im->tx, rc == 0, index_progress, im) < 0) {
        error_set(im->err, "could not update the search index");
        rc = STORE_ERROR;
    }
    if (rc == 0 && im->tx && (rep->imported || rep->updated))
        rc = audit_import(im);
    if (im->tx)
        store_tx_cache_size(im->tx, im->old_cache);
    if (rc == 0 && im->tx) {
        struct error cerr = ERROR_INIT;
        rc = store_write_commit(im->tx, &cerr);
        im->tx = NULL;
        if (rc < 0)
            error_set(im->err, "%s", cerr.msg);
        else
            rep->committed = true;
    }
    if (im->tx)
        store_write_rollback(im->tx);
    im->tx = NULL;
    if (!rep->committed) {
        rep->imported = 0;
        rep->updated = 0;
    }
    rep->seconds = mono() - im->t0;
    progress(im);
    dup_index_release(&im->dups);
    arena_release(&im->row);
    arena_release(&im->keep);
    buf_release(&im->out);
    return rc;
}

/* ---- one row ------------------------------------------------------------------------ */

/* Turns a store failure on a row into the row's error, or the import's when it is not
 * the row's fault. */
static int row_failure(struct importer *im, int rc, const struct error *msg)
{
    if (rc == DOMAIN_INVALID)
        return 1;
    if (rc == STORE_ERROR) {
        error_set(im->err, "the database failed while writing: %s", msg->msg);
        return import_fatal(im, rc);
    }
    errors_add(&im->errs, "", "%s", msg->msg[0] ? msg->msg : "could not be written");
    return 1;
}

/* Applies the row's given fields onto the stored record m->stored and writes it. */
static int update_row(struct importer *im, size_t line, const struct record *rec, const bool *given,
                      const struct dup_match *m)
{
    const struct resource *res = im->res;
    struct record *upd = record_copy(m->stored, &im->row);
    for (size_t i = 0; i < res->nfields; i++) {
        if (!given[i])
            continue;
        if ((res->fields[i].flags & F_CREATE_ONLY) && !value_equal(&m->stored->v[i], &rec->v[i]))
            errors_add(&im->errs, res->fields[i].name, "cannot be changed after creation");
        upd->v[i] = rec->v[i];
    }
    if (im->errs.n)
        return 1;
    struct error msg = ERROR_INIT;
    int rc = domain_update_tx(im->tx, im->o->who, m->stored, upd, &im->row, &im->errs, &msg);
    if (rc < 0)
        return row_failure(im, rc, &msg);
    im->rep->updated++;
    dup_add(&im->dups, upd, line, &im->row);
    return 0;
}

/*
 * Writes one row's record (fields not given keep their defaults): a possible duplicate is
 * handled as o->on_duplicate says, anything else inserted. 0 done, 1 the row is invalid
 * (im->errs says why), negative: the import must stop.
 */
int import_write_row(struct importer *im, size_t line, struct record *rec, const bool *given)
{
    const struct resource *res = im->res;
    struct io_report *rep = im->rep;
    struct dup_match m;
    int found = dup_find(&im->dups, im->conn, rec, &im->row, &m);
    if (found < 0) {
        error_set(im->err, "could not read the stored %s to look for duplicates", res->name);
        return import_fatal(im, found);
    }
    if (found) {
        rep->duplicates++;
        const char *field = res->fields[m.rule->report_field].name;
        const char *what = m.line ? arena_printf(&im->row, "line %zu (%s)", m.line, m.rule->why)
                                  : arena_printf(&im->row, "%s %lld (%s)", res->singular,
                                                 (long long)m.id, m.rule->why);
        switch (im->o->on_duplicate) {
        case IO_DUP_ERROR:
            errors_add(&im->errs, field, "possible duplicate of %s", what);
            return 1;
        case IO_DUP_SKIP:
            rep->skipped++;
            add_issue(rep, &rep->dups, &rep->ndups, &rep->dups_total, line, field,
                      arena_printf(&im->row, "skipped: possible duplicate of %s", what));
            return 0;
        case IO_DUP_UPDATE: {
            int rc = update_row(im, line, rec, given, &m);
            if (rc == 0)
                add_issue(rep, &rep->dups, &rep->ndups, &rep->dups_total, line, field,
                          arena_printf(&im->row, "updated %s %lld: possible duplicate of %s",
                                       res->singular, (long long)m.id, what));
            return rc;
        }
        }
    }
    struct error msg = ERROR_INIT;
    int rc = domain_import_tx(im->tx, im->o->who, rec, &im->row, &im->errs, &msg);
    if (rc < 0)
        return row_failure(im, rc, &msg);
    if (!rep->imported++)
        im->first_id = rec->id;
    im->last_id = rec->id;
    if (im->aside_at >= 0 && (int64_t)rep->imported >= im->aside_at) {
        im->aside_at = -1;
        if (store_tx_drop_indexes(im->tx, res, &im->aside) < 0) {
            error_set(im->err, "could not set the indexes of %s aside", res->table);
            return import_fatal(im, STORE_ERROR);
        }
    }
    dup_add(&im->dups, rec, line, &im->row);
    return 0;
}

/* The row's errors as one line: "field: message; message". */
const char *import_errors_text(const struct errors *e, struct arena *a)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < e->n; i++) {
        if (i)
            buf_puts(&b, "; ");
        if (e->items[i].field[0])
            buf_printf(&b, "%s: ", e->items[i].field);
        buf_puts(&b, e->items[i].message);
    }
    char *s = arena_strndup(a, b.p ? b.p : "", b.n);
    buf_release(&b);
    return s;
}

/* After a row: records its errors in the report. True if it was invalid. */
bool import_settle_row(struct importer *im, size_t line)
{
    if (!im->errs.n)
        return false;
    im->rep->invalid++;
    for (size_t i = 0; i < im->errs.n; i++)
        import_file_issue(im, line, im->errs.items[i].field, im->errs.items[i].message);
    return true;
}

void import_fixed_values(struct importer *im, struct record *rec, bool *given)
{
    for (size_t k = 0; k < im->o->nfixed; k++) {
        rec->v[im->fixed_field[k]] = im->fixed_val[k];
        given[im->fixed_field[k]] = true;
    }
}

/* Rows' memory is given back in batches: a malloc and free per row showed in profiles. */
void import_row_done(struct importer *im)
{
    if (im->rep->rows % ROW_BATCH == 0)
        arena_release(&im->row);
    if (im->rep->rows % PROGRESS_EVERY == 0)
        progress(im);
}
