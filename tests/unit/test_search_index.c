/*
 * Unit tests of the search query language (src/search/query.c) and of the index in the
 * store (src/store/search_index.c), each store test on its own temporary database:
 * records are found in any form and script, the index follows every create, update and
 * delete exactly (it equals a rebuild from scratch), access scopes hide what a caller may
 * not open, filters, pages, the cap on ranked matches, and ?q= on lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "search/search.h"
#include "store/db_sqlite.h"
#include "store/search_index.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the query language ------------------------------------------------------------- */

static void test_parse_words_phrases_and_prefixes(void **state)
{
    struct search_query q;
    struct error err;
    assert_int_equal(
        search_parse(STR("  Чкалов \"права человека\" монитор* \"доклад о\"* "), &q, &err), 0);
    assert_int_equal(q.n, 4);
    assert_true(str_eq_cstr(q.terms[0].text, "Чкалов"));
    assert_false(q.terms[0].phrase || q.terms[0].prefix);
    assert_true(str_eq_cstr(q.terms[1].text, "права человека"));
    assert_true(q.terms[1].phrase);
    assert_true(str_eq_cstr(q.terms[2].text, "монитор"));
    assert_true(q.terms[2].prefix);
    assert_true(q.terms[3].phrase && q.terms[3].prefix);
    struct arena a = ARENA_INIT;
    assert_string_equal(search_fts_expr(&q, &a), "\"Чкалов\" AND \"права человека\" AND "
                                                 "\"монитор\" * AND \"доклад о\" *");
    arena_release(&a);
}

/* PostgreSQL's half (src/store/search_tsv.c): the keys FTS5 would get, as tsvector and
 * tsquery text — positions counted as FTS5 counts them, alternatives at one position,
 * phrases adjacent, prefixes on the last position only, quotes escaped. */
static void test_tsquery_and_tsvector_carry_the_tokenizers_keys(void **state)
{
    struct search_tokenizer *t;
    struct error err;
    assert_int_equal(search_tokenizer_new(&t, NULL, &err), 0);
    struct search_query q;
    struct arena a = ARENA_INIT;
    assert_int_equal(
        search_parse(STR("\"права человека\" the Chkalov \"доклад о мон\"* d'Arc"), &q, &err), 0);
    assert_int_equal(search_query_prune(t, &q), 4); /* "the" gives no key */
    /* (\x02 marks a Cyrillic key a Russian query word also looks for in Latin text) */
    assert_string_equal(search_tsquery(t, &q, &a),
                        "(('прав' | '\x02прав') <-> ('человек' | '\x02человек')) & "
                        "(('chkalov' | 'чка')) & "
                        "(('доклад' | '\x02доклад') <-> ('мон':* | '\x02мон':*)) & "
                        "(('darc' | 'дарк'))");
    q.n = 0;
    assert_string_equal(search_tsquery(t, &q, &a), "'" TAG "none'");
    struct buf v = BUF_INIT;
    const char title[] = "Мост\nthe Bridge", body[] = "bridges of O'Brien";
    assert_int_equal(search_tsvector(t, title, strlen(title), body, strlen(body), &v), 0);
    /* "the" takes no position; the body starts two after the title's last */
    assert_string_equal(v.p, "'мост':1A 'bridg':2A '\x02бридг':2A 'bridg':4 '\x02бридгес':4 "
                             "'obrien':5 '\x02обри':5");
    buf_release(&v);
    arena_release(&a);
    search_tokenizer_free(t);
}

static void test_parse_keeps_operators_and_punctuation_as_text(void **state)
{
    struct search_query q;
    struct error err;
    struct arena a = ARENA_INIT;
    assert_int_equal(search_parse(STR("a OR b NOT c NEAR(d) title:e ^f -g (h) «Мост»"), &q, &err),
                     0);
    assert_string_equal(search_fts_expr(&q, &a),
                        "\"a\" AND \"OR\" AND \"b\" AND \"NOT\" AND \"c\" AND \"NEAR(d)\" AND "
                        "\"title:e\" AND \"^f\" AND \"-g\" AND \"(h)\" AND \"«Мост»\"");
    arena_release(&a);
}

static void test_parse_refuses_malformed_queries_with_a_reason(void **state)
{
    static const struct {
        const char *q, *why;
    } bad[] = {
        {"", "no words"},
        {"   ", "no words"},
        {"\"права человека", "not closed"},
        {"a \"b\" \"c", "not closed"},
        {"*", "at least two"},
        {"a*", "at least two"},
        {"мо*ст", "'*' may only end"},
        {"**", "'*'"},
        {"word**", "'*' may only end"},
        {"a\x01"
         "b",
         "control"},
        {"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "more than 16"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct search_query q;
        struct error err = ERROR_INIT;
        if (search_parse(str_from(bad[i].q), &q, &err) == 0)
            fail_msg("'%s' should be refused", bad[i].q);
        if (!strstr(err.msg, bad[i].why))
            fail_msg("'%s': message '%s' should say '%s'", bad[i].q, err.msg, bad[i].why);
    }
    /* Longer than the limit. */
    char big[LIMIT_SEARCH_QUERY + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    struct search_query q;
    struct error err;
    assert_int_equal(search_parse(str_from(big), &q, &err), -1);
}

/* ---- fixture ------------------------------------------------------------------------ */

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct arena a;
    struct principal who;
};

static int group_setup(void **state)
{
    return auth_init();
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-search-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    struct error err = ERROR_INIT;
    if (store_open(&f->s, f->path, STORE_OPEN_INIT, &err) < 0) {
        print_error("store_open: %s\n", err.msg);
        return -1;
    }
    arena_init(&f->a);
    f->who = (struct principal){.role = ROLE_ADMIN, .email = "unit@example.org"};
    *state = f;
    alarm(300);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    alarm(0);
    store_close(f->s);
    arena_release(&f->a);
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static const struct resource *R(const char *name)
{
    const struct resource *r = resource_find(str_from(name));
    if (!r)
        fail_msg("no resource %s", name);
    return r;
}

static int64_t create(struct fx *f, const char *res, const char *json)
{
    json_error_t je;
    json_t *body = json_loads(json, 0, &je);
    if (!body)
        fail_msg("bad test JSON: %s", json);
    struct errors errs;
    errors_init(&errs, &f->a);
    struct error msg = ERROR_INIT;
    struct record *rec = NULL;
    int rc = domain_create(f->s, &f->who, R(res), body, &f->a, &errs, &msg, &rec);
    json_decref(body);
    if (rc != STORE_OK)
        fail_msg("create %s failed (%d): %s %s %s", res, rc, msg.msg,
                 errs.n ? errs.items[0].field : "", errs.n ? errs.items[0].message : "");
    return rec->id;
}

static void update(struct fx *f, const char *res, int64_t id, const char *json)
{
    json_t *body = json_loads(json, 0, NULL);
    struct errors errs;
    errors_init(&errs, &f->a);
    struct error msg = ERROR_INIT;
    struct record *rec;
    int rc = domain_update(f->s, &f->who, R(res), id, 0, body, &f->a, &errs, &msg, &rec);
    json_decref(body);
    if (rc != STORE_OK)
        fail_msg("update %s %lld failed (%d): %s", res, (long long)id, rc, msg.msg);
}

static void delete (struct fx *f, const char *res, int64_t id)
{
    struct error msg = ERROR_INIT;
    int rc = domain_delete(f->s, &f->who, R(res), id, 0, &f->a, &msg);
    if (rc != STORE_OK)
        fail_msg("delete %s %lld failed (%d): %s", res, (long long)id, rc, msg.msg);
}

/* Runs a search; the ids found (of `type`, or any type when NULL), as "1,5,7" sorted. */
static const char *found(struct fx *f, const char *q, enum search_scope scope, int64_t org,
                         const char *type)
{
    static char out[4096];
    struct search_request rq = {.q = str_from(q), .limit = 100, .scope = scope, .org = org};
    struct search_result res;
    struct error err = ERROR_INIT;
    struct store_conn *c = store_reader(f->s);
    store_read_begin(c);
    int rc = search_run(c, &rq, &f->a, &res, &err);
    store_read_end(c);
    if (rc != STORE_OK)
        fail_msg("search '%s' failed (%d): %s", q, rc, err.msg);
    int64_t ids[100];
    size_t n = 0;
    for (size_t i = 0; i < res.n; i++)
        if (!type || strcmp(res.items[i].res->name, type) == 0)
            ids[n++] = res.items[i].id;
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && ids[k - 1] > ids[k]; k--) {
            int64_t t = ids[k];
            ids[k] = ids[k - 1];
            ids[k - 1] = t;
        }
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%lld", i ? "," : "", (long long)ids[i]);
    return out;
}

static const char *ids(int64_t a, int64_t b, int64_t c)
{
    static char out[96];
    int n = snprintf(out, sizeof(out), "%lld", (long long)a);
    if (b)
        n += snprintf(out + n, sizeof(out) - (size_t)n, ",%lld", (long long)b);
    if (c)
        snprintf(out + n, sizeof(out) - (size_t)n, ",%lld", (long long)c);
    return out;
}

/* ---- finding ------------------------------------------------------------------------ */

static void test_created_records_are_found_in_any_form_and_script(void **state)
{
    struct fx *f = *state;
    int64_t a = create(f, "organisations",
                       "{\"name\":\"Фонд памяти лётчика Чкалова\",\"country\":\"RU\","
                       "\"description\":\"Мониторинг соблюдения прав человека\"}");
    int64_t b = create(f, "organisations",
                       "{\"name\":\"Memorial Human Rights Monitoring Centre\",\"country\":\"FR\"}");
    create(f, "people", "{\"full_name\":\"Иван Петров\",\"position\":\"директор\"}");
    assert_string_equal(found(f, "Чкалов", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    assert_string_equal(found(f, "Chkalov", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    assert_string_equal(found(f, "летчик", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    assert_string_equal(found(f, "правам", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    assert_string_equal(found(f, "monitor", SEARCH_SEE_ALL, 0, NULL), ids(b, 0, 0));
    assert_string_equal(found(f, "Мемориал", SEARCH_SEE_ALL, 0, NULL), ids(b, 0, 0));
    /* (The bodies seeded by the migrations include human-rights councils.) */
    assert_string_equal(found(f, "\"human rights\"", SEARCH_SEE_ALL, 0, "organisations"),
                        ids(b, 0, 0));
    assert_string_equal(found(f, "\"rights human\"", SEARCH_SEE_ALL, 0, NULL), "");
    assert_string_equal(found(f, "Чкал*", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    assert_string_equal(found(f, "директора", SEARCH_SEE_ALL, 0, "people")[0] ? "y" : "n", "y");
    /* Words ANDed; common words and punctuation alone do not empty the result. */
    assert_string_equal(found(f, "Memorial centre", SEARCH_SEE_ALL, 0, NULL), ids(b, 0, 0));
    assert_string_equal(found(f, "Memorial Чкалов", SEARCH_SEE_ALL, 0, NULL), "");
    assert_string_equal(found(f, "the Memorial «»", SEARCH_SEE_ALL, 0, NULL), ids(b, 0, 0));
    assert_string_equal(found(f, "the", SEARCH_SEE_ALL, 0, NULL), "");
}

static void test_title_outweighs_body_and_snippet_marks_matches(void **state)
{
    struct fx *f = *state;
    int64_t in_body = create(f, "organisations",
                             "{\"name\":\"Союз краеведов\",\"country\":\"RU\",\"description\":"
                             "\"Среди прочего изучаем историю мостов через реку. Мост.\"}");
    int64_t in_title = create(f, "organisations",
                              "{\"name\":\"Общество «Мост»\",\"country\":\"RU\",\"description\":"
                              "\"Культурные связи <и> обмены.\"}");
    struct search_request rq = {
        .q = STR("мост"),
        .limit = 10,
        .scope = SEARCH_SEE_ALL,
        .style = {.open = "<mark>", .close = "</mark>", .html = true, .words = 8}};
    struct search_result res;
    struct error err;
    struct store_conn *c = store_reader(f->s);
    store_read_begin(c);
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_OK);
    store_read_end(c);
    assert_int_equal(res.n, 2);
    assert_int_equal(res.items[0].id, in_title);
    assert_int_equal(res.items[1].id, in_body);
    assert_true(res.items[0].score > res.items[1].score);
    assert_string_equal(res.items[0].title, "Общество «Мост»");
    /* The title matched, the body did not: the title is the snippet, marked, escaped. */
    assert_string_equal(res.items[0].snippet, "Общество «<mark>Мост</mark>»");
    assert_non_null(strstr(res.items[1].snippet, "<mark>мостов</mark>"));
    assert_non_null(strstr(res.items[1].snippet, "<mark>Мост</mark>"));
}

static void test_update_replaces_the_indexed_text_and_delete_removes_it(void **state)
{
    struct fx *f = *state;
    int64_t a = create(f, "organisations", "{\"name\":\"Общество Глобус\",\"country\":\"RU\"}");
    assert_string_equal(found(f, "Глобус", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    update(f, "organisations", a, "{\"name\":\"Общество Компас\"}");
    assert_string_equal(found(f, "Глобус", SEARCH_SEE_ALL, 0, NULL), "");
    assert_string_equal(found(f, "Компас", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    update(f, "organisations", a, "{\"description\":\"Карты и глобусы\"}");
    assert_string_equal(found(f, "Глобус", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
    delete (f, "organisations", a);
    assert_string_equal(found(f, "Компас", SEARCH_SEE_ALL, 0, NULL), "");
    assert_string_equal(found(f, "Глобус", SEARCH_SEE_ALL, 0, NULL), "");
}

/* The index's vocabulary: every term with its document and occurrence counts. */
static char *vocabulary(struct fx *f)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(search_fts5_register(db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search_fts, "
                                  "'col');"
                                  "INSERT INTO search_fts(search_fts) VALUES('integrity-check')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT term, col, doc, cnt FROM temp.v "
                                        "ORDER BY term, col",
                                        -1, &st, NULL),
                     SQLITE_OK);
    struct buf b = BUF_INIT;
    while (sqlite3_step(st) == SQLITE_ROW)
        buf_printf(&b, "%s/%s/%d/%d\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                   sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf_detach(&b);
}

static void test_index_after_many_changes_equals_a_rebuild(void **state)
{
    struct fx *f = *state;
    static const char *const words[] = {
        "Чкалов",   "Чкалова", "reports",         "monitoring",  "права",    "правам", "Ёлка",
        "Memorial", "«Мост»",  "Санкт-Петербург", "организаций", "election", "the",    "и",
        "O'Brien",  "1996"};
    int64_t live[64], base = 0;
    size_t n = 0;
    struct error err = ERROR_INIT;
    assert_int_equal(search_reindex(f->s, NULL, NULL, &base, &err),
                     STORE_OK); /* the seeded bodies */
    unsigned seed = 12345;
    for (int step = 0; step < 200; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 8) % 10;
        char name[256], json[512];
        snprintf(name, sizeof(name), "%s %s %s %d", words[(seed >> 4) % 16],
                 words[(seed >> 12) % 16], words[(seed >> 16) % 16], step);
        if (n == 0 || (r < 5 && n < ARRAY_SIZE(live))) {
            snprintf(json, sizeof(json),
                     "{\"name\":\"%s\",\"country\":\"RU\",\"description\":\"%s %s\"}", name,
                     words[(seed >> 20) % 16], words[(seed >> 24) % 16]);
            live[n++] = create(f, "organisations", json);
        } else if (r < 8) {
            snprintf(json, sizeof(json),
                     r < 7 ? "{\"name\":\"%s\"}"
                           : "{\"description\":null,"
                             "\"name_en\":\"%s\"}",
                     name);
            update(f, "organisations", live[(seed >> 3) % n], json);
        } else {
            size_t k = (seed >> 3) % n;
            delete (f, "organisations", live[k]);
            live[k] = live[--n];
        }
    }
    char *incremental = vocabulary(f);
    int64_t entries = 0;
    assert_int_equal(search_reindex(f->s, NULL, NULL, &entries, &err), STORE_OK);
    assert_int_equal(entries, base + (int64_t)n);
    char *rebuilt = vocabulary(f);
    assert_true(strlen(rebuilt) > 100);
    assert_string_equal(incremental, rebuilt);
    free(incremental);
    free(rebuilt);
}

/* ---- who sees what ------------------------------------------------------------------ */

static void test_scopes_hide_what_the_caller_may_not_open(void **state)
{
    struct fx *f = *state;
    int64_t pub = create(f, "organisations",
                         "{\"name\":\"Открытый фонд Радуга\",\"country\":\"RU\",\"public\":true}");
    int64_t mine = create(f, "organisations", "{\"name\":\"Наш фонд Радуга\",\"country\":\"RU\"}");
    int64_t other =
        create(f, "organisations", "{\"name\":\"Чужой фонд Радуга\",\"country\":\"RU\"}");
    char json[256];
    snprintf(json, sizeof(json), "{\"full_name\":\"Радуга Сотрудникова\",\"organisation_id\":%lld}",
             (long long)other);
    int64_t other_person = create(f, "people", json);
    snprintf(json, sizeof(json), "{\"full_name\":\"Радуга Своя\",\"organisation_id\":%lld}",
             (long long)mine);
    int64_t my_person = create(f, "people", json);
    int64_t body = create(f, "bodies", "{\"code\":\"RADUGA\",\"name\":\"Комитет Радуга\"}");

    char all[256];
    snprintf(all, sizeof(all), "%s", found(f, "радуга", SEARCH_SEE_ALL, 0, NULL));
    assert_string_equal(found(f, "радуга", SEARCH_SEE_ALL, 0, "organisations"),
                        ids(pub, mine, other));
    assert_string_equal(found(f, "радуга", SEARCH_SEE_ALL, 0, "people"),
                        ids(other_person, my_person, 0));
    /* Anonymous: the public organisation only. */
    assert_string_equal(found(f, "радуга", SEARCH_SEE_PUBLIC, 0, NULL), ids(pub, 0, 0));
    /* An NGO: its own organisation and people, public records, reference data. */
    assert_string_equal(found(f, "радуга", SEARCH_SEE_ORG, mine, "organisations"),
                        ids(pub, mine, 0));
    assert_string_equal(found(f, "радуга", SEARCH_SEE_ORG, mine, "people"), ids(my_person, 0, 0));
    assert_string_equal(found(f, "радуга", SEARCH_SEE_ORG, mine, "bodies"), ids(body, 0, 0));
    /* Visibility follows changes: publishing makes it visible to anyone. */
    update(f, "organisations", other, "{\"public\":true}");
    assert_string_equal(found(f, "радуга", SEARCH_SEE_PUBLIC, 0, NULL), ids(pub, other, 0));
}

static void test_document_translations_follow_their_document(void **state)
{
    struct fx *f = *state;
    int64_t org = create(f, "organisations", "{\"name\":\"Фонд\",\"country\":\"RU\"}");
    char json[512];
    snprintf(json, sizeof(json), "{\"kind\":\"statement\",\"organisation_id\":%lld}",
             (long long)org);
    int64_t doc = create(f, "documents", json);
    snprintf(json, sizeof(json),
             "{\"document_id\":%lld,\"lang\":\"ru\",\"title\":\"Заявление о Чкалове\","
             "\"body\":\"Текст заявления.\"}",
             (long long)doc);
    create(f, "document_translations", json);
    snprintf(json, sizeof(json),
             "{\"document_id\":%lld,\"lang\":\"en\",\"title\":\"Statement on Chkalov\","
             "\"body\":\"The text.\"}",
             (long long)doc);
    int64_t en = create(f, "document_translations", json);

    /* Found as the document, once, though both translations match. */
    assert_string_equal(found(f, "Chkalov", SEARCH_SEE_ALL, 0, NULL), ids(doc, 0, 0));
    assert_string_equal(found(f, "Chkalov", SEARCH_SEE_ORG, org, NULL), ids(doc, 0, 0));
    assert_string_equal(found(f, "Chkalov", SEARCH_SEE_ORG, org + 1000, NULL), "");
    assert_string_equal(found(f, "Chkalov", SEARCH_SEE_PUBLIC, 0, NULL), "");
    update(f, "documents", doc, "{\"published\":true}");
    assert_string_equal(found(f, "Chkalov", SEARCH_SEE_PUBLIC, 0, NULL), ids(doc, 0, 0));

    /* lang= keeps that language's translation (and text without a language). */
    struct search_request rq = {
        .q = STR("statement"), .limit = 10, .scope = SEARCH_SEE_ALL, .lang = "en"};
    struct search_result res;
    struct error err;
    struct store_conn *c = store_reader(f->s);
    store_read_begin(c);
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_OK);
    assert_int_equal(res.n, 1);
    assert_string_equal(res.items[0].res->name, "documents");
    assert_string_equal(res.items[0].match_res->name, "document_translations");
    assert_int_equal(res.items[0].match_id, en);
    assert_string_equal(res.items[0].lang, "en");
    assert_string_equal(res.items[0].title, "Statement on Chkalov");
    rq.lang = "ru";
    rq.q = STR("Chkalov");
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_OK);
    assert_int_equal(res.n, 1);
    assert_string_equal(res.items[0].lang, "ru");
    store_read_end(c);
}

/* ---- filters, pages, cap, lists ----------------------------------------------------- */

static void test_types_filter_and_pages_walk_every_result_once(void **state)
{
    struct fx *f = *state;
    char json[256];
    for (int i = 0; i < 23; i++) {
        snprintf(json, sizeof(json),
                 "{\"name\":\"Ассоциация наблюдателей %d%s\",\"country\":\"RU\"}", i,
                 i % 3 ? "" : " наблюдатели наблюдателям");
        create(f, "organisations", json);
    }
    create(f, "people", "{\"full_name\":\"Наблюдатель Один\"}");
    struct search_request rq = {.q = STR("наблюдатель"), .limit = 5, .scope = SEARCH_SEE_ALL};
    rq.types[rq.ntypes++] = &res_organisations;
    struct store_conn *c = store_reader(f->s);
    bool seen[64] = {false};
    int total = 0, pages = 0;
    double last = 1e300;
    store_read_begin(c);
    for (;;) {
        struct search_result res;
        struct error err;
        assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_OK);
        pages++;
        for (size_t i = 0; i < res.n; i++) {
            assert_string_equal(res.items[i].res->name, "organisations");
            assert_false(seen[res.items[i].id]);
            seen[res.items[i].id] = true;
            assert_true(res.items[i].score <= last);
            last = res.items[i].score;
            total++;
        }
        if (!res.next_cursor)
            break;
        rq.cursor = str_from(res.next_cursor);
    }
    store_read_end(c);
    assert_int_equal(total, 23);
    assert_int_equal(pages, 5);
    /* A cursor that is not one is refused, not misread. */
    rq.cursor = STR("bm90IGEgY3Vyc29y");
    struct search_result res;
    struct error err;
    store_read_begin(c);
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_CONFLICT);
    assert_string_equal(res.bad_param, "cursor");
    rq.cursor = STR("");
    rq.q = STR("\"unclosed");
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_CONFLICT);
    assert_non_null(strstr(err.msg, "not closed"));
    assert_string_equal(res.bad_param, "q");
    store_read_end(c);
}

static void test_ranking_is_capped_on_very_common_words(void **state)
{
    struct fx *f = *state;
    struct store_tx *tx;
    assert_int_equal(store_write_begin(f->s, &tx), STORE_OK);
    for (int i = 0; i < SEARCH_SCORE_CAP + 100; i++) {
        struct record *rec = record_new(&res_organisations, &f->a);
        char name[64];
        snprintf(name, sizeof(name), "Фонд номер %d", i);
        rec->v[resource_field_index(&res_organisations, "name")] =
            (struct value){.s = arena_strdup(&f->a, name), .n = strlen(name)};
        rec->v[resource_field_index(&res_organisations, "country")] =
            (struct value){.s = "RU", .n = 2};
        rec->v[resource_field_index(&res_organisations, "public")] = (struct value){.i = 0};
        struct error err;
        assert_int_equal(store_insert(tx, rec, &err), STORE_OK);
    }
    struct error err;
    assert_int_equal(store_write_commit(tx, &err), STORE_OK);
    struct search_request rq = {.q = STR("фонд"), .limit = 20, .scope = SEARCH_SEE_ALL};
    struct search_result res;
    struct store_conn *c = store_reader(f->s);
    store_read_begin(c);
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_OK);
    assert_int_equal(res.n, 20);
    assert_true(res.capped);
    /* The newest matches are the ones ranked. */
    for (size_t i = 0; i < res.n; i++)
        assert_true(res.items[i].id > 100);
    rq.q = STR("фонд 17");
    assert_int_equal(search_run(c, &rq, &f->a, &res, &err), STORE_OK);
    assert_int_equal(res.n, 1);
    assert_false(res.capped);
    store_read_end(c);
}

static void test_list_q_uses_the_index_and_keeps_substrings(void **state)
{
    struct fx *f = *state;
    int64_t a =
        create(f, "organisations", "{\"name\":\"Организация ветеранов\",\"country\":\"RU\"}");
    int64_t b = create(f, "organisations", "{\"name\":\"Memorial\",\"country\":\"FR\"}");
    struct store_conn *c = store_reader(f->s);
    struct list_query q = {.sort = -1, .limit = 50};
    struct list_result lr;
    struct error err;
    static const struct {
        const char *q;
        int64_t want;
    } cases[] = {
        {"организаций", 1},                  /* another form: the index */
        {"ветеранам", 1},   {"рганизац", 1}, /* inside a word: the substring match */
        {"Мемориал", 2},                     /* another script: the index */
        {"\"unclosed", 0}, /* not a query for the index: substring only, no error */
    };
    store_read_begin(c);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        q.q = str_from(cases[i].q);
        assert_int_equal(store_list(c, &res_organisations, &q, &f->a, &lr, &err), STORE_OK);
        int64_t want = cases[i].want == 1 ? a : cases[i].want == 2 ? b : 0;
        if (want) {
            assert_int_equal(lr.n, 1);
            assert_int_equal(lr.items[0]->id, want);
        } else {
            assert_int_equal(lr.n, 0);
        }
    }
    store_read_end(c);
}

static void test_index_is_built_at_open_when_missing(void **state)
{
    struct fx *f = *state;
    int64_t a = create(f, "organisations", "{\"name\":\"Общество Маяк\",\"country\":\"RU\"}");
    store_close(f->s);
    /* As a database from before the index (or another tokenizer) would be. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(search_fts5_register(db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO search_fts(search_fts) VALUES('delete-all');"
                                  "DELETE FROM search_entry; DELETE FROM search_meta;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct error err = ERROR_INIT;
    assert_int_equal(store_open(&f->s, f->path, STORE_OPEN_USE, &err), 0);
    assert_string_equal(found(f, "маяк", SEARCH_SEE_ALL, 0, NULL), ids(a, 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_words_phrases_and_prefixes),
        cmocka_unit_test(test_parse_keeps_operators_and_punctuation_as_text),
        cmocka_unit_test(test_tsquery_and_tsvector_carry_the_tokenizers_keys),
        cmocka_unit_test(test_parse_refuses_malformed_queries_with_a_reason),
        cmocka_unit_test_setup_teardown(test_created_records_are_found_in_any_form_and_script,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_title_outweighs_body_and_snippet_marks_matches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_update_replaces_the_indexed_text_and_delete_removes_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_after_many_changes_equals_a_rebuild, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scopes_hide_what_the_caller_may_not_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_document_translations_follow_their_document, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_types_filter_and_pages_walk_every_result_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ranking_is_capped_on_very_common_words, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_q_uses_the_index_and_keeps_substrings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_is_built_at_open_when_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
