/*
 * Reminders and notifications: the sources, the thresholds, the words, the pass, the
 * digest and the delivery of the outbox (docs/notifications.md).
 */
#define _GNU_SOURCE
#include "domain/notify.h"
#include "domain/ledger_obligations.h"
#include "json/json.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tables --------------------------------------------------------------------- */

const struct notify_threshold notify_thresholds[] = {
    {90, "d90"}, {30, "d30"}, {7, "d7"}, {1, "d1"}, {-1, "overdue"},
};
const size_t notify_thresholds_count = ARRAY_SIZE(notify_thresholds);

const struct notify_kind notify_kinds[] = {
    {"report_due", true, false},
    {"questions_open", true, false},
    {"suspension_expected", true, false},
    {"withdrawal_expected", true, false},
    {"questions_to_answer", true, false},
    {"filing_deadline", true, false},
    {"statement_due", true, false},
    {"application_moved", false, false},
    {"proposal_answered", false, false},
    {"report_returned", false, false},
    {"account", false, true},
};
const size_t notify_kinds_count = ARRAY_SIZE(notify_kinds);

/*
 * How far back an item's due date may lie for the pass still to look for it: the overdue
 * notice goes the day after the due date, and a pass that did not run for up to this many
 * days still sends it. Items overdue for longer stay on the obligations list; the pass
 * does not look for them (at DESIGN §8's scale it would read every old overdue record on
 * every day's pass).
 */
#define NOTIFY_LOOKBACK_DAYS 30
/* A withdrawal is expected a year after the suspension, which comes on the body's next
 * decision day after the missed report: at most this many days after the report's date. */
#define NOTIFY_WITHDRAWAL_SPAN 732

/* Grows an arena array *v of *n elements of size sz by one; returns the new, zeroed slot. */
static void *push(struct arena *a, void **v, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        void *grown = arena_alloc(a, *cap * sz);
        if (*n)
            memcpy(grown, *v, *n * sz);
        *v = grown;
    }
    void *slot = (char *)*v + (*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

/* Items found by a source, grown in the pass's arena. */
struct items {
    struct notify_item *v;
    size_t n, cap;
    struct arena *a;
};

/*
 * Adds obligation o of organisation org (name org_name) as a reminder item when its due
 * date is in [from, until] and its kind is `kind` (NULL: any). The key is
 * <kind>:<resource>:<id>:<due date> (the accreditation reports' key before the obligations
 * list came, unchanged); the sentences are the obligations list's, with the date written
 * for a person.
 */
static void add_obligation(struct items *k, const struct obligation *o, const char *kind,
                           int64_t org, const char *org_name, const char *from, const char *until)
{
    if ((kind && strcmp(o->kind, kind) != 0) || strcmp(o->due_on, from) < 0 ||
        strcmp(o->due_on, until) > 0)
        return;
    struct arena *a = k->a;
    const char *due = arena_strdup(a, o->due_on);
    struct notify_item *it = push(a, (void **)&k->v, &k->n, &k->cap, sizeof(*it));
    *it = (struct notify_item){
        .org_id = org,
        .kind = o->kind,
        .due_on = due,
        .resource = o->resource,
        .record_id = o->id,
        .org_name = org_name,
        .body = o->body,
        .key = arena_printf(a, "%s:%s:%lld:%s", o->kind, o->resource, (long long)o->id, due),
        .obligation = true,
        .detail = o->detail ? arena_strdup(a, o->detail) : NULL};
}

/* The window of the pass: from (the lookback) into from[11]. */
static void window_from(const char *today, char from[11])
{
    notify_date_add(today, -NOTIFY_LOOKBACK_DAYS, from);
}

/* Bodies' rules read once per pass (there are a handful of bodies, and many records). */
struct rules_cache {
    struct body_rules *v;
    size_t n, cap;
    struct arena *a;
};

/* The rules of body `code` into *out, from the cache or the store. */
static int rules_of(struct store_conn *c, struct rules_cache *rc, const char *code,
                    const struct body_rules **out)
{
    for (size_t i = 0; i < rc->n; i++)
        if (!strcmp(rc->v[i].code, code)) {
            *out = &rc->v[i];
            return STORE_OK;
        }
    struct body_rules b;
    int r = ledger_body_rules(c, code, rc->a, &b);
    if (r < 0)
        return r;
    struct body_rules *slot = push(rc->a, (void **)&rc->v, &rc->n, &rc->cap, sizeof(*slot));
    *slot = b;
    *out = slot;
    return STORE_OK;
}

struct due_rows {
    struct store_due_row *v;
    size_t n, cap;
    struct arena *a;
};

static void keep_due_row(void *arg, const struct store_due_row *row)
{
    struct due_rows *k = arg;
    struct store_due_row *r = push(k->a, (void **)&k->v, &k->n, &k->cap, sizeof(*r));
    *r = (struct store_due_row){
        .id = row->id,
        .organisation_id = row->organisation_id,
        .organisation = arena_strdup(k->a, row->organisation ? row->organisation : ""),
        .body = arena_strdup(k->a, row->body),
        .status = arena_strdup(k->a, row->status),
        .state = arena_strdup(k->a, row->state),
        .granted_on = row->granted_on ? arena_strdup(k->a, row->granted_on) : NULL,
        .last_period_end = row->last_period_end};
}

/* Report due, suspension expected, withdrawal expected: the accreditations whose stored
 * report date (index accreditations_report_due) is in the window, or early enough for a
 * suspension or a withdrawal expected in it. */
static int source_accreditations(struct store_conn *c, const char *today, const char *until,
                                 struct arena *a, struct notify_item **out, size_t *n)
{
    char from[11], scan[11];
    window_from(today, from);
    notify_date_add(from, -NOTIFY_WITHDRAWAL_SPAN, scan);
    struct due_rows rows = {.a = a};
    int rc = store_reports_due(c, scan, until, 0, keep_due_row, &rows);
    struct items k = {.a = a};
    struct rules_cache rules = {.a = a};
    for (size_t r = 0; rc == STORE_OK && r < rows.n; r++) {
        struct obligation *obs;
        size_t m = 0;
        const struct body_rules *b;
        struct arena scratch = ARENA_INIT; /* its obligations; kept: those in the window */
        rc = rules_of(c, &rules, rows.v[r].body, &b);
        if (rc == STORE_OK)
            ledger_accreditation_obligations(b, &rows.v[r], today, &scratch, &obs, &m);
        for (size_t i = 0; rc == STORE_OK && i < m; i++)
            add_obligation(&k, &obs[i], NULL, rows.v[r].organisation_id, rows.v[r].organisation,
                           from, until);
        arena_release(&scratch);
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Applications' obligations of one kind, for the candidate rows apps[0..napps). */
static int application_kind(struct store_conn *c, const struct store_app_row *apps, size_t napps,
                            const char *kind, const char *today, const char *until, struct items *k)
{
    char from[11];
    window_from(today, from);
    int rc = STORE_OK;
    struct rules_cache rules = {.a = k->a};
    for (size_t r = 0; rc == STORE_OK && r < napps; r++) {
        struct obligation *obs;
        size_t m = 0;
        const struct body_rules *b;
        struct arena scratch = ARENA_INIT;
        rc = rules_of(c, &rules, apps[r].body, &b);
        if (rc == STORE_OK)
            rc = ledger_application_obligations(c, b, &apps[r], today, &scratch, &obs, &m);
        for (size_t i = 0; rc == STORE_OK && i < m; i++)
            add_obligation(k, &obs[i], kind, apps[r].organisation_id, apps[r].organisation, from,
                           until);
        arena_release(&scratch);
    }
    return rc;
}

struct codes {
    const char **v;
    size_t n, cap;
    struct arena *a;
};

static void keep_code(void *arg, const struct store_body_row *row)
{
    struct codes *k = arg;
    *(const char **)push(k->a, (void **)&k->v, &k->n, &k->cap, sizeof(*k->v)) =
        arena_strdup(k->a, row->code);
}

/* Filing deadlines: the applications not yet filed at each body whose next filing day
 * (from today) is in the window — the deadline is the same for all of them. */
static int source_filing(struct store_conn *c, const char *today, const char *until,
                         struct arena *a, struct notify_item **out, size_t *n)
{
    struct codes bodies = {.a = a};
    struct items k = {.a = a};
    int rc = store_bodies_each(c, a, keep_code, &bodies);
    for (size_t i = 0; rc == STORE_OK && i < bodies.n; i++) {
        struct body_rules b;
        char deadline[11];
        if ((rc = ledger_body_rules(c, bodies.v[i], a, &b)) < 0)
            break;
        if (!ledger_filing_deadline(&b, today, deadline, NULL) || strcmp(deadline, until) > 0)
            continue;
        struct store_app_row *apps;
        size_t napps;
        rc = store_notify_unfiled(c, bodies.v[i], a, &apps, &napps);
        if (rc == STORE_OK)
            rc = application_kind(c, apps, napps, "filing_deadline", today, until, &k);
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Questions to answer before the Committee's next session: when that session is in the
 * window, the applications and the deferred quadrennial reports with unanswered questions
 * (both are due before the same session). */
static int source_questions(struct store_conn *c, const char *today, const char *until,
                            struct arena *a, struct notify_item **out, size_t *n)
{
    char next[11], from[11];
    struct items k = {.a = a};
    ledger_session_next_start(today, next);
    window_from(today, from);
    int rc = STORE_OK;
    if (strcmp(next, until) <= 0) {
        struct store_app_row *apps;
        size_t napps;
        rc = store_notify_questioned(c, a, &apps, &napps);
        if (rc == STORE_OK)
            rc = application_kind(c, apps, napps, "questions_to_answer", today, until, &k);
        struct store_notify_report_question *reps = NULL;
        size_t nreps = 0;
        if (rc == STORE_OK)
            rc = store_notify_report_questions(c, a, &reps, &nreps);
        for (size_t r = 0; rc == STORE_OK && r < nreps; r++) {
            struct obligation o;
            ledger_report_questions_obligation(&reps[r].q, today, a, &o);
            add_obligation(&k, &o, NULL, reps[r].org_id, reps[r].org_name, from, until);
        }
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Statements and reports due: pending ones whose deadline is in the window (index
 * reports_deadline), once for each organisation that co-authors them. */
static int source_statements(struct store_conn *c, const char *today, const char *until,
                             struct arena *a, struct notify_item **out, size_t *n)
{
    char from[11];
    window_from(today, from);
    struct store_notify_statement *rows;
    size_t nrows;
    struct items k = {.a = a};
    int rc = store_notify_statements(c, from, until, a, &rows, &nrows);
    for (size_t r = 0; rc == STORE_OK && r < nrows; r++) {
        struct obligation o;
        ledger_statement_obligation(&rows[r].report, today, a, &o);
        add_obligation(&k, &o, NULL, rows[r].org_id, rows[r].org_name, from, until);
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Questions as they are asked (no due date; a new question is a new notice): on deferred
 * applications, and on deferred quadrennial reports (the "report" words, naming the
 * period). */
static int source_open_questions(struct store_conn *c, const char *today, const char *until,
                                 struct arena *a, struct notify_item **out, size_t *n)
{
    struct items k = {.a = a};
    struct store_notify_report_question *reps;
    size_t nreps;
    int rc = store_notify_open_questions(c, a, &k.v, &k.n);
    k.cap = k.n;
    if (rc == STORE_OK)
        rc = store_notify_report_questions(c, a, &reps, &nreps);
    for (size_t r = 0; rc == STORE_OK && r < nreps; r++) {
        const struct store_notify_report_question *q = &reps[r];
        struct notify_item *it = push(a, (void **)&k.v, &k.n, &k.cap, sizeof(*it));
        *it = (struct notify_item){
            .org_id = q->org_id,
            .kind = "questions_open",
            .resource = "accreditation_reports",
            .record_id = q->q.report_id,
            .key = arena_printf(a, "questions_open:accreditation_reports:%lld:q%lld",
                                (long long)q->q.report_id, (long long)q->newest),
            .org_name = q->org_name,
            .body = q->q.body,
            .count = q->q.open,
            .detail = arena_printf(a, "%lld\u2013%lld", (long long)q->q.period_start,
                                   (long long)q->q.period_end),
            .variant = "report"};
    }
    *out = k.v;
    *n = k.n;
    return rc;
}

/* Every kind of the obligations list (ledger_obligations.h) has a source here. */
const struct notify_source notify_sources[] = {
    {"accreditations (report due, suspension and withdrawal expected)", source_accreditations},
    {"applications not yet filed (filing deadline)", source_filing},
    {"applications and quadrennial reports with questions (before the next session)",
     source_questions},
    {"reports and statements (deadline)", source_statements},
    {"questions on deferred applications and quadrennial reports (as asked)",
     source_open_questions},
};
const size_t notify_sources_count = ARRAY_SIZE(notify_sources);

/*
 * The words of each message, per kind and variant ("" or "overdue"), per language.
 * Placeholders: {org} {body} {due} {days} {count} {id}.
 */
struct notify_words {
    const char *kind, *variant, *lang;
    const char *subject, *line;
};

static const struct notify_words words[] = {
    /* Reminders: the line is the obligations list's own sentence ({text}). */
    {"report_due", "", "en", "Report to {body} due on {due}", "{org}: {text}"},
    {"report_due", "", "ru", "Отчёт в {body}: срок {due}", "{org}: {text}"},
    {"report_due", "overdue", "en", "Overdue: report to {body} (due on {due})",
     "{org}: {text} An organisation that does not report is suspended."},
    {"report_due", "overdue", "ru", "Просрочен отчёт в {body} (срок {due})",
     "{org}: {text} Организацию, не представившую отчёт, приостанавливают."},
    {"questions_open", "", "en", "{body} questions to answer: {count}",
     "{org}: application #{id} to {body} was deferred with {count} unanswered question(s). "
     "Unanswered questions lead to closure."},
    {"questions_open", "", "ru", "Вопросы {body} ждут ответа: {count}",
     "{org}: заявка №{id} в {body} отложена; вопросов без ответа: {count}. Без ответов "
     "рассмотрение будет закрыто."},
    {"questions_open", "report", "en", "{body} questions on the quadrennial report: {count}",
     "{org}: {body} deferred the quadrennial report for {detail} with {count} unanswered "
     "question(s). Answer them before the Committee's next session."},
    {"questions_open", "report", "ru", "Вопросы {body} по четырёхгодичному докладу: {count}",
     "{org}: {body} отложил рассмотрение четырёхгодичного доклада за {detail}; вопросов без "
     "ответа: {count}. Ответить нужно до следующей сессии Комитета."},
    {"suspension_expected", "", "en", "{body} may suspend the status on {due}", "{org}: {text}"},
    {"suspension_expected", "", "ru", "{body} может приостановить статус {due}", "{org}: {text}"},
    {"suspension_expected", "overdue", "en", "Suspension by {body} was expected on {due}",
     "{org}: {text}"},
    {"suspension_expected", "overdue", "ru", "Приостановка статуса в {body} ожидалась {due}",
     "{org}: {text}"},
    {"withdrawal_expected", "", "en", "{body} may withdraw the status on {due}", "{org}: {text}"},
    {"withdrawal_expected", "", "ru", "{body} может лишить статуса {due}", "{org}: {text}"},
    {"withdrawal_expected", "overdue", "en", "Withdrawal by {body} was expected on {due}",
     "{org}: {text}"},
    {"withdrawal_expected", "overdue", "ru", "Лишение статуса в {body} ожидалось {due}",
     "{org}: {text}"},
    {"questions_to_answer", "", "en", "Questions from {body} to answer before {due}",
     "{org}: {text}"},
    {"questions_to_answer", "", "ru", "Вопросы {body}: ответить до {due}", "{org}: {text}"},
    {"filing_deadline", "", "en", "Filing deadline at {body}: {due}", "{org}: {text}"},
    {"filing_deadline", "", "ru", "Срок подачи заявки в {body}: {due}", "{org}: {text}"},
    {"statement_due", "", "en", "Due for {body} on {due}", "{org}: {text}"},
    {"statement_due", "", "ru", "Срок представления в {body}: {due}", "{org}: {text}"},
    {"statement_due", "overdue", "en", "Overdue: due for {body} on {due}", "{org}: {text}"},
    {"statement_due", "overdue", "ru", "Просрочено: срок в {body} {due}", "{org}: {text}"},
    {"application_moved", "", "en", "Application #{id} to {body}: {state}",
     "{org}: application #{id} to {body} was {state}.{note}"},
    {"application_moved", "", "ru", "Заявка №{id} в {body}: {state}",
     "{org}: заявка №{id} в {body} — {state}.{note}"},
    {"proposal_answered", "", "en", "Your proposal was answered: {title}",
     "The ministry answered the proposal \u201c{title}\u201d: {state}.{note}"},
    {"proposal_answered", "", "ru", "Получен ответ на предложение: {title}",
     "Министерство ответило на предложение \u00ab{title}\u00bb: {state}.{note}"},
    {"report_returned", "", "en", "Report returned for changes: {title}",
     "The ministry returned the report \u201c{title}\u201d for changes.{note}"},
    {"report_returned", "", "ru", "Отчёт возвращён на доработку: {title}",
     "Министерство вернуло отчёт \u00ab{title}\u00bb на доработку.{note}"},
    {"account", "created", "en", "Your civdesk account",
     "An account for {email} was created in civdesk."},
    {"account", "created", "ru", "Ваша учётная запись в civdesk",
     "Для {email} создана учётная запись в civdesk."},
    {"account", "password", "en", "Your civdesk password was changed",
     "The password of {email} was changed. If you did not ask for this, tell your "
     "administrator at once."},
    {"account", "password", "ru", "Ваш пароль в civdesk изменён",
     "Пароль {email} изменён. Если вы этого не делали, сразу сообщите администратору."},
};

static const char *const months_en[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
static const char *const months_ru[] = {"января",   "февраля", "марта",  "апреля",
                                        "мая",      "июня",    "июля",   "августа",
                                        "сентября", "октября", "ноября", "декабря"};

/* Greeting, link and footer of a message, per language. */
struct notify_frame {
    const char *lang, *hello, *open, *why, *digest_subject, *digest_intro;
    const char *digest_more; /* after the first NOTIFY_DIGEST_MAX lines: how many more */
};
static const struct notify_frame frames[] = {
    {"en", "Hello, %s.", "Open",
     "You receive this from civdesk because it concerns your work. "
     "Choose what you receive under Preferences.",
     "civdesk: %zu notice(s) today",
     "What needs attention:", "…and %zu more. All of them are listed in civdesk:"},
    {"ru", "Здравствуйте, %s!", "Открыть",
     "Это письмо civdesk: оно касается вашей работы. "
     "Выбрать, какие письма получать, можно в настройках.",
     "civdesk: уведомлений за день — %zu",
     "Что требует внимания:", "…и ещё %zu. Все уведомления — в civdesk:"},
};

static const struct notify_frame *frame_for(const char *lang)
{
    for (size_t i = 0; i < ARRAY_SIZE(frames); i++)
        if (!strcmp(frames[i].lang, lang))
            return &frames[i];
    return &frames[0];
}

/* ---- dates -------------------------------------------------------------------------- */

static bool day_number(const char *date, int64_t *out)
{
    int y, m, d;
    if (!date || date_parse(str_from(date), &y, &m, &d) < 0)
        return false;
    *out = days_from_civil(y, m, d);
    return true;
}

bool notify_days_between(const char *a, const char *b, int64_t *days)
{
    int64_t da, db;
    if (!day_number(a, &da) || !day_number(b, &db))
        return false;
    *days = db - da;
    return true;
}

void notify_date_add(const char *date, int64_t days, char out[11])
{
    int64_t z;
    if (!day_number(date, &z)) {
        snprintf(out, 11, "%s", date);
        return;
    }
    date_from_unix((z + days) * 86400, out);
}

const char *notify_date_human(const char *date, const char *lang, struct arena *a)
{
    int y, m, d;
    if (!date || date_parse(str_from(date), &y, &m, &d) < 0)
        return date ? date : "";
    if (!strcmp(lang, "ru"))
        return arena_printf(a, "%d %s %d г.", d, months_ru[m - 1], y);
    return arena_printf(a, "%d %s %d", d, months_en[m - 1], y);
}

int notify_threshold_for(const char *today, const char *due_on)
{
    int64_t left;
    if (!notify_days_between(today, due_on, &left))
        return -1;
    for (size_t i = notify_thresholds_count; i-- > 0;)
        if (left <= notify_thresholds[i].days)
            return (int)i;
    return -1;
}

void notify_link(const char *resource, int64_t id, char out[NOTIFY_LINK_MAX])
{
    int k = snprintf(out, NOTIFY_LINK_MAX, "/%s/%lld", resource, (long long)id);
    for (int i = 1; i < k && i < NOTIFY_LINK_MAX && out[i] != '/'; i++)
        if (out[i] == '_')
            out[i] = '-';
}

/* ---- preferences -------------------------------------------------------------------- */

static const struct notify_kind *kind_find(const char *name)
{
    for (size_t i = 0; i < notify_kinds_count; i++)
        if (!strcmp(notify_kinds[i].name, name))
            return &notify_kinds[i];
    return NULL;
}

const char *notify_mode(const struct notify_user *u, const char *kind)
{
    const struct notify_kind *k = kind_find(kind);
    if (k && k->mandatory)
        return "immediate";
    const char *mode = NULL;
    json_t *obj = u->kinds ? json_loads(u->kinds, 0, NULL) : NULL;
    json_t *v = obj ? json_object_get(obj, kind) : NULL;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        mode = !strcmp(s, "immediate") ? "immediate"
               : !strcmp(s, "digest")  ? "digest"
               : !strcmp(s, "off")     ? "off"
                                       : NULL;
    }
    json_decref(obj);
    if (mode)
        return mode;
    /* Officers hear of every organisation's deadlines: a daily digest unless they ask. */
    return k && k->reminder && u->role && !strcmp(u->role, "officer") ? "digest" : "immediate";
}

/* ---- the words ---------------------------------------------------------------------- */

/* The words row for a kind, variant and language (English when the language has none;
 * the plain variant "" when the kind has no words for this one). */
static const struct notify_words *words_for(const char *kind, const char *variant, const char *lang)
{
    const struct notify_words *fallback = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
        if (!strcmp(words[i].kind, kind) && !strcmp(words[i].variant, variant)) {
            if (!strcmp(words[i].lang, lang))
                return &words[i];
            if (!strcmp(words[i].lang, "en"))
                fallback = &words[i];
        }
    if (!fallback && *variant)
        return words_for(kind, "", lang);
    return fallback;
}

struct fill {
    const char *org, *body, *due, *days, *count, *id, *state, *note, *title, *email, *text;
    const char *detail; /* an item's detail (a report's period) */
};

/* Expands {name} placeholders of tmpl. */
static const char *expand(const char *tmpl, const struct fill *f, struct arena *a)
{
    static const struct {
        const char *name;
        size_t off;
    } names[] = {
        {"{org}", offsetof(struct fill, org)},     {"{body}", offsetof(struct fill, body)},
        {"{due}", offsetof(struct fill, due)},     {"{days}", offsetof(struct fill, days)},
        {"{count}", offsetof(struct fill, count)}, {"{id}", offsetof(struct fill, id)},
        {"{state}", offsetof(struct fill, state)}, {"{note}", offsetof(struct fill, note)},
        {"{title}", offsetof(struct fill, title)}, {"{email}", offsetof(struct fill, email)},
        {"{text}", offsetof(struct fill, text)},   {"{detail}", offsetof(struct fill, detail)},
    };
    struct buf b = BUF_INIT;
    for (const char *p = tmpl; *p;) {
        bool done = false;
        for (size_t i = 0; i < ARRAY_SIZE(names) && !done; i++) {
            size_t n = strlen(names[i].name);
            if (!strncmp(p, names[i].name, n)) {
                const char *v = *(const char *const *)((const char *)f + names[i].off);
                buf_puts(&b, v ? v : "");
                p += n;
                done = true;
            }
        }
        if (!done)
            buf_putc(&b, *p++);
    }
    const char *out = arena_strndup(a, b.p ? b.p : "", b.n);
    buf_release(&b);
    return out;
}

static void html_text(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

/* Where links in stored messages start; the sender puts the public URL in its place. */
#define LINK_BASE "{civdesk}"
/* The UI's page of all a user's notifications: where a digest cut short sends the rest. */
#define NOTIFY_ALL_PAGE "/notifications"

/* One notice for a person: the title and line in their language and the record link. */
struct notice {
    const char *kind, *key;
    int64_t org_id;
    const char *resource;
    int64_t record_id;
    const char *due_on;
    int64_t days; /* threshold days, INT64_MIN: none */
    const char *title, *detail;
};

/* The text and HTML bodies of a message listing lines (title, detail, link) for u. */
static void render_bodies(const struct notify_user *u, const struct notice *items, size_t n,
                          bool digest, size_t more, struct arena *a, const char **text,
                          const char **html)
{
    const struct notify_frame *fr = frame_for(u->lang);
    const char *who = u->name && *u->name ? u->name : u->email;
    struct buf t = BUF_INIT, h = BUF_INIT;
    buf_printf(&t, fr->hello, who);
    buf_puts(&t, "\r\n\r\n");
    buf_puts(&h, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>");
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, fr->hello, who);
    html_text(&h, tmp.p);
    buf_release(&tmp);
    buf_puts(&h, "</p>");
    if (digest) {
        buf_printf(&t, "%s\r\n\r\n", fr->digest_intro);
        buf_puts(&h, "<p>");
        html_text(&h, fr->digest_intro);
        buf_puts(&h, "</p>");
    }
    buf_puts(&h, "<ul>");
    for (size_t i = 0; i < n; i++) {
        const struct notice *it = &items[i];
        char page[NOTIFY_LINK_MAX] = "/";
        if (it->resource)
            notify_link(it->resource, it->record_id, page);
        const char *link = arena_printf(a, LINK_BASE "%s", page);
        if (digest)
            buf_printf(&t, "- %s\r\n  %s\r\n  %s: %s\r\n\r\n", it->title,
                       it->detail ? it->detail : "", fr->open, link);
        else
            buf_printf(&t, "%s\r\n\r\n%s: %s\r\n\r\n", it->detail ? it->detail : it->title,
                       fr->open, link);
        buf_puts(&h, "<li><p><strong>");
        html_text(&h, it->title);
        buf_puts(&h, "</strong><br>");
        html_text(&h, it->detail ? it->detail : "");
        buf_puts(&h, "</p><p><a href=\"");
        html_text(&h, link);
        buf_puts(&h, "\">");
        html_text(&h, fr->open);
        buf_puts(&h, "</a></p></li>");
    }
    buf_puts(&h, "</ul>");
    if (more) {
        /* the rest are in the app: the page of all the reader's notifications */
        struct buf line = BUF_INIT;
        buf_printf(&line, fr->digest_more, more);
        buf_printf(&t, "%s\r\n%s\r\n\r\n", line.p, LINK_BASE NOTIFY_ALL_PAGE);
        buf_puts(&h, "<p>");
        html_text(&h, line.p);
        buf_puts(&h, " <a href=\"" LINK_BASE NOTIFY_ALL_PAGE "\">" LINK_BASE NOTIFY_ALL_PAGE
                     "</a></p>");
        buf_release(&line);
    }
    buf_printf(&t, "--\r\n%s\r\n", fr->why);
    buf_puts(&h, "<hr><p><small>");
    html_text(&h, fr->why);
    buf_puts(&h, "</small></p></body></html>");
    *text = arena_strndup(a, t.p, t.n);
    *html = arena_strndup(a, h.p, h.n);
    buf_release(&t);
    buf_release(&h);
}

/*
 * Gives u the notice: a notification (unless they already have one with its key) and,
 * when their preference for its kind is immediate, a message in the outbox. Counts into
 * run. Inside the caller's write transaction.
 */
static int notify_user_tx(struct store_tx *tx, const struct notify_user *u, const struct notice *nt,
                          struct arena *a, struct notify_run *run)
{
    const char *mode = notify_mode(u, nt->kind);
    struct notification_row row = {.user_id = u->id,
                                   .kind = nt->kind,
                                   .key = nt->key,
                                   .org_id = nt->org_id,
                                   .resource = nt->resource,
                                   .record_id = nt->record_id,
                                   .due_on = nt->due_on,
                                   .days = nt->days,
                                   .title = nt->title,
                                   .detail = nt->detail,
                                   .mail = mode};
    bool created;
    int rc = store_notification_insert(tx, &row, &created);
    if (rc < 0 || !created)
        return rc;
    run->notifications++;
    if (strcmp(mode, "immediate") != 0)
        return 0;
    struct outbox_row o = {.user_id = u->id,
                           .kind = nt->kind,
                           .recipient = u->email,
                           .lang = u->lang,
                           .subject = nt->title,
                           .next_attempt_at = now_unix()};
    o.key = arena_printf(a, "n%lld", (long long)row.id);
    render_bodies(u, nt, 1, false, 0, a, &o.body_text, &o.body_html);
    rc = store_outbox_insert(tx, &o, &created);
    if (rc == 0 && created)
        run->queued++;
    if (rc == 0)
        rc = store_notification_set_outbox(tx, row.id, o.id);
    return rc;
}

/* The notice of a reminder item at threshold row th (-1: an item without a date). */
static void reminder_notice(const struct notify_item *it, int th, const char *today,
                            const char *lang, struct arena *a, struct notice *nt)
{
    int64_t left = 0;
    if (it->due_on)
        notify_days_between(today, it->due_on, &left);
    bool overdue = th >= 0 && notify_thresholds[th].days < 0;
    const char *variant = overdue ? "overdue" : it->variant ? it->variant : "";
    const struct notify_words *w = words_for(it->kind, variant, lang);
    struct fill f = {.org = it->org_name,
                     .detail = it->detail,
                     .body = it->body ? it->body : "",
                     .due = notify_date_human(it->due_on, lang, a),
                     .days = arena_printf(a, "%lld", (long long)left),
                     .count = arena_printf(a, "%lld", (long long)it->count),
                     .id = arena_printf(a, "%lld", (long long)it->record_id),
                     .text = NULL};
    if (it->obligation) {
        /* the obligations list's own sentence, with the date written for a person */
        struct obligation o = {.kind = it->kind,
                               .overdue = ledger_overdue(it->due_on, today),
                               .body = it->body,
                               .resource = it->resource,
                               .id = it->record_id,
                               .detail = it->detail};
        snprintf(o.due_on, sizeof(o.due_on), "%s", it->due_on);
        f.text = ledger_obligation_text_dated(&o, lang, f.due, a);
    }
    *nt = (struct notice){
        .kind = it->kind,
        .org_id = it->org_id,
        .resource = it->resource,
        .record_id = it->record_id,
        .due_on = it->due_on,
        .days = th >= 0 ? notify_thresholds[th].days : INT64_MIN,
        .key = arena_printf(a, "%s:%s", it->key, th >= 0 ? notify_thresholds[th].label : "now"),
        .title = w ? expand(w->subject, &f, a) : it->kind,
        .detail = w ? expand(w->line, &f, a) : NULL};
}

/* Digest lines: without a due date first, then by due date, then by id. */
static int by_urgency(const void *x, const void *y)
{
    const struct notification_row *a = x, *b = y;
    if (!a->due_on != !b->due_on)
        return a->due_on ? 1 : -1;
    int c = a->due_on ? strcmp(a->due_on, b->due_on) : 0;
    return c ? c : (a->id > b->id) - (a->id < b->id);
}

/*
 * One digest message per user with notices waiting for one, keyed by user and day. It
 * lists at most NOTIFY_DIGEST_MAX of them, the most pressing, and says how many more there
 * are with a link to the page that lists them all; every one is marked as carried by it.
 */
static int digests_tx(struct store_tx *tx, const char *today, struct arena *a,
                      struct notify_run *run)
{
    struct store_conn *c = store_tx_conn(tx);
    int64_t *users;
    size_t nusers;
    int rc = store_notification_digest_users(c, a, &users, &nusers);
    for (size_t i = 0; rc == 0 && i < nusers; i++) {
        struct notify_user u;
        struct notification_row *rows;
        size_t n;
        rc = store_notify_user(c, users[i], a, &u);
        if (rc == 0)
            rc = store_notification_digest_pending(c, u.id, a, &rows, &n);
        if (rc < 0 || n == 0)
            continue;
        /* The most pressing first: by due date (overdue ones are the earliest), notices
         * without one (act now) before them; then in the order they came. */
        qsort(rows, n, sizeof(*rows), by_urgency);
        size_t shown = n < NOTIFY_DIGEST_MAX ? n : NOTIFY_DIGEST_MAX;
        struct notice *items = arena_alloc(a, shown * sizeof(*items));
        for (size_t j = 0; j < shown; j++)
            items[j] = (struct notice){.kind = rows[j].kind,
                                       .resource = rows[j].resource,
                                       .record_id = rows[j].record_id,
                                       .title = rows[j].title,
                                       .detail = rows[j].detail};
        struct outbox_row o = {.user_id = u.id,
                               .kind = "digest",
                               .recipient = u.email,
                               .lang = u.lang,
                               .next_attempt_at = now_unix()};
        o.key = arena_printf(a, "digest:%lld:%s", (long long)u.id, today);
        o.subject = arena_printf(a, frame_for(u.lang)->digest_subject, n);
        render_bodies(&u, items, shown, true, n - shown, a, &o.body_text, &o.body_html);
        bool created;
        rc = store_outbox_insert(tx, &o, &created);
        if (rc < 0 || !created)
            continue; /* today's digest went already: these wait for tomorrow's */
        run->queued++;
        for (size_t j = 0; rc == 0 && j < n; j++)
            rc = store_notification_set_outbox(tx, rows[j].id, o.id);
    }
    return rc;
}

int notify_reminders(struct store *s, const char *today, struct notify_run *out, struct error *err)
{
    struct notify_run run = {0};
    struct arena a = ARENA_INIT;
    struct store_tx *tx;
    char until[11];
    notify_date_add(today, notify_thresholds[0].days, until);
    int rc = store_write_begin(s, &tx);
    if (rc < 0) {
        arena_release(&a);
        return error_set(err, "the database is busy; try again");
    }
    struct store_conn *c = store_tx_conn(tx);
    /* Memory: each source's items live in an arena of their own, and each item's
     * recipients and notices in a scratch arena released after it, so a pass holds one
     * source's items at a time, not every notice it writes. */
    for (size_t si = 0; rc == 0 && si < notify_sources_count; si++) {
        struct arena src = ARENA_INIT;
        struct notify_item *items;
        size_t n;
        rc = notify_sources[si].fn(c, today, until, &src, &items, &n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            int th = items[i].due_on ? notify_threshold_for(today, items[i].due_on) : -1;
            if (items[i].due_on && th < 0)
                continue;
            struct arena scratch = ARENA_INIT;
            struct notify_user *users;
            size_t nu;
            rc = store_notify_recipients(c, items[i].org_id, &scratch, &users, &nu);
            const char *key = arena_printf(&scratch, "%s:%s", items[i].key,
                                           th >= 0 ? notify_thresholds[th].label : "now");
            for (size_t u = 0; rc == 0 && u < nu; u++) {
                bool has;
                rc = store_notification_has(c, users[u].id, key, &has);
                if (rc < 0 || has)
                    continue; /* told already: no need to write the words again */
                struct notice nt;
                reminder_notice(&items[i], th, today, users[u].lang, &scratch, &nt);
                rc = notify_user_tx(tx, &users[u], &nt, &scratch, &run);
            }
            arena_release(&scratch);
        }
        arena_release(&src);
    }
    if (rc == 0)
        rc = digests_tx(tx, today, &a, &run);
    if (rc == 0 && (run.notifications || run.queued)) {
        struct store_actor actor = {.label = "notify"};
        char *after = arena_printf(&a, "{\"today\":\"%s\",\"notifications\":%lld,\"queued\":%lld}",
                                   today, (long long)run.notifications, (long long)run.queued);
        rc = store_audit(tx, &actor, "remind", "notifications", 0, NULL, after);
    }
    if (rc == 0)
        rc = store_write_commit(tx, err);
    else {
        store_write_rollback(tx);
        error_set(err, "the reminder pass failed in the database");
    }
    arena_release(&a);
    if (rc == 0 && out) {
        out->notifications += run.notifications;
        out->queued += run.queued;
    }
    return rc < 0 ? -1 : 0;
}

/* ---- delivery ----------------------------------------------------------------------- */

/* Seconds before the next attempt after `attempts` failed ones. */
static const int64_t backoff[NOTIFY_MAX_ATTEMPTS] = {
    60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600,
};

/* text with every LINK_BASE replaced by base. */
static char *with_links(const char *text, const char *base)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(LINK_BASE);
    for (const char *p = text; *p;) {
        if (!strncmp(p, LINK_BASE, n)) {
            buf_puts(&b, base);
            p += n;
        } else {
            buf_putc(&b, *p++);
        }
    }
    return buf_detach(&b);
}

/* The domain part of an address, for Message-IDs. */
static const char *domain_of(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at && at[1] ? at + 1 : "civdesk.invalid";
}

static int mark(struct store *s, const struct outbox_row *o, const char *state, int64_t attempts,
                int64_t next, const char *error, const char *sent_at)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_outbox_mark(tx, o->id, state, attempts, next, error, sent_at);
    struct error err = ERROR_INIT;
    if (rc == 0)
        return store_write_commit(tx, &err);
    store_write_rollback(tx);
    return rc;
}

int notify_deliver(struct store *s, const struct mail_config *cfg, int max, struct notify_run *out,
                   struct error *err)
{
    struct arena a = ARENA_INIT;
    struct store_conn *c = store_reader(s);
    struct outbox_row *rows;
    size_t n;
    int rc = store_read_begin(c);
    if (rc == 0) {
        rc = store_outbox_due(c, now_unix(), max, &a, &rows, &n);
        store_read_end(c);
    }
    if (rc < 0) {
        arena_release(&a);
        return error_set(err, "could not read the outbox");
    }
    const char *base = cfg->public_url ? cfg->public_url : "http://localhost:8080";
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct outbox_row *o = &rows[i];
        if (o->user_disabled) {
            rc = mark(s, o, "cancelled", o->attempts, o->next_attempt_at,
                      "the recipient's account was disabled", NULL);
            out->cancelled++;
            continue;
        }
        char *text = with_links(o->body_text, base), *html = with_links(o->body_html, base);
        char *created = arena_strdup(&a, o->created_at);
        int64_t t;
        if (datetime_parse(str_from(created), &t) < 0)
            t = now_unix();
        struct mail_message m = {.from = cfg->from,
                                 .to = o->recipient,
                                 .subject = o->subject,
                                 .text = text,
                                 .html = html,
                                 .date = now_unix(),
                                 .message_id =
                                     arena_printf(&a, "<civdesk.%lld.%lld@%s>", (long long)o->id,
                                                  (long long)t, domain_of(cfg->from))};
        struct buf msg = BUF_INIT;
        mail_build(&msg, &m);
        free(text);
        free(html);
        struct error why = ERROR_INIT;
        int sent = mail_send(cfg, o->recipient, &msg, &why);
        buf_release(&msg);
        int64_t attempts = o->attempts + 1;
        if (sent == 0) {
            char now[21];
            time_rfc3339(now_unix(), now);
            rc = mark(s, o, "sent", attempts, o->next_attempt_at, NULL, now);
            out->sent++;
        } else if (attempts >= NOTIFY_MAX_ATTEMPTS) {
            rc = mark(s, o, "failed", attempts, o->next_attempt_at, why.msg, NULL);
            out->failed++;
            log_error("mail to %s (outbox %lld) given up after %lld attempts: %s", o->recipient,
                      (long long)o->id, (long long)attempts, why.msg);
        } else {
            rc = mark(s, o, "queued", attempts, now_unix() + backoff[attempts - 1], why.msg, NULL);
            out->retried++;
            log_info("mail to %s (outbox %lld) not sent, will retry: %s", o->recipient,
                     (long long)o->id, why.msg);
            break; /* the server is likely down: the rest wait for the next round */
        }
    }
    arena_release(&a);
    if (rc < 0)
        return error_set(err, "could not record a delivery in the database");
    return 0;
}

/* ---- the caller's own --------------------------------------------------------------- */

int notify_mark_read(struct store *s, const struct principal *who, int64_t id, struct arena *a,
                     struct notification_row *out)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_notification_read(tx, who->user_id, id, a, out);
    struct error err = ERROR_INIT;
    if (rc == 0)
        return store_write_commit(tx, &err);
    store_write_rollback(tx);
    return rc;
}

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

static const char *text_field(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    return i >= 0 && !rec->v[i].null ? rec->v[i].s : NULL;
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
        note = text_field(rec, "response"); /* the answer itself */
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
            const struct notify_words *w = words_for(ev->kind, "", lang);
            bool ru = !strcmp(lang, "ru");
            struct fill f = {
                .org = org ? org : "",
                .body = text_field(rec, "body"),
                .id = arena_printf(&a, "%lld", (long long)rec->id),
                .state = state_word(to, lang),
                .title = text_field(rec, "title"),
                .note = note && *note ? arena_printf(&a, ru ? " Примечание: %s" : " Note: %s", note)
                                      : ""};
            struct notice nt = {.kind = ev->kind,
                                .org_id = orgs[o],
                                .resource = rec->res->name,
                                .record_id = rec->id,
                                .days = INT64_MIN,
                                .key = arena_printf(&a, "event:%s:%lld:v%lld", rec->res->name,
                                                    (long long)rec->id, (long long)rec->version),
                                .title = expand(w->subject, &f, &a),
                                .detail = expand(w->line, &f, &a)};
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
        const struct notify_words *w = words_for("account", what, u.lang);
        struct fill f = {.email = u.email};
        struct notice nt = {.kind = "account",
                            .days = INT64_MIN,
                            .key = arena_printf(&a, "account:%s:%lld", what, (long long)now_unix()),
                            .title = w ? expand(w->subject, &f, &a) : what,
                            .detail = w ? expand(w->line, &f, &a) : NULL};
        rc = notify_user_tx(tx, &u, &nt, &a, &run);
    }
    arena_release(&a);
    return rc;
}

/* ---- preferences -------------------------------------------------------------------- */

int notify_prefs_get(struct store *s, const struct principal *who, struct arena *a,
                     struct notify_user *out)
{
    struct store_conn *c = store_reader(s);
    int rc = store_read_begin(c);
    if (rc == 0) {
        rc = store_notify_user(c, who->user_id, a, out);
        store_read_end(c);
    }
    return rc;
}

static const char *const modes[] = {"immediate", "digest", "off", NULL};

int notify_prefs_update(struct store *s, const struct principal *who, json_t *patch,
                        struct arena *a, struct errors *errs, struct notify_user *out)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    struct notify_user old;
    rc = store_notify_user(store_tx_conn(tx), who->user_id, a, &old);
    if (rc < 0)
        goto fail;
    const char *lang = old.lang;
    json_t *kinds = json_loads(old.kinds ? old.kinds : "{}", 0, NULL);
    if (!json_is_object(kinds)) {
        json_decref(kinds);
        kinds = json_object();
    }
    const char *key;
    json_t *v;
    json_object_foreach(patch, key, v)
    {
        if (!strcmp(key, "language")) {
            if (json_is_string(v) &&
                (!strcmp(json_string_value(v), "ru") || !strcmp(json_string_value(v), "en")))
                lang = arena_strdup(a, json_string_value(v));
            else
                errors_add(errs, "language", "must be ru or en");
        } else if (!strcmp(key, "kinds")) {
            if (!json_is_object(v)) {
                errors_add(errs, "kinds", "must be an object of kind: immediate, digest or off");
                continue;
            }
            const char *kn;
            json_t *mv;
            json_object_foreach(v, kn, mv)
            {
                const struct notify_kind *k = kind_find(kn);
                const char *field = arena_printf(a, "kinds.%s", kn);
                bool known_mode = false;
                for (const char *const *m = modes; *m && json_is_string(mv); m++)
                    known_mode |= !strcmp(*m, json_string_value(mv));
                if (!k)
                    errors_add(errs, field, "is not a kind of notification");
                else if (!known_mode && !json_is_null(mv))
                    errors_add(errs, field, "must be immediate, digest or off");
                else if (k->mandatory &&
                         !(json_is_string(mv) && !strcmp(json_string_value(mv), "immediate")))
                    errors_add(errs, field, "account notices cannot be turned off or delayed");
                else if (json_is_null(mv))
                    json_object_del(kinds, kn); /* back to the default */
                else
                    json_object_set(kinds, kn, mv);
            }
        } else if (!strcmp(key, "calendar_url") || !strcmp(key, "calendar")) {
            errors_add(errs, key, "is changed with POST or DELETE /api/v1/me/calendar");
        } else {
            errors_add(errs, key, "is not a preference (language, kinds)");
        }
    }
    char *kinds_text = json_dumps(kinds, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(kinds);
    if (errs->n) {
        free(kinds_text);
        rc = -20; /* DOMAIN_INVALID */
        goto fail;
    }
    rc = store_prefs_put(tx, who->user_id, lang, kinds_text);
    if (rc == 0) {
        struct store_actor actor = principal_actor(who);
        char *after = arena_printf(a, "{\"language\":\"%s\",\"kinds\":%s}", lang, kinds_text);
        rc = store_audit(tx, &actor, "preferences", "users", who->user_id, NULL, after);
    }
    free(kinds_text);
    if (rc < 0)
        goto fail;
    struct error err = ERROR_INIT;
    rc = store_write_commit(tx, &err);
    if (rc == 0)
        rc = notify_prefs_get(s, who, a, out);
    return rc;
fail:
    store_write_rollback(tx);
    return rc;
}

/* ---- calendar subscription ---------------------------------------------------------- */

static int ics_set(struct store *s, const struct principal *who, const unsigned char *hash,
                   const char *action)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_prefs_set_ics(tx, who->user_id, hash);
    if (rc == 0) {
        struct store_actor actor = principal_actor(who);
        rc = store_audit(tx, &actor, action, "users", who->user_id, NULL, NULL);
    }
    struct error err = ERROR_INIT;
    if (rc == 0)
        return store_write_commit(tx, &err);
    store_write_rollback(tx);
    return rc;
}

int notify_ics_create(struct store *s, const struct principal *who, char key[NOTIFY_ICS_KEY_MAX])
{
    unsigned char rnd[32], hash[32];
    randombytes_buf(rnd, sizeof(rnd));
    memcpy(key, NOTIFY_ICS_KEY_PREFIX, strlen(NOTIFY_ICS_KEY_PREFIX));
    sodium_bin2hex(key + strlen(NOTIFY_ICS_KEY_PREFIX),
                   NOTIFY_ICS_KEY_MAX - strlen(NOTIFY_ICS_KEY_PREFIX), rnd, sizeof(rnd));
    sodium_memzero(rnd, sizeof(rnd));
    crypto_hash_sha256(hash, (const unsigned char *)key, strlen(key));
    return ics_set(s, who, hash, "calendar_key_create");
}

int notify_ics_revoke(struct store *s, const struct principal *who)
{
    return ics_set(s, who, NULL, "calendar_key_revoke");
}

int notify_ics_principal(struct store_conn *c, const char *key, struct arena *a,
                         struct principal *out)
{
    size_t n = key ? strlen(key) : 0, pn = strlen(NOTIFY_ICS_KEY_PREFIX);
    if (n != pn + 64 || strncmp(key, NOTIFY_ICS_KEY_PREFIX, pn) != 0)
        return STORE_NOT_FOUND;
    unsigned char hash[32];
    crypto_hash_sha256(hash, (const unsigned char *)key, n);
    struct user u;
    int rc = store_prefs_ics_user(c, hash, a, &u);
    if (rc < 0)
        return rc;
    enum role role;
    if (role_parse(u.role, &role) < 0)
        return STORE_NOT_FOUND;
    *out = (struct principal){.role = role, .user_id = u.id, .org_id = u.org_id, .email = u.email};
    return STORE_OK;
}
