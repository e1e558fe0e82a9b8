/*
 * store/notify: the SQL of reminders and notifications (docs/notifications.md) — what the
 * reminder sources read, who receives what, the in-app notifications, the e-mail outbox
 * and each user's preferences. Every text returned is copied into the caller's arena;
 * every value is bound.
 */
#ifndef CIVDESK_STORE_NOTIFY_H
#define CIVDESK_STORE_NOTIFY_H

#include "store/ledger.h"
#include "store/store.h"

/* Something a reminder source found that someone must act on by due_on. */
struct notify_item {
    int64_t org_id;       /* the organisation concerned */
    const char *kind;     /* "report_due", "questions_open", ... */
    const char *due_on;   /* YYYY-MM-DD, or NULL: act now (sent once, no thresholds) */
    const char *resource; /* the record to link to: "accreditations", ... */
    int64_t record_id;
    const char *key;      /* stable for this obligation and due date */
    const char *org_name; /* for the words of the message */
    const char *body;     /* the international body's code, or NULL */
    int64_t count;        /* e.g. open questions; 0 when it means nothing */
    bool obligation;      /* an item of the obligations list: its sentence is said ... */
    const char *detail;   /* ... with this detail (period, status, count, title) */
    const char *variant;  /* the words' variant for the record ("report"), NULL: plain */
};

/* Deferred applications with unanswered questions, one item per application, keyed by
 * the newest open question (a new question is a new reminder). */
int store_notify_open_questions(struct store_conn *c, struct arena *a, struct notify_item **out,
                                size_t *n);

/* A deferred quadrennial report with unanswered questions, as the reminder sources read
 * it: the obligations list's row, its organisation, and its newest question. */
struct store_notify_report_question {
    struct store_report_questions q;
    int64_t org_id;
    const char *org_name;
    int64_t newest; /* the id of its newest question, answered or not (a new one: a new
                       notice; answering one: none) */
};
/* Every quadrennial report the body deferred (outcome `deferred`) with unanswered
 * questions, by report id, found through the open questions (index
 * report_questions_open), not by reading every report. */
int store_notify_report_questions(struct store_conn *c, struct arena *a,
                                  struct store_notify_report_question **out, size_t *n);

/*
 * Candidates of the reminder pass's obligation sources (src/domain/notify.c): each finds,
 * through an index, only the records whose due date can fall in the pass's window; the
 * domain then applies the obligations rules (ledger_obligations.h) to each. Rows are
 * copied into a (organisation names included); accreditations use store_reports_due
 * (store/ledger.h, index accreditations_report_due).
 */
/* Applications not yet filed (draft, submitted, endorsed) at body (applications_body_state). */
int store_notify_unfiled(struct store_conn *c, const char *body, struct arena *a,
                         struct store_app_row **out, size_t *n);
/* Applications under review or deferred with at least one unanswered question
 * (applications_state). */
int store_notify_questioned(struct store_conn *c, struct arena *a, struct store_app_row **out,
                            size_t *n);
/* A pending report with a deadline, once per organisation it names. */
struct store_notify_statement {
    struct store_pending_report report;
    int64_t org_id;
    const char *org_name;
};
/* Reports in draft or in review whose deadline_on is from..to (reports_deadline), one row
 * per organisation named. */
int store_notify_statements(struct store_conn *c, const char *from, const char *to, struct arena *a,
                            struct store_notify_statement **out, size_t *n);

/* A person who may be told something, with their preferences. */
struct notify_user {
    int64_t id;
    const char *email, *name, *role;
    int64_t org_id;
    const char *lang;  /* "ru" | "en" */
    const char *kinds; /* JSON object kind → "immediate" | "digest" | "off" */
    bool has_ics;      /* a calendar feed secret is set */
    bool disabled;
};

/* Enabled users who should hear about organisation org_id's obligations: its own ngo
 * users and every officer (org_id 0: officers only). */
int store_notify_recipients(struct store_conn *c, int64_t org_id, struct arena *a,
                            struct notify_user **out, size_t *n);
/* One user (enabled or not) with preferences. STORE_NOT_FOUND when absent. */
int store_notify_user(struct store_conn *c, int64_t user_id, struct arena *a,
                      struct notify_user *out);
/* Enabled users of a role ("officer") or, with org_id, ngo users of an organisation. */
int store_notify_users_of(struct store_conn *c, const char *role, int64_t org_id, struct arena *a,
                          struct notify_user **out, size_t *n);

struct notification_row {
    int64_t id, user_id;
    const char *kind, *key;
    int64_t org_id;
    const char *resource;
    int64_t record_id;
    const char *due_on;
    int64_t days; /* threshold: days before due (-1 overdue); INT64_MIN: none */
    const char *title, *detail;
    const char *mail; /* "immediate" | "digest" | "off" */
    int64_t outbox_id;
    const char *created_at, *read_at;
};

/* Inserts unless the user already has a notification with this key: *created says
 * which; n->id is set either way. */
int store_notification_insert(struct store_tx *tx, struct notification_row *n, bool *created);
/* Whether the user already has a notification with this key (*has). */
int store_notification_has(struct store_conn *c, int64_t user_id, const char *key, bool *has);
int store_notification_set_outbox(struct store_tx *tx, int64_t id, int64_t outbox_id);
/* The user's notifications newest first, ids below before_id (0: from the newest);
 * *more when older ones remain; *unread counts all their unread ones. */
int store_notification_list(struct store_conn *c, int64_t user_id, int64_t before_id, int limit,
                            bool unread_only, struct arena *a, struct notification_row **out,
                            size_t *n, bool *more, int64_t *unread);
/* Marks the user's notification read (once; later calls keep the first time).
 * STORE_NOT_FOUND when it is not theirs. */
int store_notification_read(struct store_tx *tx, int64_t user_id, int64_t id, struct arena *a,
                            struct notification_row *out);
/* The user's notifications waiting for a digest, oldest first. */
int store_notification_digest_pending(struct store_conn *c, int64_t user_id, struct arena *a,
                                      struct notification_row **out, size_t *n);
/* Users with notifications waiting for a digest. */
int store_notification_digest_users(struct store_conn *c, struct arena *a, int64_t **out,
                                    size_t *n);

struct outbox_row {
    int64_t id, user_id;
    const char *key, *kind, *recipient, *lang, *subject, *body_text, *body_html;
    const char *state; /* queued | sent | failed | cancelled */
    int64_t attempts, next_attempt_at;
    const char *last_error, *created_at, *sent_at;
    bool user_disabled; /* read by store_outbox_due */
};

/* Inserts a queued message unless one with its key exists (*created false; o->id set). */
int store_outbox_insert(struct store_tx *tx, struct outbox_row *o, bool *created);
/* Queued messages whose next attempt is due at `now`, oldest first, at most limit. */
int store_outbox_due(struct store_conn *c, int64_t now, int limit, struct arena *a,
                     struct outbox_row **out, size_t *n);
/* After an attempt: state, attempts, next attempt, error (NULL), sent_at (NULL). */
int store_outbox_mark(struct store_tx *tx, int64_t id, const char *state, int64_t attempts,
                      int64_t next_attempt_at, const char *error, const char *sent_at);
/* Newest first, ids below before_id (0: from the newest); state NULL: any. */
int store_outbox_list(struct store_conn *c, const char *state, int64_t before_id, int limit,
                      struct arena *a, struct outbox_row **out, size_t *n, bool *more);

/* Writes a user's language and per-kind choices (JSON text). */
int store_prefs_put(struct store_tx *tx, int64_t user_id, const char *lang, const char *kinds);
/* Sets (hash non-NULL) or clears the calendar feed secret's SHA-256. */
int store_prefs_set_ics(struct store_tx *tx, int64_t user_id, const unsigned char *hash);
/* The enabled user whose calendar secret has this hash. STORE_NOT_FOUND otherwise. */
int store_prefs_ics_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                         struct user *out);

/* An organisation's name (arena), or NULL when there is none with this id. */
const char *store_notify_org_name(struct store_conn *c, int64_t id, struct arena *a);

#endif
