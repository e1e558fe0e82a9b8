/*
 * Reminders and notifications (docs/notifications.md): the tables of thresholds and kinds,
 * the words of each message, dates as people read them, and the reminder pass with its
 * digest. The sources of reminders are in notify_sources.c; event notices in
 * notify_events.c; a user's preferences, notifications and calendar key in notify_prefs.c;
 * the delivery of the outbox and the sender thread in notify_sender.c.
 */
#define _GNU_SOURCE
#include "domain/notify.h"
#include "domain/notify_int.h"
#include "domain/ledger_obligations.h"

#include <assert.h>
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

/* The words of each message, per kind and variant ("" or "overdue"), per language. */
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

/* ---- the words ---------------------------------------------------------------------- */

/* The words row for a kind, variant and language (English when the language has none;
 * the plain variant "" when the kind has no words for this one). */
const struct notify_words *notify_words_for(const char *kind, const char *variant, const char *lang)
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
        return notify_words_for(kind, "", lang);
    return fallback;
}

/* Expands {name} placeholders of tmpl. */
const char *notify_expand(const char *tmpl, const struct notify_fill *f, struct arena *a)
{
    static const struct {
        const char *name;
        size_t off;
    } names[] = {
        {"{org}", offsetof(struct notify_fill, org)},
        {"{body}", offsetof(struct notify_fill, body)},
        {"{due}", offsetof(struct notify_fill, due)},
        {"{days}", offsetof(struct notify_fill, days)},
        {"{count}", offsetof(struct notify_fill, count)},
        {"{id}", offsetof(struct notify_fill, id)},
        {"{state}", offsetof(struct notify_fill, state)},
        {"{note}", offsetof(struct notify_fill, note)},
        {"{title}", offsetof(struct notify_fill, title)},
        {"{email}", offsetof(struct notify_fill, email)},
        {"{text}", offsetof(struct notify_fill, text)},
        {"{detail}", offsetof(struct notify_fill, detail)},
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

/* The UI's page of all a user's notifications: where a digest cut short sends the rest. */
#define NOTIFY_ALL_PAGE "/notifications"

/* The text and HTML bodies of a message listing lines (title, detail, link) for u. */
static void render_bodies(const struct notify_user *u, const struct notify_notice *items, size_t n,
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
        const struct notify_notice *it = &items[i];
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
int notify_user_tx(struct store_tx *tx, const struct notify_user *u, const struct notify_notice *nt,
                   struct arena *a, struct notify_run *run)
{
    assert(tx && u && nt && run && store_in_transaction(store_tx_conn(tx)));
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
                            const char *lang, struct arena *a, struct notify_notice *nt)
{
    assert(th >= -1 && th < (int)notify_thresholds_count); /* a row of the table, or none */
    int64_t left = 0;
    if (it->due_on)
        notify_days_between(today, it->due_on, &left);
    bool overdue = th >= 0 && notify_thresholds[th].days < 0;
    const char *variant = overdue ? "overdue" : it->variant ? it->variant : "";
    const struct notify_words *w = notify_words_for(it->kind, variant, lang);
    struct notify_fill f = {.org = it->org_name,
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
    *nt = (struct notify_notice){
        .kind = it->kind,
        .org_id = it->org_id,
        .resource = it->resource,
        .record_id = it->record_id,
        .due_on = it->due_on,
        .days = th >= 0 ? notify_thresholds[th].days : INT64_MIN,
        .key = arena_printf(a, "%s:%s", it->key, th >= 0 ? notify_thresholds[th].label : "now"),
        .title = w ? notify_expand(w->subject, &f, a) : it->kind,
        .detail = w ? notify_expand(w->line, &f, a) : NULL};
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
        struct notify_notice *items = arena_alloc(a, shown * sizeof(*items));
        for (size_t j = 0; j < shown; j++)
            items[j] = (struct notify_notice){.kind = rows[j].kind,
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
                struct notify_notice nt;
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
