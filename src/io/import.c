/*
 * Imports: CSV (and JSON) rows into any declared resource, in one write transaction.
 *
 * Each row becomes a record through the declaration (value_from_text per cell, or
 * record_from_json per JSON object), then goes through domain_insert_tx — references,
 * the resource's validate and check_conflict hooks, the insert and its audit entry —
 * exactly as an API create does. A row that fails is listed with its line; by default
 * one failure rolls the whole import back.
 */
#define _GNU_SOURCE
#include "io/internal.h"
#include "core/limits.h"
#include "domain/domain.h"
#include "json/json.h"
#include "search/search.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READ_CHUNK          (256 * 1024)
#define PROGRESS_EVERY      512    /* rows between progress callbacks */
#define ROW_BATCH           64     /* rows whose memory is released together */
#define BYTES_PER_ROW_GUESS 100    /* to size the duplicate index from the file's size */
#define REJECTS_FLUSH       65536  /* bytes of rejects buffered before writing */
#define COL_IGNORED         (-1)   /* a column that is read but not imported (id, version, ...) */
#define IMPORT_CACHE_KIB    65536  /* page cache of the import's transaction: 64 MiB */
#define IMPORT_SORT_KIB     16384  /* ... while its indexes are built again (SQLite's sorter
                                    * takes as much again per thread): 16 MiB */
#define HASH_RING           4      /* chunks read ahead of the hashing thread, at most */
#define INDEX_ASIDE_MIN     50000  /* rows imported before a table's indexes are set aside */

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

/*
 * The input's SHA-256 (for the audit entry), computed on a thread of its own: it is about
 * a twentieth of an import's work and needs nothing but the bytes, so it runs beside the
 * parsing on another core. The reader fills the chunks of a small ring and hands each one
 * over; it waits only when the hasher is HASH_RING chunks behind. Without a thread (if
 * one cannot be started) the chunks are hashed as they are handed over.
 */
struct hasher {
    pthread_t thread;
    bool threaded, started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    crypto_hash_sha256_state sha;
    char *chunk[HASH_RING]; /* owned, READ_CHUNK bytes each */
    size_t len[HASH_RING];
    size_t given, hashed; /* chunks handed over, chunks hashed (counting up) */
    bool eof;             /* no more chunks */
};

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

static void hasher_start(struct hasher *h)
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
static char *hasher_chunk(struct hasher *h)
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
static void hasher_give(struct hasher *h, size_t n)
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

struct importer {
    const struct io_import_opts *o;
    const struct resource *res;
    struct io_report *rep;
    struct store_tx *tx;
    struct store_conn *conn; /* the transaction's */
    struct dup_index dups;
    struct arena keep;  /* lives for the whole import: header, fixed values */
    struct arena row;   /* one row's values and messages; released after each row */
    struct errors errs; /* the current row's problems */
    int fixed_field[4];
    struct value fixed_val[4];
    struct error *err;
    int fatal;          /* a failure that is not a row's fault; err says what */
    int64_t old_cache;  /* the writer's page cache setting before the import */
    struct hasher hash; /* of the input, for the audit entry */
    unsigned char sha256[crypto_hash_sha256_BYTES]; /* its digest, once read to the end */
    const char *format;                             /* "csv" | "json" */
    int64_t first_id, last_id;                      /* ids of the records created */
    double t0;
    int64_t bytes, total;
    int64_t indexed, to_index;   /* records indexed for search at the end, of how many */
    struct store_indexes *aside; /* the table's indexes set aside, to build again */
    int64_t aside_at;            /* rows imported at which to set them aside; -1: never */
    /* CSV */
    bool have_header;
    size_t ncols;
    int *col;           /* field index per column, or COL_IGNORED */
    struct str *header; /* the header's cells as read, for the rejects file */
    char delim;
    /* rejects */
    struct buf out; /* text waiting to be written to o->rejects */
    size_t nrejects;
};

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

static void file_issue(struct importer *im, size_t line, const char *field, const char *msg)
{
    add_issue(im->rep, &im->rep->errors, &im->rep->nerrors, &im->rep->errors_total, line, field,
              msg);
}

static int fatal(struct importer *im, int rc)
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

static bool is_meta(const char *name)
{
    static const char *const meta[] = {"id", "created_at", "updated_at", "version"};
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++)
        if (strcmp(name, meta[i]) == 0)
            return true;
    return false;
}

/* Fields a file may name but whose values are the server's: read-only ones and the state
 * of a state machine (changed only through transitions). */
static bool is_server_field(const struct resource *res, int fi)
{
    const struct field *f = &res->fields[fi];
    return (f->flags & F_READONLY) || (res->state_field && !strcmp(res->state_field, f->name));
}

static int fixed_index(const struct importer *im, int fi)
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

static int begin(struct importer *im, struct store *s, const struct io_import_opts *o, int64_t size,
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
            file_issue(im, 0, fx->field, why);
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

static int flush_rejects(struct importer *im)
{
    if (!im->o->rejects || !im->out.n)
        return 0;
    size_t n = fwrite(im->out.p, 1, im->out.n, im->o->rejects);
    bool ok = n == im->out.n;
    buf_reset(&im->out);
    if (!ok) {
        error_set(im->err, "could not write the rejects file: %s", strerror(errno));
        return fatal(im, STORE_ERROR);
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
static int end(struct importer *im, int rc)
{
    struct io_report *rep = im->rep;
    hasher_finish(&im->hash, im->sha256);
    dup_index_release(&im->dups); /* the rows are read: 64 MiB a million back before the sorts */
    if (rc == 0 && im->fatal)
        rc = im->fatal;
    if (rc == 0 && flush_rejects(im) < 0)
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
        return fatal(im, rc);
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
static int write_row(struct importer *im, size_t line, struct record *rec, const bool *given)
{
    const struct resource *res = im->res;
    struct io_report *rep = im->rep;
    struct dup_match m;
    int found = dup_find(&im->dups, im->conn, rec, &im->row, &m);
    if (found < 0) {
        error_set(im->err, "could not read the stored %s to look for duplicates", res->name);
        return fatal(im, found);
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
            return fatal(im, STORE_ERROR);
        }
    }
    dup_add(&im->dups, rec, line, &im->row);
    return 0;
}

/* The row's errors as one line: "field: message; message". */
static const char *errors_text(const struct errors *e, struct arena *a)
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
static bool settle_row(struct importer *im, size_t line)
{
    if (!im->errs.n)
        return false;
    im->rep->invalid++;
    for (size_t i = 0; i < im->errs.n; i++)
        file_issue(im, line, im->errs.items[i].field, im->errs.items[i].message);
    return true;
}

static void fixed_values(struct importer *im, struct record *rec, bool *given)
{
    for (size_t k = 0; k < im->o->nfixed; k++) {
        rec->v[im->fixed_field[k]] = im->fixed_val[k];
        given[im->fixed_field[k]] = true;
    }
}

/* Rows' memory is given back in batches: a malloc and free per row showed in profiles. */
static void row_done(struct importer *im)
{
    if (im->rep->rows % ROW_BATCH == 0)
        arena_release(&im->row);
    if (im->rep->rows % PROGRESS_EVERY == 0)
        progress(im);
}

/* ---- CSV ---------------------------------------------------------------------------- */

static struct str trim(struct str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' ||
                   s.p[s.n - 1] == '\n'))
        s.n--;
    return s;
}

static void header_issue(struct importer *im, size_t line, const char *field, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
static void header_issue(struct importer *im, size_t line, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    file_issue(im, line, field, b.p);
    buf_release(&b);
}

static const char *field_names(const struct resource *res, struct arena *a)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & F_HIDDEN)
            continue;
        if (b.n)
            buf_puts(&b, ", ");
        buf_puts(&b, res->fields[i].name);
    }
    char *s = arena_strndup(a, b.p ? b.p : "", b.n);
    buf_release(&b);
    return s;
}

/* Maps the header's names to fields. Every problem is listed; any makes the file invalid. */
static int csv_header(struct importer *im, size_t line, const struct str *cells, size_t n)
{
    const struct resource *res = im->res;
    im->have_header = true;
    im->ncols = n;
    im->col = arena_alloc(&im->keep, n * sizeof(*im->col));
    im->header = arena_alloc(&im->keep, n * sizeof(*im->header));
    bool *seen = arena_zalloc(&im->keep, res->nfields);
    size_t before = im->rep->errors_total;
    for (size_t c = 0; c < n; c++) {
        im->header[c] = (struct str){arena_strndup(&im->keep, cells[c].p, cells[c].n), cells[c].n};
        im->col[c] = COL_IGNORED;
        struct str name = trim(cells[c]);
        if (!utf8_valid(name.p, name.n)) {
            header_issue(im, line, "", "column %zu: the name is not valid UTF-8", c + 1);
            continue;
        }
        if (name.n == 0) {
            header_issue(im, line, "", "column %zu has no name", c + 1);
            continue;
        }
        const char *cname = arena_strndup(&im->keep, name.p, name.n);
        int fi = resource_field_index(res, cname);
        if (fi >= 0 && !(res->fields[fi].flags & F_HIDDEN)) {
            if (seen[fi])
                header_issue(im, line, cname, "is given in two columns");
            else if (fixed_index(im, fi) >= 0)
                header_issue(im, line, cname,
                             "is given both as a column and as an option; drop one of them");
            else if (!is_server_field(res, fi))
                im->col[c] = fi;
            seen[fi] = true;
        } else if (!is_meta(cname) && !(c == n - 1 && strcmp(cname, "error") == 0)) {
            header_issue(im, line, cname, "is not a field of %s (its fields: %s)", res->singular,
                         field_names(res, &im->row));
        }
    }
    for (size_t i = 0; i < res->nfields; i++)
        if ((res->fields[i].flags & F_REQUIRED) && !seen[i] && fixed_index(im, (int)i) < 0 &&
            !is_server_field(res, (int)i))
            header_issue(im, line, res->fields[i].name, "is required: the header needs it");
    arena_release(&im->row);
    return im->rep->errors_total > before ? IO_INVALID : 0;
}

/* One cell into rec->v[fi], or an error for the field. */
static void csv_cell(struct importer *im, struct record *rec, int fi, struct str cell)
{
    const struct field *f = &im->res->fields[fi];
    struct str t = csv_unneutralise(trim(cell));
    struct value v;
    const char *why = NULL;
    if (t.n == 0) {
        if (f->flags & F_REQUIRED)
            errors_add(&im->errs, f->name, "is required");
        else
            rec->v[fi] = f->type == FT_BOOL ? (struct value){.i = 0} : (struct value){.null = true};
        return;
    }
    if (f->type == FT_TEXT_LIST || f->type == FT_REF_LIST) {
        io_list_from_cell(f, t, &im->row, &v, &why);
    } else if (f->type == FT_BOOL && t.n <= 5) {
        char low[6]; /* spreadsheets write TRUE / FALSE */
        for (size_t i = 0; i < t.n; i++)
            low[i] = (char)(t.p[i] >= 'A' && t.p[i] <= 'Z' ? t.p[i] + 32 : t.p[i]);
        value_from_text(f, (struct str){low, t.n}, &im->row, &v, &why);
    } else {
        value_from_text(f, t, &im->row, &v, &why);
    }
    if (why)
        errors_add(&im->errs, f->name, "%s", why);
    else
        rec->v[fi] = v;
}

static void reject_csv(struct importer *im, const struct str *cells, size_t n)
{
    if (!im->o->rejects)
        return;
    if (!im->nrejects) {
        for (size_t c = 0; c < im->ncols; c++) {
            csv_put_cell(&im->out, im->header[c].p, im->header[c].n, im->delim);
            buf_putc(&im->out, im->delim);
        }
        buf_puts(&im->out, "error\r\n");
    }
    im->nrejects++;
    for (size_t c = 0; c < n; c++) {
        csv_put_cell(&im->out, cells[c].p, cells[c].n, im->delim);
        buf_putc(&im->out, im->delim);
    }
    for (size_t c = n; c < im->ncols; c++) /* a short row: keep the error in its column */
        buf_putc(&im->out, im->delim);
    const char *text = errors_text(&im->errs, &im->row);
    csv_put_cell(&im->out, text, strlen(text), im->delim);
    buf_puts(&im->out, "\r\n");
    if (im->out.n > REJECTS_FLUSH)
        flush_rejects(im);
}

struct csv_ctx {
    struct importer *im;
    struct csv_reader *reader;
};

static int on_csv_row(void *arg, size_t line, const struct str *cells, size_t n)
{
    struct csv_ctx *cx = arg;
    struct importer *im = cx->im;
    const struct resource *res = im->res;
    if (!im->have_header) {
        im->delim = csv_reader_delim(cx->reader);
        return csv_header(im, line, cells, n);
    }
    size_t last = 0; /* cells up to the last non-empty one */
    for (size_t c = 0; c < n; c++)
        if (trim(cells[c]).n)
            last = c + 1;
    if (!last)
        return 0; /* an empty row, as spreadsheets leave at the end */
    im->rep->rows++;
    errors_init(&im->errs, &im->row);
    struct record *rec = record_new(res, &im->row);
    bool *given = arena_zalloc(&im->row, res->nfields);
    if (n < im->ncols || last > im->ncols) {
        errors_add(&im->errs, "", "has %zu cells where the header has %zu", n, im->ncols);
    } else {
        for (size_t c = 0; c < im->ncols; c++) {
            int fi = im->col[c];
            if (fi == COL_IGNORED)
                continue;
            given[fi] = true;
            csv_cell(im, rec, fi, cells[c]);
        }
        fixed_values(im, rec, given);
    }
    int rc = 0;
    if (!im->errs.n) {
        domain_initial_state(rec);
        rc = write_row(im, line, rec, given);
        if (rc < 0)
            return rc;
    }
    if (settle_row(im, line) && im->o->skip_invalid)
        reject_csv(im, cells, n);
    row_done(im);
    return im->fatal;
}

/* Lines of a file that can be read twice (a regular file, an upload in memory), read from
 * where it stands and rewound there: at least its rows, for sizing the duplicate index.
 * -1 when it cannot be rewound (a pipe) or read. */
static int64_t lines_ahead(FILE *in)
{
    off_t at = ftello(in);
    if (at < 0)
        return -1;
    char *block = malloc(READ_CHUNK);
    if (!block)
        die("out of memory");
    int64_t lines = 1;
    size_t got;
    while ((got = fread(block, 1, READ_CHUNK, in)) > 0)
        for (const char *p = block; (p = memchr(p, '\n', (size_t)(block + got - p))); p++)
            lines++;
    free(block);
    bool ok = !ferror(in);
    clearerr(in);
    if (fseeko(in, at, SEEK_SET) != 0)
        return -2; /* cannot happen for a file ftello answered; the caller refuses the file */
    return ok ? lines : -1;
}

int io_import_csv(struct store *s, const struct io_import_opts *o, FILE *in, int64_t size,
                  struct io_report *rep, struct error *err)
{
    struct importer im;
    int64_t rows = lines_ahead(in);
    int rc = begin(&im, s, o, size, rows, rep, err);
    im.format = "csv";
    if (rc == 0 && rows == -2) {
        error_set(err, "could not read the file again: %s", strerror(errno));
        rc = fatal(&im, STORE_ERROR);
    }
    if (rc < 0)
        return end(&im, rc);
    struct csv_ctx cx = {.im = &im};
    cx.reader = csv_reader_new(on_csv_row, &cx);
    hasher_start(&im.hash);
    struct error perr = ERROR_INIT;
    for (;;) {
        char *chunk = hasher_chunk(&im.hash);
        size_t got = fread(chunk, 1, READ_CHUNK, in);
        im.bytes += (int64_t)got;
        hasher_give(&im.hash, got);
        if (got && (rc = csv_reader_feed(cx.reader, chunk, got, &perr)))
            break;
        if (got < READ_CHUNK) {
            if (ferror(in)) {
                error_set(err, "could not read the file: %s", strerror(errno));
                rc = fatal(&im, STORE_ERROR);
            }
            break;
        }
    }
    if (rc == 0)
        rc = csv_reader_finish(cx.reader, &perr);
    if (rc == ERROR_FAILED) { /* the reader's: malformed CSV */
        file_issue(&im, csv_reader_error_line(cx.reader), "", perr.msg);
        rc = IO_INVALID;
    }
    if (rc == 0 && !im.have_header) {
        file_issue(&im, 0, "", "the file is empty: it needs a header row naming the fields");
        rc = IO_INVALID;
    }
    csv_reader_free(cx.reader);
    return end(&im, rc);
}

/* ---- JSON --------------------------------------------------------------------------- */

/* Keys the resource's computed hook writes for rec (arena-owned JSON object). */
static json_t *computed_keys(struct importer *im, const struct record *rec)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    struct hook_ctx ctx = {.who = im->o->who, .conn = im->conn, .arena = &im->row};
    im->res->computed(&ctx, rec, &w);
    jw_obj_end(&w);
    json_t *obj = json_loadb(b.p, b.n, 0, NULL);
    buf_release(&b);
    return obj;
}

static void json_item(struct importer *im, json_t *item, struct record *rec, bool *given)
{
    const struct resource *res = im->res;
    if (!json_is_object(item)) {
        errors_add(&im->errs, "", "is not a JSON object");
        return;
    }
    json_t *clean = json_object();
    json_t *extra = json_array();
    const char *key;
    json_t *val;
    json_object_foreach(item, key, val)
    {
        int fi = resource_field_index(res, key);
        if (fi >= 0 && !(res->fields[fi].flags & F_HIDDEN)) {
            if (fixed_index(im, fi) >= 0)
                errors_add(&im->errs, key, "is given both in the file and as an option");
            else if (!is_server_field(res, fi)) {
                json_object_set(clean, key, val);
                given[fi] = true;
            }
        } else if (!is_meta(key) && strcmp(key, "error") != 0) {
            json_array_append_new(extra, json_string(key));
        }
    }
    record_from_json(rec, clean, RECORD_CREATE, &im->row, &im->errs);
    fixed_values(im, rec, given);
    if (json_array_size(extra)) {
        json_t *known = !im->errs.n && res->computed ? computed_keys(im, rec) : NULL;
        size_t i;
        json_array_foreach(extra, i, val)
        {
            if (!json_object_get(known, json_string_value(val)) && (known || !res->computed))
                errors_add(&im->errs, json_string_value(val), "is not a field of %s",
                           res->singular);
        }
        json_decref(known);
    }
    json_decref(clean);
    json_decref(extra);
}

static void reject_json(struct importer *im, json_t *item)
{
    if (!im->o->rejects)
        return;
    buf_puts(&im->out, im->nrejects++ ? ",\n" : "[\n");
    json_t *copy = json_is_object(item) ? json_copy(item) : json_pack("{sO}", "item", item);
    json_object_set_new(copy, "error", json_string(errors_text(&im->errs, &im->row)));
    char *text = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text)
        buf_puts(&im->out, text);
    free(text);
    json_decref(copy);
    if (im->out.n > REJECTS_FLUSH)
        flush_rejects(im);
}

static size_t skip_space(const char **p, const char *end, size_t line)
{
    while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')) {
        if (**p == '\n')
            line++;
        (*p)++;
    }
    return line;
}

static size_t count_lines(const char *p, size_t n)
{
    size_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        k++;
    return k;
}

static int json_items(struct importer *im, const char *p, const char *end)
{
    const char *start = p;
    size_t line = 1;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    line = skip_space(&p, end, line);
    if (p == end || *p != '[') {
        file_issue(im, line, "", "expected a JSON array of objects ([ {...}, ... ])");
        return IO_INVALID;
    }
    p++;
    for (bool first = true;; first = false) {
        line = skip_space(&p, end, line);
        if (p < end && *p == ']' && first) {
            p++;
            break;
        }
        json_error_t jerr;
        json_t *item = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK, &jerr);
        if (!item) {
            file_issue(im, line + (jerr.line > 0 ? (size_t)jerr.line - 1 : 0), "",
                       arena_printf(&im->row, "malformed JSON: %s", jerr.text));
            return IO_INVALID;
        }
        size_t item_line = line;
        line += count_lines(p, (size_t)jerr.position);
        p += jerr.position;
        im->bytes = (int64_t)(p - start);
        im->rep->rows++;
        errors_init(&im->errs, &im->row);
        struct record *rec = record_new(im->res, &im->row);
        bool *given = arena_zalloc(&im->row, im->res->nfields);
        json_item(im, item, rec, given);
        int rc = 0;
        if (!im->errs.n) {
            domain_initial_state(rec);
            rc = write_row(im, item_line, rec, given);
        }
        if (rc >= 0 && settle_row(im, item_line) && im->o->skip_invalid)
            reject_json(im, item);
        json_decref(item);
        row_done(im);
        if (rc < 0 || im->fatal)
            return rc < 0 ? rc : im->fatal;
        line = skip_space(&p, end, line);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']') {
            p++;
            break;
        }
        file_issue(im, line, "", "expected , or ] after an item");
        return IO_INVALID;
    }
    line = skip_space(&p, end, line);
    if (p != end) {
        file_issue(im, line, "", "unexpected text after the array");
        return IO_INVALID;
    }
    return 0;
}

int io_import_json(struct store *s, const struct io_import_opts *o, FILE *in, int64_t size,
                   struct io_report *rep, struct error *err)
{
    struct importer im;
    int rc = begin(&im, s, o, size, -1, rep, err);
    im.format = "json";
    if (rc < 0)
        return end(&im, rc);
    struct buf data = BUF_INIT;
    hasher_start(&im.hash);
    for (;;) {
        char *chunk = hasher_chunk(&im.hash);
        size_t got = fread(chunk, 1, READ_CHUNK, in);
        if (!got)
            break;
        buf_append(&data, chunk, got);
        hasher_give(&im.hash, got);
    }
    if (ferror(in)) {
        error_set(err, "could not read the file: %s", strerror(errno));
        rc = fatal(&im, STORE_ERROR);
    } else {
        rc = json_items(&im, data.p ? data.p : "", (data.p ? data.p : "") + data.n);
    }
    if (rc == 0 && im.nrejects)
        buf_puts(&im.out, "\n]\n");
    buf_release(&data);
    return end(&im, rc);
}
