/*
 * The ledger's declarations (bodies, accreditations, applications and their questions,
 * listings), their hooks, and the rules as pure functions over a body's rules row.
 * Statistics, listings import and the calendar are in ledger_stats.c; the iCalendar
 * rendering in ledger_ics.c; demo content in ledger_demo.c.
 */
#include "domain/ledger.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/access.h"
#include "store/ledger.h"

#include <stdio.h>
#include <stdlib.h>
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

/* ---- Committee sessions ---------------------------------------------------------------- */

static const struct session_start {
    int month, day;
    const char *part;
} session_starts[] = {
    {1, 15, "regular"},
    {5, 1, "resumed"},
};

bool ledger_session_parse(const char *s, int *year, bool *resumed)
{
    if (!s || strlen(s) < 6 || s[4] != ' ')
        return false;
    int64_t y;
    if (parse_i64((struct str){s, 4}, 1946, 9998, &y) < 0)
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(session_starts); i++)
        if (strcmp(s + 5, session_starts[i].part) == 0) {
            *year = (int)y;
            *resumed = i == 1;
            return true;
        }
    return false;
}

int ledger_session_current(const char *today)
{
    int y, m, d;
    if (date_parse(str_from(today), &y, &m, &d) < 0)
        BUG("ledger_session_current: not a date");
    int idx = (y - 1) * 2 + 1; /* last year's resumed session */
    for (size_t i = 0; i < ARRAY_SIZE(session_starts); i++)
        if (m > session_starts[i].month ||
            (m == session_starts[i].month && d >= session_starts[i].day))
            idx = y * 2 + (int)i;
    return idx;
}

void ledger_session_next_start(const char *today, char out[11])
{
    int idx = ledger_session_current(today) + 1;
    const struct session_start *s = &session_starts[idx % 2];
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(idx / 2) % 10000u, (unsigned)s->month % 100u,
             (unsigned)s->day % 100u);
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

/* "status:needed:years" (e.g. "associate:consultative:2") into its parts; false if not. */
static bool parse_prerequisite(const char *s, struct arena *a, const char **status,
                               const char **needs, int *years)
{
    const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == s || c2 == c1 + 1 || !c2[1])
        return false;
    int64_t y = 0;
    for (const char *p = c2 + 1; *p; p++) {
        if (*p < '0' || *p > '9' || y > 100)
            return false;
        y = y * 10 + (*p - '0');
    }
    if (y < 1 || y > 50)
        return false;
    *status = arena_strndup(a, s, (size_t)(c1 - s));
    *needs = arena_strndup(a, c1 + 1, (size_t)(c2 - c1 - 1));
    *years = (int)y;
    return true;
}

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
    ok = ok && parse_list(row.deadline_statuses, a, out->deadline_statuses, LEDGER_STATUSES_MAX,
                          &out->ndeadline_statuses);
    const char *prereq[LEDGER_STATUSES_MAX];
    size_t np = 0;
    ok = ok && parse_list(row.prerequisites, a, prereq, LEDGER_STATUSES_MAX, &np);
    for (size_t i = 0; ok && i < np; i++)
        ok = parse_prerequisite(prereq[i], a, &out->prereq[out->nprereq].status,
                                &out->prereq[out->nprereq].needs,
                                &out->prereq[out->nprereq].years) &&
             ++out->nprereq;
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

bool ledger_deadline_applies(const struct body_rules *b, const char *status)
{
    return b->ndeadline_statuses == 0 ||
           in_list(b->deadline_statuses, b->ndeadline_statuses, status);
}

static const char *const number_words[] = {"zero", "one",   "two",   "three", "four", "five",
                                           "six",  "seven", "eight", "nine",  "ten"};

static const char *years_word(int n, struct arena *a)
{
    return n >= 0 && n < (int)ARRAY_SIZE(number_words) ? number_words[n] : arena_printf(a, "%d", n);
}

bool ledger_prerequisite_warning(const struct body_rules *b, const char *status,
                                 const char *held, const char *held_since, const char *on,
                                 struct arena *a, struct said *out)
{
    for (size_t i = 0; i < b->nprereq; i++) {
        if (!status || strcmp(b->prereq[i].status, status) != 0)
            continue;
        const char *needs = b->prereq[i].needs;
        int years = b->prereq[i].years, y, m, d, hy, hm, hd;
        const char *rule = arena_printf(a, "%s %s status needs %s year%s in %s status", b->code,
                                        status, years_word(years, a), years == 1 ? "" : "s", needs);
        const char *n = arena_printf(a, "%d", years);
        if (!held || strcmp(held, needs) != 0) {
            said_printf(out, a, "prereq_not_held", "%s: the organisation does not hold it", rule);
            said_params(out, a, 4, b->code, status, n, needs);
            return true;
        }
        if (!held_since || date_parse(str_from(held_since), &hy, &hm, &hd) < 0) {
            said_printf(out, a, "prereq_since_unknown", "%s: since when it is held is not known",
                        rule);
            said_params(out, a, 4, b->code, status, n, needs);
            return true;
        }
        if (on && date_parse(str_from(on), &y, &m, &d) == 0) {
            int ay = hy + years;
            if (y < ay || (y == ay && (m < hm || (m == hm && d < hd)))) {
                said_printf(out, a, "prereq_held_since", "%s: held since %s", rule, held_since);
                said_params(out, a, 5, b->code, status, n, needs, held_since);
                return true;
            }
        }
    }
    return false;
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
    /* base: the year before the period the next report covers. The cycle starts in the year
     * the current status was granted; a report for a period ending before that year (made
     * under the status held before a reclassification) does not move it. */
    int64_t base, granted = 0;
    int y, m, d;
    if (granted_on && date_parse(str_from(granted_on), &y, &m, &d) == 0)
        granted = y;
    if (last_period_end > 0 && (granted == 0 || last_period_end >= granted))
        base = last_period_end;
    else if (granted > 0)
        base = granted - 1;
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

/* The first day month-day (m, d) on or after `on`, as YYYY-MM-DD; false past year 9998. */
static bool next_day_of_year(const char *on, int m, int d, char out[11])
{
    int y, om, od;
    if (date_parse(str_from(on), &y, &om, &od) < 0)
        return false;
    if (om > m || (om == m && od > d))
        y++;
    if (y > 9998)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return true;
}

/* date plus whole years (29 February → 1 March when the year has none). */
static void add_years(const char *date, int years, char out[11])
{
    int y, m, d;
    if (date_parse(str_from(date), &y, &m, &d) < 0 || y + years > 9999) {
        out[0] = '\0';
        return;
    }
    char tmp[11];
    snprintf(tmp, sizeof(tmp), "%04u-%02u-%02u", (unsigned)(y + years) % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    if (date_valid(str_from(tmp)))
        memcpy(out, tmp, 11);
    else
        snprintf(out, 11, "%04u-03-01", (unsigned)(y + years) % 10000u);
}

void ledger_sanctions(const struct body_rules *b, const char *status, const char *state,
                      const char *granted_on, int64_t last_period_end, const char *today,
                      struct sanctions *out)
{
    memset(out, 0, sizeof(*out));
    bool suspended = state && strcmp(state, "suspended") == 0;
    bool withdrawn = state && strcmp(state, "withdrawn") == 0;
    out->standing = withdrawn ? "withdrawn" : suspended ? "suspended" : "good";
    /* the report owed, as if the status were still held (a withdrawn one owed it too) */
    char due[11], suspend_on[11];
    if (!ledger_report_due(b, status, "active", granted_on, last_period_end, due, NULL) ||
        !ledger_overdue(due, today) || b->decision_month == 0 ||
        !next_day_of_year(due, b->decision_month, b->decision_day, suspend_on))
        return;
    if (!suspended && !withdrawn) {
        out->standing = "report_overdue";
        memcpy(out->suspension_expected_on, suspend_on, 11);
    }
    add_years(suspend_on, 1, out->withdrawal_expected_on);
    if (withdrawn) {
        add_years(out->withdrawal_expected_on, 3, out->may_reapply_on);
        out->withdrawal_expected_on[0] = '\0';
    }
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

size_t ledger_eligibility(const struct body_rules *b, const char *status, const char *founded_on,
                          const char *on, struct arena *a, struct said *out, size_t cap)
{
    const char *nyears = arena_printf(a, "%d", b->min_years);
    size_t n = 0;
    if (b->min_years > 0 && n < cap) {
        const char *years = b->min_years < (int)ARRAY_SIZE(number_words)
                                ? number_words[b->min_years]
                                : arena_printf(a, "%d", b->min_years);
        int fy, fm, fd, y, m, d;
        if (!founded_on || date_parse(str_from(founded_on), &fy, &fm, &fd) < 0) {
            said_printf(&out[n], a, "founded_unknown",
                        "the registration date (founded_on) is not known, so the "
                        "%s-year registration rule cannot be checked",
                        years);
            said_params(&out[n++], a, 1, nyears);
        } else if (on && date_parse(str_from(on), &y, &m, &d) == 0) {
            /* The anniversary: the same month and day min_years later (29 Feb: 1 Mar). */
            int ay = fy + b->min_years;
            bool before = y < ay || (y == ay && (m < fm || (m == fm && d < fd)));
            if (before) {
                said_printf(&out[n], a, "registered_less",
                            "registered less than %s year%s before filing", years,
                            b->min_years == 1 ? "" : "s");
                said_params(&out[n++], a, 1, nyears);
            }
        }
    }
    if (ledger_has_status(b, status) && !ledger_status_national(b, status) && n < cap)
        said_printf(&out[n++], a, "not_national", "%s %s status is not open to national NGOs",
                    b->code, status);
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
    check_subset(rec, "filing_deadline_statuses", statuses, n, ctx->arena, errs);
    const char *prereq[LEDGER_STATUSES_MAX];
    size_t np;
    if (parse_list(text_of(rec, "status_prerequisites"), ctx->arena, prereq, LEDGER_STATUSES_MAX,
                   &np))
        for (size_t i = 0; i < np; i++) {
            const char *st, *needs;
            int years;
            if (!parse_prerequisite(prereq[i], ctx->arena, &st, &needs, &years))
                errors_add(errs, "status_prerequisites",
                           "'%s' is not status:needed-status:years (such as "
                           "associate:consultative:2)",
                           prereq[i]);
            else if (!in_list(statuses, n, st) || !in_list(statuses, n, needs))
                errors_add(errs, "status_prerequisites",
                           "'%s' names a status the body does not grant", prereq[i]);
        }
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
    {"filing_deadline_statuses", FT_TEXT_LIST, 0, 0, LEDGER_STATUSES_MAX, NULL, NULL},
    {"status_prerequisites", FT_TEXT_LIST, 0, 0, LEDGER_STATUSES_MAX, NULL, NULL},
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
    struct body_rules b = {0};
    check_body_status(ctx, rec, "status", &b, errs);
    if (!text_of(rec, "state"))
        set_text(rec, "state", accreditation_states[0], ctx->arena);
    char today[11];
    ledger_today(today);
    not_in_future(rec, "granted_on", today, errs);
    /* Reinstatement (resolution 2008/4): a suspended status whose missing report arrives
     * (last_report_period_end now covers what was due) is active again, in the same
     * write. The state is only changed when the caller did not set it in this write. */
    if (old && b.code && text_of(old, "state") && strcmp(text_of(old, "state"), "suspended") == 0 &&
        text_of(rec, "state") && strcmp(text_of(rec, "state"), "suspended") == 0 &&
        int_of(rec, "last_report_period_end") != int_of(old, "last_report_period_end")) {
        struct sanctions sn;
        ledger_sanctions(&b, text_of(rec, "status"), "active", text_of(rec, "granted_on"),
                         int_of(rec, "last_report_period_end"), today, &sn);
        if (strcmp(sn.standing, "good") == 0)
            set_text(rec, "state", "active", ctx->arena);
    }
    /* A report may end before the year granted: the status held before a reclassification
     * reported it, and it does not move the new cycle (ledger_report_due). */
    int64_t end = int_of(rec, "last_report_period_end");
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
    struct sanctions sn = {.standing = "good"};
    if (ctx && ctx->conn && b.code)
        ledger_sanctions(&b, text_of(rec, "status"), text_of(rec, "state"),
                         text_of(rec, "granted_on"), int_of(rec, "last_report_period_end"), today,
                         &sn);
    else if (text_of(rec, "state") && strcmp(text_of(rec, "state"), "active") != 0)
        sn.standing = text_of(rec, "state");
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
    const char *from = text_of(old, "status"), *to = text_of(rec, "status");
    if (!from || !to || strcmp(from, to) == 0)
        return 0;
    const char *granted = text_of(rec, "granted_on"), *was = text_of(old, "granted_on");
    char today[11];
    ledger_today(today);
    const char *on = granted && !(was && strcmp(granted, was) == 0) ? granted : today;
    int64_t app = int_of(rec, "application_id");
    if (app == int_of(old, "application_id"))
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

/* ---- applications -------------------------------------------------------------------- */

static const char *const application_states[] = {
    "draft",       "submitted", "endorsed", "filed",  "under_review", "deferred",
    "recommended", "granted",   "rejected", "closed", "withdrawn",    NULL};

/* DESIGN §3 (issue 14). Final states are those no row leaves: granted, rejected, closed,
 * withdrawn. The ministry's support (endorsed) is a step an application may pass through,
 * not one it must: NGOs apply to the UN directly. The Committee votes applications down at
 * review as well as after recommending them. */
static const struct transition application_moves[] = {
    {"draft", "submitted", ROLE_NGO},           /* the NGO sends it to the ministry */
    {"submitted", "draft", ROLE_OFFICER},       /* returned to the NGO with a note */
    {"submitted", "endorsed", ROLE_OFFICER},    /* the ministry supports it */
    {"draft", "filed", ROLE_OFFICER},           /* filed with the body directly */
    {"submitted", "filed", ROLE_OFFICER},       /* filed without waiting for support */
    {"endorsed", "filed", ROLE_OFFICER},        /* filed with the ministry's support */
    {"filed", "under_review", ROLE_OFFICER},    /* on the Committee's agenda */
    {"under_review", "deferred", ROLE_OFFICER}, /* questions asked */
    {"deferred", "under_review", ROLE_OFFICER}, /* answered, back on the agenda */
    {"under_review", "recommended", ROLE_OFFICER},
    {"recommended", "granted", ROLE_OFFICER},   /* creates or reclassifies the accreditation */
    {"under_review", "rejected", ROLE_OFFICER}, /* voted down at review */
    {"deferred", "rejected", ROLE_OFFICER},
    {"recommended", "rejected", ROLE_OFFICER}, /* e.g. ECOSOC does not follow the Committee */
    {"under_review", "closed", ROLE_OFFICER},  /* closed by the body */
    {"deferred", "closed", ROLE_OFFICER},      /* e.g. questions left unanswered */
    {"recommended", "closed", ROLE_OFFICER},
    {"*", "withdrawn", ROLE_NGO}, /* from any state that is not final */
};

/* Whether rec's text field `field` holds one of values (NULL-terminated). */
static bool field_is(const struct record *rec, const char *field, const char *const *values)
{
    const char *s = text_of(rec, field);
    for (; s && *values; values++)
        if (strcmp(*values, s) == 0)
            return true;
    return false;
}

static bool state_is(const struct record *rec, const char *const *states)
{
    return field_is(rec, "state", states);
}

static const char *const before_filing[] = {"draft", "submitted", "endorsed", NULL};

/* A session field is "YYYY regular" or "YYYY resumed"; a value stored before issue 14 in
 * another form is left alone until it is changed. */
/* The years a Committee session may be given in: the Committee on NGOs first met in 1946. */
enum { SESSION_YEAR_MIN = 1946, SESSION_YEAR_MAX = 2100 };

static void check_session(const struct record *rec, const struct record *old, const char *field,
                          struct errors *errs)
{
    const char *s = text_of(rec, field), *was = old ? text_of(old, field) : NULL;
    int y;
    bool resumed;
    if (s && !(was && strcmp(s, was) == 0) &&
        (!ledger_session_parse(s, &y, &resumed) || y > SESSION_YEAR_MAX))
        errors_add(errs, field,
                   "must be a Committee session as {\"year\": 1946..2100, \"part\": \"regular\" "
                   "or \"resumed\"} or as \"YYYY regular\" or \"YYYY resumed\"");
}

/*
 * The object form of a Committee session, {"year": 2017, "part": "regular"}, into the
 * stored text "2017 regular" (struct field_input). Both keys are required and no other
 * is allowed; the year is 1946..2100, the part "regular" or "resumed".
 */
static const char *session_from_object(json_t *obj, struct arena *a, struct value *out)
{
    json_t *year = json_object_get(obj, "year"), *part = json_object_get(obj, "part");
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (strcmp(key, "year") != 0 && strcmp(key, "part") != 0)
            return "a Committee session has only \"year\" and \"part\"";
    }
    if (!json_is_integer(year) || json_integer_value(year) < SESSION_YEAR_MIN ||
        json_integer_value(year) > SESSION_YEAR_MAX)
        return "year must be a whole number from 1946 to 2100";
    const char *p = json_is_string(part) ? json_string_value(part) : NULL;
    if (!p || (strcmp(p, session_starts[0].part) != 0 && strcmp(p, session_starts[1].part) != 0))
        return "part must be \"regular\" or \"resumed\"";
    out->null = false;
    out->s = arena_printf(a, "%d %s", (int)json_integer_value(year), p);
    out->n = strlen(out->s);
    return NULL;
}

static const struct field_input application_inputs[] = {
    {"committee_session", session_from_object},
};

static const struct field_input question_inputs[] = {
    {"asked_at_session", session_from_object},
};

/* The session as {"year", "part"}, or null. */
static void write_session(struct jw *w, const char *key, const char *s)
{
    int y;
    bool resumed;
    jw_key(w, key);
    if (!ledger_session_parse(s, &y, &resumed)) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kint(w, "year", y);
    jw_kstr(w, "part", resumed ? "resumed" : "regular");
    jw_obj_end(w);
}

static void application_validate(const struct hook_ctx *ctx, struct record *rec,
                                 const struct record *old, struct errors *errs)
{
    struct body_rules b;
    if (!int_of(rec, "organisation_id"))
        errors_add(errs, "organisation_id", "is required");
    check_body_status(ctx, rec, "requested_status", &b, errs);
    /* Whether the ministry supported it is the ministry's to say: set by `endorsed`, or by
     * an officer (e.g. consulted after filing); an NGO cannot claim it. */
    int si = resource_field_index(rec->res, "ministry_supported");
    if (rec->v[si].null)
        rec->v[si] = (struct value){.i = 0};
    int64_t was = old && !old->v[si].null ? old->v[si].i : 0;
    if (ctx->who && ctx->who->role == ROLE_NGO && rec->v[si].i != was)
        errors_add(errs, "ministry_supported", "is recorded by the ministry");
    check_session(rec, old, "committee_session", errs);
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

struct reapply {
    const struct body_rules *b;
    const char *today;
    struct arena *a;
    const char *latest; /* the latest may_reapply_on of a withdrawn status at the body */
};

static void reapply_row(void *arg, const struct store_due_row *row)
{
    struct reapply *k = arg;
    if (strcmp(row->body, k->b->code) != 0 || strcmp(row->state, "withdrawn") != 0)
        return;
    struct sanctions s;
    ledger_sanctions(k->b, row->status, row->state, row->granted_on, row->last_period_end, k->today,
                     &s);
    if (s.may_reapply_on[0] && (!k->latest || strcmp(s.may_reapply_on, k->latest) > 0))
        k->latest = arena_strdup(k->a, s.may_reapply_on);
}

/* When an organisation whose status at b was withdrawn for a missed report may apply
 * again (three years after the withdrawal, resolution 2008/4); NULL when nothing bars it. */
static const char *may_reapply_on(const struct hook_ctx *ctx, const struct body_rules *b,
                                  int64_t org, const char *today)
{
    struct reapply k = {.b = b, .today = today, .a = ctx->arena};
    if (store_org_accreditations(ctx->conn, org, reapply_row, &k) < 0)
        return NULL;
    return k.latest;
}

struct oldest_open {
    int oldest; /* session index, -1: none */
};

static void oldest_open_session(void *arg, const char *session)
{
    struct oldest_open *k = arg;
    int y;
    bool resumed;
    if (!ledger_session_parse(session, &y, &resumed))
        return;
    int idx = y * 2 + (resumed ? 1 : 0);
    if (k->oldest < 0 || idx < k->oldest)
        k->oldest = idx;
}

/* Questions unanswered over two consecutive sessions (asked at S, still open once S+2 has
 * begun: three reminders over two sessions, DESIGN §2): the oldest such session's index,
 * or -1. */
static int closure_due_since(const struct hook_ctx *ctx, int64_t app, const char *today)
{
    struct oldest_open k = {.oldest = -1};
    if (store_open_question_sessions(ctx->conn, app, oldest_open_session, &k) < 0)
        return -1;
    return k.oldest >= 0 && ledger_session_current(today) >= k.oldest + 2 ? k.oldest : -1;
}

static const struct computed_field application_computed_fields[] = {
    {"filing_deadline", "string", "date", CF_NULLABLE,
     "the last day to file for consideration in considered_in (null: no deadline applies)"},
    {"considered_in", "integer", NULL, CF_NULLABLE, "the year the Committee would consider it"},
    {"session", "object", NULL, CF_NULLABLE, "committee_session as data: {\"year\", \"part\"}"},
    {"warnings", "array", NULL, 0, "eligibility and deadline warnings, for a person"},
    {"warning_details", "array", NULL, 0,
     "the same warnings with a stable code and parameters, for a client to say in its language"},
    {"closure_due", "boolean", NULL, 0,
     "questions unanswered over two sessions: the body may close consideration"},
    {"questions", "object", NULL, 0, "the deferral questions: {\"total\", \"open\"}"},
};

static void application_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    struct body_rules b;
    char today[11], deadline[11];
    ledger_today(today);
    bool rules = ctx && ctx->conn &&
                 ledger_body_rules(ctx->conn, text_of(rec, "body"), ctx->arena, &b) == STORE_OK;
    int considered = 0;
    bool has_deadline = rules && (text_of(rec, "filed_on") || state_is(rec, before_filing)) &&
                        ledger_deadline_applies(&b, text_of(rec, "requested_status")) &&
                        ledger_filing_deadline(&b, judged_on(rec, today), deadline, &considered);
    jw_kstr(w, "filing_deadline", has_deadline ? deadline : NULL);
    jw_key(w, "considered_in");
    if (has_deadline)
        jw_int(w, considered);
    else
        jw_null(w);

    struct said warnings[7];
    size_t n = 0;
    int64_t total = 0, open = 0;
    int closure_since = -1; /* session index of the oldest question unanswered for two */
    if (rules) {
        struct record *org;
        const char *founded = NULL;
        if (store_get(ctx->conn, &res_organisations, int_of(rec, "organisation_id"), ctx->arena,
                      &org) == STORE_OK)
            founded = text_of(org, "founded_on");
        n = ledger_eligibility(&b, text_of(rec, "requested_status"), founded, judged_on(rec, today),
                               ctx->arena, warnings, ARRAY_SIZE(warnings) - 1);
        const char *held = NULL, *held_since = NULL;
        int64_t current;
        struct record *acc;
        if (store_current_accreditation(ctx->conn, int_of(rec, "organisation_id"), b.code,
                                        &current) == STORE_OK &&
            current &&
            store_get(ctx->conn, &res_accreditations, current, ctx->arena, &acc) == STORE_OK) {
            held = text_of(acc, "status");
            held_since = text_of(acc, "granted_on");
        }
        if (n < ARRAY_SIZE(warnings) - 1 &&
            ledger_prerequisite_warning(&b, text_of(rec, "requested_status"), held, held_since,
                                        judged_on(rec, today), ctx->arena, &warnings[n]))
            n++;
        const char *reapply = may_reapply_on(ctx, &b, int_of(rec, "organisation_id"), today);
        if (reapply && strcmp(judged_on(rec, today), reapply) < 0 && n < ARRAY_SIZE(warnings) - 1)
            said_printf(&warnings[n++], ctx->arena, "may_reapply",
                        "the organisation's %s status was withdrawn for a missed report: it "
                        "may apply again from %s",
                        b.code, reapply);
        store_question_counts(ctx->conn, rec->id, &total, &open);
        closure_since = closure_due_since(ctx, rec->id, today);
        const char *const deferred[] = {"deferred", NULL};
        if (open && state_is(rec, deferred))
            said_printf(&warnings[n++], ctx->arena, "unanswered",
                        open == 1 ? "%lld question from %s is unanswered: unanswered "
                                    "questions lead to closure"
                                  : "%lld questions from %s are unanswered: unanswered "
                                    "questions lead to closure",
                        (long long)open, b.code);
    }
    static const char *const open_states[] = {"under_review", "deferred", NULL};
    bool closure = closure_since >= 0 && state_is(rec, open_states);
    if (closure && n < ARRAY_SIZE(warnings))
        said_printf(&warnings[n++], ctx->arena, "closure_due",
                    "questions asked at the %d %s session are unanswered after two consecutive "
                    "sessions: closure of the application is due (record it with the move to "
                    "closed)",
                    closure_since / 2, closure_since % 2 ? "resumed" : "regular");
    jw_key(w, "warnings");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, warnings[i].text);
    jw_arr_end(w);
    jw_key(w, "warning_details"); /* the same, with a code and parameters (issue 17) */
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        said_write(w, &warnings[i]);
    jw_arr_end(w);
    jw_kbool(w, "closure_due", closure);
    write_session(w, "session", text_of(rec, "committee_session"));
    jw_key(w, "questions");
    jw_obj(w);
    jw_kint(w, "total", total);
    jw_kint(w, "open", open);
    jw_obj_end(w);
}

/*
 * granted: the organisation now holds the status. Without a current status at the body,
 * a new accreditation; with one, this is a reclassification (special → general, roster →
 * special): the same accreditation changes status in place (one per organisation and
 * body), granted_on becomes the decision date — the reporting cycle of the new status
 * begins in that year, and a report made for a period before it does not move it
 * (ledger_report_due) — and the change is kept in the status history. Both go through
 * the generic write path (references, validation, conflicts, audit) in the transition's
 * transaction.
 */
static int grant(const struct hook_ctx *ctx, const struct record *app, const char *on,
                 struct errors *errs, struct error *msg)
{
    int64_t org = int_of(app, "organisation_id"), existing;
    const char *body = text_of(app, "body"), *status = text_of(app, "requested_status");
    int rc = store_current_accreditation(ctx->conn, org, body, &existing);
    if (rc < 0)
        return error_set(msg, "could not read the organisation's accreditations"), rc;
    const char *from = NULL;
    struct record *acc;
    if (!existing) {
        acc = record_new(&res_accreditations, ctx->arena);
        set_int(acc, "organisation_id", org);
        set_text(acc, "body", body, ctx->arena);
        set_text(acc, "status", status, ctx->arena);
        set_text(acc, "granted_on", on, ctx->arena);
        set_text(acc, "state", "active", ctx->arena);
        set_int(acc, "application_id", app->id);
        rc = domain_insert_tx(ctx->tx, ctx->who, acc, ctx->arena, errs, msg);
    } else {
        struct record *old;
        if ((rc = store_get(ctx->conn, &res_accreditations, existing, ctx->arena, &old)) < 0)
            return error_set(msg, "could not read accreditation %lld", (long long)existing), rc;
        from = text_of(old, "status");
        acc = record_copy(old, ctx->arena);
        set_text(acc, "status", status, ctx->arena);
        set_text(acc, "granted_on", on, ctx->arena);
        set_text(acc, "state", "active", ctx->arena);
        set_int(acc, "application_id", app->id);
        rc = domain_update_tx(ctx->tx, ctx->who, old, acc, ctx->arena, errs, msg);
    }
    if (rc < 0)
        return rc;
    /* a reclassification is kept by the accreditation's own hook (status changed) */
    return from ? 0 : store_status_history_add(ctx->tx, acc->id, NULL, status, on, app->id, msg);
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
    if (strcmp(to, "endorsed") == 0)
        set_int(rec, "ministry_supported", 1);
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
    {"committee_session", FT_TEXT, F_FILTER | F_STAFF_WRITES, 0, 64, NULL, NULL},
    {"ministry_supported", FT_BOOL, F_FILTER, 0, 0, NULL, NULL}, /* endorsed, or said later */
    {"filed_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"decided_on", FT_DATE, F_SORT | F_STAFF_WRITES, 0, 0, NULL, NULL},
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
    .computed_fields = application_computed_fields,
    .ncomputed = ARRAY_SIZE(application_computed_fields),
    .params = application_params,
    .nparams = ARRAY_SIZE(application_params),
    .inputs = application_inputs,
    .ninputs = ARRAY_SIZE(application_inputs),
};

/* ---- deferral questions -------------------------------------------------------------- */

/* Fields an NGO may set on its application's questions: the answer, not the question. */
static const char *const answer_fields[] = {"answer", "answered_on", NULL};

/*
 * The checks a deferral question has whatever it was asked about (an application, a
 * quadrennial report): an NGO only answers; dates; the session. False when the record
 * is refused outright (an NGO creating a question).
 */
static bool question_common(const struct hook_ctx *ctx, struct record *rec,
                            const struct record *old, struct errors *errs)
{
    if (ctx->who && ctx->who->role == ROLE_NGO) {
        if (!old) {
            errors_add(errs, "question",
                       "questions are recorded by the ministry; answer them "
                       "with a PATCH of the question");
            return false;
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
    check_session(rec, old, "asked_at_session", errs);
    if (!text_of(rec, "asked_at_session") && asked && date_valid(str_from(asked))) {
        int idx = ledger_session_current(asked);
        set_text(rec, "asked_at_session",
                 arena_printf(ctx->arena, "%d %s", idx / 2, idx % 2 ? "resumed" : "regular"),
                 ctx->arena);
    }
    return true;
}

static void question_validate(const struct hook_ctx *ctx, struct record *rec,
                              const struct record *old, struct errors *errs)
{
    if (!question_common(ctx, rec, old, errs) || old)
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
    /* the Committee session that asked it, "2017 regular"; default: the one of asked_on */
    {"asked_at_session", FT_TEXT, F_FILTER, 0, 16, NULL, NULL},
};

static const struct computed_field question_computed_fields[] = {
    {"session", "object", NULL, CF_NULLABLE, "asked_at_session as data: {\"year\", \"part\"}"},
};

static void question_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    write_session(w, "session", text_of(rec, "asked_at_session"));
}

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
    .computed = question_computed,
    .computed_fields = question_computed_fields,
    .ncomputed = ARRAY_SIZE(question_computed_fields),
    .inputs = question_inputs,
    .ninputs = ARRAY_SIZE(question_inputs),
};

/* ---- quadrennial reports (issue 14 item 8) -------------------------------------------- */

static const char *const report_outcomes[] = {"pending", "taken_note", "deferred", NULL};

static void qreport_validate(const struct hook_ctx *ctx, struct record *rec,
                             const struct record *old, struct errors *errs)
{
    if (!text_of(rec, "outcome"))
        set_text(rec, "outcome", report_outcomes[0], ctx->arena);
    int64_t start = int_of(rec, "period_start"), end = int_of(rec, "period_end");
    if (start && end && end < start)
        errors_add(errs, "period_end", "is before period_start");
    char today[11];
    ledger_today(today);
    not_in_future(rec, "submitted_on", today, errs);
    int y, m, d;
    if (end && date_parse(str_from(today), &y, &m, &d) == 0 && end > y)
        errors_add(errs, "period_end", "is in the future");
    /* A status exempt from reports (ECOSOC roster) has none to record. A body without a
     * reporting rule in civdesk may still receive reports (UNESCO's partners report on
     * their cooperation): they are recorded, and move no due date since there is none. */
    struct record *acc;
    struct body_rules b;
    if (store_get(ctx->conn, &res_accreditations, int_of(rec, "accreditation_id"), ctx->arena,
                  &acc) != STORE_OK)
        return; /* the reference check names it */
    if (ledger_body_rules(ctx->conn, text_of(acc, "body"), ctx->arena, &b) != STORE_OK)
        return;
    if (ledger_status_exempt(&b, text_of(acc, "status")))
        errors_add(errs, "accreditation_id", "%s %s status does not report", b.code,
                   text_of(acc, "status"));
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
    if (!text_of(rec, "submitted_on"))
        return 0;
    struct record *acc;
    int rc = store_get(ctx->conn, &res_accreditations, int_of(rec, "accreditation_id"), ctx->arena,
                       &acc);
    if (rc < 0)
        return error_set(msg, "could not read the accreditation"), rc;
    int64_t end = int_of(rec, "period_end");
    if (end <= int_of(acc, "last_report_period_end"))
        return 0;
    struct record *moved = record_copy(acc, ctx->arena);
    set_int(moved, "last_report_period_end", end);
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
    {"outcome", FT_ENUM, F_FILTER, 0, 0, report_outcomes, NULL}, /* the Committee's */
    {"notes", FT_TEXT, 0, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
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

/* Questions on a quadrennial report: the Committee may defer a report with questions as it
 * does an application; the organisation answers them (issue 14 item 8). */
static void report_question_validate(const struct hook_ctx *ctx, struct record *rec,
                                     const struct record *old, struct errors *errs)
{
    if (!question_common(ctx, rec, old, errs) || old)
        return;
    /* Asked while the Committee considers the report (pending) or with its deferral. */
    struct record *report;
    static const char *const considering[] = {"pending", "deferred", NULL};
    if (store_get(ctx->conn, &res_accreditation_reports, int_of(rec, "report_id"), ctx->arena,
                  &report) == STORE_OK &&
        !field_is(report, "outcome", considering))
        errors_add(errs, "report_id",
                   "questions are recorded while the Committee considers the report "
                   "(pending or deferred); its outcome is %s",
                   text_of(report, "outcome"));
}

static const struct field report_question_fields[] = {
    {"report_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL,
     "accreditation_reports"},
    {"question", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"asked_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"answer", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"answered_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"asked_at_session", FT_TEXT, F_FILTER, 0, 16, NULL, NULL},
};

static const struct field_input report_question_inputs[] = {
    {"asked_at_session", session_from_object},
};

const struct resource res_report_questions = {
    .name = "report_questions",
    .table = "report_questions",
    .singular = "question",
    .fields = report_question_fields,
    .nfields = ARRAY_SIZE(report_question_fields),
    .parent = "accreditation_reports",
    .parent_field = "report_id",
    .path = "questions",
    .parent_path = "accreditation-reports", /* a report is itself a sub-record */
    .validate = report_question_validate,
    .computed = question_computed,
    .computed_fields = question_computed_fields,
    .ncomputed = ARRAY_SIZE(question_computed_fields),
    .inputs = report_question_inputs,
    .ninputs = ARRAY_SIZE(report_question_inputs),
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

/* ---- settings (issue 14 item 11) ----------------------------------------------------- */

/* The settings an administrator may change: name, and a check that returns NULL when the
 * value is acceptable or the message why not. One row per setting. */
static const char *check_country(const json_t *v)
{
    if (json_is_null(v))
        return NULL;
    if (!json_is_string(v) || !valid_country(str_from(json_string_value(v))))
        return "must be an ISO 3166-1 alpha-2 country code in capitals, such as RU, or null";
    return NULL;
}

static const struct setting {
    const char *name;
    const char *(*check)(const json_t *v);
} settings_table[] = {
    {"national_country", check_country},
};

int ledger_settings_get(struct store_conn *c, struct ledger_settings *out)
{
    struct store_settings row;
    int rc = store_settings_get(c, &row);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    snprintf(out->national_country, sizeof(out->national_country), "%s", row.national_country);
    snprintf(out->created_at, sizeof(out->created_at), "%s", row.created_at);
    snprintf(out->updated_at, sizeof(out->updated_at), "%s", row.updated_at);
    out->version = row.version;
    return STORE_OK;
}

static void settings_audit_json(const struct ledger_settings *st, struct buf *out)
{
    json_t *o =
        json_pack("{s:o}", "national_country",
                  st->national_country[0] ? json_string(st->national_country) : json_null());
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    buf_printf(out, "%s", text ? text : "{}");
    free(text);
    json_decref(o);
}

int ledger_settings_update(struct store *s, const struct principal *who, const json_t *patch,
                           int64_t if_match, struct errors *errs, struct error *msg,
                           struct ledger_settings *out)
{
    if (!who || who->role != ROLE_ADMIN)
        return error_set(msg, "only administrators may change the settings"), DOMAIN_FORBIDDEN;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)patch, key, v)
    {
        const struct setting *st = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(settings_table) && !st; i++)
            if (strcmp(settings_table[i].name, key) == 0)
                st = &settings_table[i];
        const char *why = st ? st->check(v) : "is not a setting; there is national_country";
        if (why)
            errors_add(errs, key, "%s", why);
    }
    if (errs->n)
        return DOMAIN_INVALID;
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    struct ledger_settings before;
    int rc = ledger_settings_get(store_tx_conn(tx), &before);
    if (rc < 0) {
        error_set(msg, "the settings could not be read");
        goto fail;
    }
    if (if_match && before.version != if_match) {
        error_set(msg,
                  "the settings were changed by someone else (you had version %lld, they are now "
                  "%lld): reload them",
                  (long long)if_match, (long long)before.version);
        rc = STORE_VERSION;
        goto fail;
    }
    struct ledger_settings after = before;
    json_t *cc = json_object_get(patch, "national_country");
    if (cc)
        snprintf(after.national_country, sizeof(after.national_country), "%s",
                 json_is_string(cc) ? json_string_value(cc) : "");
    if ((rc = store_settings_put(tx, after.national_country[0] ? after.national_country : NULL,
                                 msg)) < 0)
        goto fail;
    struct buf b = BUF_INIT, a = BUF_INIT;
    settings_audit_json(&before, &b);
    settings_audit_json(&after, &a);
    struct store_actor actor = principal_actor(who);
    rc = store_audit(tx, &actor, "update", "settings", LEDGER_SETTINGS_ID, b.p, a.p);
    buf_release(&b);
    buf_release(&a);
    if (rc < 0) {
        error_set(msg, "could not write the audit entry");
        goto fail;
    }
    if ((rc = ledger_settings_get(store_tx_conn(tx), out)) < 0)
        goto fail;
    return store_write_commit(tx, msg);
fail:
    store_write_rollback(tx);
    return rc;
}

void ledger_settings_json(const struct ledger_settings *st, struct jw *w)
{
    jw_obj(w);
    jw_kstr(w, "national_country", st->national_country[0] ? st->national_country : NULL);
    jw_kint(w, "version", st->version);
    jw_kstr(w, "created_at", st->created_at);
    jw_kstr(w, "updated_at", st->updated_at);
    jw_obj_end(w);
}

int ledger_national_country(struct store_conn *c, struct arena *a, char out[3])
{
    out[0] = '\0';
    struct ledger_settings st;
    int rc = ledger_settings_get(c, &st);
    if (rc < 0)
        return rc;
    memcpy(out, st.national_country, 3);
    return STORE_OK;
}
