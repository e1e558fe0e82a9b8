/*
 * ledger: the international status ledger — bodies and their rules, accreditations with
 * their reporting obligations, applications and their pipeline, imported listings and the
 * representation figures drawn from them, and the calendar of every deadline.
 *
 * The rules (docs/domain.md) are data: one row per body in the bodies table, read into a
 * struct body_rules and interpreted by the pure functions below. Dates are "YYYY-MM-DD".
 */
#ifndef CIVDESK_LEDGER_H
#define CIVDESK_LEDGER_H

#include "domain/domain.h"

extern const struct resource res_bodies;
extern const struct resource res_accreditations;
extern const struct resource res_applications;
extern const struct resource res_application_questions;
extern const struct resource res_listings;
extern const struct resource res_accreditation_reports; /* /accreditations/{id}/reports */
/* /accreditation-reports/{id}/questions: the Committee's questions on a quadrennial report */
extern const struct resource res_report_questions;

/* ---- settings: one record of the ministry's own settings (issue 14) -------------------- */

#define LEDGER_SETTINGS_ID 1 /* its id in the audit trail */

struct ledger_settings {
    char national_country[3]; /* ISO 3166-1 alpha-2, "" when not set */
    int64_t version;
    char created_at[21], updated_at[21];
};

/* The settings, read through c (any transaction). */
int ledger_settings_get(struct store_conn *c, struct ledger_settings *out);
/*
 * Applies a JSON merge patch of settings (patch borrowed) in one write transaction with
 * its audit entry: administrators only (DOMAIN_FORBIDDEN), every key a known setting with
 * a valid value (DOMAIN_INVALID, errs), if_match (0: not given) the version the caller saw
 * (STORE_VERSION). *out: the settings as stored.
 */
int ledger_settings_update(struct store *s, const struct principal *who, const json_t *patch,
                           int64_t if_match, struct errors *errs, struct error *msg,
                           struct ledger_settings *out);
/* The settings as a JSON object. */
void ledger_settings_json(const struct ledger_settings *st, struct jw *w);
/* The ministry's country (settings.national_country) into out, "" when not set. */
int ledger_national_country(struct store_conn *c, struct arena *a, char out[3]);

#define LEDGER_STATUSES_MAX 16 /* status kinds one body may have */

/* One body's rules, parsed from its row. Strings are arena-owned. */
struct body_rules {
    int64_t id;
    const char *code, *name;
    const char *statuses[LEDGER_STATUSES_MAX]; /* the status kinds it grants */
    size_t nstatuses;
    const char *national[LEDGER_STATUSES_MAX]; /* those open to national NGOs */
    size_t nnational;
    const char *exempt[LEDGER_STATUSES_MAX]; /* statuses that do not report */
    size_t nexempt;
    int report_interval;                  /* years a report covers; 0: no reports */
    int report_due_month, report_due_day; /* due the year after the period; 0: none */
    int filing_month, filing_day;         /* filing deadline; 0: none */
    int decision_month, decision_day;     /* when the body usually decides; 0: unknown */
    int min_years;                        /* years registered before filing; 0: none */
    const char *deadline_statuses[LEDGER_STATUSES_MAX]; /* the filing deadline binds these; */
    size_t ndeadline_statuses;                          /* none listed: every status */
    struct {
        const char *status, *needs; /* status requires `needs` held for `years` */
        int years;
    } prereq[LEDGER_STATUSES_MAX];
    size_t nprereq;
};

/*
 * Reads the rules of the body with this code through c (any transaction). STORE_NOT_FOUND
 * when there is no such body, STORE_ERROR if its row does not parse.
 */
int ledger_body_rules(struct store_conn *c, const char *code, struct arena *a,
                      struct body_rules *out);
bool ledger_has_status(const struct body_rules *b, const char *status);
bool ledger_status_exempt(const struct body_rules *b, const char *status);
bool ledger_status_national(const struct body_rules *b, const char *status);
/* Whether the body's filing deadline binds an application for status (UNESCO: associate
 * only; consultative status may be requested at any time). */
bool ledger_deadline_applies(const struct body_rules *b, const char *status);

/*
 * The prerequisite warning for an application for `status` at b (UNESCO associate: two
 * years in consultative status), judged on `on`: held is the organisation's current status
 * at the body (NULL: none) and held_since its granted_on. false when there is none to
 * give; otherwise true with the warning in *out (codes prereq_not_held,
 * prereq_since_unknown: body, status, years, needed status; prereq_held_since: those and
 * the date).
 */
bool ledger_prerequisite_warning(const struct body_rules *b, const char *status,
                                 const char *held, const char *held_since, const char *on,
                                 struct arena *a, struct said *out);

/* ---- the rules, as pure functions ------------------------------------------------------ */

/*
 * The due date of an accreditation's next periodic report into due; false when none is
 * due: the body asks for no reports, the status is exempt (ECOSOC roster), the
 * accreditation is withdrawn, or neither granted_on nor last_period_end (0: none) is known.
 * The cycle starts in the year the current status was granted (the NGO Branch): granted
 * in Y, the report covers Y..Y+interval-1 and is due on the body's day of Y+interval
 * (ECOSOC: granted 2013 → 2013–2016, due 2017-06-01); after a report for the period ending
 * E (E >= Y): E+1..E+interval, due in E+interval+1. A report ending before Y (made under
 * the status held before a reclassification granted in Y) does not move the cycle.
 * Without granted_on, the last report alone decides. period (may be NULL) receives the
 * first and last year covered. The SQL twin is the view accreditation_report_due
 * (migrations/0009_obligations.sql); the two must agree.
 */
bool ledger_report_due(const struct body_rules *b, const char *status, const char *state,
                       const char *granted_on, int64_t last_period_end, char due[11],
                       int period[2]);
/* Where an accreditation stands in the sanctions cycle (resolution 2008/4). */
struct sanctions {
    const char *standing;            /* "good", "report_overdue", "suspended", "withdrawn" */
    char suspension_expected_on[11]; /* "" when nothing is missed (or already suspended) */
    char withdrawal_expected_on[11]; /* "" unless a report is missed */
    char may_reapply_on[11];         /* "" unless withdrawn for a missed report */
};

/*
 * The sanctions cycle of an accreditation on `today`, computed from the data: a report
 * due on D and not made by today is missed; the body decides the suspension on its
 * decision day (ECOSOC: July) on or after D; the status is withdrawn a year after the
 * suspension unless the report comes; a withdrawn organisation may apply again three
 * years after the withdrawal. standing follows the recorded state first (suspended,
 * withdrawn), then the missed report. A body without reports or without a decision day
 * has no expected dates.
 */
void ledger_sanctions(const struct body_rules *b, const char *status, const char *state,
                      const char *granted_on, int64_t last_period_end, const char *today,
                      struct sanctions *out);

/* Whether a report due on `due` is overdue on `today`: today is after it. */
bool ledger_overdue(const char *due, const char *today);

/*
 * The filing deadline that decides an application's sessions: the first deadline day on or
 * after `on` (the filing date, or today while not filed). Filed on or before the deadline
 * of year Y, the body considers it in Y+1 (*considered_in). False if the body has none.
 */
bool ledger_filing_deadline(const struct body_rules *b, const char *on, char out[11],
                            int *considered_in);

/*
 * Eligibility warnings for an application for `status` at body b by an organisation
 * founded on founded_on (NULL: unknown), judged on date `on` (filing date or today). Up to
 * cap warnings into out (arena-owned; codes founded_unknown and registered_less with the
 * years required, not_national with body and status); returns how many.
 */
size_t ledger_eligibility(const struct body_rules *b, const char *status, const char *founded_on,
                          const char *on, struct arena *a, struct said *out, size_t cap);

/* ---- Committee on NGOs sessions (issue 14 item 10) ------------------------------------ */

/*
 * A session is written "YYYY regular" or "YYYY resumed" (the regular session late January
 * to February, the resumed one in May: DESIGN §2). Sessions are numbered in order:
 * index = year * 2 + (resumed ? 1 : 0), so "two consecutive sessions later" is index + 2.
 * The start days are the earliest the sessions have begun (15 January, 1 May): a table in
 * ledger.c; their real dates are set each year.
 */
bool ledger_session_parse(const char *s, int *year, bool *resumed);
/* The index of the latest session begun on or before `today`. */
int ledger_session_current(const char *today);
/* The start day of the first session after `today`. */
void ledger_session_next_start(const char *today, char out[11]);

/* Today (the process clock, honouring the test offset) as YYYY-MM-DD. */
void ledger_today(char out[11]);
/* date + days, as YYYY-MM-DD; date must be valid. */
void ledger_add_days(const char *date, int64_t days, char out[11]);

/* ---- listings and representation ----------------------------------------------------- */

/* One row of a listing to import; line is the CSV line it came from (for messages). */
struct listing_row {
    const char *name, *country, *status;
    size_t line;
};

/*
 * Replaces the listing of body on as_of with rows, in one transaction with one audit entry.
 * A row that does not validate fails the whole import (DOMAIN_INVALID) with msg naming its
 * line and field; nothing is written then. *replaced: rows of the earlier import removed.
 */
int ledger_listing_import(struct store *s, const struct principal *who, const char *body,
                          const char *as_of, const struct listing_row *rows, size_t n,
                          struct arena *a, int64_t *replaced, struct error *msg);

struct rep_country {
    char country[3];
    int64_t count;
    int64_t *by_status; /* counts in the order of rep_stats.statuses */
    double share;       /* count / total, 0..1 */
    int rank;           /* 1 = most; equal counts share a rank; 0 when count is 0 */
    bool in_previous;   /* the previous listing had this country */
    int64_t prev_count;
    int prev_rank;
};

struct rep_stats {
    const char *body;
    char as_of[11];
    char prev_as_of[11]; /* "" when there is no earlier listing */
    int64_t total, prev_total;
    const char **statuses; /* statuses seen, the body's order first */
    size_t nstatuses;
    int64_t *status_totals;
    struct rep_country *countries; /* by rank, then country code; those that dropped to 0 last */
    size_t n;
};

/*
 * Representation at body from its newest listing (as_of NULL) or the one of that date,
 * with the change against the listing before it. STORE_NOT_FOUND (msg says why) when there
 * is no such body or listing.
 */
int ledger_representation(struct store_conn *c, const char *body, const char *as_of,
                          struct arena *a, struct rep_stats *out, struct error *msg);
/* Ranks (competition: 1, 2, 2, 4) and shares of countries[0..n) by count; sorts them. */
void ledger_rank(struct rep_country *cs, size_t n, int64_t total);

/* ---- pipeline ------------------------------------------------------------------------ */

struct count_row {
    const char *body, *key, *key2; /* key: state or status; key2: state (accreditations) */
    int64_t n;
};

struct pipeline {
    struct count_row *applications; /* body, state */
    size_t napplications;
    struct count_row *accreditations; /* body, status, state */
    size_t naccreditations;
    struct count_row *overdue; /* body */
    size_t noverdue;
    int64_t overdue_total;
};

int ledger_pipeline(struct store_conn *c, struct arena *a, struct pipeline *out);

/* ---- calendar ------------------------------------------------------------------------ */

struct cal_item {
    char date[11];
    const char *kind; /* filing_deadline, report_due, decision_expected */
    const char *title;
    struct said said;     /* the title with its stable code and parameters (issue 17) */
    const char *resource; /* the record it concerns: "applications", "accreditations", "bodies" */
    int64_t id;
    const char *body;
    int64_t organisation_id; /* 0 when none */
    const char *uid;         /* stable across fetches: kind, record and date */
    const char *end_date;    /* last day of a span (delegations), NULL for one day */
    const char *starts_at;   /* RFC 3339 UTC when it happens at a time (meetings), else NULL */
    const char *ends_at;     /* its end (UTC), NULL when not recorded */
    const char *location;    /* where, NULL when not recorded */
    int64_t count;           /* > 0: this item stands for so many reports due at one body on
                              * one day (ICS, struct cal_bounds.group); id is then 0 */
};

/* How much of a calendar to produce (issue 21: a day can hold 40,000 reports due). */
struct cal_bounds {
    const struct cal_item *after; /* only items after this one (a page's cursor); NULL: all */
    size_t limit; /* > 0: at most limit + 1 items (the last says another page follows) */
    int64_t group; /* > 0: a body's reports due on one day, when more than this many, are one
                    * item with their count (not for an NGO user, who sees its own only) */
};

/*
 * Every deadline from `from` to `to` (inclusive) within bounds (NULL: no bounds), ordered by date: filing deadlines (each
 * body's, and each application not yet filed), report due dates of accreditations, and
 * decisions expected on applications with the body. An NGO user sees its own records' and
 * the bodies' only. Items and strings are arena-owned.
 */
int ledger_calendar(struct store_conn *c, const struct principal *who, const char *from,
                    const char *to, const struct cal_bounds *bounds, struct arena *a,
                    struct cal_item **out, size_t *n);

/*
 * The items as an iCalendar (RFC 5545) document appended to out: one VEVENT per item with
 * its stable UID — at its time in UTC and its place when it has them (meetings), over its
 * days for a span (delegations), else all day (deadlines); line folding and text escaping by
 * libical. Negative with msg on failure (out is then unchanged).
 */
int ledger_ics(const struct cal_item *items, size_t n, struct buf *out, struct error *msg);

/* The calendar's order (qsort comparator of struct cal_item): date, kind, record type, id.
 * Also the key of a page of the calendar. */
int ledger_cal_item_cmp(const void *a, const void *b);

/* ---- demo ---------------------------------------------------------------------------- */

/* Adds the ledger's demo content inside the demo's transaction (see demo.c). */
int ledger_demo(struct store_tx *tx, struct arena *a, struct error *err);

#endif
