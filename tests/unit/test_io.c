/*
 * Unit tests of src/io: the CSV reader (BOM, delimiters, quoted newlines, line numbers,
 * malformed input), CSV writing and list cells, name normalisation, and imports and
 * exports against a real temporary database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/limits.h"
#include "domain/domain.h"
#include "io/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- CSV reader helpers ------------------------------------------------------------- */

struct rows {
    size_t n;
    size_t line[16];
    size_t ncells[16];
    char cells[16][8][64];
    int stop_at; /* 1-based row at which the callback returns 42; 0: never */
};

static int collect(void *arg, size_t line, const struct str *cells, size_t n)
{
    struct rows *r = arg;
    if (r->n < 16) {
        r->line[r->n] = line;
        r->ncells[r->n] = n;
        for (size_t i = 0; i < n && i < 8; i++)
            snprintf(r->cells[r->n][i], 64, "%.*s", (int)cells[i].n, cells[i].p);
    }
    r->n++;
    return r->stop_at && (int)r->n == r->stop_at ? 42 : 0;
}

/* Reads text through a new reader, fed in pieces of `piece` bytes (0: all at once). */
static int read_csv(const char *text, size_t piece, struct rows *r, struct error *err,
                    size_t *err_line, char *delim)
{
    struct csv_reader *rd = csv_reader_new(collect, r);
    size_t n = strlen(text);
    int rc = 0;
    if (!piece)
        piece = n ? n : 1;
    for (size_t i = 0; i < n && rc == 0; i += piece)
        rc = csv_reader_feed(rd, text + i, i + piece > n ? n - i : piece, err);
    if (rc == 0)
        rc = csv_reader_finish(rd, err);
    if (err_line)
        *err_line = csv_reader_error_line(rd);
    if (delim)
        *delim = csv_reader_delim(rd);
    csv_reader_free(rd);
    return rc;
}

/* ---- CSV reader --------------------------------------------------------------------- */

static void test_csv_reader_gives_each_record_its_line(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    assert_int_equal(read_csv("a,b\n1,2\n3,4\n", 0, &r, &err, NULL, NULL), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.line[0], 1);
    assert_int_equal(r.line[2], 3);
    assert_string_equal(r.cells[2][1], "4");
}

static void test_csv_reader_skips_a_byte_order_mark(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    assert_int_equal(read_csv("\xEF\xBB\xBFname,country\nX,RU\n", 0, &r, &err, NULL, NULL), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.cells[0][0], "name");
}

static void test_csv_reader_detects_semicolons_from_the_header(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    char delim = 0;
    assert_int_equal(read_csv("name;country;city\n\"A, B\";RU;Moscow\n", 0, &r, &err, NULL, &delim),
                     0);
    assert_int_equal(delim, ';');
    assert_int_equal(r.ncells[1], 3);
    assert_string_equal(r.cells[1][0], "A, B");
}

static void test_csv_reader_keeps_commas_when_they_outnumber_semicolons(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    char delim = 0;
    assert_int_equal(read_csv("a,b,\"c;d;e\"\n", 0, &r, &err, NULL, &delim), 0);
    assert_int_equal(delim, ',');
    assert_int_equal(r.ncells[0], 3);
}

static void test_csv_reader_counts_lines_inside_quoted_cells(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    const char *text = "name,notes\n\"A\",\"first\nsecond\nthird\"\nB,x\n";
    assert_int_equal(read_csv(text, 0, &r, &err, NULL, NULL), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.line[1], 2);
    assert_string_equal(r.cells[1][1], "first\nsecond\nthird");
    assert_int_equal(r.line[2], 5); /* the quoted cell took lines 2 to 4 */
}

static void test_csv_reader_handles_crlf_and_blank_lines(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    assert_int_equal(read_csv("a,b\r\n\r\n1,2\r\n\n3,\"x\r\ny\"\r\n4,5", 0, &r, &err, NULL, NULL),
                     0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.line[1], 3);
    assert_int_equal(r.line[2], 5);
    assert_int_equal(r.line[3], 7);
    assert_string_equal(r.cells[2][1], "x\r\ny");
    assert_string_equal(r.cells[3][1], "5"); /* the last record has no line break */
}

static void test_csv_reader_gives_the_same_lines_fed_byte_by_byte(void **state)
{
    const char *text = "\xEF\xBB\xBFh1;h2\r\n\"a\r\nb\";c\r\n\r\nd;e\re;f\n";
    struct rows whole = {0}, bytes = {0};
    struct error err = ERROR_INIT;
    assert_int_equal(read_csv(text, 0, &whole, &err, NULL, NULL), 0);
    assert_int_equal(read_csv(text, 1, &bytes, &err, NULL, NULL), 0);
    assert_int_equal(whole.n, 4);
    assert_int_equal(bytes.n, whole.n);
    for (size_t i = 0; i < whole.n; i++) {
        assert_int_equal(bytes.line[i], whole.line[i]);
        assert_string_equal(bytes.cells[i][0], whole.cells[i][0]);
    }
    assert_int_equal(whole.line[1], 2);
    assert_int_equal(whole.line[2], 5);
    assert_int_equal(whole.line[3], 6); /* a lone CR ends a line too */
}

static void test_csv_reader_names_the_line_of_an_unclosed_quote(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    size_t line = 0;
    assert_int_equal(read_csv("a,b\n1,2\n3,\"never closed\n4,5\n", 0, &r, &err, &line, NULL), -1);
    assert_int_equal(line, 3);
    assert_non_null(strstr(err.msg, "never closed"));
}

static void test_csv_reader_refuses_a_quote_inside_an_unquoted_cell(void **state)
{
    struct rows r = {0};
    struct error err = ERROR_INIT;
    size_t line = 0;
    assert_int_equal(read_csv("a,b\n1,2\n3,5\" floppy\n", 0, &r, &err, &line, NULL), -1);
    assert_int_equal(line, 3);
    assert_non_null(strstr(err.msg, "quote"));
}

static void test_csv_reader_bounds_one_record(void **state)
{
    size_t n = LIMIT_CSV_RECORD + 4096;
    char *text = malloc(n + 16);
    strcpy(text, "a\n\"");
    memset(text + 3, 'x', n);
    text[n + 3] = '\0';
    struct rows r = {0};
    struct error err = ERROR_INIT;
    size_t line = 0;
    assert_int_equal(read_csv(text, 65536, &r, &err, &line, NULL), -1);
    assert_int_equal(line, 2);
    assert_non_null(strstr(err.msg, "longer than"));
    free(text);
}

static void test_csv_reader_stops_when_the_callback_says_so(void **state)
{
    struct rows r = {.stop_at = 2};
    struct error err = ERROR_INIT;
    assert_int_equal(read_csv("a\nb\nc\nd\n", 0, &r, &err, NULL, NULL), 42);
    assert_int_equal(r.n, 2);
}

/* ---- writing, lists, names ---------------------------------------------------------- */

static void test_csv_put_cell_quotes_only_what_needs_it(void **state)
{
    struct buf b = BUF_INIT;
    csv_put_cell(&b, "plain", 5, ',');
    buf_putc(&b, '|');
    csv_put_cell(&b, "a,b", 3, ',');
    buf_putc(&b, '|');
    csv_put_cell(&b, "a;b", 3, ',');
    buf_putc(&b, '|');
    csv_put_cell(&b, "say \"hi\"", 8, ',');
    buf_putc(&b, '|');
    csv_put_cell(&b, "two\nlines", 9, ';');
    assert_string_equal(b.p, "plain|\"a,b\"|a;b|\"say \"\"hi\"\"\"|\"two\nlines\"");
    buf_release(&b);
}

static const struct field areas_field = {"areas", FT_TEXT_LIST, 0, 0, 3, NULL, NULL};

static void test_list_cells_split_at_bars_and_trim(void **state)
{
    struct arena a = ARENA_INIT;
    struct value v;
    const char *why = "unset";
    assert_int_equal(
        io_list_from_cell(&areas_field, STR(" human rights | history|x "), &a, &v, &why), 0);
    assert_null(why);
    assert_string_equal(v.s, "[\"human rights\",\"history\",\"x\"]");
    arena_release(&a);
}

static void test_list_cells_refuse_empty_and_too_many_items(void **state)
{
    struct arena a = ARENA_INIT;
    struct value v;
    const char *why = NULL;
    assert_int_equal(io_list_from_cell(&areas_field, STR("a||b"), &a, &v, &why), -1);
    assert_non_null(strstr(why, "empty item"));
    assert_int_equal(io_list_from_cell(&areas_field, STR("a|b|c|d"), &a, &v, &why), -1);
    assert_non_null(strstr(why, "too many"));
    static const struct field ids = {"organisation_ids", FT_REF_LIST, 0, 0, 0, NULL,
                                     "organisations"};
    assert_int_equal(io_list_from_cell(&ids, STR("3|4|3"), &a, &v, &why), -1);
    assert_non_null(strstr(why, "twice"));
    assert_int_equal(io_list_from_cell(&ids, STR("3|x"), &a, &v, &why), -1);
    assert_int_equal(io_list_from_cell(&ids, STR("3| 4"), &a, &v, &why), 0);
    assert_string_equal(v.s, "[3,4]");
    arena_release(&a);
}

static void test_list_cells_round_trip_bars_and_backslashes(void **state)
{
    struct arena a = ARENA_INIT;
    const char *stored = "[\"a|b\",\"c\\\\d\",\"\\u00abe\\u00bb\"]"; /* a|b, c\d, «e» */
    struct buf cell = BUF_INIT;
    csv_put_list(&cell, stored, strlen(stored), ',');
    assert_string_equal(cell.p, "a\\|b|c\\\\d|\xC2\xAB"
                                "e\xC2\xBB");
    struct value v;
    const char *why = NULL;
    assert_int_equal(io_list_from_cell(&areas_field, buf_str(&cell), &a, &v, &why), 0);
    json_t *want = json_loads(stored, 0, NULL), *got = json_loadb(v.s, v.n, 0, NULL);
    assert_true(json_equal(want, got));
    json_decref(want);
    json_decref(got);
    buf_release(&cell);
    arena_release(&a);
}

static void test_names_normalise_case_punctuation_space_and_yo(void **state)
{
    struct arena a = ARENA_INIT;
    struct str x = io_normalise_name(STR("  «Мемориал» – Общество   Ёлки, Inc. "), &a);
    struct str y = io_normalise_name(STR("мемориал общество елки inc"), &a);
    assert_int_equal(x.n, y.n);
    assert_memory_equal(x.p, y.p, x.n);
    struct str z = io_normalise_name(STR("Memorial Society"), &a);
    assert_string_equal(z.p, "memorialsociety");
    assert_int_equal(io_normalise_name(STR("— ... —"), &a).n, 0);
    arena_release(&a);
}

/* ---- imports and exports on a real database ----------------------------------------- */

struct fixture {
    char dir[64];
    char path[96];
    struct store *s;
};

static const struct principal admin = {.role = ROLE_ADMIN, .email = "unit@test"};

static struct store *open_db(struct fixture *f, const char *name)
{
    snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
    struct error err = ERROR_INIT;
    if (store_open(&f->s, f->path, STORE_OPEN_INIT, &err) < 0)
        fail_msg("store_open: %s", err.msg);
    return f->s;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-io-unit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    open_db(f, "a.db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Imports text (CSV, or JSON when json) with opts; returns the import's code. */
static int import_text(struct store *s, const char *text, struct io_import_opts *o,
                       struct io_report *rep, bool json)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    struct error err = ERROR_INIT;
    if (!o->res)
        o->res = &res_organisations;
    o->who = &admin;
    int rc = json ? io_import_json(s, o, in, (int64_t)strlen(text), rep, &err)
                  : io_import_csv(s, o, in, (int64_t)strlen(text), rep, &err);
    fclose(in);
    if (rc < 0 && rc != IO_INVALID)
        fail_msg("import failed: %s", err.msg);
    return rc;
}

static int64_t count(struct store *s, const struct resource *res)
{
    struct list_query q = {.sort = -1, .limit = 1, .count = true};
    struct list_result r;
    struct arena a = ARENA_INIT;
    struct error err = ERROR_INIT;
    assert_int_equal(store_list(store_reader(s), res, &q, &a, &r, &err), 0);
    arena_release(&a);
    return r.total;
}

/* True if the report lists an error on that line and field containing `text`. */
static bool has_issue(const struct io_report *rep, size_t line, const char *field, const char *text)
{
    for (size_t i = 0; i < rep->nerrors; i++)
        if (rep->errors[i].line == line && !strcmp(rep->errors[i].field, field) &&
            strstr(rep->errors[i].message, text))
            return true;
    return false;
}

static void test_import_lists_every_bad_row_and_imports_nothing(void **state)
{
    struct fixture *f = *state;
    const char *csv = "name,country,founded_on,legal_form,public,areas\n"
                      "Good,RU,2001-02-03,foundation,true,a|b\n" /* 2 */
                      "Bad country,XX,,,,\n"                     /* 3 */
                      ",RU,,,,\n"                                /* 4 */
                      "Bad date,FR,2001-02-30,,,\n"              /* 5 */
                      "Bad enum,FR,,charity,,\n"                 /* 6 */
                      "Bad bool,FR,,,maybe,\n"                   /* 7 */
                      "\"Two\nlines\",DE,,,,a||b\n"              /* 8-9 */
                      "Ragged,DE\n"                              /* 10 */
                      "Bad \xC3\x28 text,DE,,,,\n"               /* 11 */
                      "Future,DE,2999-01-01,,,\n";               /* 12 */
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, csv, &o, &rep, false), IO_INVALID);
    assert_false(rep.committed);
    assert_int_equal(rep.rows, 10);
    assert_int_equal(rep.invalid, 9);
    assert_true(has_issue(&rep, 3, "country", "ISO 3166"));
    assert_true(has_issue(&rep, 4, "name", "required"));
    assert_true(has_issue(&rep, 5, "founded_on", "date"));
    assert_true(has_issue(&rep, 6, "legal_form", "allowed"));
    assert_true(has_issue(&rep, 7, "public", "true or false"));
    assert_true(has_issue(&rep, 8, "areas", "empty item"));
    assert_true(has_issue(&rep, 10, "", "2 cells where the header has 6"));
    assert_true(has_issue(&rep, 11, "name", "UTF-8"));
    assert_true(has_issue(&rep, 12, "founded_on", "future"));
    assert_int_equal(count(f->s, &res_organisations), 0);
    io_report_release(&rep);
}

static void test_import_names_unknown_and_missing_columns(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,contry,id,version\nA,RU,1,1\n", &o, &rep, false),
                     IO_INVALID);
    assert_true(has_issue(&rep, 1, "contry", "is not a field of organisation"));
    assert_true(has_issue(&rep, 1, "country", "required"));
    assert_int_equal(rep.rows, 0);
    io_report_release(&rep);
}

static void test_import_skip_invalid_keeps_good_rows_and_sets_bad_ones_aside(void **state)
{
    struct fixture *f = *state;
    char *out = NULL;
    size_t outn = 0;
    FILE *rejects = open_memstream(&out, &outn);
    struct io_import_opts o = {.skip_invalid = true, .rejects = rejects};
    struct io_report rep = IO_REPORT_INIT;
    const char *csv = "name;country\nA;RU\nB;XX\n\"C; Ltd\";FR\n";
    assert_int_equal(import_text(f->s, csv, &o, &rep, false), 0);
    fclose(rejects);
    assert_true(rep.committed);
    assert_int_equal(rep.imported, 2);
    assert_int_equal(rep.invalid, 1);
    assert_int_equal(count(f->s, &res_organisations), 2);
    assert_non_null(strstr(out, "name;country;error\r\n"));
    assert_non_null(strstr(out, "B;XX;country: must be"));
    free(out);
    io_report_release(&rep);
}

static void test_import_finds_duplicates_by_registration_and_similar_name(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s,
                                 "name,country,registration_no\n"
                                 "Memorial Society,RU,77-1\n"
                                 "Green Future,FR,\n",
                                 &o, &rep, false),
                     0);
    io_report_release(&rep);
    const char *again = "name,country,registration_no,city\n"
                        "Other name,RU,77-1,Moscow\n"     /* 2: same registration */
                        "«MEMORIAL»  society!,RU,,Perm\n" /* 3: similar name */
                        "Memorial Society,DE,,Berlin\n"   /* 4: another country */
                        "Green future,FR,,Paris\n";       /* 5 */
    assert_int_equal(import_text(f->s, again, &o, &rep, false), IO_INVALID);
    assert_true(has_issue(&rep, 2, "registration_no", "possible duplicate of organisation 1"));
    assert_true(has_issue(&rep, 3, "name", "organisation 1 (same country and a similar name)"));
    assert_true(has_issue(&rep, 5, "name", "organisation 2"));
    assert_int_equal(rep.invalid, 3);
    io_report_release(&rep);

    o.on_duplicate = IO_DUP_SKIP;
    assert_int_equal(import_text(f->s, again, &o, &rep, false), 0);
    assert_int_equal(rep.imported, 1);
    assert_int_equal(rep.skipped, 3);
    assert_int_equal(rep.dups_total, 3);
    assert_int_equal(count(f->s, &res_organisations), 3);
    io_report_release(&rep);

    o.on_duplicate = IO_DUP_UPDATE;
    const char *update = "name,country,registration_no,city\nGreen Future,FR,,Lyon\n";
    assert_int_equal(import_text(f->s, update, &o, &rep, false), 0);
    assert_int_equal(rep.updated, 1);
    assert_int_equal(rep.imported, 0);
    struct arena a = ARENA_INIT;
    struct record *rec;
    assert_int_equal(store_get(store_reader(f->s), &res_organisations, 2, &a, &rec), 0);
    int city = resource_field_index(&res_organisations, "city");
    assert_string_equal(rec->v[city].s, "Lyon");
    assert_int_equal(rec->version, 2);
    arena_release(&a);
    io_report_release(&rep);
}

static void test_import_report_as_json_lists_errors_with_lines(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,country\nA,RU\nB,XX\n", &o, &rep, false), IO_INVALID);
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    io_report_to_json(&rep, &w);
    json_t *j = json_loadb(b.p, b.n, 0, NULL);
    assert_non_null(j);
    assert_false(json_is_true(json_object_get(j, "committed")));
    assert_int_equal(json_integer_value(json_object_get(j, "rows")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "invalid")), 1);
    json_t *e = json_array_get(json_object_get(j, "errors"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 3);
    assert_string_equal(json_string_value(json_object_get(e, "field")), "country");
    json_decref(j);
    buf_release(&b);
    io_report_release(&rep);
}

static void test_import_finds_duplicates_within_the_file(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,country\nA-B,RU\na b,RU\n", &o, &rep, false),
                     IO_INVALID);
    assert_true(has_issue(&rep, 3, "name", "possible duplicate of line 2"));
    io_report_release(&rep);
}

static void test_import_writes_one_audit_entry_and_the_chain_verifies(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {.source = "orgs.csv"};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,country\nA,RU\nB,FR\nC,DE\n", &o, &rep, false), 0);
    io_report_release(&rep);
    int64_t checked = 0, bad = 0;
    struct error err = ERROR_INIT;
    assert_int_equal(store_audit_verify(store_reader(f->s), &checked, &bad, &err), 0);
    assert_int_equal(checked, 1);
}

static void test_import_of_people_checks_references(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,country\nA,RU\n", &o, &rep, false), 0);
    io_report_release(&rep);
    o.res = &res_people;
    assert_int_equal(import_text(f->s,
                                 "full_name,organisation_id,languages\n"
                                 "Anna,1,ru|en\n"
                                 "Boris,99,\n"
                                 "Clara,1,xx\n",
                                 &o, &rep, false),
                     IO_INVALID);
    assert_true(has_issue(&rep, 3, "organisation_id", "no organisation with id 99"));
    assert_true(has_issue(&rep, 4, "languages", ""));
    assert_int_equal(count(f->s, &res_people), 0);
    io_report_release(&rep);
}

static void test_import_refuses_an_empty_file(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "", &o, &rep, false), IO_INVALID);
    assert_true(has_issue(&rep, 0, "", "empty"));
    io_report_release(&rep);
}

/* Exports res as format into a string (caller frees). */
static char *export_text(struct store *s, const struct resource *res, enum io_format fmt)
{
    struct io_export_opts eo = {.res = res, .who = &admin, .format = fmt};
    struct io_export *e;
    struct error err = ERROR_INIT;
    assert_int_equal(io_export_open(&e, store_reader(s), &eo, &err), 0);
    struct buf out = BUF_INIT;
    int rc;
    while ((rc = io_export_next(e, &out, &err)) > 0)
        ;
    assert_int_equal(rc, 0);
    io_export_free(e);
    return buf_detach(&out);
}

/* Drops the metadata columns (first, and the last three) of every CSV line. */
static char *strip_meta(const char *csv)
{
    struct buf b = BUF_INIT;
    for (const char *line = csv; *line;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        const char *first = strchr(line, ',') + 1, *last = end;
        for (int k = 0; k < 3; k++)
            while (*--last != ',')
                ;
        buf_append(&b, first, (size_t)(last - first));
        buf_putc(&b, '\n');
        line = end + 2;
    }
    return buf_detach(&b);
}

static void test_csv_export_reimports_to_the_same_data(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    const char *csv = "name,country,areas,description,public,founded_on,website\n"
                      "\"Quote \"\"this\"\", ok\",RU,a\\|b|c,\"multi\nline\",true,1990-05-06,"
                      "https://x.example\n"
                      "Plain;semi,FR,,,false,,\n";
    assert_int_equal(import_text(f->s, csv, &o, &rep, false), 0);
    io_report_release(&rep);
    char *first = export_text(f->s, &res_organisations, IO_CSV);
    assert_non_null(strstr(first, "a\\|b|c"));

    store_close(f->s);
    open_db(f, "b.db");
    assert_int_equal(import_text(f->s, first, &o, &rep, false), 0);
    assert_int_equal(rep.imported, 2);
    io_report_release(&rep);
    char *second = export_text(f->s, &res_organisations, IO_CSV);
    char *a = strip_meta(first), *b = strip_meta(second);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(first);
    free(second);
}

static void test_json_export_reimports_to_the_same_data(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,country,areas,phone\nA \xC3\xA9,RU,x|y,+7 1\nB,FR,,\n",
                                 &o, &rep, false),
                     0);
    io_report_release(&rep);
    char *first = export_text(f->s, &res_organisations, IO_JSON);
    json_t *one = json_loads(first, 0, NULL);
    assert_true(json_is_array(one));
    assert_int_equal(json_array_size(one), 2);

    store_close(f->s);
    open_db(f, "b.db");
    assert_int_equal(import_text(f->s, first, &o, &rep, true), 0);
    assert_int_equal(rep.imported, 2);
    io_report_release(&rep);
    char *second = export_text(f->s, &res_organisations, IO_JSON);
    json_t *two = json_loads(second, 0, NULL);
    size_t i;
    json_t *item;
    json_array_foreach(one, i, item)
    {
        json_t *other = json_array_get(two, i);
        static const char *const meta[] = {"id", "created_at", "updated_at", "version"};
        for (size_t k = 0; k < 4; k++) {
            json_object_del(item, meta[k]);
            json_object_del(other, meta[k]);
        }
        assert_true(json_equal(item, other));
    }
    json_decref(one);
    json_decref(two);
    free(first);
    free(second);
}

static void test_json_import_names_the_line_of_a_bad_item(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    const char *json = "[\n  {\"name\": \"A\", \"country\": \"RU\"},\n"
                       "  {\"name\": \"B\",\n   \"country\": \"XX\", \"colour\": 1}\n]\n";
    assert_int_equal(import_text(f->s, json, &o, &rep, true), IO_INVALID);
    assert_true(has_issue(&rep, 3, "country", "ISO 3166"));
    assert_true(has_issue(&rep, 3, "colour", "not a field"));
    io_report_release(&rep);
    assert_int_equal(import_text(f->s, "[{\"name\": \"A\",}]", &o, &rep, true), IO_INVALID);
    assert_true(has_issue(&rep, 1, "", "malformed JSON"));
    io_report_release(&rep);
}

static void test_export_filters_select_records(void **state)
{
    struct fixture *f = *state;
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_text(f->s, "name,country\nA,RU\nB,FR\nC,RU\n", &o, &rep, false), 0);
    io_report_release(&rep);
    struct io_export_opts eo = {.res = &res_organisations, .who = &admin, .format = IO_CSV};
    struct arena a = ARENA_INIT;
    struct error err = ERROR_INIT;
    assert_int_equal(io_export_filter(&eo, STR("country"), STR("RU"), &a, &err), 0);
    assert_int_equal(io_export_filter(&eo, STR("colour"), STR("red"), &a, &err), -1);
    assert_non_null(strstr(err.msg, "colour is not a filter"));
    assert_int_equal(io_export_filter(&eo, STR("country"), STR("Russia"), &a, &err), -1);
    struct io_export *e;
    assert_int_equal(io_export_open(&e, store_reader(f->s), &eo, &err), 0);
    struct buf out = BUF_INIT;
    while (io_export_next(e, &out, &err) > 0)
        ;
    assert_int_equal(io_export_rows(e), 2);
    io_export_free(e);
    assert_null(strstr(out.p, ",B,"));
    buf_release(&out);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_reader_gives_each_record_its_line),
        cmocka_unit_test(test_csv_reader_skips_a_byte_order_mark),
        cmocka_unit_test(test_csv_reader_detects_semicolons_from_the_header),
        cmocka_unit_test(test_csv_reader_keeps_commas_when_they_outnumber_semicolons),
        cmocka_unit_test(test_csv_reader_counts_lines_inside_quoted_cells),
        cmocka_unit_test(test_csv_reader_handles_crlf_and_blank_lines),
        cmocka_unit_test(test_csv_reader_gives_the_same_lines_fed_byte_by_byte),
        cmocka_unit_test(test_csv_reader_names_the_line_of_an_unclosed_quote),
        cmocka_unit_test(test_csv_reader_refuses_a_quote_inside_an_unquoted_cell),
        cmocka_unit_test(test_csv_reader_bounds_one_record),
        cmocka_unit_test(test_csv_reader_stops_when_the_callback_says_so),
        cmocka_unit_test(test_csv_put_cell_quotes_only_what_needs_it),
        cmocka_unit_test(test_list_cells_split_at_bars_and_trim),
        cmocka_unit_test(test_list_cells_refuse_empty_and_too_many_items),
        cmocka_unit_test(test_list_cells_round_trip_bars_and_backslashes),
        cmocka_unit_test(test_names_normalise_case_punctuation_space_and_yo),
        cmocka_unit_test_setup_teardown(test_import_lists_every_bad_row_and_imports_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_names_unknown_and_missing_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_import_skip_invalid_keeps_good_rows_and_sets_bad_ones_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_import_finds_duplicates_by_registration_and_similar_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_report_as_json_lists_errors_with_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_finds_duplicates_within_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_writes_one_audit_entry_and_the_chain_verifies,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_of_people_checks_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_refuses_an_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_export_reimports_to_the_same_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_export_reimports_to_the_same_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_import_names_the_line_of_a_bad_item, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_export_filters_select_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
