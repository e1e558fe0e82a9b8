/*
 * The sources of reminders (docs/notifications.md): for a day, the obligations of
 * organisations with their due dates — accreditations' reports and sanctions, filing
 * deadlines, questions before the next session, statements — as struct notify_item.
 */
#define _GNU_SOURCE
#include "domain/notify.h"
#include "domain/notify_int.h"
#include "domain/ledger_obligations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * How far back an item's due date may lie for the pass still to look for it: the overdue
 * notice goes the day after the due date, and a pass that did not run for up to this many
 * days still sends it. Items overdue for longer stay on the obligations list; the pass
 * does not look for them (at DESIGN §8's scale it would read every old overdue record on
 * every day's pass).
 */
#define NOTIFY_LOOKBACK_DAYS 30
/* A withdrawal is expected a year after the suspension, which comes on the body's next
 * decision day after the missed report: at most this many days after the report's date. */
#define NOTIFY_WITHDRAWAL_SPAN 732

/* Items found by a source, grown in the pass's arena. */
struct items {
    struct notify_item *v;
    size_t n, cap;
    struct arena *a;
};

/*
 * Adds obligation o of organisation org (name org_name) as a reminder item when its due
 * date is in [from, until] and its kind is `kind` (NULL: any). The key is
 * <kind>:<resource>:<id>:<due date> (the accreditation reports' key before the obligations
 * list came, unchanged); the sentences are the obligations list's, with the date written
 * for a person.
 */
static void add_obligation(struct items *k, const struct obligation *o, const char *kind,
                           int64_t org, const char *org_name, const char *from, const char *until)
{
    if ((kind && strcmp(o->kind, kind) != 0) || strcmp(o->due_on, from) < 0 ||
        strcmp(o->due_on, until) > 0)
        return;
    struct arena *a = k->a;
    const char *due = arena_strdup(a, o->due_on);
    struct notify_item *it = arena_push(a, (void **)&k->v, &k->n, &k->cap, sizeof(*it));
    *it = (struct notify_item){
        .org_id = org,
        .kind = o->kind,
        .due_on = due,
        .resource = o->resource,
        .record_id = o->id,
        .org_name = org_name,
        .body = o->body,
        .key = arena_printf(a, "%s:%s:%lld:%s", o->kind, o->resource, (long long)o->id, due),
        .obligation = true,
        .detail = o->detail ? arena_strdup(a, o->detail) : NULL};
}

/* The window of the pass: from (the lookback) into from[11]. */
static void window_from(const char *today, char from[11])
{
    notify_date_add(today, -NOTIFY_LOOKBACK_DAYS, from);
}

/* Bodies' rules read once per pass (there are a handful of bodies, and many records). */
struct rules_cache {
    struct body_rules *v;
    size_t n, cap;
    struct arena *a;
};

/* The rules of body `code` into *out, from the cache or the store. */
static int rules_of(struct store_conn *c, struct rules_cache *rc, const char *code,
                    const struct body_rules **out)
{
    for (size_t i = 0; i < rc->n; i++)
        if (!strcmp(rc->v[i].code, code)) {
            *out = &rc->v[i];
            return STORE_OK;
        }
    struct body_rules b;
    int r = ledger_body_rules(c, code, rc->a, &b);
    if (r < 0)
        return r;
    struct body_rules *slot = arena_push(rc->a, (void **)&rc->v, &rc->n, &rc->cap, sizeof(*slot));
    *slot = b;
    *out = slot;
    return STORE_OK;
}

struct due_rows {
    struct store_due_row *v;
    size_t n, cap;
    struct arena *a;
};

static void keep_due_row(void *arg, const struct store_due_row *row)
{
    struct due_rows *k = arg;
    struct store_due_row *r = arena_push(k->a, (void **)&k->v, &k->n, &k->cap, sizeof(*r));
    *r = (struct store_due_row){
        .id = row->id,
        .organisation_id = row->organisation_id,
        .organisation = arena_strdup(k->a, row->organisation ? row->organisation : ""),
        .body = arena_strdup(k->a, row->body),
        .status = arena_strdup(k->a, row->status),
        .state = arena_strdup(k->a, row->state),
        .granted_on = row->granted_on ? arena_strdup(k->a, row->granted_on) : NULL,
        .last_period_end = row->last_period_end};
}

/* Report due, suspension expected, withdrawal expected: the accreditations whose stored
 * report date (index accreditations_report_due) is in the window, or early enough for a
 * suspension or a withdrawal expected in it. */
static int source_accreditations(struct store_conn *c, const char *today, const char *until,
                                 struct arena *a, struct notify_item **out, size_t *n)
{
    char from[11], scan[11];
    window_from(today, from);
    notify_date_add(from, -NOTIFY_WITHDRAWAL_SPAN, scan);
    struct due_rows rows = {.a = a};
    int rc = store_reports_due(c, scan, until, 0, keep_due_row, &rows);
    struct items k = {.a = a};
    struct rules_cache rules = {.a = a};
    for (size_t r = 0; rc == STORE_OK && r < rows.n; r++) {
        struct obligation *obs;
        size_t m = 0;
        const struct body_rules *b;
        struct arena scratch = ARENA_INIT; /* its obligations; kept: those in the window */
        rc = rules_of(c, &rules, rows.v[r].body, &b);
        if (rc == STORE_OK)
            ledger_accreditation_obligations(b, &rows.v[r], today, &scratch, &obs, &m);
        for (size_t i = 0; rc == STORE_OK && i < m; i++)
            add_obligation(&k, &obs[i], NULL, rows.v[r].organisation_id, rows.v[r].organisation,
                           from, until);
        arena_release(&scratch);
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Applications' obligations of one kind, for the candidate rows apps[0..napps). */
static int application_kind(struct store_conn *c, const struct store_app_row *apps, size_t napps,
                            const char *kind, const char *today, const char *until, struct items *k)
{
    char from[11];
    window_from(today, from);
    int rc = STORE_OK;
    struct rules_cache rules = {.a = k->a};
    for (size_t r = 0; rc == STORE_OK && r < napps; r++) {
        struct obligation *obs;
        size_t m = 0;
        const struct body_rules *b;
        struct arena scratch = ARENA_INIT;
        rc = rules_of(c, &rules, apps[r].body, &b);
        if (rc == STORE_OK)
            rc = ledger_application_obligations(c, b, &apps[r], today, &scratch, &obs, &m);
        for (size_t i = 0; rc == STORE_OK && i < m; i++)
            add_obligation(k, &obs[i], kind, apps[r].organisation_id, apps[r].organisation, from,
                           until);
        arena_release(&scratch);
    }
    return rc;
}

struct codes {
    const char **v;
    size_t n, cap;
    struct arena *a;
};

static void keep_code(void *arg, const struct store_body_row *row)
{
    struct codes *k = arg;
    *(const char **)arena_push(k->a, (void **)&k->v, &k->n, &k->cap, sizeof(*k->v)) =
        arena_strdup(k->a, row->code);
}

/* Filing deadlines: the applications not yet filed at each body whose next filing day
 * (from today) is in the window — the deadline is the same for all of them. */
static int source_filing(struct store_conn *c, const char *today, const char *until,
                         struct arena *a, struct notify_item **out, size_t *n)
{
    struct codes bodies = {.a = a};
    struct items k = {.a = a};
    int rc = store_bodies_each(c, a, keep_code, &bodies);
    for (size_t i = 0; rc == STORE_OK && i < bodies.n; i++) {
        struct body_rules b;
        char deadline[11];
        if ((rc = ledger_body_rules(c, bodies.v[i], a, &b)) < 0)
            break;
        if (!ledger_filing_deadline(&b, today, deadline, NULL) || strcmp(deadline, until) > 0)
            continue;
        struct store_app_row *apps;
        size_t napps;
        rc = store_notify_unfiled(c, bodies.v[i], a, &apps, &napps);
        if (rc == STORE_OK)
            rc = application_kind(c, apps, napps, "filing_deadline", today, until, &k);
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Questions to answer before the Committee's next session: when that session is in the
 * window, the applications and the deferred quadrennial reports with unanswered questions
 * (both are due before the same session). */
static int source_questions(struct store_conn *c, const char *today, const char *until,
                            struct arena *a, struct notify_item **out, size_t *n)
{
    char next[11], from[11];
    struct items k = {.a = a};
    ledger_session_next_start(today, next);
    window_from(today, from);
    int rc = STORE_OK;
    if (strcmp(next, until) <= 0) {
        struct store_app_row *apps;
        size_t napps;
        rc = store_notify_questioned(c, a, &apps, &napps);
        if (rc == STORE_OK)
            rc = application_kind(c, apps, napps, "questions_to_answer", today, until, &k);
        struct store_notify_report_question *reps = NULL;
        size_t nreps = 0;
        if (rc == STORE_OK)
            rc = store_notify_report_questions(c, a, &reps, &nreps);
        for (size_t r = 0; rc == STORE_OK && r < nreps; r++) {
            struct obligation o;
            ledger_report_questions_obligation(&reps[r].q, today, a, &o);
            add_obligation(&k, &o, NULL, reps[r].org_id, reps[r].org_name, from, until);
        }
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Statements and reports due: pending ones whose deadline is in the window (index
 * reports_deadline), once for each organisation that co-authors them. */
static int source_statements(struct store_conn *c, const char *today, const char *until,
                             struct arena *a, struct notify_item **out, size_t *n)
{
    char from[11];
    window_from(today, from);
    struct store_notify_statement *rows;
    size_t nrows;
    struct items k = {.a = a};
    int rc = store_notify_statements(c, from, until, a, &rows, &nrows);
    for (size_t r = 0; rc == STORE_OK && r < nrows; r++) {
        struct obligation o;
        ledger_statement_obligation(&rows[r].report, today, a, &o);
        add_obligation(&k, &o, NULL, rows[r].org_id, rows[r].org_name, from, until);
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Questions as they are asked (no due date; a new question is a new notice): on deferred
 * applications, and on deferred quadrennial reports (the "report" words, naming the
 * period). */
static int source_open_questions(struct store_conn *c, const char *today, const char *until,
                                 struct arena *a, struct notify_item **out, size_t *n)
{
    struct items k = {.a = a};
    struct store_notify_report_question *reps;
    size_t nreps;
    int rc = store_notify_open_questions(c, a, &k.v, &k.n);
    k.cap = k.n;
    if (rc == STORE_OK)
        rc = store_notify_report_questions(c, a, &reps, &nreps);
    for (size_t r = 0; rc == STORE_OK && r < nreps; r++) {
        const struct store_notify_report_question *q = &reps[r];
        struct notify_item *it = arena_push(a, (void **)&k.v, &k.n, &k.cap, sizeof(*it));
        *it = (struct notify_item){
            .org_id = q->org_id,
            .kind = "questions_open",
            .resource = "accreditation_reports",
            .record_id = q->q.report_id,
            .key = arena_printf(a, "questions_open:accreditation_reports:%lld:q%lld",
                                (long long)q->q.report_id, (long long)q->newest),
            .org_name = q->org_name,
            .body = q->q.body,
            .count = q->q.open,
            .detail = arena_printf(a, "%lld\u2013%lld", (long long)q->q.period_start,
                                   (long long)q->q.period_end),
            .variant = "report"};
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Every kind of the obligations list (ledger_obligations.h) has a source here. */
const struct notify_source notify_sources[] = {
    {"accreditations (report due, suspension and withdrawal expected)", source_accreditations},
    {"applications not yet filed (filing deadline)", source_filing},
    {"applications and quadrennial reports with questions (before the next session)",
     source_questions},
    {"reports and statements (deadline)", source_statements},
    {"questions on deferred applications and quadrennial reports (as asked)",
     source_open_questions},
};
const size_t notify_sources_count = ARRAY_SIZE(notify_sources);
