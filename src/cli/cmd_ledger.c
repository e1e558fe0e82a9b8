/*
 * civdesk stats representation and civdesk import listing: the command-line faces of the
 * ledger's representation figures and listings (src/domain/ledger_stats.c). CSV is read
 * with src/io's RFC 4180 reader.
 */
#include "cli/cmd_ledger.h"
#include "core/valid.h"
#include "domain/ledger.h"
#include "domain/ledger_obligations.h"
#include "io/io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define READ_CHUNK 65536
#define NAME_WIDTH 26 /* country name column of the table, in characters */

/* Prints s in exactly `width` characters (code points): cut with "…" or padded. */
static void print_cell(const char *s, size_t width)
{
    size_t chars = 0, i = 0, n = strlen(s);
    while (i < n && chars < width) {
        size_t len = 1;
        while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80)
            len++;
        if (chars == width - 1 && utf8_length(s + i, n - i) > 1) {
            fputs("…", stdout);
            chars++;
            i = n;
            break;
        }
        fwrite(s + i, 1, len, stdout);
        i += len;
        chars++;
    }
    for (; chars < width; chars++)
        fputc(' ', stdout);
}

/* ---- stats representation ------------------------------------------------------------ */

int cmd_stats_representation(struct opts *o)
{
    if (!o->body)
        return user_error("stats representation: --body is required (such as --body ECOSOC)");
    if (o->as_of && !date_valid(str_from(o->as_of)))
        return user_error("--as-of must be a date as YYYY-MM-DD");
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct arena a = ARENA_INIT;
    struct store_conn *c = store_reader(s);
    struct rep_stats st;
    struct error msg = ERROR_INIT;
    store_read_begin(c);
    int rc = ledger_representation(c, o->body, o->as_of, &a, &st, &msg);
    store_read_end(c);
    if (rc < 0) {
        arena_release(&a);
        store_close(s);
        return user_error("%s", msg.msg);
    }
    char n1[32], n2[32], n3[32];
    printf("%s listing as of %s: %s organisations", st.body, st.as_of, cli_grouped(st.total, n1));
    if (st.prev_as_of[0])
        printf(" (%s as of %s, %s%s)", cli_grouped(st.prev_total, n2), st.prev_as_of,
               st.total >= st.prev_total ? "+" : "", cli_grouped(st.total - st.prev_total, n3));
    printf("\n");
    for (size_t k = 0; k < st.nstatuses; k++)
        printf("%s%s %s", k ? ", " : "  ", st.statuses[k], cli_grouped(st.status_totals[k], n1));
    printf("\n\n%4s  %-2s  ", "rank", "");
    print_cell("country", NAME_WIDTH);
    printf(" %7s %7s", "count", "share");
    for (size_t k = 0; k < st.nstatuses; k++)
        printf(" %8.8s", st.statuses[k]);
    if (st.prev_as_of[0])
        printf("  change since %s", st.prev_as_of);
    printf("\n");
    for (size_t i = 0; i < st.n; i++) {
        const struct rep_country *rc2 = &st.countries[i];
        const char *name = country_name(str_from(rc2->country));
        if (rc2->rank)
            printf("%4d  %-2s  ", rc2->rank, rc2->country);
        else
            printf("%4s  %-2s  ", "-", rc2->country);
        print_cell(name ? name : "", NAME_WIDTH);
        printf(" %7s %6.2f%%", cli_grouped(rc2->count, n1), rc2->share * 100);
        for (size_t k = 0; k < st.nstatuses; k++)
            printf(" %8s", cli_grouped(rc2->by_status[k], n1));
        if (st.prev_as_of[0]) {
            if (!rc2->in_previous)
                printf("  new");
            else if (rc2->count == rc2->prev_count && rc2->rank == rc2->prev_rank)
                printf("  =");
            else if (rc2->rank == rc2->prev_rank)
                printf("  %s%s (rank unchanged)", rc2->count >= rc2->prev_count ? "+" : "",
                       cli_grouped(rc2->count - rc2->prev_count, n1));
            else
                printf("  %s%s (rank %d → %s)", rc2->count >= rc2->prev_count ? "+" : "",
                       cli_grouped(rc2->count - rc2->prev_count, n1), rc2->prev_rank,
                       rc2->rank ? arena_printf(&a, "%d", rc2->rank) : "-");
        }
        printf("\n");
    }
    arena_release(&a);
    store_close(s);
    return 0;
}

/* ---- import listing ------------------------------------------------------------------ */

static const char *const listing_columns[] = {"name", "country", "status"};

struct listing_read {
    struct arena *a;
    int col[3];   /* index of name, country, status in a row */
    size_t ncols; /* cells of the header */
    struct listing_row *rows;
    size_t n, cap;
    struct error msg; /* why reading stopped */
};

static struct str trimmed(struct str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

static int header_row(struct listing_read *lr, size_t line, const struct str *cells, size_t n)
{
    for (size_t k = 0; k < ARRAY_SIZE(lr->col); k++)
        lr->col[k] = -1;
    for (size_t i = 0; i < n; i++) {
        struct str c = trimmed(cells[i]);
        int k = -1;
        for (size_t j = 0; j < ARRAY_SIZE(listing_columns); j++)
            if (c.n == strlen(listing_columns[j]) && strncasecmp(c.p, listing_columns[j], c.n) == 0)
                k = (int)j;
        if (k < 0)
            return error_set(&lr->msg,
                             "line %zu: unknown column '%.*s' (the columns are name, country, "
                             "status)",
                             line, (int)(c.n > 60 ? 60 : c.n), c.p);
        if (lr->col[k] >= 0)
            return error_set(&lr->msg, "line %zu: column %s is given twice", line,
                             listing_columns[k]);
        lr->col[k] = (int)i;
    }
    for (size_t k = 0; k < ARRAY_SIZE(listing_columns); k++)
        if (lr->col[k] < 0)
            return error_set(&lr->msg,
                             "line %zu: the header has no column %s (the columns are "
                             "name, country, status)",
                             line, listing_columns[k]);
    lr->ncols = n;
    return 0;
}

static int listing_row(void *arg, size_t line, const struct str *cells, size_t n)
{
    struct listing_read *lr = arg;
    if (!lr->ncols)
        return header_row(lr, line, cells, n) < 0 ? 1 : 0; /* non-zero stops the reader */
    if (n != lr->ncols) {
        error_set(&lr->msg, "line %zu: %zu fields where the header has %zu", line, n, lr->ncols);
        return 1;
    }
    struct listing_row *row =
        arena_push(lr->a, (void **)&lr->rows, &lr->n, &lr->cap, sizeof(*row));
    const char **dst[3] = {&row->name, &row->country, &row->status};
    for (size_t k = 0; k < ARRAY_SIZE(dst); k++) {
        struct str c = trimmed(cells[lr->col[k]]);
        *dst[k] = c.n ? arena_strndup(lr->a, c.p, c.n) : NULL;
    }
    row->line = line;
    return 0;
}

int cmd_import_listing(struct opts *o)
{
    if (!o->body)
        return user_error("import listing: --body is required (such as --body ECOSOC)");
    if (!o->as_of || !date_valid(str_from(o->as_of)))
        return user_error("import listing: --as-of is required, as YYYY-MM-DD");
    const char *path = o->args[0];
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in)
        return user_error("cannot read %s: %s", path, strerror(errno));
    struct arena a = ARENA_INIT;
    struct listing_read lr = {.a = &a, .msg = ERROR_INIT};
    struct csv_reader *rd = csv_reader_new(listing_row, &lr);
    struct error err = ERROR_INIT;
    char *chunk = arena_alloc(&a, READ_CHUNK);
    int rc = 0;
    size_t got;
    while (rc == 0 && (got = fread(chunk, 1, READ_CHUNK, in)) > 0)
        rc = csv_reader_feed(rd, chunk, got, &err);
    if (rc == 0 && ferror(in))
        rc = error_set(&err, "cannot read %s: %s", path, strerror(errno));
    if (rc == 0)
        rc = csv_reader_finish(rd, &err);
    size_t bad_line = rc < 0 ? csv_reader_error_line(rd) : 0;
    csv_reader_free(rd);
    if (in != stdin)
        fclose(in);
    if (rc > 0 || (rc == 0 && !lr.ncols)) {
        if (!lr.ncols && rc == 0)
            error_set(&lr.msg, "%s is empty: it needs a header row name,country,status", path);
        arena_release(&a);
        return user_error("%s; nothing was imported", lr.msg.msg);
    }
    if (rc < 0) {
        arena_release(&a);
        if (bad_line)
            return user_error("line %zu: %s; nothing was imported", bad_line, err.msg);
        return user_error("%s; nothing was imported", err.msg);
    }
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s)) {
        arena_release(&a);
        return EXIT_USER;
    }
    int64_t replaced = 0;
    struct error msg = ERROR_INIT;
    rc = ledger_listing_import(s, &cli_principal, o->body, o->as_of, lr.rows, lr.n, &a, &replaced,
                               &msg);
    store_close(s);
    if (rc < 0) {
        arena_release(&a);
        return user_error("%s; nothing was imported", msg.msg);
    }
    char n1[32], n2[32];
    printf("civdesk: imported %s organisations into the %s listing as of %s",
           cli_grouped((int64_t)lr.n, n1), o->body, o->as_of);
    if (replaced)
        printf(" (replacing the %s imported before)", cli_grouped(replaced, n2));
    printf("\n");
    arena_release(&a);
    return 0;
}

/* ---- obligations --------------------------------------------------------------------- */

int cmd_obligations(struct opts *o)
{
    int64_t org;
    if (!o->org)
        return user_error("obligations: --org is required (the organisation's id)");
    if (parse_i64(str_from(o->org), 1, INT64_MAX, &org) < 0)
        return user_error("--org must be an organisation's id, a positive whole number");
    if (o->as_of && !date_valid(str_from(o->as_of)))
        return user_error("--as-of must be a date as YYYY-MM-DD");
    const char *lang = ledger_obligation_lang(o->lang, NULL);
    if (!lang)
        return user_error("--lang must be en or ru");
    char today[11];
    if (o->as_of)
        snprintf(today, sizeof(today), "%s", o->as_of);
    else
        ledger_today(today);
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s))
        return EXIT_USER;
    struct arena a = ARENA_INIT;
    struct store_conn *c = store_reader(s);
    struct obligation *items;
    size_t n;
    store_read_begin(c);
    int rc = ledger_obligations(c, org, today, &a, &items, &n);
    store_read_end(c);
    if (rc < 0) {
        arena_release(&a);
        store_close(s);
        return rc == STORE_NOT_FOUND ? user_error("no organisation with id %lld", (long long)org)
                                     : user_error("the database could not answer");
    }
    for (size_t i = 0; i < n; i++)
        printf("%s  %-19s  %s%s\n", items[i].due_on, items[i].kind,
               items[i].overdue ? "OVERDUE  " : "", ledger_obligation_text(&items[i], lang, &a));
    if (n == 0)
        printf("nothing owed as of %s\n", today);
    arena_release(&a);
    store_close(s);
    return 0;
}
