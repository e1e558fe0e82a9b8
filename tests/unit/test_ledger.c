/*
 * Unit tests of the ledger (src/domain/ledger*.c, src/store/ledger.c): every rule with the
 * bodies' rules as the migration seeds them — report due dates, the roster exemption, the
 * shift after a report, filing-deadline boundaries on 1 and 2 June, eligibility — the
 * whole application transition table (every pair, every role), the SQL twin of the
 * overdue rule against the C one, granting, listings and representation figures, the
 * calendar and its iCalendar text. Each test runs on its own temporary database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "domain/ledger.h"
#include "domain/ledger_obligations.h"
#include "store/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- fixture ------------------------------------------------------------------------ */

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct arena a;
    struct errors errs;
    struct error msg;
    struct principal officer;
    struct principal admin; /* bodies are written by administrators only */
    struct body_rules ecosoc, unesco, coe, unhrc;
};

static int group_setup(void **state)
{
    return auth_init();
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-ledger-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    struct error err = ERROR_INIT;
    if (store_open(&f->s, f->path, STORE_OPEN_INIT, &err) < 0) {
        print_error("store_open: %s\n", err.msg);
        return -1;
    }
    arena_init(&f->a);
    errors_init(&f->errs, &f->a);
    f->officer = (struct principal){.role = ROLE_OFFICER, .user_id = 0, .email = "unit"};
    f->admin = (struct principal){.role = ROLE_ADMIN, .user_id = 0, .email = "unit-admin"};
    struct store_conn *c = store_reader(f->s);
    if (ledger_body_rules(c, "ECOSOC", &f->a, &f->ecosoc) < 0 ||
        ledger_body_rules(c, "UNESCO", &f->a, &f->unesco) < 0 ||
        ledger_body_rules(c, "COE", &f->a, &f->coe) < 0 ||
        ledger_body_rules(c, "UNHRC", &f->a, &f->unhrc) < 0)
        return -1;
    *state = f;
    alarm(120);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    alarm(0);
    store_close(f->s);
    arena_release(&f->a);
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[200];
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    core_set_clock_offset(0);
    return 0;
}

/* Creates a record from JSON text as the officer; fails the test on any error. */
static struct record *create(struct fx *f, const struct resource *res, const char *json)
{
    json_error_t jerr;
    json_t *body = json_loads(json, 0, &jerr);
    assert_non_null(body);
    struct record *rec = NULL;
    errors_init(&f->errs, &f->a);
    const struct principal *who = (res->access & RES_ADMIN_WRITES) ? &f->admin : &f->officer;
    int rc = domain_create(f->s, who, res, body, &f->a, &f->errs, &f->msg, &rec);
    json_decref(body);
    if (rc != 0)
        print_error("create %s: rc %d %s %s %s\n", res->name, rc, f->msg.msg,
                    f->errs.n ? f->errs.items[0].field : "",
                    f->errs.n ? f->errs.items[0].message : "");
    assert_int_equal(rc, 0);
    return rec;
}

/* The same, expecting a field error on `field`. */
static void create_fails(struct fx *f, const struct resource *res, const char *json,
                         const char *field)
{
    json_t *body = json_loads(json, 0, NULL);
    struct record *rec = NULL;
    errors_init(&f->errs, &f->a);
    const struct principal *who = (res->access & RES_ADMIN_WRITES) ? &f->admin : &f->officer;
    int rc = domain_create(f->s, who, res, body, &f->a, &f->errs, &f->msg, &rec);
    json_decref(body);
    assert_int_equal(rc, DOMAIN_INVALID);
    bool found = false;
    for (size_t i = 0; i < f->errs.n; i++)
        found |= strcmp(f->errs.items[i].field, field) == 0;
    assert_true(found);
}

static int64_t org(struct fx *f, const char *founded_on)
{
    char json[256];
    snprintf(json, sizeof(json), "{\"name\":\"Org %zu\",\"country\":\"RU\"%s%s%s}",
             (size_t)f->a.total, founded_on ? ",\"founded_on\":\"" : "",
             founded_on ? founded_on : "", founded_on ? "\"" : "");
    return create(f, &res_organisations, json)->id;
}

/* ---- report due dates ---------------------------------------------------------------- */

/* Issue 14 item 1: the NGO Branch, "the reporting cycle begins in the year the organization
 * was granted status" — granted 2013 → 2013–2016, due 2017-06-01 (it was 2018 before). */
static void test_first_report_covers_the_year_of_grant_due_1_june_y4(void **state)
{
    struct fx *f = *state;
    char due[11];
    int period[2];
    assert_true(ledger_report_due(&f->ecosoc, "special", "active", "2013-07-20", 0, due, period));
    assert_string_equal(due, "2017-06-01");
    assert_int_equal(period[0], 2013);
    assert_int_equal(period[1], 2016);
    assert_true(ledger_report_due(&f->ecosoc, "special", "active", "2015-07-20", 0, due, period));
    assert_string_equal(due, "2019-06-01");
    assert_int_equal(period[0], 2015);
    assert_int_equal(period[1], 2018);
}

/* A reclassification granted in Y starts a new cycle in Y: the report made for the
 * period before it does not move the next one; a report for a period from Y on does. */
static void test_report_before_the_current_grant_does_not_move_the_cycle(void **state)
{
    struct fx *f = *state;
    char due[11];
    int period[2];
    assert_true(
        ledger_report_due(&f->ecosoc, "general", "active", "2018-07-25", 2016, due, period));
    assert_string_equal(due, "2022-06-01");
    assert_int_equal(period[0], 2018);
    assert_int_equal(period[1], 2021);
    assert_true(
        ledger_report_due(&f->ecosoc, "general", "active", "2018-07-25", 2021, due, period));
    assert_string_equal(due, "2026-06-01");
    assert_int_equal(period[0], 2022);
}

static void test_general_status_reports_like_special(void **state)
{
    struct fx *f = *state;
    char due[11];
    assert_true(ledger_report_due(&f->ecosoc, "general", "active", "2001-01-01", 0, due, NULL));
    assert_string_equal(due, "2005-06-01");
    /* granted on the last day of the year: the year counts, not the day */
    assert_true(ledger_report_due(&f->ecosoc, "general", "active", "2001-12-31", 0, due, NULL));
    assert_string_equal(due, "2005-06-01");
}

static void test_roster_status_is_exempt_from_reports(void **state)
{
    struct fx *f = *state;
    char due[11];
    assert_false(ledger_report_due(&f->ecosoc, "roster", "active", "2015-07-20", 0, due, NULL));
    assert_false(ledger_report_due(&f->ecosoc, "roster", "active", "2015-07-20", 2019, due, NULL));
}

static void test_after_a_report_for_period_ending_e_next_is_due_1_june_e5(void **state)
{
    struct fx *f = *state;
    char due[11];
    int period[2];
    assert_true(
        ledger_report_due(&f->ecosoc, "special", "active", "2015-07-20", 2019, due, period));
    assert_string_equal(due, "2024-06-01");
    assert_int_equal(period[0], 2020);
    assert_int_equal(period[1], 2023);
    /* the last report decides even without the grant date */
    assert_true(ledger_report_due(&f->ecosoc, "special", "active", NULL, 2023, due, NULL));
    assert_string_equal(due, "2028-06-01");
}

/* Issue 14 item 9: the sanctions cycle, from the data. Granted 2013, no report: due
 * 2017-06-01, suspension expected in July 2017, withdrawal a year later, reapply three
 * years after that. */
static void test_sanctions_cycle_after_a_missed_report(void **state)
{
    struct fx *f = *state;
    struct sanctions s;
    ledger_sanctions(&f->ecosoc, "special", "active", "2013-07-25", 0, "2017-06-01", &s);
    assert_string_equal(s.standing, "good"); /* due today is not yet missed */
    assert_string_equal(s.suspension_expected_on, "");
    ledger_sanctions(&f->ecosoc, "special", "active", "2013-07-25", 0, "2017-06-02", &s);
    assert_string_equal(s.standing, "report_overdue");
    assert_string_equal(s.suspension_expected_on, "2017-07-01");
    assert_string_equal(s.withdrawal_expected_on, "2018-07-01");
    assert_string_equal(s.may_reapply_on, "");
    ledger_sanctions(&f->ecosoc, "special", "suspended", "2013-07-25", 0, "2017-08-01", &s);
    assert_string_equal(s.standing, "suspended");
    assert_string_equal(s.suspension_expected_on, "");
    assert_string_equal(s.withdrawal_expected_on, "2018-07-01");
    ledger_sanctions(&f->ecosoc, "special", "withdrawn", "2013-07-25", 0, "2018-08-01", &s);
    assert_string_equal(s.standing, "withdrawn");
    assert_string_equal(s.withdrawal_expected_on, "");
    assert_string_equal(s.may_reapply_on, "2021-07-01");
    /* the report came: nothing missed; roster never reports */
    ledger_sanctions(&f->ecosoc, "special", "suspended", "2013-07-25", 2016, "2017-08-01", &s);
    assert_string_equal(s.withdrawal_expected_on, "");
    ledger_sanctions(&f->ecosoc, "roster", "active", "2013-07-25", 0, "2030-01-01", &s);
    assert_string_equal(s.standing, "good");
}

/* Issue 14 item 12: the list is computed for the date the caller gives (notify --today). */
static void test_obligations_are_judged_on_the_date_given(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[256];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"general\","
             "\"granted_on\":\"2013-07-25\"}",
             (long long)o);
    int64_t acc = create(f, &res_accreditations, json)->id;
    struct store_conn *c = store_reader(f->s);
    struct obligation *items;
    size_t n;
    assert_int_equal(store_read_begin(c), 0); /* the list is read inside the caller's read */
    assert_int_equal(ledger_obligations(c, o, "2017-05-01", &f->a, &items, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].kind, "report_due");
    assert_string_equal(items[0].due_on, "2017-06-01");
    assert_false(items[0].overdue);
    assert_int_equal(items[0].id, acc);
    assert_string_equal(ledger_obligation_text(&items[0], "en", &f->a),
                        "The report to ECOSOC for 2013–2016 is due on 2017-06-01.");
    assert_int_equal(ledger_obligations(c, o, "2017-06-02", &f->a, &items, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].kind, "report_due");
    assert_true(items[0].overdue);
    assert_string_equal(items[1].kind, "suspension_expected");
    assert_false(items[1].overdue);
    assert_string_equal(items[2].kind, "withdrawal_expected");
    assert_int_equal(ledger_obligations(c, 987654, "2017-06-02", &f->a, &items, &n),
                     STORE_NOT_FOUND);
    store_read_end(c);
}

static void test_obligation_language_from_query_or_accept_language(void **state)
{
    assert_string_equal(ledger_obligation_lang(NULL, NULL), "en");
    assert_string_equal(ledger_obligation_lang(NULL, "ru-RU,ru;q=0.9"), "ru");
    assert_string_equal(ledger_obligation_lang(NULL, "de-DE, en;q=0.5, ru;q=0.4"), "en");
    assert_string_equal(ledger_obligation_lang(NULL, "fr"), "en");
    assert_string_equal(ledger_obligation_lang("en", "ru"), "en");
    assert_null(ledger_obligation_lang("rus", NULL));
}

/* Issue 14 item 10: sessions in order; the current one from a date. */
static void test_committee_sessions_are_ordered_and_dated(void **state)
{
    int y;
    bool resumed;
    assert_true(ledger_session_parse("2017 regular", &y, &resumed));
    assert_int_equal(y, 2017);
    assert_false(resumed);
    assert_true(ledger_session_parse("2017 resumed", &y, &resumed));
    assert_true(resumed);
    assert_false(ledger_session_parse("2017 winter", &y, &resumed));
    assert_false(ledger_session_parse("17 regular", &y, &resumed));
    assert_false(ledger_session_parse("2017regular", &y, &resumed));
    assert_int_equal(ledger_session_current("2017-01-14"), 2016 * 2 + 1); /* 2016 resumed */
    assert_int_equal(ledger_session_current("2017-01-15"), 2017 * 2);     /* 2017 regular */
    assert_int_equal(ledger_session_current("2017-05-01"), 2017 * 2 + 1); /* 2017 resumed */
    assert_int_equal(ledger_session_current("2017-12-31"), 2017 * 2 + 1);
    char next[11];
    ledger_session_next_start("2017-03-01", next);
    assert_string_equal(next, "2017-05-01");
    ledger_session_next_start("2017-06-01", next);
    assert_string_equal(next, "2018-01-15");
}

static void test_suspended_still_owes_the_report_withdrawn_does_not(void **state)
{
    struct fx *f = *state;
    char due[11];
    assert_true(ledger_report_due(&f->ecosoc, "special", "suspended", "2015-07-20", 0, due, NULL));
    assert_string_equal(due, "2019-06-01");
    assert_false(ledger_report_due(&f->ecosoc, "special", "withdrawn", "2015-07-20", 0, due, NULL));
}

static void test_no_report_due_without_a_date_or_for_bodies_without_reports(void **state)
{
    struct fx *f = *state;
    char due[11];
    assert_false(ledger_report_due(&f->ecosoc, "special", "active", NULL, 0, due, NULL));
    assert_false(
        ledger_report_due(&f->unesco, "consultative", "active", "2015-07-20", 0, due, NULL));
    assert_false(ledger_report_due(&f->coe, "participatory", "active", "2015-07-20", 0, due, NULL));
}

static void test_overdue_only_after_the_due_day(void **state)
{
    assert_false(ledger_overdue("2020-06-01", "2020-05-31"));
    assert_false(ledger_overdue("2020-06-01", "2020-06-01"));
    assert_true(ledger_overdue("2020-06-01", "2020-06-02"));
    assert_false(ledger_overdue(NULL, "2020-06-02"));
}

/* ---- filing deadline ----------------------------------------------------------------- */

static void test_filed_on_1_june_is_considered_the_next_year(void **state)
{
    struct fx *f = *state;
    char d[11];
    int year;
    assert_true(ledger_filing_deadline(&f->ecosoc, "2024-06-01", d, &year));
    assert_string_equal(d, "2024-06-01");
    assert_int_equal(year, 2025);
}

static void test_filed_on_2_june_waits_for_the_year_after(void **state)
{
    struct fx *f = *state;
    char d[11];
    int year;
    assert_true(ledger_filing_deadline(&f->ecosoc, "2024-06-02", d, &year));
    assert_string_equal(d, "2025-06-01");
    assert_int_equal(year, 2026);
}

static void test_filing_deadline_at_year_ends(void **state)
{
    struct fx *f = *state;
    char d[11];
    int year;
    assert_true(ledger_filing_deadline(&f->ecosoc, "2024-01-01", d, &year));
    assert_string_equal(d, "2024-06-01");
    assert_int_equal(year, 2025);
    assert_true(ledger_filing_deadline(&f->ecosoc, "2024-12-31", d, &year));
    assert_string_equal(d, "2025-06-01");
    assert_int_equal(year, 2026);
    /* UNESCO: requests by 30 November, decided the next year */
    assert_true(ledger_filing_deadline(&f->unesco, "2024-11-30", d, &year));
    assert_string_equal(d, "2024-11-30");
    assert_int_equal(year, 2025);
    assert_true(ledger_filing_deadline(&f->unesco, "2024-12-01", d, &year));
    assert_string_equal(d, "2025-11-30");
}

static void test_no_filing_deadline_where_the_body_has_none(void **state)
{
    struct fx *f = *state;
    char d[11];
    int year;
    assert_false(ledger_filing_deadline(&f->coe, "2024-06-01", d, &year));
    assert_false(ledger_filing_deadline(&f->unhrc, "2024-06-01", d, &year));
}

/* ---- eligibility --------------------------------------------------------------------- */

static size_t warnings(struct fx *f, const struct body_rules *b, const char *status,
                       const char *founded, const char *on, const char **out)
{
    struct said said[4];
    size_t n = ledger_eligibility(b, status, founded, on, &f->a, said, 4);
    for (size_t i = 0; i < n; i++)
        out[i] = said[i].text;
    return n;
}

static void test_registered_under_two_years_before_filing_warns(void **state)
{
    struct fx *f = *state;
    const char *w[4];
    assert_int_equal(warnings(f, &f->ecosoc, "special", "2023-06-02", "2025-06-01", w), 1);
    assert_string_equal(w[0], "registered less than two years before filing");
    /* exactly two years: eligible */
    assert_int_equal(warnings(f, &f->ecosoc, "special", "2023-06-01", "2025-06-01", w), 0);
    assert_int_equal(warnings(f, &f->ecosoc, "special", "1990-01-01", "2025-06-01", w), 0);
}

static void test_two_years_from_a_leap_day_end_on_1_march(void **state)
{
    struct fx *f = *state;
    const char *w[4];
    assert_int_equal(warnings(f, &f->ecosoc, "special", "2020-02-29", "2022-02-28", w), 1);
    assert_int_equal(warnings(f, &f->ecosoc, "special", "2020-02-29", "2022-03-01", w), 0);
}

static void test_unknown_registration_date_is_a_warning(void **state)
{
    struct fx *f = *state;
    const char *w[4];
    assert_int_equal(warnings(f, &f->ecosoc, "special", NULL, "2025-06-01", w), 1);
    assert_non_null(strstr(w[0], "founded_on"));
}

static void test_coe_participatory_is_not_open_to_national_ngos(void **state)
{
    struct fx *f = *state;
    const char *w[4];
    assert_int_equal(warnings(f, &f->coe, "participatory", "1990-01-01", "2025-06-01", w), 1);
    assert_string_equal(w[0], "COE participatory status is not open to national NGOs");
    assert_int_equal(warnings(f, &f->unesco, "associate", "1990-01-01", "2025-06-01", w), 1);
    assert_string_equal(w[0], "UNESCO associate status is not open to national NGOs");
    assert_int_equal(warnings(f, &f->unesco, "consultative", "1990-01-01", "2025-06-01", w), 0);
}

static void test_the_application_carries_its_warnings_and_deadline(void **state)
{
    struct fx *f = *state;
    int64_t young = org(f, "2025-01-01");
    core_set_clock_offset(0);
    char json[256];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"COE\",\"requested_status\":\"participatory\","
             "\"filed_on\":\"2025-03-01\"}",
             (long long)young);
    struct record *app = create(f, &res_applications, json);
    struct buf out = BUF_INIT;
    struct jw w;
    jw_init(&w, &out);
    struct hook_ctx ctx = {.who = &f->officer, .conn = store_reader(f->s), .arena = &f->a};
    record_to_json(&ctx, app, &w);
    /* COE has no two-year rule and no filing deadline, only the national-NGO one */
    assert_non_null(strstr(out.p, "\"warnings\":[\"COE participatory status is not open to "
                                  "national NGOs\"]"));
    assert_non_null(strstr(out.p, "\"filing_deadline\":null"));
    buf_reset(&out);
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"requested_status\":\"special\","
             "\"filed_on\":\"2025-06-02\"}",
             (long long)young);
    app = create(f, &res_applications, json);
    jw_init(&w, &out);
    record_to_json(&ctx, app, &w);
    assert_non_null(strstr(out.p, "\"filing_deadline\":\"2026-06-01\",\"considered_in\":2027"));
    assert_non_null(strstr(out.p, "registered less than two years before filing"));
    buf_release(&out);
}

/* ---- validation ---------------------------------------------------------------------- */

static void test_status_must_be_one_the_body_grants(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[200];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"participatory\"}",
             (long long)o);
    create_fails(f, &res_accreditations, json, "status");
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"UNHRC\",\"status\":\"special\"}", (long long)o);
    create_fails(f, &res_accreditations, json, "status");
    snprintf(json, sizeof(json), "{\"organisation_id\":%lld,\"body\":\"NOPE\",\"status\":\"x\"}",
             (long long)o);
    create_fails(f, &res_accreditations, json, "body");
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"requested_status\":\"consultative\"}",
             (long long)o);
    create_fails(f, &res_applications, json, "requested_status");
}

static void test_a_report_period_may_not_end_in_the_future(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[256], today[11];
    ledger_today(today);
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"special\","
             "\"granted_on\":\"2015-07-20\",\"last_report_period_end\":%d}",
             (long long)o, atoi(today) + 1);
    create_fails(f, &res_accreditations, json, "last_report_period_end");
}

static void test_a_new_accreditation_is_active(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[200];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"roster\"}", (long long)o);
    struct record *acc = create(f, &res_accreditations, json);
    int si = resource_field_index(&res_accreditations, "state");
    assert_string_equal(acc->v[si].s, "active");
}

/* ---- bodies: rules are data ---------------------------------------------------------- */

static void test_a_changed_rule_applies_at_once_to_every_reader(void **state)
{
    struct fx *f = *state;
    struct store_conn *c = store_reader(f->s);
    struct body_rules b;
    char due[11];
    assert_int_equal(ledger_body_rules(c, "ECOSOC", &f->a, &b), 0); /* cached now */
    assert_true(ledger_report_due(&b, "special", "active", "2015-07-20", 0, due, NULL));
    assert_string_equal(due, "2019-06-01");
    json_t *patch = json_pack("{s:i,s:s,s:[s,s]}", "report_interval_years", 5, "report_due",
                              "09-30", "report_exempt", "roster", "special");
    struct record *out;
    errors_init(&f->errs, &f->a);
    assert_int_equal(domain_update(f->s, &f->admin, &res_bodies, f->ecosoc.id, 0, patch, &f->a,
                                   &f->errs, &f->msg, &out),
                     0);
    json_decref(patch);
    assert_int_equal(ledger_body_rules(c, "ECOSOC", &f->a, &b), 0);
    assert_int_equal(b.report_interval, 5);
    assert_true(ledger_status_exempt(&b, "special"));
    assert_true(ledger_report_due(&b, "general", "active", "2015-07-20", 0, due, NULL));
    assert_string_equal(due, "2020-09-30");
    assert_false(ledger_report_due(&b, "special", "active", "2015-07-20", 0, due, NULL));
}

static void test_a_body_added_with_its_rules_works_without_code(void **state)
{
    struct fx *f = *state;
    create(f, &res_bodies,
           "{\"code\":\"AU_ECOSOCC\",\"name\":\"African Union ECOSOCC\","
           "\"statuses\":[\"member\",\"observer \\\"b\\\"\"],\"national_statuses\":[\"member\"],"
           "\"report_interval_years\":2,\"report_due\":\"03-31\",\"filing_deadline\":\"10-15\","
           "\"min_years_registered\":3}");
    struct body_rules b;
    assert_int_equal(ledger_body_rules(store_reader(f->s), "AU_ECOSOCC", &f->a, &b), 0);
    assert_int_equal(b.nstatuses, 2);
    assert_string_equal(b.statuses[1], "observer \"b\""); /* an escape: the JSON parser */
    char due[11], deadline[11];
    int year;
    assert_true(ledger_report_due(&b, "member", "active", "2020-05-05", 0, due, NULL));
    assert_string_equal(due, "2022-03-31");
    assert_true(ledger_filing_deadline(&b, "2024-10-16", deadline, &year));
    assert_string_equal(deadline, "2025-10-15");
    const char *w[4];
    assert_int_equal(warnings(f, &b, "member", "2022-01-01", "2024-10-16", w), 1);
    assert_string_equal(w[0], "registered less than three years before filing");
    create_fails(f, &res_bodies,
                 "{\"code\":\"X1\",\"name\":\"x\",\"statuses\":[\"a\"],"
                 "\"report_exempt\":[\"b\"],\"report_interval_years\":4}",
                 "report_exempt");
}

/* ---- the transition table ------------------------------------------------------------ */

static const char *const states[] = {"draft",        "submitted", "endorsed",    "filed",
                                     "under_review", "deferred",  "recommended", "granted",
                                     "rejected",     "closed",    "withdrawn"};

/* DESIGN §3, written out independently of the declaration: the moves an officer may make. */
static const char *const officer_moves[][2] = {
    {"draft", "submitted"},       {"submitted", "draft"},          {"submitted", "endorsed"},
    {"endorsed", "filed"},        {"filed", "under_review"},       {"under_review", "deferred"},
    {"deferred", "under_review"}, {"under_review", "recommended"}, {"recommended", "granted"},
    {"recommended", "rejected"},  {"under_review", "closed"},      {"deferred", "closed"},
    {"draft", "filed"},           {"submitted", "filed"},          {"under_review", "rejected"},
    {"deferred", "rejected"},
    {"recommended", "closed"},
};
static const char *const final_states[] = {"granted", "rejected", "closed", "withdrawn"};

static bool is_final(const char *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(final_states); i++)
        if (!strcmp(final_states[i], s))
            return true;
    return false;
}

static bool expected(enum role role, const char *from, const char *to)
{
    if (role == ROLE_ANON || is_final(from))
        return false;
    if (!strcmp(to, "withdrawn"))
        return true; /* any non-final state, by the NGO or an officer */
    if (role == ROLE_NGO)
        return !strcmp(from, "draft") && !strcmp(to, "submitted");
    for (size_t i = 0; i < ARRAY_SIZE(officer_moves); i++)
        if (!strcmp(officer_moves[i][0], from) && !strcmp(officer_moves[i][1], to))
            return true;
    return false;
}

static void test_every_application_move_legal_and_illegal_for_every_role(void **state)
{
    struct fx *f = *state;
    const enum role roles[] = {ROLE_ANON, ROLE_NGO, ROLE_OFFICER, ROLE_ADMIN};
    int si = resource_field_index(&res_applications, "state");
    size_t legal = 0;
    for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
        struct principal who = {.role = roles[r], .org_id = roles[r] == ROLE_NGO ? 1 : 0};
        for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
            struct record *rec = record_new(&res_applications, &f->a);
            rec->v[si] = (struct value){.s = states[i], .n = strlen(states[i])};
            const char **allowed = domain_transitions_allowed(&who, rec, &f->a);
            for (size_t j = 0; j < ARRAY_SIZE(states); j++) {
                bool found = false;
                for (const char **p = allowed; *p; p++)
                    found |= !strcmp(*p, states[j]);
                if (found != expected(roles[r], states[i], states[j]))
                    print_error("role %d: %s -> %s is %s\n", roles[r], states[i], states[j],
                                found ? "allowed" : "refused");
                assert_int_equal(found, expected(roles[r], states[i], states[j]));
                legal += found;
            }
        }
    }
    /* officer and admin: 17 moves + 7 withdrawals each; ngo: 1 + 7 */
    assert_int_equal(legal, 2 * 24 + 8);
}

static int move(struct fx *f, const struct principal *who, int64_t id, const char *to,
                const char ***allowed)
{
    struct record *out;
    errors_init(&f->errs, &f->a);
    return domain_transition(f->s, who, &res_applications, id, 0, to, NULL, &f->a, &f->errs,
                             &f->msg, allowed, &out);
}

static int64_t supported_of(struct fx *f, int64_t id)
{
    struct record *rec;
    assert_int_equal(store_get(store_reader(f->s), &res_applications, id, &f->a, &rec), 0);
    return rec->v[resource_field_index(&res_applications, "ministry_supported")].i;
}

/* Issue 14 items 3 and 4: the ministry's support is optional, and the Committee votes
 * applications down at review. Illegal moves are still refused with the legal ones. */
static void test_filed_with_or_without_support_and_rejected_at_review(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[200];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"requested_status\":\"special\"}",
             (long long)o);
    struct record *direct = create(f, &res_applications, json);
    struct record *backed = create(f, &res_applications, json);
    const char **allowed;
    assert_int_equal(move(f, &f->officer, direct->id, "filed", &allowed), 0);
    assert_int_equal(supported_of(f, direct->id), 0);
    assert_int_equal(move(f, &f->officer, direct->id, "granted", &allowed), STORE_CONFLICT);
    assert_non_null(allowed);
    assert_string_equal(allowed[0], "under_review");
    assert_string_equal(allowed[1], "withdrawn");
    assert_null(allowed[2]);
    assert_int_equal(move(f, &f->officer, direct->id, "under_review", &allowed), 0);
    assert_int_equal(move(f, &f->officer, direct->id, "rejected", &allowed), 0);

    assert_int_equal(move(f, &f->officer, backed->id, "submitted", &allowed), 0);
    assert_int_equal(move(f, &f->officer, backed->id, "endorsed", &allowed), 0);
    assert_int_equal(supported_of(f, backed->id), 1);
    assert_int_equal(move(f, &f->officer, backed->id, "filed", &allowed), 0);
    assert_int_equal(supported_of(f, backed->id), 1);
    static const char *const path[] = {"under_review", "deferred", "rejected"};
    for (size_t i = 0; i < ARRAY_SIZE(path); i++)
        assert_int_equal(move(f, &f->officer, backed->id, path[i], &allowed), 0);
}

static void test_granted_creates_the_accreditation_in_the_same_transaction(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[200];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"requested_status\":\"special\"}",
             (long long)o);
    struct record *app = create(f, &res_applications, json);
    static const char *const path[] = {"submitted", "endorsed",     "filed",       "under_review",
                                       "deferred",  "under_review", "recommended", "granted"};
    const char **allowed;
    for (size_t i = 0; i < ARRAY_SIZE(path); i++)
        assert_int_equal(move(f, &f->officer, app->id, path[i], &allowed), 0);
    int64_t acc_id;
    struct store_conn *c = store_reader(f->s);
    assert_int_equal(store_current_accreditation(c, o, "ECOSOC", &acc_id), 0);
    assert_true(acc_id > 0);
    struct record *acc;
    assert_int_equal(store_get(c, &res_accreditations, acc_id, &f->a, &acc), 0);
    char today[11], due[11];
    ledger_today(today);
    int gi = resource_field_index(&res_accreditations, "granted_on");
    int ai = resource_field_index(&res_accreditations, "application_id");
    assert_string_equal(acc->v[gi].s, today);
    assert_int_equal(acc->v[ai].i, app->id);
    assert_true(ledger_report_due(&f->ecosoc, "special", "active", today, 0, due, NULL));
    char want[32];
    snprintf(want, sizeof(want), "%04d-06-01", atoi(today) + 4);
    assert_string_equal(due, want);
    /* the application was filed and decided on the way */
    struct record *done;
    assert_int_equal(store_get(c, &res_applications, app->id, &f->a, &done), 0);
    assert_string_equal(done->v[resource_field_index(&res_applications, "filed_on")].s, today);
    assert_string_equal(done->v[resource_field_index(&res_applications, "decided_on")].s, today);
}

static void test_granting_a_second_status_at_a_body_reclassifies(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[256];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"roster\","
             "\"granted_on\":\"2010-07-01\"}",
             (long long)o);
    int64_t first = create(f, &res_accreditations, json)->id;
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"requested_status\":\"special\"}",
             (long long)o);
    struct record *app = create(f, &res_applications, json);
    static const char *const path[] = {"submitted",    "endorsed",    "filed",
                                       "under_review", "recommended", "granted"};
    const char **allowed;
    for (size_t i = 0; i < ARRAY_SIZE(path); i++)
        assert_int_equal(move(f, &f->officer, app->id, path[i], &allowed), 0);
    int64_t now_id;
    struct store_conn *c = store_reader(f->s);
    assert_int_equal(store_current_accreditation(c, o, "ECOSOC", &now_id), 0);
    assert_int_equal(now_id, first);
    struct record *acc;
    assert_int_equal(store_get(c, &res_accreditations, first, &f->a, &acc), 0);
    assert_string_equal(acc->v[resource_field_index(&res_accreditations, "status")].s, "special");
}

static void test_questions_are_asked_while_the_body_reviews(void **state)
{
    struct fx *f = *state;
    int64_t o = org(f, "2000-01-01");
    char json[200];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"requested_status\":\"special\"}",
             (long long)o);
    struct record *app = create(f, &res_applications, json);
    snprintf(json, sizeof(json), "{\"application_id\":%lld,\"question\":\"Funding?\"}",
             (long long)app->id);
    create_fails(f, &res_application_questions, json, "application_id");
    static const char *const path[] = {"submitted", "endorsed", "filed", "under_review",
                                       "deferred"};
    const char **allowed;
    for (size_t i = 0; i < ARRAY_SIZE(path); i++)
        assert_int_equal(move(f, &f->officer, app->id, path[i], &allowed), 0);
    struct record *q = create(f, &res_application_questions, json);
    char today[11];
    ledger_today(today);
    assert_string_equal(q->v[resource_field_index(&res_application_questions, "asked_on")].s,
                        today);
    int64_t total, open;
    assert_int_equal(store_question_counts(store_reader(f->s), app->id, &total, &open), 0);
    assert_int_equal(total, 1);
    assert_int_equal(open, 1);
}

/* ---- overdue: the SQL condition agrees with the C rule ------------------------------- */

/* Lists ?overdue=true and ?overdue=false: every record in each is what the C rule says,
 * and the two cover every accreditation. Returns how many are overdue. */
static size_t overdue_agrees_with_rule(struct fx *f, const char *today)
{
    struct store_conn *c = store_reader(f->s);
    size_t counts[2] = {0, 0};
    for (int want = 0; want <= 1; want++) {
        struct list_query q = {.sort = -1, .limit = 100};
        q.params[q.nparams++] = (struct param_filter){
            .p = resource_param(&res_accreditations, STR("overdue")), .v = {.i = want}};
        struct list_result lr;
        assert_int_equal(store_list(c, &res_accreditations, &q, &f->a, &lr, &f->msg), 0);
        for (size_t i = 0; i < lr.n; i++) {
            const struct record *r = lr.items[i];
            struct body_rules b;
            char due[11];
            const struct value *v = r->v;
            const char *body = v[resource_field_index(&res_accreditations, "body")].s;
            assert_int_equal(ledger_body_rules(c, body, &f->a, &b), 0);
            int gi = resource_field_index(&res_accreditations, "granted_on");
            int li = resource_field_index(&res_accreditations, "last_report_period_end");
            bool over = ledger_report_due(
                            &b, v[resource_field_index(&res_accreditations, "status")].s,
                            v[resource_field_index(&res_accreditations, "state")].s,
                            v[gi].null ? NULL : v[gi].s, v[li].null ? 0 : v[li].i, due, NULL) &&
                        ledger_overdue(due, today);
            assert_int_equal(over, want);
            counts[want]++;
        }
    }
    struct list_query all = {.sort = -1, .limit = 100};
    struct list_result lr;
    assert_int_equal(store_list(c, &res_accreditations, &all, &f->a, &lr, &f->msg), 0);
    assert_int_equal(counts[0] + counts[1], lr.n);
    return counts[1];
}

static void test_overdue_filter_selects_exactly_what_the_rule_calls_overdue(void **state)
{
    struct fx *f = *state;
    static const char *const cases[] = {
        /* status, state, granted_on, last_report_period_end */
        "\"special\",\"state\":\"active\",\"granted_on\":\"2010-07-01\"",
        "\"special\",\"state\":\"suspended\",\"granted_on\":\"2010-07-01\"",
        "\"special\",\"state\":\"withdrawn\",\"granted_on\":\"2010-07-01\"",
        "\"roster\",\"state\":\"active\",\"granted_on\":\"2010-07-01\"",
        "\"general\",\"state\":\"active\",\"granted_on\":\"2010-07-01\","
        "\"last_report_period_end\":%d", /* last year: due in four years */
        "\"general\",\"state\":\"active\",\"last_report_period_end\":2012",
        "\"special\",\"state\":\"active\"",
        "\"special\",\"state\":\"active\",\"granted_on\":\"%d-01-01\"", /* this year */
    };
    char json[300], today[11];
    ledger_today(today);
    int year = atoi(today);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char status[200];
        snprintf(status, sizeof(status), cases[i], i == 4 ? year - 1 : year);
        snprintf(json, sizeof(json), "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":%s}",
                 (long long)org(f, "2000-01-01"), status);
        create(f, &res_accreditations, json);
    }
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"UNESCO\","
             "\"status\":\"consultative\",\"granted_on\":\"2001-01-01\"}",
             (long long)org(f, "2000-01-01"));
    create(f, &res_accreditations, json);

    /* overdue: active and suspended 2010 grants (due 2015) and the 2012 report (2017) */
    assert_int_equal(overdue_agrees_with_rule(f, today), 3);
}

/* The kept due date (migration 0007) follows every change it depends on: the
 * accreditation's own fields, and its body's rules changed by an administrator. */
/* Applies a JSON patch; fails the test, naming the field, on any error. */
static void patch_ok(struct fx *f, const struct principal *who, const struct resource *res,
                     int64_t id, json_t *patch)
{
    struct record *out;
    errors_init(&f->errs, &f->a);
    int rc = domain_update(f->s, who, res, id, 0, patch, &f->a, &f->errs, &f->msg, &out);
    json_decref(patch);
    if (rc)
        print_error("update %s %lld: %s %s\n", res->name, (long long)id,
                    f->errs.n ? f->errs.items[0].field : "",
                    f->errs.n ? f->errs.items[0].message : f->msg.msg);
    assert_int_equal(rc, 0);
}

static void test_kept_due_date_follows_updates_and_rule_changes(void **state)
{
    struct fx *f = *state;
    char today[11], json[300];
    ledger_today(today);
    int64_t ids[2];
    for (int i = 0; i < 2; i++) {
        snprintf(json, sizeof(json),
                 "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"special\","
                 "\"granted_on\":\"2010-07-01\"}",
                 (long long)org(f, "2000-01-01"));
        ids[i] = create(f, &res_accreditations, json)->id;
    }
    assert_int_equal(overdue_agrees_with_rule(f, today), 2);
    /* a report filed for last year's period: no longer overdue */
    patch_ok(f, &f->officer, &res_accreditations, ids[0],
             json_pack("{s:i}", "last_report_period_end", atoi(today) - 1));
    assert_int_equal(overdue_agrees_with_rule(f, today), 1);
    /* back to a report for 2012 (due 2017): overdue again */
    patch_ok(f, &f->officer, &res_accreditations, ids[0],
             json_pack("{s:i}", "last_report_period_end", 2012));
    assert_int_equal(overdue_agrees_with_rule(f, today), 2);
    /* the body's interval grows to 20 years: nothing at ECOSOC is overdue; then back to 4
     * and the exemption widened to special: nothing either; then as it was */
    patch_ok(f, &f->admin, &res_bodies, f->ecosoc.id, json_pack("{s:i}", "report_interval_years", 20));
    assert_int_equal(overdue_agrees_with_rule(f, today), 0);
    patch_ok(f, &f->admin, &res_bodies, f->ecosoc.id,
             json_pack("{s:i,s:[s,s]}", "report_interval_years", 4, "report_exempt", "roster",
                       "special"));
    assert_int_equal(overdue_agrees_with_rule(f, today), 0);
    patch_ok(f, &f->admin, &res_bodies, f->ecosoc.id, json_pack("{s:[s]}", "report_exempt", "roster"));
    assert_int_equal(overdue_agrees_with_rule(f, today), 2);
}

/* ---- listings and representation ----------------------------------------------------- */

static void test_ranks_share_ties_and_skip(void **state)
{
    struct rep_country cs[4] = {{.country = "FR", .count = 5},
                                {.country = "US", .count = 10},
                                {.country = "GB", .count = 5},
                                {.country = "RU", .count = 1}};
    ledger_rank(cs, 4, 21);
    assert_string_equal(cs[0].country, "US");
    assert_int_equal(cs[0].rank, 1);
    assert_string_equal(cs[1].country, "FR"); /* ties ordered by code */
    assert_int_equal(cs[1].rank, 2);
    assert_string_equal(cs[2].country, "GB");
    assert_int_equal(cs[2].rank, 2);
    assert_string_equal(cs[3].country, "RU");
    assert_int_equal(cs[3].rank, 4);
    assert_true(cs[3].share > 0.047618 && cs[3].share < 0.047620);
}

/* A listing of n rows: `ours` of them from RU, the others spread over a few countries. */
static struct listing_row *make_listing(struct fx *f, size_t n, size_t ours)
{
    static const char *const others[] = {"US", "GB", "FR", "IN", "DE", "CH", "BR", "KE"};
    static const char *const statuses[] = {"special", "special", "special", "roster", "general"};
    struct listing_row *rows = arena_alloc(&f->a, n * sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        rows[i].name = arena_printf(&f->a, "Organisation %zu", i);
        rows[i].country = i < ours ? "RU" : others[i % ARRAY_SIZE(others)];
        rows[i].status = statuses[i % ARRAY_SIZE(statuses)];
        rows[i].line = i + 2;
    }
    return rows;
}

static const struct rep_country *country_of(const struct rep_stats *st, const char *code)
{
    for (size_t i = 0; i < st->n; i++)
        if (!strcmp(st->countries[i].country, code))
            return &st->countries[i];
    return NULL;
}

static void test_a_listing_of_4507_with_64_from_one_country_gives_64_share_and_rank(void **state)
{
    struct fx *f = *state;
    struct principal cli = {.role = ROLE_ADMIN, .email = "cli"};
    int64_t replaced;
    struct listing_row *rows = make_listing(f, 4507, 64);
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2017-09-01", rows, 4507, &f->a,
                                           &replaced, &f->msg),
                     0);
    assert_int_equal(replaced, 0);
    struct rep_stats st;
    assert_int_equal(ledger_representation(store_reader(f->s), "ECOSOC", NULL, &f->a, &st, &f->msg),
                     0);
    assert_string_equal(st.as_of, "2017-09-01");
    assert_int_equal(st.total, 4507);
    const struct rep_country *ru = country_of(&st, "RU");
    assert_non_null(ru);
    assert_int_equal(ru->count, 64);
    assert_true(ru->share > 0.01419 && ru->share < 0.01421); /* 64 / 4507 = 1.42% */
    /* the 4443 others spread over 8 countries (555 or 556 each): RU comes ninth */
    assert_int_equal(ru->rank, 9);
    assert_string_equal(st.prev_as_of, "");
}

static void test_importing_the_same_listing_again_replaces_it(void **state)
{
    struct fx *f = *state;
    struct principal cli = {.role = ROLE_ADMIN, .email = "cli"};
    int64_t replaced;
    struct listing_row *rows = make_listing(f, 300, 20);
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2016-09-01", rows, 250, &f->a,
                                           &replaced, &f->msg),
                     0);
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2017-09-01", rows, 300, &f->a,
                                           &replaced, &f->msg),
                     0);
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2017-09-01", rows + 10, 290,
                                           &f->a, &replaced, &f->msg),
                     0);
    assert_int_equal(replaced, 300);
    struct rep_stats st;
    assert_int_equal(ledger_representation(store_reader(f->s), "ECOSOC", NULL, &f->a, &st, &f->msg),
                     0);
    assert_int_equal(st.total, 290);
    assert_string_equal(st.prev_as_of, "2016-09-01");
    assert_int_equal(st.prev_total, 250);
    const struct rep_country *ru = country_of(&st, "RU");
    assert_int_equal(ru->count, 10);
    assert_true(ru->in_previous);
    assert_int_equal(ru->prev_count, 20);
    /* the older one is still there when asked for */
    assert_int_equal(
        ledger_representation(store_reader(f->s), "ECOSOC", "2016-09-01", &f->a, &st, &f->msg), 0);
    assert_int_equal(st.total, 250);
}

static void test_a_bad_row_names_its_line_and_field_and_nothing_is_imported(void **state)
{
    struct fx *f = *state;
    struct principal cli = {.role = ROLE_ADMIN, .email = "cli"};
    int64_t replaced;
    struct listing_row *rows = make_listing(f, 100, 5);
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2017-09-01", rows, 100, &f->a,
                                           &replaced, &f->msg),
                     0);
    struct listing_row *bad = make_listing(f, 100, 5);
    bad[41].country = "XX";
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2017-09-01", bad, 100, &f->a,
                                           &replaced, &f->msg),
                     DOMAIN_INVALID);
    assert_non_null(strstr(f->msg.msg, "line 43, field country"));
    bad[41].country = "ru"; /* lower case and English names are understood */
    bad[42].country = "Russian Federation";
    bad[50].status = "consultative";
    assert_int_equal(ledger_listing_import(f->s, &cli, "ECOSOC", "2017-09-01", bad, 100, &f->a,
                                           &replaced, &f->msg),
                     DOMAIN_INVALID);
    assert_non_null(strstr(f->msg.msg, "line 52, field status"));
    struct rep_stats st;
    assert_int_equal(ledger_representation(store_reader(f->s), "ECOSOC", NULL, &f->a, &st, &f->msg),
                     0);
    assert_int_equal(country_of(&st, "RU")->count, 5); /* the first import, untouched */
}

static void test_representation_without_a_listing_is_not_found(void **state)
{
    struct fx *f = *state;
    struct rep_stats st;
    assert_int_equal(ledger_representation(store_reader(f->s), "UNESCO", NULL, &f->a, &st, &f->msg),
                     STORE_NOT_FOUND);
    assert_int_equal(ledger_representation(store_reader(f->s), "NOPE", NULL, &f->a, &st, &f->msg),
                     STORE_NOT_FOUND);
}

/* ---- calendar and iCalendar ---------------------------------------------------------- */

static void test_calendar_has_report_due_filing_deadlines_and_ngo_sees_its_own(void **state)
{
    struct fx *f = *state;
    int64_t mine = org(f, "2000-01-01"), theirs = org(f, "2000-01-01");
    char json[256];
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"special\","
             "\"granted_on\":\"2023-03-01\"}",
             (long long)mine);
    int64_t acc = create(f, &res_accreditations, json)->id;
    snprintf(json, sizeof(json),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"general\","
             "\"granted_on\":\"2023-03-01\"}",
             (long long)theirs);
    create(f, &res_accreditations, json);
    struct cal_item *items;
    size_t n;
    struct store_conn *c = store_reader(f->s);
    assert_int_equal(ledger_calendar(c, &f->officer, "2027-01-01", "2027-12-31", NULL, &f->a, &items, &n),
                     0);
    size_t reports = 0, deadlines = 0;
    for (size_t i = 0; i < n; i++) {
        reports += !strcmp(items[i].kind, "report_due");
        deadlines += !strcmp(items[i].kind, "filing_deadline");
        if (i)
            assert_true(strcmp(items[i - 1].date, items[i].date) <= 0);
    }
    assert_int_equal(reports, 2);
    assert_int_equal(deadlines, 2); /* ECOSOC 1 June, UNESCO 30 November */
    struct principal ngo = {.role = ROLE_NGO, .org_id = mine};
    assert_int_equal(ledger_calendar(c, &ngo, "2027-01-01", "2027-12-31", NULL, &f->a, &items, &n), 0);
    reports = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(items[i].kind, "report_due")) {
            reports++;
            assert_int_equal(items[i].id, acc);
            assert_string_equal(items[i].date, "2027-06-01");
            char uid[80];
            snprintf(uid, sizeof(uid), "report_due-accreditations-%lld-2027-06-01@civdesk",
                     (long long)acc);
            assert_string_equal(items[i].uid, uid);
        }
    }
    assert_int_equal(reports, 1);
}

static void test_ics_folds_at_75_octets_and_escapes_text(void **state)
{
    struct fx *f = *state;
    struct cal_item it = {
        .date = "2027-06-01",
        .kind = "report_due",
        .title = "Отчёт за 2023–2026 годы: Общество «Память, наследие; диалог» и ещё очень "
                 "длинное название организации, которое не помещается в одну строку",
        .resource = "accreditations",
        .id = 7,
        .body = "ECOSOC",
        .uid = "report_due-accreditations-7-2027-06-01@civdesk",
    };
    struct buf out = BUF_INIT;
    assert_int_equal(ledger_ics(&it, 1, &out, &f->msg), 0);
    assert_non_null(strstr(out.p, "BEGIN:VCALENDAR\r\n"));
    assert_non_null(strstr(out.p, "UID:report_due-accreditations-7-2027-06-01@civdesk\r\n"));
    assert_non_null(strstr(out.p, "DTSTART;VALUE=DATE:20270601\r\n"));
    assert_non_null(strstr(out.p, "\\, наследие\\; диалог") ||
                    strstr(out.p, "\\,") /* the escape may be folded apart */);
    /* every line: at most 75 octets, CRLF-terminated, valid UTF-8 by itself */
    const char *p = out.p;
    size_t lines = 0;
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        assert_true(eol - p <= 75);
        assert_true(utf8_valid(p, (size_t)(eol - p)));
        p = eol + 2;
        lines++;
    }
    assert_true(lines > 10);
    /* unfolded, the summary is the title with , and ; escaped */
    struct buf unfolded = BUF_INIT;
    for (const char *q = out.p; *q; q++) {
        if (q[0] == '\r' && q[1] == '\n' && q[2] == ' ') {
            q += 2;
            continue;
        }
        buf_putc(&unfolded, *q);
    }
    assert_non_null(strstr(unfolded.p, "SUMMARY:Отчёт за 2023–2026 годы: Общество «Память\\, "
                                       "наследие\\; диалог» и ещё"));
    buf_release(&unfolded);
    buf_release(&out);
}

/* The open applications (calendar, obligations) are the states the state machine leaves,
 * read from the declaration: DESIGN §3's final states are out, every other one is in. */
static void test_open_application_states_come_from_the_state_machine(void **state)
{
    struct arena a = ARENA_INIT;
    assert_string_equal(domain_open_states_json(&res_applications, &a),
                        "[\"draft\",\"submitted\",\"endorsed\",\"filed\",\"under_review\","
                        "\"deferred\",\"recommended\"]");
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_application_states_come_from_the_state_machine),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_first_report_covers_the_year_of_grant_due_1_june_y4),
        T(test_report_before_the_current_grant_does_not_move_the_cycle),
        T(test_general_status_reports_like_special),
        T(test_roster_status_is_exempt_from_reports),
        T(test_after_a_report_for_period_ending_e_next_is_due_1_june_e5),
        T(test_suspended_still_owes_the_report_withdrawn_does_not),
        T(test_sanctions_cycle_after_a_missed_report),
        T(test_committee_sessions_are_ordered_and_dated),
        T(test_obligations_are_judged_on_the_date_given),
        T(test_obligation_language_from_query_or_accept_language),
        T(test_no_report_due_without_a_date_or_for_bodies_without_reports),
        T(test_overdue_only_after_the_due_day),
        T(test_filed_on_1_june_is_considered_the_next_year),
        T(test_filed_on_2_june_waits_for_the_year_after),
        T(test_filing_deadline_at_year_ends),
        T(test_no_filing_deadline_where_the_body_has_none),
        T(test_registered_under_two_years_before_filing_warns),
        T(test_two_years_from_a_leap_day_end_on_1_march),
        T(test_unknown_registration_date_is_a_warning),
        T(test_coe_participatory_is_not_open_to_national_ngos),
        T(test_the_application_carries_its_warnings_and_deadline),
        T(test_status_must_be_one_the_body_grants),
        T(test_a_report_period_may_not_end_in_the_future),
        T(test_a_new_accreditation_is_active),
        T(test_a_changed_rule_applies_at_once_to_every_reader),
        T(test_a_body_added_with_its_rules_works_without_code),
        T(test_every_application_move_legal_and_illegal_for_every_role),
        T(test_filed_with_or_without_support_and_rejected_at_review),
        T(test_granted_creates_the_accreditation_in_the_same_transaction),
        T(test_granting_a_second_status_at_a_body_reclassifies),
        T(test_questions_are_asked_while_the_body_reviews),
        T(test_overdue_filter_selects_exactly_what_the_rule_calls_overdue),
        T(test_kept_due_date_follows_updates_and_rule_changes),
        T(test_ranks_share_ties_and_skip),
        T(test_a_listing_of_4507_with_64_from_one_country_gives_64_share_and_rank),
        T(test_importing_the_same_listing_again_replaces_it),
        T(test_a_bad_row_names_its_line_and_field_and_nothing_is_imported),
        T(test_representation_without_a_listing_is_not_found),
        T(test_calendar_has_report_due_filing_deadlines_and_ngo_sees_its_own),
        T(test_ics_folds_at_75_octets_and_escapes_text),
#undef T
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
