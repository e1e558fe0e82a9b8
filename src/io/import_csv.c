/*
 * CSV imports (docs/import-export.md): the header names the fields, each cell is read
 * through the declaration, rejected rows are written back out as CSV with a reason.
 */
#define _GNU_SOURCE
#include "io/internal.h"
#include "io/import_int.h"
#include "core/limits.h"
#include "domain/domain.h"
#include "json/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- CSV ---------------------------------------------------------------------------- */

static struct str trim(struct str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' ||
                   s.p[s.n - 1] == '\n'))
        s.n--;
    return s;
}

static void header_issue(struct importer *im, size_t line, const char *field, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
static void header_issue(struct importer *im, size_t line, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    import_file_issue(im, line, field, b.p);
    buf_release(&b);
}

static const char *field_names(const struct resource *res, struct arena *a)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & F_HIDDEN)
            continue;
        if (b.n)
            buf_puts(&b, ", ");
        buf_puts(&b, res->fields[i].name);
    }
    char *s = arena_strndup(a, b.p ? b.p : "", b.n);
    buf_release(&b);
    return s;
}

/* Maps the header's names to fields. Every problem is listed; any makes the file invalid. */
static int csv_header(struct importer *im, size_t line, const struct str *cells, size_t n)
{
    const struct resource *res = im->res;
    im->have_header = true;
    im->ncols = n;
    im->col = arena_alloc(&im->keep, n * sizeof(*im->col));
    im->header = arena_alloc(&im->keep, n * sizeof(*im->header));
    bool *seen = arena_zalloc(&im->keep, res->nfields);
    size_t before = im->rep->errors_total;
    for (size_t c = 0; c < n; c++) {
        im->header[c] = (struct str){arena_strndup(&im->keep, cells[c].p, cells[c].n), cells[c].n};
        im->col[c] = COL_IGNORED;
        struct str name = trim(cells[c]);
        if (!utf8_valid(name.p, name.n)) {
            header_issue(im, line, "", "column %zu: the name is not valid UTF-8", c + 1);
            continue;
        }
        if (name.n == 0) {
            header_issue(im, line, "", "column %zu has no name", c + 1);
            continue;
        }
        const char *cname = arena_strndup(&im->keep, name.p, name.n);
        int fi = resource_field_index(res, cname);
        if (fi >= 0 && !(res->fields[fi].flags & F_HIDDEN)) {
            if (seen[fi])
                header_issue(im, line, cname, "is given in two columns");
            else if (import_fixed_index(im, fi) >= 0)
                header_issue(im, line, cname,
                             "is given both as a column and as an option; drop one of them");
            else if (!import_is_server_field(res, fi))
                im->col[c] = fi;
            seen[fi] = true;
        } else if (!import_is_meta(cname) && !(c == n - 1 && strcmp(cname, "error") == 0)) {
            header_issue(im, line, cname, "is not a field of %s (its fields: %s)", res->singular,
                         field_names(res, &im->row));
        }
    }
    for (size_t i = 0; i < res->nfields; i++)
        if ((res->fields[i].flags & F_REQUIRED) && !seen[i] && import_fixed_index(im, (int)i) < 0 &&
            !import_is_server_field(res, (int)i))
            header_issue(im, line, res->fields[i].name, "is required: the header needs it");
    arena_release(&im->row);
    return im->rep->errors_total > before ? IO_INVALID : 0;
}

/* One cell into rec->v[fi], or an error for the field. */
static void csv_cell(struct importer *im, struct record *rec, int fi, struct str cell)
{
    const struct field *f = &im->res->fields[fi];
    struct str t = csv_unneutralise(trim(cell));
    struct value v;
    const char *why = NULL;
    if (t.n == 0) {
        if (f->flags & F_REQUIRED)
            errors_add(&im->errs, f->name, "is required");
        else
            rec->v[fi] = f->type == FT_BOOL ? (struct value){.i = 0} : (struct value){.null = true};
        return;
    }
    if (f->type == FT_TEXT_LIST || f->type == FT_REF_LIST) {
        io_list_from_cell(f, t, &im->row, &v, &why);
    } else if (f->type == FT_BOOL && t.n <= 5) {
        char low[6]; /* spreadsheets write TRUE / FALSE */
        for (size_t i = 0; i < t.n; i++)
            low[i] = (char)(t.p[i] >= 'A' && t.p[i] <= 'Z' ? t.p[i] + 32 : t.p[i]);
        value_from_text(f, (struct str){low, t.n}, &im->row, &v, &why);
    } else {
        value_from_text(f, t, &im->row, &v, &why);
    }
    if (why)
        errors_add(&im->errs, f->name, "%s", why);
    else
        rec->v[fi] = v;
}

static void reject_csv(struct importer *im, const struct str *cells, size_t n)
{
    if (!im->o->rejects)
        return;
    if (!im->nrejects) {
        for (size_t c = 0; c < im->ncols; c++) {
            csv_put_cell(&im->out, im->header[c].p, im->header[c].n, im->delim);
            buf_putc(&im->out, im->delim);
        }
        buf_puts(&im->out, "error\r\n");
    }
    im->nrejects++;
    for (size_t c = 0; c < n; c++) {
        csv_put_cell(&im->out, cells[c].p, cells[c].n, im->delim);
        buf_putc(&im->out, im->delim);
    }
    for (size_t c = n; c < im->ncols; c++) /* a short row: keep the error in its column */
        buf_putc(&im->out, im->delim);
    const char *text = import_errors_text(&im->errs, &im->row);
    csv_put_cell(&im->out, text, strlen(text), im->delim);
    buf_puts(&im->out, "\r\n");
    if (im->out.n > REJECTS_FLUSH)
        import_flush_rejects(im);
}

struct csv_ctx {
    struct importer *im;
    struct csv_reader *reader;
};

static int on_csv_row(void *arg, size_t line, const struct str *cells, size_t n)
{
    struct csv_ctx *cx = arg;
    struct importer *im = cx->im;
    const struct resource *res = im->res;
    if (!im->have_header) {
        im->delim = csv_reader_delim(cx->reader);
        return csv_header(im, line, cells, n);
    }
    size_t last = 0; /* cells up to the last non-empty one */
    for (size_t c = 0; c < n; c++)
        if (trim(cells[c]).n)
            last = c + 1;
    if (!last)
        return 0; /* an empty row, as spreadsheets leave at the end */
    im->rep->rows++;
    errors_init(&im->errs, &im->row);
    struct record *rec = record_new(res, &im->row);
    bool *given = arena_zalloc(&im->row, res->nfields);
    if (n < im->ncols || last > im->ncols) {
        errors_add(&im->errs, "", "has %zu cells where the header has %zu", n, im->ncols);
    } else {
        for (size_t c = 0; c < im->ncols; c++) {
            int fi = im->col[c];
            if (fi == COL_IGNORED)
                continue;
            given[fi] = true;
            csv_cell(im, rec, fi, cells[c]);
        }
        import_fixed_values(im, rec, given);
    }
    int rc = 0;
    if (!im->errs.n) {
        domain_initial_state(rec);
        rc = import_write_row(im, line, rec, given);
        if (rc < 0)
            return rc;
    }
    if (import_settle_row(im, line) && im->o->skip_invalid)
        reject_csv(im, cells, n);
    import_row_done(im);
    return im->fatal;
}

/* Lines of a file that can be read twice (a regular file, an upload in memory), read from
 * where it stands and rewound there: at least its rows, for sizing the duplicate index.
 * -1 when it cannot be rewound (a pipe) or read. */
static int64_t lines_ahead(FILE *in)
{
    off_t at = ftello(in);
    if (at < 0)
        return -1;
    char *block = malloc(READ_CHUNK);
    if (!block)
        die("out of memory");
    int64_t lines = 1;
    size_t got;
    while ((got = fread(block, 1, READ_CHUNK, in)) > 0)
        for (const char *p = block; (p = memchr(p, '\n', (size_t)(block + got - p))); p++)
            lines++;
    free(block);
    bool ok = !ferror(in);
    clearerr(in);
    if (fseeko(in, at, SEEK_SET) != 0)
        return -2; /* cannot happen for a file ftello answered; the caller refuses the file */
    return ok ? lines : -1;
}

int io_import_csv(struct store *s, const struct io_import_opts *o, FILE *in, int64_t size,
                  struct io_report *rep, struct error *err)
{
    struct importer im;
    int64_t rows = lines_ahead(in);
    int rc = import_begin(&im, s, o, size, rows, rep, err);
    im.format = "csv";
    if (rc == 0 && rows == -2) {
        error_set(err, "could not read the file again: %s", strerror(errno));
        rc = import_fatal(&im, STORE_ERROR);
    }
    if (rc < 0)
        return import_end(&im, rc);
    struct csv_ctx cx = {.im = &im};
    cx.reader = csv_reader_new(on_csv_row, &cx);
    import_hasher_start(&im.hash);
    struct error perr = ERROR_INIT;
    for (;;) {
        char *chunk = import_hasher_chunk(&im.hash);
        size_t got = fread(chunk, 1, READ_CHUNK, in);
        im.bytes += (int64_t)got;
        import_hasher_give(&im.hash, got);
        if (got && (rc = csv_reader_feed(cx.reader, chunk, got, &perr)))
            break;
        if (got < READ_CHUNK) {
            if (ferror(in)) {
                error_set(err, "could not read the file: %s", strerror(errno));
                rc = import_fatal(&im, STORE_ERROR);
            }
            break;
        }
    }
    if (rc == 0)
        rc = csv_reader_finish(cx.reader, &perr);
    if (rc == ERROR_FAILED) { /* the reader's: malformed CSV */
        import_file_issue(&im, csv_reader_error_line(cx.reader), "", perr.msg);
        rc = IO_INVALID;
    }
    if (rc == 0 && !im.have_header) {
        import_file_issue(&im, 0, "", "the file is empty: it needs a header row naming the fields");
        rc = IO_INVALID;
    }
    csv_reader_free(cx.reader);
    return import_end(&im, rc);
}
