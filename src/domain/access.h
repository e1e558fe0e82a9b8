/*
 * domain/access: the row-level half of the access rules. The route's row (src/http/
 * routes.c) gives the caller a grant (principal_grant); these functions interpret it
 * against a resource's declaration — owner, public_flag, parent, state machine, access
 * flags — so every resource, present and future, is governed by the same few lines.
 *
 * Outcomes: 0 when allowed; STORE_NOT_FOUND when the caller may not even see the record
 * (answered 404, so its existence does not leak); DOMAIN_FORBIDDEN when they see it but
 * may not do this (403); DOMAIN_INVALID with field errors when the input asks for
 * something the role may not set (422).
 */
#ifndef CIVDESK_DOMAIN_ACCESS_H
#define CIVDESK_DOMAIN_ACCESS_H

#include "domain/domain.h"

/* DOMAIN_FORBIDDEN (core/result.h): visible, but the caller's role may not do this. */

enum change {
    CHANGE_UPDATE,     /* PATCH */
    CHANGE_DELETE,     /* DELETE */
    CHANGE_TRANSITION, /* a state-machine move (its own table says which role may) */
};

/*
 * Whether the grant can reach records of res at all (before looking at any record): a
 * resource with nothing public is out of reach of PUBLIC; one that is neither owned,
 * public nor reference data is out of reach of OWN. The server answers 401/403 for a
 * route on a resource out of reach.
 */
bool domain_grant_reaches(enum grant g, const struct resource *res);

/* Whether the caller may change rec (an existing record) in this way. msg says why not. */
int domain_may_change(struct store_conn *c, const struct principal *who, const struct record *rec,
                      enum change what, struct arena *a, struct error *msg);

/*
 * Begins the write transaction of a change (what) to record id of res (src/domain/crud.c,
 * for updates, deletions and transitions): *tx begun, *old the record as stored, and the
 * caller allowed to make the change. On failure the transaction is already ended and the
 * code returned (STORE_ERROR busy, STORE_NOT_FOUND, DOMAIN_FORBIDDEN …), msg saying why.
 */
int domain_begin_change(struct store *s, const struct principal *who, const struct resource *res,
                        int64_t id, enum change what, struct arena *a, struct store_tx **tx,
                        struct record **old, struct error *msg);

/*
 * Whether the caller may create rec (validated, not stored). For a role limited to its
 * own organisation, an absent owner field is set to that organisation and any other
 * organisation is refused with a field error (never silently replaced).
 */
int domain_may_create(struct store_conn *c, const struct principal *who, struct record *rec,
                      struct arena *a, struct errors *errs, struct error *msg);

/* After a patch: a role limited to its own organisation must leave the record its own. */
void domain_check_owner(const struct principal *who, const struct record *rec, struct errors *errs);
/* Fields declared F_STAFF_WRITES that a caller below officer sets (create: old NULL) or
 * changes: each named in errs, and DOMAIN_FORBIDDEN (403) with msg; 0 if none. */
int domain_check_writers(const struct principal *who, const struct record *rec,
                         const struct record *old, struct errors *errs, struct error *msg);

/*
 * Restricts a top-level list query to what the caller may see (the same rule as
 * domain_may_see, expressed for the store). -1 when the caller may see none of res;
 * DOMAIN_LIST_STAFF_FIELD when q filters or sorts by a field only the ministry reads
 * (F_STAFF_READS) and the caller is not of the ministry.
 */
#define DOMAIN_LIST_STAFF_FIELD (-2)
int domain_list_scope(const struct principal *who, const struct resource *res,
                      struct list_query *q);

/*
 * Whether the caller reads the F_INTERNAL fields of rec, a record it may see: the
 * ministry (the whole reach) and the organisation owning rec — through its parents for a
 * sub-record; not a caller who sees it only because it is public. Reads the parents, so
 * the writer of a sub-record's JSON asks first and hands the answer to record_to_json
 * (hook_ctx.owns_parent).
 */
bool domain_reads_internal(struct store_conn *c, const struct principal *who,
                           const struct record *rec, struct arena *a);

/*
 * Scopes q, a list of the sub-records of res under the parent with id parent_id (which
 * the caller may see): their F_INTERNAL values are blanked for all but the ministry and
 * the parent's owner, their F_STAFF_READS ones for all but the ministry. Returns whether
 * the caller reads the F_INTERNAL fields (hook_ctx.owns_parent for the items' JSON).
 */
bool domain_sub_list_scope(struct store_conn *c, const struct principal *who,
                           const struct resource *res, int64_t parent_id, struct list_query *q,
                           struct arena *a);

#endif
