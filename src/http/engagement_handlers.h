/*
 * HTTP handlers of the engagement records beyond the generic ones: attachment upload and
 * download (raw bytes, not JSON) and delegation statistics. Each is one line in routes[].
 */
#ifndef CIVDESK_HTTP_ENGAGEMENT_HANDLERS_H
#define CIVDESK_HTTP_ENGAGEMENT_HANDLERS_H

#include "http/http.h"

/* POST /api/v1/documents/{id}/attachments: the body is the file (BODY_BYTES). */
void h_attachment_upload(struct request *r);
/* GET /api/v1/documents/{id}/attachments/{subid}/content: the file as uploaded. */
void h_attachment_content(struct request *r);
/* GET /api/v1/stats/delegations[?body=]: per forum, members and distinct NGOs. */
void h_delegation_stats(struct request *r);

#endif
