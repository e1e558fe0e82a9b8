/*
 * The command line: a table of subcommands, each with its options and --help. Exit
 * status: 0 success, 1 a user error (one line on stderr), 2 a usage error.
 */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/commands.h"
#include "store/access.h"
#include "store/cluster.h"
#include "cli/cmd_ledger.h"
#include "core/valid.h"
#include "domain/domain.h"
#include "http/http.h"
#include "io/mail.h"
#include "domain/notify.h"
#include "domain/users.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int user_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("civdesk: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USER;
}

const char *cli_grouped(int64_t n, char out[32])
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%lld", (long long)(n < 0 ? -n : n));
    size_t o = 0;
    if (n < 0)
        out[o++] = '-';
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

const struct principal cli_principal = {.role = ROLE_ADMIN, .email = "cli"};

int cli_open_db(const struct opts *o, enum store_open_mode mode, struct store **s)
{
    struct error err = ERROR_INIT;
    /* One process migrates: another init on the same PostgreSQL database waits for it,
     * then finds the schema current (store/cluster.h). */
    struct db_conn *lock = NULL;
    if (mode == STORE_OPEN_INIT && store_migration_lock(o->db, &lock, &err) < 0)
        return user_error("%s", err.msg);
    int rc = store_open(s, o->db, mode, &err);
    store_migration_unlock(lock);
    if (rc < 0)
        return user_error("%s", err.msg);
    return 0;
}

/* ---- init, serve, demo -------------------------------------------------------------- */

static int cmd_init(struct opts *o)
{
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_INIT, &s))
        return EXIT_USER;
    printf("civdesk: %s is ready (schema version %d)\n", o->db, store_schema_version(s));
    store_close(s);
    return 0;
}

static int cmd_serve(struct opts *o)
{
    struct store *s;
    struct server_config cfg = {.listen = o->listen ? o->listen : "127.0.0.1:8080",
                                .announce = stdout, .trust_proxy = o->trust_proxy,
                                .metrics_listen = o->metrics_listen};
    if (o->threads) {
        int64_t n;
        if (parse_i64(str_from(o->threads), 1, 256, &n) < 0)
            return user_error("--threads must be a number from 1 to 256"), EXIT_USAGE;
        cfg.threads = (unsigned)n;
    }
    int64_t wait_s = STORE_SCHEMA_WAIT_DEFAULT;
    if (o->wait_schema && parse_i64(str_from(o->wait_schema), 0, STORE_SCHEMA_WAIT_MAX, &wait_s) < 0)
        return user_error("--wait-schema must be a number of seconds from 0 to %d",
                          STORE_SCHEMA_WAIT_MAX),
               EXIT_USAGE;
    struct mail_config mc;
    if (cli_mail_config(o, &mc))
        return EXIT_USER;
    struct error werr = ERROR_INIT;
    if (store_schema_wait(o->db, (int)wait_s, &werr) < 0) /* PostgreSQL: another may migrate */
        return user_error("%s", werr.msg);
    if (cli_open_db(o, STORE_OPEN_SERVE, &s))
        return EXIT_USER;
    struct error err = ERROR_INIT;
    /* The daily reminder pass always runs (in-app notices need no mail server); with
     * --smtp the same thread also delivers the outbox (docs/notifications.md). */
    struct notify_sender *sender = NULL;
    if (cli_sender_start(s, &mc, &sender) < 0) {
        store_close(s);
        return user_error("could not start the reminder and e-mail thread");
    }
    int rc = http_serve(s, &cfg, &err);
    cli_sender_stop(sender);
    store_close(s);
    if (rc < 0)
        return user_error("%s", err.msg);
    return 0;
}

static int cmd_demo(struct opts *o)
{
    struct stat st;
    if (stat(o->db, &st) == 0)
        return user_error("%s already exists; demo creates a new database (give another --db)",
                          o->db);
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_INIT, &s))
        return EXIT_USER;
    struct error err = ERROR_INIT;
    char *login = NULL;
    if (asprintf(&login, "%s.login", o->db) < 0)
        die("out of memory");
    int rc = demo_populate(s, login, &err);
    free(login);
    store_close(s);
    if (rc < 0)
        return user_error("demo: %s", err.msg);
    return 0;
}

/* ---- users and tokens --------------------------------------------------------------- */

/* One line from stdin (not a terminal) or a prompt without echo (a terminal). */
static int read_password(char *out, size_t cap)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, noecho;
    if (tty) {
        fputs("Password: ", stderr);
        fflush(stderr);
        tcgetattr(STDIN_FILENO, &old);
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
    }
    bool ok = fgets(out, (int)cap, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!ok)
        return -1;
    size_t n = strlen(out);
    if (n == cap - 1 && out[n - 1] != '\n')
        return -2; /* longer than we accept: refuse rather than truncate */
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

/* The option a field of a user comes from, for messages. */
static const char *user_option(const char *field)
{
    static const struct {
        const char *field, *option;
    } names[] = {{"email", "--email"}, {"name", "--name"}, {"role", "--role"},
                 {"organisation_id", "--org"}};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcmp(names[i].field, field))
            return names[i].option;
    return NULL;
}

/* One line on stderr for a failed users_* call; exit status 1. */
static int user_failed(int rc, const struct errors *errs, const struct error *err,
                       const char *what)
{
    if (rc == DOMAIN_INVALID && errs->n) {
        const char *opt = user_option(errs->items[0].field);
        if (opt)
            return user_error("%s: %s", opt, errs->items[0].message);
        return user_error("%s", errs->items[0].message); /* the password: says so itself */
    }
    if (rc == USERS_BUSY)
        return user_error("too many passwords are being checked right now: try again");
    return user_error("%s", err->msg[0] ? err->msg : what);
}

static int cmd_user_add(struct opts *o)
{
    if (!o->email || !o->role)
        return user_error("user add needs --email and --role"), EXIT_USAGE;
    enum role role;
    if (role_parse(o->role, &role) < 0)
        return user_error("--role must be admin, officer or ngo"), EXIT_USAGE;
    int64_t org = 0;
    if (o->org && parse_i64(str_from(o->org), 1, INT64_MAX, &org) < 0)
        return user_error("--org must be an organisation id"), EXIT_USAGE;

    struct arena a = ARENA_INIT;
    struct errors errs;
    errors_init(&errs, &a);
    struct error err = ERROR_INIT;
    struct user_change ch = {.email = o->email, .has_name = o->name != NULL, .name = o->name,
                             .has_role = true, .role = o->role, .has_org = true,
                             .org_id = org, .has_password = true};
    int rc = users_check_new(&ch, &errs); /* before the prompt: say what is wrong at once */
    if (rc < 0) {
        rc = user_failed(rc, &errs, &err, "could not add the user");
        arena_release(&a);
        return rc;
    }
    char pw[LIMIT_PASSWORD_MAX + 2];
    int prc = read_password(pw, sizeof(pw));
    if (prc < 0) {
        sodium_memzero(pw, sizeof(pw)); /* a refused line may still hold most of one */
        arena_release(&a);
        if (prc == -2)
            return user_error("the password is longer than %d bytes", LIMIT_PASSWORD_MAX);
        return user_error("no password given on standard input");
    }
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s)) {
        sodium_memzero(pw, sizeof(pw));
        arena_release(&a);
        return EXIT_USER;
    }
    ch.password = pw;
    int64_t id = 0;
    rc = users_create(s, &cli_principal, &ch, &a, &errs, &err, &id);
    sodium_memzero(pw, sizeof(pw));
    store_close(s);
    if (rc < 0)
        rc = user_failed(rc, &errs, &err, "could not add the user");
    else
        printf("civdesk: user %s (%s) added with id %lld\n", o->email, o->role, (long long)id);
    arena_release(&a);
    return rc;
}

static void print_user(void *arg, const struct user *u)
{
    printf("%-6lld %-40s %-8s %-6s %s\n", (long long)u->id, u->email, u->role,
           u->org_id ? arena_printf(arg, "%lld", (long long)u->org_id) : "-",
           u->disabled ? "disabled" : "active");
}

static int cmd_user_list(struct opts *o)
{
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct arena a = ARENA_INIT;
    printf("%-6s %-40s %-8s %-6s %s\n", "ID", "EMAIL", "ROLE", "ORG", "STATE");
    int rc = store_user_each(store_reader(s), &a, print_user, &a);
    arena_release(&a);
    store_close(s);
    return rc < 0 ? user_error("could not read users") : 0;
}

static int cmd_user_disable(struct opts *o)
{
    if (!o->email)
        return user_error("user disable needs --email"), EXIT_USAGE;
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct arena a = ARENA_INIT;
    struct error err = ERROR_INIT;
    int rc = users_disable(s, &cli_principal, o->email, &a, &err);
    arena_release(&a);
    store_close(s);
    if (rc < 0)
        return user_error("%s", err.msg[0] ? err.msg : "could not disable the user");
    printf("civdesk: %s disabled; their tokens and sessions no longer work\n", o->email);
    return 0;
}

/* A number of days from an option; 0 when not given. */
static int days_option(const char *v, const char *name, int64_t *out)
{
    *out = 0;
    if (v && parse_i64(str_from(v), 1, 3650, out) < 0)
        return user_error("--%s must be a number of days from 1 to 3650", name);
    return 0;
}

static int cmd_token_create(struct opts *o)
{
    if (!o->email)
        return user_error("token create needs --email"), EXIT_USAGE;
    int64_t days;
    if (days_option(o->days, "days", &days))
        return EXIT_USAGE;
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct error err = ERROR_INIT;
    char text[TOKEN_TEXT_MAX], expires[21];
    int rc = token_issue(s, &cli_principal, o->email, o->label, days, text, expires, &err);
    store_close(s);
    if (rc < 0)
        return user_error("%s", err.msg[0] ? err.msg : "could not create the token");
    printf("%s\n", text);
    sodium_memzero(text, sizeof(text));
    return 0;
}

static int cmd_token_list(struct opts *o)
{
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct arena a = ARENA_INIT;
    int64_t user_id = 0;
    int rc = 0;
    if (o->email) {
        struct user u = {0};
        rc = store_user_by_email(store_reader(s), o->email, &a, &u);
        if (rc == STORE_NOT_FOUND)
            user_error("no user with e-mail %s", o->email);
        user_id = u.id;
    }
    struct token_row *rows = NULL;
    size_t n = 0;
    if (rc == 0 && store_token_list(store_reader(s), user_id, &a, &rows, &n) < 0)
        rc = user_error("could not read the tokens");
    if (rc == 0) {
        printf("%-6s %-32s %-20s %-20s %-20s %s\n", "id", "user", "name", "expires", "last used",
               "created");
        for (size_t i = 0; i < n; i++)
            printf("%-6lld %-32s %-20s %-20s %-20s %s\n", (long long)rows[i].id, rows[i].email,
                   rows[i].label ? rows[i].label : "-",
                   rows[i].expires_at ? rows[i].expires_at : "never",
                   rows[i].last_used_at ? rows[i].last_used_at : "never", rows[i].created_at);
    }
    arena_release(&a);
    store_close(s);
    return rc < 0 ? EXIT_USER : 0;
}

static int cmd_token_revoke(struct opts *o)
{
    int64_t id;
    if (parse_i64(str_from(o->args[0]), 1, INT64_MAX, &id) < 0)
        return user_error("token revoke: '%s' is not a token id (see civdesk token list)",
                          o->args[0]),
               EXIT_USAGE;
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct error err = ERROR_INIT;
    int rc = token_revoke(s, &cli_principal, id, &err);
    store_close(s);
    if (rc < 0)
        return user_error("%s", err.msg[0] ? err.msg : "could not revoke the token");
    printf("civdesk: token %lld revoked\n", (long long)id);
    return 0;
}

static int cmd_token_policy(struct opts *o)
{
    int64_t days, max;
    if (days_option(o->days, "days", &days) || days_option(o->max_days, "max-days", &max))
        return EXIT_USAGE;
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    int64_t cur_days = 0, cur_max = 0;
    int rc = store_token_policy(store_reader(s), &cur_days, &cur_max);
    struct error err = ERROR_INIT;
    if (rc == 0 && (days || max)) {
        rc = token_policy_set(s, &cli_principal, days ? days : cur_days, max ? max : cur_max,
                              &err);
        if (rc == 0)
            rc = store_token_policy(store_reader(s), &cur_days, &cur_max);
    }
    store_close(s);
    if (rc < 0)
        return user_error("%s", err.msg[0] ? err.msg : "could not read the token policy");
    printf("civdesk: new tokens live %lld days unless asked for less; at most %lld days\n",
           (long long)cur_days, (long long)cur_max);
    return 0;
}

/* ---- the table ---------------------------------------------------------------------- */

static const struct command commands[] = {
    {"init", "[--db PATH]", "Create the database, or migrate it to this version's schema.", "",
     cmd_init, 0, 0},
    {"serve",
     "[--db PATH] [--listen HOST:PORT] [--threads N] [--trust-proxy] [--metrics-listen HOST:PORT] "
     "[--smtp URL --mail-from ADDRESS [--smtp-credentials FILE] [--smtp-ca FILE]] "
     "[--wait-schema SECONDS]",
     "Serve the API and the web UI until Ctrl-C or SIGTERM (default 127.0.0.1:8080). "
     "--trust-proxy: behind a reverse proxy that terminates TLS; its X-Forwarded-Proto, "
     "-Host and -For are believed (secure cookies, HSTS; docs/security.md). "
     "--metrics-listen: also serve GET /metrics, to anyone, on that address (on the main "
     "address it needs an administrator's token). A thread runs the reminder pass each day "
     "(in-app notices); with --smtp it also delivers reminders and notices by e-mail "
     "(docs/notifications.md). On PostgreSQL, a schema older than this civdesk's is waited "
     "for (another server's `civdesk init` migrating it) up to --wait-schema seconds "
     "(default 300), then refused; on SQLite it is refused at once.",
     "listen threads trust-proxy metrics-listen smtp mail-from smtp-credentials smtp-ca "
     "wait-schema",
     cmd_serve, 0, 0},
    {"demo", "[--db PATH]",
     "Create a new database full of realistic sample data and print an admin login.", "",
     cmd_demo, 0, 0},
    {"user add", "--email E --role admin|officer|ngo [--org ID] [--name N] [--db PATH]",
     "Add a user. The password is read from standard input (one line) when it is not a "
     "terminal, and prompted for otherwise.",
     "email role org name", cmd_user_add, 0, 0},
    {"user list", "[--db PATH]", "List the users.", "", cmd_user_list, 0, 0},
    {"user disable", "--email E [--db PATH]",
     "Disable a user: their sessions and tokens stop working at once.", "email",
     cmd_user_disable, 0, 0},
    {"token create", "--email E [--label NAME] [--days N] [--db PATH]",
     "Create an API token for a user and print it (and nothing else) on standard output. "
     "It expires after N days (default and maximum: civdesk token policy); a change of the "
     "user's role, organisation or password revokes it.",
     "email label days", cmd_token_create, 0, 0},
    {"token list", "[--email E] [--db PATH]",
     "List API tokens (everyone's, or one user's): id, user, name, expiry, last use. Never "
     "the token itself.",
     "email", cmd_token_list, 0, 0},
    {"token revoke", "ID [--db PATH]", "Revoke an API token by its id (see token list).", "",
     cmd_token_revoke, 1, 0},
    {"token policy", "[--days N] [--max-days M] [--db PATH]",
     "Show, or set, how long new API tokens live by default (N days) and at most (M days).",
     "days max-days", cmd_token_policy, 0, 0},
    {"stats representation", "--body B [--as-of DATE] [--db PATH]",
     "Representation at a body from its newest listing (or the one of --as-of): count, "
     "share and rank per country, per status, and the change since the listing before.",
     "body as-of", cmd_stats_representation, 0, 0},
    {"obligations", "--org ID [--as-of DATE] [--lang en|ru] [--db PATH]",
     "What an organisation owes and by when, as judged on DATE (default today): reports, "
     "expected suspension or withdrawal, questions, filing deadlines, statements (issue 14).",
     "org as-of lang", cmd_obligations, 0, 0},
    {"import listing", "--body B --as-of DATE FILE.csv [--db PATH]",
     "Replace the listing of every organisation in status at body B on DATE with FILE "
     "(columns name,country,status): all rows or none; an error names the line and field.",
     "body as-of", cmd_import_listing, 1, 0},
    {"backup", "FILE [--db PATH]",
     "Copy the database, consistently, to FILE while the server keeps running. Restore by "
     "stopping the server and putting FILE in place of the database (docs/operations.md).",
     "", cmd_backup, 1, 0},
    {"copy", "--from DB --to DB",
     "Copy a whole database to another store (SQLite file or postgresql:// URI, either "
     "way): every table with its ids, versions and audit trail, in one transaction. The "
     "target must be empty (new, or just made by `civdesk init`); the source must be at "
     "this civdesk's schema version. Ends with the rows of each table on both sides and "
     "both audit heads (docs/operations.md). --db is not used.",
     "from to", cmd_copy, 0, 0},
    {"check", "[--db PATH]", "Check the integrity of the database and of the audit trail's hash chain; exit 1 naming the first bad entry.", "", cmd_check, 0, 0},
    {"import",
     "KIND FILE [--skip-invalid REJECTS] [--on-duplicate error|skip|update] "
     "[--format csv|json] [--body B] [--as-of DATE] [--db PATH]",
     "Import a CSV (or JSON) file of KIND (organisations, people, ...): every row or none; "
     "errors name line and field (docs/import-export.md).",
     "format skip-invalid on-duplicate body as-of", cmd_import, 2, 0},
    {"export",
     "KIND [--format csv|json|xlsx] [-o FILE] [--filter FIELD=VALUE]... [--labels [--lang "
     "en|ru]] [--db PATH]",
     "Export the records of KIND, all or those the filters select, as CSV, JSON or XLSX (to "
     "standard output without -o). --labels heads a CSV's columns with the words the web UI "
     "uses, in English or (--lang ru) Russian, for a person to read; without it the header "
     "is the field names, which import reads back.",
     "format output filter labels lang", cmd_export, 1, 0},
    {"search", "QUERY [--types T,T] [--lang L] [--limit N] [--reindex] [--db PATH]", "Search every record: words (all must match, in any form or script), \"phrases\", prefix* (docs/search.md).", "types lang limit reindex", cmd_search, 0, 1},
    {"reindex", "[--db PATH]", "Rebuild the search index from the records.", "", cmd_reindex, 0, 0},
    {"notify run",
     "[--today DATE] [--smtp URL --mail-from ADDRESS [--smtp-credentials FILE] [--smtp-ca FILE]] "
     "[--db PATH]",
     "Compute the reminders due today (or as if today were DATE) into the notifications and "
     "the outbox, then deliver the outbox by e-mail (docs/notifications.md). Running it "
     "again sends nothing twice.",
     "today smtp mail-from smtp-credentials smtp-ca", cmd_notify_run, 0, 0},
};

/* Commands that check or accept passwords, or check an installation: they refuse to start
 * without libpwquality's dictionary rather than call every password weak. */
static const char *const needs_password_dictionary[] = {"serve", "demo", "user add", "check"};

static void usage(FILE *f)
{
    fprintf(f, "usage: civdesk COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].usage);
    fprintf(f, "\nEvery command takes --db PATH|URI (or CIVDESK_DB; default ./civdesk.db; a "
               "postgresql:// URI selects PostgreSQL) and --help.\nExit status: 0 success, 1 "
               "error, 2 usage error.\n");
}

static void command_help(const struct command *c, FILE *f)
{
    fprintf(f, "usage: civdesk %s %s\n\n%s\n", c->name, c->usage, c->help);
}

/* Matches "user add" against argv; returns how many words it took, 0 if none. */
static int match_command(const struct command *c, int argc, char **argv)
{
    const char *space = strchr(c->name, ' ');
    if (!space)
        return strcmp(argv[0], c->name) == 0 ? 1 : 0;
    size_t n = (size_t)(space - c->name);
    if (strlen(argv[0]) != n || strncmp(argv[0], c->name, n) != 0)
        return 0;
    return argc > 1 && strcmp(argv[1], space + 1) == 0 ? 2 : 0;
}

static bool takes(const struct command *c, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = c->flags; (p = strstr(p, flag)); p += n)
        if ((p == c->flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

int cli_main(int argc, char **argv)
{
    if (auth_init() < 0)
        die("libsodium failed to initialise");
    const char *fake = getenv("CIVDESK_TEST_CLOCK_OFFSET");
    int64_t offset;
    if (fake && parse_i64(str_from(fake), -(1LL << 40), 1LL << 40, &offset) == 0)
        core_set_clock_offset(offset);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    const struct command *cmd = NULL;
    int words = 0;
    for (size_t i = 0; i < ARRAY_SIZE(commands) && !cmd; i++)
        if ((words = match_command(&commands[i], argc - 1, argv + 1)))
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "civdesk: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    struct opts o = {.db = getenv("CIVDESK_DB")};
    if (!o.db || !*o.db)
        o.db = "civdesk.db";
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},        {"listen", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'},   {"email", required_argument, 0, 'e'},
        {"role", required_argument, 0, 'r'},      {"org", required_argument, 0, 'G'},
        {"name", required_argument, 0, 'n'},      {"label", required_argument, 0, 'L'},
        {"format", required_argument, 0, 'f'},    {"output", required_argument, 0, 'O'},
        {"body", required_argument, 0, 'b'},      {"as-of", required_argument, 0, 'a'},
        {"skip-invalid", required_argument, 0, 's'},
        {"on-duplicate", required_argument, 0, 'u'},
        {"filter", required_argument, 0, 'F'},    {"limit", required_argument, 0, 'm'},
        {"lang", required_argument, 0, 'g'},      {"types", required_argument, 0, 'y'},
        {"reindex", no_argument, 0, 'R'},         {"help", no_argument, 0, 'h'},
        {"labels", no_argument, 0, 'H'},
        {"trust-proxy", no_argument, 0, 'P'},
        {"today", required_argument, 0, 'T'},     {"smtp", required_argument, 0, 'S'},
        {"mail-from", required_argument, 0, 'M'},
        {"smtp-credentials", required_argument, 0, 'C'},
        {"smtp-ca", required_argument, 0, 'K'},
        {"metrics-listen", required_argument, 0, 'W'},
        {"days", required_argument, 0, 'D'},      {"max-days", required_argument, 0, 'X'},
        {"from", required_argument, 0, 'Q'},      {"to", required_argument, 0, 'U'},
        {"wait-schema", required_argument, 0, 'V'},
        {0, 0, 0, 0}};
    int cargc = argc - words;
    char **cargv = argv + words;
    optind = 1;
    opterr = 0;
    int ch, idx = 0;
    while ((ch = getopt_long(cargc, cargv, "ho:", longopts, &idx)) != -1) {
        if (ch == 'h') {
            command_help(cmd, stdout);
            return 0;
        }
        if (ch == '?' || ch == ':') {
            fprintf(stderr, "civdesk %s: unknown or incomplete option '%s'\n", cmd->name,
                    cargv[optind - 1]);
            command_help(cmd, stderr);
            return EXIT_USAGE;
        }
        const char *name = ch == 'o' ? "output" : NULL;
        for (size_t i = 0; longopts[i].name && !name; i++)
            if (longopts[i].val == ch)
                name = longopts[i].name;
        if (ch != 'd' && !takes(cmd, name)) {
            fprintf(stderr, "civdesk %s: does not take --%s\n", cmd->name, name);
            command_help(cmd, stderr);
            return EXIT_USAGE;
        }
        switch (ch) {
        case 'd': o.db = optarg; break;
        case 'l': o.listen = optarg; break;
        case 'W': o.metrics_listen = optarg; break;
        case 'D': o.days = optarg; break;
        case 'X': o.max_days = optarg; break;
        case 'Q': o.from = optarg; break;
        case 'U': o.to = optarg; break;
        case 'V': o.wait_schema = optarg; break;
        case 't': o.threads = optarg; break;
        case 'e': o.email = optarg; break;
        case 'r': o.role = optarg; break;
        case 'G': o.org = optarg; break;
        case 'n': o.name = optarg; break;
        case 'L': o.label = optarg; break;
        case 'f': o.format = optarg; break;
        case 'o': /* -o FILE is --output FILE */
        case 'O': o.output = optarg; break;
        case 'b': o.body = optarg; break;
        case 'a': o.as_of = optarg; break;
        case 's': o.skip_invalid = optarg; break;
        case 'u': o.on_duplicate = optarg; break;
        case 'F':
            if (o.nfilters < ARRAY_SIZE(o.filters))
                o.filters[o.nfilters++] = optarg;
            break;
        case 'm': o.limit = optarg; break;
        case 'g': o.lang = optarg; break;
        case 'y': o.types = optarg; break;
        case 'R': o.reindex = true; break;
        case 'H': o.labels = true; break;
        case 'P': o.trust_proxy = true; break;
        case 'T': o.today = optarg; break;
        case 'S': o.smtp = optarg; break;
        case 'M': o.mail_from = optarg; break;
        case 'C': o.smtp_credentials = optarg; break;
        case 'K': o.smtp_ca = optarg; break;
        }
    }
    o.nargs = cargc - optind;
    o.args = cargv + optind;
    if (o.nargs < cmd->nargs || o.nargs > cmd->nargs + cmd->optional_args) {
        fprintf(stderr, "civdesk %s: expected %d argument(s), got %d\n", cmd->name, cmd->nargs,
                o.nargs);
        command_help(cmd, stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < ARRAY_SIZE(needs_password_dictionary); i++) {
        struct error err = ERROR_INIT;
        if (!strcmp(cmd->name, needs_password_dictionary[i]) && password_dictionary_ready(&err))
            return user_error("%s", err.msg);
    }
    return cmd->run(&o);
}
