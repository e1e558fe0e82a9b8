/*
 * domain/notify: reminders and notifications (docs/notifications.md).
 *
 * Reminder sources are a table of functions that, for a day, yield the obligations of
 * organisations with their due dates (struct notify_item). The reminder pass picks, for
 * each item, the threshold row it has reached (90, 30, 7, 1 days before; overdue the day
 * after) and gives each person concerned one notification per (item, threshold) — the
 * idempotency key — and, by their preferences, an e-mail in the outbox, all in one write
 * transaction. Event notices (an application moved, an account created) are written by
 * notify_event inside the transaction of the event itself.
 */
#ifndef CIVDESK_NOTIFY_H
#define CIVDESK_NOTIFY_H

#include "auth/auth.h"
#include "io/mail.h"
#include "resource/resource.h"
#include "store/notify.h"

#include <jansson.h>

/* A reminder source: items due on or before `until` (and those without a date) as seen
 * on `today`, into an arena array. */
typedef int (*notify_source_fn)(struct store_conn *c, const char *today, const char *until,
                                struct arena *a, struct notify_item **out, size_t *n);

struct notify_source {
    const char *name;
    notify_source_fn fn;
};
extern const struct notify_source notify_sources[];
extern const size_t notify_sources_count;

/* One row of the thresholds table: remind when the days left reach `days` or fewer. */
struct notify_threshold {
    int days;          /* days before the due date; -1: the day after (overdue) */
    const char *label; /* in the idempotency key: "d90", ..., "overdue" */
};
extern const struct notify_threshold notify_thresholds[];
extern const size_t notify_thresholds_count;

/* The threshold row an item due on due_on has reached on today, or -1 when none yet.
 * Both YYYY-MM-DD. */
int notify_threshold_for(const char *today, const char *due_on);

/* Days from a to b (b - a), both YYYY-MM-DD; false when either is not a date. */
bool notify_days_between(const char *a, const char *b, int64_t *days);
/* YYYY-MM-DD plus days into out. */
void notify_date_add(const char *date, int64_t days, char out[11]);
/* A date for a person: "1 June 2028", "1 июня 2028 г." (lang "ru"); arena-owned. */
const char *notify_date_human(const char *date, const char *lang, struct arena *a);

/* The UI's page of the record a notification is about, into out: "/accreditations/5",
 * "/accreditation-reports/7" — the resource's name with '-' for '_', as the UI's paths
 * write it. */
#define NOTIFY_LINK_MAX 96
void notify_link(const char *resource, int64_t id, char out[NOTIFY_LINK_MAX]);

/* The most lines a daily digest lists; the rest are counted, with a link to the app. */
#define NOTIFY_DIGEST_MAX 50

/* What a run did. */
struct notify_run {
    int64_t notifications; /* new in-app notifications */
    int64_t queued;        /* new messages in the outbox */
    int64_t sent, retried, failed, cancelled;
};

/* The reminder pass for `today` (YYYY-MM-DD), then the digests: one write transaction
 * with one audit entry when anything was created. Running it again creates nothing. */
int notify_reminders(struct store *s, const char *today, struct notify_run *out,
                     struct error *err);

/* Delivers queued messages that are due (at most `max`), each marked in its own small
 * transaction after its SMTP attempt. A failed attempt is retried with backoff and given
 * up after NOTIFY_MAX_ATTEMPTS. Messages to users disabled since are cancelled. */
int notify_deliver(struct store *s, const struct mail_config *cfg, int max, struct notify_run *out,
                   struct error *err);
#define NOTIFY_MAX_ATTEMPTS 8

/* ---- preferences -------------------------------------------------------------------- */

/* The kinds of notification, and whether a user may turn one off. */
struct notify_kind {
    const char *name;
    bool reminder;  /* from the reminder pass (officers get a digest by default) */
    bool mandatory; /* account notices: never off, always immediate */
};
extern const struct notify_kind notify_kinds[];
extern const size_t notify_kinds_count;

/* How a user gets notices of a kind: "immediate", "digest" or "off". */
const char *notify_mode(const struct notify_user *u, const char *kind);

/* ---- the caller's own --------------------------------------------------------------- */

/* Marks the caller's notification id read, in one write transaction; the row as stored
 * in *out. STORE_NOT_FOUND when it is not the caller's (so others' do not leak). */
int notify_mark_read(struct store *s, const struct principal *who, int64_t id, struct arena *a,
                     struct notification_row *out);
/* ---- preferences of the caller ------------------------------------------------------- */

/* The caller's notification settings with defaults filled in (arena). */
int notify_prefs_get(struct store *s, const struct principal *who, struct arena *a,
                     struct notify_user *out);
/*
 * Applies a merge patch {"language": "ru"|"en", "kinds": {kind: "immediate"|"digest"|
 * "off"}} to the caller's preferences, with an audit entry, in one write transaction.
 * DOMAIN_INVALID (-20) with errs per field ("language", "kinds.<kind>") and nothing
 * changed on bad input; the account notices cannot be turned off.
 */
int notify_prefs_update(struct store *s, const struct principal *who, json_t *patch,
                        struct arena *a, struct errors *errs, struct notify_user *out);

/* ---- calendar subscription ---------------------------------------------------------- */

#define NOTIFY_ICS_KEY_PREFIX "cdc_"
#define NOTIFY_ICS_KEY_MAX    72 /* prefix + 64 hex digits + NUL, rounded up */

/* Makes a new secret calendar key for the caller (replacing any earlier one, which stops
 * working), with an audit entry; the key text into key (shown once, only its SHA-256 is
 * kept). */
int notify_ics_create(struct store *s, const struct principal *who, char key[NOTIFY_ICS_KEY_MAX]);
/* Revokes the caller's calendar key (STORE_OK also when there was none). */
int notify_ics_revoke(struct store *s, const struct principal *who);
/* The principal (role, organisation) of the enabled user holding calendar key `key`,
 * inside the caller's read. STORE_NOT_FOUND for an unknown or revoked key. */
int notify_ics_principal(struct store_conn *c, const char *key, struct arena *a,
                         struct principal *out);

/* ---- event notices ------------------------------------------------------------------ */

/*
 * After a record's state moved from `from` to `to` (inside the transition's write
 * transaction tx): tells the people concerned, by the table of events — an application
 * moved (its organisation's representatives), a proposal answered or a report returned
 * for changes (the representatives of each organisation named). A move with no row in
 * the table does nothing. note: the transition's note or NULL.
 */
int notify_transition(struct store_tx *tx, const struct record *rec, const char *from,
                      const char *to, const char *note);
/* Tells user_id (inside tx) that their account was created ("created") or its password
 * changed ("password"). These notices cannot be turned off. */
int notify_account(struct store_tx *tx, int64_t user_id, const char *what);

/* ---- the sender in serve ------------------------------------------------------------ */

/*
 * A thread that, every interval_s seconds (and at once when started), runs the reminder
 * pass when the date has changed since its last pass and, when cfg->smtp_url is set,
 * delivers what is due in the outbox (without it, queued messages wait for a sender that
 * has one). cfg is borrowed and must outlive the sender. Negative when the thread cannot
 * start.
 */
struct notify_sender;
int notify_sender_start(struct store *s, const struct mail_config *cfg, unsigned interval_s,
                        struct notify_sender **out);
/* Stops the thread (waiting for a delivery in progress) and frees it; NULL is fine. */
void notify_sender_stop(struct notify_sender *ns);

#endif
