/*
 * The engagement records' dates for the calendar, and per-forum delegation statistics.
 * The calendar reads through the generic lists with the resources' own from/to
 * parameters, so what it shows is what those lists would show.
 */
#include "domain/engagement.h"
#include "domain/ledger.h"
#include "core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int delegation_stats(struct store_conn *c, const char *body, struct arena *a,
                     struct delegation_stat **out, size_t *n)
{
    return store_delegation_stats(c, body, a, out, n);
}

/* One source of calendar items: a resource read between from and to, with filters. */
struct cal_source {
    const struct resource *res;
    const char *kind;
    const char *date_field;     /* the day it happens or is due */
    const char *end_field;      /* last day of a span, or NULL */
    const char *time_end_field; /* when date_field is a date-time: its end, or NULL */
    const char *location_field; /* where it happens, or NULL */
    const char *title_field;
    const char *title_prefix;     /* e.g. "Deadline: " */
    const char *filter_field;     /* equality filter, or NULL */
    const char *filter_values[3]; /* any of these (one query each), NULL-terminated */
    const char *body_field;       /* the international body concerned (or who acts) */
    const char *body_default;     /* when that field is empty */
    const char *title_code;       /* the title's stable code (struct said): its parameter is
                                     the title field, then the last day of a span */
};

static const struct cal_source sources[] = {
    {&res_meetings,
     "meeting",
     "starts_at",
     NULL,
     "ends_at",
     "location",
     "title",
     "",
     NULL,
     {NULL},
     "department",
     "the ministry",
     "cal_meeting"},
    {&res_delegations,
     "delegation",
     "starts_on",
     "ends_on",
     NULL,
     NULL,
     "forum",
     "Delegation: ",
     NULL,
     {NULL},
     "body",
     "a delegation",
     "cal_delegation"},
    {&res_reports,
     "report_deadline",
     "deadline_on",
     NULL,
     NULL,
     NULL,
     "title",
     "Deadline: ",
     "state",
     {"draft", "in_review", NULL},
     "target_body",
     "a report",
     "cal_deadline"},
    {&res_meeting_actions,
     "action_due",
     "due_on",
     NULL,
     NULL,
     NULL,
     "text",
     "Due: ",
     "done",
     {"0", NULL},
     "owner",
     "an action item",
     "cal_due"},
};

struct events {
    struct engagement_event *items;
    size_t n, cap;
    struct arena *a;
};

static void events_add(struct events *ev, const struct engagement_event *e)
{
    if (ev->n == ev->cap) {
        ev->cap = ev->cap ? ev->cap * 2 : 32;
        struct engagement_event *grown = arena_alloc(ev->a, ev->cap * sizeof(*grown));
        if (ev->n)
            memcpy(grown, ev->items, ev->n * sizeof(*grown));
        ev->items = grown;
    }
    ev->items[ev->n++] = *e;
}

/* Titles are short; action texts may be long: keep the first 120 code points. */
static const char *short_title(struct arena *a, const char *prefix, const char *t)
{
    size_t n = strlen(t ? t : ""), cut = 0, points = 0;
    while (cut < n && points < 120) {
        cut++;
        while (cut < n && ((unsigned char)t[cut] & 0xc0) == 0x80)
            cut++;
        points++;
    }
    return arena_printf(a, "%s%.*s%s", prefix, (int)cut, t ? t : "", cut < n ? "…" : "");
}

static int read_source(struct store_conn *c, const struct principal *who,
                       const struct cal_source *src, const char *filter_value, const char *from,
                       const char *to, struct events *ev)
{
    const struct resource *res = src->res;
    struct list_query q = {.sort = -1, .limit = LIMIT_LIST_MAX};
    const char *bounds[2][2] = {{"from", from}, {"to", to}};
    for (size_t i = 0; i < 2; i++) {
        const struct list_param *p = resource_param(res, str_from(bounds[i][0]));
        if (!p)
            BUG("calendar source without from/to parameters");
        q.params[q.nparams++] =
            (struct param_filter){.p = p, .v = {.s = bounds[i][1], .n = strlen(bounds[i][1])}};
    }
    if (src->filter_field) {
        int fi = resource_field_index(res, src->filter_field);
        struct value v = {.s = filter_value, .n = strlen(filter_value)};
        if (res->fields[fi].type == FT_BOOL)
            v = (struct value){.i = atoi(filter_value)};
        q.filters[q.nfilters++] = (struct filter){.field = fi, .v = v};
    }
    for (;;) {
        struct list_result lr;
        struct error err = ERROR_INIT;
        if (store_list(c, res, &q, ev->a, &lr, &err) < 0)
            return -1;
        for (size_t i = 0; i < lr.n; i++) {
            const struct record *rec = lr.items[i];
            if (!domain_may_see(c, who, rec, ev->a))
                continue;
            const char *date = record_text_if(rec, src->date_field);
            if (!date)
                continue;
            struct engagement_event e = {
                .date = arena_strndup(ev->a, date, 10),
                .end_date = src->end_field ? record_text_if(rec, src->end_field) : NULL,
                .kind = src->kind,
                .title = short_title(ev->a, src->title_prefix, record_text_if(rec, src->title_field)),
                .title_code = src->title_code,
                .title_what = short_title(ev->a, "", record_text_if(rec, src->title_field)),
                .resource = res->parent ? res->parent : res->name,
                .id = rec->id,
                .source_id = rec->id,
            };
            if (res->parent) { /* link to the parent record: the meeting of an action */
                int pi = resource_field_index(res, res->parent_field);
                e.id = rec->v[pi].i;
            }
            if (res->fields[resource_field_index(res, src->date_field)].type == FT_DATETIME) {
                e.starts_at = date;
                e.ends_at = src->time_end_field ? record_text_if(rec, src->time_end_field) : NULL;
            }
            if (src->location_field) {
                const char *where = record_text_if(rec, src->location_field);
                e.location = where && *where ? where : NULL;
            }
            e.link = arena_printf(ev->a, "/api/v1/%s/%lld", e.resource, (long long)e.id);
            e.body = record_text_if(rec, src->body_field);
            if (!e.body)
                e.body = src->body_default;
            events_add(ev, &e);
        }
        if (!lr.next_cursor)
            return 0;
        q.cursor = str_from(lr.next_cursor);
    }
}

static int by_date(const void *pa, const void *pb)
{
    const struct engagement_event *a = pa, *b = pb;
    int d = strcmp(a->date, b->date);
    if (d)
        return d;
    d = strcmp(a->kind, b->kind);
    return d ? d : (a->id > b->id) - (a->id < b->id);
}

int engagement_calendar(struct store_conn *c, const struct principal *who, const char *from,
                        const char *to, struct arena *a, struct engagement_event **out, size_t *n)
{
    struct events ev = {.a = a};
    for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
        const struct cal_source *src = &sources[i];
        int rc = 0;
        if (!src->filter_field)
            rc = read_source(c, who, src, NULL, from, to, &ev);
        for (size_t k = 0; src->filter_field && rc == 0 && src->filter_values[k]; k++)
            rc = read_source(c, who, src, src->filter_values[k], from, to, &ev);
        if (rc < 0)
            return -1;
    }
    if (ev.n)
        qsort(ev.items, ev.n, sizeof(*ev.items), by_date);
    *out = ev.items;
    *n = ev.n;
    return 0;
}

int engagement_calendar_add(struct store_conn *c, const struct principal *who, const char *from,
                            const char *to, struct arena *a, struct cal_item **items, size_t *n,
                            size_t *cap)
{
    struct engagement_event *ev;
    size_t nev;
    int rc = engagement_calendar(c, who, from, to, a, &ev, &nev);
    if (rc < 0)
        return STORE_ERROR;
    if (*n + nev > *cap) {
        size_t ncap = (*n + nev) * 2;
        struct cal_item *bigger = arena_alloc(a, ncap * sizeof(*bigger));
        if (*n)
            memcpy(bigger, *items, *n * sizeof(*bigger));
        *items = bigger;
        *cap = ncap;
    }
    for (size_t i = 0; i < nev; i++) {
        struct cal_item *it = &(*items)[(*n)++];
        memset(it, 0, sizeof(*it));
        snprintf(it->date, sizeof(it->date), "%s", ev[i].date);
        it->kind = ev[i].kind;
        it->title = ev[i].end_date ? arena_printf(a, "%s (to %s)", ev[i].title, ev[i].end_date)
                                   : ev[i].title;
        it->said = (struct said){.text = it->title, .code = ev[i].title_code};
        said_params(&it->said, a, ev[i].end_date ? 2 : 1, ev[i].title_what, ev[i].end_date);
        it->resource = ev[i].resource;
        it->id = ev[i].id;
        it->body = ev[i].body;
        it->end_date = ev[i].end_date;
        it->starts_at = ev[i].starts_at;
        it->ends_at = ev[i].ends_at;
        it->location = ev[i].location;
        it->uid = arena_printf(a, "%s-%lld-%s@civdesk", ev[i].kind, (long long)ev[i].source_id,
                               ev[i].date);
    }
    return STORE_OK;
}
