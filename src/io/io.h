/*
 * io: data in and out of civdesk as files. CSV and JSON import of any declared resource
 * (every row validated by the same declarations and hooks as the API, in one write
 * transaction), and CSV / JSON / XLSX export streamed page by page.
 *
 * The command line and the HTTP API both call these; nothing here knows either. The
 * file formats are described for users in docs/import-export.md.
 */
#ifndef CIVDESK_IO_H
#define CIVDESK_IO_H

#include "auth/auth.h"
#include "core/core.h"
#include "resource/resource.h"
#include "store/store.h"

#include <stdio.h>

/* Separates the items of a list field (areas, languages, ...) inside one CSV cell. An item
 * that contains it, or a backslash, has it escaped with a backslash: "a\|b". */
#define IO_LIST_SEP '|'
/* Row problems kept for the report; beyond this only counted. */
#define IO_ISSUES_LISTED 100

/* ---- CSV reading -------------------------------------------------------------------- */

/*
 * A streaming RFC 4180 reader over libcsv. Bytes go in through csv_reader_feed() in
 * pieces of any size; each complete record comes out through the callback with the
 * physical line of the file where it starts (1-based, counting every line break, also
 * those inside quoted cells). A UTF-8 byte order mark is skipped; the delimiter (comma or
 * semicolon) is taken from the first line: whichever occurs more often outside quotes.
 * Blank lines are skipped. Cells are not checked for UTF-8: the layer above does that.
 *
 * The callback's cells are borrowed and valid during the call only. A non-zero return
 * from it stops reading, and feed / finish return that value.
 */
typedef int (*csv_row_fn)(void *arg, size_t line, const struct str *cells, size_t ncells);

struct csv_reader;

/* A new reader; the caller owns it and frees it with csv_reader_free. */
struct csv_reader *csv_reader_new(csv_row_fn fn, void *arg);
void csv_reader_free(struct csv_reader *r); /* NULL is fine */
/* -1 with err set on malformed CSV or a record over LIMIT_CSV_RECORD bytes (the line is
 * then csv_reader_error_line's); the callback's value when it stopped; 0 otherwise. */
int csv_reader_feed(struct csv_reader *r, const char *p, size_t n, struct error *err);
/* Ends the input: delivers the last record (no final line break needed), and fails on a
 * quoted cell that was never closed. */
int csv_reader_finish(struct csv_reader *r, struct error *err);
/* The physical line the last -1 from feed / finish is about. */
size_t csv_reader_error_line(const struct csv_reader *r);
/* The delimiter detected (',' until the first line was seen). */
char csv_reader_delim(const struct csv_reader *r);

/* ---- CSV writing -------------------------------------------------------------------- */

/* Appends one cell, quoted (RFC 4180) when it holds the delimiter, a quote, CR or LF, or
 * begins or ends with a space or tab (which the reader would otherwise trim). A cell that
 * begins with = + - @ tab or CR (a spreadsheet would evaluate it as a formula), or with an
 * apostrophe before one of those or before another apostrophe, gets an apostrophe in
 * front (OWASP's rule against CSV injection); csv_unneutralise() removes it on import. */
void csv_put_cell(struct buf *out, const char *p, size_t n, char delim);
/* The cell without the apostrophe csv_put_cell() put in front of it (borrowed view of
 * cell); any other cell as it is. */
struct str csv_unneutralise(struct str cell);
/* Appends a list value (canonical JSON array text, as stored) as one cell of items joined
 * by IO_LIST_SEP, each escaped as that describes. */
void csv_put_list(struct buf *out, const char *json, size_t n, char delim);

/*
 * Parses a cell of a list field (FT_TEXT_LIST / FT_REF_LIST): items split at unescaped
 * IO_LIST_SEP, trimmed, each validated with value_from_text(), counted against the
 * field's maximum. On success out holds the canonical JSON array text (arena-owned).
 * Returns -1 with *message set (stable English text) otherwise.
 */
int io_list_from_cell(const struct field *f, struct str cell, struct arena *a, struct value *out,
                      const char **message);

/* Lower-cases (ASCII, Latin-1, Cyrillic), folds ё to е and drops everything that is not a
 * letter or digit, so "«Memorial»  Society" and "memorial society" compare equal. The
 * result (arena-owned, NUL-terminated) is used for duplicate detection only. */
struct str io_normalise_name(struct str s, struct arena *a);

/* ---- import ------------------------------------------------------------------------- */

enum io_dup_policy {
    IO_DUP_ERROR, /* a possible duplicate is an invalid row (default) */
    IO_DUP_SKIP,  /* leave the stored record alone, do not import the row */
    IO_DUP_UPDATE /* overwrite the stored record with the row's columns */
};

/* Parses "error" | "skip" | "update"; -1 otherwise. */
int io_dup_policy_parse(const char *s, enum io_dup_policy *out);

/* A value applied to one field of every row (listing imports: --body, --as-of). */
struct io_fixed {
    const char *field; /* borrowed */
    const char *value; /* borrowed, validated like a cell */
};

struct io_progress {
    size_t rows;         /* data rows read so far */
    int64_t bytes;       /* bytes read so far */
    int64_t total_bytes; /* size of the input, -1 if unknown (a pipe) */
    double seconds;      /* since the import started */
    /* Once every row is read, the records created are indexed for search together: how
     * many so far, of how many (0 of 0 until then). */
    int64_t indexed, to_index;
};

struct io_import_opts {
    const struct resource *res;  /* borrowed */
    const struct principal *who; /* borrowed: hooks and the audit trail see it */
    enum io_dup_policy on_duplicate;
    bool skip_invalid; /* import the good rows, hand the bad ones to rejects */
    FILE *rejects;     /* skip_invalid: bad rows as CSV with an `error` column;
                          borrowed, may be NULL */
    struct io_fixed fixed[4];
    size_t nfixed;
    const char *source; /* the file's name, for the audit entry; may be NULL */
    /* Called every few hundred rows and once at the end; may be NULL. */
    void (*progress)(void *arg, const struct io_progress *p);
    void *progress_arg;
};

/* One problem with one row (or with the file as a whole). */
struct io_issue {
    size_t line;         /* physical line where the record starts; for JSON the item's */
    const char *field;   /* "" when about the whole row */
    const char *message; /* English; arena-owned */
};

struct io_report {
    struct arena arena;      /* owns issues' text; io_report_release frees it */
    size_t rows;             /* data rows read (blank rows not counted) */
    size_t imported;         /* new records (0 when nothing was committed) */
    size_t updated;          /* stored records overwritten (--on-duplicate update) */
    size_t skipped;          /* duplicates left alone (--on-duplicate skip) */
    size_t invalid;          /* rows with at least one error */
    size_t duplicates;       /* rows that matched a stored or earlier record */
    struct io_issue *errors; /* the first IO_ISSUES_LISTED errors, in file order */
    size_t nerrors, errors_total;
    struct io_issue *dups; /* the first IO_ISSUES_LISTED possible duplicates */
    size_t ndups, dups_total;
    bool committed; /* false: the database is unchanged */
    double seconds;
};
/* clang-format off */
#define IO_REPORT_INIT {.arena = ARENA_INIT}
/* clang-format on */
void io_report_release(struct io_report *r);
/*
 * The report as a JSON object, for the API ("committed" is true only when rows were
 * written): {"committed", "rows", "imported", "updated",
 * "skipped", "invalid", "duplicates", "seconds", "errors": [{"line", "field",
 * "message"}...], "errors_total", "duplicate_rows": [...], "duplicate_rows_total"}.
 */
void io_report_to_json(const struct io_report *r, struct jw *w);

/* Outcome of an import besides STORE_* codes: IO_INVALID (core/result.h), rows were
 * invalid and nothing was imported. */

/*
 * Imports CSV from `in` (size: its length for progress, -1 if unknown) into o->res in one
 * write transaction. The first record is the header: names of declared fields, plus
 * id / created_at / updated_at / version, which are accepted and ignored so an export
 * re-imports. Returns 0 when committed (see rep for what happened, including rows set
 * aside by skip_invalid); IO_INVALID when the file or some rows were invalid and nothing
 * was imported (rep->errors says which and why); another negative code with err set on
 * a failure that is not the file's fault (I/O, database).
 *
 * The audit trail gets one entry for the import ("import": the file's name and SHA-256,
 * the range of ids created, the counts) and one per stored record it updated; see
 * docs/import-export.md for why creates are not audited one by one.
 */
int io_import_csv(struct store *s, const struct io_import_opts *o, FILE *in, int64_t size,
                  struct io_report *rep, struct error *err);

/*
 * The same for a JSON array of objects shaped like the API's records (as `export
 * --format json` writes them): metadata and the resource's computed values are ignored;
 * any other key that is not a field is an error. Issues name the item's line.
 */
int io_import_json(struct store *s, const struct io_import_opts *o, FILE *in, int64_t size,
                   struct io_report *rep, struct error *err);

/* ---- export ------------------------------------------------------------------------- */

enum io_format { IO_CSV, IO_JSON, IO_XLSX };

/* "csv" | "json" | "xlsx"; -1 otherwise. */
int io_format_parse(const char *s, enum io_format *out);

struct io_export_opts {
    const struct resource *res;  /* borrowed */
    const struct principal *who; /* borrowed: computed hooks see it */
    enum io_format format;
    const char *labels;  /* CSV: a UI language ("en", "ru": io_export_labels_valid) whose
                            field labels head the columns, for a person reading the file;
                            NULL: the field names, which import reads */
    struct list_query q; /* filters, scope_org, only_public; sort, cursor and limit are
                            the exporter's */
};

/* Whether lang has the UI's field labels (io/labels.h): "en" and "ru". */
bool io_export_labels_valid(const char *lang);

/*
 * Adds the filter name=value (an F_FILTER field or id, value as in the API's query
 * string) to o->q. Returns -1 with err naming the problem otherwise.
 */
int io_export_filter(struct io_export_opts *o, struct str name, struct str value, struct arena *a,
                     struct error *err);

/*
 * A streaming CSV or JSON export: a read transaction on conn for a consistent snapshot,
 * records fetched in keyset pages, so memory stays flat however many rows there are.
 *
 *   struct io_export *e;
 *   io_export_open(&e, conn, &o, &err);
 *   while ((rc = io_export_next(e, &chunk, &err)) > 0) { send chunk; buf_reset(&chunk); }
 *   io_export_free(e);
 *
 * CSV: a header row of column names (id, the fields, created_at, updated_at, version; or
 * with o->labels, each column's label in that language, the name where it has none),
 * then one row per record, lists as csv_put_list writes them, null as an empty cell.
 * JSON: an array of objects exactly as the API writes records.
 * conn is borrowed and must be used by the calling thread only until io_export_free.
 */
struct io_export;
int io_export_open(struct io_export **out, struct store_conn *conn, const struct io_export_opts *o,
                   struct error *err);
/* Appends the next piece to out: 1 when it appended something, 0 at the end, negative
 * with err on a failure. */
int io_export_next(struct io_export *e, struct buf *out, struct error *err);
size_t io_export_rows(const struct io_export *e); /* records written so far */
void io_export_free(struct io_export *e);         /* ends the read transaction */

/*
 * Writes an XLSX workbook to path: one sheet named after the resource, a bold frozen
 * header row with a filter, column widths fitted to the content, dates and timestamps as
 * real dates, numbers as numbers, booleans as booleans, lists joined as in CSV. Rows are
 * streamed (libxlsxwriter's constant-memory mode). *rows receives the count.
 */
int io_export_xlsx(struct store_conn *conn, const struct io_export_opts *o, const char *path,
                   size_t *rows, struct error *err);

#endif
