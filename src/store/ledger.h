/*
 * The ledger's SQL beyond generic records (src/store/ledger.c): bodies' rule rows,
 * listings, the statistics' aggregates, the calendar's date-range reads and the named
 * list conditions (P_COND) such as overdue reports.
 *
 * Text handed to callbacks is valid during the call only; text put in out-structs is
 * copied into the caller's arena.
 */
#ifndef CIVDESK_STORE_LEDGER_H
#define CIVDESK_STORE_LEDGER_H

#include "store/store.h"

/* A bodies row as stored: list columns are JSON text, NULL columns are NULL / 0. */
struct store_body_row {
    int64_t id;
    const char *code, *name;
    const char *statuses, *national, *exempt;                     /* JSON arrays, or NULL */
    int64_t report_interval;                                      /* 0: NULL */
    const char *report_due, *filing_deadline, *decision_expected; /* "MM-DD" or NULL */
    int64_t min_years;                                            /* 0: NULL */
    const char *deadline_statuses; /* JSON array: statuses the filing deadline binds; NULL: all */
    const char *prerequisites;     /* JSON array of "status:needed:years", or NULL */
};

/* The row of the body with this code. STORE_NOT_FOUND if none. */
int store_body_row(struct store_conn *c, const char *code, struct arena *a,
                   struct store_body_row *out);
/* Calls fn for each body, ordered by code. */
int store_bodies_each(struct store_conn *c, struct arena *a,
                      void (*fn)(void *arg, const struct store_body_row *row), void *arg);

/* ---- listings ------------------------------------------------------------------------ */

/* The newest as_of of body's listings (before `before`, when not NULL) into out;
 * STORE_NOT_FOUND when there is none. */
int store_listing_newest(struct store_conn *c, const char *body, const char *before, char out[11]);
/* Calls fn with (country, status, count) for each group of body's listing of as_of. */
int store_listing_counts(struct store_conn *c, const char *body, const char *as_of,
                         void (*fn)(void *arg, const char *country, const char *status, int64_t n),
                         void *arg);

struct store_listing_row {
    const char *name, *country, *status;
};
/* Deletes body's listing of as_of and inserts rows instead; *replaced: rows deleted. */
int store_listing_replace(struct store_tx *tx, const char *body, const char *as_of,
                          const struct store_listing_row *rows, size_t n, int64_t *replaced,
                          struct error *err);

/* ---- pipeline ------------------------------------------------------------------------ */

/* fn(body, state, NULL, n) for applications; fn(body, status, state, n) for
 * accreditations; fn(body, NULL, NULL, n) for accreditations overdue on `today`. */
typedef void (*store_count_fn)(void *arg, const char *body, const char *k1, const char *k2,
                               int64_t n);
int store_count_applications(struct store_conn *c, store_count_fn fn, void *arg);
int store_count_accreditations(struct store_conn *c, store_count_fn fn, void *arg);
int store_count_overdue(struct store_conn *c, const char *today, store_count_fn fn, void *arg);

/* ---- calendar ------------------------------------------------------------------------ */

struct store_due_row {
    int64_t id, organisation_id;
    const char *organisation, *body, *status, *state, *granted_on;
    int64_t last_period_end; /* 0: none */
};
/* Accreditations whose next report falls due from `from` to `to`; org > 0: only its. */
int store_reports_due(struct store_conn *c, const char *from, const char *to, int64_t org,
                      void (*fn)(void *arg, const struct store_due_row *row), void *arg);

/*
 * One page of the same, in the calendar's order of report items (due date, then id):
 * those after (after_date, after_id) — after_date NULL: from the start — at most limit
 * rows. Served by an index, so a page costs the same wherever it starts (issue 21).
 * src/store/calendar.c.
 */
int store_reports_due_page(struct store_conn *c, const char *from, const char *to, int64_t org,
                           const char *after_date, int64_t after_id, int64_t limit,
                           void (*fn)(void *arg, const struct store_due_row *row), void *arg);
/* Reports due from `from` to `to` by body and day, from the kept counts (migration
 * 0016), in date order. */
int store_report_due_days(struct store_conn *c, const char *from, const char *to,
                          void (*fn)(void *arg, const char *body, const char *date, int64_t n),
                          void *arg);
/* The reports due at one body on one day. */
int store_reports_due_on(struct store_conn *c, const char *body, const char *date,
                         void (*fn)(void *arg, const struct store_due_row *row), void *arg);

struct store_app_row {
    int64_t id, organisation_id;
    const char *organisation, *body, *requested_status, *state, *filed_on;
};
/* Applications not yet decided: in one of states (a JSON array of state names, from the
 * declaration: domain_open_states_json); org > 0: only its. */
int store_applications_open(struct store_conn *c, int64_t org, const char *states,
                            void (*fn)(void *arg, const struct store_app_row *row), void *arg);

/* ---- applications -------------------------------------------------------------------- */

/* Questions of an application: how many, and how many have no answer yet. */
int store_question_counts(struct store_conn *c, int64_t application_id, int64_t *total,
                          int64_t *open);
/* fn(session) for each unanswered question of the application (session: its
 * asked_at_session, NULL when none). */
int store_open_question_sessions(struct store_conn *c, int64_t application_id,
                                 void (*fn)(void *arg, const char *session), void *arg);
/* The id of the organisation's accreditation at body that is not withdrawn; 0 if none. */
int store_current_accreditation(struct store_conn *c, int64_t organisation_id, const char *body,
                                int64_t *id);

/* ---- one organisation's obligations (issue 14) ----------------------------------------- */

/* Every accreditation of the organisation, withdrawn ones included, by id (the row's
 * organisation is not filled). */
int store_org_accreditations(struct store_conn *c, int64_t org,
                             void (*fn)(void *arg, const struct store_due_row *row), void *arg);

struct store_report_questions {
    int64_t report_id;
    const char *body;
    int64_t period_start, period_end;
    int64_t open; /* unanswered questions, at least 1 */
};
/* The organisation's quadrennial reports deferred by the body (outcome `deferred`) with
 * unanswered questions, by report id (issue 14 item 8). */
int store_org_report_questions_open(struct store_conn *c, int64_t org,
                                    void (*fn)(void *arg, const struct store_report_questions *row),
                                    void *arg);

struct store_pending_report {
    int64_t id;
    const char *kind, *title, *target_body, *deadline_on, *state;
};
/* Reports (written statements, submissions) the organisation co-authors that are not yet
 * submitted (draft, in_review) and have a deadline, by deadline. */
int store_org_reports_pending(struct store_conn *c, int64_t org,
                              void (*fn)(void *arg, const struct store_pending_report *row),
                              void *arg);

/* ---- settings (issue 14): the one row of table settings -------------------------------- */

struct store_settings {
    char national_country[3]; /* "" when NULL */
    int64_t version;
    char created_at[21], updated_at[21];
};
int store_settings_get(struct store_conn *c, struct store_settings *out);
/* Writes the row (national_country NULL: unset), version + 1, updated_at now. */
int store_settings_put(struct store_tx *tx, const char *national_country, struct error *err);

/* ---- accreditations' status history (issue 14) --------------------------------------- */

/* Appends a change of status: from (NULL for the grant that created it) to `to` on date
 * `on`, brought by application_id (0: none). Inside the caller's write transaction. */
int store_status_history_add(struct store_tx *tx, int64_t accreditation_id, const char *from,
                             const char *to, const char *on, int64_t application_id,
                             struct error *err);

struct store_status_change {
    const char *from, *to, *on; /* from NULL for the first grant */
    int64_t application_id;     /* 0: none */
};
/* Calls fn for each change of the accreditation's status, oldest first. */
int store_status_history_each(struct store_conn *c, int64_t accreditation_id,
                              void (*fn)(void *arg, const struct store_status_change *ch),
                              void *arg);

#endif
