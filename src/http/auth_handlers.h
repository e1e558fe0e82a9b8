/*
 * The HTTP side of accounts and access: the central check every request passes before
 * its handler (credentials, the route's access rule, CSRF and Origin for cookie-
 * authenticated writes), and the handlers of /api/v1/session, /api/v1/users and
 * /api/v1/tokens (those of /api/v1/audit: audit_handlers.h). Each handler is one line in
 * routes[].
 */
#ifndef CIVDESK_HTTP_AUTH_HANDLERS_H
#define CIVDESK_HTTP_AUTH_HANDLERS_H

#include "http/http.h"

struct MHD_Response;

/*
 * Called by dispatch() once the route is known: resolves the caller (bearer token or
 * session cookie) into r->who, applies the route's grants (its row in src/http/routes.c,
 * setting r->who.grant), refuses cookie-authenticated writes without the CSRF token or from
 * another origin, and refuses a write from a foreign Origin whatever the credentials.
 * False when the request was answered (401, 403, 503).
 */
bool auth_http_check(struct request *r, const struct route *rt);

/* Called by dispatch() after the handler: a 404 answered to an NGO (a record that does
 * not exist or is not its own — probing) or a 403 to any signed-in caller that the check
 * above did not already record goes into the audit trail, aggregated (docs/security.md). */
void auth_http_audit_refusal(struct request *r);

/* Headers the transport asks for on every response: HSTS when reached over TLS. */
void auth_http_response_headers(struct request *r, struct MHD_Response *resp);

/* POST /api/v1/session {"email","password"}: signs in; sets the session cookie and
 * answers the user and the CSRF token. 401 refused, 429 with Retry-After when limited. */
void h_session_create(struct request *r);
/* GET /api/v1/session: who is signed in, and the CSRF token of the session (for a page
 * that was reloaded). */
void h_session_get(struct request *r);
/* DELETE /api/v1/session: signs out (ends the session on the server, clears the cookie). */
void h_session_delete(struct request *r);

/* /api/v1/users (admins): list, create, read, change (role, organisation, disabled,
 * password). The password is never returned; disabling ends sessions and tokens. */
void h_users_list(struct request *r);
void h_users_create(struct request *r);
void h_users_get(struct request *r);
void h_users_update(struct request *r);
/* GET /api/v1/officers (officers, admins): the active officers' and administrators'
 * id, name, e-mail and role, to choose a desk officer from. */
void h_officers_list(struct request *r);

/* /api/v1/tokens: GET lists the caller's API tokens (an administrator's: everyone's) with
 * name, expiry and last use, never the token; DELETE /api/v1/tokens/{id} revokes one of
 * the caller's own (an administrator: anyone's), else 404. */
void h_tokens_list(struct request *r);
void h_tokens_revoke(struct request *r);

#endif
