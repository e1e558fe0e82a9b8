/*
 * Unit tests of the store (src/store) through the domain operations (src/domain/crud.c),
 * each on its own temporary SQLite database: create / get / update / delete with
 * versions, uniqueness, references, keyset pagination, schema checks, and the audit
 * chain, which is tampered with directly through sqlite3 to prove it notices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/embed.h"
#include "domain/domain.h"
#include "store/db.h"
#include "store/store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- fixture ------------------------------------------------------------------------ */

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct arena a;
    struct errors errs;
    struct error msg;
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
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-unit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    struct error err = ERROR_INIT;
    if (store_open(&f->s, f->path, STORE_OPEN_INIT, &err) < 0) {
        print_error("store_open: %s\n", err.msg);
        return -1;
    }
    arena_init(&f->a);
    errors_init(&f->errs, &f->a);
    f->who = (struct principal){.role = ROLE_ADMIN, .email = "unit@example.org"};
    *state = f;
    alarm(120); /* a writer lock left held would hang the next write: fail instead */
    return 0;
}

static void remove_db(const char *dir, const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    alarm(0);
    store_close(f->s);
    arena_release(&f->a);
    remove_db(f->dir, f->path);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", text, je.text);
    return j;
}

static void reset(struct fx *f)
{
    errors_init(&f->errs, &f->a);
    f->msg.msg[0] = '\0';
}

static int create(struct fx *f, const struct resource *res, const char *text, struct record **out)
{
    reset(f);
    json_t *body = parse(text);
    struct record *rec = NULL;
    int rc = domain_create(f->s, &f->who, res, body, &f->a, &f->errs, &f->msg, &rec);
    json_decref(body);
    if (out)
        *out = rec;
    return rc;
}

/* Creates an organisation that must be valid; its id. */
static int64_t new_org(struct fx *f, const char *text)
{
    struct record *rec;
    int rc = create(f, &res_organisations, text, &rec);
    if (rc != STORE_OK)
        fail_msg("create failed (%d): %s %s", rc, f->msg.msg,
                 f->errs.n ? f->errs.items[0].message : "");
    return rec->id;
}

static int update(struct fx *f, const struct resource *res, int64_t id, int64_t if_match,
                  const char *text, struct record **out)
{
    reset(f);
    json_t *patch = parse(text);
    struct record *rec = NULL;
    int rc = domain_update(f->s, &f->who, res, id, if_match, patch, &f->a, &f->errs, &f->msg, &rec);
    json_decref(patch);
    if (out)
        *out = rec;
    return rc;
}

static int del(struct fx *f, const struct resource *res, int64_t id, int64_t if_match)
{
    reset(f);
    return domain_delete(f->s, &f->who, res, id, if_match, &f->a, &f->msg);
}

static struct record *get(struct fx *f, const struct resource *res, int64_t id)
{
    struct record *rec = NULL;
    int rc = store_get(store_reader(f->s), res, id, &f->a, &rec);
    return rc == STORE_OK ? rec : NULL;
}

static const struct value *val(const struct record *rec, const char *field)
{
    int i = resource_field_index(rec->res, field);
    if (i < 0)
        fail_msg("no field %s", field);
    return &rec->v[i];
}

static const char *text_of(const struct record *rec, const char *field)
{
    const struct value *v = val(rec, field);
    return v->null ? NULL : v->s;
}

/* Runs one SQL statement on a separate, direct connection to the database file. */
static void sql(struct fx *f, const char *stmt)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, stmt, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", stmt, err ? err : "?");
    sqlite3_close(db);
}

/* Like sql(), as someone holding the database file would: first dropping the triggers
 * that keep the server itself from changing the audit trail. */
static void tamper(struct fx *f, const char *stmt)
{
    sql(f, "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;");
    sql(f, stmt);
}

static int64_t sql_int(struct fx *f, const char *query)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int64_t audit_rows(struct fx *f)
{
    return sql_int(f, "SELECT count(*) FROM audit");
}

static int verify(struct fx *f, int64_t *checked, int64_t *bad_id)
{
    f->msg.msg[0] = '\0';
    return store_audit_verify(store_reader(f->s), checked, bad_id, &f->msg);
}

/* ---- create and get ----------------------------------------------------------------- */

static void test_create_assigns_id_version_and_timestamps(void **state)
{
    struct fx *f = *state;
    struct record *rec;
    assert_int_equal(create(f, &res_organisations,
                            "{\"name\":\"Мемориал\",\"country\":\"RU\",\"areas\":[\"history\"]}",
                            &rec),
                     STORE_OK);
    assert_true(rec->id > 0);
    assert_int_equal(rec->version, 1);
    assert_string_equal(rec->created_at, rec->updated_at);
    int64_t t;
    assert_int_equal(datetime_parse(str_from(rec->created_at), &t), 0);
    assert_true(t >= now_unix() - 60 && t <= now_unix() + 1);
}

static void test_get_returns_what_was_stored(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"Мемориал\",\"country\":\"RU\",\"city\":\"Москва\","
                            "\"areas\":[\"history\",\"human rights\"],\"public\":true,"
                            "\"founded_on\":\"1989-01-28\"}");
    struct record *rec = get(f, &res_organisations, id);
    assert_non_null(rec);
    assert_int_equal(rec->id, id);
    assert_int_equal(rec->version, 1);
    assert_string_equal(text_of(rec, "name"), "Мемориал");
    assert_string_equal(text_of(rec, "city"), "Москва");
    assert_string_equal(text_of(rec, "areas"), "[\"history\",\"human rights\"]");
    assert_string_equal(text_of(rec, "founded_on"), "1989-01-28");
    assert_int_equal(val(rec, "public")->i, 1);
    assert_true(val(rec, "website")->null);
}

/* The server wraps a whole GET in one read transaction; the handler's own begin/end pairs
 * inside it must join it, not end it: one snapshot until the outermost end. */
static void test_nested_read_transactions_share_one_snapshot(void **state)
{
    struct fx *f = *state;
    int64_t first = new_org(f, "{\"name\":\"Before\",\"country\":\"FR\"}");
    struct store_conn *c = store_reader(f->s);
    assert_int_equal(store_read_begin(c), STORE_OK);
    assert_non_null(get(f, &res_organisations, first)); /* the snapshot starts here */
    int64_t later = new_org(f, "{\"name\":\"After\",\"country\":\"FR\"}");
    assert_int_equal(store_read_begin(c), STORE_OK); /* a handler's own pair, nested */
    assert_null(get(f, &res_organisations, later));
    store_read_end(c);
    assert_null(get(f, &res_organisations, later)); /* still the outer snapshot */
    store_read_end(c);
    assert_non_null(get(f, &res_organisations, later)); /* let go: the write is seen */
    store_read_end(c);                                  /* an extra end is harmless */
    assert_int_equal(store_read_begin(c), STORE_OK);
    assert_non_null(get(f, &res_organisations, later));
    store_read_end(c);
}

static void test_get_of_missing_record_is_not_found(void **state)
{
    struct fx *f = *state;
    struct record *rec;
    assert_int_equal(store_get(store_reader(f->s), &res_organisations, 12345, &f->a, &rec),
                     STORE_NOT_FOUND);
}

static void test_create_with_invalid_input_writes_nothing(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create(f, &res_organisations, "{\"name\":\"X\",\"country\":\"XX\"}", NULL),
                     DOMAIN_INVALID);
    assert_int_equal(f->errs.n, 1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM organisations"), 0);
    assert_int_equal(audit_rows(f), 0);
}

static void test_create_with_future_founding_date_is_invalid(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create(f, &res_organisations,
                            "{\"name\":\"X\",\"country\":\"FR\",\"founded_on\":\"9999-01-01\"}",
                            NULL),
                     DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "founded_on");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM organisations"), 0);
}

/* ---- update ------------------------------------------------------------------------- */

static void test_update_bumps_version_and_keeps_other_fields(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"Memorial\",\"country\":\"FR\",\"city\":\"Metz\","
                            "\"email\":\"info@memo.fr\"}");
    struct record *rec;
    assert_int_equal(update(f, &res_organisations, id, 1, "{\"city\":\"Lyon\"}", &rec), STORE_OK);
    assert_int_equal(rec->version, 2);
    struct record *got = get(f, &res_organisations, id);
    assert_int_equal(got->version, 2);
    assert_string_equal(text_of(got, "city"), "Lyon");
    assert_string_equal(text_of(got, "name"), "Memorial");
    assert_string_equal(text_of(got, "email"), "info@memo.fr");
    assert_true(strcmp(got->updated_at, got->created_at) >= 0);
    assert_int_equal(update(f, &res_organisations, id, 2, "{\"city\":null}", &rec), STORE_OK);
    assert_int_equal(get(f, &res_organisations, id)->version, 3);
    assert_true(val(get(f, &res_organisations, id), "city")->null);
}

static void test_update_without_if_match_applies_to_current_version(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    assert_int_equal(update(f, &res_organisations, id, 0, "{\"name\":\"B\"}", NULL), STORE_OK);
    assert_int_equal(update(f, &res_organisations, id, 0, "{\"name\":\"C\"}", NULL), STORE_OK);
    struct record *got = get(f, &res_organisations, id);
    assert_int_equal(got->version, 3);
    assert_string_equal(text_of(got, "name"), "C");
}

static void test_update_with_stale_if_match_is_refused_and_changes_nothing(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"FR\",\"city\":\"Metz\"}");
    assert_int_equal(update(f, &res_organisations, id, 1, "{\"city\":\"Lyon\"}", NULL), STORE_OK);
    int64_t audits = audit_rows(f);
    assert_int_equal(update(f, &res_organisations, id, 1, "{\"city\":\"Nice\"}", NULL),
                     STORE_VERSION);
    assert_non_null(strstr(f->msg.msg, "version 1"));
    assert_non_null(strstr(f->msg.msg, "now 2"));
    struct record *got = get(f, &res_organisations, id);
    assert_int_equal(got->version, 2);
    assert_string_equal(text_of(got, "city"), "Lyon");
    assert_int_equal(audit_rows(f), audits);
}

static void test_update_of_missing_record_is_not_found(void **state)
{
    struct fx *f = *state;
    assert_int_equal(update(f, &res_organisations, 999, 0, "{\"name\":\"B\"}", NULL),
                     STORE_NOT_FOUND);
    assert_non_null(strstr(f->msg.msg, "999"));
}

static void test_update_with_invalid_patch_writes_nothing(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    int64_t audits = audit_rows(f);
    assert_int_equal(
        update(f, &res_organisations, id, 1, "{\"name\":null,\"city\":\"Lyon\"}", NULL),
        DOMAIN_INVALID);
    struct record *got = get(f, &res_organisations, id);
    assert_int_equal(got->version, 1);
    assert_true(val(got, "city")->null);
    assert_int_equal(audit_rows(f), audits);
}

/* ---- uniqueness --------------------------------------------------------------------- */

static void test_duplicate_registration_in_same_country_conflicts(void **state)
{
    struct fx *f = *state;
    new_org(f, "{\"name\":\"A\",\"country\":\"RU\",\"registration_no\":\"1027700433771\"}");
    int64_t audits = audit_rows(f);
    assert_int_equal(create(f, &res_organisations,
                            "{\"name\":\"B\",\"country\":\"RU\","
                            "\"registration_no\":\"1027700433771\"}",
                            NULL),
                     STORE_CONFLICT);
    assert_non_null(strstr(f->msg.msg, "country"));
    assert_non_null(strstr(f->msg.msg, "registration_no"));
    assert_int_equal(sql_int(f, "SELECT count(*) FROM organisations"), 1);
    assert_int_equal(audit_rows(f), audits);
}

static void test_same_registration_in_other_country_or_absent_is_fine(void **state)
{
    struct fx *f = *state;
    new_org(f, "{\"name\":\"A\",\"country\":\"RU\",\"registration_no\":\"42\"}");
    new_org(f, "{\"name\":\"B\",\"country\":\"FR\",\"registration_no\":\"42\"}");
    new_org(f, "{\"name\":\"C\",\"country\":\"FR\"}");
    new_org(f, "{\"name\":\"D\",\"country\":\"FR\"}");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM organisations"), 4);
}

static void test_update_into_duplicate_registration_conflicts(void **state)
{
    struct fx *f = *state;
    new_org(f, "{\"name\":\"A\",\"country\":\"RU\",\"registration_no\":\"42\"}");
    int64_t b = new_org(f, "{\"name\":\"B\",\"country\":\"RU\",\"registration_no\":\"43\"}");
    assert_int_equal(update(f, &res_organisations, b, 1, "{\"registration_no\":\"42\"}", NULL),
                     STORE_CONFLICT);
    struct record *got = get(f, &res_organisations, b);
    assert_string_equal(text_of(got, "registration_no"), "43");
    assert_int_equal(got->version, 1);
}

/* ---- delete and references ---------------------------------------------------------- */

static void test_delete_removes_record_once(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    assert_int_equal(del(f, &res_organisations, id, 1), STORE_OK);
    assert_null(get(f, &res_organisations, id));
    assert_int_equal(del(f, &res_organisations, id, 0), STORE_NOT_FOUND);
}

static void test_delete_with_stale_if_match_is_refused(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    assert_int_equal(update(f, &res_organisations, id, 1, "{\"name\":\"B\"}", NULL), STORE_OK);
    assert_int_equal(del(f, &res_organisations, id, 1), STORE_VERSION);
    assert_non_null(get(f, &res_organisations, id));
    assert_int_equal(del(f, &res_organisations, id, 2), STORE_OK);
}

static void test_delete_of_referenced_organisation_is_refused(void **state)
{
    struct fx *f = *state;
    int64_t org = new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    char text[128];
    snprintf(text, sizeof(text), "{\"full_name\":\"Ann\",\"organisation_id\":%lld}",
             (long long)org);
    struct record *person;
    assert_int_equal(create(f, &res_people, text, &person), STORE_OK);
    int64_t audits = audit_rows(f);
    assert_int_equal(del(f, &res_organisations, org, 0), STORE_REFERENCED);
    assert_non_null(strstr(f->msg.msg, "1 people"));
    assert_non_null(get(f, &res_organisations, org));
    assert_int_equal(audit_rows(f), audits);
    /* once nobody points at it, it can go */
    assert_int_equal(del(f, &res_people, person->id, 0), STORE_OK);
    assert_int_equal(del(f, &res_organisations, org, 0), STORE_OK);
}

static void test_delete_of_organisation_with_users_is_refused(void **state)
{
    struct fx *f = *state;
    int64_t org = new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    struct store_tx *tx;
    assert_int_equal(store_write_begin(f->s, &tx), STORE_OK);
    struct user u = {.email = "ngo@example.org", .role = "ngo", .org_id = org};
    int64_t uid;
    assert_int_equal(store_user_insert(tx, &u, &uid, &f->msg), STORE_OK);
    assert_int_equal(store_write_commit(tx, &f->msg), STORE_OK);
    assert_int_equal(del(f, &res_organisations, org, 0), STORE_REFERENCED);
    assert_non_null(strstr(f->msg.msg, "users"));
    assert_non_null(get(f, &res_organisations, org));
}

static void test_writer_is_released_after_every_kind_of_failure(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"RU\",\"registration_no\":\"1\"}");
    assert_int_equal(create(f, &res_organisations,
                            "{\"name\":\"B\",\"country\":\"RU\",\"registration_no\":\"1\"}", NULL),
                     STORE_CONFLICT);
    new_org(f, "{\"name\":\"after conflict\",\"country\":\"FR\"}");
    assert_int_equal(update(f, &res_organisations, id, 9, "{}", NULL), STORE_VERSION);
    new_org(f, "{\"name\":\"after version\",\"country\":\"FR\"}");
    assert_int_equal(update(f, &res_organisations, 999, 0, "{}", NULL), STORE_NOT_FOUND);
    new_org(f, "{\"name\":\"after not found\",\"country\":\"FR\"}");
    assert_int_equal(update(f, &res_organisations, id, 0, "{\"country\":\"XX\"}", NULL),
                     DOMAIN_INVALID);
    new_org(f, "{\"name\":\"after invalid\",\"country\":\"FR\"}");
    assert_int_equal(del(f, &res_organisations, 999, 0), STORE_NOT_FOUND);
    assert_int_equal(del(f, &res_organisations, id, 9), STORE_VERSION);
    new_org(f, "{\"name\":\"after delete\",\"country\":\"FR\"}");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM organisations"), 6);
}

static void test_person_pointing_at_missing_organisation_is_invalid(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        create(f, &res_people, "{\"full_name\":\"Ann\",\"organisation_id\":999}", NULL),
        DOMAIN_INVALID);
    assert_int_equal(f->errs.n, 1);
    assert_string_equal(f->errs.items[0].field, "organisation_id");
    assert_non_null(strstr(f->errs.items[0].message, "999"));

    struct record *p;
    assert_int_equal(create(f, &res_people, "{\"full_name\":\"Bob\"}", &p), STORE_OK);
    assert_int_equal(update(f, &res_people, p->id, 1, "{\"organisation_id\":999}", NULL),
                     DOMAIN_INVALID);
    assert_true(val(get(f, &res_people, p->id), "organisation_id")->null);
}

/* ---- keyset pagination -------------------------------------------------------------- */

#define SEED_N 237

static const char *const seed_names[] = {"Amnesty",
                                         "amnesty",
                                         "Мемориал",
                                         "Memorial",
                                         "Zeta",
                                         "Ärzte ohne Grenzen",
                                         "Б",
                                         "A",
                                         "人权观察",
                                         "Memorial",
                                         "Amnesty",
                                         "Открытая Россия",
                                         "100 % Culture"};

/* SEED_N organisations in one transaction, with many equal names and null/empty cities. */
static void seed(struct fx *f)
{
    struct store_tx *tx;
    assert_int_equal(store_write_begin(f->s, &tx), STORE_OK);
    for (int i = 0; i < SEED_N; i++) {
        char text[256], city[64];
        if (i % 5 == 0)
            snprintf(city, sizeof(city), "null");
        else if (i % 7 == 0)
            snprintf(city, sizeof(city), "\"\"");
        else
            snprintf(city, sizeof(city), "\"City %d\"", i % 11);
        snprintf(text, sizeof(text), "{\"name\":\"%s\",\"country\":\"%s\",\"city\":%s}",
                 seed_names[i % ARRAY_SIZE(seed_names)], i % 3 ? "FR" : "RU", city);
        json_t *body = parse(text);
        struct record *rec = record_new(&res_organisations, &f->a);
        reset(f);
        record_from_json(rec, body, RECORD_CREATE, &f->a, &f->errs);
        json_decref(body);
        assert_int_equal(f->errs.n, 0);
        if (domain_insert_tx(tx, &f->who, rec, &f->a, &f->errs, &f->msg) != STORE_OK)
            fail_msg("insert %d: %s", i, f->msg.msg);
    }
    assert_int_equal(store_write_commit(tx, &f->msg), STORE_OK);
}

/* The sort key as the store orders it: null sorts as the empty string. */
static const char *sort_key(const struct record *rec, int sort)
{
    if (sort < 0)
        return "";
    const struct value *v = &rec->v[sort];
    return v->null ? "" : v->s;
}

/* Position of b relative to a in the list order: >0 when b correctly follows a. */
static int order(const struct record *a, const struct record *b, int sort, bool desc)
{
    int c = strcmp(sort_key(b, sort), sort_key(a, sort));
    if (c == 0)
        c = b->id > a->id ? 1 : b->id < a->id ? -1 : 0;
    return desc ? -c : c;
}

struct walked {
    int64_t ids[SEED_N + 64];
    size_t n;
    size_t pages;
    int64_t total;
};

/*
 * Follows next_cursor from the first page to the last, checking that every record
 * follows the one before it in the requested order (within and across pages).
 * between: called after the first page (may write to the database), or NULL.
 */
static void walk(struct fx *f, struct list_query q, struct walked *w, void (*between)(struct fx *f))
{
    memset(w, 0, sizeof(*w));
    const struct record *prev = NULL;
    for (;;) {
        struct list_result res;
        int rc = store_list(store_reader(f->s), &res_organisations, &q, &f->a, &res, &f->msg);
        if (rc != STORE_OK)
            fail_msg("store_list: %d %s", rc, f->msg.msg);
        if (w->pages == 0)
            w->total = res.total;
        w->pages++;
        assert_true(res.n <= (size_t)q.limit);
        for (size_t i = 0; i < res.n; i++) {
            if (prev && order(prev, res.items[i], q.sort, q.desc) <= 0)
                fail_msg("page %zu: id %lld (%s) does not follow id %lld (%s)", w->pages,
                         (long long)res.items[i]->id, sort_key(res.items[i], q.sort),
                         (long long)prev->id, sort_key(prev, q.sort));
            if (w->n == ARRAY_SIZE(w->ids))
                fail_msg("more records than exist: the walk repeats");
            w->ids[w->n++] = res.items[i]->id;
            prev = res.items[i];
        }
        if (!res.next_cursor)
            break;
        assert_int_equal(res.n, q.limit);
        q.cursor = str_from(res.next_cursor);
        q.count = false;
        if (between && w->pages == 1)
            between(f);
    }
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Each id in ids[0..n) exactly once, and exactly `want` distinct ones. */
static void expect_each_once(const int64_t *ids, size_t n, size_t want)
{
    int64_t *sorted = malloc(n * sizeof(*sorted) + 1);
    memcpy(sorted, ids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_id);
    for (size_t i = 1; i < n; i++)
        if (sorted[i] == sorted[i - 1])
            fail_msg("id %lld listed twice", (long long)sorted[i]);
    free(sorted);
    assert_int_equal(n, want);
}

static struct list_query query(const char *sort, bool desc, int limit)
{
    struct list_query q = {.sort = sort ? resource_field_index(&res_organisations, sort) : -1,
                           .desc = desc,
                           .limit = limit,
                           .count = true};
    if (sort && q.sort < 0)
        fail_msg("no field %s", sort);
    return q;
}

static void test_list_walks_all_pages_by_id(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct walked w;
    walk(f, query(NULL, false, 10), &w, NULL);
    expect_each_once(w.ids, w.n, SEED_N);
    assert_int_equal(w.total, SEED_N);
    assert_int_equal(w.pages, (SEED_N + 9) / 10);
    walk(f, query(NULL, true, 10), &w, NULL);
    expect_each_once(w.ids, w.n, SEED_N);
}

static void test_list_walks_all_pages_by_name_ascending(void **state)
{
    struct fx *f = *state;
    seed(f);
    static const int limits[] = {1, 7, 13, 50, SEED_N, 500};
    for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
        struct walked w;
        walk(f, query("name", false, limits[i]), &w, NULL);
        expect_each_once(w.ids, w.n, SEED_N);
    }
}

static void test_list_walks_all_pages_by_name_descending(void **state)
{
    struct fx *f = *state;
    seed(f);
    static const int limits[] = {1, 7, 13, 50, SEED_N, 500};
    for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
        struct walked w;
        walk(f, query("name", true, limits[i]), &w, NULL);
        expect_each_once(w.ids, w.n, SEED_N);
    }
}

static void test_list_walks_nullable_sort_field_with_nulls_and_empty(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct walked w;
    walk(f, query("city", false, 9), &w, NULL);
    expect_each_once(w.ids, w.n, SEED_N);
    walk(f, query("city", true, 9), &w, NULL);
    expect_each_once(w.ids, w.n, SEED_N);
}

static void test_list_walks_filtered_and_searched_lists(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct list_query q = query("name", false, 8);
    q.filters[0] = (struct filter){.field = resource_field_index(&res_organisations, "country"),
                                   .v = {.s = "RU", .n = 2}};
    q.nfilters = 1;
    struct walked w;
    walk(f, q, &w, NULL);
    expect_each_once(w.ids, w.n, (SEED_N + 2) / 3);
    assert_int_equal(w.total, (SEED_N + 2) / 3);

    size_t want = 0;
    for (int i = 0; i < SEED_N; i++)
        want += strcmp(seed_names[i % ARRAY_SIZE(seed_names)], "Мемориал") == 0;
    q = query("name", true, 4);
    q.q = STR("емориа");
    walk(f, q, &w, NULL);
    expect_each_once(w.ids, w.n, want);

    /* % in a search is a literal character, not a wildcard */
    want = 0;
    for (int i = 0; i < SEED_N; i++)
        want += strchr(seed_names[i % ARRAY_SIZE(seed_names)], '%') != NULL;
    q = query(NULL, false, 5);
    q.q = STR("%");
    walk(f, q, &w, NULL);
    expect_each_once(w.ids, w.n, want);
}

static void insert_around_cursor(struct fx *f)
{
    new_org(f, "{\"name\":\"0 first\",\"country\":\"FR\"}"); /* before the cursor */
    new_org(f, "{\"name\":\"zzzz last\",\"country\":\"FR\"}");
    new_org(f, "{\"name\":\"zzzz last\",\"country\":\"RU\"}");
}

static void test_list_pages_stay_exact_when_rows_are_added_between_pages(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct walked w;
    walk(f, query("name", false, 10), &w, insert_around_cursor);
    /* every seeded record once; the two added after the cursor appear, the one before not */
    expect_each_once(w.ids, w.n, SEED_N + 2);
}

static void test_list_refuses_cursor_from_another_query(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct list_result res;
    struct list_query q = query("name", false, 10);
    assert_int_equal(store_list(store_reader(f->s), &res_organisations, &q, &f->a, &res, &f->msg),
                     STORE_OK);
    assert_non_null(res.next_cursor);
    struct str cursor = str_from(res.next_cursor);

    struct list_query other = query(NULL, false, 10);
    other.cursor = cursor;
    assert_int_equal(
        store_list(store_reader(f->s), &res_organisations, &other, &f->a, &res, &f->msg),
        STORE_CONFLICT);
    other = query("name", true, 10);
    other.cursor = cursor;
    assert_int_equal(
        store_list(store_reader(f->s), &res_organisations, &other, &f->a, &res, &f->msg),
        STORE_CONFLICT);
    static const char *const junk[] = {"!!!", "e30", "WzEsMiwzXQ", "bm90IGpzb24"};
    for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
        other = query("name", false, 10);
        other.cursor = str_from(junk[i]);
        assert_int_equal(
            store_list(store_reader(f->s), &res_organisations, &other, &f->a, &res, &f->msg),
            STORE_CONFLICT);
    }
}

static void test_list_scoped_to_an_organisation_shows_only_its_records(void **state)
{
    struct fx *f = *state;
    int64_t mine = new_org(f, "{\"name\":\"Mine\",\"country\":\"FR\"}");
    int64_t other = new_org(f, "{\"name\":\"Other\",\"country\":\"FR\"}");
    char text[128];
    for (int i = 0; i < 3; i++) {
        snprintf(text, sizeof(text), "{\"full_name\":\"P%d\",\"organisation_id\":%lld}", i,
                 (long long)(i ? other : mine));
        assert_int_equal(create(f, &res_people, text, NULL), STORE_OK);
    }
    struct list_result res;
    struct list_query q = query(NULL, false, 50);
    q.scope_org = mine;
    assert_int_equal(store_list(store_reader(f->s), &res_organisations, &q, &f->a, &res, &f->msg),
                     STORE_OK);
    assert_int_equal(res.n, 1);
    assert_int_equal(res.items[0]->id, mine);
    assert_int_equal(res.total, 1);
    assert_int_equal(store_list(store_reader(f->s), &res_people, &q, &f->a, &res, &f->msg),
                     STORE_OK);
    assert_int_equal(res.n, 1);
    assert_int_equal(val(res.items[0], "organisation_id")->i, mine);
}

static void test_list_of_public_records_hides_the_others(void **state)
{
    struct fx *f = *state;
    new_org(f, "{\"name\":\"Hidden\",\"country\":\"FR\"}");
    int64_t pub = new_org(f, "{\"name\":\"Shown\",\"country\":\"FR\",\"public\":true}");
    new_org(f, "{\"name\":\"Hidden too\",\"country\":\"FR\",\"public\":false}");
    struct list_result res;
    struct list_query q = query("name", false, 50);
    q.only_public = true;
    assert_int_equal(store_list(store_reader(f->s), &res_organisations, &q, &f->a, &res, &f->msg),
                     STORE_OK);
    assert_int_equal(res.n, 1);
    assert_int_equal(res.items[0]->id, pub);
    assert_int_equal(res.total, 1);
}

/* ---- opening and schema ------------------------------------------------------------- */

static void test_open_existing_database_for_use(void **state)
{
    struct fx *f = *state;
    new_org(f, "{\"name\":\"A\",\"country\":\"FR\"}");
    store_close(f->s);
    struct error err = ERROR_INIT;
    assert_int_equal(store_open(&f->s, f->path, STORE_OPEN_USE, &err), 0);
    assert_int_equal(store_schema_version(f->s), store_schema_latest());
    assert_int_equal(sql_int(f, "SELECT count(*) FROM organisations"), 1);
    assert_int_equal(store_integrity(store_reader(f->s), &err), STORE_OK);
}

static void test_open_for_use_refuses_missing_database(void **state)
{
    struct fx *f = *state;
    char path[160];
    snprintf(path, sizeof(path), "%s/absent.db", f->dir);
    struct store *s = (struct store *)1;
    struct error err = ERROR_INIT;
    assert_true(store_open(&s, path, STORE_OPEN_USE, &err) < 0);
    assert_null(s);
    assert_non_null(strstr(err.msg, "civdesk init"));
    assert_int_equal(access(path, F_OK), -1); /* and did not create it */
}

static void test_open_refuses_newer_schema(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    f->s = NULL;
    char stmt[64];
    snprintf(stmt, sizeof(stmt), "PRAGMA user_version=%d", store_schema_latest() + 1);
    sql(f, stmt);
    struct error err = ERROR_INIT;
    struct store *s = NULL;
    assert_true(store_open(&s, f->path, STORE_OPEN_USE, &err) < 0);
    assert_non_null(strstr(err.msg, "newer"));
    err.msg[0] = '\0';
    assert_true(store_open(&s, f->path, STORE_OPEN_INIT, &err) < 0);
    assert_non_null(strstr(err.msg, "newer"));
    assert_null(s);
}

/* ---- the audit chain ---------------------------------------------------------------- */

/* Five entries: create A, create B, update A, create C, delete B. */
static void five_audited_writes(struct fx *f)
{
    int64_t a = new_org(f, "{\"name\":\"Alpha\",\"country\":\"FR\"}");
    int64_t b = new_org(f, "{\"name\":\"Beta\",\"country\":\"FR\"}");
    assert_int_equal(update(f, &res_organisations, a, 1, "{\"city\":\"Metz\"}", NULL), STORE_OK);
    new_org(f, "{\"name\":\"Gamma\",\"country\":\"RU\"}");
    assert_int_equal(del(f, &res_organisations, b, 1), STORE_OK);
    assert_int_equal(audit_rows(f), 5);
}

static void test_audit_chain_verifies_after_writes(void **state)
{
    struct fx *f = *state;
    int64_t checked = -1, bad = -1;
    assert_int_equal(verify(f, &checked, &bad), STORE_OK);
    assert_int_equal(checked, 0);
    five_audited_writes(f);
    assert_int_equal(verify(f, &checked, &bad), STORE_OK);
    assert_int_equal(checked, 5);
    assert_int_equal(bad, 0);
}

static void test_audit_records_who_did_what(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE actor='unit@example.org'"), 5);
    assert_int_equal(sql_int(f, "SELECT group_concat(action,',') = "
                                "'create,create,update,create,delete' FROM "
                                "(SELECT action FROM audit ORDER BY id)"),
                     1);
    /* the update keeps both images; the create has no before, the delete no after */
    assert_int_equal(sql_int(f, "SELECT before LIKE '%\"version\":1%' AND after LIKE "
                                "'%\"city\":\"Metz\"%' FROM audit WHERE id=3"),
                     1);
    assert_int_equal(sql_int(f, "SELECT before IS NULL AND after IS NOT NULL FROM audit WHERE "
                                "id=1"),
                     1);
    assert_int_equal(sql_int(f, "SELECT before LIKE '%Beta%' AND after IS NULL FROM audit WHERE "
                                "id=5"),
                     1);
}

static void test_audit_detects_edited_entry(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    tamper(f, "UPDATE audit SET after=replace(after,'Beta','Fake') WHERE id=2");
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 2);
    assert_int_equal(checked, 1);
    assert_non_null(strstr(f->msg.msg, "audit entry 2"));
    assert_non_null(strstr(f->msg.msg, "edited"));
}

static void test_audit_detects_edited_actor_and_time(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    tamper(f, "UPDATE audit SET actor='someone@else.org' WHERE id=4");
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 4);
    tamper(f, "UPDATE audit SET actor='unit@example.org' WHERE id=4");
    assert_int_equal(verify(f, &checked, &bad), STORE_OK);
    tamper(f, "UPDATE audit SET at='2000-01-01T00:00:00Z' WHERE id=1");
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 1);
}

static void test_audit_detects_deleted_entry(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    tamper(f, "DELETE FROM audit WHERE id=3");
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 4);
    assert_non_null(strstr(f->msg.msg, "audit entry 4"));
    assert_non_null(strstr(f->msg.msg, "missing"));
}

static void test_audit_detects_deleted_first_entry(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    tamper(f, "DELETE FROM audit WHERE id=1");
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 2);
}

static void test_audit_detects_swapped_entries(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    /* swap everything but the ids of entries 2 and 3 */
    tamper(f, "BEGIN;"
              "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE id IN (2,3);"
              "UPDATE audit SET (at,actor_id,actor,org_id,action,resource,record_id,before,after,"
              "prev_hash,hash) = (SELECT at,actor_id,actor,org_id,action,resource,record_id,before,"
              "after,prev_hash,hash FROM t WHERE t.id = 5 - audit.id) WHERE id IN (2,3);"
              "COMMIT;");
    assert_int_equal(sql_int(f, "SELECT action='update' FROM audit WHERE id=2"), 1);
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(f->msg.msg, "does not follow"));
}

static void test_audit_detects_renumbered_entries(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    /* delete entry 3 and close the gap, keeping every stored hash */
    tamper(f, "DELETE FROM audit WHERE id=3; UPDATE audit SET id=-id WHERE id>3;"
              "UPDATE audit SET id=-id-1 WHERE id<0;");
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    assert_int_equal(bad, 3);
}

/* SHA-256 hex of prev || canonical text of the row, the way the chain links entries. */
static void sha256_hex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *prev = sqlite3_value_text(argv[0]);
    const unsigned char *canon = sqlite3_value_text(argv[1]);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, prev, (unsigned long long)sqlite3_value_bytes(argv[0]));
    crypto_hash_sha256_update(&h, canon, (unsigned long long)sqlite3_value_bytes(argv[1]));
    crypto_hash_sha256_final(&h, d);
    char hex[65];
    sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
    sqlite3_result_text(ctx, hex, 64, SQLITE_TRANSIENT);
}

/* The canonical text of an audit row: [id,at,actor_id,actor,org_id,action,resource,
 * record_id,before,after] written by the same JSON writer the store uses. */
static void canonical(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    for (int i = 0; i < argc; i++) {
        bool is_int = i == 0 || i == 2 || i == 4 || i == 7;
        if (is_int)
            jw_int(&w, sqlite3_value_int64(argv[i]));
        else
            jw_str(&w, (const char *)sqlite3_value_text(argv[i]));
    }
    jw_arr_end(&w);
    sqlite3_result_text(ctx, b.p, (int)b.n, SQLITE_TRANSIENT);
    buf_release(&b);
}

static void test_audit_detects_edit_with_recomputed_hash_at_next_entry(void **state)
{
    struct fx *f = *state;
    five_audited_writes(f);
    tamper(f, "SELECT 1");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_create_function(db, "sha256_hex", 2, SQLITE_UTF8, NULL, sha256_hex, NULL, NULL);
    sqlite3_create_function(db, "canonical", 10, SQLITE_UTF8, NULL, canonical, NULL, NULL);
    /* a forger who rewrites entry 2 and gives it a hash that matches its new content */
    char *err = NULL;
    int rc = sqlite3_exec(db,
                          "UPDATE audit SET after=replace(after,'Beta','Fake') WHERE id=2;"
                          "UPDATE audit SET hash=sha256_hex(prev_hash, canonical(id,at,"
                          "actor_id,actor,org_id,action,resource,record_id,before,after)) "
                          "WHERE id=2;",
                          NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s", err);
    sqlite3_close(db);
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_CONFLICT);
    /* entry 2 now checks out on its own; the chain breaks at 3 */
    assert_int_equal(bad, 3);
    assert_int_equal(checked, 2);
    assert_non_null(strstr(f->msg.msg, "does not follow"));
}

static void test_audit_failed_writes_leave_no_entry(void **state)
{
    struct fx *f = *state;
    int64_t id = new_org(f, "{\"name\":\"A\",\"country\":\"RU\",\"registration_no\":\"1\"}");
    assert_int_equal(audit_rows(f), 1);
    create(f, &res_organisations, "{\"name\":\"B\",\"country\":\"XX\"}", NULL);
    create(f, &res_organisations, "{\"name\":\"B\",\"country\":\"RU\",\"registration_no\":\"1\"}",
           NULL);
    update(f, &res_organisations, id, 7, "{\"name\":\"C\"}", NULL);
    update(f, &res_organisations, 999, 0, "{\"name\":\"C\"}", NULL);
    del(f, &res_organisations, 999, 0);
    del(f, &res_organisations, id, 7);
    assert_int_equal(audit_rows(f), 1);
    int64_t checked, bad;
    assert_int_equal(verify(f, &checked, &bad), STORE_OK);
    assert_int_equal(checked, 1);
}

/* The schema version counts migrations, on either store: each number must exist in both
 * dialects (migrations/NNNN_*.sql and migrations/pgsql/NNNN_*.sql), under the same name,
 * in the same order. */
static void test_both_dialects_have_the_same_migrations(void **state)
{
    assert_int_equal(embed_migrations_count, embed_migrations_pgsql_count);
    for (size_t i = 0; i < embed_migrations_count; i++) {
        assert_non_null(embed_migrations_pgsql[i].name);
        assert_string_equal(embed_migrations[i].name, embed_migrations_pgsql[i].name);
    }
}

/* --db chooses the store: a libpq URI or key/value string is PostgreSQL, a path SQLite. */
static void test_db_target_chooses_the_driver(void **state)
{
    assert_ptr_equal(db_driver_for("postgresql://civdesk@db.example/civdesk"), &db_pgsql_driver);
    assert_ptr_equal(db_driver_for("postgres://db.example/civdesk"), &db_pgsql_driver);
    assert_ptr_equal(db_driver_for("host=/run/postgresql dbname=civdesk"), &db_pgsql_driver);
    assert_ptr_equal(db_driver_for("civdesk.db"), &db_sqlite_driver);
    assert_ptr_equal(db_driver_for("/var/lib/civdesk/civdesk.db"), &db_sqlite_driver);
    assert_ptr_equal(db_driver_for("./host=x.db"), &db_sqlite_driver);
    assert_true(store_is_server("postgresql://h/d"));
    assert_false(store_is_server("civdesk.db"));
}

/* A password in a connection string never reaches a message. */
static void test_db_target_shown_hides_the_password(void **state)
{
    char *s = db_target_shown("postgresql://civdesk:s3cret@db.example:5432/civdesk");
    assert_string_equal(s, "postgresql://civdesk:***@db.example:5432/civdesk");
    free(s);
    s = db_target_shown("postgresql://db.example/civdesk?user=c&password=s3cret&sslmode=require");
    assert_string_equal(s, "postgresql://db.example/civdesk?user=c&password=***&sslmode=require");
    free(s);
    s = db_target_shown("host=db.example password='s3 cret' dbname=civdesk");
    assert_string_equal(s, "host=db.example password=*** dbname=civdesk");
    free(s);
    s = db_target_shown("civdesk.db");
    assert_string_equal(s, "civdesk.db");
    free(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_assigns_id_version_and_timestamps),
        T(test_get_returns_what_was_stored),
        T(test_nested_read_transactions_share_one_snapshot),
        T(test_get_of_missing_record_is_not_found),
        T(test_create_with_invalid_input_writes_nothing),
        T(test_create_with_future_founding_date_is_invalid),
        T(test_update_bumps_version_and_keeps_other_fields),
        T(test_update_without_if_match_applies_to_current_version),
        T(test_update_with_stale_if_match_is_refused_and_changes_nothing),
        T(test_update_of_missing_record_is_not_found),
        T(test_update_with_invalid_patch_writes_nothing),
        T(test_duplicate_registration_in_same_country_conflicts),
        T(test_same_registration_in_other_country_or_absent_is_fine),
        T(test_update_into_duplicate_registration_conflicts),
        T(test_delete_removes_record_once),
        T(test_delete_with_stale_if_match_is_refused),
        T(test_delete_of_referenced_organisation_is_refused),
        T(test_delete_of_organisation_with_users_is_refused),
        T(test_writer_is_released_after_every_kind_of_failure),
        T(test_person_pointing_at_missing_organisation_is_invalid),
        T(test_list_walks_all_pages_by_id),
        T(test_list_walks_all_pages_by_name_ascending),
        T(test_list_walks_all_pages_by_name_descending),
        T(test_list_walks_nullable_sort_field_with_nulls_and_empty),
        T(test_list_walks_filtered_and_searched_lists),
        T(test_list_pages_stay_exact_when_rows_are_added_between_pages),
        T(test_list_refuses_cursor_from_another_query),
        T(test_list_scoped_to_an_organisation_shows_only_its_records),
        T(test_list_of_public_records_hides_the_others),
        T(test_open_existing_database_for_use),
        T(test_open_for_use_refuses_missing_database),
        T(test_open_refuses_newer_schema),
        T(test_audit_chain_verifies_after_writes),
        T(test_audit_records_who_did_what),
        T(test_audit_detects_edited_entry),
        T(test_audit_detects_edited_actor_and_time),
        T(test_audit_detects_deleted_entry),
        T(test_audit_detects_deleted_first_entry),
        T(test_audit_detects_swapped_entries),
        T(test_audit_detects_renumbered_entries),
        T(test_audit_detects_edit_with_recomputed_hash_at_next_entry),
        T(test_audit_failed_writes_leave_no_entry),
        cmocka_unit_test(test_both_dialects_have_the_same_migrations),
        cmocka_unit_test(test_db_target_chooses_the_driver),
        cmocka_unit_test(test_db_target_shown_hides_the_password),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
