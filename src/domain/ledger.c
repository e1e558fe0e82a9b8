/*
 * The ledger's declarations of accreditations, quadrennial reports and listings, their
 * hooks, and the check of a body and one of its statuses the other declarations share.
 * The rules and the bodies are in ledger_rules.c; applications and questions in
 * ledger_applications.c; settings in ledger_settings.c; statistics, listings import and
 * the calendar in ledger_stats.c; the iCalendar rendering in ledger_ics.c; demo content in
 * ledger_demo.c.
 */
#include "domain/ledger.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/access.h"
#include "domain/ledger_int.h"
#include "store/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared checks: a body and one of its statuses ----------------------------------- */

/* Loads the body named by rec's `body` and checks rec's status field against it. */
bool ledger_check_body_status(const struct hook_ctx *ctx, const struct record *rec,
                              const char *status_field, struct body_rules *b, struct errors *errs)
{
    const char *code = record_text(rec, "body");
    int rc = ledger_body_rules(ctx->conn, code, ctx->arena, b);
    if (rc == STORE_NOT_FOUND) {
        errors_add(errs, "body", "no body with code %s", code);
        return false;
    }
    if (rc < 0) {
        errors_add(errs, "body", "the rules of body %s cannot be read", code);
        return false;
    }
    const char *status = record_text(rec, status_field);
    if (ledger_has_status(b, status))
        return true;
    if (b->nstatuses == 0) {
        errors_add(errs, status_field, "%s grants no status of its own", b->code);
        return false;
    }
    struct buf list = BUF_INIT;
    for (size_t i = 0; i < b->nstatuses; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", b->statuses[i]);
    errors_add(errs, status_field, "must be one of %s's statuses: %s", b->code, list.p);
    buf_release(&list);
    return false;
}

void ledger_not_in_future(const struct record *rec, const char *field, const char *today,
                          struct errors *errs)
{
    const char *s = record_text(rec, field);
    if (s && strcmp(s, today) > 0)
        errors_add(errs, field, "is in the future");
}

/* ---- accreditations ------------------------------------------------------------------ */

static const char *const accreditation_states[] = {"active", "suspended", "withdrawn", NULL};

static void accreditation_validate(const struct hook_ctx *ctx, struct record *rec,
                                   const struct record *old, struct errors *errs)
{
    struct body_rules b = {0};
    ledger_check_body_status(ctx, rec, "status", &b, errs);
    if (!record_text(rec, "state"))
        record_set_text(rec, "state", accreditation_states[0], ctx->arena);
    char today[11];
    ledger_today(today);
    ledger_not_in_future(rec, "granted_on", today, errs);
    /* Reinstatement (resolution 2008/4): a suspended status whose missing report arrives
     * (last_report_period_end now covers what was due) is active again, in the same
     * write. The state is only changed when the caller did not set it in this write. */
    if (old && b.code && record_text(old, "state") &&
        strcmp(record_text(old, "state"), "suspended") == 0 && record_text(rec, "state") &&
        strcmp(record_text(rec, "state"), "suspended") == 0 &&
        record_int(rec, "last_report_period_end") != record_int(old, "last_report_period_end")) {
        struct sanctions sn;
        ledger_sanctions(&b, record_text(rec, "status"), "active", record_text(rec, "granted_on"),
                         record_int(rec, "last_report_period_end"), today, &sn);
        if (strcmp(sn.standing, "good") == 0)
            record_set_text(rec, "state", "active", ctx->arena);
    }
    /* A report may end before the year granted: the status held before a reclassification
     * reported it, and it does not move the new cycle (ledger_report_due). */
    int64_t end = record_int(rec, "last_report_period_end");
    int y, m, d;
    if (end && date_parse(str_from(today), &y, &m, &d) == 0 && end > y)
        errors_add(errs, "last_report_period_end", "is in the future");
}

/* One change of status as {"from", "to", "on", "application_id"} (store callback). */
static void write_status_change(void *arg, const struct store_status_change *ch)
{
    struct jw *w = arg;
    jw_obj(w);
    jw_kstr(w, "from", ch->from);
    jw_kstr(w, "to", ch->to);
    jw_kstr(w, "on", ch->on);
    jw_key(w, "application_id");
    if (ch->application_id)
        jw_int(w, ch->application_id);
    else
        jw_null(w);
    jw_obj_end(w);
}

static void accreditation_computed(const struct hook_ctx *ctx, const struct record *rec,
                                   struct jw *w)
{
    struct body_rules b = {0};
    char due[11], today[11];
    int period[2];
    bool has = ctx && ctx->conn &&
               ledger_body_rules(ctx->conn, record_text(rec, "body"), ctx->arena, &b) == STORE_OK &&
               ledger_report_due(&b, record_text(rec, "status"), record_text(rec, "state"),
                                 record_text(rec, "granted_on"),
                                 record_int(rec, "last_report_period_end"), due, period);
    ledger_today(today);
    jw_kstr(w, "report_due_on", has ? due : NULL);
    jw_key(w, "report_period");
    if (has) {
        jw_arr(w);
        jw_int(w, period[0]);
        jw_int(w, period[1]);
        jw_arr_end(w);
    } else {
        jw_null(w);
    }
    jw_kbool(w, "overdue", has && ledger_overdue(due, today));
    struct sanctions sn = {.standing = "good"};
    if (ctx && ctx->conn && b.code)
        ledger_sanctions(&b, record_text(rec, "status"), record_text(rec, "state"),
                         record_text(rec, "granted_on"), record_int(rec, "last_report_period_end"),
                         today, &sn);
    else if (record_text(rec, "state") && strcmp(record_text(rec, "state"), "active") != 0)
        sn.standing = record_text(rec, "state");
    jw_kstr(w, "standing", sn.standing);
    jw_kstr(w, "suspension_expected_on",
            sn.suspension_expected_on[0] ? sn.suspension_expected_on : NULL);
    jw_kstr(w, "withdrawal_expected_on",
            sn.withdrawal_expected_on[0] ? sn.withdrawal_expected_on : NULL);
    jw_kstr(w, "may_reapply_on", sn.may_reapply_on[0] ? sn.may_reapply_on : NULL);
    if (ctx && ctx->detail && ctx->conn) {
        jw_key(w, "status_history");
        jw_arr(w);
        store_status_history_each(ctx->conn, rec->id, write_status_change, w);
        jw_arr_end(w);
    }
}

/*
 * Runs inside the write transaction of every change of an accreditation: a change of
 * status (a reclassification granted through an application, or one an officer records)
 * is kept in the status history — from, to, when (the new granted_on when this write sets
 * it, else today) and the application that brought it (when this write sets it).
 */
static int accreditation_status_change(const struct hook_ctx *ctx, const struct record *rec,
                                       const struct record *old, struct error *msg)
{
    if (!old || !ctx->tx)
        return 0;
    const char *from = record_text(old, "status"), *to = record_text(rec, "status");
    if (!from || !to || strcmp(from, to) == 0)
        return 0;
    const char *granted = record_text(rec, "granted_on"), *was = record_text(old, "granted_on");
    char today[11];
    ledger_today(today);
    const char *on = granted && !(was && strcmp(granted, was) == 0) ? granted : today;
    int64_t app = record_int(rec, "application_id");
    if (app == record_int(old, "application_id"))
        app = 0;
    return store_status_history_add(ctx->tx, rec->id, from, to, on, app, msg);
}

static const struct field accreditation_fields[] = {
    {"organisation_id", FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, 0, NULL, "organisations"},
    {"body", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_CREATE_ONLY, 1, 32, NULL, NULL},
    {"status", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT, 1, 32, NULL, NULL},
    {"granted_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"state", FT_ENUM, F_FILTER | F_SORT, 0, 0, accreditation_states, NULL},
    {"last_report_period_end", FT_INT, F_SORT, 1946, 9999, NULL, NULL},
    {"application_id", FT_REF, F_READONLY | F_FILTER, 0, 0, NULL, "applications"},
    {"notes", FT_TEXT, F_SEARCH | F_INTERNAL, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

static const struct computed_field accreditation_computed_fields[] = {
    {"report_due_on", "string", "date", CF_NULLABLE,
     "when the next quadrennial report is due (null: none is, e.g. roster status)"},
    {"report_period", "array", NULL, CF_NULLABLE, "the years it covers: [first, last]"},
    {"overdue", "boolean", NULL, 0, "the report is past its due date"},
    {"standing", "string", NULL, 0,
     "good, or what an unreported status is heading for (suspension, withdrawal)"},
    {"suspension_expected_on", "string", "date", CF_NULLABLE,
     "when ECOSOC is expected to suspend the status for a missing report"},
    {"withdrawal_expected_on", "string", "date", CF_NULLABLE, "when it is expected to withdraw it"},
    {"may_reapply_on", "string", "date", CF_NULLABLE,
     "for a withdrawn status: the first day the organisation may apply again"},
    {"status_history", "array", NULL, CF_DETAIL, "changes of status: from, to, on, application_id"},
};

static const struct duplicate_rule accreditation_duplicates[] = {
    {{"organisation_id", "body"}, NULL, "body", "same organisation and body"},
};

static const struct list_param accreditation_params[] = {
    /* Filtered with status, body or state on 2,000,000 rows: the copy (migration 0006)
     * lets an index walk one country's accreditations in id order. */
    {"country", P_REF, "country", "organisation_id", .copy = "org_country"},
    {"overdue", P_COND, NULL, "accreditation_overdue", NULL},
};

const struct resource res_accreditations = {
    .name = "accreditations",
    .table = "accreditations",
    .singular = "accreditation",
    .fields = accreditation_fields,
    .nfields = ARRAY_SIZE(accreditation_fields),
    .owner = "organisation_id",
    .public_via = "organisation_id", /* a listed organisation's statuses are public */
    .access = RES_OWNER_READS_ONLY,  /* a body grants statuses; the ministry records them */
    .validate = accreditation_validate,
    .computed = accreditation_computed,
    .computed_fields = accreditation_computed_fields,
    .ncomputed = ARRAY_SIZE(accreditation_computed_fields),
    .duplicates = accreditation_duplicates,
    .nduplicates = ARRAY_SIZE(accreditation_duplicates),
    .check_conflict = accreditation_status_change,
    .params = accreditation_params,
    .nparams = ARRAY_SIZE(accreditation_params),
};

/* ---- quadrennial reports (issue 14 item 8) -------------------------------------------- */

static const char *const report_outcomes[] = {"pending", "taken_note", "deferred", NULL};

static void qreport_validate(const struct hook_ctx *ctx, struct record *rec,
                             const struct record *old, struct errors *errs)
{
    if (!record_text(rec, "outcome"))
        record_set_text(rec, "outcome", report_outcomes[0], ctx->arena);
    int64_t start = record_int(rec, "period_start"), end = record_int(rec, "period_end");
    if (start && end && end < start)
        errors_add(errs, "period_end", "is before period_start");
    char today[11];
    ledger_today(today);
    ledger_not_in_future(rec, "submitted_on", today, errs);
    int y, m, d;
    if (end && date_parse(str_from(today), &y, &m, &d) == 0 && end > y)
        errors_add(errs, "period_end", "is in the future");
    /* A status exempt from reports (ECOSOC roster) has none to record. A body without a
     * reporting rule in civdesk may still receive reports (UNESCO's partners report on
     * their cooperation): they are recorded, and move no due date since there is none. */
    struct record *acc;
    struct body_rules b;
    if (store_get(ctx->conn, &res_accreditations, record_int(rec, "accreditation_id"), ctx->arena,
                  &acc) != STORE_OK)
        return; /* the reference check names it */
    if (ledger_body_rules(ctx->conn, record_text(acc, "body"), ctx->arena, &b) != STORE_OK)
        return;
    if (ledger_status_exempt(&b, record_text(acc, "status")))
        errors_add(errs, "accreditation_id", "%s %s status does not report", b.code,
                   record_text(acc, "status"));
}

/*
 * Runs inside the write transaction after validation: a report recorded as submitted
 * moves its accreditation's last reported period (and so the next due date, and a
 * reinstatement when it was suspended for this report) through the generic update, with
 * the accreditation's own audit entry. A report for an earlier period moves nothing.
 */
static int qreport_effects(const struct hook_ctx *ctx, const struct record *rec,
                           const struct record *old, struct error *msg)
{
    if (!record_text(rec, "submitted_on"))
        return 0;
    struct record *acc;
    int rc = store_get(ctx->conn, &res_accreditations, record_int(rec, "accreditation_id"),
                       ctx->arena, &acc);
    if (rc < 0)
        return error_set(msg, "could not read the accreditation"), rc;
    int64_t end = record_int(rec, "period_end");
    if (end <= record_int(acc, "last_report_period_end"))
        return 0;
    struct record *moved = record_copy(acc, ctx->arena);
    record_set_int(moved, "last_report_period_end", end);
    struct errors errs;
    errors_init(&errs, ctx->arena);
    rc = domain_update_tx(ctx->tx, ctx->who, acc, moved, ctx->arena, &errs, msg);
    if (rc == DOMAIN_INVALID)
        return error_set(msg, "the accreditation cannot take this report: %s %s",
                         errs.items[0].field, errs.items[0].message),
               STORE_CONFLICT;
    return rc;
}

static const struct field qreport_fields[] = {
    {"accreditation_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL,
     "accreditations"},
    {"period_start", FT_INT, F_REQUIRED | F_SORT, 1946, 9999, NULL, NULL},
    {"period_end", FT_INT, F_REQUIRED | F_SORT, 1946, 9999, NULL, NULL},
    {"submitted_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"outcome", FT_ENUM, F_FILTER, 0, 0, report_outcomes, NULL},      /* the Committee's */
    {"notes", FT_TEXT, F_INTERNAL, 0, LIMIT_TEXT_MEDIUM, NULL, NULL}, /* the ministry's */
};

const struct resource res_accreditation_reports = {
    .name = "accreditation_reports",
    .table = "accreditation_reports",
    .singular = "quadrennial report",
    .fields = qreport_fields,
    .nfields = ARRAY_SIZE(qreport_fields),
    .parent = "accreditations",
    .parent_field = "accreditation_id",
    .path = "reports",
    .access = RES_OWNER_READS_ONLY, /* the ministry records them, the NGO reads its own */
    .validate = qreport_validate,
    .check_conflict = qreport_effects,
};

/* ---- listings ------------------------------------------------------------------------ */

static void listing_validate(const struct hook_ctx *ctx, struct record *rec,
                             const struct record *old, struct errors *errs)
{
    struct body_rules b;
    ledger_check_body_status(ctx, rec, "status", &b, errs);
}

static const struct field listing_fields[] = {
    {"body", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_CREATE_ONLY, 1, 32, NULL, NULL},
    {"status", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT, 1, 32, NULL, NULL},
    {"as_of", FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"country", FT_COUNTRY, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
};

static const struct duplicate_rule listing_duplicates[] = {
    {{"body", "as_of", "country"}, "name", "name", "same body, date, country and a similar name"},
};

const struct resource res_listings = {
    .duplicates = listing_duplicates,
    .nduplicates = ARRAY_SIZE(listing_duplicates),
    .name = "listings",
    .table = "listings",
    .singular = "listing entry",
    .fields = listing_fields,
    .nfields = ARRAY_SIZE(listing_fields),
    .access = RES_REFERENCE,
    .validate = listing_validate,
};
