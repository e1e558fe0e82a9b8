/*
 * What the notification files (notify.c, notify_events.c, notify_prefs.c,
 * notify_sender.c, notify_sources.c) share and nothing else includes: the words of a
 * notice and their placeholders, and giving one user one notice.
 */
#ifndef CIVDESK_NOTIFY_INT_H
#define CIVDESK_NOTIFY_INT_H

#include "domain/notify.h"

/* Where links in stored messages start; the sender puts the public URL in its place. */
#define LINK_BASE "{civdesk}"

/* The values of a message's {name} placeholders (NULL: empty). */
struct notify_fill {
    const char *org, *body, *due, *days, *count, *id, *state, *note, *title, *email, *text;
    const char *detail; /* an item's detail (a report's period) */
};

/* One notice for a person: the title and line in their language and the record link. */
struct notify_notice {
    const char *kind, *key;
    int64_t org_id;
    const char *resource;
    int64_t record_id;
    const char *due_on;
    int64_t days; /* threshold days, INT64_MIN: none */
    const char *title, *detail;
};

/*
 * The words of a message of one kind and variant ("" or "overdue") in one language (a row
 * of notify.c's table). Placeholders: {org} {body} {due} {days} {count} {id} … (struct
 * notify_fill).
 */
struct notify_words {
    const char *kind, *variant, *lang;
    const char *subject, *line;
};

/* The words row for a kind, variant and language (English when the language has none;
 * the plain variant "" when the kind has no words for this one); NULL when none. */
const struct notify_words *notify_words_for(const char *kind, const char *variant,
                                            const char *lang);
/* Expands the {name} placeholders of tmpl with f; arena-owned. */
const char *notify_expand(const char *tmpl, const struct notify_fill *f, struct arena *a);

/*
 * Gives u the notice: a notification (unless they already have one with its key) and,
 * when their preference for its kind is immediate, a message in the outbox. Counts into
 * run. Inside the caller's write transaction.
 */
int notify_user_tx(struct store_tx *tx, const struct notify_user *u, const struct notify_notice *nt,
                   struct arena *a, struct notify_run *run);

#endif
