/*
 * bench/gen: a deterministic benchmark database — organisations (country sizes skewed
 * like the real world, names in Cyrillic and Latin of realistic lengths), accreditations
 * when the ledger is declared, and bilingual documents (a Russian and an English
 * translation each, title and body, from bench/search's corpus: Zipf-distributed
 * inflecting words and Russian surnames, the same seed as make bench-search) — written
 * through the store's own insert path (validation of each value by its declaration, the
 * search index and an audit entry per record), in large transactions.
 *
 *   gen --db FILE [--orgs N] [--accreditations N] [--docs N]
 *
 * Defaults are DESIGN §8's corpus: 1,000,000 organisations, 2,000,000 accreditations,
 * 200,000 documents. The same arguments give the same database, record for record
 * (creation timestamps and the audit chain's times aside).
 *
 * Values are given as text and validated with value_from_text(), so the generator
 * depends on field names only, not on the declarations' layout.
 */
#include "core/valid.h"
#include "domain/domain.h"
#include "search/corpus.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH       50000    /* organisations or accreditations per transaction */
#define DOC_BATCH   5000     /* documents per transaction: 3 records and about 4 KB of text each */
#define CORPUS_SEED 20161213 /* bench/search's seed: the same documents, word for word */

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s % n);
}

/* Countries by weight: a few large, a long tail (Zipf-like over the ISO list). */
static const char *pick_country(struct rng *r)
{
    static const char *const big[] = {"US", "IN", "GB", "FR", "RU", "DE", "NG", "KE", "BR",
                                      "IT", "CA", "PK", "CH", "ES", "BE", "NL", "JP", "CN"};
    uint32_t x = rnd(r, 100);
    if (x < 70)
        return big[rnd(r, (uint32_t)(x < 35 ? 4 : ARRAY_SIZE(big)))];
    return country_code_at(rnd(r, (uint32_t)country_count()));
}

static const char *const ru_words[] = {"Фонд",       "поддержки",   "защиты",         "прав",
                                       "человека",   "культурного", "наследия",       "народной",
                                       "дипломатии", "молодёжи",    "развития",       "гражданских",
                                       "инициатив",  "Ассоциация",  "Союз",           "журналистов",
                                       "памяти",     "мира",        "сотрудничества", "Центр"};
static const char *const en_words[] = {
    "Foundation", "for",      "Human", "Rights",      "Cultural",  "Heritage", "Centre",
    "Civic",      "Dialogue", "Youth", "Press",       "Freedom",   "Network",  "Alliance",
    "Peace",      "Studies",  "Women", "Development", "Institute", "Council"};

static void make_name(struct rng *r, bool cyr, struct buf *b)
{
    const char *const *w = cyr ? ru_words : en_words;
    uint32_t n = 3 + rnd(r, 6); /* 3..8 words: 20–80 characters */
    buf_reset(b);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ' ');
        buf_puts(b, w[rnd(r, 20)]);
    }
}

static int set_str(struct record *rec, const char *field, struct str text, struct arena *a)
{
    int i = resource_field_index(rec->res, field);
    if (i < 0)
        return 0; /* not declared in this build: leave it */
    const char *why;
    if (value_from_text(&rec->res->fields[i], text, a, &rec->v[i], &why) < 0) {
        fprintf(stderr, "gen: %s.%s = '%.*s': %s\n", rec->res->name, field,
                (int)(text.n > 80 ? 80 : text.n), text.p, why);
        return -1;
    }
    return 0;
}

static int set(struct record *rec, const char *field, const char *text, struct arena *a)
{
    return set_str(rec, field, str_from(text), a);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int insert(struct store_tx *tx, struct record *rec, struct error *err)
{
    if (store_insert(tx, rec, err) < 0)
        return -1;
    struct buf after = BUF_INIT;
    record_to_audit_json(rec, &after);
    struct store_actor actor = {.label = "bench-gen"};
    int rc = store_audit(tx, &actor, "create", rec->res->name, rec->id, NULL, after.p);
    buf_release(&after);
    return rc;
}

static int gen_orgs(struct store *s, long n, struct error *err)
{
    struct rng r = {.s = 0x9E3779B97F4A7C15ULL};
    struct buf name = BUF_INIT, tmp = BUF_INIT;
    double t0 = now_s();
    for (long done = 0; done < n;) {
        struct store_tx *tx;
        if (store_write_begin(s, &tx) < 0)
            return error_set(err, "begin failed");
        struct arena a = ARENA_INIT;
        long end = done + BATCH < n ? done + BATCH : n;
        for (; done < end; done++) {
            struct record *rec = record_new(&res_organisations, &a);
            const char *country = pick_country(&r);
            bool cyr = !strcmp(country, "RU") || !strcmp(country, "BY") || !strcmp(country, "KZ") ||
                       rnd(&r, 10) == 0;
            make_name(&r, cyr, &name);
            buf_printf(&name, " %ld", done + 1);
            buf_reset(&tmp);
            buf_printf(&tmp, "B%09ld", done + 1);
            char founded[11];
            snprintf(founded, sizeof(founded), "%04u-%02u-%02u", 1950 + rnd(&r, 74),
                     1 + rnd(&r, 12), 1 + rnd(&r, 28));
            if (set(rec, "name", name.p, &a) || set(rec, "country", country, &a) ||
                set(rec, "registration_no", tmp.p, &a) || set(rec, "founded_on", founded, &a) ||
                set(rec, "city", cyr ? "Москва" : "Geneva", &a) ||
                set(rec, "public", rnd(&r, 2) ? "true" : "false", &a)) {
                store_write_rollback(tx);
                arena_release(&a);
                return error_set(err, "bad generated value");
            }
            if (insert(tx, rec, err) < 0) {
                store_write_rollback(tx);
                arena_release(&a);
                return -1;
            }
        }
        arena_release(&a);
        if (store_write_commit(tx, err) < 0)
            return -1;
        fprintf(stderr, "\rgen: organisations %ld/%ld (%.0f/s)", done, n,
                (double)done / (now_s() - t0));
    }
    fprintf(stderr, "\n");
    buf_release(&name);
    buf_release(&tmp);
    return 0;
}

/*
 * Accreditations: one per organisation and body at a time (the unique index ignores
 * withdrawn ones). Round r of `orgs` accreditations gives every organisation, in a
 * shuffled order, a status at body r: ECOSOC, then UNESCO, then the Council of Europe;
 * rounds past those are withdrawn ECOSOC history. Statuses by weight as at the bodies.
 */
struct body_mix {
    const char *code;
    const char *const *statuses; /* picked uniformly: repeats give the weights */
    uint32_t nstatuses;
    bool reports; /* has periodic reports (last_report_period_end) */
};

static const char *const ecosoc[] = {"special", "special", "special", "special", "special",
                                     "special", "special", "roster",  "roster",  "general"};
static const char *const unesco[] = {"consultative", "consultative", "consultative", "consultative",
                                     "associate"};
static const char *const coe[] = {"participatory"};
static const struct body_mix bodies[] = {
    {"ECOSOC", ecosoc, ARRAY_SIZE(ecosoc), true},
    {"UNESCO", unesco, ARRAY_SIZE(unesco), false},
    {"COE", coe, ARRAY_SIZE(coe), false},
};

static int gen_accreditations(struct store *s, long n, long orgs, struct error *err)
{
    const struct resource *res = resource_find(STR("accreditations"));
    if (!res || n == 0) {
        if (n)
            fprintf(stderr, "gen: no accreditations resource in this build; skipped\n");
        return 0;
    }
    static const char *const states[] = {"active", "active", "active", "active",    "active",
                                         "active", "active", "active", "suspended", "withdrawn"};
    struct rng r = {.s = 0xD1B54A32D192ED03ULL};
    double t0 = now_s();
    for (long done = 0; done < n;) {
        struct store_tx *tx;
        if (store_write_begin(s, &tx) < 0)
            return error_set(err, "begin failed");
        struct arena a = ARENA_INIT;
        long end = done + BATCH < n ? done + BATCH : n;
        for (; done < end; done++) {
            long round = done / orgs;
            bool history = round >= (long)ARRAY_SIZE(bodies);
            const struct body_mix *b = &bodies[history ? 0 : round];
            /* 2654435761 is prime: i -> i*p mod orgs visits every organisation once. */
            long org = 1 + (long)(((uint64_t)(done % orgs) * 2654435761ULL) % (uint64_t)orgs);
            struct record *rec = record_new(res, &a);
            char id[24], granted[11], year[8];
            snprintf(id, sizeof(id), "%ld", org);
            unsigned y = 1990 + rnd(&r, 33);
            snprintf(granted, sizeof(granted), "%04u-%02u-%02u", y, 1 + rnd(&r, 12),
                     1 + rnd(&r, 28));
            const char *st = b->statuses[rnd(&r, b->nstatuses)];
            const char *state = history ? "withdrawn" : states[rnd(&r, ARRAY_SIZE(states))];
            unsigned last = y + 4 * (1 + rnd(&r, 3));
            if (set(rec, "organisation_id", id, &a) || set(rec, "body", b->code, &a) ||
                set(rec, "status", st, &a) || set(rec, "granted_on", granted, &a) ||
                set(rec, "state", state, &a)) {
                store_write_rollback(tx);
                arena_release(&a);
                return error_set(err, "bad generated value");
            }
            snprintf(year, sizeof(year), "%u", last);
            if (b->reports && strcmp(st, "roster") && last < 2025 && rnd(&r, 4) &&
                set(rec, "last_report_period_end", year, &a)) {
                store_write_rollback(tx);
                arena_release(&a);
                return error_set(err, "bad generated value");
            }
            if (insert(tx, rec, err) < 0) {
                store_write_rollback(tx);
                arena_release(&a);
                return -1;
            }
        }
        arena_release(&a);
        if (store_write_commit(tx, err) < 0)
            return -1;
        fprintf(stderr, "\rgen: accreditations %ld/%ld (%.0f/s)", done, n,
                (double)done / (now_s() - t0));
    }
    fprintf(stderr, "\n");
    return 0;
}

/*
 * Documents: statements, published, each with a Russian and an English translation
 * from the corpus (documents 1..N of a longer run are the same as those of a shorter
 * one). Publication times rise with the id, one every few hours from 2005 on.
 */
static int gen_documents(struct store *s, long n, struct error *err)
{
    const struct resource *res_doc = resource_find(STR("documents"));
    const struct resource *res_tr = resource_find(STR("document_translations"));
    if (n == 0)
        return 0;
    if (!res_doc || !res_tr) {
        fprintf(stderr, "gen: no documents resource in this build; skipped\n");
        return 0;
    }
    static const char *const langs[] = {"ru", "en"}; /* by enum corpus_lang */
    struct corpus *c = corpus_new(CORPUS_SEED);
    struct corpus_doc d = {0};
    const int64_t from = 1104537600; /* 2005-01-01T00:00:00Z */
    int rc = 0;
    double t0 = now_s();
    for (long done = 0; done < n && rc == 0;) {
        struct store_tx *tx;
        if (store_write_begin(s, &tx) < 0) {
            rc = error_set(err, "begin failed");
            break;
        }
        struct arena a = ARENA_INIT;
        long end = done + DOC_BATCH < n ? done + DOC_BATCH : n;
        for (; done < end && rc == 0; done++) {
            corpus_next(c, &d);
            struct record *doc = record_new(res_doc, &a);
            char at[21];
            time_rfc3339(from + done * 3000 + (done * 2654435761LL) % 1800, at);
            if (set(doc, "kind", "statement", &a) || set(doc, "published", "true", &a) ||
                set(doc, "published_at", at, &a)) {
                rc = error_set(err, "bad generated value");
                break;
            }
            if (insert(tx, doc, err) < 0) {
                rc = -1;
                break;
            }
            char id[24];
            snprintf(id, sizeof(id), "%lld", (long long)doc->id);
            for (int lang = 0; lang < 2 && rc == 0; lang++) {
                struct record *tr = record_new(res_tr, &a);
                if (set(tr, "document_id", id, &a) || set(tr, "lang", langs[lang], &a) ||
                    set_str(tr, "title", buf_str(&d.t[lang].title), &a) ||
                    set_str(tr, "body", buf_str(&d.t[lang].body), &a))
                    rc = error_set(err, "bad generated value");
                else if (insert(tx, tr, err) < 0)
                    rc = -1;
            }
        }
        arena_release(&a);
        if (rc < 0) {
            store_write_rollback(tx);
            break;
        }
        if (store_write_commit(tx, err) < 0) {
            rc = -1;
            break;
        }
        fprintf(stderr, "\rgen: documents %ld/%ld (%.0f/s)", done, n,
                (double)done / (now_s() - t0));
    }
    if (rc == 0)
        fprintf(stderr, "\n");
    corpus_doc_release(&d);
    corpus_free(c);
    return rc;
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    long orgs = 1000000, accr = 2000000, docs = 200000;
    bool bad = argc % 2 == 0; /* every option takes a value */
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--db"))
            db = argv[i + 1];
        else if (!strcmp(argv[i], "--orgs"))
            orgs = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--accreditations"))
            accr = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--docs"))
            docs = atol(argv[i + 1]);
        else
            bad = true;
    }
    if (bad || !db || orgs < 1 || accr < 0 || docs < 0) {
        fprintf(stderr, "usage: gen --db FILE [--orgs N] [--accreditations N] [--docs N]\n");
        return 2;
    }
    if (auth_init() < 0)
        die("libsodium failed");
    /* Each batch frees a large arena: without this glibc hands the top of the heap back
     * and takes it again every batch, and the TLB shootdowns cost more than the work. */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    struct store *s;
    struct error err = ERROR_INIT;
    if (store_open(&s, db, STORE_OPEN_INIT, &err) < 0)
        die("%s", err.msg);
    if (gen_orgs(s, orgs, &err) < 0 || gen_accreditations(s, accr, orgs, &err) < 0 ||
        gen_documents(s, docs, &err) < 0) {
        store_close(s);
        die("%s", err.msg);
    }
    store_close(s);
    return 0;
}
