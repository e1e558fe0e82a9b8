/*
 * The ledger's rules as pure functions over a body's rules row (Committee sessions, report
 * due dates, sanctions, filing deadlines, eligibility), and the bodies' declaration, whose
 * validation checks the same rules. The record helpers the other ledger files share are here.
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

bool ledger_session_part(const char *p)
{
    for (size_t i = 0; p && i < ARRAY_SIZE(session_starts); i++)
        if (strcmp(p, session_starts[i].part) == 0)
            return true;
    return false;
}

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

bool ledger_prerequisite_warning(const struct body_rules *b, const char *status, const char *held,
                                 const char *held_since, const char *on, struct arena *a,
                                 struct said *out)
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
    if (!parse_list(record_text(rec, sub), a, items, LEDGER_STATUSES_MAX, &n))
        return;
    for (size_t i = 0; i < n; i++)
        if (!in_list(statuses, nstatuses, items[i]))
            errors_add(errs, sub, "'%s' is not one of the body's statuses", items[i]);
}

static void body_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                          struct errors *errs)
{
    if (!code_ok(record_text(rec, "code")))
        errors_add(errs, "code", "must be capital letters, digits and _ (such as ECOSOC)");
    static const char *const days[] = {"report_due", "filing_deadline", "decision_expected"};
    for (size_t i = 0; i < ARRAY_SIZE(days); i++) {
        int m, d;
        const char *s = record_text(rec, days[i]);
        if (s && !month_day(s, &m, &d))
            errors_add(errs, days[i], "must be a day of the year as MM-DD, such as 06-01");
    }
    bool interval = record_int(rec, "report_interval_years") > 0,
         due = record_text(rec, "report_due");
    if (interval != due)
        errors_add(errs, interval ? "report_due" : "report_interval_years",
                   "report_interval_years and report_due go together");
    const char *statuses[LEDGER_STATUSES_MAX];
    size_t n;
    parse_list(record_text(rec, "statuses"), ctx->arena, statuses, LEDGER_STATUSES_MAX, &n);
    check_subset(rec, "national_statuses", statuses, n, ctx->arena, errs);
    check_subset(rec, "report_exempt", statuses, n, ctx->arena, errs);
    check_subset(rec, "filing_deadline_statuses", statuses, n, ctx->arena, errs);
    const char *prereq[LEDGER_STATUSES_MAX];
    size_t np;
    if (parse_list(record_text(rec, "status_prerequisites"), ctx->arena, prereq,
                   LEDGER_STATUSES_MAX, &np))
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
