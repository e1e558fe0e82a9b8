/*
 * The ledger's declarations (bodies, accreditations, applications and their questions,
 * listings), their hooks, and the rules as pure functions over a body's rules row.
 * Statistics, listings import and the calendar are in ledger_stats.c; the iCalendar
 * rendering in ledger_ics.c; demo content in ledger_demo.c.
 */
#include "domain/ledger.h"
#include "core/limits.h"
#include "store/ledger.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------------- */

void ledger_today(char out[11])
{
    date_from_unix(now_unix(), out);
}

void ledger_add_days(const char *date, int64_t days, char out[11])
{
    int y, m, d;
    if (date_parse(str_from(date), &y, &m, &d) < 0)
        BUG("ledger_add_days: not a date");
    date_from_unix((days_from_civil(y, m, d) + days) * 86400, out);
}

/* The text of field `name` of rec, or NULL when null. */
static const char *text_of(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    if (i < 0)
        BUG("no such field");
    return rec->v[i].null ? NULL : rec->v[i].s;
}

static int64_t int_of(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    if (i < 0)
        BUG("no such field");
    return rec->v[i].null ? 0 : rec->v[i].i;
}

static void set_text(struct record *rec, const char *name, const char *s, struct arena *a)
{
    int i = resource_field_index(rec->res, name);
    if (i < 0)
        BUG("no such field");
    rec->v[i] =
        s ? (struct value){.s = arena_strdup(a, s), .n = strlen(s)} : (struct value){.null = true};
}

static void set_int(struct record *rec, const char *name, int64_t v)
{
    int i = resource_field_index(rec->res, name);
    if (i < 0)
        BUG("no such field");
    rec->v[i] = (struct value){.i = v, .r = (double)v};
}

/* Whether s is in list[0..n). */
static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* "MM-DD" into month and day; false if it is not a day every year has. */
static bool month_day(const char *s, int *m, int *d)
{
    int y;
    char date[16];
    if (!s || strlen(s) != 5)
        return false;
    snprintf(date, sizeof(date), "2001-%s", s); /* not a leap year: no 02-29 */
    return date_parse(str_from(date), &y, m, d) == 0;
}

/* The stored (canonical) form of a list of plain words, ["a","b"], split without a JSON
 * parser: the hot path of every accreditation written out. -1: not that simple. */
static int split_simple(const char *json, struct arena *a, const char **out, size_t cap, size_t *n)
{
    const char *p = json;
    if (*p++ != '[')
        return -1;
    while (*p == '"') {
        const char *end = ++p;
        while (*end && *end != '"' && *end != '\\')
            end++;
        if (*end != '"' || *n == cap)
            return -1;
        out[(*n)++] = arena_strndup(a, p, (size_t)(end - p));
        p = end + 1;
        if (*p == ',' && p[1] == '"')
            p++;
    }
    return p[0] == ']' && p[1] == '\0' ? 0 : -1;
}

/* A JSON array of strings into out[0..cap); false if it is not one or is too long. */
static bool parse_list(const char *json, struct arena *a, const char **out, size_t cap, size_t *n)
{
    *n = 0;
    if (!json)
        return true;
    if (split_simple(json, a, out, cap, n) == 0)
        return true;
    *n = 0; /* escapes or anything unusual: the real parser */
    json_t *arr = json_loads(json, 0, NULL);
    bool ok = json_is_array(arr) && json_array_size(arr) <= cap;
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (!ok || !json_is_string(item)) {
            ok = false;
            break;
        }
        out[(*n)++] = arena_strdup(a, json_string_value(item));
    }
    json_decref(arr);
    return ok;
}

/* ---- body rules ---------------------------------------------------------------------- */

int ledger_body_rules(struct store_conn *c, const char *code, struct arena *a,
                      struct body_rules *out)
{
    memset(out, 0, sizeof(*out));
    struct store_body_row row;
    int rc = store_body_row(c, code, a, &row);
    if (rc < 0)
        return rc;
    out->id = row.id;
    out->code = row.code;
    out->name = row.name;
    out->report_interval = (int)row.report_interval;
    out->min_years = (int)row.min_years;
    bool ok = parse_list(row.statuses, a, out->statuses, LEDGER_STATUSES_MAX, &out->nstatuses) &&
              parse_list(row.national, a, out->national, LEDGER_STATUSES_MAX, &out->nnational) &&
              parse_list(row.exempt, a, out->exempt, LEDGER_STATUSES_MAX, &out->nexempt);
    if (row.report_due && !month_day(row.report_due, &out->report_due_month, &out->report_due_day))
        ok = false;
    if (row.filing_deadline &&
        !month_day(row.filing_deadline, &out->filing_month, &out->filing_day))
        ok = false;
    if (row.decision_expected &&
        !month_day(row.decision_expected, &out->decision_month, &out->decision_day))
        ok = false;
    return ok ? STORE_OK : STORE_ERROR;
}

bool ledger_has_status(const struct body_rules *b, const char *status)
{
    return in_list(b->statuses, b->nstatuses, status);
}

bool ledger_status_exempt(const struct body_rules *b, const char *status)
{
    return in_list(b->exempt, b->nexempt, status);
}

bool ledger_status_national(const struct body_rules *b, const char *status)
{
    return in_list(b->national, b->nnational, status);
}

/* ---- the rules ----------------------------------------------------------------------- */

bool ledger_report_due(const struct body_rules *b, const char *status, const char *state,
                       const char *granted_on, int64_t last_period_end, char due[11], int period[2])
{
    if (b->report_interval <= 0 || b->report_due_month == 0)
        return false;
    if (!state || (strcmp(state, "active") != 0 && strcmp(state, "suspended") != 0))
        return false;
    if (ledger_status_exempt(b, status))
        return false;
    int64_t base;
    int y, m, d;
    if (last_period_end > 0)
        base = last_period_end;
    else if (granted_on && date_parse(str_from(granted_on), &y, &m, &d) == 0)
        base = y;
    else
        return false;
    int64_t year = base + b->report_interval + 1;
    if (year > 9999)
        return false;
    snprintf(due, 11, "%04u-%02u-%02u", (unsigned)year % 10000u,
             (unsigned)b->report_due_month % 100u, (unsigned)b->report_due_day % 100u);
    if (period) {
        period[0] = (int)base + 1;
        period[1] = (int)base + b->report_interval;
    }
    return true;
}

bool ledger_overdue(const char *due, const char *today)
{
    return due && today && strcmp(due, today) < 0;
}

bool ledger_filing_deadline(const struct body_rules *b, const char *on, char out[11],
                            int *considered_in)
{
    int y, m, d;
    if (b->filing_month == 0 || !on || date_parse(str_from(on), &y, &m, &d) < 0)
        return false;
    bool by_this_year = m < b->filing_month || (m == b->filing_month && d <= b->filing_day);
    int year = by_this_year ? y : y + 1;
    if (year > 9998)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)year % 10000u, (unsigned)b->filing_month % 100u,
             (unsigned)b->filing_day % 100u);
    if (considered_in)
        *considered_in = year + 1;
    return true;
}

static const char *const number_words[] = {"zero", "one",   "two",   "three", "four", "five",
                                           "six",  "seven", "eight", "nine",  "ten"};

size_t ledger_eligibility(const struct body_rules *b, const char *status, const char *founded_on,
                          const char *on, struct arena *a, const char **out, size_t cap)
{
    size_t n = 0;
    if (b->min_years > 0 && n < cap) {
        const char *years = b->min_years < (int)ARRAY_SIZE(number_words)
                                ? number_words[b->min_years]
                                : arena_printf(a, "%d", b->min_years);
        int fy, fm, fd, y, m, d;
        if (!founded_on || date_parse(str_from(founded_on), &fy, &fm, &fd) < 0) {
            out[n++] = arena_printf(a,
                                    "the registration date (founded_on) is not known, so the "
                                    "%s-year registration rule cannot be checked",
                                    years);
        } else if (on && date_parse(str_from(on), &y, &m, &d) == 0) {
            /* The anniversary: the same month and day min_years later (29 Feb: 1 Mar). */
            int ay = fy + b->min_years;
            bool before = y < ay || (y == ay && (m < fm || (m == fm && d < fd)));
            if (before)
                out[n++] = arena_printf(a, "registered less than %s year%s before filing", years,
                                        b->min_years == 1 ? "" : "s");
        }
    }
    if (ledger_has_status(b, status) && !ledger_status_national(b, status) && n < cap)
        out[n++] = arena_printf(a, "%s %s status is not open to national NGOs", b->code, status);
    return n;
}

/* ---- bodies -------------------------------------------------------------------------- */

static bool code_ok(const char *s)
{
    for (; s && *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Every item of list field `sub` is an item of `statuses`. */
static void check_subset(const struct record *rec, const char *sub, const char *const *statuses,
                         size_t nstatuses, struct arena *a, struct errors *errs)
{
    const char *items[LEDGER_STATUSES_MAX];
    size_t n;
    if (!parse_list(text_of(rec, sub), a, items, LEDGER_STATUSES_MAX, &n))
        return;
    for (size_t i = 0; i < n; i++)
        if (!in_list(statuses, nstatuses, items[i]))
            errors_add(errs, sub, "'%s' is not one of the body's statuses", items[i]);
}

static void body_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                          struct errors *errs)
{
    if (!code_ok(text_of(rec, "code")))
        errors_add(errs, "code", "must be capital letters, digits and _ (such as ECOSOC)");
    static const char *const days[] = {"report_due", "filing_deadline", "decision_expected"};
    for (size_t i = 0; i < ARRAY_SIZE(days); i++) {
        int m, d;
        const char *s = text_of(rec, days[i]);
        if (s && !month_day(s, &m, &d))
            errors_add(errs, days[i], "must be a day of the year as MM-DD, such as 06-01");
    }
    bool interval = int_of(rec, "report_interval_years") > 0, due = text_of(rec, "report_due");
    if (interval != due)
        errors_add(errs, interval ? "report_due" : "report_interval_years",
                   "report_interval_years and report_due go together");
    const char *statuses[LEDGER_STATUSES_MAX];
    size_t n;
    parse_list(text_of(rec, "statuses"), ctx->arena, statuses, LEDGER_STATUSES_MAX, &n);
    check_subset(rec, "national_statuses", statuses, n, ctx->arena, errs);
    check_subset(rec, "report_exempt", statuses, n, ctx->arena, errs);
}

static const struct field body_fields[] = {
    {"code", FT_TEXT, F_REQUIRED | F_CREATE_ONLY | F_FILTER | F_SORT, 2, 32, NULL, NULL},
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"statuses", FT_TEXT_LIST, F_FILTER, 0, LEDGER_STATUSES_MAX, NULL, NULL},
    {"national_statuses", FT_TEXT_LIST, 0, 0, LEDGER_STATUSES_MAX, NULL, NULL},
    {"report_interval_years", FT_INT, 0, 1, 20, NULL, NULL},
    {"report_due", FT_TEXT, 0, 5, 5, NULL, NULL},
    {"report_exempt", FT_TEXT_LIST, 0, 0, LEDGER_STATUSES_MAX, NULL, NULL},
    {"filing_deadline", FT_TEXT, 0, 5, 5, NULL, NULL},
    {"decision_expected", FT_TEXT, 0, 5, 5, NULL, NULL},
    {"min_years_registered", FT_INT, 0, 1, 50, NULL, NULL},
    {"rules_source", FT_TEXT, 0, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

const struct resource res_bodies = {
    .name = "bodies",
    .table = "bodies",
    .singular = "body",
    .fields = body_fields,
    .nfields = ARRAY_SIZE(body_fields),
    .access = RES_REFERENCE | RES_ADMIN_WRITES, /* everyone reads; administrators curate */
    .validate = body_validate,
};

/* ---- shared checks: a body and one of its statuses ----------------------------------- */

/* Loads the body named by rec's `body` and checks rec's status field against it. */
static bool check_body_status(const struct hook_ctx *ctx, const struct record *rec,
                              const char *status_field, struct body_rules *b, struct errors *errs)
{
    const char *code = text_of(rec, "body");
    int rc = ledger_body_rules(ctx->conn, code, ctx->arena, b);
    if (rc == STORE_NOT_FOUND) {
        errors_add(errs, "body", "no body with code %s", code);
        return false;
    }
    if (rc < 0) {
        errors_add(errs, "body", "the rules of body %s cannot be read", code);
        return false;
    }
    const char *status = text_of(rec, status_field);
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

static void not_in_future(const struct record *rec, const char *field, const char *today,
                          struct errors *errs)
{
    const char *s = text_of(rec, field);
    if (s && strcmp(s, today) > 0)
        errors_add(errs, field, "is in the future");
}

/* ---- accreditations ------------------------------------------------------------------ */

static const char *const accreditation_states[] = {"active", "suspended", "withdrawn", NULL};

static void accreditation_validate(const struct hook_ctx *ctx, struct record *rec,
                                   const struct record *old, struct errors *errs)
{
    struct body_rules b;
    check_body_status(ctx, rec, "status", &b, errs);
    if (!text_of(rec, "state"))
        set_text(rec, "state", accreditation_states[0], ctx->arena);
    char today[11];
    ledger_today(today);
    not_in_future(rec, "granted_on", today, errs);
    int64_t end = int_of(rec, "last_report_period_end");
    const char *granted = text_of(rec, "granted_on");
    int y, m, d;
    if (end && granted && date_parse(str_from(granted), &y, &m, &d) == 0 && end <= y)
        errors_add(errs, "last_report_period_end", "must be a year after the year granted (%d)", y);
    if (end && date_parse(str_from(today), &y, &m, &d) == 0 && end > y)
        errors_add(errs, "last_report_period_end", "is in the future");
}

static void accreditation_computed(const struct hook_ctx *ctx, const struct record *rec,
                                   struct jw *w)
{
    struct body_rules b;
    char due[11], today[11];
    int period[2];
    bool has = ctx && ctx->conn &&
               ledger_body_rules(ctx->conn, text_of(rec, "body"), ctx->arena, &b) == STORE_OK &&
               ledger_report_due(&b, text_of(rec, "status"), text_of(rec, "state"),
                                 text_of(rec, "granted_on"), int_of(rec, "last_report_period_end"),
                                 due, period);
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
    .params = accreditation_params,
    .nparams = ARRAY_SIZE(accreditation_params),
};

/* ---- applications -------------------------------------------------------------------- */

static const char *const application_states[] = {
    "draft",       "submitted", "endorsed", "filed",  "under_review", "deferred",
    "recommended", "granted",   "rejected", "closed", "withdrawn",    NULL};

/* DESIGN §3. Final states are those no row leaves: granted, rejected, closed, withdrawn. */
static const struct transition application_moves[] = {
    {"draft", "submitted", ROLE_NGO},           /* the NGO sends it to the ministry */
    {"submitted", "draft", ROLE_OFFICER},       /* returned to the NGO with a note */
    {"submitted", "endorsed", ROLE_OFFICER},    /* the ministry supports it */
    {"endorsed", "filed", ROLE_OFFICER},        /* filed with the body */
    {"filed", "under_review", ROLE_OFFICER},    /* on the Committee's agenda */
    {"under_review", "deferred", ROLE_OFFICER}, /* questions asked */
    {"deferred", "under_review", ROLE_OFFICER}, /* answered, back on the agenda */
    {"under_review", "recommended", ROLE_OFFICER},
    {"recommended", "granted", ROLE_OFFICER}, /* creates the accreditation */
    {"recommended", "rejected", ROLE_OFFICER},
    {"under_review", "closed", ROLE_OFFICER}, /* closed by the body */
    {"deferred", "closed", ROLE_OFFICER},     /* e.g. questions left unanswered */
    {"recommended", "closed", ROLE_OFFICER},
    {"*", "withdrawn", ROLE_NGO}, /* from any state that is not final */
};

static bool state_is(const struct record *rec, const char *const *states)
{
    const char *s = text_of(rec, "state");
    for (; s && *states; states++)
        if (strcmp(*states, s) == 0)
            return true;
    return false;
}

static const char *const before_filing[] = {"draft", "submitted", "endorsed", NULL};

static void application_validate(const struct hook_ctx *ctx, struct record *rec,
                                 const struct record *old, struct errors *errs)
{
    struct body_rules b;
    if (!int_of(rec, "organisation_id"))
        errors_add(errs, "organisation_id", "is required");
    check_body_status(ctx, rec, "requested_status", &b, errs);
    if (old && !state_is(old, before_filing) &&
        strcmp(text_of(old, "requested_status"), text_of(rec, "requested_status")) != 0)
        errors_add(errs, "requested_status", "cannot change once the application is filed");
    char today[11];
    ledger_today(today);
    not_in_future(rec, "filed_on", today, errs);
    not_in_future(rec, "decided_on", today, errs);
    const char *filed = text_of(rec, "filed_on"), *decided = text_of(rec, "decided_on");
    if (filed && decided && strcmp(decided, filed) < 0)
        errors_add(errs, "decided_on", "is before filed_on");
}

/* The date eligibility and the filing deadline are judged on: when filed, else today. */
static const char *judged_on(const struct record *rec, const char *today)
{
    const char *filed = text_of(rec, "filed_on");
    return filed ? filed : today;
}

static void application_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    struct body_rules b;
    char today[11], deadline[11];
    ledger_today(today);
    bool rules = ctx && ctx->conn &&
                 ledger_body_rules(ctx->conn, text_of(rec, "body"), ctx->arena, &b) == STORE_OK;
    int considered = 0;
    bool has_deadline = rules && (text_of(rec, "filed_on") || state_is(rec, before_filing)) &&
                        ledger_filing_deadline(&b, judged_on(rec, today), deadline, &considered);
    jw_kstr(w, "filing_deadline", has_deadline ? deadline : NULL);
    jw_key(w, "considered_in");
    if (has_deadline)
        jw_int(w, considered);
    else
        jw_null(w);

    const char *warnings[4];
    size_t n = 0;
    int64_t total = 0, open = 0;
    if (rules) {
        struct record *org;
        const char *founded = NULL;
        if (store_get(ctx->conn, &res_organisations, int_of(rec, "organisation_id"), ctx->arena,
                      &org) == STORE_OK)
            founded = text_of(org, "founded_on");
        n = ledger_eligibility(&b, text_of(rec, "requested_status"), founded, judged_on(rec, today),
                               ctx->arena, warnings, ARRAY_SIZE(warnings) - 1);
        store_question_counts(ctx->conn, rec->id, &total, &open);
        const char *const deferred[] = {"deferred", NULL};
        if (open && state_is(rec, deferred))
            warnings[n++] = arena_printf(ctx->arena,
                                         "%lld question%s from %s %s unanswered: unanswered "
                                         "questions lead to closure",
                                         (long long)open, open == 1 ? "" : "s", b.code,
                                         open == 1 ? "is" : "are");
    }
    jw_key(w, "warnings");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, warnings[i]);
    jw_arr_end(w);
    jw_key(w, "questions");
    jw_obj(w);
    jw_kint(w, "total", total);
    jw_kint(w, "open", open);
    jw_obj_end(w);
}

/* granted: the organisation now holds the status — a new accreditation, or (when it holds
 * another status at the same body) the existing one reclassified. */
static int grant(const struct hook_ctx *ctx, const struct record *app, const char *on,
                 struct errors *errs, struct error *msg)
{
    int64_t org = int_of(app, "organisation_id"), existing;
    const char *body = text_of(app, "body");
    int rc = store_current_accreditation(ctx->conn, org, body, &existing);
    if (rc < 0)
        return error_set(msg, "could not read the organisation's accreditations"), rc;
    if (!existing) {
        struct record *acc = record_new(&res_accreditations, ctx->arena);
        set_int(acc, "organisation_id", org);
        set_text(acc, "body", body, ctx->arena);
        set_text(acc, "status", text_of(app, "requested_status"), ctx->arena);
        set_text(acc, "granted_on", on, ctx->arena);
        set_text(acc, "state", "active", ctx->arena);
        set_int(acc, "application_id", app->id);
        return domain_insert_tx(ctx->tx, ctx->who, acc, ctx->arena, errs, msg);
    }
    struct record *old;
    if ((rc = store_get(ctx->conn, &res_accreditations, existing, ctx->arena, &old)) < 0)
        return error_set(msg, "could not read accreditation %lld", (long long)existing), rc;
    struct record *acc = record_copy(old, ctx->arena);
    set_text(acc, "status", text_of(app, "requested_status"), ctx->arena);
    set_text(acc, "granted_on", on, ctx->arena);
    set_text(acc, "state", "active", ctx->arena);
    set_int(acc, "application_id", app->id);
    accreditation_validate(ctx, acc, old, errs);
    if (errs->n)
        return DOMAIN_INVALID;
    if ((rc = store_update(ctx->tx, acc, msg)) < 0)
        return rc;
    struct buf before = BUF_INIT, after = BUF_INIT;
    record_to_audit_json(old, &before);
    record_to_audit_json(acc, &after);
    struct store_actor actor = principal_actor(ctx->who);
    rc =
        store_audit(ctx->tx, &actor, "update", res_accreditations.name, acc->id, before.p, after.p);
    buf_release(&before);
    buf_release(&after);
    if (rc < 0)
        error_set(msg, "could not write the audit entry");
    return rc;
}

static int application_on_transition(const struct hook_ctx *ctx, struct record *rec,
                                     const struct record *old, struct errors *errs,
                                     struct error *msg)
{
    char today[11];
    ledger_today(today);
    const char *to = text_of(rec, "state");
    if (strcmp(to, "filed") == 0 && !text_of(rec, "filed_on"))
        set_text(rec, "filed_on", today, ctx->arena);
    static const char *const decided[] = {"granted", "rejected", "closed", NULL};
    if (state_is(rec, decided) && !text_of(rec, "decided_on"))
        set_text(rec, "decided_on", today, ctx->arena);
    if (strcmp(to, "granted") == 0)
        return grant(ctx, rec, text_of(rec, "decided_on"), errs, msg);
    return 0;
}

static const struct field application_fields[] = {
    /* required (validate), but an NGO may leave it out: it is then its own organisation */
    {"organisation_id", FT_REF, F_FILTER | F_CREATE_ONLY, 0, 0, NULL, "organisations"},
    {"body", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_CREATE_ONLY, 1, 32, NULL, NULL},
    {"requested_status", FT_TEXT, F_REQUIRED | F_FILTER, 1, 32, NULL, NULL},
    {"state", FT_ENUM, F_READONLY | F_FILTER | F_SORT, 0, 0, application_states, NULL},
    {"committee_session", FT_TEXT, F_FILTER, 0, 64, NULL, NULL},
    {"filed_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"decided_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"notes", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

static const struct list_param application_params[] = {
    {"country", P_REF, "country", "organisation_id", NULL},
};

const struct resource res_applications = {
    .name = "applications",
    .table = "applications",
    .singular = "application",
    .fields = application_fields,
    .nfields = ARRAY_SIZE(application_fields),
    .owner = "organisation_id",
    .state_field = "state",
    .transitions = application_moves,
    .ntransitions = ARRAY_SIZE(application_moves),
    .on_transition = application_on_transition,
    .validate = application_validate,
    .computed = application_computed,
    .params = application_params,
    .nparams = ARRAY_SIZE(application_params),
};

/* ---- deferral questions -------------------------------------------------------------- */

/* Fields an NGO may set on its application's questions: the answer, not the question. */
static const char *const answer_fields[] = {"answer", "answered_on", NULL};

static void question_validate(const struct hook_ctx *ctx, struct record *rec,
                              const struct record *old, struct errors *errs)
{
    if (ctx->who && ctx->who->role == ROLE_NGO) {
        if (!old) {
            errors_add(errs, "question",
                       "questions are recorded by the ministry; answer them "
                       "with a PATCH of the question");
            return;
        }
        for (size_t i = 0; i < rec->res->nfields; i++) {
            const char *name = rec->res->fields[i].name;
            bool answer = false;
            for (const char *const *f = answer_fields; *f; f++)
                answer |= strcmp(*f, name) == 0;
            const struct value *a = &rec->v[i], *b = &old->v[i];
            bool same =
                a->null == b->null &&
                (a->null || (a->n == b->n && a->i == b->i && (!a->s || !memcmp(a->s, b->s, a->n))));
            if (!answer && !same)
                errors_add(errs, name, "only the answer may be changed by your organisation");
        }
    }
    char today[11];
    ledger_today(today);
    if (!text_of(rec, "asked_on"))
        set_text(rec, "asked_on", today, ctx->arena);
    const char *answer = text_of(rec, "answer");
    if (answer && !text_of(rec, "answered_on"))
        set_text(rec, "answered_on", today, ctx->arena);
    if (!answer && text_of(rec, "answered_on"))
        errors_add(errs, "answered_on", "is only set together with an answer");
    not_in_future(rec, "asked_on", today, errs);
    not_in_future(rec, "answered_on", today, errs);
    const char *asked = text_of(rec, "asked_on"), *answered = text_of(rec, "answered_on");
    if (answered && strcmp(answered, asked) < 0)
        errors_add(errs, "answered_on", "is before asked_on");
    if (old)
        return;
    /* Questions come with a deferral: the body asks them while reviewing. */
    struct record *app;
    static const char *const reviewing[] = {"under_review", "deferred", NULL};
    if (store_get(ctx->conn, &res_applications, int_of(rec, "application_id"), ctx->arena, &app) ==
            STORE_OK &&
        !state_is(app, reviewing))
        errors_add(errs, "application_id",
                   "questions are recorded while the body reviews the application "
                   "(under_review or deferred); it is %s",
                   text_of(app, "state"));
}

static const struct field question_fields[] = {
    {"application_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "applications"},
    {"question", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"asked_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"answer", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"answered_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
};

const struct resource res_application_questions = {
    .name = "application_questions",
    .table = "application_questions",
    .singular = "question",
    .fields = question_fields,
    .nfields = ARRAY_SIZE(question_fields),
    .parent = "applications",
    .parent_field = "application_id",
    .path = "questions",
    .validate = question_validate,
};

/* ---- listings ------------------------------------------------------------------------ */

static void listing_validate(const struct hook_ctx *ctx, struct record *rec,
                             const struct record *old, struct errors *errs)
{
    struct body_rules b;
    check_body_status(ctx, rec, "status", &b, errs);
}

static const struct field listing_fields[] = {
    {"body", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_CREATE_ONLY, 1, 32, NULL, NULL},
    {"status", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT, 1, 32, NULL, NULL},
    {"as_of", FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"country", FT_COUNTRY, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
};

const struct resource res_listings = {
    .name = "listings",
    .table = "listings",
    .singular = "listing entry",
    .fields = listing_fields,
    .nfields = ARRAY_SIZE(listing_fields),
    .access = RES_REFERENCE,
    .validate = listing_validate,
};
