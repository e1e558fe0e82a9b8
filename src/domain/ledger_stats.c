/*
 * The ledger's figures and dates: listings import, representation at a body, the
 * application pipeline, and the calendar of deadlines. Rules come from ledger.c; SQL from
 * src/store/ledger.c.
 */
#include "domain/ledger.h"
#include "domain/engagement.h"
#include "core/valid.h"
#include "store/ledger.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- listings import ----------------------------------------------------------------- */

/* Upper-cases an ASCII code ("ru" → "RU"), or finds an English country name's code
 * ("Russian Federation" → "RU"); NULL if neither. */
static const char *country_code(const char *text, struct arena *a)
{
    size_t n = strlen(text);
    if (n == 2) {
        char up[3] = {(char)(text[0] & ~0x20), (char)(text[1] & ~0x20), 0};
        if (valid_country(str_from(up)))
            return arena_strdup(a, up);
    }
    for (size_t i = 0; i < country_count(); i++) {
        const char *code = country_code_at(i);
        const char *name = country_name(str_from(code));
        if (name && strcasecmp(name, text) == 0)
            return code;
    }
    return NULL;
}

/* Validates one row into out; false with msg naming the line and field otherwise. */
static bool listing_row_ok(const struct body_rules *b, const struct listing_row *row,
                           struct arena *a, struct store_listing_row *out, struct error *msg)
{
    const struct field *fname = resource_field(&res_listings, "name");
    struct value v;
    const char *why;
    if (!row->name || value_from_text(fname, str_from(row->name), a, &v, &why) < 0) {
        error_set(msg, "line %zu, field name: %s", row->line, row->name ? why : "is missing");
        return false;
    }
    out->name = v.s;
    if (!row->country || !utf8_valid(row->country, strlen(row->country)) ||
        !(out->country = country_code(row->country, a))) {
        error_set(msg, "line %zu, field country: %s", row->line,
                  row->country ? "must be an ISO 3166-1 alpha-2 code (such as RU) or a "
                                 "country's English name"
                               : "is missing");
        return false;
    }
    char *status = row->status ? arena_strdup(a, row->status) : NULL;
    for (char *p = status; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 'a' - 'A');
    if (!status || !ledger_has_status(b, status)) {
        struct buf list = BUF_INIT;
        for (size_t i = 0; i < b->nstatuses; i++)
            buf_printf(&list, "%s%s", i ? ", " : "", b->statuses[i]);
        error_set(msg, "line %zu, field status: %s %s", row->line,
                  status ? "must be one of" : "is missing; one of", list.n ? list.p : "(none)");
        buf_release(&list);
        return false;
    }
    out->status = status;
    return true;
}

int ledger_listing_import(struct store *s, const struct principal *who, const char *body,
                          const char *as_of, const struct listing_row *rows, size_t n,
                          struct arena *a, int64_t *replaced, struct error *msg)
{
    *replaced = 0;
    if (!as_of || !date_valid(str_from(as_of)))
        return error_set(msg, "--as-of must be a date as YYYY-MM-DD"), DOMAIN_INVALID;
    if (n == 0)
        return error_set(msg, "the file has no rows: nothing to import"), DOMAIN_INVALID;
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    struct body_rules b;
    int rc = ledger_body_rules(store_tx_conn(tx), body, a, &b);
    if (rc == STORE_NOT_FOUND) {
        error_set(msg, "no body with code %s", body);
        rc = DOMAIN_INVALID;
        goto fail;
    }
    if (rc < 0) {
        error_set(msg, "the rules of body %s cannot be read", body);
        goto fail;
    }
    struct store_listing_row *ok = arena_alloc(a, n * sizeof(*ok));
    for (size_t i = 0; i < n; i++) {
        if (!listing_row_ok(&b, &rows[i], a, &ok[i], msg)) {
            rc = DOMAIN_INVALID;
            goto fail;
        }
    }
    if ((rc = store_listing_replace(tx, b.code, as_of, ok, n, replaced, msg)) < 0)
        goto fail;
    struct buf after = BUF_INIT;
    struct jw w;
    jw_init(&w, &after);
    jw_obj(&w);
    jw_kstr(&w, "body", b.code);
    jw_kstr(&w, "as_of", as_of);
    jw_kint(&w, "rows", (int64_t)n);
    jw_kint(&w, "replaced", *replaced);
    jw_obj_end(&w);
    struct store_actor actor = principal_actor(who);
    rc = store_audit(tx, &actor, "import", res_listings.name, 0, NULL, after.p);
    buf_release(&after);
    if (rc < 0) {
        error_set(msg, "could not write the audit entry");
        goto fail;
    }
    return store_write_commit(tx, msg);
fail:
    store_write_rollback(tx);
    return rc;
}

/* ---- representation ------------------------------------------------------------------ */

struct raw_count {
    char country[3];
    const char *status;
    int64_t n;
};

struct raw_counts {
    struct arena *a;
    struct raw_count *items;
    size_t n, cap;
};

static void collect_count(void *arg, const char *country, const char *status, int64_t n)
{
    struct raw_counts *rc = arg;
    struct raw_count *c = arena_push(rc->a, (void **)&rc->items, &rc->n, &rc->cap, sizeof(*c));
    snprintf(c->country, sizeof(c->country), "%s", country ? country : "");
    c->status = arena_strdup(rc->a, status ? status : "");
    c->n = n;
}

static int by_rank(const void *pa, const void *pb)
{
    const struct rep_country *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->country, b->country);
}

void ledger_rank(struct rep_country *cs, size_t n, int64_t total)
{
    qsort(cs, n, sizeof(*cs), by_rank);
    for (size_t i = 0; i < n; i++) {
        if (cs[i].count <= 0)
            cs[i].rank = 0;
        else if (i > 0 && cs[i].count == cs[i - 1].count)
            cs[i].rank = cs[i - 1].rank;
        else
            cs[i].rank = (int)i + 1;
        cs[i].share = total > 0 ? round((double)cs[i].count / (double)total * 1e6) / 1e6 : 0;
    }
}

/* Index of a country code in a 26×26 table; -1 if not two capital letters. */
static int country_slot(const char *c)
{
    if (c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2])
        return -1;
    return (c[0] - 'A') * 26 + (c[1] - 'A');
}

/* Countries of one listing with their counts (by_status when statuses is given). */
static struct rep_country *countries_of(const struct raw_counts *raw, const char **statuses,
                                        size_t nstatuses, struct arena *a, size_t *n,
                                        int64_t *total)
{
    int *slot = arena_alloc(a, 26 * 26 * sizeof(*slot));
    for (int i = 0; i < 26 * 26; i++)
        slot[i] = -1;
    struct rep_country *cs = arena_zalloc(a, (raw->n + 1) * sizeof(*cs));
    *n = 0;
    *total = 0;
    for (size_t i = 0; i < raw->n; i++) {
        const struct raw_count *r = &raw->items[i];
        int s = country_slot(r->country);
        if (s < 0)
            continue; /* only valid codes are ever imported */
        if (slot[s] < 0) {
            slot[s] = (int)(*n)++;
            struct rep_country *c = &cs[slot[s]];
            memcpy(c->country, r->country, 3);
            if (statuses)
                c->by_status = arena_zalloc(a, (nstatuses + 1) * sizeof(*c->by_status));
        }
        struct rep_country *c = &cs[slot[s]];
        c->count += r->n;
        *total += r->n;
        for (size_t k = 0; statuses && k < nstatuses; k++)
            if (strcmp(statuses[k], r->status) == 0)
                c->by_status[k] += r->n;
    }
    return cs;
}

int ledger_representation(struct store_conn *c, const char *body, const char *as_of,
                          struct arena *a, struct rep_stats *out, struct error *msg)
{
    memset(out, 0, sizeof(*out));
    struct body_rules b;
    int rc = ledger_body_rules(c, body, a, &b);
    if (rc == STORE_NOT_FOUND)
        return error_set(msg, "no body with code %s", body), STORE_NOT_FOUND;
    if (rc < 0)
        return error_set(msg, "the rules of body %s cannot be read", body), rc;
    out->body = b.code;
    if (as_of) {
        snprintf(out->as_of, sizeof(out->as_of), "%s", as_of);
    } else if ((rc = store_listing_newest(c, b.code, NULL, out->as_of)) < 0) {
        if (rc == STORE_NOT_FOUND)
            error_set(msg, "no listing of %s has been imported yet", b.code);
        return rc;
    }
    struct raw_counts now = {.a = a}, before = {.a = a};
    if ((rc = store_listing_counts(c, b.code, out->as_of, collect_count, &now)) < 0)
        return error_set(msg, "the listing cannot be read"), rc;
    if (now.n == 0)
        return error_set(msg, "no listing of %s as of %s", b.code, out->as_of), STORE_NOT_FOUND;

    /* Statuses: the body's, in its order, then any other the listing holds. */
    out->statuses = arena_alloc(a, (b.nstatuses + now.n) * sizeof(*out->statuses));
    for (size_t i = 0; i < b.nstatuses; i++)
        out->statuses[out->nstatuses++] = b.statuses[i];
    for (size_t i = 0; i < now.n; i++) {
        bool seen = false;
        for (size_t k = 0; k < out->nstatuses && !seen; k++)
            seen = strcmp(out->statuses[k], now.items[i].status) == 0;
        if (!seen)
            out->statuses[out->nstatuses++] = now.items[i].status;
    }
    out->status_totals = arena_zalloc(a, (out->nstatuses + 1) * sizeof(*out->status_totals));
    for (size_t i = 0; i < now.n; i++)
        for (size_t k = 0; k < out->nstatuses; k++)
            if (strcmp(out->statuses[k], now.items[i].status) == 0)
                out->status_totals[k] += now.items[i].n;

    size_t n;
    struct rep_country *cs = countries_of(&now, out->statuses, out->nstatuses, a, &n, &out->total);
    ledger_rank(cs, n, out->total);

    rc = store_listing_newest(c, b.code, out->as_of, out->prev_as_of);
    if (rc < 0 && rc != STORE_NOT_FOUND)
        return error_set(msg, "the listing cannot be read"), rc;
    size_t pn = 0;
    struct rep_country *prev = NULL;
    if (rc == STORE_OK) {
        if (store_listing_counts(c, b.code, out->prev_as_of, collect_count, &before) < 0)
            return error_set(msg, "the previous listing cannot be read"), STORE_ERROR;
        prev = countries_of(&before, NULL, 0, a, &pn, &out->prev_total);
        ledger_rank(prev, pn, out->prev_total);
    } else {
        out->prev_as_of[0] = '\0';
    }

    /* Every country of either listing; those gone since the previous one count 0. */
    out->countries = arena_zalloc(a, (n + pn + 1) * sizeof(*out->countries));
    memcpy(out->countries, cs, n * sizeof(*cs));
    out->n = n;
    for (size_t i = 0; i < pn; i++) {
        struct rep_country *hit = NULL;
        for (size_t k = 0; k < n && !hit; k++)
            if (memcmp(out->countries[k].country, prev[i].country, 3) == 0)
                hit = &out->countries[k];
        if (!hit) {
            hit = &out->countries[out->n++];
            memcpy(hit->country, prev[i].country, 3);
            hit->by_status = arena_zalloc(a, (out->nstatuses + 1) * sizeof(*hit->by_status));
        }
        hit->in_previous = true;
        hit->prev_count = prev[i].count;
        hit->prev_rank = prev[i].rank;
    }
    /* The gone ones rank 0 and sort last (by code), after every country still listed. */
    qsort(out->countries + n, out->n - n, sizeof(*out->countries), by_rank);
    return STORE_OK;
}

/* ---- pipeline ------------------------------------------------------------------------ */

struct count_list {
    struct arena *a;
    struct count_row *items;
    size_t n, cap;
    int64_t sum;
};

static void collect_row(void *arg, const char *body, const char *k1, const char *k2, int64_t n)
{
    struct count_list *l = arg;
    struct count_row *row = arena_push(l->a, (void **)&l->items, &l->n, &l->cap, sizeof(*row));
    *row = (struct count_row){
        .body = arena_strdup(l->a, body ? body : ""),
        .key = k1 ? arena_strdup(l->a, k1) : NULL,
        .key2 = k2 ? arena_strdup(l->a, k2) : NULL,
        .n = n,
    };
    l->sum += n;
}

int ledger_pipeline(struct store_conn *c, struct arena *a, struct pipeline *out)
{
    memset(out, 0, sizeof(*out));
    struct count_list apps = {.a = a}, accs = {.a = a}, late = {.a = a};
    char today[11];
    ledger_today(today);
    if (store_count_applications(c, collect_row, &apps) < 0 ||
        store_count_accreditations(c, collect_row, &accs) < 0 ||
        store_count_overdue(c, today, collect_row, &late) < 0)
        return STORE_ERROR;
    out->applications = apps.items;
    out->napplications = apps.n;
    out->accreditations = accs.items;
    out->naccreditations = accs.n;
    out->overdue = late.items;
    out->noverdue = late.n;
    out->overdue_total = late.sum;
    return STORE_OK;
}

/* ---- calendar ------------------------------------------------------------------------ */

struct cal {
    struct store_conn *conn;
    struct arena *a;
    const char *from, *to, *today;
    struct cal_item *items;
    size_t n, cap;
    struct body_rules *rules; /* bodies met so far, by code */
    size_t nrules, caprules;
};

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* "YYYY-MM-DD" of a valid year, month and day. */
static void fmt_date(char out[11], int y, int m, int d)
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

/* "1 June 2027" */
static const char *long_date(struct arena *a, const char *date)
{
    int y, m, d;
    if (date_parse(str_from(date), &y, &m, &d) < 0)
        return date;
    return arena_printf(a, "%d %s %d", d, month_names[m - 1], y);
}

static const struct body_rules *rules_for(struct cal *cal, const char *code)
{
    for (size_t i = 0; i < cal->nrules; i++)
        if (strcmp(cal->rules[i].code, code) == 0)
            return &cal->rules[i];
    struct body_rules *b =
        arena_push(cal->a, (void **)&cal->rules, &cal->nrules, &cal->caprules, sizeof(*b));
    if (ledger_body_rules(cal->conn, code, cal->a, b) < 0) {
        cal->nrules--; /* not kept: asked again next time */
        return NULL;
    }
    return b;
}

static bool in_range(const struct cal *cal, const char *date)
{
    return strcmp(date, cal->from) >= 0 && strcmp(date, cal->to) <= 0;
}

static void add_item(struct cal *cal, const char *date, const char *kind, const char *resource,
                     int64_t id, const char *body, int64_t org, const struct said *title)
{
    struct cal_item *it = arena_push(cal->a, (void **)&cal->items, &cal->n, &cal->cap, sizeof(*it));
    snprintf(it->date, sizeof(it->date), "%s", date);
    it->kind = kind;
    it->resource = resource;
    it->id = id;
    it->body = arena_strdup(cal->a, body);
    it->organisation_id = org;
    it->said = *title;
    it->title = title->text;
    /* Stable: the same deadline of the same record keeps its UID across fetches. */
    it->uid = arena_printf(cal->a, "%s-%s-%lld-%s@civdesk", kind, resource, (long long)id, date);
}

static void body_deadlines(void *arg, const struct store_body_row *row)
{
    struct cal *cal = arg;
    const struct body_rules *b = rules_for(cal, row->code);
    if (!b || !b->filing_month)
        return;
    int fy, ty, m, d;
    date_parse(str_from(cal->from), &fy, &m, &d);
    date_parse(str_from(cal->to), &ty, &m, &d);
    for (int y = fy; y <= ty; y++) {
        char date[11];
        fmt_date(date, y, b->filing_month, b->filing_day);
        if (!in_range(cal, date))
            continue;
        struct said s;
        said_printf(&s, cal->a, "cal_filing_deadline",
                    "%s filing deadline: applications received by %s are considered in %d",
                    b->code, long_date(cal->a, date), y + 1);
        said_params(&s, cal->a, 3, b->code, arena_strdup(cal->a, date), s.params[2]);
        add_item(cal, date, "filing_deadline", "bodies", b->id, b->code, 0, &s);
    }
}

static void application_dates(void *arg, const struct store_app_row *row)
{
    struct cal *cal = arg;
    const struct body_rules *b = rules_for(cal, row->body);
    if (!b)
        return;
    char deadline[11];
    int considered;
    bool filed = row->filed_on ||
                 (strcmp(row->state, "draft") != 0 && strcmp(row->state, "submitted") != 0 &&
                  strcmp(row->state, "endorsed") != 0);
    const char *what =
        arena_printf(cal->a, "application %lld (%s, %s %s status)", (long long)row->id,
                     row->organisation, row->body, row->requested_status);
    const char *app_id = arena_printf(cal->a, "%lld", (long long)row->id);
    struct said s;
    if (!filed) {
        if (ledger_deadline_applies(b, row->requested_status) &&
            ledger_filing_deadline(b, cal->today, deadline, &considered) && in_range(cal, deadline)) {
            said_printf(&s, cal->a, "cal_file_by", "File %s by %s to be considered in %d", what,
                        long_date(cal->a, deadline), considered);
            said_params(&s, cal->a, 6, app_id, row->organisation, row->body, row->requested_status,
                        arena_strdup(cal->a, deadline), s.params[2]);
            add_item(cal, deadline, "filing_deadline", "applications", row->id, row->body,
                     row->organisation_id, &s);
        }
        return;
    }
    if (!b->decision_month)
        return;
    /* The body decides in the year its sessions consider the application; a deferred one
     * waits for the next decision date. */
    int year = 0;
    if (row->filed_on && ledger_filing_deadline(b, row->filed_on, deadline, &considered))
        year = considered;
    int ty, tm, td;
    date_parse(str_from(cal->today), &ty, &tm, &td);
    char date[11];
    fmt_date(date, year > ty ? year : ty, b->decision_month, b->decision_day);
    if (strcmp(date, cal->today) < 0)
        fmt_date(date, ty + 1, b->decision_month, b->decision_day);
    if (in_range(cal, date)) {
        said_printf(&s, cal->a, "cal_decision", "%s decision expected on %s (%s)", row->body, what,
                    row->state);
        said_params(&s, cal->a, 5, app_id, row->organisation, row->body, row->requested_status,
                    row->state);
        add_item(cal, date, "decision_expected", "applications", row->id, row->body,
                 row->organisation_id, &s);
    }
}

static void report_dates(void *arg, const struct store_due_row *row)
{
    struct cal *cal = arg;
    const struct body_rules *b = rules_for(cal, row->body);
    char due[11];
    int period[2];
    if (!b || !ledger_report_due(b, row->status, row->state, row->granted_on, row->last_period_end,
                                 due, period))
        return;
    bool suspended = strcmp(row->state, "suspended") == 0;
    struct said s;
    said_printf(&s, cal->a, suspended ? "cal_report_due_suspended" : "cal_report_due",
                "Report on %d–%d due to %s: %s (%s status%s)", period[0], period[1], row->body,
                row->organisation, row->status, suspended ? ", suspended" : "");
    s.nparams = 5; /* period, body, organisation, status: ", suspended" is in the code */
    add_item(cal, due, "report_due", "accreditations", row->id, row->body, row->organisation_id,
             &s);
}

int ledger_cal_item_cmp(const void *pa, const void *pb)
{
    const struct cal_item *a = pa, *b = pb;
    int c = strcmp(a->date, b->date);
    if (!c)
        c = strcmp(a->kind, b->kind);
    if (!c)
        c = strcmp(a->resource, b->resource);
    if (!c)
        c = a->id < b->id ? -1 : a->id > b->id;
    return c;
}

struct due_day {
    const char *body, *date;
    int64_t n;
};

struct due_days {
    struct arena *a;
    struct due_day *items;
    size_t n, cap;
};

static void collect_day(void *arg, const char *body, const char *date, int64_t n)
{
    struct due_days *d = arg;
    struct due_day *day = arena_push(d->a, (void **)&d->items, &d->n, &d->cap, sizeof(*day));
    *day = (struct due_day){arena_strdup(d->a, body), arena_strdup(d->a, date), n};
}

/* Reports due, a body's day at a time: a day with more than `group` is one item. */
static int report_days(struct cal *cal, int64_t group)
{
    struct due_days days = {.a = cal->a};
    int rc = store_report_due_days(cal->conn, cal->from, cal->to, collect_day, &days);
    for (size_t i = 0; rc == STORE_OK && i < days.n; i++) {
        const struct due_day *d = &days.items[i];
        if (d->n <= group) {
            rc = store_reports_due_on(cal->conn, d->body, d->date, report_dates, cal);
            continue;
        }
        struct said said; /* only in the ICS feeds, which are in English */
        said_printf(&said, cal->a, "cal_reports_due_count", "%lld reports due to %s",
                    (long long)d->n, d->body);
        add_item(cal, d->date, "report_due", "accreditations", 0, d->body, 0, &said);
        struct cal_item *it = &cal->items[cal->n - 1];
        it->count = d->n;
        it->uid = arena_printf(cal->a, "report_due-%s-%s@civdesk", d->body, d->date);
    }
    return rc;
}

/* The report items of a page: in (due date, id) order from where `after` leaves them. */
static int report_page(struct cal *cal, int64_t org, const struct cal_bounds *bounds)
{
    const char *after_date = NULL;
    int64_t after_id = -1;
    const struct cal_item *k = bounds->after;
    if (k) {
        /* Where report items ("report_due", "accreditations", id) of k's day fall against k. */
        int c = strcmp("report_due", k->kind);
        if (!c)
            c = strcmp("accreditations", k->resource);
        after_date = k->date;
        after_id = c < 0 ? INT64_MAX : c == 0 ? k->id : -1;
    }
    int64_t limit = bounds->limit ? (int64_t)bounds->limit + 1 : INT64_MAX;
    return store_reports_due_page(cal->conn, cal->from, cal->to, org, after_date, after_id, limit,
                                  report_dates, cal);
}

int ledger_calendar(struct store_conn *c, const struct principal *who, const char *from,
                    const char *to, const struct cal_bounds *bounds, struct arena *a,
                    struct cal_item **out, size_t *n)
{
    static const struct cal_bounds all = {0};
    if (!bounds)
        bounds = &all;
    char *today = arena_alloc(a, 11);
    ledger_today(today);
    struct cal cal = {.conn = c, .a = a, .from = from, .to = to, .today = today};
    int64_t org = who && who->role == ROLE_NGO ? (who->org_id > 0 ? who->org_id : -1) : 0;
    int rc = store_bodies_each(c, a, body_deadlines, &cal);
    if (rc == STORE_OK)
        rc = store_applications_open(c, org, domain_open_states_json(&res_applications, a),
                                     application_dates, &cal);
    if (rc == STORE_OK)
        rc = bounds->group > 0 && org == 0 ? report_days(&cal, bounds->group)
                                           : report_page(&cal, org, bounds);
    if (rc == STORE_OK) /* meetings, delegations, report deadlines, action items */
        rc = engagement_calendar_add(c, who, from, to, a, &cal.items, &cal.n, &cal.cap);
    if (rc < 0)
        return rc;
    if (bounds->after) { /* the other sources are small: they are cut here */
        size_t kept = 0;
        for (size_t i = 0; i < cal.n; i++)
            if (ledger_cal_item_cmp(&cal.items[i], bounds->after) > 0)
                cal.items[kept++] = cal.items[i];
        cal.n = kept;
    }
    qsort(cal.items, cal.n, sizeof(*cal.items), ledger_cal_item_cmp);
    if (bounds->limit && cal.n > bounds->limit + 1)
        cal.n = bounds->limit + 1;
    *out = cal.items;
    *n = cal.n;
    return STORE_OK;
}
