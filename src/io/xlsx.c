/*
 * XLSX export through libxlsxwriter, in its constant-memory mode: rows go to a temporary
 * file as they are written, so the workbook costs a page of records in memory however
 * long it is. Typed cells: numbers, booleans, dates and timestamps as Excel dates.
 */
#include "io/internal.h"

#include <string.h>
#include <xlsxwriter.h>

#define XLSX_MAX_ROWS   1048576 /* Excel's limit per sheet, the header row included */
#define XLSX_MAX_STRING 32767   /* characters in one cell */
#define WIDTH_MIN       6.0
#define WIDTH_MAX       60.0

enum col_kind { K_TEXT, K_NUMBER, K_BOOL, K_DATE, K_DATETIME, K_LIST };

struct col {
    const char *name;
    int field; /* index in res->fields, or -1 for metadata */
    enum col_kind kind;
    double width; /* widest content seen, in characters */
};

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" as an Excel date; false before 1900 (Excel has
 * no earlier dates) or if the text is not one. */
static bool to_datetime(const char *s, size_t n, lxw_datetime *dt)
{
    int y, m, d;
    if (n < 10 || date_parse((struct str){s, 10}, &y, &m, &d) < 0 || y < 1900)
        return false;
    *dt = (lxw_datetime){.year = y, .month = m, .day = d};
    if (n >= 19 && s[10] == 'T') {
        dt->hour = (s[11] - '0') * 10 + (s[12] - '0');
        dt->min = (s[14] - '0') * 10 + (s[15] - '0');
        dt->sec = (s[17] - '0') * 10 + (s[18] - '0');
    }
    return true;
}

static enum col_kind kind_of(enum field_type t)
{
    switch (t) {
    case FT_INT:
    case FT_REF:
    case FT_REAL:
        return K_NUMBER;
    case FT_BOOL:
        return K_BOOL;
    case FT_DATE:
        return K_DATE;
    case FT_DATETIME:
        return K_DATETIME;
    case FT_TEXT_LIST:
    case FT_REF_LIST:
        return K_LIST;
    default:
        return K_TEXT;
    }
}

struct sheet {
    lxw_worksheet *ws;
    lxw_format *date, *datetime;
    struct buf scratch;
};

static void grow_width(struct col *c, double w)
{
    if (w > c->width)
        c->width = w;
}

/* Writes text, cut at a character boundary if it is longer than a cell holds. */
static lxw_error put_text(struct sheet *sh, lxw_row_t r, lxw_col_t c, struct col *col,
                          const char *s, size_t n)
{
    size_t chars = utf8_length(s, n);
    if (chars > XLSX_MAX_STRING) {
        size_t keep = 0, count = 0;
        while (keep < n && count < XLSX_MAX_STRING) {
            keep++;
            while (keep < n && ((unsigned char)s[keep] & 0xC0) == 0x80)
                keep++;
            count++;
        }
        n = keep;
        chars = count;
    }
    buf_reset(&sh->scratch);
    buf_append(&sh->scratch, s, n);
    grow_width(col, (double)chars);
    return worksheet_write_string(sh->ws, r, c, sh->scratch.p ? sh->scratch.p : "", NULL);
}

static lxw_error put_value(struct sheet *sh, lxw_row_t r, lxw_col_t c, struct col *col,
                           const struct field *f, const struct value *v)
{
    if (v->null)
        return LXW_NO_ERROR;
    char num[32];
    lxw_datetime dt;
    switch (col->kind) {
    case K_NUMBER:
        if (f->type == FT_REAL) {
            grow_width(col, (double)snprintf(num, sizeof(num), "%g", v->r));
            return worksheet_write_number(sh->ws, r, c, v->r, NULL);
        }
        grow_width(col, (double)snprintf(num, sizeof(num), "%lld", (long long)v->i));
        return worksheet_write_number(sh->ws, r, c, (double)v->i, NULL);
    case K_BOOL:
        grow_width(col, 5);
        return worksheet_write_boolean(sh->ws, r, c, v->i != 0, NULL);
    case K_DATE:
    case K_DATETIME:
        if (!to_datetime(v->s, v->n, &dt))
            return put_text(sh, r, c, col, v->s, v->n);
        grow_width(col, col->kind == K_DATE ? 10 : 19);
        return worksheet_write_datetime(sh->ws, r, c, &dt,
                                        col->kind == K_DATE ? sh->date : sh->datetime);
    case K_LIST: {
        struct buf joined = BUF_INIT;
        io_list_join(&joined, v->s, v->n);
        lxw_error e = put_text(sh, r, c, col, joined.p ? joined.p : "", joined.n);
        buf_release(&joined);
        return e;
    }
    default:
        return put_text(sh, r, c, col, v->s, v->n);
    }
}

int io_export_xlsx(struct store_conn *conn, const struct io_export_opts *o, const char *path,
                   size_t *rows, struct error *err)
{
    const struct resource *res = o->res;
    *rows = 0;
    struct arena a = ARENA_INIT;
    struct col *cols = arena_zalloc(&a, (res->nfields + 4) * sizeof(*cols));
    size_t ncols = 0;
    cols[ncols++] = (struct col){"id", -1, K_NUMBER, 0};
    for (size_t i = 0; i < res->nfields; i++)
        if (!(res->fields[i].flags & F_HIDDEN))
            cols[ncols++] =
                (struct col){res->fields[i].name, (int)i, kind_of(res->fields[i].type), 0};
    cols[ncols++] = (struct col){"created_at", -1, K_DATETIME, 0};
    cols[ncols++] = (struct col){"updated_at", -1, K_DATETIME, 0};
    cols[ncols++] = (struct col){"version", -1, K_NUMBER, 0};

    lxw_workbook_options wopts = {.constant_memory = LXW_TRUE, .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(path, &wopts);
    if (!wb) {
        arena_release(&a);
        return error_set(err, "could not start the workbook %s", path), STORE_ERROR;
    }
    struct sheet sh = {.ws = workbook_add_worksheet(wb, res->name)};
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_bottom(bold, LXW_BORDER_THIN);
    sh.date = workbook_add_format(wb);
    format_set_num_format(sh.date, "yyyy-mm-dd");
    sh.datetime = workbook_add_format(wb);
    format_set_num_format(sh.datetime, "yyyy-mm-dd hh:mm:ss");
    worksheet_freeze_panes(sh.ws, 1, 0);

    int rc = 0;
    lxw_error xe = LXW_NO_ERROR;
    for (size_t c = 0; c < ncols && !xe; c++) {
        xe = worksheet_write_string(sh.ws, 0, (lxw_col_t)c, cols[c].name, bold);
        grow_width(&cols[c], (double)strlen(cols[c].name) + 2);
    }

    struct io_export *e = NULL;
    if (!xe && (rc = io_export_open(&e, conn, o, err)) < 0)
        e = NULL;
    const struct record *rec;
    lxw_row_t r = 1;
    while (e && !xe && (rec = export_next_record(e, err, &rc))) {
        if (r >= XLSX_MAX_ROWS) {
            rc = error_set(err,
                           "more than %d records do not fit in one sheet; narrow the export "
                           "with --filter, or use csv",
                           XLSX_MAX_ROWS - 1);
            break;
        }
        for (size_t c = 0; c < ncols && !xe; c++) {
            struct col *col = &cols[c];
            lxw_col_t x = (lxw_col_t)c;
            if (col->field >= 0) {
                xe = put_value(&sh, r, x, col, &res->fields[col->field], &rec->v[col->field]);
            } else if (!strcmp(col->name, "id") || !strcmp(col->name, "version")) {
                int64_t n = col->name[0] == 'i' ? rec->id : rec->version;
                struct value v = {.i = n};
                static const struct field meta_int = {.type = FT_INT};
                xe = put_value(&sh, r, x, col, &meta_int, &v);
            } else {
                const char *t = col->name[0] == 'c' ? rec->created_at : rec->updated_at;
                struct value v = {.s = t, .n = strlen(t)};
                static const struct field meta_time = {.type = FT_DATETIME};
                xe = put_value(&sh, r, x, col, &meta_time, &v);
            }
        }
        r++;
    }
    if (e)
        *rows = io_export_rows(e);
    io_export_free(e);
    if (!xe && rc == 0) {
        for (size_t c = 0; c < ncols; c++) {
            double w = cols[c].width + 1;
            w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
            worksheet_set_column(sh.ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
        }
        worksheet_autofilter(sh.ws, 0, 0, r - 1, (lxw_col_t)(ncols - 1));
    }
    if (xe && rc == 0)
        rc = error_set(err, "writing the workbook failed: %s", lxw_strerror(xe));
    lxw_error ce = workbook_close(wb);
    if (ce && rc == 0)
        rc = error_set(err, "could not write %s: %s", path, lxw_strerror(ce));
    buf_release(&sh.scratch);
    arena_release(&a);
    return rc < 0 ? (rc == ERROR_FAILED ? STORE_ERROR : rc) : 0;
}
