/*
 * What every command implementation shares. Commands live in src/cli/cmd_*.c (and
 * cli.c for the foundation's own); each is one line in the commands[] table of cli.c.
 */
#ifndef CIVDESK_COMMANDS_H
#define CIVDESK_COMMANDS_H

#include "auth/auth.h"
#include "store/store.h"

#include <stdbool.h>

#define EXIT_USER 1  /* a user error: one line on stderr */
#define EXIT_USAGE 2 /* wrong options or arguments */

/* Every option any command takes; those a command does not use stay NULL / false. */
struct opts {
    const char *db;
    const char *listen;
    const char *threads;
    const char *email;
    const char *role;
    const char *org;
    const char *name;
    const char *label;
    const char *format;       /* export: csv | json | xlsx */
    const char *output;       /* -o / --output FILE */
    const char *body;         /* --body ECOSOC */
    const char *as_of;        /* --as-of YYYY-MM-DD */
    const char *skip_invalid; /* --skip-invalid REJECTS.csv */
    const char *on_duplicate; /* skip | update | error */
    const char *filters[16];  /* --filter field=value, repeatable */
    size_t nfilters;
    const char *limit;
    const char *lang;
    const char *types;
    bool reindex;
    bool labels;              /* export --labels: the UI's column names (--lang en|ru) */
    bool trust_proxy;         /* serve --trust-proxy */
    const char *today;        /* notify run --today YYYY-MM-DD */
    const char *smtp;         /* --smtp URL (or CIVDESK_SMTP_URL) */
    const char *mail_from;    /* --mail-from ADDRESS (or CIVDESK_MAIL_FROM) */
    const char *smtp_credentials; /* --smtp-credentials FILE (or CIVDESK_SMTP_CREDENTIALS) */
    const char *smtp_ca;          /* --smtp-ca FILE (or CIVDESK_SMTP_CA): the relay's CA, PEM */
    const char *metrics_listen; /* serve --metrics-listen HOST:PORT */
    const char *days;           /* token create / policy --days N */
    const char *max_days;       /* token policy --max-days N */
    const char *from;           /* copy --from DB */
    const char *to;             /* copy --to DB */
    const char *wait_schema;    /* serve --wait-schema SECONDS */
    int nargs; /* positional arguments after the options */
    char **args;
};

struct command {
    const char *name;  /* "user add" */
    const char *usage; /* after the name */
    const char *help;  /* what it does */
    const char *flags; /* long options it takes besides --db and --help, space-separated */
    int (*run)(struct opts *o);
    int nargs;         /* positional arguments required */
    int optional_args; /* further positional arguments allowed */
};

/* The CLI acts as this principal (audit label "cli"). */
extern const struct principal cli_principal;

/* Prints "civdesk: <message>" on stderr; returns EXIT_USER. */
int user_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* n with its thousands grouped, into out: 1234567 → "1,234,567" (-1234 → "-1,234"). */
const char *cli_grouped(int64_t n, char out[32]);
/* Opens --db; on failure prints the reason and returns non-zero. */
int cli_open_db(const struct opts *o, enum store_open_mode mode, struct store **s);

/* Commands implemented outside cli.c. */
int cmd_backup(struct opts *o);
int cmd_check(struct opts *o); /* cmd_check.c */
int cmd_import(struct opts *o); /* cmd_io.c */
int cmd_export(struct opts *o); /* cmd_io.c */
int cmd_search(struct opts *o); /* cmd_search.c */
int cmd_reindex(struct opts *o); /* cmd_search.c */
int cmd_notify_run(struct opts *o); /* cmd_notify.c */
int cmd_copy(struct opts *o); /* cmd_copy.c */
/* The e-mail settings of serve and notify run from options and environment; negative
 * (message printed) when they are incomplete or invalid. cmd_notify.c */
struct mail_config;
int cli_mail_config(const struct opts *o, struct mail_config *out);
/* serve's sender thread: started when e-mail is configured, stopped after the server. */
struct notify_sender;
int cli_sender_start(struct store *s, const struct mail_config *mc, struct notify_sender **out);
void cli_sender_stop(struct notify_sender *ns); /* NULL is fine */

#endif
