/*
 * Lists as files and imports over HTTP (see io_handlers.h). The work is src/io's; this
 * file chooses the format, names the file, carries the export across libmicrohttpd's
 * content-reader callbacks, and turns an import's report into the answer.
 *
 * Threads: libmicrohttpd calls a response's content reader from the thread serving the
 * connection, between the callbacks of other connections served by that thread. The
 * per-thread reader connection (store_reader) is used by all of those, so a read that
 * spans callbacks cannot live on it: each streamed export opens a read-only connection of
 * its own, holds its read transaction (the snapshot) on it, and closes it when the last
 * byte is produced or the response is destroyed, whichever comes first.
 */
#define _GNU_SOURCE
#include "http/io_handlers.h"
#include "core/limits.h"
#include "http/encoding.h"
#include "http/request.h"
#include "json/json.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STREAM_BLOCK (64 * 1024) /* bytes produced ahead / handed to MHD at a time */

static const struct {
    enum io_format fmt;
    const char *name;   /* ?format= value and file extension */
    const char *media;  /* Content-Type of the file */
    const char *accept; /* the media type that asks for it in Accept, or NULL */
} formats[] = {
    {IO_CSV, "csv", "text/csv; charset=utf-8; header=present", "text/csv"},
    {IO_JSON, "json", "application/json", NULL},
    {IO_XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
};

static size_t format_index(enum io_format fmt)
{
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        if (formats[i].fmt == fmt)
            return i;
    BUG("format without a row in formats[]");
}

/* ---- which answer ------------------------------------------------------------------- */

/* The q parameter of one Accept media range ("text/csv;q=0.5"): 0 when it says q=0. */
static bool range_acceptable(struct str params)
{
    struct str p;
    while (params.n) {
        str_cut(params, ';', &p, &params);
        while (p.n && p.p[0] == ' ')
            p.p++, p.n--;
        if (p.n >= 2 && (p.p[0] == 'q' || p.p[0] == 'Q') && p.p[1] == '=') {
            struct str v = {p.p + 2, p.n - 2};
            while (v.n && v.p[v.n - 1] == ' ')
                v.n--;
            bool zero = v.n > 0;
            for (size_t i = 0; i < v.n; i++)
                zero &= v.p[i] == '0' || v.p[i] == '.';
            return !zero;
        }
    }
    return true;
}

/* The first media range of Accept that civdesk answers specially: a file format (1),
 * JSON (0), or none of them (0). */
static int accept_format(const char *accept, enum io_format *fmt)
{
    struct str rest = str_from(accept), range;
    while (rest.n) {
        str_cut(rest, ',', &range, &rest);
        struct str media, params;
        str_cut(range, ';', &media, &params);
        while (media.n && media.p[0] == ' ')
            media.p++, media.n--;
        while (media.n && media.p[media.n - 1] == ' ')
            media.n--;
        if (!range_acceptable(params))
            continue;
        if (media.n == 16 && strncasecmp(media.p, "application/json", 16) == 0)
            return 0;
        for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
            const char *a = formats[i].accept;
            if (a && media.n == strlen(a) && strncasecmp(media.p, a, media.n) == 0) {
                *fmt = formats[i].fmt;
                return 1;
            }
        }
    }
    return 0;
}

/* The export as format *fmt, then ?labels= checked against it: 1, or -1 with a 400 set. */
static int with_labels(struct request *r, int wants, const enum io_format *fmt)
{
    const char *labels = req_query(r, IO_HTTP_LABELS_PARAM);
    if (!labels)
        return wants;
    struct errors errs;
    errors_init(&errs, &r->arena);
    if (wants != 1 || *fmt != IO_CSV)
        errors_add(&errs, IO_HTTP_LABELS_PARAM,
                   "names the columns of a CSV export only (format=csv)");
    else if (!io_export_labels_valid(labels))
        errors_add(&errs, IO_HTTP_LABELS_PARAM, "must be en or ru");
    if (!errs.n)
        return 1;
    req_bad_query(r, &errs);
    return -1;
}

int io_http_wants_export(struct request *r, enum io_format *fmt)
{
    const char *f = req_query(r, IO_HTTP_FORMAT_PARAM);
    if (f) {
        if (io_format_parse(f, fmt) == 0)
            return with_labels(r, 1, fmt);
        struct errors errs;
        errors_init(&errs, &r->arena);
        errors_add(&errs, IO_HTTP_FORMAT_PARAM, "must be csv, json or xlsx");
        req_bad_query(r, &errs);
        return -1;
    }
    const char *accept = req_header(r, MHD_HTTP_HEADER_ACCEPT);
    return with_labels(r, accept ? accept_format(accept, fmt) : 0, fmt);
}

/* ---- the file's name ---------------------------------------------------------------- */

/* "organisations-2026-05-01.csv", "meetings-12-participants-2026-05-01.csv". */
static void content_disposition(struct request *r, const struct resource *res, enum io_format fmt)
{
    char day[11];
    date_from_unix(now_unix(), day);
    const char *ext = formats[format_index(fmt)].name;
    const char *name;
    if (res->parent && r->res)
        name = arena_printf(&r->arena, "%s-%lld-%s-%s.%s", r->res->name, (long long)r->id,
                            res->path, day, ext);
    else
        name = arena_printf(&r->arena, "%s-%s.%s", res->name, day, ext);
    resp_header(r, "Content-Disposition",
                arena_printf(&r->arena, "attachment; filename=\"%s\"", name));
}

/* ---- CSV and JSON: streamed --------------------------------------------------------- */

struct stream {
    struct arena arena;      /* copies of the query's text and of the caller's e-mail */
    struct principal who;    /* the caller, for computed values (JSON) */
    struct io_export_opts o; /* o.who points at who */
    struct store_conn *conn; /* the export's own read-only connection; NULL once closed */
    struct io_export *e;     /* NULL once closed */
    struct buf pending;      /* produced and not yet handed to MHD */
    size_t sent;             /* bytes of pending already handed */
    uint64_t request_id;     /* for the log */
    const char *what;        /* resource name, for the log (static) */
};

static void copy_value(struct arena *a, struct value *v)
{
    if (v->s)
        v->s = arena_strndup(a, v->s, v->n);
}

/* A copy of q whose text lives in a: the request's memory is gone before the stream. */
static void copy_query(struct arena *a, struct list_query *dst, const struct list_query *src)
{
    *dst = *src;
    for (size_t i = 0; i < dst->nfilters; i++)
        copy_value(a, &dst->filters[i].v);
    for (size_t i = 0; i < dst->nparams; i++)
        copy_value(a, &dst->params[i].v);
    if (dst->q.p)
        dst->q.p = arena_strndup(a, dst->q.p, dst->q.n);
    dst->cursor = STR_NULL;
}

/* Ends the export's read and closes its connection (the snapshot is let go). */
static void stream_close(struct stream *st)
{
    io_export_free(st->e);
    st->e = NULL;
    store_reader_close(st->conn);
    st->conn = NULL;
}

static void stream_free(void *cls)
{
    struct stream *st = cls;
    stream_close(st);
    buf_release(&st->pending);
    arena_release(&st->arena);
    free(st);
}

/* Produces until at least `want` bytes wait or the export ended (stream closed).
 * Negative with err on a failure. */
static int stream_fill(struct stream *st, size_t want, struct error *err)
{
    while (st->e && st->pending.n - st->sent < want) {
        int rc = io_export_next(st->e, &st->pending, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            stream_close(st);
    }
    return 0;
}

/* libmicrohttpd's content reader: the next bytes of the file. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct stream *st = cls;
    if (st->sent == st->pending.n) {
        buf_reset(&st->pending);
        st->sent = 0;
        struct error err = ERROR_INIT;
        if (stream_fill(st, STREAM_BLOCK, &err) < 0) {
            /* Headers are gone: all that is left is to cut the response short, which
             * the client sees as an incomplete (chunked) body, never as a whole file. */
            log_error("export %s (request %llu): %s", st->what, (unsigned long long)st->request_id,
                      err.msg);
            stream_close(st);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (st->pending.n == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = st->pending.n - st->sent;
    if (n > max)
        n = max;
    memcpy(out, st->pending.p + st->sent, n);
    st->sent += n;
    return (ssize_t)n;
}

static void export_stream(struct request *r, const struct resource *res, const struct list_query *q,
                          enum io_format fmt)
{
    struct stream *st = calloc(1, sizeof(*st));
    if (!st)
        die("out of memory");
    arena_init(&st->arena);
    st->who = r->who;
    st->who.email = r->who.email ? arena_strdup(&st->arena, r->who.email) : NULL;
    const char *labels = req_query(r, IO_HTTP_LABELS_PARAM); /* checked: with_labels */
    st->o = (struct io_export_opts){.res = res,
                                    .who = &st->who,
                                    .format = fmt,
                                    .labels = labels ? arena_strdup(&st->arena, labels) : NULL};
    copy_query(&st->arena, &st->o.q, q);
    st->request_id = r->request_id;
    st->what = res->name;
    struct error err = ERROR_INIT;
    if (store_reader_open(r->store, &st->conn, &err) < 0 ||
        io_export_open(&st->e, st->conn, &st->o, &err) < 0) {
        st->e = NULL;
        goto fail;
    }
    /* Excel reads a CSV as UTF-8 only when it starts with a byte order mark. */
    const char *bom = req_query(r, IO_HTTP_BOM_PARAM);
    if (fmt == IO_CSV && bom && strcmp(bom, "true") == 0)
        buf_append(&st->pending, "\xEF\xBB\xBF", 3);
    /* The header and the first page now: a failure still gets a problem answer, and a
     * short list is complete here and goes out with a Content-Length. */
    if (stream_fill(st, STREAM_BLOCK, &err) < 0)
        goto fail;
    bool whole = !st->e;
    if (whole) { /* all of it is here: an ordinary body (gzipped as the others are) */
        buf_reset(&r->out);
        buf_append(&r->out, st->pending.p ? st->pending.p : "", st->pending.n);
        stream_free(st);
    } else if (enc_wants_gzip(r, MHD_SIZE_UNKNOWN)) { /* compressed block by block */
        r->stream = enc_gzip_stream(stream_read, st, stream_free, STREAM_BLOCK);
        if (r->stream)
            resp_header(r, "Content-Encoding", "gzip");
    } else {
        r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read,
                                                      st, stream_free);
        if (!r->stream)
            stream_free(st);
    }
    if (!whole && !r->stream) { /* st is freed */
        resp_problem(r, 503, "the server could not start the answer; try again", NULL);
        return;
    }
    r->status = 200;
    r->content_type = formats[format_index(fmt)].media;
    content_disposition(r, res, fmt);
    return;
fail:
    log_error("export %s: %s", res->name, err.msg);
    stream_free(st);
    resp_problem(r, 503, "the database could not answer; try again", NULL);
}

/* ---- XLSX: a temporary file, then streamed from it ---------------------------------- */

/* How many records q selects (the list's own count). Negative on a failure. */
static int64_t count_records(struct request *r, const struct resource *res,
                             const struct list_query *q, struct store_conn *c, struct error *err)
{
    struct list_query cq = *q;
    cq.count = true;
    cq.limit = 1;
    cq.cursor = STR_NULL;
    cq.sort = -1;
    cq.desc = false;
    struct list_result lr;
    if (store_read_begin(c) < 0)
        return error_set(err, "could not start reading the database"), -1;
    int rc = store_list(c, res, &cq, &r->arena, &lr, err);
    store_read_end(c);
    return rc < 0 ? -1 : lr.total;
}

static void export_xlsx(struct request *r, const struct resource *res, const struct list_query *q)
{
    struct store_conn *c = store_reader(r->store);
    struct error err = ERROR_INIT;
    int64_t n = count_records(r, res, q, c, &err);
    if (n < 0) {
        log_error("export %s: %s", res->name, err.msg);
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    if (n > LIMIT_EXPORT_XLSX_ROWS) {
        resp_problem(r, 422,
                     arena_printf(&r->arena,
                                  "the list has %lld records; an Excel export holds at most %d: "
                                  "narrow it with filters, or ask for format=csv",
                                  (long long)n, LIMIT_EXPORT_XLSX_ROWS),
                     NULL);
        return;
    }
    const char *dir = getenv("TMPDIR");
    char *path = arena_printf(&r->arena, "%s/civdesk-export-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path); /* mode 0600: the records are nobody else's to read */
    if (fd < 0) {
        log_error("export %s: cannot create a temporary file in %s: %s", res->name,
                  dir && *dir ? dir : "/tmp", strerror(errno));
        resp_problem(r, 503, "the server could not write the workbook; try again", NULL);
        return;
    }
    close(fd);
    struct io_export_opts o = {.res = res, .who = &r->who, .format = IO_XLSX, .q = *q};
    size_t rows = 0;
    int rc = io_export_xlsx(c, &o, path, &rows, &err);
    fd = rc < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
    unlink(path); /* the open descriptor keeps the file until the answer is sent */
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) < 0) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        log_error("export %s as xlsx: %s", res->name, rc < 0 ? err.msg : strerror(errno));
        resp_problem(r, 503, "the server could not write the workbook; try again", NULL);
        return;
    }
    r->stream = MHD_create_response_from_fd((uint64_t)sb.st_size, fd); /* owns fd now */
    if (!r->stream) {
        close(fd);
        resp_problem(r, 503, "the server could not start the answer; try again", NULL);
        return;
    }
    r->status = 200;
    r->content_type = formats[format_index(IO_XLSX)].media;
    content_disposition(r, res, IO_XLSX);
}

void io_http_export(struct request *r, const struct resource *res, const struct list_query *q,
                    enum io_format fmt)
{
    if (fmt == IO_XLSX)
        export_xlsx(r, res, q);
    else
        export_stream(r, res, q, fmt);
}

/* ---- import ------------------------------------------------------------------------- */

/* Reads the import's query parameters into o (declared on the route, their types checked
 * before the handler runs); errors go to errs. */
static void import_options(struct request *r, struct io_import_opts *o, struct errors *errs)
{
    const char *skip = req_route_param(r, "skip_invalid");
    const char *dup = req_route_param(r, "on_duplicate"), *name = req_route_param(r, "filename");
    if (skip)
        o->skip_invalid = skip[0] == 't';
    if (dup && io_dup_policy_parse(dup, &o->on_duplicate) < 0)
        BUG("an on_duplicate policy the route declares but io does not know");
    if (name && !*name)
        errors_add(errs, "filename", "must be a file name of 1 to %d bytes of UTF-8",
                   LIMIT_TEXT_SHORT);
    else if (name)
        o->source = arena_strdup(&r->arena, name);
}

/* The upload's format from its Content-Type: 0 CSV, 1 JSON, -1 neither. */
static int upload_kind(const char *ct)
{
    if (!ct)
        return -1;
    struct str media, params;
    str_cut(str_from(ct), ';', &media, &params);
    while (media.n && media.p[media.n - 1] == ' ')
        media.n--;
    if ((media.n == 8 && strncasecmp(media.p, "text/csv", 8) == 0) ||
        (media.n == 15 && strncasecmp(media.p, "application/csv", 15) == 0))
        return 0;
    if (media.n == 16 && strncasecmp(media.p, "application/json", 16) == 0)
        return 1;
    return -1;
}

/*
 * The answer: the report as JSON (200), or (422) a problem whose members are the
 * problem's own followed by the report's — its "errors" ({line, field, message}) are a
 * problem's field errors with the line added. rejects: the rows set aside, as a file of the
 * upload's format, or NULL.
 */
static void import_answer(struct request *r, int status, const struct io_report *rep,
                          const char *detail, const char *rejects, size_t nrejects)
{
    struct buf report = BUF_INIT;
    struct jw w;
    jw_init(&w, &report);
    io_report_to_json(rep, &w);
    assert(report.n >= 2 && report.p[0] == '{' && report.p[report.n - 1] == '}');
    if (status == 200) {
        r->status = 200;
        r->content_type = "application/json";
        buf_reset(&r->out);
        buf_append(&r->out, report.p, report.n - 1);
    } else {
        resp_problem(r, status, detail, NULL);
        assert(r->out.n && r->out.p[r->out.n - 1] == '}');
        r->out.p[--r->out.n] = '\0';
        buf_putc(&r->out, ',');
        buf_append(&r->out, report.p + 1, report.n - 2);
    }
    if (rejects && nrejects > LIMIT_IMPORT_REJECTS) {
        /* Bounded: 200,000 bad rows must not make a 32 MB answer. The command line writes
         * any number of them to a file. */
        buf_printf(&r->out,
                   ",\"rejects\":null,\"rejects_omitted\":\"the rows set aside "
                   "take %zu bytes, more than the %d an answer carries: fix the errors "
                   "listed, or import with `civdesk import --skip-invalid FILE`\"",
                   nrejects, LIMIT_IMPORT_REJECTS);
    } else if (rejects) {
        buf_puts(&r->out, ",\"rejects\":");
        jw_init(&w, &r->out);
        jw_strn(&w, rejects, nrejects);
    }
    buf_putc(&r->out, '}');
    buf_release(&report);
}

void h_import(struct request *r)
{
    struct errors errs;
    errors_init(&errs, &r->arena);
    struct io_import_opts o = {
        .res = r->res, .who = &r->who, .on_duplicate = IO_DUP_ERROR, .source = "upload"};
    import_options(r, &o, &errs);
    if (errs.n) {
        req_bad_query(r, &errs);
        return;
    }
    int kind = upload_kind(req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE));
    if (kind < 0) {
        resp_problem(r, 415, "send the file as text/csv (or a JSON array as application/json)",
                     NULL);
        return;
    }
    /* An empty body is an empty file (fmemopen refuses a size of 0; a lone line break
     * reads the same: blank lines are skipped). */
    static char empty[] = "\n";
    char *data = r->body.n ? r->body.p : empty;
    size_t size = r->body.n ? r->body.n : 1;
    FILE *in = fmemopen(data, size, "r");
    char *rejects = NULL;
    size_t nrejects = 0;
    FILE *rej = o.skip_invalid ? open_memstream(&rejects, &nrejects) : NULL;
    if (!in || (o.skip_invalid && !rej)) {
        if (in)
            fclose(in);
        if (rej)
            fclose(rej);
        free(rejects);
        resp_problem(r, 503, "the server could not read the upload; try again", NULL);
        return;
    }
    o.rejects = rej;
    struct io_report rep = IO_REPORT_INIT;
    struct error err = ERROR_INIT;
    int rc = kind == 0 ? io_import_csv(r->store, &o, in, (int64_t)r->body.n, &rep, &err)
                       : io_import_json(r->store, &o, in, (int64_t)r->body.n, &rep, &err);
    fclose(in);
    if (rej)
        fclose(rej); /* rejects / nrejects are now final */
    bool set_aside = rc == 0 && rep.invalid && nrejects;
    if (rc == 0 && rep.imported + rep.updated == 0 && rep.invalid)
        import_answer(r, 422, &rep,
                      arena_printf(&r->arena,
                                   "nothing was imported: %zu of %zu rows are not valid; see "
                                   "errors",
                                   rep.invalid, rep.rows),
                      set_aside ? rejects : NULL, nrejects);
    else if (rc == 0)
        import_answer(r, 200, &rep, NULL, set_aside ? rejects : NULL, nrejects);
    else if (rc == IO_INVALID)
        import_answer(r, 422, &rep,
                      rep.invalid ? arena_printf(&r->arena,
                                                 "nothing was imported: %zu of %zu rows are "
                                                 "not valid; see errors",
                                                 rep.invalid, rep.rows)
                                  : "nothing was imported: the file cannot be read as it is; "
                                    "see errors",
                      NULL, 0);
    else {
        log_error("import %s: %s", r->res->name, err.msg);
        resp_problem(r, 503,
                     "the database could not complete the import (busy with another write?); "
                     "nothing was imported; try again",
                     NULL);
    }
    free(rejects);
    io_report_release(&rep);
}
