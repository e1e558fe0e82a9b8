/*
 * civdesk import / export: files in and out of any declared resource (src/io does the
 * work; this file handles options, files, progress on the terminal and the report).
 */
#define _GNU_SOURCE
#include "cli/commands.h"
#include "domain/domain.h"
#include "io/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLAIN_PROGRESS_ROWS 10000 /* rows between progress lines when stderr is no terminal */
#define BAR_WIDTH           24
#define COPY_CHUNK          65536

/* "organisations", or a singular such as "listing"; NULL with a message listing kinds. */
static const struct resource *find_kind(const char *kind)
{
    const struct resource *res = resource_find(str_from(kind));
    for (size_t i = 0; !res && i < resource_count; i++)
        if (!strcmp(resource_all[i]->singular, kind))
            res = resource_all[i];
    if (res)
        return res;
    fprintf(stderr, "civdesk: unknown kind '%s'; kinds:", kind);
    for (size_t i = 0; i < resource_count; i++)
        fprintf(stderr, "%s %s", i ? "," : "", resource_all[i]->name);
    fputc('\n', stderr);
    return NULL;
}

/* ---- progress ----------------------------------------------------------------------- */

struct progress {
    bool tty;         /* stderr is a terminal: one redrawn line */
    double last_draw; /* seconds, when the bar was last drawn */
    size_t next_line; /* rows at which the next plain line is due */
    bool drawn;
    bool indexing_shown;                /* a plain line about indexing was printed */
    int64_t next_indexed, last_indexed; /* records indexed: next plain line, last shown */
};

/* The second part of a large import: the records created, indexed for search. */
static void show_indexing(struct progress *pr, const struct io_progress *p)
{
    char done[32], total[32];
    double frac = p->to_index > 0 ? (double)p->indexed / (double)p->to_index : 1;
    if (pr->tty) {
        if (p->seconds - pr->last_draw < 0.1 && pr->drawn && p->indexed < p->to_index)
            return;
        pr->last_draw = p->seconds;
        pr->drawn = true;
        fputs("\r\033[K", stderr);
        int fill = (int)(frac * BAR_WIDTH);
        fprintf(stderr, "%3d%% [", (int)(frac * 100));
        for (int i = 0; i < BAR_WIDTH; i++)
            fputc(i < fill ? '#' : ' ', stderr);
        fprintf(stderr, "] indexing for search: %s of %s records",
                cli_grouped(p->indexed, done), cli_grouped(p->to_index, total));
        fflush(stderr);
        return;
    }
    if (pr->indexing_shown && (p->indexed == pr->last_indexed ||
                               (p->indexed < pr->next_indexed && p->indexed < p->to_index)))
        return;
    pr->indexing_shown = true;
    pr->last_indexed = p->indexed;
    pr->next_indexed = (p->indexed / PLAIN_PROGRESS_ROWS + 1) * PLAIN_PROGRESS_ROWS;
    fprintf(stderr, "civdesk: import: indexing for search: %s of %s records (%d%%)\n",
            cli_grouped(p->indexed, done), cli_grouped(p->to_index, total),
            (int)(frac * 100));
}

static void show_progress(void *arg, const struct io_progress *p)
{
    struct progress *pr = arg;
    if (p->to_index > 0) {
        show_indexing(pr, p);
        return;
    }
    char rows[32];
    double rate = p->seconds > 0 ? (double)p->rows / p->seconds : 0;
    double frac = p->total_bytes > 0 ? (double)p->bytes / (double)p->total_bytes : -1;
    if (frac > 1)
        frac = 1;
    if (pr->tty) {
        if (p->seconds - pr->last_draw < 0.1 && pr->drawn)
            return;
        pr->last_draw = p->seconds;
        pr->drawn = true;
        fputs("\r\033[K", stderr);
        if (frac >= 0) {
            int fill = (int)(frac * BAR_WIDTH);
            fprintf(stderr, "%3d%% [", (int)(frac * 100));
            for (int i = 0; i < BAR_WIDTH; i++)
                fputc(i < fill ? '#' : ' ', stderr);
            fputs("] ", stderr);
        }
        fprintf(stderr, "%s rows  %.0f rows/s", cli_grouped(p->rows, rows), rate);
        if (frac > 0.01 && frac < 1) {
            int eta = (int)(p->seconds * (1 - frac) / frac + 0.5);
            fprintf(stderr, "  ETA %d:%02d", eta / 60, eta % 60);
        }
        fflush(stderr);
        return;
    }
    if (p->rows < pr->next_line)
        return;
    pr->next_line = (p->rows / PLAIN_PROGRESS_ROWS + 1) * PLAIN_PROGRESS_ROWS;
    fprintf(stderr, "civdesk: import: %s rows read", cli_grouped(p->rows, rows));
    if (frac >= 0)
        fprintf(stderr, " (%d%%)", (int)(frac * 100));
    fprintf(stderr, ", %.0f rows/s\n", rate);
}

static void end_progress(struct progress *pr)
{
    if (pr->tty && pr->drawn)
        fputs("\r\033[K", stderr);
}

/* ---- import ------------------------------------------------------------------------- */

static void print_issue(const struct io_issue *i)
{
    if (i->line)
        fprintf(stderr, "line %zu", i->line);
    if (i->field[0])
        fprintf(stderr, "%sfield %s", i->line ? ", " : "", i->field);
    fprintf(stderr, "%s%s\n", i->line || i->field[0] ? ": " : "", i->message);
}

static void print_report(const struct io_report *rep, const struct resource *res,
                         const char *rejects, bool json)
{
    char a[32], b[32];
    for (size_t i = 0; i < rep->nerrors; i++)
        print_issue(&rep->errors[i]);
    if (rep->errors_total > rep->nerrors)
        fprintf(stderr, "... and %s more errors\n", cli_grouped(rep->errors_total - rep->nerrors, a));
    for (size_t i = 0; i < rep->ndups; i++)
        print_issue(&rep->dups[i]);
    if (rep->dups_total > rep->ndups)
        fprintf(stderr, "... and %s more duplicates\n", cli_grouped(rep->dups_total - rep->ndups, a));
    if (!rep->committed) {
        if (rep->invalid)
            fprintf(stderr,
                    "civdesk: %s of %s %s are invalid; nothing was imported (fix them, or "
                    "import the others with --skip-invalid FILE)\n",
                    cli_grouped(rep->invalid, a), cli_grouped(rep->rows, b), json ? "items" : "rows");
        else
            fprintf(stderr, "civdesk: nothing was imported\n");
        return;
    }
    double rate = rep->seconds > 0 ? (double)rep->rows / rep->seconds : 0;
    printf("civdesk: imported %s %s", cli_grouped(rep->imported, a), res->name);
    if (rep->updated)
        printf(", updated %s", cli_grouped(rep->updated, a));
    if (rep->skipped)
        printf(", skipped %s possible duplicates", cli_grouped(rep->skipped, a));
    if (rep->invalid)
        printf(", set aside %s invalid %s in %s", cli_grouped(rep->invalid, a), json ? "items" : "rows",
               rejects);
    printf(" (%s %s in %.2f s, %.0f rows/s)\n", cli_grouped(rep->rows, b), json ? "items" : "rows",
           rep->seconds, rate);
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int cmd_import(struct opts *o)
{
    const char *kind = o->args[0], *path = o->args[1];
    const struct resource *res = find_kind(kind);
    if (!res)
        return EXIT_USAGE;
    bool json = o->format ? !strcmp(o->format, "json") : ends_with(path, ".json");
    if (o->format && strcmp(o->format, "csv") && strcmp(o->format, "json"))
        return user_error("--format for import must be csv or json"), EXIT_USAGE;
    struct io_import_opts io = {.res = res, .who = &cli_principal, .source = path};
    if (o->on_duplicate && io_dup_policy_parse(o->on_duplicate, &io.on_duplicate) < 0)
        return user_error("--on-duplicate must be error, skip or update"), EXIT_USAGE;
    static const struct {
        size_t off;
        const char *option, *field;
    } fixed[] = {
        {offsetof(struct opts, body), "--body", "body"},
        {offsetof(struct opts, as_of), "--as-of", "as_of"},
    };
    for (size_t k = 0; k < ARRAY_SIZE(fixed); k++) {
        const char *v = *(const char *const *)((const char *)o + fixed[k].off);
        if (!v)
            continue;
        if (resource_field_index(res, fixed[k].field) < 0)
            return user_error("%s sets the field %s, which %s do not have", fixed[k].option,
                              fixed[k].field, res->name),
                   EXIT_USAGE;
        io.fixed[io.nfixed++] = (struct io_fixed){fixed[k].field, v};
    }

    FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!in)
        return user_error("cannot read %s: %s", path, strerror(errno));
    int64_t size = -1;
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        size = (int64_t)st.st_size;
    if (o->skip_invalid) {
        if (same_file(o->skip_invalid, path)) {
            if (in != stdin)
                fclose(in);
            return user_error("--skip-invalid must name another file than the one imported");
        }
        io.skip_invalid = true;
        io.rejects = fopen(o->skip_invalid, "wb");
        if (!io.rejects) {
            int e = errno;
            if (in != stdin)
                fclose(in);
            return user_error("cannot write %s: %s", o->skip_invalid, strerror(e));
        }
    }
    struct store *s = NULL;
    int status = EXIT_USER;
    if (cli_open_db(o, STORE_OPEN_USE, &s) == 0) {
        struct progress pr = {.tty = isatty(STDERR_FILENO) == 1, .next_line = PLAIN_PROGRESS_ROWS};
        io.progress = show_progress;
        io.progress_arg = &pr;
        struct io_report rep = IO_REPORT_INIT;
        struct error err = ERROR_INIT;
        int rc = json ? io_import_json(s, &io, in, size, &rep, &err)
                      : io_import_csv(s, &io, in, size, &rep, &err);
        end_progress(&pr);
        if (rc == 0 || rc == IO_INVALID)
            print_report(&rep, res, o->skip_invalid, json);
        else
            user_error("import failed, nothing was imported: %s", err.msg);
        if (rc == 0)
            status = 0;
        if (io.rejects && (fclose(io.rejects) != 0) && rc == 0)
            status = user_error("could not write %s", o->skip_invalid);
        io.rejects = NULL;
        /* Keep the rejects file only when it holds rows set aside from a committed import. */
        if (o->skip_invalid && (!rep.committed || !rep.invalid))
            unlink(o->skip_invalid);
        io_report_release(&rep);
        store_close(s);
    }
    if (io.rejects) {
        fclose(io.rejects);
        unlink(o->skip_invalid);
    }
    if (in != stdin)
        fclose(in);
    return status;
}

/* ---- export ------------------------------------------------------------------------- */

/* A temporary file beside path, renamed over it once complete: a failed export leaves
 * nothing half-written behind. */
struct outfile {
    char *tmp; /* owned */
    FILE *f;
};

static int outfile_open(struct outfile *of, const char *path)
{
    if (asprintf(&of->tmp, "%s.XXXXXX", path) < 0)
        die("out of memory");
    int fd = mkstemp(of->tmp);
    if (fd < 0) {
        int e = errno;
        free(of->tmp);
        of->tmp = NULL;
        return user_error("cannot write %s: %s", path, strerror(e));
    }
    fchmod(fd, 0640);
    of->f = fdopen(fd, "wb");
    if (!of->f)
        die("out of memory");
    return 0;
}

static void outfile_discard(struct outfile *of)
{
    if (of->f)
        fclose(of->f);
    if (of->tmp)
        unlink(of->tmp);
    free(of->tmp);
    of->f = NULL;
    of->tmp = NULL;
}

static int outfile_commit(struct outfile *of, const char *path)
{
    int rc = 0;
    if (of->f && (fflush(of->f) != 0 || fsync(fileno(of->f)) != 0 || fclose(of->f) != 0))
        rc = user_error("could not write %s: %s", path, strerror(errno));
    of->f = NULL;
    if (rc == 0 && rename(of->tmp, path) != 0)
        rc = user_error("could not write %s: %s", path, strerror(errno));
    if (rc)
        unlink(of->tmp);
    free(of->tmp);
    of->tmp = NULL;
    return rc;
}

/* Copies a finished file to standard output (XLSX without -o). */
static int copy_to_stdout(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *chunk = malloc(COPY_CHUNK);
    if (!chunk)
        die("out of memory");
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, COPY_CHUNK, f)) > 0)
        if (fwrite(chunk, 1, n, stdout) != n)
            rc = -1;
    free(chunk);
    fclose(f);
    return fflush(stdout) == 0 ? rc : -1;
}

static int export_stream(struct store_conn *conn, const struct io_export_opts *eo, FILE *out,
                         size_t *rows, struct error *err)
{
    struct io_export *e;
    int rc = io_export_open(&e, conn, eo, err);
    if (rc < 0)
        return rc;
    struct buf chunk = BUF_INIT;
    while ((rc = io_export_next(e, &chunk, err)) > 0) {
        if (fwrite(chunk.p, 1, chunk.n, out) != chunk.n) {
            rc = error_set(err, "could not write the output: %s", strerror(errno));
            break;
        }
        buf_reset(&chunk);
    }
    *rows = io_export_rows(e);
    buf_release(&chunk);
    io_export_free(e);
    if (rc == 0 && fflush(out) != 0)
        rc = error_set(err, "could not write the output: %s", strerror(errno));
    return rc;
}

int cmd_export(struct opts *o)
{
    const struct resource *res = find_kind(o->args[0]);
    if (!res)
        return EXIT_USAGE;
    struct io_export_opts eo = {.res = res, .who = &cli_principal, .format = IO_CSV};
    const char *fmt = o->format;
    if (!fmt && o->output)
        fmt = ends_with(o->output, ".xlsx")   ? "xlsx"
              : ends_with(o->output, ".json") ? "json"
                                              : "csv";
    if (fmt && io_format_parse(fmt, &eo.format) < 0)
        return user_error("--format must be csv, json or xlsx"), EXIT_USAGE;
    if (o->lang && !o->labels)
        return user_error("--lang names the language of --labels: give both"), EXIT_USAGE;
    if (o->labels) {
        eo.labels = o->lang ? o->lang : "en";
        if (eo.format != IO_CSV)
            return user_error("--labels names the columns of a CSV export only (--format csv)"),
                   EXIT_USAGE;
        if (!io_export_labels_valid(eo.labels))
            return user_error("--lang must be en or ru, not '%s'", eo.labels), EXIT_USAGE;
    }
    if (eo.format == IO_XLSX && !o->output && isatty(STDOUT_FILENO))
        return user_error("XLSX is binary: give -o FILE.xlsx, or redirect standard output"),
               EXIT_USAGE;
    struct arena a = ARENA_INIT;
    struct error err = ERROR_INIT;
    for (size_t i = 0; i < o->nfilters; i++) {
        struct str name, value;
        if (!str_cut(str_from(o->filters[i]), '=', &name, &value) || !name.n) {
            arena_release(&a);
            return user_error("--filter takes FIELD=VALUE, not '%s'", o->filters[i]), EXIT_USAGE;
        }
        if (io_export_filter(&eo, name, value, &a, &err) < 0) {
            arena_release(&a);
            return user_error("--filter %s", err.msg), EXIT_USAGE;
        }
    }
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_USE, &s)) {
        arena_release(&a);
        return EXIT_USER;
    }
    struct store_conn *conn = store_reader(s);
    struct outfile of = {0};
    size_t rows = 0;
    int rc = 0;
    const char *target = o->output;
    char *scratch = NULL; /* XLSX to standard output goes through a temporary file */
    if (eo.format == IO_XLSX) {
        if (!target) {
            char tmpl[] = "/tmp/civdesk-export-XXXXXX";
            int fd = mkstemp(tmpl);
            if (fd < 0)
                rc = user_error("cannot create a temporary file: %s", strerror(errno));
            else
                close(fd), scratch = strdup(tmpl);
        }
        if (rc == 0 && target)
            rc = outfile_open(&of, target);
        if (rc == 0) {
            if (of.f) /* libxlsxwriter writes by name: close ours, keep the name */
                fclose(of.f), of.f = NULL;
            rc = io_export_xlsx(conn, &eo, target ? of.tmp : scratch, &rows, &err);
            if (rc < 0)
                user_error("export failed: %s", err.msg);
        }
        if (rc == 0 && target)
            rc = outfile_commit(&of, target);
        if (rc == 0 && scratch && copy_to_stdout(scratch) < 0)
            rc = user_error("could not write to standard output");
    } else {
        if (target)
            rc = outfile_open(&of, target);
        if (rc == 0) {
            rc = export_stream(conn, &eo, target ? of.f : stdout, &rows, &err);
            if (rc < 0)
                user_error("export failed: %s", err.msg);
        }
        if (rc == 0 && target)
            rc = outfile_commit(&of, target);
    }
    if (rc)
        outfile_discard(&of);
    if (scratch)
        unlink(scratch);
    free(scratch);
    store_close(s);
    arena_release(&a);
    if (rc)
        return EXIT_USER;
    char n[32];
    fprintf(stderr, "civdesk: exported %s %s%s%s\n", cli_grouped(rows, n), res->name,
            target ? " to " : "", target ? target : "");
    return 0;
}
