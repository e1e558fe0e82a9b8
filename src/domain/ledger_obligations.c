/*
 * One organisation's obligations (see ledger_obligations.h): the rules of ledger.c
 * applied to the organisation's accreditations, applications and reports, and the
 * sentences that say each item in English or Russian.
 */
#include "domain/ledger_obligations.h"
#include "store/ledger.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- collecting the items ------------------------------------------------------------ */

struct collect {
    struct store_conn *c;
    struct arena *a;
    const char *today;
    struct obligation *items;
    size_t n, cap;
    int rc; /* the first failure inside a callback */
    /* the rows read, kept to be examined after the statement is done */
    struct store_due_row *accs;
    size_t naccs, capaccs;
    struct store_app_row *apps;
    size_t napps, capapps;
};

static struct obligation *add(struct collect *k, const char *kind, const char *due,
                              const char *body, const char *resource, int64_t id,
                              const char *detail)
{
    struct obligation *o = arena_push(k->a, (void **)&k->items, &k->n, &k->cap, sizeof(*o));
    *o = (struct obligation){
        .kind = kind, .body = body, .resource = resource, .id = id, .detail = detail};
    snprintf(o->due_on, sizeof(o->due_on), "%s", due);
    o->overdue = ledger_overdue(o->due_on, k->today);
    return o;
}

static void keep_accreditation(void *arg, const struct store_due_row *row)
{
    struct collect *k = arg;
    if (k->naccs == k->capaccs) {
        size_t cap = k->capaccs ? k->capaccs * 2 : 8;
        struct store_due_row *grown = arena_alloc(k->a, cap * sizeof(*grown));
        if (k->naccs)
            memcpy(grown, k->accs, k->naccs * sizeof(*grown));
        k->accs = grown;
        k->capaccs = cap;
    }
    struct store_due_row *r = &k->accs[k->naccs++];
    *r = *row;
    r->body = arena_strdup(k->a, row->body);
    r->status = arena_strdup(k->a, row->status);
    r->state = arena_strdup(k->a, row->state);
    r->granted_on = row->granted_on ? arena_strdup(k->a, row->granted_on) : NULL;
    r->organisation = NULL;
}

static void keep_application(void *arg, const struct store_app_row *row)
{
    struct collect *k = arg;
    if (k->napps == k->capapps) {
        size_t cap = k->capapps ? k->capapps * 2 : 8;
        struct store_app_row *grown = arena_alloc(k->a, cap * sizeof(*grown));
        if (k->napps)
            memcpy(grown, k->apps, k->napps * sizeof(*grown));
        k->apps = grown;
        k->capapps = cap;
    }
    struct store_app_row *r = &k->apps[k->napps++];
    *r = *row;
    r->organisation = NULL;
    r->body = arena_strdup(k->a, row->body);
    r->requested_status = arena_strdup(k->a, row->requested_status);
    r->state = arena_strdup(k->a, row->state);
    r->filed_on = row->filed_on ? arena_strdup(k->a, row->filed_on) : NULL;
}

static void add_statement(void *arg, const struct store_pending_report *row)
{
    struct collect *k = arg;
    add(k, "statement_due", row->deadline_on,
        row->target_body ? arena_strdup(k->a, row->target_body) : NULL, "reports", row->id,
        arena_strdup(k->a, row->title));
}

/* Open questions on a deferred quadrennial report: due before the Committee's next session,
 * like an application's; detail: the report's period. */
static void add_report_questions(void *arg, const struct store_report_questions *row)
{
    struct collect *k = arg;
    char session[11];
    ledger_session_next_start(k->today, session);
    struct obligation *o =
        add(k, "questions_to_answer", session, arena_strdup(k->a, row->body),
            "accreditation_reports", row->report_id,
            arena_printf(k->a, "%lld–%lld", (long long)row->period_start,
                         (long long)row->period_end));
    o->link = arena_printf(k->a, "/api/v1/accreditation-reports/%lld/questions",
                           (long long)row->report_id);
}

/* Report due, suspension and withdrawal expected, for one accreditation at body b. */
static void accreditation_rules(struct collect *k, const struct body_rules *b,
                                const struct store_due_row *acc)
{
    char due[11];
    int period[2];
    if (ledger_report_due(b, acc->status, acc->state, acc->granted_on, acc->last_period_end, due,
                          period))
        add(k, "report_due", due, b->code, "accreditations", acc->id,
            arena_printf(k->a, "%d–%d", period[0], period[1]));
    struct sanctions s;
    ledger_sanctions(b, acc->status, acc->state, acc->granted_on, acc->last_period_end, k->today,
                     &s);
    if (s.suspension_expected_on[0])
        add(k, "suspension_expected", s.suspension_expected_on, b->code, "accreditations", acc->id,
            acc->status);
    if (s.withdrawal_expected_on[0])
        add(k, "withdrawal_expected", s.withdrawal_expected_on, b->code, "accreditations", acc->id,
            acc->status);
}

static int accreditation_items(struct collect *k, const struct store_due_row *acc)
{
    struct body_rules b;
    int rc = ledger_body_rules(k->c, acc->body, k->a, &b);
    if (rc < 0)
        return rc;
    accreditation_rules(k, &b, acc);
    return STORE_OK;
}

static const char *const not_filed[] = {"draft", "submitted", "endorsed", NULL};
static const char *const questioned[] = {"under_review", "deferred", NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* Filing deadline of an application not yet filed; questions left open on one reviewed;
 * b: the rules of its body. */
static int application_rules(struct collect *k, const struct body_rules *b,
                             const struct store_app_row *app)
{
    int rc;
    char deadline[11];
    if (one_of(app->state, not_filed) && ledger_deadline_applies(b, app->requested_status) &&
        ledger_filing_deadline(b, k->today, deadline, NULL))
        add(k, "filing_deadline", deadline, b->code, "applications", app->id,
            app->requested_status);
    if (one_of(app->state, questioned)) {
        int64_t total, open;
        if ((rc = store_question_counts(k->c, app->id, &total, &open)) < 0)
            return rc;
        if (open > 0) {
            char session[11];
            ledger_session_next_start(k->today, session);
            add(k, "questions_to_answer", session, b->code, "applications", app->id,
                arena_printf(k->a, "%lld", (long long)open));
        }
    }
    return STORE_OK;
}

static int application_items(struct collect *k, const struct store_app_row *app)
{
    struct body_rules b;
    int rc = ledger_body_rules(k->c, app->body, k->a, &b);
    if (rc < 0)
        return rc;
    return application_rules(k, &b, app);
}

static int by_date(const void *x, const void *y)
{
    const struct obligation *a = x, *b = y;
    int c = strcmp(a->due_on, b->due_on);
    if (c == 0)
        c = strcmp(a->kind, b->kind);
    if (c == 0)
        c = a->id < b->id ? -1 : a->id > b->id;
    return c;
}

void ledger_accreditation_obligations(const struct body_rules *b, const struct store_due_row *acc,
                                      const char *today, struct arena *a, struct obligation **out,
                                      size_t *n)
{
    assert(date_valid(str_from(today)));
    assert(strcmp(b->code, acc->body) == 0);
    struct collect k = {.a = a, .today = today};
    accreditation_rules(&k, b, acc);
    *out = k.items;
    *n = k.n;
}

int ledger_application_obligations(struct store_conn *c, const struct body_rules *b,
                                   const struct store_app_row *app, const char *today,
                                   struct arena *a, struct obligation **out, size_t *n)
{
    assert(date_valid(str_from(today)));
    assert(b && app && store_in_transaction(c));
    assert(strcmp(b->code, app->body) == 0);
    struct collect k = {.c = c, .a = a, .today = today};
    int rc = application_rules(&k, b, app);
    *out = k.items;
    *n = rc < 0 ? 0 : k.n;
    return rc < 0 ? rc : STORE_OK;
}

void ledger_statement_obligation(const struct store_pending_report *row, const char *today,
                                 struct arena *a, struct obligation *out)
{
    struct collect k = {.a = a, .today = today};
    add_statement(&k, row);
    *out = k.items[0];
}

void ledger_report_questions_obligation(const struct store_report_questions *row,
                                        const char *today, struct arena *a, struct obligation *out)
{
    struct collect k = {.a = a, .today = today};
    add_report_questions(&k, row);
    *out = k.items[0];
}

int ledger_obligations(struct store_conn *c, int64_t org, const char *today, struct arena *a,
                       struct obligation **out, size_t *n)
{
    assert(date_valid(str_from(today)));
    assert(store_in_transaction(c)); /* one snapshot for the whole list: the caller's read */
    *out = NULL;
    *n = 0;
    struct record *o;
    int rc = store_get(c, &res_organisations, org, a, &o);
    if (rc < 0)
        return rc;
    struct collect k = {.c = c, .a = a, .today = today};
    if ((rc = store_org_accreditations(c, org, keep_accreditation, &k)) < 0 ||
        (rc = store_applications_open(c, org, domain_open_states_json(&res_applications, a),
                                      keep_application, &k)) < 0 ||
        (rc = store_org_reports_pending(c, org, add_statement, &k)) < 0 ||
        (rc = store_org_report_questions_open(c, org, add_report_questions, &k)) < 0)
        return rc;
    for (size_t i = 0; i < k.naccs && rc == STORE_OK; i++)
        rc = accreditation_items(&k, &k.accs[i]);
    for (size_t i = 0; i < k.napps && rc == STORE_OK; i++)
        rc = application_items(&k, &k.apps[i]);
    if (rc < 0)
        return rc;
    if (k.n)
        qsort(k.items, k.n, sizeof(*k.items), by_date);
    *out = k.items;
    *n = k.n;
    return STORE_OK;
}

/* ---- the sentences ------------------------------------------------------------------- */

/*
 * One template per kind and lateness, in each language. Placeholders: {body}, {date},
 * {detail} (see struct obligation). Russian avoids plural agreement by putting the number
 * after a colon.
 */
static const struct sentence {
    const char *kind;
    bool overdue;
    const char *en, *ru;
} sentences[] = {
    {"report_due", false, "The report to {body} for {detail} is due on {date}.",
     "Доклад в {body} за {detail} нужно представить до {date}."},
    {"report_due", true, "The report to {body} for {detail} was due on {date} and is overdue.",
     "Доклад в {body} за {detail} нужно было представить до {date}; срок пропущен."},
    {"suspension_expected", false,
     "Unless the overdue report arrives, {body} is expected to suspend the {detail} status "
     "on {date}.",
     "Если просроченный доклад не поступит, {body}, как ожидается, приостановит статус "
     "({detail}) {date}."},
    {"suspension_expected", true,
     "{body} was expected to suspend the {detail} status on {date} for the overdue report.",
     "{body} должен был приостановить статус ({detail}) {date} из-за просроченного доклада."},
    {"withdrawal_expected", false,
     "Unless the overdue report arrives, {body} is expected to withdraw the {detail} status "
     "on {date}.",
     "Если просроченный доклад не поступит, {body}, как ожидается, лишит организацию статуса "
     "({detail}) {date}."},
    {"withdrawal_expected", true,
     "{body} was expected to withdraw the {detail} status on {date} for the overdue report.",
     "{body} должен был лишить организацию статуса ({detail}) {date} из-за просроченного "
     "доклада."},
    {"questions_to_answer", false,
     "Questions from {body} to answer before its session of {date}: {detail}.",
     "Вопросы {body}, на которые нужно ответить до сессии {date}: {detail}."},
    {"questions_to_answer", true,
     "Questions from {body} still unanswered since its session of {date}: {detail}.",
     "Вопросы {body} без ответа со времени сессии {date}: {detail}."},
    {"filing_deadline", false,
     "File the application for {detail} status with {body} by {date} to be considered the "
     "following year.",
     "Заявку на статус ({detail}) в {body} нужно подать до {date}, чтобы её рассмотрели в "
     "следующем году."},
    {"filing_deadline", true, "The deadline to file the application with {body} was {date}.",
     "Срок подачи заявки в {body} истёк {date}."},
    {"statement_due", false, "“{detail}” for {body} is due on {date}.",
     "«{detail}» для {body} нужно представить до {date}."},
    {"statement_due", true, "“{detail}” for {body} was due on {date} and is overdue.",
     "«{detail}» для {body} нужно было представить до {date}; срок пропущен."},
};

/* The sentences of items about a quadrennial report's questions (resource
 * accreditation_reports), before the table above; {detail} is the report's period. */
static const struct sentence report_sentences[] = {
    {"questions_to_answer", false,
     "Questions from {body} on the quadrennial report for {detail} to answer before its "
     "session of {date}.",
     "Вопросы {body} по четырёхгодичному докладу за {detail}, на которые нужно ответить до "
     "сессии {date}."},
    {"questions_to_answer", true,
     "Questions from {body} on the quadrennial report for {detail} still unanswered since its "
     "session of {date}.",
     "Вопросы {body} по четырёхгодичному докладу за {detail} без ответа со времени сессии "
     "{date}."},
};

static const struct placeholder {
    const char *name;
    size_t len;
} placeholders[] = {{"{body}", 6}, {"{date}", 6}, {"{detail}", 8}};

const char *ledger_obligation_text(const struct obligation *o, const char *lang, struct arena *a)
{
    return ledger_obligation_text_dated(o, lang, o->due_on, a);
}

const char *ledger_obligation_text_dated(const struct obligation *o, const char *lang,
                                         const char *date, struct arena *a)
{
    bool ru = lang && strcmp(lang, "ru") == 0;
    const char *tpl = NULL;
    bool report = o->resource && strcmp(o->resource, "accreditation_reports") == 0;
    for (size_t i = 0; report && i < ARRAY_SIZE(report_sentences) && !tpl; i++)
        if (strcmp(report_sentences[i].kind, o->kind) == 0 &&
            report_sentences[i].overdue == o->overdue)
            tpl = ru ? report_sentences[i].ru : report_sentences[i].en;
    for (size_t i = 0; i < ARRAY_SIZE(sentences) && !tpl; i++)
        if (strcmp(sentences[i].kind, o->kind) == 0 && sentences[i].overdue == o->overdue)
            tpl = ru ? sentences[i].ru : sentences[i].en;
    if (!tpl)
        BUG("ledger_obligation_text: a kind without a sentence");
    const char *values[] = {o->body ? o->body : "—", date ? date : o->due_on,
                            o->detail ? o->detail : ""};
    struct buf b = BUF_INIT;
    for (const char *p = tpl; *p;) {
        size_t k = 0;
        while (k < ARRAY_SIZE(placeholders) &&
               strncmp(p, placeholders[k].name, placeholders[k].len) != 0)
            k++;
        if (k < ARRAY_SIZE(placeholders)) {
            buf_printf(&b, "%s", values[k]);
            p += placeholders[k].len;
        } else {
            buf_printf(&b, "%c", *p++);
        }
    }
    const char *s = arena_strdup(a, b.p ? b.p : "");
    buf_release(&b);
    return s;
}

const char *ledger_obligation_lang(const char *query_lang, const char *accept_language)
{
    if (query_lang)
        return strcmp(query_lang, "ru") == 0 ? "ru" : strcmp(query_lang, "en") == 0 ? "en" : NULL;
    /* the first listed of ru and en; quality values are not weighed (browsers list the
     * preferred language first) */
    for (const char *p = accept_language; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if ((p[0] == 'r' || p[0] == 'R') && (p[1] == 'u' || p[1] == 'U') &&
            (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ',' || p[2] == ' '))
            return "ru";
        if ((p[0] == 'e' || p[0] == 'E') && (p[1] == 'n' || p[1] == 'N') &&
            (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ',' || p[2] == ' '))
            return "en";
        p = strchr(p, ',');
    }
    return "en";
}
