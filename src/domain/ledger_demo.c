/*
 * The ledger's demo content, added inside demo_populate's transaction: statuses of the
 * demo's Russian organisations at ECOSOC and UNESCO (one report overdue), applications at
 * every step of the pipeline (with history and deferral questions), the ECOSOC and UNESCO
 * listings as the minister cited them on 17 March 2017 (4,507 with 64 Russian; 3 Russian
 * against 62 French), and the national country setting (RU). Deterministic; dates are
 * relative to today so the overdue report stays overdue.
 */
#include "domain/ledger.h"
#include "store/ledger.h"

#include <stdio.h>
#include <string.h>

#define DEMO_LISTING_AS_OF "2017-03-01" /* on or before the speech of 17 March 2017 */
#define DEMO_LISTING_TOTAL 4507
#define DEMO_LISTING_OURS  64
#define DEMO_ORGS_USED     24

/* Countries of the demo listing and their weight (roughly ECOSOC's spread). */
static const struct {
    const char *code;
    int weight;
} listing_countries[] = {
    {"US", 900}, {"GB", 330}, {"IN", 300}, {"FR", 250}, {"CH", 200}, {"NG", 170}, {"CA", 150},
    {"PK", 140}, {"BE", 130}, {"IT", 120}, {"DE", 115}, {"KE", 110}, {"JP", 100}, {"ES", 90},
    {"NL", 85},  {"BR", 80},  {"CM", 75},  {"BD", 70},  {"AU", 65},  {"CN", 60},  {"ZA", 55},
    {"PH", 50},  {"MX", 45},  {"AT", 40},  {"SE", 40},  {"KR", 38},  {"EG", 35},  {"GH", 35},
    {"IL", 30},  {"TR", 30},  {"AR", 28},  {"NP", 28},  {"UA", 25},  {"IR", 22},  {"DK", 20},
    {"NO", 20},  {"KZ", 12},  {"BY", 8},   {"AM", 8},   {"RS", 6},
};

static const char *const listing_forms[] = {"Foundation", "Association", "Centre",   "Council",
                                            "Network",    "Institute",   "Alliance", "League"};
static const char *const listing_topics[] = {"for Human Rights",    "for Sustainable Development",
                                             "of Women Lawyers",    "for Peace",
                                             "for Children",        "for Indigenous Peoples",
                                             "for Education",       "for Health",
                                             "for the Environment", "of Journalists",
                                             "for Refugees",        "for Youth"};
static const char *const ru_forms[] = {"Фонд", "Ассоциация", "Союз", "Центр", "Общество"};
static const char *const ru_topics[] = {"поддержки соотечественников", "защиты прав человека",
                                        "народной дипломатии",         "развития НКО",
                                        "культурного наследия",        "миротворческих инициатив"};

static const char *const ecosoc_mix[] = {"special", "special", "special", "special",
                                         "special", "special", "special", "roster",
                                         "roster",  "general", NULL};
static const char *const unesco_mix[] = {"consultative", "consultative", "consultative",
                                         "consultative", "associate",    NULL};

/* Replaces body's listing of as_of by rows[0..n) with its audit entry. */
static int store_demo_listing(struct store_tx *tx, const char *body, const char *as_of,
                              const struct store_listing_row *rows, int n, struct error *err)
{
    int64_t replaced;
    int rc = store_listing_replace(tx, body, as_of, rows, (size_t)n, &replaced, err);
    if (rc < 0)
        return rc;
    char after[128];
    snprintf(after, sizeof(after), "{\"body\":\"%s\",\"as_of\":\"%s\",\"rows\":%d}", body, as_of,
             n);
    return store_audit(tx, NULL, "import", res_listings.name, 0, NULL, after);
}

/*
 * UNESCO's official NGO partners as the minister put it on 17 March 2017: three of ours
 * against over sixty French (62 here), the rest spread over a few countries (about 400 in
 * all; the real count is not stated in the speech — demo data).
 */
static int demo_unesco_listing(struct store_tx *tx, struct arena *a, const char *as_of,
                               struct error *err)
{
    static const struct {
        const char *code;
        int n;
    } spread[] = {{"RU", 3},  {"FR", 62}, {"US", 48}, {"GB", 30}, {"BE", 28}, {"CH", 26},
                  {"DE", 20}, {"IT", 18}, {"ES", 15}, {"IN", 14}, {"JP", 12}, {"CA", 12},
                  {"NL", 11}, {"BR", 10}, {"KE", 9},  {"MX", 8},  {"SE", 8},  {"AT", 7},
                  {"NG", 7},  {"CN", 6},  {"AR", 6},  {"EG", 5},  {"KR", 5},  {"ZA", 5}};
    int total = 0;
    for (size_t c = 0; c < ARRAY_SIZE(spread); c++)
        total += spread[c].n;
    struct store_listing_row *rows = arena_alloc(a, (size_t)total * sizeof(*rows));
    int n = 0;
    for (size_t c = 0; c < ARRAY_SIZE(spread); c++)
        for (int k = 0; k < spread[c].n; k++, n++) {
            rows[n].name = arena_printf(
                a, "%s %s (%s %d)", listing_forms[(k + c) % ARRAY_SIZE(listing_forms)],
                listing_topics[(k / 4) % ARRAY_SIZE(listing_topics)], spread[c].code, k + 1);
            rows[n].country = spread[c].code;
            rows[n].status = unesco_mix[(k + c) % (ARRAY_SIZE(unesco_mix) - 1)];
        }
    return store_demo_listing(tx, "UNESCO", as_of, rows, n, err);
}

/* One ECOSOC listing of `total` rows: `ours` Russian, the rest spread by weight; `shift`
 * varies the spread a little. */
static int demo_listing(struct store_tx *tx, struct arena *a, const char *as_of, int total,
                        int ours, int shift, struct error *err)
{
    const char *const *statuses = ecosoc_mix;
    struct store_listing_row *rows = arena_alloc(a, (size_t)total * sizeof(*rows));
    int n = 0;
    for (int i = 0; i < ours; i++, n++) {
        rows[n].name = arena_printf(a, "%s %s «%d»", ru_forms[i % ARRAY_SIZE(ru_forms)],
                                    ru_topics[(i / 5) % ARRAY_SIZE(ru_topics)], i + 1);
        rows[n].country = "RU";
        rows[n].status = statuses[(i * 3) % (ARRAY_SIZE(ecosoc_mix) - 1)];
    }
    int weights = 0;
    for (size_t c = 0; c < ARRAY_SIZE(listing_countries); c++)
        weights += listing_countries[c].weight + (int)(c % 3) * shift;
    int left = total - ours;
    for (size_t c = 0; c < ARRAY_SIZE(listing_countries) && n < total; c++) {
        int w = listing_countries[c].weight + (int)(c % 3) * shift;
        int count = c + 1 == ARRAY_SIZE(listing_countries) ? total - n : left * w / weights;
        for (int k = 0; k < count && n < total; k++, n++) {
            rows[n].name =
                arena_printf(a, "%s %s (%s %d)", listing_forms[(k + c) % ARRAY_SIZE(listing_forms)],
                             listing_topics[(k / 8) % ARRAY_SIZE(listing_topics)],
                             listing_countries[c].code, k + 1);
            rows[n].country = listing_countries[c].code;
            rows[n].status = statuses[(k + c) % (ARRAY_SIZE(ecosoc_mix) - 1)];
        }
    }
    return store_demo_listing(tx, "ECOSOC", as_of, rows, n, err);
}

static int insert(struct store_tx *tx, struct record *rec, struct arena *a, struct error *err)
{
    struct errors errs;
    errors_init(&errs, a);
    int rc = domain_insert_tx(tx, NULL, rec, a, &errs, err);
    if (rc == DOMAIN_INVALID)
        error_set(err, "demo %s invalid: %s %s", rec->res->singular, errs.items[0].field,
                  errs.items[0].message);
    return rc;
}

/* An accreditation: granted `years_ago` years before this year (1 July), the last report
 * ending `report_ago` years before this year (0: none). */
static int accredit(struct store_tx *tx, struct arena *a, int64_t org, const char *body,
                    const char *status, const char *state, int year, int years_ago, int report_ago,
                    struct error *err)
{
    struct record *rec = record_new(&res_accreditations, a);
    record_set_int(rec, "organisation_id", org);
    record_set_text(rec, "body", body, a);
    record_set_text(rec, "status", status, a);
    record_set_text(rec, "state", state, a);
    record_set_text(rec, "granted_on", arena_printf(a, "%04d-07-01", year - years_ago), a);
    if (report_ago)
        record_set_int(rec, "last_report_period_end", year - report_ago);
    return insert(tx, rec, a, err);
}

/* The path an application took to reach each demo state. */
static const char *const path_to[][9] = {
    {"draft", NULL},
    {"draft", "submitted", NULL},
    {"draft", "submitted", "endorsed", NULL},
    {"draft", "submitted", "endorsed", "filed", NULL},
    {"draft", "submitted", "endorsed", "filed", "under_review", NULL},
    {"draft", "submitted", "endorsed", "filed", "under_review", "deferred", NULL},
    {"draft", "submitted", "endorsed", "filed", "under_review", "recommended", NULL},
    {"draft", "submitted", "endorsed", "filed", "under_review", "recommended", "rejected", NULL},
    {"draft", "submitted", "draft", NULL},
    {"draft", "submitted", "endorsed", "withdrawn", NULL},
};

static const char *const move_notes[][2] = {
    {"draft", "Returned: please attach the statute and the latest annual report."},
    {"endorsed", "The ministry supports the application."},
    {"deferred", "The Committee asked two questions at its regular session."},
    {"withdrawn", "The organisation decided to apply next year."},
};

static const char *note_for(const char *to)
{
    for (size_t i = 0; i < ARRAY_SIZE(move_notes); i++)
        if (!strcmp(move_notes[i][0], to))
            return move_notes[i][1];
    return NULL;
}

static int apply(struct store_tx *tx, struct arena *a, int64_t org, const char *body,
                 const char *status, const char *const *path, const char *filed_on, int64_t *id,
                 struct error *err)
{
    size_t last = 0;
    while (path[last + 1])
        last++;
    struct record *rec = record_new(&res_applications, a);
    record_set_int(rec, "organisation_id", org);
    record_set_text(rec, "body", body, a);
    record_set_text(rec, "requested_status", status, a);
    record_set_text(rec, "state", path[last], a);
    bool filed = false;
    for (size_t i = 0; i <= last; i++)
        filed |= !strcmp(path[i], "filed");
    if (filed)
        record_set_text(rec, "filed_on", filed_on, a);
    int rc = insert(tx, rec, a, err);
    if (rc < 0)
        return rc;
    *id = rec->id;
    struct store_actor actor = {.label = "officer@civdesk.example"};
    for (size_t i = 0; i < last && rc == 0; i++)
        rc = store_transition_insert(tx, res_applications.name, rec->id, path[i], path[i + 1],
                                     &actor, note_for(path[i + 1]));
    return rc;
}

static int question(struct store_tx *tx, struct arena *a, int64_t app, const char *text,
                    const char *answer, struct error *err)
{
    struct record *rec = record_new(&res_application_questions, a);
    record_set_int(rec, "application_id", app);
    record_set_text(rec, "question", text, a);
    record_set_text(rec, "answer", answer, a);
    return insert(tx, rec, a, err);
}

/* Sets settings.national_country inside the demo's transaction, with its audit entry. */
static int demo_national_country(struct store_tx *tx, const char *cc, struct error *err)
{
    int rc = store_settings_put(tx, cc, err);
    if (rc < 0)
        return rc;
    char after[64];
    snprintf(after, sizeof(after), "{\"national_country\":\"%s\"}", cc);
    return store_audit(tx, NULL, "update", "settings", LEDGER_SETTINGS_ID,
                       "{\"national_country\":null}", after);
}

int ledger_demo(struct store_tx *tx, struct arena *a, struct error *err)
{
    /* The demo's Russian organisations, oldest first. */
    struct list_query q = {.sort = -1, .limit = DEMO_ORGS_USED};
    q.filters[q.nfilters++] = (struct filter){
        .field = resource_field_index(&res_organisations, "country"), .v = {.s = "RU", .n = 2}};
    struct list_result lr;
    int rc = store_list(store_tx_conn(tx), &res_organisations, &q, a, &lr, err);
    if (rc < 0)
        return rc;
    if (lr.n < DEMO_ORGS_USED)
        return error_set(err, "the demo needs %d Russian organisations, it has %zu", DEMO_ORGS_USED,
                         lr.n);
    int64_t org[DEMO_ORGS_USED];
    for (size_t i = 0; i < DEMO_ORGS_USED; i++)
        org[i] = lr.items[i]->id;
    char today[11];
    ledger_today(today);
    int year;
    sscanf(today, "%d", &year);

    /* Statuses held: special in good standing, one report overdue (granted seven years
     * ago, never reported: due two years ago), a suspended one, general, roster, UNESCO. */
    static const struct {
        int org;
        const char *body, *status, *state;
        int years_ago, report_ago;
    } held[] = {
        {0, "ECOSOC", "special", "active", 9, 1},
        {1, "ECOSOC", "special", "active", 7, 0},
        {2, "ECOSOC", "special", "active", 3, 0},
        {3, "ECOSOC", "general", "active", 16, 2},
        {4, "ECOSOC", "roster", "active", 12, 0},
        {5, "ECOSOC", "special", "suspended", 10, 0},
        {6, "ECOSOC", "special", "active", 4, 0},
        {7, "ECOSOC", "special", "withdrawn", 15, 0},
        {0, "UNESCO", "consultative", "active", 6, 0},
        {8, "UNESCO", "consultative", "active", 4, 0},
        {9, "UNESCO", "consultative", "active", 2, 0},
    };
    for (size_t i = 0; i < ARRAY_SIZE(held) && rc == 0; i++)
        rc = accredit(tx, a, org[held[i].org], held[i].body, held[i].status, held[i].state, year,
                      held[i].years_ago, held[i].report_ago, err);

    /* Applications at every step; filed ones filed on 1 May of last year. */
    const char *filed_on = arena_printf(a, "%04d-05-01", year - 1);
    static const struct {
        int org;
        const char *body, *status;
        size_t path;
    } apps[] = {
        {10, "ECOSOC", "special", 0},      {11, "ECOSOC", "special", 1},
        {12, "ECOSOC", "roster", 2},       {13, "ECOSOC", "special", 3},
        {14, "ECOSOC", "special", 4},      {15, "ECOSOC", "special", 5},
        {16, "ECOSOC", "general", 6},      {17, "ECOSOC", "special", 7},
        {18, "UNESCO", "consultative", 8}, {19, "ECOSOC", "special", 9},
        {20, "COE", "participatory", 0},
    };
    int64_t deferred = 0;
    for (size_t i = 0; i < ARRAY_SIZE(apps) && rc == 0; i++) {
        int64_t id;
        rc = apply(tx, a, org[apps[i].org], apps[i].body, apps[i].status, path_to[apps[i].path],
                   filed_on, &id, err);
        if (apps[i].path == 5)
            deferred = id;
    }
    if (rc == 0)
        rc = question(tx, a, deferred,
                      "Please provide details of the organisation's sources of funding, "
                      "including any governmental funding.",
                      "The organisation is funded by membership fees (60%) and project grants "
                      "from private foundations (40%); it receives no governmental funding.",
                      err);
    if (rc == 0)
        rc = question(tx, a, deferred,
                      "Please clarify the organisation's activities outside the country.", NULL,
                      err);

    /* The listings true to the minister's speech of 17 March 2017 (DESIGN §1, issue 14
     * item 13): ECOSOC, 64 national organisations out of 4,507, and UNESCO, 3 of ours
     * against over 60 French, both dated on or before that day. No earlier listing: an
     * invented earlier figure could contradict a published one. */
    if (rc == 0)
        rc = demo_listing(tx, a, DEMO_LISTING_AS_OF, DEMO_LISTING_TOTAL, DEMO_LISTING_OURS, 2, err);
    if (rc == 0)
        rc = demo_unesco_listing(tx, a, DEMO_LISTING_AS_OF, err);
    /* The ministry's own country, for the representation figures and the dashboard. */
    if (rc == 0)
        rc = demo_national_country(tx, "RU", err);
    return rc;
}
