/*
 * The sender thread of `civdesk serve` (docs/notifications.md): the reminder pass once a
 * day, with or without a mail server; delivery of the outbox every interval when there is
 * one (cfg->smtp_url); and the delivery itself (notify_deliver): each message sent, its
 * state recorded, a failure retried after a growing delay.
 */
#include "domain/notify.h"
#include "domain/notify_int.h"
#include "domain/domain.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct notify_sender {
    struct store *store;           /* borrowed */
    const struct mail_config *cfg; /* borrowed */
    unsigned interval_s;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;          /* guarded by lock */
    char last_pass[11]; /* the date of the last reminder pass ("" before the first) */
};

static void round_once(struct notify_sender *ns)
{
    char today[11];
    date_from_unix(now_unix(), today);
    struct error err = ERROR_INIT;
    struct notify_run run = {0};
    if (strcmp(today, ns->last_pass) != 0) {
        if (notify_reminders(ns->store, today, &run, &err) == 0) {
            memcpy(ns->last_pass, today, sizeof(today));
            if (run.notifications || run.queued)
                log_info("notify: reminders for %s: %lld notifications, %lld messages queued",
                         today, (long long)run.notifications, (long long)run.queued);
        } else {
            log_error("notify: reminder pass: %s", err.msg);
        }
    }
    /* Without a mail server the outbox waits: messages stay queued until a serve or
     * notify run with --smtp delivers them. */
    for (; ns->cfg->smtp_url;) {
        struct notify_run r = {0};
        if (notify_deliver(ns->store, ns->cfg, 50, &r, &err) < 0) {
            log_error("notify: delivery: %s", err.msg);
            break;
        }
        if (r.retried || r.sent + r.failed + r.cancelled == 0)
            break;
        pthread_mutex_lock(&ns->lock);
        bool stop = ns->stop;
        pthread_mutex_unlock(&ns->lock);
        if (stop)
            break;
    }
}

static void *run_sender(void *arg)
{
    struct notify_sender *ns = arg;
    pthread_mutex_lock(&ns->lock);
    while (!ns->stop) {
        pthread_mutex_unlock(&ns->lock);
        round_once(ns);
        pthread_mutex_lock(&ns->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ns->interval_s;
        while (!ns->stop && pthread_cond_timedwait(&ns->wake, &ns->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&ns->lock);
    return NULL;
}

int notify_sender_start(struct store *s, const struct mail_config *cfg, unsigned interval_s,
                        struct notify_sender **out)
{
    struct notify_sender *ns = calloc(1, sizeof(*ns));
    if (!ns)
        die("out of memory");
    ns->store = s;
    ns->cfg = cfg;
    ns->interval_s = interval_s ? interval_s : 60;
    pthread_mutex_init(&ns->lock, NULL);
    pthread_cond_init(&ns->wake, NULL);
    /* The thread takes no stop signal: the server's main thread waits for those. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    int rc = pthread_create(&ns->thread, NULL, run_sender, ns);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_mutex_destroy(&ns->lock);
        pthread_cond_destroy(&ns->wake);
        free(ns);
        return -1;
    }
    *out = ns;
    return 0;
}

void notify_sender_stop(struct notify_sender *ns)
{
    if (!ns)
        return;
    pthread_mutex_lock(&ns->lock);
    ns->stop = true;
    pthread_cond_signal(&ns->wake);
    pthread_mutex_unlock(&ns->lock);
    pthread_join(ns->thread, NULL);
    pthread_mutex_destroy(&ns->lock);
    pthread_cond_destroy(&ns->wake);
    free(ns);
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
    return domain_end_tx(tx, rc, &err);
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
