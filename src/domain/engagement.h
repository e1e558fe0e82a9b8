/*
 * engagement: the records of the ministry's everyday cooperation with NGOs — meetings
 * (participants, action items), proposals, delegations (members), reports
 * (recommendations), incidents, working groups (members, sites), documents (translations,
 * attachments). Plain data is declared (engagement.c); the code here is only for what is
 * really specific: the proposal and report state machines, the delegation overlap rule,
 * word limits, attachments, delegation statistics and calendar items.
 *
 * Rules and their sources: docs/engagement.md.
 */
#ifndef CIVDESK_DOMAIN_ENGAGEMENT_H
#define CIVDESK_DOMAIN_ENGAGEMENT_H

#include "domain/domain.h"
#include "store/engagement.h"

extern const struct resource res_meetings;
extern const struct resource res_meeting_participants;
extern const struct resource res_meeting_actions;
extern const struct resource res_proposals;
extern const struct resource res_delegations;
extern const struct resource res_delegation_members;
extern const struct resource res_reports;
extern const struct resource res_report_recommendations;
extern const struct resource res_incidents;
extern const struct resource res_working_groups;
extern const struct resource res_working_group_members;
extern const struct resource res_working_group_sites;
extern const struct resource res_documents;
extern const struct resource res_document_translations;
extern const struct resource res_document_attachments;

/* ---- words -------------------------------------------------------------------------- */

/*
 * Words in UTF-8 text as a word processor counts them: a run of characters between
 * white space is a word when it holds at least one letter or digit (any script: "Права"
 * and "don't" are one word each, "—" none); each ideograph (Han, kana) is a word of its
 * own. Invalid UTF-8 counts what precedes the fault.
 */
size_t words_count(const char *p, size_t n);

/* The word limit that applies to a report, from the rules table (engagement_words.c). */
struct word_limit {
    int64_t limit;    /* 0: no limit applies */
    const char *rule; /* what the limit is and where it comes from; NULL when none */
};

/*
 * The limit for a report of `kind` to `target_body` (may be NULL) written by `authors`
 * organisations, `general` when one of them holds ECOSOC general status.
 */
struct word_limit word_limit_for(const char *kind, const char *target_body, size_t authors,
                                 bool general);

/* Counts a report's words (its text and its recommendations) and finds its limit. */
int report_words(struct store_conn *c, const struct record *report, struct arena *a, int64_t *count,
                 struct word_limit *limit);
/* The authors (organisation_ids) of report that hold no active ECOSOC status, up to cap
 * into out (issue 14: only organisations in ECOSOC status submit HRC written statements). */
int report_authors_without_ecosoc(struct store_conn *c, const struct record *report,
                                  struct arena *a, int64_t *out, size_t cap, size_t *n);

/* ---- attachments -------------------------------------------------------------------- */

/*
 * The canonical media type for a Content-Type header value when it is one of the
 * allowed kinds (PDF, DOCX, ODT, PNG, JPEG, plain text), else NULL. Parameters
 * (charset) are ignored. Returns a static string.
 */
const char *attachment_media_type(const char *content_type);
/* The allowed media types, NULL-terminated (static). */
extern const char *const attachment_types[];
/* NULL when bytes look like media type `type` (magic numbers), else why not. */
const char *attachment_sniff(const char *type, const unsigned char *p, size_t n);
/* NULL when name is acceptable as a file name (UTF-8, no path, no controls), else why. */
const char *attachment_filename_problem(const char *name, size_t n);
/*
 * Appends an RFC 6266 Content-Disposition value for downloading `filename`:
 * attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>.
 */
void attachment_disposition(struct buf *out, const char *filename);

/*
 * Stores an uploaded attachment of document `doc_id`: checks that `who` may add it (the
 * access rules, as for any sub-record), the bytes against the media type and the file
 * name, then writes metadata (with the SHA-256 of the bytes), the bytes and the audit
 * entry in one transaction. `bytes` is borrowed. Field problems → DOMAIN_INVALID with
 * errs; a document `who` cannot see → STORE_NOT_FOUND; one it may not change →
 * DOMAIN_FORBIDDEN; *out is the new record (arena-owned).
 */
int attachment_add(struct store *s, const struct principal *who, int64_t doc_id,
                   const char *filename, const char *media_type, const unsigned char *bytes,
                   size_t n, struct arena *a, struct errors *errs, struct error *msg,
                   struct record **out);
/*
 * Reads attachment `id` of document `doc_id` if `who` may see the document: its record
 * into *meta and its bytes appended to out. STORE_NOT_FOUND otherwise.
 */
int attachment_read(struct store_conn *c, const struct principal *who, int64_t doc_id, int64_t id,
                    struct arena *a, struct record **meta, struct buf *out);

/* ---- statistics and calendar -------------------------------------------------------- */

/* Statistics (struct delegation_stat: store/engagement.h) for every forum (or only those of `body`
 * when not NULL), newest first. */
int delegation_stats(struct store_conn *c, const char *body, struct arena *a,
                     struct delegation_stat **out, size_t *n);

/* One dated item of the engagement records for the calendar. */
struct engagement_event {
    const char *date;      /* YYYY-MM-DD: the day it happens or is due */
    const char *end_date;  /* last day of a span (delegations), NULL for one day */
    const char *starts_at; /* RFC 3339 UTC as stored when it happens at a time (meetings) */
    const char *ends_at;   /* its end as stored, NULL when not recorded */
    const char *location;  /* where, NULL when not recorded */
    const char *kind;      /* meeting, delegation, report_deadline, action_due */
    const char *title;     /* arena-owned */
    const char *title_code; /* its stable code (struct said), title_what its parameter */
    const char *title_what; /* the record's own words in the title (arena-owned) */
    const char *resource;  /* the collection of the record it links to */
    int64_t id;            /* that record */
    int64_t source_id;     /* the dated record itself (an action item, not its meeting) */
    const char *link;      /* its API path, arena-owned */
    const char *body;      /* the body concerned (UNGA, UNHRC), else the department or owner */
};

/*
 * The events between from and to (YYYY-MM-DD, inclusive) that `who` may see: meetings,
 * delegations (a span overlapping the range), deadlines of reports not yet submitted,
 * due dates of open action items. Ordered by date. *out is arena-owned.
 */
int engagement_calendar(struct store_conn *c, const struct principal *who, const char *from,
                        const char *to, struct arena *a, struct engagement_event **out, size_t *n);

struct cal_item; /* domain/ledger.h */
/*
 * The same events appended to the ledger's calendar (GET /api/v1/calendar, calendar.ics):
 * *items is an arena array of *cap entries holding *n, grown as needed. Each item links
 * to its record, names the body concerned (or the department), and has a stable UID.
 */
int engagement_calendar_add(struct store_conn *c, const struct principal *who, const char *from,
                            const char *to, struct arena *a, struct cal_item **items, size_t *n,
                            size_t *cap);

/* ---- demo --------------------------------------------------------------------------- */

/* Adds the engagement demo records inside demo_populate's transaction. */
int engagement_demo(struct store_tx *tx, struct arena *a, struct error *err);

#endif
