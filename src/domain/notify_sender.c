/*
 * The sender thread of `civdesk serve` (docs/notifications.md): the reminder pass once a
 * day, with or without a mail server; delivery of the outbox every interval when there is
 * one (cfg->smtp_url).
 */
#include "domain/notify.h"

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
    bool stop; /* guarded by lock */
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
