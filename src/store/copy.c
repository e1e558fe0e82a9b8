/*
 * Copying a whole database between stores (copy.h; `civdesk copy`, issue 20).
 *
 * What is copied is the fixed table below, in an order that puts every row after the
 * rows it refers to; each table's columns are read from the target's catalog (the schema
 * the migrations made) and must be the same set on the source, so no name comes from
 * input. Rows are read from one snapshot of the source, a page at a time (by id where the
 * table has one), and written with multi-row INSERTs of bound values.
 *
 * What is derived is not copied but made again on the target, where the target's own
 * triggers or code keep it: the audit head (advanced by the trigger on each audit row
 * inserted, so it ends on the source's newest hash), the kept counts (triggers on the
 * counted tables), the trigram index of organisations (SQLite: triggers; PostgreSQL: an
 * index), the report due dates (triggers, from the bodies' rules), and the search index
 * (rebuilt after the copy commits; until then the target's index is marked unbuilt, so
 * whatever happens `serve` rebuilds it). Identity sequences (PostgreSQL) and
 * sqlite_sequence (SQLite) are set to the source's high-water marks, so ids deleted on the
 * source are not handed out again (migration 0017).
 */
#define _GNU_SOURCE
#include "store/copy.h"
#include "store/cluster.h"
#include "store/internal.h"
#include "search/search.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum copy_flags {
    SEED_REPLACE = 1, /* `civdesk init` fills it (reference data): the source's replace it */
    SEED_UPSERT = 2,  /* one row kept by a trigger from init on: the source's overwrites it */
};

struct copy_table {
    const char *name;
    unsigned flags;
};

/* Every table that holds data of its own, parents before children. */
static const struct copy_table tables[] = {
    {"organisations", 0},
    {"people", 0},
    {"users", 0},
    {"tokens", 0},
    {"sessions", 0},
    {"audit", 0},
    {"transitions", 0},
    {"bodies", SEED_REPLACE}, /* before accreditations: their due dates follow its rules */
    {"applications", 0},
    {"application_questions", 0},
    {"accreditations", 0},
    {"accreditation_status_history", 0},
    {"accreditation_reports", 0},
    {"report_questions", 0},
    {"listings", 0},
    {"meetings", 0},
    {"meeting_participants", 0},
    {"meeting_actions", 0},
    {"proposals", 0},
    {"delegations", 0},
    {"delegation_members", 0},
    {"reports", 0},
    {"report_recommendations", 0},
    {"incidents", 0},
    {"working_groups", 0},
    {"working_group_members", 0},
    {"working_group_sites", 0},
    {"documents", 0},
    {"document_translations", 0},
    {"document_attachments", 0},
    {"settings", SEED_UPSERT},
    {"token_policy", SEED_UPSERT},
    {"outbox", 0},
    {"notifications", 0},
    {"notification_prefs", 0},
    {"login_failures", 0},
    {"login_known", 0},
    {"refusal_counts", 0},
    {"comments", 0},
};

/*
 * PostgreSQL: per-row triggers that update one row again and again are quadratic inside
 * one transaction (each UPDATE walks the row's growing chain of versions): 75,000 audit
 * rows took 150 s of a 239 s copy. While such a table is copied its trigger is off and
 * the row it keeps is set once afterwards (`after`); the audit head is then compared
 * with the source's as before. Names are constants here, never input.
 */
static const struct {
    const char *table, *trigger, *after;
} pg_quiet[] = {
    {"audit", "audit_head_advance",
     "UPDATE audit_head SET entries = (SELECT count(*) FROM audit), "
     "last_id = coalesce((SELECT max(id) FROM audit), last_id), "
     "last_hash = coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), last_hash) "
     "WHERE id = 1"},
};

/* Turns table's trigger off (on) for the copy; the `after` statement when turned on. */
static int pg_quiet_trigger(struct db_conn *dst, const char *table, bool off, struct error *err)
{
    if (db_dialect(dst) != DB_PGSQL)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(pg_quiet); i++) {
        if (strcmp(pg_quiet[i].table, table))
            continue;
        char sql[160];
        snprintf(sql, sizeof(sql), "ALTER TABLE %s %s TRIGGER %s", table,
                 off ? "DISABLE" : "ENABLE", pg_quiet[i].trigger);
        struct error e;
        if ((!off && db_exec(dst, pg_quiet[i].after, &e) < 0) || db_exec(dst, sql, &e) < 0)
            return error_set(err, "%s: %s", table, e.msg);
    }
    return 0;
}

/*
 * Tables the target makes again itself (see the head comment), by name or by prefix.
 * Every table of the source must be one of these or in tables[]: a table added by a
 * migration and forgotten here would otherwise be left behind without a word.
 */
static const char *const derived_tables[] = {"audit_head", "civdesk_schema", NULL};
static const char *const derived_prefixes[] = {"count_", "search_", "organisations_trigram",
                                               "sqlite_", NULL};

static bool table_known(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
        if (!strcmp(tables[i].name, name))
            return true;
    for (const char *const *d = derived_tables; *d; d++)
        if (!strcmp(*d, name))
            return true;
    for (const char *const *p = derived_prefixes; *p; p++)
        if (!strncmp(*p, name, strlen(*p)))
            return true;
    return false;
}

/* Refuses a source holding a table this copy does not know (nothing is written yet). */
static int every_table_known(struct db_conn *c, const char *shown, struct error *err)
{
    const char *sql = db_dialect(c) == DB_PGSQL
                          ? "SELECT table_name::text FROM information_schema.tables WHERE "
                            "table_schema = current_schema() AND table_type = 'BASE TABLE' "
                            "ORDER BY 1"
                          : "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1";
    struct db_stmt *st = db_prepare(c, sql);
    if (!st)
        return error_set(err, "cannot list the tables of %s: %s", shown, db_error_text(c));
    int rc, ret = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0);
        if (name && !table_known(name)) {
            ret = error_set(err,
                            "%s has a table this civdesk does not know how to copy (%s): "
                            "nothing was copied",
                            shown, name);
            break;
        }
    }
    if (!ret && rc != DB_DONE)
        ret = error_set(err, "cannot list the tables of %s: %s", shown, db_error_text(c));
    db_finalize(st);
    return ret;
}

#define MAX_COLUMNS 48
#define PAGE_ROWS   1000 /* rows read from the source per query */
#define MAX_BOUND   900  /* values per INSERT (SQLite allows 999) */

struct columns {
    char *name[MAX_COLUMNS]; /* owned */
    size_t n;
    int id; /* index of "id", or -1 */
};

static void columns_release(struct columns *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->name[i]);
    c->n = 0;
}

/* A name from the catalog, fit to be quoted: lower-case letters, digits, '_'. */
static bool plain_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* The columns of table as the catalog of c has them (none: the table is missing). */
static int read_columns(struct db_conn *c, const char *table, struct columns *out,
                        struct error *err)
{
    const char *sql =
        db_dialect(c) == DB_PGSQL
            ? "SELECT column_name FROM information_schema.columns WHERE table_schema = "
              "current_schema() AND table_name::text = ? ORDER BY ordinal_position"
            : "SELECT name FROM pragma_table_info(?) ORDER BY cid";
    struct db_stmt *st = db_prepare(c, sql);
    if (!st)
        return error_set(err, "cannot read the columns of %s: %s", table, db_error_text(c));
    db_bind_text(st, 1, table, -1);
    out->n = 0;
    out->id = -1;
    int rc, ret = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0);
        if (!name || !plain_name(name) || out->n == MAX_COLUMNS) {
            ret = error_set(err, "table %s: unexpected column %s", table, name ? name : "NULL");
            break;
        }
        if (!strcmp(name, "id"))
            out->id = (int)out->n;
        if (!(out->name[out->n++] = strdup(name)))
            die("out of memory");
    }
    if (!ret && rc != DB_DONE)
        ret = error_set(err, "cannot read the columns of %s: %s", table, db_error_text(c));
    db_finalize(st);
    return ret;
}

static bool has_column(const struct columns *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->name[i], name))
            return true;
    return false;
}

/* One integer from sql with up to one text binding (NULL: none); -1 on failure. */
static int64_t one_int(struct db_conn *c, const char *sql, const char *text)
{
    struct db_stmt *st = db_prepare(c, sql);
    if (!st)
        return -1;
    if (text)
        db_bind_text(st, 1, text, -1);
    int64_t v = db_step(st) == DB_ROW ? db_column_int64(st, 0) : -1;
    db_finalize(st);
    return v;
}

static int64_t count_rows(struct db_conn *c, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
    return one_int(c, sql, NULL);
}

/* The highest id table has ever handed out on the source: its row ids and its sequence
 * (sqlite_sequence, or the identity column's). */
static int64_t high_water(struct db_conn *src, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM \"%s\"", table);
    int64_t hi = one_int(src, sql, NULL);
    int64_t seq =
        one_int(src,
                db_dialect(src) == DB_PGSQL
                    ? "SELECT coalesce(pg_sequence_last_value(CAST(pg_get_serial_sequence(?, 'id') "
                      "AS regclass)), 0)"
                    : "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)",
                table);
    return seq > hi ? seq : hi;
}

/* Moves the target's sequence of table to hi (never back). */
static int set_high_water(struct db_conn *dst, const char *table, int64_t hi, struct error *err)
{
    if (hi <= 0)
        return 0;
    struct db_stmt *st;
    if (db_dialect(dst) == DB_PGSQL) {
        st = db_prepare(dst, "SELECT setval(CAST(pg_get_serial_sequence(?, 'id') AS regclass), "
                             "greatest(?, coalesce(pg_sequence_last_value(CAST("
                             "pg_get_serial_sequence(?, 'id') AS regclass)), 0)))");
        if (st) {
            db_bind_text(st, 1, table, -1);
            db_bind_int64(st, 2, hi);
            db_bind_text(st, 3, table, -1);
        }
    } else {
        if (one_int(dst,
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ? AND "
                    "sql LIKE '%AUTOINCREMENT%'",
                    table) != 1)
            return 0; /* ids of a table without AUTOINCREMENT are not kept */
        st = db_prepare(dst, "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 WHERE NOT "
                             "EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)");
        if (st) {
            db_bind_text(st, 1, table, -1);
            db_bind_int64(st, 2, hi);
            int rc = db_step(st);
            db_finalize(st);
            if (rc != DB_DONE && rc != DB_ROW)
                return error_set(err, "%s: cannot set its id high-water mark: %s", table,
                                 db_error_text(dst));
        }
        st = db_prepare(dst, "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?");
        if (st) {
            db_bind_int64(st, 1, hi);
            db_bind_text(st, 2, table, -1);
        }
    }
    int rc = st ? db_step(st) : DB_FAIL;
    db_finalize(st);
    if (rc != DB_DONE && rc != DB_ROW)
        return error_set(err, "%s: cannot set its id high-water mark: %s", table,
                         db_error_text(dst));
    return 0;
}

/* INSERT of rows rows into table; upsert: a row of the same id replaces the one there.
 * Prepared once on the server (PostgreSQL): a batch statement runs many times. */
static struct db_stmt *insert_stmt(struct db_conn *dst, const char *table,
                                   const struct columns *cols, size_t rows, bool upsert)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "INSERT INTO \"%s\" (", table);
    for (size_t i = 0; i < cols->n; i++)
        buf_printf(&b, "%s\"%s\"", i ? ", " : "", cols->name[i]);
    buf_printf(&b, ") VALUES ");
    for (size_t r = 0; r < rows; r++) {
        buf_printf(&b, "%s(", r ? ", " : "");
        for (size_t i = 0; i < cols->n; i++)
            buf_printf(&b, "%s?", i ? ", " : "");
        buf_printf(&b, ")");
    }
    if (upsert) {
        buf_printf(&b, " ON CONFLICT (\"id\") DO UPDATE SET ");
        for (size_t i = 0, k = 0; i < cols->n; i++)
            if (strcmp(cols->name[i], "id"))
                buf_printf(&b, "%s\"%s\" = excluded.\"%s\"", k++ ? ", " : "", cols->name[i],
                           cols->name[i]);
    }
    struct db_stmt *st = db_prepare_persistent(dst, b.p);
    buf_release(&b);
    return st;
}

/* Binds column col of the source's current row as parameter i of the insert, copied (the
 * source's row goes on before the insert runs). */
static void bind_copy(struct db_stmt *ins, int i, struct db_stmt *row, int col)
{
    switch (db_column_type(row, col)) {
    case DB_NULL:
        db_bind_null(ins, i);
        break;
    case DB_INTEGER:
        db_bind_int64(ins, i, db_column_int64(row, col));
        break;
    case DB_FLOAT:
        db_bind_double(ins, i, db_column_double(row, col));
        break;
    case DB_TEXT:
        db_bind_text_copy(ins, i, db_column_text(row, col), db_column_bytes(row, col));
        break;
    case DB_BLOB: {
        const void *p = db_column_blob(row, col);
        size_t n = (size_t)db_column_bytes(row, col);
        /* the driver's own copying bind: db.h's db_bind_blob only borrows */
        ins->drv->bind_blob(ins, i, p ? p : "", n, true);
        break;
    }
    }
}

struct copy_job {
    struct db_conn *src, *dst;
    store_copy_progress_fn progress;
    void *arg;
};

/* Copies every row of t: pages of the source (by id where there is one), batches of
 * bound INSERTs on the target. */
static int copy_one(struct copy_job *job, const struct copy_table *t, int64_t total, bool *has_id,
                    struct error *err)
{
    struct columns cols = {.n = 0}, scols = {.n = 0};
    struct db_stmt *sel = NULL, *full = NULL, *part = NULL;
    struct buf b = BUF_INIT;
    int ret = read_columns(job->dst, t->name, &cols, err);
    if (!ret)
        ret = read_columns(job->src, t->name, &scols, err);
    if (ret)
        goto out;
    if (cols.n == 0 || scols.n != cols.n) {
        ret = error_set(err,
                        "table %s differs between the source (%zu columns) and the target "
                        "(%zu columns)",
                        t->name, scols.n, cols.n);
        goto out;
    }
    for (size_t i = 0; i < cols.n; i++)
        if (!has_column(&scols, cols.name[i])) {
            ret = error_set(err, "table %s: the source has no column %s", t->name, cols.name[i]);
            goto out;
        }
    bool paged = cols.id >= 0, upsert = t->flags & SEED_UPSERT;
    *has_id = paged;
    if (upsert && !paged) {
        ret = error_set(err, "table %s: no id to replace its row by", t->name);
        goto out;
    }
    if (t->flags & SEED_REPLACE) {
        buf_printf(&b, "DELETE FROM \"%s\"", t->name);
        struct error e2;
        if (db_exec(job->dst, b.p, &e2) < 0) {
            ret = error_set(err, "cannot empty %s on the target: %s", t->name, e2.msg);
            goto out;
        }
        buf_release(&b);
        b = (struct buf)BUF_INIT;
    }
    buf_printf(&b, "SELECT ");
    for (size_t i = 0; i < cols.n; i++)
        buf_printf(&b, "%s\"%s\"", i ? ", " : "", cols.name[i]);
    buf_printf(&b, " FROM \"%s\"", t->name);
    if (paged)
        buf_printf(&b, " WHERE \"id\" > ? ORDER BY \"id\" LIMIT %d", PAGE_ROWS);
    sel = db_prepare_persistent(job->src, b.p); /* once per page */
    if (!sel) {
        ret = error_set(err, "cannot read %s: %s", t->name, db_error_text(job->src));
        goto out;
    }
    size_t per = MAX_BOUND / cols.n ? MAX_BOUND / cols.n : 1;
    full = insert_stmt(job->dst, t->name, &cols, per, upsert);
    if (!full) {
        ret = error_set(err, "cannot write %s: %s", t->name, db_error_text(job->dst));
        goto out;
    }
    if (job->progress)
        job->progress(job->arg, t->name, 0, total);
    /* A batch is `per` rows, the last one what is left of the count taken in the same
     * snapshot: so every INSERT is full and no row waits for a statement of its size. */
    int64_t done = 0, after = 0;
    size_t rows = 0, cap = 0; /* rows bound to cur, and how many it takes */
    struct db_stmt *cur = NULL;
    for (;;) {
        if (paged)
            db_bind_int64(sel, 1, after);
        int rc;
        int64_t got = 0;
        while ((rc = db_step(sel)) == DB_ROW) {
            if (!cur) {
                int64_t left = total - done;
                if (left <= 0) {
                    ret = error_set(err, "%s has more rows than it had", t->name);
                    goto out;
                }
                if (left >= (int64_t)per) {
                    cur = full;
                    cap = per;
                } else {
                    db_finalize(part);
                    cap = (size_t)left;
                    if (!(cur = part = insert_stmt(job->dst, t->name, &cols, cap, upsert))) {
                        ret =
                            error_set(err, "cannot write %s: %s", t->name, db_error_text(job->dst));
                        goto out;
                    }
                }
            }
            for (size_t i = 0; i < cols.n; i++)
                bind_copy(cur, (int)(rows * cols.n + i + 1), sel, (int)i);
            if (paged)
                after = db_column_int64(sel, cols.id);
            got++;
            if (++rows == cap) {
                int wrc = db_step(cur);
                if (wrc != DB_DONE && wrc != DB_ROW) {
                    ret = error_set(err, "cannot write %s: %s", t->name, db_error_text(job->dst));
                    goto out;
                }
                db_reset(cur);
                done += (int64_t)rows;
                rows = 0;
                cur = NULL;
            }
        }
        if (rc != DB_DONE) {
            ret = error_set(err, "cannot read %s: %s", t->name, db_error_text(job->src));
            goto out;
        }
        db_reset(sel);
        if (job->progress && got)
            job->progress(job->arg, t->name, done, total);
        if (!paged || got < PAGE_ROWS)
            break;
    }
    if (rows || done != total)
        ret = error_set(err, "%s: %lld rows read, %lld counted", t->name,
                        (long long)(done + (int64_t)rows), (long long)total);
out:
    db_finalize(sel);
    db_finalize(full);
    db_finalize(part);
    buf_release(&b);
    columns_release(&cols);
    columns_release(&scols);
    return ret;
}

/* The audit trail's head: entries and the newest hash. */
static int audit_head(struct db_conn *c, int64_t *entries, char hash[65], struct error *err)
{
    struct db_stmt *st = db_prepare(c, "SELECT entries, last_hash FROM audit_head WHERE id = 1");
    int rc = st ? db_step(st) : DB_FAIL;
    if (rc == DB_ROW) {
        *entries = db_column_int64(st, 0);
        const char *h = db_column_text(st, 1);
        snprintf(hash, 65, "%s", h ? h : "");
    }
    db_finalize(st);
    if (rc != DB_ROW)
        return error_set(err, "cannot read the audit head: %s", db_error_text(c));
    return 0;
}

/* The search index's progress, as the copy's (table NULL). */
struct reindex_progress {
    store_copy_progress_fn fn;
    void *arg;
};

static void reindex_progress(void *arg, int64_t done, int64_t total)
{
    struct reindex_progress *rp = arg;
    if (rp->fn)
        rp->fn(rp->arg, NULL, done, total);
}

int store_copy(const char *from, const char *to, store_copy_progress_fn progress, void *arg,
               struct store_copy_report *rep, struct error *err)
{
    static_assert(ARRAY_SIZE(tables) <= STORE_COPY_MAX_TABLES, "room for every table");
    memset(rep, 0, sizeof(*rep));
    struct store *src = NULL, *dst = NULL;
    struct store_conn *reader = NULL;
    struct store_tx *tx = NULL;
    char *from_shown = db_target_shown(from), *to_shown = db_target_shown(to);
    if (!from_shown || !to_shown)
        die("out of memory");
    int ret = 0;
    char real_from[4096], real_to[4096];
    if (!strcmp(from, to) ||
        (db_driver_for(from)->dialect == DB_SQLITE && db_driver_for(to)->dialect == DB_SQLITE &&
         realpath(from, real_from) && realpath(to, real_to) && !strcmp(real_from, real_to))) {
        ret = error_set(err, "--from and --to are the same database");
        goto out;
    }

    /* The source: at this build's schema version (store_open says what to do otherwise). */
    if (store_open(&src, from, STORE_OPEN_KEEP_INDEX, err) < 0) {
        ret = -1;
        goto out;
    }
    /* The target: refused, unchanged, unless it has no schema or exactly this one. */
    int want = store_schema_latest();
    int have = store_schema_probe(to, to_shown, err);
    if (have < 0) {
        ret = -1;
        goto out;
    }
    if (have != 0 && have != want) {
        ret = error_set(err,
                        "the target %s has schema version %d and the source %d: copy needs an "
                        "empty target at version %d (a new database, or one `civdesk init` "
                        "made with this civdesk)",
                        to_shown, have, want, want);
        goto out;
    }
    if (store_reader_open(src, &reader, err) < 0) {
        ret = -1;
        goto out;
    }
    if (store_read_begin(reader) < 0) { /* one snapshot of the source for the whole copy */
        ret = error_set(err, "cannot read %s: %s", from_shown, db_error_text(reader->db));
        goto out;
    }
    if ((ret = every_table_known(reader->db, from_shown, err)))
        goto out;
    if (have == 0) {
        /* Nothing there yet: made by the migrations now, as `civdesk init` would. */
        if (store_open(&dst, to, STORE_OPEN_INIT, err) < 0) {
            ret = -1;
            goto out;
        }
    } else if (store_open(&dst, to, STORE_OPEN_KEEP_INDEX, err) < 0) {
        ret = -1;
        goto out;
    }
    if (store_write_begin(dst, &tx) < 0) {
        ret = error_set(err, "cannot write to %s: the database is busy", to_shown);
        goto out;
    }
    struct copy_job job = {
        .src = reader->db, .dst = store_tx_conn(tx)->db, .progress = progress, .arg = arg};

    /* Empty: nothing of its own in any table but what init puts there. */
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        if (tables[i].flags)
            continue;
        int64_t n = count_rows(job.dst, tables[i].name);
        if (n != 0) {
            if (n < 0)
                ret = error_set(err, "cannot count the rows of %s on the target: %s",
                                tables[i].name, db_error_text(job.dst));
            else
                ret = error_set(err,
                                "the target %s is not empty (%s has %lld rows): copy needs an "
                                "empty database",
                                to_shown, tables[i].name, (long long)n);
            goto out;
        }
    }
    if ((ret = audit_head(job.src, &rep->source_entries, rep->source_head, err)))
        goto out;

    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        struct store_copy_count *cnt = &rep->counts[rep->ncounts++];
        cnt->table = tables[i].name;
        cnt->source = count_rows(job.src, tables[i].name);
        if (cnt->source < 0) {
            ret = error_set(err, "cannot count the rows of %s on the source: %s", tables[i].name,
                            db_error_text(job.src));
            goto out;
        }
        bool has_id = false;
        if ((ret = pg_quiet_trigger(job.dst, tables[i].name, true, err)) ||
            (ret = copy_one(&job, &tables[i], cnt->source, &has_id, err)) ||
            (ret = pg_quiet_trigger(job.dst, tables[i].name, false, err)))
            goto out;
        int64_t hi = 0;
        if (has_id)
            hi = high_water(job.src, tables[i].name);
        if (hi < 0 || (ret = set_high_water(job.dst, tables[i].name, hi, err))) {
            if (!ret)
                ret = error_set(err, "cannot read the id high-water mark of %s: %s", tables[i].name,
                                db_error_text(job.src));
            goto out;
        }
        cnt->target = count_rows(job.dst, tables[i].name);
        if (cnt->target != cnt->source) {
            ret = error_set(err, "%s: %lld rows on the source, %lld on the target", cnt->table,
                            (long long)cnt->source, (long long)cnt->target);
            goto out;
        }
    }
    if ((ret = audit_head(job.dst, &rep->target_entries, rep->target_head, err)))
        goto out;
    if (rep->target_entries != rep->source_entries ||
        strcmp(rep->target_head, rep->source_head) != 0) {
        ret = error_set(err,
                        "the audit head differs after the copy (source %lld %s, target "
                        "%lld %s)",
                        (long long)rep->source_entries, rep->source_head,
                        (long long)rep->target_entries, rep->target_head);
        goto out;
    }
    /* The search index: unbuilt until the rebuild below, so nothing trusts the stale one. */
    struct error e2;
    if (db_exec(job.dst, "DELETE FROM search_meta WHERE key = 'fingerprint'", &e2) < 0) {
        ret = error_set(err, "cannot reset the search index on the target: %s", e2.msg);
        goto out;
    }
    struct store_tx *done_tx = tx;
    tx = NULL;
    if (store_write_commit(done_tx, err) < 0) {
        ret = -1;
        goto out;
    }
    store_reader_close(reader);
    reader = NULL;
    struct reindex_progress rp = {progress, arg};
    if (search_reindex(dst, reindex_progress, &rp, NULL, err) < 0) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err->msg);
        ret = error_set(err,
                        "copied, but the search index was not rebuilt (%s): run "
                        "`civdesk reindex` on the target",
                        why);
    }
out:
    if (tx)
        store_write_rollback(tx);
    store_reader_close(reader);
    store_close(dst);
    store_close(src);
    free(from_shown);
    free(to_shown);
    return ret ? -1 : 0;
}
