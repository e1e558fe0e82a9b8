/*
 * Notifications and the outbox over HTTP: query parameters in, domain or store call,
 * JSON out.
 */
#include "http/notify_handlers.h"
#include "http/encoding.h"
#include "http/request.h"
#include "core/limits.h"
#include "domain/ledger.h"
#include "domain/notify.h"
#include "json/json.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ---- notifications ------------------------------------------------------------------- */

static void write_notification(struct jw *w, const struct notification_row *n)
{
    jw_obj(w);
    jw_kint(w, "id", n->id);
    jw_kstr(w, "kind", n->kind);
    jw_kstr(w, "title", n->title);
    jw_kstr(w, "detail", n->detail);
    jw_key(w, "organisation_id");
    n->org_id ? jw_int(w, n->org_id) : jw_null(w);
    jw_key(w, "record");
    if (n->resource) {
        jw_obj(w);
        jw_kstr(w, "type", n->resource);
        jw_kint(w, "id", n->record_id);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "link");
    if (n->resource) {
        char link[NOTIFY_LINK_MAX];
        notify_link(n->resource, n->record_id, link);
        jw_str(w, link);
    } else {
        jw_null(w);
    }
    jw_kstr(w, "due_on", n->due_on);
    jw_key(w, "days_before");
    n->days != INT64_MIN ? jw_int(w, n->days) : jw_null(w);
    jw_kstr(w, "mail", n->mail);
    jw_kbool(w, "read", n->read_at != NULL);
    jw_kstr(w, "read_at", n->read_at);
    jw_kstr(w, "created_at", n->created_at);
    jw_obj_end(w);
}

/* The query parameters (limit, cursor, unread) are declared on the route and checked
 * before this runs. */
void h_notifications_list(struct request *r)
{
    int limit = (int)req_param_num(req_route_param(r, "limit"), LIMIT_LIST_DEFAULT);
    int64_t before = req_param_num(req_route_param(r, "cursor"), 0);
    const char *u = req_route_param(r, "unread");
    bool unread = u && !strcmp(u, "true");
    struct notification_row *rows;
    size_t n;
    bool more;
    int64_t unread_count;
    if (store_notification_list(store_reader(r->store), r->who.user_id, before, limit, unread,
                                &r->arena, &rows, &n, &more, &unread_count) < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    req_list_begin(r, &w);
    for (size_t i = 0; i < n; i++)
        write_notification(&w, &rows[i]);
    req_list_items_end(r, &w, more, n ? rows[n - 1].id : 0);
    jw_kint(&w, "unread", unread_count);
    jw_obj_end(&w);
}

void h_notification_read(struct request *r)
{
    struct notification_row row;
    int rc = notify_mark_read(r->store, &r->who, r->id, &r->arena, &row);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, "no such notification", NULL);
        return;
    }
    if (rc < 0) {
        resp_problem(r, 503, "the database could not complete the request; try again", NULL);
        return;
    }
    struct jw w;
    resp_json(r, 200, &w);
    write_notification(&w, &row);
}

/* ---- the outbox ---------------------------------------------------------------------- */

/* The query parameters (state, limit, cursor) are declared on the route and checked
 * before this runs. */
void h_outbox_list(struct request *r)
{
    const char *state = req_route_param(r, "state");
    int limit = (int)req_param_num(req_route_param(r, "limit"), LIMIT_LIST_DEFAULT);
    int64_t before = req_param_num(req_route_param(r, "cursor"), 0);
    struct outbox_row *rows;
    size_t n;
    bool more;
    if (store_outbox_list(store_reader(r->store), state, before, limit, &r->arena, &rows, &n,
                          &more) < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    struct jw w;
    req_list_begin(r, &w);
    for (size_t i = 0; i < n; i++) {
        const struct outbox_row *o = &rows[i];
        jw_obj(&w);
        jw_kint(&w, "id", o->id);
        jw_kint(&w, "user_id", o->user_id);
        jw_kstr(&w, "recipient", o->recipient);
        jw_kstr(&w, "kind", o->kind);
        jw_kstr(&w, "key", o->key);
        jw_kstr(&w, "lang", o->lang);
        jw_kstr(&w, "subject", o->subject);
        jw_kstr(&w, "state", o->state);
        jw_kint(&w, "attempts", o->attempts);
        jw_key(&w, "next_attempt_at");
        if (!strcmp(o->state, "queued")) {
            char t[21];
            time_rfc3339(o->next_attempt_at, t);
            jw_str(&w, t);
        } else {
            jw_null(&w);
        }
        jw_kstr(&w, "last_error", o->last_error);
        jw_kstr(&w, "created_at", o->created_at);
        jw_kstr(&w, "sent_at", o->sent_at);
        jw_obj_end(&w);
    }
    req_list_end(r, &w, more, n ? rows[n - 1].id : 0);
}

/* ---- preferences --------------------------------------------------------------------- */

static void write_prefs(struct request *r, const struct notify_user *u)
{
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kstr(&w, "language", u->lang);
    jw_key(&w, "kinds");
    jw_obj(&w);
    for (size_t i = 0; i < notify_kinds_count; i++)
        jw_kstr(&w, notify_kinds[i].name, notify_mode(u, notify_kinds[i].name));
    jw_obj_end(&w);
    jw_key(&w, "mandatory");
    jw_arr(&w);
    for (size_t i = 0; i < notify_kinds_count; i++)
        if (notify_kinds[i].mandatory)
            jw_str(&w, notify_kinds[i].name);
    jw_arr_end(&w);
    jw_kbool(&w, "calendar_subscribed", u->has_ics);
    jw_obj_end(&w);
}

void h_prefs_get(struct request *r)
{
    struct notify_user u;
    if (notify_prefs_get(r->store, &r->who, &r->arena, &u) < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    write_prefs(r, &u);
}

void h_prefs_update(struct request *r)
{
    json_t *body = req_body_object(r);
    if (!body)
        return;
    struct errors errs;
    errors_init(&errs, &r->arena);
    struct notify_user u;
    int rc = notify_prefs_update(r->store, &r->who, body, &r->arena, &errs, &u);
    json_decref(body);
    if (rc == DOMAIN_INVALID)
        resp_problem(r, 422, "some preferences are not valid; see errors", &errs);
    else if (rc < 0)
        resp_problem(r, 503, "the database could not complete the request; try again", NULL);
    else
        write_prefs(r, &u);
}

/* ---- calendar subscription ------------------------------------------------------------ */

void h_ics_key_create(struct request *r)
{
    char key[NOTIFY_ICS_KEY_MAX];
    if (notify_ics_create(r->store, &r->who, key) < 0) {
        resp_problem(r, 503, "the database could not complete the request; try again", NULL);
        return;
    }
    struct jw w;
    resp_json(r, 201, &w);
    resp_header(r, "Cache-Control", "no-store");
    jw_obj(&w);
    jw_kstr(&w, "url", arena_printf(&r->arena, "/calendar/feed.ics?key=%s", key));
    jw_kstr(&w, "key", key);
    jw_obj_end(&w);
    sodium_memzero(key, sizeof(key));
}

void h_ics_key_revoke(struct request *r)
{
    if (notify_ics_revoke(r->store, &r->who) < 0) {
        resp_problem(r, 503, "the database could not complete the request; try again", NULL);
        return;
    }
    r->status = 204;
}

/* ?key= (required) is declared on the route and checked before this runs. */
void h_ics_feed(struct request *r)
{
    const char *key = req_route_param(r, "key");
    struct store_conn *c = store_reader(r->store);
    struct principal who;
    struct cal_item *items = NULL;
    size_t n = 0;
    char from[11], to[11];
    ledger_today(from);
    ledger_add_days(from, 365, to);
    store_read_begin(c);
    int rc = notify_ics_principal(c, key, &r->arena, &who);
    if (rc == STORE_OK)
        rc = ledger_calendar(c, &who, from, to,
                             &(struct cal_bounds){.group = LIMIT_ICS_DAY_REPORTS}, &r->arena,
                             &items, &n);
    store_read_end(c);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, "no calendar with this key (revoked, or never made)", NULL);
        return;
    }
    struct error msg = ERROR_INIT;
    buf_reset(&r->out);
    if (rc < 0 || ledger_ics(items, n, &r->out, &msg) < 0) {
        resp_problem(r, 503, "the calendar could not be produced; try again", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "text/calendar; charset=utf-8";
    resp_header(r, "Cache-Control", "private, no-cache");
    resp_header(r, "Content-Disposition", "inline; filename=\"civdesk.ics\"");
    enc_etag_body(r); /* If-None-Match → 304 */
}
