/*
 * store/access: the SQL behind accounts and access — browser sessions, failed sign-in
 * counters, the users API, and reading and verifying the audit trail. (The chain itself
 * is appended by store_audit in audit.c.)
 *
 * Times are Unix seconds from now_unix() (the test clock applies). Every text returned
 * is copied into the caller's arena.
 */
#ifndef CIVDESK_STORE_ACCESS_H
#define CIVDESK_STORE_ACCESS_H

#include "store/store.h"

/* ---- sessions ----------------------------------------------------------------------- */

struct session_row {
    int64_t id;
    int64_t created_at; /* sign-in */
    int64_t seen_at;    /* last use, to the minute */
};

/* Stores a new session of user_id under the SHA-256 of its token. */
int store_session_insert(struct store_tx *tx, int64_t user_id, const unsigned char hash[32],
                         int64_t now, const char *client, int64_t *id);
/*
 * The session with this token hash and its user, if the user is enabled. Expiry is the
 * caller's decision (it knows the limits). STORE_NOT_FOUND when unknown.
 */
int store_session_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                       struct session_row *s, struct user *u);
/* Records a use of the session. */
int store_session_touch(struct store_tx *tx, int64_t id, int64_t now);
/* Ends one session (sign-out, expiry). STORE_OK also when it was already gone. */
int store_session_delete(struct store_tx *tx, int64_t id);
/* Ends every session idle since before idle_cutoff or begun before absolute_cutoff. */
int store_session_purge(struct store_tx *tx, int64_t idle_cutoff, int64_t absolute_cutoff);
/* How many live sessions a user has (tests, the users API). */
int store_session_count(struct store_conn *c, int64_t user_id, int64_t *n);
/* Ends every session of a user (also done by a trigger when they are disabled). */
int store_session_delete_user(struct store_tx *tx, int64_t user_id);

/* ---- failed sign-ins ---------------------------------------------------------------- */

/* scope: "account" (key: the e-mail, lower-cased) or "address" (key: client address). */
struct failure_stats {
    int64_t count; /* failures at or after `since` */
    int64_t first; /* the oldest of them (0 if none) */
    int64_t last;  /* the newest of them (0 if none) */
};

/* Records a failure at `at`, and forgets failures older than forget_before. */
int store_login_failure_add(struct store_tx *tx, const char *scope, const char *key, int64_t at,
                            int64_t forget_before);
int store_login_failures(struct store_conn *c, const char *scope, const char *key, int64_t since,
                         struct failure_stats *out);
/* Forgets the failures of one key (a successful sign-in clears its account's). */
int store_login_failures_clear(struct store_tx *tx, const char *scope, const char *key);
/* Whether account signed in successfully from address at or after `since`. */
int store_login_known(struct store_conn *c, const char *account, const char *address, int64_t since,
                      bool *known);
/* Records a successful sign-in of account from address at `at`, and forgets those older
 * than forget_before. */
int store_login_known_add(struct store_tx *tx, const char *account, const char *address, int64_t at,
                          int64_t forget_before);

/* Counts one refusal of kind for actor_id in window (a number naming the time slice),
 * forgetting windows before forget_before; *count is the count so far in this window. */
int store_refusal_count(struct store_tx *tx, int64_t actor_id, const char *kind, int64_t window,
                        int64_t forget_before, int64_t *count);

/* ---- API tokens (issue 16) ----------------------------------------------------------- */

/* A token found by its hash, with its enabled user. Text is arena-owned. */
struct token_use {
    int64_t token_id;
    const char *last_used_at; /* RFC 3339, NULL if never used */
    int64_t user_id, org_id;
    const char *email, *role;
    const char *expires_at; /* RFC 3339, NULL if it never expires */
};

/* One token as listed: never its hash. Text is arena-owned; label, last_used_at may be NULL. */
struct token_row {
    int64_t id, user_id;
    const char *email, *label, *created_at, *expires_at, *last_used_at;
};

/* Stores a token (its SHA-256) of user_id, expiring at expires_at (RFC 3339). */
int store_token_create(struct store_tx *tx, int64_t user_id, const unsigned char hash[32],
                       const char *label, const char *expires_at, int64_t *id);
/* The unexpired token with this hash whose user is enabled; STORE_NOT_FOUND otherwise. */
int store_token_find(struct store_conn *c, const unsigned char hash[32], const char *now,
                     struct arena *a, struct token_use *out);
/*
 * A number that changes whenever anything committed by any connection — of this process or
 * another (a second server, a command) — becomes visible to c; while it stays the same on
 * c, everything c reads is as it was (SQLite's PRAGMA data_version). Comparable only with
 * earlier numbers of the same c. Inside a read transaction it is that transaction's
 * snapshot's. STORE_NOT_FOUND on PostgreSQL, which has no such number in the process:
 * asking the server (its snapshot would do) costs a round trip, as much as the lookup a
 * cache would save, so callers there read afresh every time.
 */
int store_data_version(struct store_conn *c, int64_t *out);
/* Records that a token was used at now. */
int store_token_touch(struct store_tx *tx, int64_t id, const char *now);
/* The tokens of user_id (0: everyone's), oldest first. */
int store_token_list(struct store_conn *c, int64_t user_id, struct arena *a, struct token_row **out,
                     size_t *n);
/* One page of the same: ids after `after`, at most limit; *more when another page
 * follows (src/store/pages.c). */
int store_token_page(struct store_conn *c, int64_t user_id, int64_t after, int limit,
                     struct arena *a, struct token_row **out, size_t *n, bool *more);
/* Deletes token id, if it is user_id's (0: whoever's); STORE_NOT_FOUND if there is none. */
int store_token_delete(struct store_tx *tx, int64_t id, int64_t user_id);
/* The administrator's policy for new tokens, in days. */
int store_token_policy(struct store_conn *c, int64_t *default_days, int64_t *max_days);
int store_token_policy_set(struct store_tx *tx, int64_t default_days, int64_t max_days);

/* ---- users -------------------------------------------------------------------------- */

/* A user as the users API shows it: the account plus its record metadata. */
struct user_row {
    struct user u;
    int64_t version;
    char created_at[21], updated_at[21];
};

struct user_filter {
    const char *role; /* NULL: any */
    int64_t org_id;   /* 0: any */
    int disabled;     /* -1: any, 0 / 1 */
    int64_t after_id; /* keyset: ids greater than this */
    int limit;        /* rows wanted; one more is read to know if there is a next page */
};

/* Users in id order matching f: up to f->limit rows into *out (arena), *more if further
 * rows exist. */
int store_user_list(struct store_conn *c, const struct user_filter *f, struct arena *a,
                    struct user_row **out, size_t *n, bool *more);
int store_user_row(struct store_conn *c, int64_t id, struct arena *a, struct user_row *out);
/*
 * Writes name, role, organisation, disabled and (when not NULL) password_hash of u->id,
 * if its stored version is `version` (0: any). Bumps version and updated_at.
 * STORE_VERSION on a mismatch, STORE_NOT_FOUND when absent, STORE_BAD_REF for an unknown
 * organisation.
 */
int store_user_update(struct store_tx *tx, const struct user *u, int64_t version,
                      struct error *err);

/* ---- audit trail -------------------------------------------------------------------- */

struct audit_entry {
    int64_t id;
    const char *at;
    int64_t actor_id; /* 0: the system */
    const char *actor;
    int64_t org_id;
    const char *action, *resource;
    int64_t record_id;
    const char *before, *after; /* JSON text or NULL */
    const char *prev_hash, *hash;
};

struct audit_filter {
    const char *resource;  /* NULL: any */
    int64_t record_id;     /* 0: any */
    int64_t actor_id;      /* 0: any */
    const char *actor;     /* e-mail / label as recorded; NULL: any */
    const char *action;    /* NULL: any */
    const char *from, *to; /* RFC 3339 UTC bounds on `at`, inclusive; NULL: open */
    int64_t before_id;     /* keyset: entries older than this id; 0: from the newest */
    int limit;
};

/* Newest first. *more when older matching entries remain. */
int store_audit_list(struct store_conn *c, const struct audit_filter *f, struct arena *a,
                     struct audit_entry **out, size_t *n, bool *more);

struct audit_report {
    int64_t checked; /* entries that verified, from the first */
    int64_t bad_id;  /* the first bad entry (0 when intact) */
    int64_t head_id; /* the last entry the head records */
    char head_hash[65];
    int64_t entries; /* how many entries the head says were ever appended */
};

/*
 * Verifies the whole trail in one read transaction: the hash chain (edited, deleted,
 * inserted, reordered entries) and the head (entries cut off the end). STORE_OK when
 * intact; STORE_CONFLICT with err naming the first bad entry; STORE_ERROR if unreadable.
 */
int store_audit_check(struct store_conn *c, struct audit_report *out, struct error *err);

/* ---- the deep check: live rows against their last audited images (audit_deep.c) ----- */

#define DEEP_FAULTS_LISTED 100

struct deep_fault {
    const char *resource; /* table, e.g. "users" (arena-owned) */
    int64_t id;
    const char *detail; /* English, names the field (arena-owned) */
};

struct deep_report {
    int64_t checked;           /* live rows compared */
    int64_t faults_total;      /* rows that differ from, or have no, audited image */
    struct deep_fault *faults; /* the first DEEP_FAULTS_LISTED, table by table in id order */
    size_t nfaults;
};

/* Compares every live row of every resource and of users with the image of its last
 * audit entry (docs/security.md says what is not a fault). Text in `out` is a's.
 * Call inside a read transaction for one snapshot. STORE_OK (faults or not), or
 * STORE_ERROR. */
int store_audit_deep_check(struct store_conn *c, struct arena *a, struct deep_report *out);

#endif
