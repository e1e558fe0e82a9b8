/*
 * bench/search: the search benchmark (make bench-search; never part of make check).
 *
 *   bench_search [--db FILE] [--docs N] [--seed S] [--out FILE.md]
 *
 * 1. Generates a deterministic corpus (corpus.c) of N bilingual documents and stores it
 *    through the store's own insert path — documents and their Russian and English
 *    translations, each translation indexed by the civdesk tokenizer in the write
 *    transaction, as in production — and the same titles and bodies into a contentless
 *    FTS5 table with the plain unicode61 tokenizer, in the same database.
 * 2. Latency, same queries, same run: one-word and two-word queries of mid-frequency words
 *    (Zipf rank 100–10,000), very common words, and stop words; top 20 by bm25 (titles
 *    weigh 10) on each table — the tokenizer against unicode61 — and the whole civdesk
 *    search (search_run: the ranking cap, access joins, snippets) as an officer.
 * 3. Recall on inflected forms: for sampled words, a query in one form against every
 *    translation containing any form (known from the generator); and Russian surnames
 *    typed in Latin letters against the texts that name them in either script.
 *
 * Prints a Markdown section (and writes it to --out).
 */
#define _GNU_SOURCE
#include "corpus.h"
#include "domain/domain.h"
#include "search/search.h"
#include "store/db_sqlite.h"
#include "store/internal.h"
#include "store/search_index.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define BATCH          2000
#define TRACKED        100 /* words per recall category */
#define MID_QUERIES    200 /* per mid-frequency set */
#define COMMON_QUERIES 30
#define REPEATS        3 /* timed runs of each mid-frequency query */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The calling thread's CPU time: what a query costs, whatever else the machine runs. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fail(const char *what, sqlite3 *db)
{
    die("bench: %s: %s", what, db ? sqlite3_errmsg(db) : "");
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die("bench: %s: %s", sql, msg ? msg : "?");
}

/* ---- a small deterministic RNG for sampling queries --------------------------------- */

static uint64_t rs = 0x2545F4914F6CDD1DULL;
static uint32_t pick(uint32_t n)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return (uint32_t)(((rs * 2685821657736338717ULL) >> 11) % n);
}

/* A rank between lo and hi, uniform on a log scale. */
static int log_rank(int lo, int hi)
{
    double u = (double)pick(1000000) / 1e6;
    return (int)exp(log(lo) + u * (log(hi) - log(lo)));
}

/* ---- id sets ------------------------------------------------------------------------ */

struct ids {
    int64_t *v;
    size_t n, cap;
};

static void ids_add(struct ids *s, int64_t id)
{
    if (s->n && s->v[s->n - 1] == id)
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (!s->v)
            die("out of memory");
    }
    s->v[s->n++] = id;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void ids_sort(struct ids *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!k || s->v[k - 1] != s->v[i])
            s->v[k++] = s->v[i];
    s->n = k;
}

static size_t ids_common(const struct ids *a, const struct ids *b)
{
    size_t i = 0, k = 0, n = 0;
    while (i < a->n && k < b->n) {
        if (a->v[i] == b->v[k])
            n++, i++, k++;
        else if (a->v[i] < b->v[k])
            i++;
        else
            k++;
    }
    return n;
}

/* ---- loading ------------------------------------------------------------------------ */

static void set(struct record *rec, const char *field, const char *text, size_t n, struct arena *a)
{
    int i = resource_field_index(rec->res, field);
    const char *why;
    if (i < 0 ||
        value_from_text(&rec->res->fields[i], (struct str){text, n}, a, &rec->v[i], &why) < 0)
        die("bench: %s.%s: cannot set", rec->res->name, field);
}

struct load {
    double civ_ms, u61_ms, docs_ms;
    struct ids *gt; /* ground truth per tracked lemma */
    int *track;     /* lemma → index in gt, or -1 */
    int pairs[MID_QUERIES][2];
    int npairs;
};

static void load(struct store *s, struct corpus *c, long docs, struct load *ld)
{
    const struct resource *res_doc = resource_find(STR("documents"));
    const struct resource *res_tr = resource_find(STR("document_translations"));
    if (!res_doc || !res_tr)
        die("bench: this build declares no documents/translations");
    sqlite3_stmt *u61;
    if (sqlite3_prepare_v2(db_sqlite_handle(s->writer.db),
                           "INSERT INTO bench_u61(rowid,title,body) VALUES(?,?,?)", -1, &u61,
                           NULL) != SQLITE_OK)
        fail("prepare", db_sqlite_handle(s->writer.db));
    struct corpus_doc d = {0};
    long every = docs / MID_QUERIES > 0 ? docs / MID_QUERIES : 1;
    for (long done = 0; done < docs;) {
        struct store_tx *tx;
        if (store_write_begin(s, &tx) < 0)
            die("bench: begin failed");
        struct arena a = ARENA_INIT;
        long end = done + BATCH < docs ? done + BATCH : docs;
        for (; done < end; done++) {
            corpus_next(c, &d);
            struct error err = ERROR_INIT;
            struct record *doc = record_new(res_doc, &a);
            set(doc, "kind", "statement", 9, &a);
            set(doc, "published", "true", 4, &a);
            double t0 = now_ms();
            if (store_insert(tx, doc, &err) < 0)
                die("bench: document: %s", err.msg);
            ld->docs_ms += now_ms() - t0;
            char docid[24];
            int dn = snprintf(docid, sizeof(docid), "%lld", (long long)doc->id);
            for (int lang = 0; lang < 2; lang++) {
                struct corpus_text *t = &d.t[lang];
                struct record *tr = record_new(res_tr, &a);
                set(tr, "document_id", docid, (size_t)dn, &a);
                set(tr, "lang", lang == CORPUS_RU ? "ru" : "en", 2, &a);
                set(tr, "title", t->title.p, t->title.n, &a);
                set(tr, "body", t->body.p, t->body.n, &a);
                t0 = now_ms();
                if (store_insert(tx, tr, &err) < 0)
                    die("bench: translation: %s", err.msg);
                double t1 = now_ms();
                sqlite3_bind_int64(u61, 1, tr->id);
                sqlite3_bind_text(u61, 2, t->title.p, (int)t->title.n, SQLITE_STATIC);
                sqlite3_bind_text(u61, 3, t->body.p, (int)t->body.n, SQLITE_STATIC);
                if (sqlite3_step(u61) != SQLITE_DONE)
                    fail("unicode61 insert", db_sqlite_handle(s->writer.db));
                sqlite3_reset(u61);
                ld->civ_ms += t1 - t0;
                ld->u61_ms += now_ms() - t1;
                for (size_t k = 0; k < t->nlemmas; k++)
                    if (ld->track[t->lemmas[k]] >= 0)
                        ids_add(&ld->gt[ld->track[t->lemmas[k]]], tr->id);
            }
            /* Two-word queries: two mid-frequency words of one real document. */
            if (done % every == 0 && ld->npairs < MID_QUERIES) {
                const struct corpus_text *t = &d.t[ld->npairs % 2];
                int got = 0, w[2] = {-1, -1};
                for (size_t k = 0; k < t->nlemmas && got < 2; k++) {
                    int r = corpus_lemma_rank(c, t->lemmas[k]);
                    if (r >= 100 && r <= 10000 && t->lemmas[k] != w[0])
                        w[got++] = t->lemmas[k];
                }
                if (got == 2) {
                    ld->pairs[ld->npairs][0] = w[0];
                    ld->pairs[ld->npairs][1] = w[1];
                    ld->npairs++;
                }
            }
        }
        struct error err = ERROR_INIT;
        if (store_write_commit(tx, &err) < 0)
            die("bench: commit: %s", err.msg);
        arena_release(&a);
        if (done % (docs / 10 > 0 ? docs / 10 : 1) == 0 || done == docs)
            fprintf(stderr, "bench-search: %ld/%ld documents\n", done, docs);
    }
    sqlite3_finalize(u61);
    corpus_doc_release(&d);
}

/* ---- queries ------------------------------------------------------------------------ */

/* A random form of lemma l (not the first, if other forms exist and skip_base). For a
 * name: one of its Cyrillic forms (its Latin spellings are asked for separately). */
static char *form_of(struct corpus *c, int l, bool skip_base)
{
    struct buf b = BUF_INIT;
    corpus_lemma_forms(c, l, &b);
    const char *lines[64];
    int n = 0;
    for (char *p = b.p; p && n < 64;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (!corpus_lemma_is_name(c, l) || (unsigned char)p[0] >= 0x80)
            lines[n++] = p;
        p = nl ? nl + 1 : NULL;
    }
    int want = skip_base && n > 1 ? 1 + (int)pick((uint32_t)n - 1) : (int)pick((uint32_t)n);
    char *out = strdup(lines[want]);
    buf_release(&b);
    return out;
}

enum engine { E_U61, E_CIV, E_RUN, E_ANON, E_COUNT };

struct qset {
    const char *name;
    char **q;
    size_t n;
    int repeats;
    double *t[E_COUNT], *wall[E_COUNT];
    size_t nt[E_COUNT];
    int64_t matches[2][MID_QUERIES]; /* per query: u61, civ */
};

static const char *const topk_sql[] = {
    "SELECT rowid FROM bench_u61 WHERE bench_u61 MATCH ?1 ORDER BY bm25(bench_u61, 10.0, 1.0) "
    "LIMIT 20",
    "SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 ORDER BY bm25(search_fts, 10.0, "
    "1.0, 0.0) LIMIT 20"};
static const char *const count_sql[] = {
    "SELECT count(*) FROM bench_u61 WHERE bench_u61 MATCH ?1",
    "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?1"};

static int64_t run_sql(sqlite3 *db, const char *sql, const char *expr)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail(sql, db);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    int64_t n = 0, last = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        last = sqlite3_column_int64(st, 0);
    }
    if (rc != SQLITE_DONE)
        fail(expr, db);
    sqlite3_finalize(st);
    return strstr(sql, "count(") ? last : n;
}

static double one(struct store *s, enum engine e, const char *q, double *wall)
{
    struct store_conn *c = store_reader(s);
    struct arena a = ARENA_INIT;
    struct search_query sq;
    struct error err;
    double w0 = now_ms(), t0 = cpu_ms();
    if (e == E_RUN || e == E_ANON) {
        struct search_request rq = {
            .q = str_from(q),
            .limit = 20,
            .scope = e == E_RUN ? SEARCH_SEE_ALL : SEARCH_SEE_PUBLIC,
            .style = {.open = "<mark>", .close = "</mark>", .html = true, .words = 24}};
        struct search_result res;
        store_read_begin(c);
        if (search_run(c, &rq, &a, &res, &err) < 0)
            die("bench: search '%s': %s", q, err.msg);
        store_read_end(c);
    } else {
        if (search_parse(str_from(q), &sq, &err) < 0)
            die("bench: query '%s': %s", q, err.msg);
        run_sql(db_sqlite_handle(c->db), topk_sql[e], search_fts_expr(&sq, &a));
    }
    double t = cpu_ms() - t0;
    *wall = now_ms() - w0;
    arena_release(&a);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)ceil(p * (double)n);
    return v[i ? i - 1 : 0];
}

static void measure(struct store *s, struct qset *qs)
{
    struct store_conn *c = store_reader(s);
    for (size_t i = 0; i < qs->n && i < MID_QUERIES; i++) {
        struct search_query sq;
        struct error err;
        struct arena a = ARENA_INIT;
        if (search_parse(str_from(qs->q[i]), &sq, &err) < 0)
            die("bench: '%s': %s", qs->q[i], err.msg);
        const char *expr = search_fts_expr(&sq, &a);
        qs->matches[0][i] = run_sql(db_sqlite_handle(c->db), count_sql[0], expr);
        qs->matches[1][i] = run_sql(db_sqlite_handle(c->db), count_sql[1], expr);
        arena_release(&a);
    }
    for (int e = 0; e < E_COUNT; e++) {
        qs->t[e] = calloc(qs->n * (size_t)qs->repeats, sizeof(double));
        qs->wall[e] = calloc(qs->n * (size_t)qs->repeats, sizeof(double));
        double w;
        for (size_t i = 0; i < qs->n; i++) /* warm-up */
            one(s, (enum engine)e, qs->q[i], &w);
        for (int r = 0; r < qs->repeats; r++)
            for (size_t i = 0; i < qs->n; i++) {
                qs->t[e][qs->nt[e]] = one(s, (enum engine)e, qs->q[i], &w);
                qs->wall[e][qs->nt[e]++] = w;
            }
    }
}

/* ---- recall ------------------------------------------------------------------------- */

struct recall {
    const char *name;
    double recall[2], precision[2]; /* u61, civ: mean over queries */
    int queries;
    char example[200];
};

static void found(sqlite3 *db, bool civ, const char *q, struct ids *out)
{
    struct search_query sq;
    struct error err;
    struct arena a = ARENA_INIT;
    out->n = 0;
    if (search_parse(str_from(q), &sq, &err) < 0)
        die("bench: '%s': %s", q, err.msg);
    sqlite3_stmt *st;
    const char *sql = civ ? "SELECT e.record_id FROM search_fts JOIN search_entry e "
                            "ON e.id=search_fts.rowid WHERE search_fts MATCH ?1"
                          : "SELECT rowid FROM bench_u61 WHERE bench_u61 MATCH ?1";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail(sql, db);
    sqlite3_bind_text(st, 1, search_fts_expr(&sq, &a), -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        ids_add(out, sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    arena_release(&a);
    ids_sort(out);
}

static void recall_of(struct store *s, struct corpus *c, struct load *ld, const int *lemmas,
                      size_t n, int kind, struct recall *r)
{
    sqlite3 *db = db_sqlite_handle(store_reader(s)->db);
    struct ids got = {0};
    for (size_t i = 0; i < n; i++) {
        struct ids *rel = &ld->gt[ld->track[lemmas[i]]];
        ids_sort(rel);
        if (!rel->n)
            continue;
        char *q = kind == 1 ? strdup(corpus_name_latin(c, lemmas[i])) : form_of(c, lemmas[i], true);
        if (!r->example[0])
            snprintf(r->example, sizeof(r->example), "%s", q);
        for (int civ = 0; civ < 2; civ++) {
            found(db, civ, q, &got);
            size_t hit = ids_common(&got, rel);
            r->recall[civ] += (double)hit / (double)rel->n;
            r->precision[civ] += got.n ? (double)hit / (double)got.n : 1.0;
        }
        r->queries++;
        free(q);
    }
    for (int civ = 0; civ < 2; civ++) {
        r->recall[civ] /= r->queries ? r->queries : 1;
        r->precision[civ] /= r->queries ? r->queries : 1;
    }
    free(got.v);
}

/* ---- main --------------------------------------------------------------------------- */

static int64_t table_bytes(sqlite3 *db, const char *prefix)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?1 || '%'", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

static int64_t median_i64(int64_t *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof(*v), cmp_i64);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    const char *path = "build-bench/search.db", *out = NULL;
    long docs = 200000;
    uint64_t seed = 20161213;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--db"))
            path = argv[i + 1];
        else if (!strcmp(argv[i], "--docs"))
            docs = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--out"))
            out = argv[i + 1];
        else
            die("usage: bench_search [--db FILE] [--docs N] [--seed S] [--out FILE.md]");
    }
    if (docs < 100)
        die("bench: --docs must be at least 100");
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        char p[512];
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
    if (auth_init() < 0)
        die("libsodium");
    struct store *s;
    struct error err = ERROR_INIT;
    if (store_open(&s, path, STORE_OPEN_INIT, &err) < 0)
        die("bench: %s", err.msg);
    exec_sql(db_sqlite_handle(s->writer.db),
             "CREATE VIRTUAL TABLE bench_u61 USING fts5(title, body, "
             "content='', tokenize='unicode61 remove_diacritics 2')");

    struct corpus *c = corpus_new(seed);
    struct load ld = {0};
    int nl = corpus_lemmas(c);
    ld.track = malloc((size_t)nl * sizeof(int));
    ld.gt = calloc(3 * TRACKED, sizeof(struct ids));
    if (!ld.track || !ld.gt)
        die("out of memory");
    for (int i = 0; i < nl; i++)
        ld.track[i] = -1;
    /* The words whose every occurrence is recorded: Russian, English, names. */
    int tracked[3][TRACKED];
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < TRACKED; i++) {
            int l;
            do {
                if (k == 2) {
                    int rank = log_rank(1, 2000);
                    l = nl - 2000 + rank - 1;
                } else {
                    l = corpus_lemma_at(c, k == 0 ? CORPUS_RU : CORPUS_EN, log_rank(100, 10000));
                }
            } while (ld.track[l] >= 0);
            ld.track[l] = k * TRACKED + i;
            tracked[k][i] = l;
        }
    }

    double t0 = now_ms();
    load(s, c, docs, &ld);
    double load_ms = now_ms() - t0;
    t0 = now_ms();
    exec_sql(db_sqlite_handle(s->writer.db),
             "INSERT INTO search_fts(search_fts) VALUES('optimize')");
    double opt_civ = now_ms() - t0;
    t0 = now_ms();
    exec_sql(db_sqlite_handle(s->writer.db), "INSERT INTO bench_u61(bench_u61) VALUES('optimize')");
    double opt_u61 = now_ms() - t0;
    int64_t size_civ = table_bytes(db_sqlite_handle(s->writer.db), "search_fts");
    int64_t size_u61 = table_bytes(db_sqlite_handle(s->writer.db), "bench_u61");
    fprintf(stderr, "bench-search: loaded in %.0f s; measuring\n", load_ms / 1000);

    /* Query sets. */
    struct qset sets[4] = {{.name = "one word, rank 100–10,000", .repeats = REPEATS},
                           {.name = "two words, rank 100–10,000", .repeats = REPEATS},
                           {.name = "one very common word (rank 1–100)", .repeats = 1},
                           {.name = "one stop word (и, the, ...)", .repeats = 1}};
    for (int k = 0; k < 4; k++)
        sets[k].q = calloc(MID_QUERIES, sizeof(char *));
    for (int i = 0; i < MID_QUERIES; i++) {
        int l = corpus_lemma_at(c, i % 2 ? CORPUS_EN : CORPUS_RU, log_rank(100, 10000));
        sets[0].q[sets[0].n++] = form_of(c, l, false);
    }
    for (int i = 0; i < ld.npairs; i++) {
        char *a = form_of(c, ld.pairs[i][0], false), *b = form_of(c, ld.pairs[i][1], false);
        if (asprintf(&sets[1].q[sets[1].n++], "%s %s", a, b) < 0)
            die("out of memory");
        free(a);
        free(b);
    }
    for (int i = 0; i < COMMON_QUERIES; i++)
        sets[2].q[sets[2].n++] = form_of(
            c, corpus_lemma_at(c, i % 2 ? CORPUS_EN : CORPUS_RU, 1 + (int)pick(100)), false);
    for (int lang = 0; lang < 2; lang++) {
        const char *const *fw;
        corpus_function_words((enum corpus_lang)lang, &fw);
        for (int i = 0; i < 5; i++)
            sets[3].q[sets[3].n++] = strdup(fw[i]);
    }
    for (int k = 0; k < 4; k++) {
        fprintf(stderr, "bench-search: %s\n", sets[k].name);
        measure(s, &sets[k]);
    }

    struct recall rec[4] = {{.name = "Russian word, another form"},
                            {.name = "English word, another form"},
                            {.name = "Russian surname typed in Latin letters"},
                            {.name = "Russian surname, another case"}};
    recall_of(s, c, &ld, tracked[0], TRACKED, 0, &rec[0]);
    recall_of(s, c, &ld, tracked[1], TRACKED, 0, &rec[1]);
    recall_of(s, c, &ld, tracked[2], TRACKED, 1, &rec[2]);
    recall_of(s, c, &ld, tracked[2], TRACKED, 0, &rec[3]);

    /* Report. */
    struct buf md = BUF_INIT;
    struct utsname un;
    uname(&un);
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&now));
    buf_printf(&md, "Measured %s on %s (%ld CPUs), SQLite %s, `make bench-search` (seed %llu).\n\n",
               when, un.machine, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion(),
               (unsigned long long)seed);
    buf_printf(&md,
               "Corpus: %ld documents, each with a Russian and an English translation (%ld "
               "indexed texts, about 300 words per document), words by Zipf's law from 40,000 "
               "Russian and 40,000 English inflecting words, 40%% function words, 2,000 "
               "Russian surnames (Cyrillic in Russian text, Latin in English).\n\n",
               docs, docs * 2);
    buf_printf(&md, "| index | build (insert) | optimize | size |\n|---|---|---|---|\n");
    buf_printf(&md, "| unicode61 (contentless) | %.0f s | %.1f s | %.0f MB |\n", ld.u61_ms / 1e3,
               opt_u61 / 1e3, (double)size_u61 / 1e6);
    buf_printf(&md,
               "| civdesk tokenizer (contentless; row + index + access tables, through "
               "store_insert) | %.0f s | %.1f s | %.0f MB |\n\n",
               ld.civ_ms / 1e3, opt_civ / 1e3, (double)size_civ / 1e6);
    buf_printf(&md,
               "Latency, ms of CPU time of the querying thread (the machine is shared: wall "
               "time is in the last column), same queries in the same run, %d timed runs of "
               "each mid-frequency query after a warm-up, one of each common one. "
               "\"unicode61\" and \"civdesk tokenizer\": `SELECT rowid ... MATCH ? ORDER BY "
               "bm25(t, 10, 1) LIMIT 20` on each table. \"civdesk search\": the whole of "
               "GET /api/v1/search but HTTP (search_run: common words dropped, newest %d "
               "matches ranked, one result per document, titles and snippets), as an officer "
               "and as anonymous (visibility filter):\n\n",
               REPEATS, SEARCH_SCORE_CAP);
    buf_printf(&md, "| queries | n | matches u61 / civdesk (median) | unicode61 p50 / p99 | "
                    "civdesk tokenizer p50 / p99 | ratio p50 | civdesk search p50 / p99 | "
                    "anonymous p50 / p99 | search wall p50 / p99 |\n"
                    "|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < 4; k++) {
        struct qset *q = &sets[k];
        int64_t mu[MID_QUERIES], mc[MID_QUERIES];
        memcpy(mu, q->matches[0], sizeof(mu));
        memcpy(mc, q->matches[1], sizeof(mc));
        double p50[E_COUNT], p99[E_COUNT];
        for (int e = 0; e < E_COUNT; e++) {
            p50[e] = pct(q->t[e], q->nt[e], 0.50);
            p99[e] = pct(q->t[e], q->nt[e], 0.99);
        }
        buf_printf(&md,
                   "| %s | %zu | %lld / %lld | %.2f / %.2f | %.2f / %.2f | %.2f | %.2f / %.2f | "
                   "%.2f / %.2f | %.2f / %.2f |\n",
                   q->name, q->n, (long long)median_i64(mu, q->n), (long long)median_i64(mc, q->n),
                   p50[E_U61], p99[E_U61], p50[E_CIV], p99[E_CIV],
                   p50[E_U61] > 0 ? p50[E_CIV] / p50[E_U61] : 0, p50[E_RUN], p99[E_RUN],
                   p50[E_ANON], p99[E_ANON], pct(q->wall[E_RUN], q->nt[E_RUN], 0.50),
                   pct(q->wall[E_RUN], q->nt[E_RUN], 0.99));
    }
    buf_printf(&md,
               "\nRecall (share of the texts containing the word in any form that the "
               "query finds) and precision, mean over %d queries each:\n\n",
               TRACKED);
    buf_printf(&md, "| query | example | unicode61 recall | civdesk recall | unicode61 precision "
                    "| civdesk precision |\n|---|---|---|---|---|---|\n");
    for (int k = 0; k < 4; k++)
        buf_printf(&md, "| %s | %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", rec[k].name,
                   rec[k].example, 100 * rec[k].recall[0], 100 * rec[k].recall[1],
                   100 * rec[k].precision[0], 100 * rec[k].precision[1]);
    fputs(md.p, stdout);
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f)
            die("bench: cannot write %s", out);
        fputs(md.p, f);
        fclose(f);
    }
    buf_release(&md);
    store_close(s);
    corpus_free(c);
    return 0;
}
