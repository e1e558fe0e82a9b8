/*
 * One organisation's obligations: what it owes and by when, upcoming and overdue, in one
 * list — the NGO's landing page, GET /api/v1/organisations/{id}/obligations, and the
 * reminders of `civdesk notify run --today DATE` all call ledger_obligations().
 */
#ifndef CIVDESK_LEDGER_OBLIGATIONS_H
#define CIVDESK_LEDGER_OBLIGATIONS_H

#include "domain/ledger.h"
#include "store/ledger.h"

struct obligation {
    const char *kind;     /* report_due, suspension_expected, withdrawal_expected,
                             questions_to_answer, filing_deadline, statement_due */
    char due_on[11];      /* YYYY-MM-DD */
    bool overdue;         /* due_on is before today */
    const char *body;     /* the body's code ("ECOSOC") */
    const char *resource; /* the record it concerns: accreditations, applications, reports */
    int64_t id;
    const char *detail; /* what the sentence names: a period "2013–2016", a count of
                           questions, a requested status, a report's title */
    const char *link;   /* the API path to the record, when not /api/v1/{resource}/{id}
                           (questions on a quadrennial report); else NULL */
};

/*
 * Everything organisation `org` owes, as seen on date `today` (YYYY-MM-DD; the caller's
 * clock — the CLI passes --today), ordered by due_on then kind:
 *   report_due          the next periodic report of each accreditation that must report
 *                       (overdue when its day has passed; withdrawn ones owe none);
 *   suspension_expected the body's decision after a missed report (ECOSOC: July);
 *   withdrawal_expected a year after the suspension, while suspended for a missed report;
 *   questions_to_answer open questions on a deferred or reviewed application, or on a
 *                       deferred quadrennial report (resource accreditation_reports, link
 *                       to its questions), due before the Committee's next session;
 *   filing_deadline     of each application not yet filed (draft, submitted, endorsed);
 *   statement_due       deadline of each report or written statement the organisation
 *                       co-authors that is not yet submitted.
 * Overdue items stay in the list (they are what matters most); nothing is filtered by a
 * horizon — the list is bounded by the organisation's own records.
 *
 * c: any read transaction (the caller opens it; one snapshot for the whole list). Access
 * is the caller's business: this function does not know who asks. Items and their strings
 * are allocated in a and live as long as it. Returns STORE_OK, STORE_NOT_FOUND when there
 * is no such organisation, or STORE_ERROR.
 */
int ledger_obligations(struct store_conn *c, int64_t org, const char *today, struct arena *a,
                       struct obligation **out, size_t *n);

/*
 * The same rules for one record, for callers that found the records themselves (the
 * reminder pass, src/domain/notify.c, which asks the store only for the records whose due
 * dates fall in its window rather than walking every organisation), with the rules of the
 * record's body b (ledger_body_rules(); the caller may keep them for many records):
 *   ledger_accreditation_obligations  report_due, suspension_expected, withdrawal_expected
 *                                     of one accreditation row (organisation not needed);
 *   ledger_application_obligations    filing_deadline, questions_to_answer of one
 *                                     application row (reads its questions through c,
 *                                     inside a transaction);
 *   ledger_statement_obligation       statement_due of one pending report row;
 *   ledger_report_questions_obligation questions_to_answer of one deferred quadrennial
 *                                     report with open questions.
 * Items and strings in a. The rows and b are borrowed for the call.
 */
void ledger_accreditation_obligations(const struct body_rules *b, const struct store_due_row *acc,
                                      const char *today, struct arena *a, struct obligation **out,
                                      size_t *n);
int ledger_application_obligations(struct store_conn *c, const struct body_rules *b,
                                   const struct store_app_row *app, const char *today,
                                   struct arena *a, struct obligation **out, size_t *n);
void ledger_statement_obligation(const struct store_pending_report *row, const char *today,
                                 struct arena *a, struct obligation *out);
/* questions_to_answer of one deferred quadrennial report with open questions (the row as
 * store_org_report_questions_open gives it). */
void ledger_report_questions_obligation(const struct store_report_questions *row, const char *today,
                                        struct arena *a, struct obligation *out);

/*
 * The item as one sentence in language lang ("en" or "ru"; anything else: English),
 * arena-allocated. The templates are a static table in ledger_obligations.c.
 */
const char *ledger_obligation_text(const struct obligation *o, const char *lang, struct arena *a);

/* The same sentence with `date` (e.g. "1 June 2028", written for a person) in place of
 * the due date; date NULL: due_on. */
const char *ledger_obligation_text_dated(const struct obligation *o, const char *lang,
                                         const char *date, struct arena *a);

/* "ru" or "en": ?lang= wins when given (NULL: not given), else the first of ru/en in an
 * Accept-Language header (NULL: none), else "en". Unknown ?lang= values: NULL. */
const char *ledger_obligation_lang(const char *query_lang, const char *accept_language);

#endif
