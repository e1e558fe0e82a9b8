/*
 * The ledger's SQL (see store/ledger.h). accreditations.report_due is kept by the database
 * (migrations/0007_report_due.sql), the SQL twin of ledger_report_due() in
 * src/domain/ledger.c; tests/unit/test_ledger.c checks that the two agree on every case
 * the rule distinguishes, after updates and rule changes too.
 */
#include "store/ledger.h"
#include "store/internal.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- named conditions ----------------------------------------------------------------- */

/* The value bound to a condition: today's date, the cut-off of "overdue". */
static void bind_today(struct value *out, struct arena *a)
{
    char *today = arena_alloc(a, 11);
    date_from_unix(now_unix(), today);
    *out = (struct value){.s = today, .n = 10};
}

/* Named conditions for P_COND list parameters; each has exactly one '?'. */
static const struct {
    const char *name;
    const char *sql;
    void (*bind)(struct value *out, struct arena *a);
} conds[] = {
    /* accreditations whose next report was due before today (ledger_overdue) */
    /* (the unary + keeps SQLite from sorting every overdue row by id to page through them:
     * a page walks the rows in id order, which stops after 50) */
    {"accreditation_overdue",
     "(accreditations.report_due IS NOT NULL AND (accreditations.report_due||'')<?)", bind_today},
};

const char *store_cond_sql(const char *name, struct value *bound, struct arena *a)
{
    for (size_t i = 0; i < ARRAY_SIZE(conds); i++) {
        if (strcmp(conds[i].name, name) == 0) {
            conds[i].bind(bound, a);
            return conds[i].sql;
        }
    }
    return NULL;
}

static const char *dup_or_null(struct arena *a, struct db_stmt *st, int col)
{
    const char *t = store_col_text(st, col);
    return t ? arena_strdup(a, t) : NULL;
}

static void bind_text(struct db_stmt *st, int col, const char *s)
{
    if (s)
        db_bind_text(st, col, s, -1);
    else
        db_bind_null(st, col);
}

/* ---- bodies --------------------------------------------------------------------------- */

#define BODY_COLS                                                                                  \
    "id,code,name,statuses,national_statuses,report_exempt,report_interval_years,report_due,"      \
    "filing_deadline,decision_expected,min_years_registered,filing_deadline_statuses,"             \
    "status_prerequisites"

static void body_row(struct db_stmt *st, struct arena *a, struct store_body_row *out)
{
    out->id = db_column_int64(st, 0);
    out->code = dup_or_null(a, st, 1);
    out->name = dup_or_null(a, st, 2);
    out->statuses = dup_or_null(a, st, 3);
    out->national = dup_or_null(a, st, 4);
    out->exempt = dup_or_null(a, st, 5);
    out->report_interval = db_column_int64(st, 6);
    out->report_due = dup_or_null(a, st, 7);
    out->filing_deadline = dup_or_null(a, st, 8);
    out->decision_expected = dup_or_null(a, st, 9);
    out->min_years = db_column_int64(st, 10);
    out->deadline_statuses = dup_or_null(a, st, 11);
    out->prerequisites = dup_or_null(a, st, 12);
}

/*
 * Bodies rows cached per connection: the table is small and read for every accreditation
 * and application written out. The cache holds while no other connection has committed
 * (PRAGMA data_version) and this one has changed nothing (db_total_changes); rows
 * handed out are copied into the caller's arena, so a later invalidation cannot pull them
 * away.
 */
#define LEDGER_CACHE_BODIES 32

struct ledger_cache {
    int64_t data_version, changes;
    size_t n;
    struct store_body_row rows[LEDGER_CACHE_BODIES]; /* strings owned (malloc) */
};

static char *own(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        die("out of memory");
    return d;
}

static void cache_clear(struct ledger_cache *lc)
{
    for (size_t i = 0; i < lc->n; i++) {
        struct store_body_row *r = &lc->rows[i];
        const char *strings[] = {r->code,
                                 r->name,
                                 r->statuses,
                                 r->national,
                                 r->exempt,
                                 r->report_due,
                                 r->filing_deadline,
                                 r->decision_expected,
                                 r->deadline_statuses,
                                 r->prerequisites};
        for (size_t k = 0; k < ARRAY_SIZE(strings); k++)
            free((char *)strings[k]);
    }
    lc->n = 0;
}

void store_ledger_cache_free(struct store_conn *c)
{
    if (c->ledger)
        cache_clear(c->ledger);
    free(c->ledger);
    c->ledger = NULL;
}

/* Copies row with every string duplicated by dup (into an arena, or owned). */
static void row_copy(struct store_body_row *dst, const struct store_body_row *src,
                     char *(*dup)(void *ctx, const char *s), void *ctx)
{
    *dst = *src;
    dst->code = dup(ctx, src->code);
    dst->name = dup(ctx, src->name);
    dst->statuses = dup(ctx, src->statuses);
    dst->national = dup(ctx, src->national);
    dst->exempt = dup(ctx, src->exempt);
    dst->report_due = dup(ctx, src->report_due);
    dst->filing_deadline = dup(ctx, src->filing_deadline);
    dst->decision_expected = dup(ctx, src->decision_expected);
    dst->deadline_statuses = dup(ctx, src->deadline_statuses);
    dst->prerequisites = dup(ctx, src->prerequisites);
}

static char *dup_arena(void *ctx, const char *s)
{
    return s ? arena_strdup(ctx, s) : NULL;
}

static char *dup_owned(void *ctx, const char *s)
{
    return own(s);
}

/* The connection's cache, emptied if the database changed since it was filled. */
static struct ledger_cache *cache_of(struct store_conn *c)
{
    /* PostgreSQL has no data_version: another server may change bodies at any moment,
     * so there the rows are read afresh each time. */
    if (db_dialect(c->db) == DB_PGSQL)
        return NULL;
    struct db_stmt *st = store_prep(c, "PRAGMA data_version");
    if (!st)
        return NULL;
    int64_t version = db_step(st) == DB_ROW ? db_column_int64(st, 0) : -1;
    store_done(st);
    if (version < 0)
        return NULL;
    if (!c->ledger && !(c->ledger = calloc(1, sizeof(*c->ledger))))
        die("out of memory");
    struct ledger_cache *lc = c->ledger;
    int64_t changes = db_total_changes(c->db);
    if (lc->data_version != version || lc->changes != changes) {
        cache_clear(lc);
        lc->data_version = version;
        lc->changes = changes;
    }
    return lc;
}

int store_body_row(struct store_conn *c, const char *code, struct arena *a,
                   struct store_body_row *out)
{
    struct ledger_cache *lc = cache_of(c);
    for (size_t i = 0; lc && code && i < lc->n; i++) {
        if (strcmp(lc->rows[i].code, code) == 0) {
            row_copy(out, &lc->rows[i], dup_arena, a);
            return STORE_OK;
        }
    }
    struct db_stmt *st = store_prep(c, "SELECT " BODY_COLS " FROM bodies WHERE code=?");
    if (!st)
        return STORE_ERROR;
    bind_text(st, 1, code);
    int rc = db_step(st);
    if (rc == DB_ROW)
        body_row(st, a, out);
    store_done(st);
    if (rc == DB_ROW && lc && lc->n < LEDGER_CACHE_BODIES && out->code)
        row_copy(&lc->rows[lc->n++], out, dup_owned, NULL);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_bodies_each(struct store_conn *c, struct arena *a,
                      void (*fn)(void *arg, const struct store_body_row *row), void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT " BODY_COLS " FROM bodies ORDER BY code");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_body_row row;
        body_row(st, a, &row);
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- listings ------------------------------------------------------------------------- */

int store_listing_newest(struct store_conn *c, const char *body, const char *before, char out[11])
{
    struct db_stmt *st =
        store_prep(c, "SELECT max(as_of) FROM listings WHERE body=?1 AND (?2 IS NULL OR as_of<?2)");
    if (!st)
        return STORE_ERROR;
    bind_text(st, 1, body);
    bind_text(st, 2, before);
    int rc = db_step(st);
    const char *t = rc == DB_ROW ? store_col_text(st, 0) : NULL;
    if (t)
        snprintf(out, 11, "%s", t);
    store_done(st);
    if (rc != DB_ROW)
        return STORE_ERROR;
    return t ? STORE_OK : STORE_NOT_FOUND;
}

int store_listing_counts(struct store_conn *c, const char *body, const char *as_of,
                         void (*fn)(void *arg, const char *country, const char *status, int64_t n),
                         void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT country,status,count(*) FROM listings WHERE "
                                       "body=? AND as_of=? GROUP BY country,status");
    if (!st)
        return STORE_ERROR;
    bind_text(st, 1, body);
    bind_text(st, 2, as_of);
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        fn(arg, store_col_text(st, 0), store_col_text(st, 1), db_column_int64(st, 2));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_listing_replace(struct store_tx *tx, const char *body, const char *as_of,
                          const struct store_listing_row *rows, size_t n, int64_t *replaced,
                          struct error *err)
{
    struct store_conn *c = store_tx_conn(tx);
    /* Listings are searchable: the rows replaced leave the index (by their text, before
     * they go) and the new ones enter it, in this same transaction. */
    const struct resource *res = resource_find(STR("listings"));
    struct db_stmt *st = store_prep(c, "SELECT id FROM listings WHERE body=? AND as_of=?");
    if (!st || !res)
        return error_set(err, "could not prepare the listing import"), STORE_ERROR;
    bind_text(st, 1, body);
    bind_text(st, 2, as_of);
    struct buf ids = BUF_INIT;
    while (db_step(st) == DB_ROW) {
        int64_t id = db_column_int64(st, 0);
        buf_append(&ids, &id, sizeof(id));
    }
    store_done(st);
    for (size_t k = 0; k + sizeof(int64_t) <= ids.n; k += sizeof(int64_t)) {
        int64_t id;
        memcpy(&id, ids.p + k, sizeof(id));
        if (search_index_remove(c, res, id, true) < 0) {
            buf_release(&ids);
            return error_set(err, "could not update the search index"), STORE_ERROR;
        }
    }
    buf_release(&ids);
    st = store_prep(c, "DELETE FROM listings WHERE body=? AND as_of=?");
    if (!st)
        return error_set(err, "could not prepare the listing import"), STORE_ERROR;
    bind_text(st, 1, body);
    bind_text(st, 2, as_of);
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE)
        return error_set(err, "%s", db_error_text(c->db)), STORE_ERROR;
    *replaced = db_changes(c->db);
    st = store_prep(c, "INSERT INTO listings(body,status,as_of,name,country,created_at,"
                       "updated_at,version) VALUES(?,?,?,?,?,?,?,1)");
    if (!st)
        return error_set(err, "could not prepare the listing import"), STORE_ERROR;
    char now[21];
    store_now_text(now);
    for (size_t i = 0; i < n; i++) {
        bind_text(st, 1, body);
        bind_text(st, 2, rows[i].status);
        bind_text(st, 3, as_of);
        bind_text(st, 4, rows[i].name);
        bind_text(st, 5, rows[i].country);
        bind_text(st, 6, now);
        bind_text(st, 7, now);
        rc = db_step(st);
        store_done(st);
        if (rc != DB_DONE) {
            if (db_fault(c->db) == DB_FAULT_FOREIGN_KEY)
                return error_set(err, "no body %s", body), STORE_BAD_REF;
            return error_set(err, "%s", db_error_text(c->db)), STORE_ERROR;
        }
        struct arena a = ARENA_INIT;
        struct record *rec;
        rc = store_get(c, res, db_last_insert_id(c->db), &a, &rec);
        if (rc == STORE_OK && search_index_put(c, rec) < 0)
            rc = STORE_ERROR;
        arena_release(&a);
        if (rc != STORE_OK)
            return error_set(err, "could not update the search index"), STORE_ERROR;
    }
    return STORE_OK;
}

/* ---- pipeline ------------------------------------------------------------------------- */

/* The counts come from the tables migration 0016's triggers keep (a few dozen rows), not
 * from a scan of the records; src/store/counts.c checks them against a recount. */

static int each_count(struct store_conn *c, const char *sql, const char *bound, int nkeys,
                      store_count_fn fn, void *arg)
{
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    if (bound)
        bind_text(st, 1, bound);
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        fn(arg, store_col_text(st, 0), nkeys > 0 ? store_col_text(st, 1) : NULL,
           nkeys > 1 ? store_col_text(st, 2) : NULL, db_column_int64(st, nkeys + 1));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_count_applications(struct store_conn *c, store_count_fn fn, void *arg)
{
    return each_count(c,
                      "SELECT body,state,n FROM count_applications WHERE n>0 ORDER BY body,state",
                      NULL, 1, fn, arg);
}

int store_count_accreditations(struct store_conn *c, store_count_fn fn, void *arg)
{
    return each_count(c,
                      "SELECT body,status,state,n FROM count_accreditations WHERE n>0 "
                      "ORDER BY body,status,state",
                      NULL, 2, fn, arg);
}

int store_count_overdue(struct store_conn *c, const char *today, store_count_fn fn, void *arg)
{
    return each_count(c,
                      "SELECT body,sum(n) FROM count_report_due WHERE report_due<? "
                      "GROUP BY body ORDER BY body",
                      today, 0, fn, arg);
}

/* ---- calendar ------------------------------------------------------------------------- */

int store_reports_due(struct store_conn *c, const char *from, const char *to, int64_t org,
                      void (*fn)(void *arg, const struct store_due_row *row), void *arg)
{
    struct db_stmt *st =
        store_prep(c, "SELECT a.id,a.organisation_id,o.name,a.body,a.status,a.state,a.granted_on,"
                      "a.last_report_period_end FROM accreditations a JOIN organisations o ON "
                      "o.id=a.organisation_id WHERE a.report_due BETWEEN ?1 AND ?2 AND (?3=0 OR "
                      "a.organisation_id=?3) ORDER BY a.id");
    if (!st)
        return STORE_ERROR;
    bind_text(st, 1, from);
    bind_text(st, 2, to);
    db_bind_int64(st, 3, org);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_due_row row = {
            .id = db_column_int64(st, 0),
            .organisation_id = db_column_int64(st, 1),
            .organisation = store_col_text(st, 2),
            .body = store_col_text(st, 3),
            .status = store_col_text(st, 4),
            .state = store_col_text(st, 5),
            .granted_on = store_col_text(st, 6),
            .last_period_end = db_column_int64(st, 7),
        };
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_applications_open(struct store_conn *c, int64_t org, const char *states,
                            void (*fn)(void *arg, const struct store_app_row *row), void *arg)
{
    char sql[320], each[64];
    snprintf(each, sizeof(each), db_sql_json_each(c->db), "?2");
    snprintf(sql, sizeof(sql),
             "SELECT a.id,a.organisation_id,o.name,a.body,a.requested_status,a.state,a.filed_on "
             "FROM applications a JOIN organisations o ON o.id=a.organisation_id WHERE a.state IN "
             "(SELECT value FROM %s) AND (?1=0 OR a.organisation_id=?1) ORDER BY a.id",
             each);
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, org);
    db_bind_text(st, 2, states, -1);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_app_row row = {
            .id = db_column_int64(st, 0),
            .organisation_id = db_column_int64(st, 1),
            .organisation = store_col_text(st, 2),
            .body = store_col_text(st, 3),
            .requested_status = store_col_text(st, 4),
            .state = store_col_text(st, 5),
            .filed_on = store_col_text(st, 6),
        };
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- applications --------------------------------------------------------------------- */

int store_question_counts(struct store_conn *c, int64_t application_id, int64_t *total,
                          int64_t *open)
{
    struct db_stmt *st = store_prep(c, "SELECT count(*),count(*)-count(answer) FROM "
                                       "application_questions WHERE application_id=?");
    *total = *open = 0;
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *total = db_column_int64(st, 0);
        *open = db_column_int64(st, 1);
    }
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_current_accreditation(struct store_conn *c, int64_t organisation_id, const char *body,
                                int64_t *id)
{
    struct db_stmt *st = store_prep(c, "SELECT id FROM accreditations WHERE organisation_id=? "
                                       "AND body=? AND state<>'withdrawn'");
    *id = 0;
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, organisation_id);
    bind_text(st, 2, body);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *id = db_column_int64(st, 0);
    store_done(st);
    return rc == DB_ROW || rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- accreditations' status history --------------------------------------------------- */

int store_status_history_add(struct store_tx *tx, int64_t accreditation_id, const char *from,
                             const char *to, const char *on, int64_t application_id,
                             struct error *err)
{
    struct store_conn *c = store_tx_conn(tx);
    struct db_stmt *st = store_prep(
        c, "INSERT INTO accreditation_status_history(accreditation_id,from_status,to_status,"
           "changed_on,application_id,created_at) VALUES (?,?,?,?,?,?)");
    if (!st)
        return error_set(err, "could not record the change of status"), STORE_ERROR;
    char now[21];
    store_now_text(now);
    db_bind_int64(st, 1, accreditation_id);
    bind_text(st, 2, from);
    bind_text(st, 3, to);
    bind_text(st, 4, on);
    if (application_id)
        db_bind_int64(st, 5, application_id);
    else
        db_bind_null(st, 5);
    bind_text(st, 6, now);
    int rc = db_step(st);
    if (rc != DB_DONE)
        error_set(err, "could not record the change of status: %s", db_error_text(c->db));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_status_history_each(struct store_conn *c, int64_t accreditation_id,
                              void (*fn)(void *arg, const struct store_status_change *ch),
                              void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT from_status,to_status,changed_on,application_id "
                                       "FROM accreditation_status_history "
                                       "WHERE accreditation_id=? ORDER BY id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, accreditation_id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_status_change ch = {
            .from = store_col_text(st, 0),
            .to = store_col_text(st, 1),
            .on = store_col_text(st, 2),
            .application_id = db_column_int64(st, 3),
        };
        fn(arg, &ch);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- one organisation's obligations --------------------------------------------------- */

int store_org_accreditations(struct store_conn *c, int64_t org,
                             void (*fn)(void *arg, const struct store_due_row *row), void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT id,organisation_id,body,status,state,granted_on,"
                                       "last_report_period_end FROM accreditations "
                                       "WHERE organisation_id=? ORDER BY id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, org);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_due_row row = {
            .id = db_column_int64(st, 0),
            .organisation_id = db_column_int64(st, 1),
            .body = store_col_text(st, 2),
            .status = store_col_text(st, 3),
            .state = store_col_text(st, 4),
            .granted_on = store_col_text(st, 5),
            .last_period_end = db_column_int64(st, 6),
        };
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_org_report_questions_open(struct store_conn *c, int64_t org,
                                    void (*fn)(void *arg, const struct store_report_questions *row),
                                    void *arg)
{
    struct db_stmt *st = store_prep(
        c, "SELECT r.id,a.body,r.period_start,r.period_end,count(*) FROM accreditations a "
           "JOIN accreditation_reports r ON r.accreditation_id=a.id AND r.outcome='deferred' "
           "JOIN report_questions q ON q.report_id=r.id AND q.answer IS NULL "
           "WHERE a.organisation_id=? GROUP BY r.id, a.id ORDER BY r.id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, org);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_report_questions row = {
            .report_id = db_column_int64(st, 0),
            .body = store_col_text(st, 1),
            .period_start = db_column_int64(st, 2),
            .period_end = db_column_int64(st, 3),
            .open = db_column_int64(st, 4),
        };
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_org_reports_pending(struct store_conn *c, int64_t org,
                              void (*fn)(void *arg, const struct store_pending_report *row),
                              void *arg)
{
    char sql[512], each[96];
    snprintf(each, sizeof(each), db_sql_json_each(c->db), "coalesce(r.organisation_ids,'[]')");
    snprintf(sql, sizeof(sql),
             "SELECT r.id,r.kind,r.title,r.target_body,r.deadline_on,r.state FROM reports r "
             "WHERE r.state IN ('draft','in_review') AND r.deadline_on IS NOT NULL "
             "AND EXISTS (SELECT 1 FROM %s WHERE value=?) ORDER BY r.deadline_on,r.id",
             each);
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, org);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_pending_report row = {
            .id = db_column_int64(st, 0),
            .kind = store_col_text(st, 1),
            .title = store_col_text(st, 2),
            .target_body = store_col_text(st, 3),
            .deadline_on = store_col_text(st, 4),
            .state = store_col_text(st, 5),
        };
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- settings ------------------------------------------------------------------------- */

int store_settings_get(struct store_conn *c, struct store_settings *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *st = store_prep(
        c, "SELECT national_country,version,created_at,updated_at FROM settings WHERE id=1");
    if (!st)
        return STORE_ERROR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        const char *cc = store_col_text(st, 0), *ca = store_col_text(st, 2),
                   *ua = store_col_text(st, 3);
        snprintf(out->national_country, sizeof(out->national_country), "%s", cc ? cc : "");
        out->version = db_column_int64(st, 1);
        snprintf(out->created_at, sizeof(out->created_at), "%s", ca ? ca : "");
        snprintf(out->updated_at, sizeof(out->updated_at), "%s", ua ? ua : "");
    }
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_settings_put(struct store_tx *tx, const char *national_country, struct error *err)
{
    struct store_conn *c = store_tx_conn(tx);
    struct db_stmt *st = store_prep(c, "UPDATE settings SET national_country=?,updated_at=?,"
                                       "version=version+1 WHERE id=1");
    if (!st)
        return error_set(err, "could not write the settings"), STORE_ERROR;
    char now[21];
    store_now_text(now);
    bind_text(st, 1, national_country);
    bind_text(st, 2, now);
    int rc = db_step(st);
    if (rc != DB_DONE)
        error_set(err, "could not write the settings: %s", db_error_text(c->db));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_open_question_sessions(struct store_conn *c, int64_t application_id,
                                 void (*fn)(void *arg, const char *session), void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT asked_at_session FROM application_questions "
                                       "WHERE application_id=? AND answer IS NULL ORDER BY id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        fn(arg, store_col_text(st, 0));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}
