/*
 * The ledger's endpoints: representation and pipeline statistics, the calendar as JSON
 * and as iCalendar. They only translate: query parameters in, domain call, JSON (or ICS)
 * out. The figures and dates are computed in src/domain/ledger_stats.c.
 */
#include "http/ledger_handlers.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/ledger.h"
#include "domain/ledger_obligations.h"
#include "http/encoding.h"
#include "http/request.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ---- query parameters ---------------------------------------------------------------- */

/* An optional date parameter; false (400 set) when present and not a date. */
static bool date_param(struct request *r, const char *name, const char **out, struct errors *errs)
{
    *out = req_query(r, name);
    if (*out && !date_valid(str_from(*out))) {
        errors_add(errs, name, "must be a date that exists, as YYYY-MM-DD");
        return false;
    }
    return true;
}

static void store_failed(struct request *r)
{
    resp_problem(r, 503, "the database could not answer; try again", NULL);
}

/* ---- representation ------------------------------------------------------------------ */

static void write_statuses(struct jw *w, const struct rep_stats *st, const int64_t *counts)
{
    jw_obj(w);
    for (size_t k = 0; k < st->nstatuses; k++)
        jw_kint(w, st->statuses[k], counts ? counts[k] : 0);
    jw_obj_end(w);
}

static void write_country(struct jw *w, const struct rep_stats *st, const struct rep_country *c)
{
    jw_obj(w);
    jw_kstr(w, "country", c->country);
    jw_kstr(w, "name", country_name(str_from(c->country)));
    jw_kint(w, "count", c->count);
    jw_key(w, "share");
    jw_real(w, c->share);
    jw_key(w, "rank");
    if (c->rank)
        jw_int(w, c->rank);
    else
        jw_null(w);
    jw_key(w, "statuses");
    write_statuses(w, st, c->by_status);
    jw_key(w, "previous");
    if (st->prev_as_of[0]) {
        jw_obj(w);
        jw_kint(w, "count", c->in_previous ? c->prev_count : 0);
        jw_key(w, "rank");
        if (c->in_previous && c->prev_rank)
            jw_int(w, c->prev_rank);
        else
            jw_null(w);
        jw_kint(w, "count_change", c->count - (c->in_previous ? c->prev_count : 0));
        jw_key(w, "rank_change"); /* positive: moved up */
        if (c->in_previous && c->prev_rank && c->rank)
            jw_int(w, c->prev_rank - c->rank);
        else
            jw_null(w);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_obj_end(w);
}

/* The entry of country cc in st, or a zero, unranked one when it is not listed. */
static void write_country_code(struct jw *w, const struct rep_stats *st, const char *cc)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->countries[i].country, cc) == 0) {
            write_country(w, st, &st->countries[i]);
            return;
        }
    struct rep_country none = {.count = 0};
    snprintf(none.country, sizeof(none.country), "%s", cc);
    write_country(w, st, &none);
}

void h_stats_representation(struct request *r)
{
    static const char *const names[] = {"body", "as_of", "country", "compare", NULL};
    if (!req_params_allowed(r, names))
        return;
    struct errors errs;
    errors_init(&errs, &r->arena);
    const char *body = req_query(r, "body"), *as_of, *country = req_query(r, "country");
    const char *compare = req_query(r, "compare");
    if (compare && !valid_country(str_from(compare)))
        errors_add(&errs, "compare", "must be an ISO 3166-1 alpha-2 country code, such as FR");
    if (!body || !*body)
        errors_add(&errs, "body", "is required, such as body=ECOSOC");
    date_param(r, "as_of", &as_of, &errs);
    if (country && !valid_country(str_from(country)))
        errors_add(&errs, "country", "must be an ISO 3166-1 alpha-2 country code, such as RU");
    if (errs.n) {
        req_bad_query(r, &errs);
        return;
    }
    struct store_conn *c = store_reader(r->store);
    struct rep_stats st;
    struct error msg = ERROR_INIT;
    store_read_begin(c);
    int rc = ledger_representation(c, body, as_of, &r->arena, &st, &msg);
    char national[3] = "";
    if (rc == STORE_OK && ledger_national_country(c, &r->arena, national) < 0)
        rc = STORE_ERROR;
    store_read_end(c);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, msg.msg, NULL);
        return;
    }
    if (rc < 0) {
        log_error("stats/representation: %s", msg.msg);
        store_failed(r);
        return;
    }
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kstr(&w, "body", st.body);
    jw_kstr(&w, "as_of", st.as_of);
    jw_kint(&w, "total", st.total);
    jw_key(&w, "statuses");
    write_statuses(&w, &st, st.status_totals);
    jw_key(&w, "previous");
    if (st.prev_as_of[0]) {
        jw_obj(&w);
        jw_kstr(&w, "as_of", st.prev_as_of);
        jw_kint(&w, "total", st.prev_total);
        jw_kint(&w, "total_change", st.total - st.prev_total);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    jw_kint(&w, "countries_total", (int64_t)st.n);
    jw_key(&w, "countries");
    jw_arr(&w);
    bool found = false;
    for (size_t i = 0; i < st.n; i++) {
        if (country && strcmp(country, st.countries[i].country) != 0)
            continue;
        write_country(&w, &st, &st.countries[i]);
        found = true;
    }
    if (country && !found) { /* a country not listed: 0, unranked */
        struct rep_country none = {.count = 0};
        memcpy(none.country, country, 3);
        write_country(&w, &st, &none);
    }
    jw_arr_end(&w);
    /* issue 14: the ministry's own country (the setting) and the one it compares with */
    jw_kstr(&w, "national_country", national[0] ? national : NULL);
    jw_key(&w, "national");
    if (national[0])
        write_country_code(&w, &st, national);
    else
        jw_null(&w);
    jw_key(&w, "compare");
    if (compare)
        write_country_code(&w, &st, compare);
    else
        jw_null(&w);
    jw_obj_end(&w);
}

/* ---- pipeline ------------------------------------------------------------------------ */

static void write_counts(struct jw *w, const char *key, const struct count_row *rows, size_t n,
                         const char *k1, const char *k2)
{
    jw_key(w, key);
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_kstr(w, "body", rows[i].body);
        if (k1)
            jw_kstr(w, k1, rows[i].key);
        if (k2)
            jw_kstr(w, k2, rows[i].key2);
        jw_kint(w, "count", rows[i].n);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void h_stats_pipeline(struct request *r)
{
    static const char *const names[] = {NULL};
    if (!req_params_allowed(r, names))
        return;
    struct store_conn *c = store_reader(r->store);
    struct pipeline p;
    store_read_begin(c);
    int rc = ledger_pipeline(c, &r->arena, &p);
    store_read_end(c);
    if (rc < 0) {
        store_failed(r);
        return;
    }
    char today[11];
    ledger_today(today);
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kstr(&w, "as_of", today);
    write_counts(&w, "applications", p.applications, p.napplications, "state", NULL);
    write_counts(&w, "accreditations", p.accreditations, p.naccreditations, "status", "state");
    jw_key(&w, "overdue_reports");
    jw_obj(&w);
    jw_kint(&w, "total", p.overdue_total);
    write_counts(&w, "by_body", p.overdue, p.noverdue, NULL, NULL);
    jw_obj_end(&w);
    jw_obj_end(&w);
}

/* ---- calendar ------------------------------------------------------------------------ */

/* Reads ?from=&to= (default: today and a year on) and the calendar between them; paged
 * (the JSON answer) also allows ?limit= and ?cursor=, which calendar_page reads. */
static bool calendar_items(struct request *r, bool paged, const struct cal_bounds *bounds,
                           const char **from, const char **to, struct cal_item **items, size_t *n)
{
    static const char *const names[] = {"from", "to", NULL};
    static const char *const paged_names[] = {"from", "to", "limit", "cursor", NULL};
    if (!req_params_allowed(r, paged ? paged_names : names))
        return false;
    struct errors errs;
    errors_init(&errs, &r->arena);
    date_param(r, "from", from, &errs);
    date_param(r, "to", to, &errs);
    if (!errs.n) {
        char *today = arena_alloc(&r->arena, 11), *later = arena_alloc(&r->arena, 11);
        ledger_today(today);
        if (!*from)
            *from = today;
        ledger_add_days(*from, 365, later);
        if (!*to)
            *to = later;
        int y1, m1, d1, y2, m2, d2;
        date_parse(str_from(*from), &y1, &m1, &d1);
        date_parse(str_from(*to), &y2, &m2, &d2);
        int64_t days = days_from_civil(y2, m2, d2) - days_from_civil(y1, m1, d1);
        if (days < 0)
            errors_add(&errs, "to", "is before from");
        else if (days > LIMIT_CALENDAR_DAYS)
            errors_add(&errs, "to", "is more than %d days after from", LIMIT_CALENDAR_DAYS);
    }
    if (errs.n) {
        req_bad_query(r, &errs);
        return false;
    }
    struct store_conn *c = store_reader(r->store);
    store_read_begin(c);
    int rc = ledger_calendar(c, &r->who, *from, *to, bounds, &r->arena, items, n);
    store_read_end(c);
    if (rc < 0) {
        store_failed(r);
        return false;
    }
    return true;
}

/* A page's cursor: the sort key of its last item (ledger_cal_item_cmp), fields separated
 * by newlines, base64url. Opaque to clients. */
static const char *cal_cursor_encode(struct arena *a, const struct cal_item *it)
{
    char id[21];
    fmt_u64(id, it->id < 0 ? 0 : (uint64_t)it->id);
    const char *key = arena_printf(a, "%s\n%s\n%s\n%s", it->date, it->kind, it->resource, id);
    size_t n = strlen(key);
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, (const unsigned char *)key, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* The key a cursor names into *key (its strings in the arena); false if it is not one. */
static bool cal_cursor_decode(struct arena *a, const char *cursor, struct cal_item *key)
{
    size_t n = strlen(cursor), len;
    if (n == 0 || n > LIMIT_CURSOR)
        return false;
    char *bin = arena_alloc(a, n + 1);
    if (sodium_base642bin((unsigned char *)bin, n, cursor, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    bin[len] = '\0';
    if (memchr(bin, '\0', len))
        return false;
    struct str rest = {bin, len}, date, kind, type, id;
    int64_t v;
    if (!str_cut(rest, '\n', &date, &rest) || !str_cut(rest, '\n', &kind, &rest) ||
        !str_cut(rest, '\n', &type, &id) || date.n != 10 || !date_valid(date) ||
        parse_i64(id, 0, INT64_MAX, &v) < 0)
        return false;
    memset(key, 0, sizeof(*key));
    memcpy(key->date, date.p, 10);
    key->kind = arena_strndup(a, kind.p, kind.n);
    key->resource = arena_strndup(a, type.p, type.n);
    key->id = v;
    return true;
}

/*
 * A page's bounds from ?cursor= (after the item it names) and ?limit= (1..LIMIT_LIST_MAX,
 * default LIMIT_LIST_MAX); key holds the cursor's item. False (400 set) for a bad limit or
 * cursor. The calendar then reads only what the page needs (ledger_calendar).
 */
static bool calendar_bounds(struct request *r, struct cal_bounds *b, struct cal_item *key)
{
    struct errors errs;
    errors_init(&errs, &r->arena);
    int64_t limit = LIMIT_LIST_MAX;
    const char *l = req_query(r, "limit"), *cursor = req_query(r, "cursor");
    if (l && parse_i64(str_from(l), 1, LIMIT_LIST_MAX, &limit) < 0)
        errors_add(&errs, "limit", "must be a whole number from 1 to %d", LIMIT_LIST_MAX);
    if (cursor && !cal_cursor_decode(&r->arena, cursor, key))
        errors_add(&errs, "cursor", "is not a cursor this calendar gave");
    if (errs.n) {
        resp_problem(r, 400, "the query string is not valid; see errors", &errs);
        return false;
    }
    *b = (struct cal_bounds){.after = cursor ? key : NULL, .limit = (size_t)limit};
    return true;
}

void h_calendar(struct request *r)
{
    const char *from, *to;
    struct cal_item *items, key;
    size_t n;
    struct cal_bounds bounds;
    if (!calendar_bounds(r, &bounds, &key) ||
        !calendar_items(r, true, &bounds, &from, &to, &items, &n))
        return;
    /* n is at most limit + 1: the one more says another page follows */
    size_t first = 0, end = n > bounds.limit ? bounds.limit : n;
    const char *next = n > bounds.limit ? cal_cursor_encode(&r->arena, &items[end - 1]) : NULL;
    struct jw w;
    resp_json(r, 200, &w);
    jw_obj(&w);
    jw_kstr(&w, "from", from);
    jw_kstr(&w, "to", to);
    jw_key(&w, "items");
    jw_arr(&w);
    for (size_t i = first; i < end; i++) {
        const struct cal_item *it = &items[i];
        jw_obj(&w);
        jw_kstr(&w, "date", it->date);
        jw_kstr(&w, "kind", it->kind);
        jw_kstr(&w, "title", it->title);
        jw_kstr(&w, "title_code", it->said.code); /* the title's code and values (issue 17) */
        jw_key(&w, "title_params");
        jw_arr(&w);
        for (size_t k = 0; k < it->said.nparams; k++)
            jw_str(&w, it->said.params[k]);
        jw_arr_end(&w);
        jw_kstr(&w, "body", it->body);
        jw_key(&w, "record");
        jw_obj(&w);
        jw_kstr(&w, "type", it->resource);
        jw_kint(&w, "id", it->id);
        jw_obj_end(&w);
        jw_kstr(&w, "link",
                arena_printf(&r->arena, "/api/v1/%s/%lld", it->resource, (long long)it->id));
        jw_key(&w, "organisation_id");
        if (it->organisation_id)
            jw_int(&w, it->organisation_id);
        else
            jw_null(&w);
        jw_kstr(&w, "uid", it->uid);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kstr(&w, "next_cursor", next);
    jw_obj_end(&w);
    enc_etag_body(r); /* If-None-Match → 304 */
}

void h_calendar_ics(struct request *r)
{
    const char *from, *to;
    struct cal_item *items;
    size_t n;
    /* A calendar program takes the whole window: a crowded day's reports are one event */
    static const struct cal_bounds bounds = {.group = LIMIT_ICS_DAY_REPORTS};
    if (!calendar_items(r, false, &bounds, &from, &to, &items, &n))
        return;
    struct error msg = ERROR_INIT;
    buf_reset(&r->out);
    if (ledger_ics(items, n, &r->out, &msg) < 0) {
        log_error("calendar.ics: %s", msg.msg);
        resp_problem(r, 503, "the calendar could not be produced; try again", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "text/calendar; charset=utf-8";
    resp_header(r, "Content-Disposition", "inline; filename=\"civdesk.ics\"");
    enc_etag_body(r); /* If-None-Match → 304 */
}

/* ---- one organisation's obligations -------------------------------------------------- */

void h_obligations(struct request *r)
{
    static const char *const names[] = {"lang", "limit", "cursor", NULL};
    if (!req_params_allowed(r, names))
        return;
    const char *lang = ledger_obligation_lang(req_query(r, "lang"), req_header(r, "Accept-Language"));
    if (!lang) {
        struct errors errs;
        errors_init(&errs, &r->arena);
        errors_add(&errs, "lang", "must be en or ru");
        req_bad_query(r, &errs);
        return;
    }
    /* an NGO user sees its own organisation's list; another's does not exist for it */
    if (r->who.role == ROLE_NGO && r->who.org_id != r->id) {
        resp_problem(r, 404, "no such organisation", NULL);
        return;
    }
    char today[11];
    ledger_today(today);
    struct obligation *items;
    size_t n;
    struct store_conn *c = store_reader(r->store);
    store_read_begin(c);
    int rc = ledger_obligations(c, r->id, today, &r->arena, &items, &n);
    store_read_end(c);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, "no such organisation", NULL);
        return;
    }
    if (rc < 0) {
        store_failed(r);
        return;
    }
    size_t first, end; /* one organisation's list is short, but a page all the same */
    if (!req_page_of(r, LIMIT_LIST_MAX, n, &first, &end))
        return;
    struct jw w;
    resp_json(r, 200, &w);
    resp_header(r, "Content-Language", lang);
    jw_obj(&w);
    jw_kint(&w, "organisation_id", r->id);
    jw_kstr(&w, "today", today);
    jw_kstr(&w, "lang", lang);
    jw_key(&w, "items");
    jw_arr(&w);
    for (size_t i = first; i < end; i++) {
        const struct obligation *o = &items[i];
        jw_obj(&w);
        jw_kstr(&w, "kind", o->kind);
        jw_kstr(&w, "due_on", o->due_on);
        jw_kbool(&w, "overdue", o->overdue);
        jw_kstr(&w, "body", o->body);
        jw_kstr(&w, "text", ledger_obligation_text(o, lang, &r->arena));
        /* what the sentence names (a period, a status, a count, a title): the UI says
         * the item in its own language and date format from kind, body, due_on and this */
        jw_kstr(&w, "detail", o->detail);
        jw_key(&w, "record");
        jw_obj(&w);
        jw_kstr(&w, "type", o->resource);
        jw_kint(&w, "id", o->id);
        jw_obj_end(&w);
        jw_kstr(&w, "link",
                o->link ? o->link
                        : arena_printf(&r->arena, "/api/v1/%s/%lld", o->resource,
                                       (long long)o->id));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kstr(&w, "next_cursor", end < n ? arena_printf(&r->arena, "%zu", end) : NULL);
    jw_obj_end(&w);
}
