/*
 * The calendar as iCalendar (RFC 5545) for desk officers' calendar programs. libical
 * builds the components and serialises them, which gives us its line folding (75 octets,
 * never inside a UTF-8 sequence) and TEXT escaping (\\ \; \, \n) instead of our own.
 */
#include "domain/ledger.h"

#include "core/limits.h"

#include <libical/ical.h>
#include <string.h>

/* An all-day date value: DTSTART;VALUE=DATE:20270601. */
static struct icaltimetype ical_date(const char *date)
{
    int y, m, d;
    struct icaltimetype t = icaltime_null_date();
    if (date_parse(str_from(date), &y, &m, &d) == 0) {
        t.year = y;
        t.month = m;
        t.day = d;
    }
    return t;
}

/* A date-time in UTC, as stored ("YYYY-MM-DDTHH:MM:SSZ"): DTSTART:20311213T100000Z.
 * False when it is not one. */
static bool ical_utc(const char *datetime, struct icaltimetype *t)
{
    int64_t secs;
    if (!datetime || datetime_parse(str_from(datetime), &secs) < 0)
        return false;
    *t = icaltime_from_timet_with_zone((time_t)secs, 0, icaltimezone_get_utc_timezone());
    return true;
}

static const char *const kind_names[][2] = {
    {"filing_deadline", "Filing deadline"},
    {"report_due", "Report due"},
    {"decision_expected", "Decision expected"},
    {"meeting", "Meeting"}, /* engagement: src/domain/engagement_calendar.c */
    {"delegation", "Delegation"},
    {"report_deadline", "Report deadline"},
    {"action_due", "Action item due"},
};

static const char *kind_name(const char *kind)
{
    for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
        if (strcmp(kind_names[i][0], kind) == 0)
            return kind_names[i][1];
    return kind;
}

int ledger_ics(const struct cal_item *items, size_t n, struct buf *out, struct error *msg)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    if (!cal)
        return error_set(msg, "cannot build the calendar: %s", icalerror_perror());
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//civdesk//deadlines//EN"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalproperty *name = icalproperty_new_x("civdesk deadlines");
    icalproperty_set_x_name(name, "X-WR-CALNAME");
    icalcomponent_add_property(cal, name);

    struct icaltimetype stamp =
        icaltime_from_timet_with_zone((time_t)now_unix(), 0, icaltimezone_get_utc_timezone());
    struct arena a = ARENA_INIT;
    /* A feed is bounded: past LIMIT_ICS_EVENTS, one event says where the rest are. */
    size_t shown = n > LIMIT_ICS_EVENTS ? LIMIT_ICS_EVENTS : n;
    for (size_t i = 0; i <= shown && i < n; i++) {
        struct cal_item more;
        const struct cal_item *it = &items[i];
        if (i == shown) {
            more = (struct cal_item){
                .kind = "more",
                .body = "",
                .uid = arena_printf(&a, "more-%s@civdesk", items[i].date),
                .title = arena_printf(&a, "%zu more events from this day on: not in this feed",
                                      n - shown),
            };
            memcpy(more.date, items[i].date, sizeof(more.date));
            it = &more;
        }
        icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
        struct icaltimetype start, end;
        bool timed = ical_utc(it->starts_at, &start);
        bool has_end = timed && ical_utc(it->ends_at, &end);
        if (!timed) { /* all day, or over the days of a span; DTEND is the day after */
            start = ical_date(it->date);
            end = icaltime_add(ical_date(it->end_date && date_valid(str_from(it->end_date))
                                             ? it->end_date
                                             : it->date),
                               icaldurationtype_from_int(86400));
            has_end = true;
        }
        icalcomponent_add_property(ev, icalproperty_new_uid(it->uid));
        icalcomponent_add_property(ev, icalproperty_new_dtstamp(stamp));
        icalcomponent_add_property(ev, icalproperty_new_dtstart(start));
        /* A meeting without a recorded end is an instant (RFC 5545 §3.6.1): no end invented. */
        if (has_end)
            icalcomponent_add_property(ev, icalproperty_new_dtend(end));
        if (it->location && *it->location)
            icalcomponent_add_property(ev, icalproperty_new_location(it->location));
        icalcomponent_add_property(ev, icalproperty_new_summary(it->title));
        const char *about;
        if (i == shown)
            about = arena_printf(&a,
                                 "This feed carries at most %d events. Those from %s on: "
                                 "/api/v1/calendar?from=%s, or this feed with ?from=%s.",
                                 LIMIT_ICS_EVENTS, it->date, it->date, it->date);
        else if (it->count > 0) /* a body's reports due on a crowded day, as one event */
            about = arena_printf(&a, "%s, %s: %lld reports.\nEvery one: /api/v1/calendar?from=%s&to=%s",
                                 kind_name(it->kind), it->body, (long long)it->count, it->date,
                                 it->date);
        else
            about = arena_printf(&a, "%s, %s.\nRecord: /api/v1/%s/%lld", kind_name(it->kind),
                                 it->body, it->resource, (long long)it->id);
        icalcomponent_add_property(ev, icalproperty_new_description(about));
        icalcomponent_add_property(ev, icalproperty_new_categories(kind_name(it->kind)));
        /* A meeting takes the time; a deadline or a delegation's days do not block it. */
        icalcomponent_add_property(
            ev, icalproperty_new_transp(timed ? ICAL_TRANSP_OPAQUE : ICAL_TRANSP_TRANSPARENT));
        icalcomponent_add_component(cal, ev);
    }
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    arena_release(&a);
    if (!text)
        return error_set(msg, "cannot serialise the calendar: %s", icalerror_perror());
    buf_puts(out, text);
    icalmemory_free_buffer(text);
    return 0;
}
