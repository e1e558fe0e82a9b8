/*
 * The query parameters of the routes that take some (the tables routes[] names, in
 * src/http/routes.c): one row per parameter, ending with a row whose name is NULL.
 */
#ifndef CIVDESK_ROUTE_PARAMS_H
#define CIVDESK_ROUTE_PARAMS_H

#include "http/http.h"

extern const struct route_param no_params[];
extern const struct route_param users_params[];
extern const struct route_param audit_params[];
extern const struct route_param verify_params[];
extern const struct route_param representation_params[];
extern const struct route_param calendar_params[];
extern const struct route_param ics_params[];
extern const struct route_param search_params[];
extern const struct route_param notification_params[];
extern const struct route_param outbox_params[];
extern const struct route_param feed_params[];
extern const struct route_param obligation_params[];
extern const struct route_param token_params[];
extern const struct route_param import_params[];
extern const struct route_param delegation_stats_params[];
extern const struct route_param attachment_params[];

#endif
