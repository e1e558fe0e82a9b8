/*
 * HTTP handlers of the ledger's own endpoints (src/http/ledger_handlers.c): statistics,
 * the calendar and its iCalendar feed. Each is one line in routes[] (src/http/routes.c).
 */
#ifndef CIVDESK_LEDGER_HANDLERS_H
#define CIVDESK_LEDGER_HANDLERS_H

#include "http/http.h"

void h_stats_representation(struct request *r); /* GET /api/v1/stats/representation */
void h_stats_pipeline(struct request *r);       /* GET /api/v1/stats/pipeline */
void h_calendar(struct request *r);             /* GET /api/v1/calendar */
void h_calendar_ics(struct request *r);         /* GET /calendar.ics */

/* GET /api/v1/organisations/{id}/obligations: what the organisation owes and by when
 * (issue 14), each item with a sentence in the caller's language (?lang=, Accept-Language). */
void h_obligations(struct request *r);

#endif
