/*
 * domain: the resources civdesk stores and the operations on them. Handlers (HTTP) and
 * the command line both call these functions; nothing here knows HTTP.
 */
#ifndef CIVDESK_DOMAIN_H
#define CIVDESK_DOMAIN_H

#include "auth/auth.h"
#include "resource/resource.h"
#include "store/store.h"

extern const struct resource res_organisations;
extern const struct resource res_people;
extern const struct resource res_comments; /* issue 17: src/domain/comments.c */

void organisation_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                           struct errors *errs);
void person_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                     struct errors *errs);
void person_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w);

/* Outcome codes: enum result (core/result.h); DOMAIN_INVALID means errs holds
 * per-field messages. */

/*
 * Generic operations on any declared resource, each one write transaction holding the
 * change and its audit entry. `errs` collects field errors (DOMAIN_INVALID); `msg` the
 * message of any other failure. *out is the record as stored (arena-owned).
 */
int domain_create(struct store *s, const struct principal *who, const struct resource *res,
                  json_t *body, struct arena *a, struct errors *errs, struct error *msg,
                  struct record **out);
/* Applies a JSON merge patch. if_match: the version the caller saw, 0 if not given. */
int domain_update(struct store *s, const struct principal *who, const struct resource *res,
                  int64_t id, int64_t if_match, json_t *patch, struct arena *a, struct errors *errs,
                  struct error *msg, struct record **out);
int domain_delete(struct store *s, const struct principal *who, const struct resource *res,
                  int64_t id, int64_t if_match, struct arena *a, struct error *msg);

/*
 * One change to a selection of records of res (issue 17's bulk actions), all or none: one
 * write transaction. Each record gets the JSON merge patch `set` (may be NULL), and for
 * each list-of-text field named in `add` / `remove` (objects of arrays of strings; may be
 * NULL) those strings added to its current list (once) or taken out of it. Each record is
 * checked as a PATCH of it by `who` would be — access, the ministry's fields, references,
 * the resource's rules — and audited as an "update" of its own; a record the change
 * leaves as it was is not written. ids: n distinct ids (1..LIMIT_ID_SET, checked by the
 * caller). *changed receives how many records were written. Failures change nothing:
 * DOMAIN_INVALID with errs (an id naming no record the caller may see is an error of
 * `ids`; a record refusing the change is named in msg), DOMAIN_FORBIDDEN with msg.
 */
int domain_bulk_update(struct store *s, const struct principal *who, const struct resource *res,
                       const int64_t *ids, size_t n, json_t *set, json_t *add, json_t *remove,
                       struct arena *a, struct errors *errs, struct error *msg, size_t *changed);

/* Sets a new record's state to its machine's initial state (the enum's first value). */
void domain_initial_state(struct record *rec);

/*
 * Moves a record of a resource with a state machine to state `to`, recording the move
 * (who, when, note) in its history and the audit trail, running the resource's
 * on_transition hook, all in one transaction. An illegal move is STORE_CONFLICT with
 * the legal targets (for this principal) in *allowed (NULL-terminated, arena-owned).
 */
int domain_transition(struct store *s, const struct principal *who, const struct resource *res,
                      int64_t id, int64_t if_match, const char *to, const char *note,
                      struct arena *a, struct errors *errs, struct error *msg,
                      const char ***allowed, struct record **out);
/* The states a principal may move rec to now (NULL-terminated, arena-owned). */
/*
 * The states of res's state machine that are not final (some row leaves them), as a JSON
 * array of strings in arena a — for store queries that select the open records, so the
 * set comes from the declaration and is not spelt again in SQL. res has a state field.
 */
const char *domain_open_states_json(const struct resource *res, struct arena *a);

const char **domain_transitions_allowed(const struct principal *who, const struct record *rec,
                                        struct arena *a);

/*
 * Whether a principal may see a record (access rule by ownership): officers and admins
 * see everything; an NGO user what its organisation owns (through the resource's owner
 * field, or the parent's for sub-resources); anyone what is flagged public.
 */
bool domain_may_see(struct store_conn *c, const struct principal *who, const struct record *rec,
                    struct arena *a);

/* Ends the write transaction tx a domain function began: commits when rc is 0 (the
 * commit's outcome is then the result, msg saying why it failed), rolls back otherwise and
 * returns rc. tx is gone afterwards either way. */
int domain_end_tx(struct store_tx *tx, int rc, struct error *msg);

/* Inserts an already-validated record inside the caller's transaction (imports, demo). */
int domain_insert_tx(struct store_tx *tx, const struct principal *who, struct record *rec,
                     struct arena *a, struct errors *errs, struct error *msg);
/* The checks and hooks of domain_insert_tx, and the insert, but no audit entry of its own:
 * for imports, which write one entry for the whole file in the same transaction. */
int domain_import_tx(struct store_tx *tx, const struct principal *who, struct record *rec,
                     struct arena *a, struct errors *errs, struct error *msg);
/* Writes rec (a changed copy of old, as stored) inside the caller's transaction, with
 * the same checks, hooks and audit entry as domain_update (imports: --on-duplicate update). */
int domain_update_tx(struct store_tx *tx, const struct principal *who, const struct record *old,
                     struct record *rec, struct arena *a, struct errors *errs, struct error *msg);

/* Fills the demo database: organisations, people, users. Prints the admin login. */
int demo_populate(struct store *s, const char *login_file, struct error *err);

#endif
