/*
 * The deep audit check (issue 16): every live row against its last audited image. The
 * hash chain proves the trail was not rewritten; this proves the tables were not edited
 * behind it (`UPDATE users SET role='admin'` in the sqlite3 shell). Rows and their last
 * entries are both read in id order and merged, so memory stays flat however many rows.
 *
 * Not faults: reference rows (bodies) that the migrations seeded without an entry; rows
 * an import created (its one entry names the range of ids); tables filled only by bulk
 * imports without ids (listings, `bulk_only` below); columns an image does not hold (a
 * later migration added them). A fault names the table, the id and the field.
 */
#include "store/access.h"
#include "store/internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Resources whose rows are written in bulk and audited per import, not per row. */
static const char *const bulk_only[] = {"listings"};

/* Actions whose entry carries the record's image after it (delete: none). */
#define IMAGE_ACTIONS "'create','update','transition','delete','disable'"

struct last_entry {
    struct db_stmt *st;
    bool done;
    int64_t record_id, entry_id;
    const char *action, *after; /* valid until the next step */
};

static void entry_next(struct last_entry *e)
{
    if (e->done)
        return;
    if (db_step(e->st) != DB_ROW) {
        e->done = true;
        return;
    }
    e->record_id = db_column_int64(e->st, 0);
    e->entry_id = db_column_int64(e->st, 1);
    e->action = db_column_text(e->st, 2);
    e->after = db_column_text(e->st, 3);
}

/* The last image-bearing entry of each record of `resource`, in record id order. */
static int entry_open(struct store_conn *c, const char *resource, struct last_entry *e)
{
    memset(e, 0, sizeof(*e));
    const char *sql = "SELECT a.record_id,a.id,a.action,a.after FROM audit a WHERE a.resource=?1 "
                      "AND a.record_id IS NOT NULL AND a.action IN (" IMAGE_ACTIONS ") "
                      "AND NOT EXISTS (SELECT 1 FROM audit b WHERE b.resource=?1 AND "
                      "b.record_id=a.record_id AND b.id>a.id AND b.action IN (" IMAGE_ACTIONS ")) "
                      "ORDER BY a.record_id";
    if (!(e->st = db_prepare(c->db, sql)))
        return STORE_ERROR;
    db_bind_text_copy(e->st, 1, resource, -1);
    entry_next(e);
    return STORE_OK;
}

struct range {
    int64_t first, last;
};

struct deep {
    struct store_conn *c;
    struct arena *a;
    struct deep_report *out;
    const char *resource;
    bool reference;
    struct last_entry e;
    struct range *ranges;
    size_t nranges;
};

static void fault(struct deep *d, int64_t id, const char *detail)
{
    struct deep_report *o = d->out;
    if (o->nfaults < DEEP_FAULTS_LISTED) {
        if (!o->faults)
            o->faults = arena_alloc(d->a, DEEP_FAULTS_LISTED * sizeof(*o->faults));
        o->faults[o->nfaults++] =
            (struct deep_fault){arena_strdup(d->a, d->resource), id, arena_strdup(d->a, detail)};
    }
    o->faults_total++;
}

/* The ids an import of this resource created, from its entries' first_id / last_id. */
static int load_ranges(struct deep *d)
{
    struct db_stmt *st = NULL;
    if (!(st = db_prepare(d->c->db, "SELECT after FROM audit WHERE resource=? AND action='import' "
                                    "AND after IS NOT NULL")))
        return STORE_ERROR;
    db_bind_text_copy(st, 1, d->resource, -1);
    size_t cap = 0;
    d->ranges = NULL;
    d->nranges = 0;
    while (db_step(st) == DB_ROW) {
        json_t *j = json_loads(db_column_text(st, 0), 0, NULL);
        json_t *f = json_object_get(j, "first_id"), *l = json_object_get(j, "last_id");
        if (json_is_integer(f) && json_is_integer(l)) {
            if (d->nranges == cap) {
                cap = cap ? 2 * cap : 8;
                struct range *grown = arena_alloc(d->a, cap * sizeof(*grown));
                if (d->nranges)
                    memcpy(grown, d->ranges, d->nranges * sizeof(*grown));
                d->ranges = grown;
            }
            d->ranges[d->nranges++] = (struct range){json_integer_value(f), json_integer_value(l)};
        }
        json_decref(j);
    }
    db_finalize(st);
    return STORE_OK;
}

static bool imported(const struct deep *d, int64_t id)
{
    for (size_t i = 0; i < d->nranges; i++)
        if (id >= d->ranges[i].first && id <= d->ranges[i].last)
            return true;
    return false;
}

/* Compares one live row (its image as JSON text) with the merged cursor's entry. */
static void compare(struct deep *d, int64_t id, const char *live_text)
{
    struct last_entry *e = &d->e;
    while (!e->done && e->record_id < id)
        entry_next(e);
    d->out->checked++;
    if (e->done || e->record_id != id) {
        if (!d->reference && !imported(d, id))
            fault(d, id, "has no audit entry: written outside civdesk");
        return;
    }
    char detail[200];
    if (strcmp(e->action, "delete") == 0) {
        snprintf(detail, sizeof(detail), "was deleted by audit entry %lld, yet is there",
                 (long long)e->entry_id);
        fault(d, id, detail);
        return;
    }
    json_t *live = json_loads(live_text, 0, NULL);
    json_t *image = e->after ? json_loads(e->after, 0, NULL) : json_object();
    if (strcmp(e->action, "disable") == 0 && !e->after)
        json_object_set_new(image, "disabled", json_true());
    const char *key;
    json_t *want;
    json_object_foreach(image, key, want)
    {
        json_t *have = json_object_get(live, key);
        if (have && !json_equal(have, want)) {
            snprintf(detail, sizeof(detail),
                     "%s differs from its last audited image (entry %lld): changed outside "
                     "civdesk",
                     key, (long long)e->entry_id);
            fault(d, id, detail);
            break;
        }
    }
    json_decref(live);
    json_decref(image);
}

static int on_record(void *arg, const struct record *rec)
{
    struct deep *d = arg;
    struct buf b = BUF_INIT;
    record_to_audit_json(rec, &b);
    compare(d, rec->id, b.p ? b.p : "{}");
    buf_release(&b);
    return 0;
}

/* The users table, as the account handlers write its images. */
static int check_users(struct deep *d)
{
    struct db_stmt *st = NULL;
    if (!(st = db_prepare(d->c->db, "SELECT id,email,name,role,organisation_id,disabled FROM users "
                                    "ORDER BY id")))
        return STORE_ERROR;
    while (db_step(st) == DB_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(db_column_int64(st, 0)));
        json_object_set_new(o, "email", json_string(db_column_text(st, 1)));
        const char *name = db_column_text(st, 2);
        json_object_set_new(o, "name", name ? json_string(name) : json_null());
        json_object_set_new(o, "role", json_string(db_column_text(st, 3)));
        json_object_set_new(
            o, "organisation_id",
            db_column_type(st, 4) == DB_NULL ? json_null() : json_integer(db_column_int64(st, 4)));
        json_object_set_new(o, "disabled", json_boolean(db_column_int(st, 5)));
        char *text = json_dumps(o, JSON_COMPACT);
        compare(d, db_column_int64(st, 0), text ? text : "{}");
        free(text);
        json_decref(o);
    }
    db_finalize(st);
    return STORE_OK;
}

int store_audit_deep_check(struct store_conn *c, struct arena *a, struct deep_report *out)
{
    memset(out, 0, sizeof(*out));
    int rc = STORE_OK;
    for (size_t i = 0; i < resource_count && rc == STORE_OK; i++) {
        const struct resource *res = resource_all[i];
        bool skip = false;
        for (size_t k = 0; k < ARRAY_SIZE(bulk_only); k++)
            skip |= strcmp(res->name, bulk_only[k]) == 0;
        if (skip)
            continue;
        struct deep d = {.c = c,
                         .a = a,
                         .out = out,
                         .resource = res->name,
                         .reference = (res->access & RES_REFERENCE) != 0};
        if (load_ranges(&d) < 0 || entry_open(c, res->name, &d.e) < 0)
            return STORE_ERROR;
        rc = store_scan_records(c, res, 0, on_record, &d);
        db_finalize(d.e.st);
    }
    if (rc == STORE_OK) {
        struct deep d = {.c = c, .a = a, .out = out, .resource = "users"};
        if (entry_open(c, "users", &d.e) < 0)
            return STORE_ERROR;
        rc = check_users(&d);
        db_finalize(d.e.st);
    }
    return rc;
}
