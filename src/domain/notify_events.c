/*
 * Event notices (docs/notifications.md): a state move told to those it concerns (the
 * organisations' representatives, or the officers when an NGO moved it) and an account's
 * notices, written inside the transaction of the event itself.
 */
#define _GNU_SOURCE
#include "domain/notify.h"
#include "domain/notify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- event notices ------------------------------------------------------------------ */

/* Which state moves are told, and to whom: the representatives of the record's
 * organisation(s) (moves the ministry or the body made), or the officers (moves an NGO
 * made). from NULL: from any state. */
enum audience { TO_ORGS, TO_OFFICERS };
struct notify_event {
    const char *resource, *from, *to, *kind;
    enum audience who;
};
static const struct notify_event events[] = {
    {"applications", "draft", "submitted", "application_moved", TO_OFFICERS},
    {"applications", NULL, "withdrawn", "application_moved", TO_OFFICERS},
    {"applications", "submitted", "draft", "application_moved", TO_ORGS},
    {"applications", NULL, "endorsed", "application_moved", TO_ORGS},
    {"applications", NULL, "filed", "application_moved", TO_ORGS},
    {"applications", NULL, "deferred", "application_moved", TO_ORGS},
    {"applications", NULL, "granted", "application_moved", TO_ORGS},
    {"applications", NULL, "rejected", "application_moved", TO_ORGS},
    {"applications", NULL, "closed", "application_moved", TO_ORGS},
    {"proposals", NULL, "accepted", "proposal_answered", TO_ORGS},
    {"proposals", NULL, "partially_accepted", "proposal_answered", TO_ORGS},
    {"proposals", NULL, "declined", "proposal_answered", TO_ORGS},
    {"reports", "in_review", "draft", "report_returned", TO_ORGS},
};

/* A state as a person reads it after "was" / "—". */
static const struct {
    const char *state, *en, *ru;
} state_words[] = {
    {"draft", "returned to draft", "возвращена на доработку"},
    {"submitted", "submitted to the ministry for support",
     "направлена в министерство за поддержкой"},
    {"withdrawn", "withdrawn", "отозвана"},
    {"endorsed", "endorsed by the ministry", "поддержана министерством"},
    {"filed", "filed with the body", "подана в орган"},
    {"deferred", "deferred with questions", "отложена с вопросами"},
    {"granted", "granted", "удовлетворена: статус предоставлен"},
    {"rejected", "rejected", "отклонена"},
    {"closed", "closed by the body", "рассмотрение закрыто"},
    {"accepted", "accepted", "принято"},
    {"partially_accepted", "partially accepted", "принято частично"},
    {"declined", "declined", "отклонено"},
};

static const char *state_word(const char *state, const char *lang)
{
    for (size_t i = 0; i < ARRAY_SIZE(state_words); i++)
        if (!strcmp(state_words[i].state, state))
            return !strcmp(lang, "ru") ? state_words[i].ru : state_words[i].en;
    return state;
}

/* The organisations a record concerns: organisation_id, or the organisation_ids list. */
static size_t record_orgs(const struct record *rec, int64_t *out, size_t cap)
{
    size_t n = 0;
    int i = resource_field_index(rec->res, "organisation_id");
    if (i >= 0 && !rec->v[i].null && rec->v[i].i)
        out[n++] = rec->v[i].i;
    i = resource_field_index(rec->res, "organisation_ids");
    if (i >= 0 && !rec->v[i].null && rec->v[i].s) {
        json_t *arr = json_loadb(rec->v[i].s, rec->v[i].n, 0, NULL);
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v) if (json_is_integer(v) && n < cap) out[n++] =
            json_integer_value(v);
        json_decref(arr);
    }
    return n;
}

int notify_transition(struct store_tx *tx, const struct record *rec, const char *from,
                      const char *to, const char *note)
{
    const struct notify_event *ev = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(events) && !ev; i++)
        if (!strcmp(events[i].resource, rec->res->name) && !strcmp(events[i].to, to) &&
            (!events[i].from || !strcmp(events[i].from, from)))
            ev = &events[i];
    if (!ev)
        return 0;
    if ((!note || !*note) && !strcmp(ev->kind, "proposal_answered"))
        note = record_text_if(rec, "response"); /* the answer itself */
    struct store_conn *c = store_tx_conn(tx);
    struct arena a = ARENA_INIT;
    struct notify_run run = {0};
    int64_t orgs[64];
    size_t norgs = record_orgs(rec, orgs, ARRAY_SIZE(orgs));
    int rc = 0;
    for (size_t o = 0; rc == 0 && o < norgs; o++) {
        struct notify_user *users;
        size_t nu;
        rc = ev->who == TO_OFFICERS ? store_notify_users_of(c, "officer", 0, &a, &users, &nu)
                                    : store_notify_users_of(c, "ngo", orgs[o], &a, &users, &nu);
        const char *org = nu ? store_notify_org_name(c, orgs[o], &a) : NULL;
        for (size_t u = 0; rc == 0 && u < nu; u++) {
            const char *lang = users[u].lang;
            const struct notify_words *w = notify_words_for(ev->kind, "", lang);
            bool ru = !strcmp(lang, "ru");
            struct notify_fill f = {
                .org = org ? org : "",
                .body = record_text_if(rec, "body"),
                .id = arena_printf(&a, "%lld", (long long)rec->id),
                .state = state_word(to, lang),
                .title = record_text_if(rec, "title"),
                .note = note && *note ? arena_printf(&a, ru ? " Примечание: %s" : " Note: %s", note)
                                      : ""};
            struct notify_notice nt = {.kind = ev->kind,
                                       .org_id = orgs[o],
                                       .resource = rec->res->name,
                                       .record_id = rec->id,
                                       .days = INT64_MIN,
                                       .key = arena_printf(&a, "event:%s:%lld:v%lld",
                                                           rec->res->name, (long long)rec->id,
                                                           (long long)rec->version),
                                       .title = notify_expand(w->subject, &f, &a),
                                       .detail = notify_expand(w->line, &f, &a)};
            rc = notify_user_tx(tx, &users[u], &nt, &a, &run);
        }
    }
    arena_release(&a);
    return rc;
}

int notify_account(struct store_tx *tx, int64_t user_id, const char *what)
{
    struct arena a = ARENA_INIT;
    struct notify_user u;
    struct notify_run run = {0};
    int rc = store_notify_user(store_tx_conn(tx), user_id, &a, &u);
    if (rc == 0 && !u.disabled) {
        const struct notify_words *w = notify_words_for("account", what, u.lang);
        struct notify_fill f = {.email = u.email};
        struct notify_notice nt = {
            .kind = "account",
            .days = INT64_MIN,
            .key = arena_printf(&a, "account:%s:%lld", what, (long long)now_unix()),
            .title = w ? notify_expand(w->subject, &f, &a) : what,
            .detail = w ? notify_expand(w->line, &f, &a) : NULL};
        rc = notify_user_tx(tx, &u, &nt, &a, &run);
    }
    arena_release(&a);
    return rc;
}
