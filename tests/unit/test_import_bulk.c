/*
 * Imports write the search index in bulk, at the end of their transaction
 * (search_bulk_begin / search_bulk_end in src/store/search_index.c). These tests prove the
 * index they leave is exactly the one creating the same records one by one leaves — rows,
 * tags, hashes and every token at every position — whatever happens in the import (rows
 * set aside, a rollback, duplicates updated, records of the same file updated, orphaned
 * entries); that a large import leaves the table's own indexes as they were; that the
 * audit entry holds the file's digest; and that an out-of-date index is handled at open
 * as docs/search.md says (enum store_open_mode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "io/io.h"
#include "search/search.h"
#include "store/db_sqlite.h"
#include "store/search_index.h"
#include "store/store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct principal admin = {.role = ROLE_ADMIN, .email = "unit@test"};

/* ---- fixture: two databases, one filled by imports, one record by record ------------- */

struct fx {
    char dir[64];
    char bulk_path[96], one_path[96];
    struct store *bulk, *one;
    struct arena a;
};

static int group_setup(void **state)
{
    return auth_init();
}

static struct store *open_store(const char *path, enum store_open_mode mode)
{
    struct store *s = NULL;
    struct error err = ERROR_INIT;
    if (store_open(&s, path, mode, &err) < 0)
        fail_msg("store_open %s: %s", path, err.msg);
    return s;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-bulk-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->bulk_path, sizeof(f->bulk_path), "%s/bulk.db", f->dir);
    snprintf(f->one_path, sizeof(f->one_path), "%s/one.db", f->dir);
    f->bulk = open_store(f->bulk_path, STORE_OPEN_INIT);
    f->one = open_store(f->one_path, STORE_OPEN_INIT);
    arena_init(&f->a);
    *state = f;
    alarm(600);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    alarm(0);
    store_close(f->bulk);
    store_close(f->one);
    arena_release(&f->a);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------------------ */

static const struct resource *R(const char *name)
{
    const struct resource *r = resource_find(str_from(name));
    if (!r)
        fail_msg("no resource %s", name);
    return r;
}

/* Imports CSV text into s; returns the import's code (the report in *rep). */
static int import_csv(struct store *s, const char *res, const char *text, struct io_import_opts *o,
                      struct io_report *rep)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    struct error err = ERROR_INIT;
    o->res = R(res);
    o->who = &admin;
    int rc = io_import_csv(s, o, in, (int64_t)strlen(text), rep, &err);
    fclose(in);
    if (rc < 0 && rc != IO_INVALID)
        fail_msg("import failed: %s", err.msg);
    return rc;
}

static void import_ok(struct store *s, const char *res, const char *text, size_t imported)
{
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    int rc = import_csv(s, res, text, &o, &rep);
    if (rc != 0)
        fail_msg("import of %s: %d (%zu errors, first: line %zu %s %s)", res, rc, rep.errors_total,
                 rep.nerrors ? rep.errors[0].line : 0, rep.nerrors ? rep.errors[0].field : "",
                 rep.nerrors ? rep.errors[0].message : "");
    assert_true(rep.committed);
    assert_int_equal(rep.imported, imported);
    io_report_release(&rep);
}

static int64_t create(struct fx *f, struct store *s, const char *res, const char *json)
{
    json_t *body = json_loads(json, 0, NULL);
    if (!body)
        fail_msg("bad test JSON: %s", json);
    struct errors errs;
    errors_init(&errs, &f->a);
    struct error msg = ERROR_INIT;
    struct record *rec = NULL;
    int rc = domain_create(s, &admin, R(res), body, &f->a, &errs, &msg, &rec);
    json_decref(body);
    if (rc != STORE_OK)
        fail_msg("create %s failed (%d): %s %s %s", res, rc, msg.msg,
                 errs.n ? errs.items[0].field : "", errs.n ? errs.items[0].message : "");
    return rec->id;
}

/* How many records of `type` a search finds (-1: the search failed, err says why). */
static int hits(struct store *s, const char *q, const char *type, struct error *err)
{
    struct search_request rq = {.q = str_from(q), .limit = 100, .scope = SEARCH_SEE_ALL};
    if (type) {
        rq.types[0] = R(type);
        rq.ntypes = 1;
    }
    struct search_result res;
    struct arena a = ARENA_INIT;
    struct store_conn *c = store_reader(s);
    store_read_begin(c);
    int rc = search_run(c, &rq, &a, &res, err);
    store_read_end(c);
    arena_release(&a);
    return rc == STORE_OK ? (int)res.n : -1;
}

static int found(struct store *s, const char *q)
{
    struct error err = ERROR_INIT;
    int n = hits(s, q, NULL, &err);
    if (n < 0)
        fail_msg("search '%s' failed: %s", q, err.msg);
    return n;
}

static void sql_dump(sqlite3 *db, const char *sql, struct buf *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    buf_printf(out, "-- %s\n", sql);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            buf_printf(out, "%s%s", i ? "|" : "", t ? (const char *)t : "NULL");
        }
        buf_putc(out, '\n');
    }
    sqlite3_finalize(st);
}

/*
 * Everything the index holds, keyed by record rather than by the ids the index gives
 * itself: anchors with their visibility and owners, entries with their language, text
 * hash, tags and slot, and every token of every entry with its column and position
 * (fts5vocab 'instance'). FTS5's own integrity check must pass too.
 */
static char *index_dump(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(search_fts5_register(db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db,
                     "INSERT INTO search_fts(search_fts) VALUES('integrity-check');"
                     "CREATE VIRTUAL TABLE temp.vi USING fts5vocab(main, search_fts, 'instance')",
                     NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("index check: %s", msg);
    struct buf b = BUF_INIT;
    sql_dump(db,
             "SELECT resource, record_id, public, shared FROM search_anchor "
             "ORDER BY resource, record_id",
             &b);
    sql_dump(db,
             "SELECT a.resource, a.record_id, o.org FROM search_anchor_org o "
             "JOIN search_anchor a ON a.id = o.anchor ORDER BY 1, 2, 3",
             &b);
    sql_dump(db,
             "SELECT e.resource, e.record_id, e.lang, e.text_hash, e.tags, e.id & 65535, "
             "a.resource, a.record_id FROM search_entry e JOIN search_anchor a "
             "ON a.id = e.id >> 16 ORDER BY 1, 2",
             &b);
    sql_dump(db,
             "SELECT e.resource, e.record_id, v.col, v.offset, hex(v.term) FROM temp.vi v "
             "LEFT JOIN search_entry e ON e.id = v.doc ORDER BY 1, 2, 3, 4, 5",
             &b);
    sql_dump(db, "SELECT count(*) FROM search_entry", &b);
    sqlite3_close(db);
    return buf_detach(&b);
}

static void set_fingerprint(const char *path, const char *value)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE search_meta SET value=? WHERE key='fingerprint'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static bool fingerprint_is(const char *path, const char *value)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM search_meta WHERE key='fingerprint'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    bool same = sqlite3_step(st) == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(st, 0), value) == 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return same;
}

/* ---- generated records, as CSV for the import and as JSON for one-by-one creation ---- */

static const char *const words[] = {
    "Мемориал", "права",    "человека",  "Чкалова",  "фонд",    "общество", "Ёлка",
    "памяти",   "Memorial", "Human",     "Rights",   "Watch",   "reports",  "monitoring",
    "Peace",    "Санкт",    "Петербург", "O'Brien",  "1996",    "и",        "the",
    "Zürich",   "Мост",     "dialogue",  "культуры", "Yeltsin", "Ельцина",  "сотрудничества"};

static unsigned next(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static void phrase(unsigned *seed, int nwords, struct buf *out)
{
    for (int i = 0; i < nwords; i++)
        buf_printf(out, "%s%s", i ? " " : "", words[next(seed) % ARRAY_SIZE(words)]);
}

/* n organisations: a CSV (with a header) and one JSON object per record. */
static void gen_orgs(unsigned seed, int n, struct buf *csv, char ***json)
{
    static const char *const countries[] = {"RU", "FR", "DE", "GB", "UA", "AM"};
    *json = calloc((size_t)n, sizeof(**json));
    buf_puts(csv, "name,name_en,acronym,country,registration_no,areas,description,public\n");
    for (int i = 0; i < n; i++) {
        struct buf name = BUF_INIT, en = BUF_INIT, desc = BUF_INIT, j = BUF_INIT;
        phrase(&seed, 2 + (int)(next(&seed) % 4), &name);
        buf_printf(&name, " %d", i);
        bool has_en = next(&seed) % 3 == 0, has_desc = next(&seed) % 2 == 0;
        bool pub = next(&seed) % 2 == 0;
        if (has_en)
            phrase(&seed, 3, &en);
        if (has_desc)
            phrase(&seed, 6, &desc);
        const char *country = countries[next(&seed) % ARRAY_SIZE(countries)];
        buf_printf(csv, "\"%s\",%s,%s,%s,R%06d,%s,\"%s\",%s\n", name.p, has_en ? en.p : "",
                   i % 7 == 0 ? "ACR" : "", country, i, i % 5 == 0 ? "rights|history" : "",
                   has_desc ? desc.p : "", pub ? "true" : "false");
        buf_printf(&j, "{\"name\":\"%s\",\"country\":\"%s\",\"registration_no\":\"R%06d\"", name.p,
                   country, i);
        if (has_en)
            buf_printf(&j, ",\"name_en\":\"%s\"", en.p);
        if (i % 7 == 0)
            buf_puts(&j, ",\"acronym\":\"ACR\"");
        if (i % 5 == 0)
            buf_puts(&j, ",\"areas\":[\"rights\",\"history\"]");
        if (has_desc)
            buf_printf(&j, ",\"description\":\"%s\"", desc.p);
        buf_printf(&j, ",\"public\":%s}", pub ? "true" : "false");
        (*json)[i] = buf_detach(&j);
        buf_release(&name);
        buf_release(&en);
        buf_release(&desc);
    }
}

static void free_json(char **json, int n)
{
    for (int i = 0; i < n; i++)
        free(json[i]);
    free(json);
}

/* ---- the bulk index equals the one-by-one index ------------------------------------- */

static void test_bulk_import_writes_the_index_one_by_one_creation_writes(void **state)
{
    struct fx *f = *state;
    enum { NORGS = 240, NPEOPLE = 60, NPROPOSALS = 30 };
    struct buf csv = BUF_INIT;
    char **json;
    gen_orgs(42, NORGS, &csv, &json);
    import_ok(f->bulk, "organisations", csv.p, NORGS);
    for (int i = 0; i < NORGS; i++)
        create(f, f->one, "organisations", json[i]);
    free_json(json, NORGS);

    /* People: owned through a reference; proposals: through a list of references. */
    unsigned seed = 7;
    buf_reset(&csv);
    buf_puts(&csv, "full_name,organisation_id,position,languages\n");
    for (int i = 0; i < NPEOPLE; i++) {
        struct buf name = BUF_INIT, j = BUF_INIT;
        phrase(&seed, 2, &name);
        int org = 1 + (int)(next(&seed) % NORGS);
        bool has_org = i % 4 != 0;
        if (has_org)
            buf_printf(&csv, "\"%s\",%d,директор,ru|en\n", name.p, org);
        else
            buf_printf(&csv, "\"%s\",,директор,ru|en\n", name.p);
        buf_printf(&j,
                   "{\"full_name\":\"%s\",\"position\":\"директор\",\"languages\":[\"ru\",\"en\"]",
                   name.p);
        if (has_org)
            buf_printf(&j, ",\"organisation_id\":%d", org);
        buf_putc(&j, '}');
        create(f, f->one, "people", j.p);
        buf_release(&name);
        buf_release(&j);
    }
    import_ok(f->bulk, "people", csv.p, NPEOPLE);
    buf_reset(&csv);
    buf_puts(&csv, "title,text,organisation_ids\n");
    for (int i = 0; i < NPROPOSALS; i++) {
        struct buf title = BUF_INIT, j = BUF_INIT;
        phrase(&seed, 4, &title);
        int a = 1 + (int)(next(&seed) % NORGS), b = 1 + (int)(next(&seed) % NORGS);
        if (b == a)
            b = a % NORGS + 1;
        buf_printf(&csv, "\"%s\",Предложение %d,%d|%d\n", title.p, i, a, b);
        buf_printf(&j,
                   "{\"title\":\"%s\",\"text\":\"Предложение %d\",\"organisation_ids\":[%d,%d]}",
                   title.p, i, a, b);
        create(f, f->one, "proposals", j.p);
        buf_release(&title);
        buf_release(&j);
    }
    import_ok(f->bulk, "proposals", csv.p, NPROPOSALS);
    buf_release(&csv);

    char *bulk = index_dump(f->bulk_path), *one = index_dump(f->one_path);
    assert_true(strlen(bulk) > 10000);
    assert_string_equal(bulk, one);
    /* And both equal a rebuild from the records. */
    struct error err = ERROR_INIT;
    assert_int_equal(search_reindex(f->bulk, NULL, NULL, NULL, &err), STORE_OK);
    char *rebuilt = index_dump(f->bulk_path);
    assert_string_equal(rebuilt, one);
    free(bulk);
    free(one);
    free(rebuilt);
    assert_true(found(f->bulk, "Chkalov") > 0);
    assert_true(found(f->bulk, "Ельцин") > 0);
}

/* An import that fails leaves the index as it was, and the connection's next writes
 * (a server's writer serves the API after an import) are indexed one by one again. */
static void test_rolled_back_import_leaves_the_index_and_later_writes_indexed(void **state)
{
    struct fx *f = *state;
    import_ok(f->bulk, "organisations", "name,country\nФонд Сирень,RU\n", 1);
    char *before = index_dump(f->bulk_path);
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_csv(f->bulk, "organisations",
                                "name,country\nОбщество Ландыш,RU\nФонд Ромашка,XX\n", &o, &rep),
                     IO_INVALID);
    assert_false(rep.committed);
    io_report_release(&rep);
    char *after = index_dump(f->bulk_path);
    assert_string_equal(before, after);
    assert_int_equal(found(f->bulk, "Ландыш"), 0);
    create(f, f->bulk, "organisations", "{\"name\":\"Общество Незабудка\",\"country\":\"RU\"}");
    assert_int_equal(found(f->bulk, "Незабудка"), 1);
    assert_int_equal(found(f->bulk, "Сирень"), 1);
    free(before);
    free(after);
}

/* Rows set aside, a duplicate of a stored record updated and a duplicate of an earlier
 * row of the same file updated: each record is indexed as it ends, no word of what it was
 * before remains, and the index equals a rebuild. */
static void test_updated_and_rejected_rows_are_indexed_as_they_end(void **state)
{
    struct fx *f = *state;
    create(f, f->bulk, "organisations",
           "{\"name\":\"Общество Глобус\",\"country\":\"RU\","
           "\"description\":\"старые карты\"}");
    FILE *rejects = tmpfile();
    struct io_import_opts o = {
        .on_duplicate = IO_DUP_UPDATE, .skip_invalid = true, .rejects = rejects};
    struct io_report rep = IO_REPORT_INIT;
    const char *csv = "name,country,description\n"
                      "Фонд Компас,FR,первое описание\n"    /* 2: new */
                      "Плохая страна,XX,\n"                 /* 3: set aside */
                      "общество  глобус,RU,новые атласы\n"  /* 4: updates the stored one */
                      "ФОНД «Компас»,FR,второе описание\n"; /* 5: updates line 2's record */
    assert_int_equal(import_csv(f->bulk, "organisations", csv, &o, &rep), 0);
    fclose(rejects);
    assert_true(rep.committed);
    assert_int_equal(rep.imported, 1);
    assert_int_equal(rep.updated, 2);
    assert_int_equal(rep.invalid, 1);
    io_report_release(&rep);
    assert_int_equal(found(f->bulk, "первое"), 0);
    assert_int_equal(found(f->bulk, "второе"), 1);
    assert_int_equal(found(f->bulk, "карты"), 0);
    assert_int_equal(found(f->bulk, "атласы"), 1);
    assert_int_equal(found(f->bulk, "Глобус"), 1);
    assert_int_equal(found(f->bulk, "Плохая"), 0);
    char *now = index_dump(f->bulk_path);
    struct error err = ERROR_INIT;
    assert_int_equal(search_reindex(f->bulk, NULL, NULL, NULL, &err), STORE_OK);
    char *rebuilt = index_dump(f->bulk_path);
    assert_string_equal(now, rebuilt);
    free(now);
    free(rebuilt);
}

/* Entries left behind by a row deleted behind the store's back, under an id the import
 * hands out again: the import indexes one by one (which clears them) and the new record
 * is found by its own words. */
static void test_orphaned_entries_above_the_largest_id_are_cleared(void **state)
{
    struct fx *f = *state;
    int64_t id = create(f, f->bulk, "organisations", "{\"name\":\"Фонд Кедр\",\"country\":\"RU\"}");
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->bulk_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char sql[96];
    snprintf(sql, sizeof(sql), "DELETE FROM organisations WHERE id=%lld", (long long)id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    import_ok(f->bulk, "organisations", "name,country\nФонд Пихта,RU\nФонд Сосна,RU\n", 2);
    assert_int_equal(found(f->bulk, "Пихта"), 1);
    assert_int_equal(found(f->bulk, "Сосна"), 1);
}

/* ---- a large import sets the table's indexes aside ---------------------------------- */

static char *sql_text(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    struct buf b = BUF_INIT;
    sql_dump(db, sql, &b);
    sqlite3_close(db);
    return buf_detach(&b);
}

static const char SCHEMA_OF_ORGS[] =
    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name='organisations' ORDER BY name";

/* A large import drops the table's secondary indexes and builds them again before it
 * commits; a large import that fails leaves them as they were. Either way the schema is
 * the same, every index holds exactly the table's rows, and queries use them. */
static void test_large_import_builds_the_tables_indexes_again(void **state)
{
    struct fx *f = *state;
    enum { N = 55000 }; /* more than the 50,000 rows at which indexes are set aside */
    char *schema = sql_text(f->bulk_path, SCHEMA_OF_ORGS);
    assert_non_null(strstr(schema, "organisations_name"));
    struct buf csv = BUF_INIT;
    buf_puts(&csv, "name,country,registration_no\n");
    for (int i = 0; i < N; i++)
        buf_printf(&csv, "Союз номер %d,%s,N%d\n", i, i % 2 ? "RU" : "FR", i);
    import_ok(f->bulk, "organisations", csv.p, N);
    char *after = sql_text(f->bulk_path, SCHEMA_OF_ORGS);
    assert_string_equal(after, schema);
    free(after);
    char *check = sql_text(f->bulk_path, "PRAGMA integrity_check");
    assert_string_equal(check, "-- PRAGMA integrity_check\nok\n");
    free(check);
    char *plan = sql_text(f->bulk_path, "EXPLAIN QUERY PLAN SELECT id FROM organisations "
                                        "WHERE name = 'Союз номер 77'");
    assert_non_null(strstr(plan, "USING COVERING INDEX organisations_name"));
    free(plan);
    assert_int_equal(found(f->bulk, "\"номер 54321\""), 1);

    /* As many rows again, the last one invalid: set aside, then rolled back. */
    buf_reset(&csv);
    buf_puts(&csv, "name,country,registration_no\n");
    for (int i = 0; i < N + 10; i++)
        buf_printf(&csv, "Фонд номер %d,%s,M%d\n", i, i % 2 ? "RU" : "FR", i);
    buf_puts(&csv, "Фонд без страны,XX,M-1\n");
    struct io_import_opts o = {0};
    struct io_report rep = IO_REPORT_INIT;
    assert_int_equal(import_csv(f->bulk, "organisations", csv.p, &o, &rep), IO_INVALID);
    assert_false(rep.committed);
    io_report_release(&rep);
    after = sql_text(f->bulk_path, SCHEMA_OF_ORGS);
    assert_string_equal(after, schema);
    check = sql_text(f->bulk_path, "PRAGMA integrity_check");
    assert_string_equal(check, "-- PRAGMA integrity_check\nok\n");
    char *rows = sql_text(f->bulk_path, "SELECT count(*) FROM organisations");
    assert_string_equal(rows, "-- SELECT count(*) FROM organisations\n55000\n");
    assert_int_equal(found(f->bulk, "Фонд"), 0);
    free(rows);
    free(check);
    free(after);
    free(schema);
    buf_release(&csv);
}

/* ---- the audit entry --------------------------------------------------------------- */

/* The "sha256" of the last import's audit entry, as hex. */
static char *audit_sha256(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT json_extract(after, '$.sha256') FROM audit "
                                        "WHERE action='import' ORDER BY id DESC LIMIT 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *hex = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return hex;
}

static void sha256_hex(const char *text, char out[crypto_hash_sha256_BYTES * 2 + 1])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, crypto_hash_sha256_BYTES * 2 + 1, d, sizeof(d));
}

/* The file's SHA-256 is computed beside the parsing, chunk by chunk through a ring of
 * buffers: a file of many chunks, CSV and JSON, must still give its exact digest. */
static void test_audit_entry_holds_the_files_sha256(void **state)
{
    struct fx *f = *state;
    enum { N = 30000 }; /* about 2.5 MB: ten chunks, the ring goes round twice */
    struct buf csv = BUF_INIT, json = BUF_INIT;
    buf_puts(&csv, "name,country,description\n");
    buf_puts(&json, "[");
    for (int i = 0; i < N; i++) {
        buf_printf(&csv, "Фонд номер %d,RU,описание фонда номер %d для проверки\n", i, i);
        buf_printf(&json, "%s{\"name\":\"Союз %d\",\"country\":\"FR\"}", i ? "," : "", i);
    }
    buf_puts(&json, "]");
    char want[crypto_hash_sha256_BYTES * 2 + 1];
    import_ok(f->bulk, "organisations", csv.p, N);
    sha256_hex(csv.p, want);
    char *got = audit_sha256(f->bulk_path);
    assert_string_equal(got, want);
    free(got);

    FILE *in = fmemopen(json.p, json.n, "r");
    struct io_import_opts o = {.res = R("organisations"), .who = &admin};
    struct io_report rep = IO_REPORT_INIT;
    struct error err = ERROR_INIT;
    assert_int_equal(io_import_json(f->bulk, &o, in, (int64_t)json.n, &rep, &err), 0);
    fclose(in);
    assert_int_equal(rep.imported, N);
    io_report_release(&rep);
    sha256_hex(json.p, want);
    got = audit_sha256(f->bulk_path);
    assert_string_equal(got, want);
    free(got);
    buf_release(&csv);
    buf_release(&json);
}

/* ---- an index built by another version --------------------------------------------- */

static void test_small_out_of_date_index_is_rebuilt_when_opened(void **state)
{
    struct fx *f = *state;
    import_ok(f->bulk, "organisations", "name,country\nФонд Сирень,RU\nФонд Липа,RU\n", 2);
    store_close(f->bulk);
    set_fingerprint(f->bulk_path, "civdesk-tokenizer-0");
    f->bulk = open_store(f->bulk_path, STORE_OPEN_USE);
    assert_false(fingerprint_is(f->bulk_path, "civdesk-tokenizer-0"));
    assert_int_equal(found(f->bulk, "Сирень"), 1);
}

static void test_large_out_of_date_index_is_refused_kept_or_rebuilt_as_the_mode_says(void **state)
{
    struct fx *f = *state;
    enum { N = SEARCH_REBUILD_AT_OPEN + 1 };
    struct buf csv = BUF_INIT;
    buf_puts(&csv, "name,country\n");
    for (int i = 0; i < N; i++)
        buf_printf(&csv, "Организация номер %d,RU\n", i);
    import_ok(f->bulk, "organisations", csv.p, N);
    buf_release(&csv);
    store_close(f->bulk);
    f->bulk = NULL;
    const char *old = "civdesk-tokenizer-0";
    set_fingerprint(f->bulk_path, old);

    /* A command: refused, in one line naming the cure; nothing changed. */
    struct store *s = NULL;
    struct error err = ERROR_INIT;
    assert_true(store_open(&s, f->bulk_path, STORE_OPEN_USE, &err) < 0);
    assert_null(s);
    assert_non_null(strstr(err.msg, "civdesk reindex"));
    assert_non_null(strstr(err.msg, "search index"));
    assert_null(strchr(err.msg, '\n'));
    assert_true(fingerprint_is(f->bulk_path, old));

    /* check, backup, reindex: opened as it is; searches are refused, writes work (and are
     * left to the rebuild). */
    s = open_store(f->bulk_path, STORE_OPEN_KEEP_INDEX);
    assert_int_equal(hits(s, "Организация", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "civdesk reindex"));
    create(f, s, "organisations", "{\"name\":\"Фонд Черёмуха\",\"country\":\"RU\"}");
    store_close(s);
    assert_true(fingerprint_is(f->bulk_path, old));

    /* init (the unit's ExecStartPre): migrates, leaves the index to serve or reindex. */
    s = open_store(f->bulk_path, STORE_OPEN_INIT);
    store_close(s);
    assert_true(fingerprint_is(f->bulk_path, old));

    /* serve: rebuilds it before anything else, whatever its size. */
    f->bulk = open_store(f->bulk_path, STORE_OPEN_SERVE);
    assert_false(fingerprint_is(f->bulk_path, old));
    assert_int_equal(found(f->bulk, "Черемуха"), 1);
    assert_int_equal(found(f->bulk, "\"номер 12345\""), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_bulk_import_writes_the_index_one_by_one_creation_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_rolled_back_import_leaves_the_index_and_later_writes_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_updated_and_rejected_rows_are_indexed_as_they_end,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_orphaned_entries_above_the_largest_id_are_cleared,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_import_builds_the_tables_indexes_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_entry_holds_the_files_sha256, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_out_of_date_index_is_rebuilt_when_opened, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_large_out_of_date_index_is_refused_kept_or_rebuilt_as_the_mode_says, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
