/*
 * notify run: the reminder pass and the delivery of the outbox, for a systemd timer
 * (docs/notifications.md); and the e-mail settings shared with serve.
 */
#include "cli/commands.h"
#include "core/valid.h"
#include "domain/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *option_or_env(const char *opt, const char *env)
{
    if (opt)
        return opt;
    const char *v = getenv(env);
    return v && *v ? v : NULL;
}

/* The --smtp-ca file must be readable and hold at least one PEM certificate; a one-line
 * error naming the option otherwise (curl would only say so at the first delivery). */
static int check_pem(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return user_error("--smtp-ca: cannot read %s", path), -1;
    char line[256];
    bool found = false;
    for (int lines = 0; !found && lines < 100000 && fgets(line, sizeof(line), f); lines++)
        found = strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
    fclose(f);
    if (!found)
        return user_error("--smtp-ca: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                          path),
               -1;
    return 0;
}

int cli_mail_config(const struct opts *o, struct mail_config *out)
{
    *out = (struct mail_config){
        .smtp_url = option_or_env(o->smtp, "CIVDESK_SMTP_URL"),
        .from = option_or_env(o->mail_from, "CIVDESK_MAIL_FROM"),
        .credentials = option_or_env(o->smtp_credentials, "CIVDESK_SMTP_CREDENTIALS"),
        .public_url = option_or_env(NULL, "CIVDESK_PUBLIC_URL"),
        .ca_file = option_or_env(o->smtp_ca, "CIVDESK_SMTP_CA"),
    };
    if (!out->smtp_url && !out->from && !out->ca_file)
        return 0;
    if (!out->smtp_url && out->ca_file)
        return user_error("--smtp-ca needs --smtp URL (or CIVDESK_SMTP_URL)");
    if (!out->smtp_url)
        return user_error("--mail-from needs --smtp URL (or CIVDESK_SMTP_URL)");
    if (strncmp(out->smtp_url, "smtp://", 7) != 0 && strncmp(out->smtp_url, "smtps://", 8) != 0)
        return user_error("--smtp must be an smtp:// (STARTTLS) or smtps:// URL");
    if (!out->from)
        return user_error("--smtp needs --mail-from ADDRESS (or CIVDESK_MAIL_FROM)");
    if (!valid_email(str_from(out->from)))
        return user_error("--mail-from: '%s' is not an e-mail address", out->from);
    if (out->ca_file && check_pem(out->ca_file) < 0)
        return EXIT_USER;
    if (out->credentials) {
        FILE *f = fopen(out->credentials, "r");
        if (!f)
            return user_error("--smtp-credentials: cannot read %s", out->credentials);
        fclose(f);
    }
    return 0;
}

int cmd_notify_run(struct opts *o)
{
    char today[11];
    if (o->today) {
        if (!date_valid(str_from(o->today)))
            return user_error("--today must be a date, YYYY-MM-DD");
        snprintf(today, sizeof(today), "%s", o->today);
    } else {
        date_from_unix(now_unix(), today);
    }
    struct mail_config mc;
    if (cli_mail_config(o, &mc))
        return EXIT_USER;
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct notify_run run = {0};
    struct error err = ERROR_INIT;
    int rc = notify_reminders(s, today, &run, &err);
    if (rc == 0 && mc.smtp_url) {
        mail_global_init();
        /* Deliver until nothing due is left or an attempt failed (the server is down). */
        for (;;) {
            struct notify_run round = {0};
            rc = notify_deliver(s, &mc, 100, &round, &err);
            run.sent += round.sent, run.retried += round.retried;
            run.failed += round.failed, run.cancelled += round.cancelled;
            if (rc < 0 || round.retried || round.sent + round.failed + round.cancelled == 0)
                break;
        }
        mail_global_cleanup();
    }
    store_close(s);
    if (rc < 0)
        return user_error("%s", err.msg);
    printf("civdesk: reminders for %s: %lld new notifications, %lld messages queued", today,
           (long long)run.notifications, (long long)run.queued);
    if (mc.smtp_url)
        printf("; %lld sent, %lld to retry, %lld given up, %lld cancelled", (long long)run.sent,
               (long long)run.retried, (long long)run.failed, (long long)run.cancelled);
    else
        printf(" (no --smtp: nothing delivered)");
    printf("\n");
    return 0;
}

int cli_sender_start(struct store *s, const struct mail_config *mc, struct notify_sender **out)
{
    /* CIVDESK_NOTIFY_INTERVAL: seconds between delivery rounds (tests use 1). */
    int64_t interval = 60;
    const char *env = getenv("CIVDESK_NOTIFY_INTERVAL");
    if (env && parse_i64(str_from(env), 1, 86400, &interval) < 0)
        interval = 60;
    mail_global_init();
    if (notify_sender_start(s, mc, (unsigned)interval, out) < 0) {
        mail_global_cleanup();
        return -1;
    }
    return 0;
}

void cli_sender_stop(struct notify_sender *ns)
{
    if (!ns)
        return;
    notify_sender_stop(ns);
    mail_global_cleanup();
}
