/*
 * The handlers of /api/v1/audit: the audit trail for officers and administrators, and
 * the verification of its chain for administrators. Each is one line in routes[].
 */
#ifndef CIVDESK_HTTP_AUDIT_HANDLERS_H
#define CIVDESK_HTTP_AUDIT_HANDLERS_H

#include "http/http.h"

/* GET /api/v1/audit?resource=&record_id=&actor=&action=&from=&to= (officers, admins). */
void h_audit_list(struct request *r);
/* GET /api/v1/audit/verify (admins): the chain and head checked; the first bad entry. */
void h_audit_verify(struct request *r);

#endif
