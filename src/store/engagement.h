/*
 * The engagement records' SQL that the generic store cannot express from declarations:
 * the delegation overlap rule, delegation statistics, and attachment bytes.
 */
#ifndef CIVDESK_STORE_ENGAGEMENT_H
#define CIVDESK_STORE_ENGAGEMENT_H

#include "store/store.h"

/* Another delegation that clashes with a membership (arena-owned text). */
struct delegation_clash {
    int64_t delegation_id;
    const char *forum, *starts_on, *ends_on;
    int64_t person_id;
    const char *person; /* full name */
};

/*
 * Whether person_id is a member of a delegation other than delegation_id whose dates
 * overlap [starts_on, ends_on] (inclusive). STORE_OK with *found and the first such
 * delegation in *out; STORE_ERROR if the query fails.
 */
int store_delegation_clash(struct store_conn *c, int64_t person_id, int64_t delegation_id,
                           const char *starts_on, const char *ends_on, struct arena *a, bool *found,
                           struct delegation_clash *out);
/* The same for every member of delegation_id, were its dates [starts_on, ends_on]. */
int store_delegation_members_clash(struct store_conn *c, int64_t delegation_id,
                                   const char *starts_on, const char *ends_on, struct arena *a,
                                   bool *found, struct delegation_clash *out);

/* Per forum: how many delegations, members (distinct people), experts, distinct NGOs. */
struct delegation_stat {
    const char *forum, *body;        /* arena-owned; body NULL when none */
    const char *starts_on, *ends_on; /* the earliest start and the latest end */
    int64_t delegations, members, experts, ngos;
};

/* Per-forum statistics, newest first; body NULL for all. *out arena-owned. */
int store_delegation_stats(struct store_conn *c, const char *body, struct arena *a,
                           struct delegation_stat **out, size_t *n);

/* Sets the bytes of attachment id (in the write transaction). */
int store_attachment_set_content(struct store_tx *tx, int64_t id, const void *bytes, size_t n);
/* Appends the bytes of attachment id to out. STORE_NOT_FOUND if there is none. */
int store_attachment_content(struct store_conn *c, int64_t id, struct buf *out);

#endif
