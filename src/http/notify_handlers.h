/*
 * The notification endpoints (docs/notifications.md): the caller's notifications, marking
 * one read, and the outbox for administrators.
 */
#ifndef CIVDESK_NOTIFY_HANDLERS_H
#define CIVDESK_NOTIFY_HANDLERS_H

#include "http/http.h"

void h_notifications_list(struct request *r);  /* GET /api/v1/notifications */
void h_notification_read(struct request *r);   /* POST /api/v1/notifications/{id}/read */
void h_outbox_list(struct request *r);         /* GET /api/v1/outbox (admin) */
void h_prefs_get(struct request *r);           /* GET /api/v1/me/preferences */
void h_prefs_update(struct request *r);        /* PATCH /api/v1/me/preferences */
void h_ics_key_create(struct request *r);      /* POST /api/v1/me/calendar */
void h_ics_key_revoke(struct request *r);      /* DELETE /api/v1/me/calendar */
void h_ics_feed(struct request *r);            /* GET /calendar/feed.ics?key= (no cookie) */

#endif
