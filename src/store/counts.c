/*
 * The kept counts against a recount (src/store/counts.h, migration 0016).
 */
#include "store/counts.h"
#include "store/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One kept table and the GROUP BY that must equal it, with the same columns. */
static const struct {
    const char *table, *keys, *recount;
} kept[] = {
    {"count_rows", "tbl", "SELECT 'organisations',count(*) FROM organisations"},
    {"count_applications", "body,state",
     "SELECT body,state,count(*) FROM applications GROUP BY body,state"},
    {"count_accreditations", "body,status,state",
     "SELECT body,status,state,count(*) FROM accreditations GROUP BY body,status,state"},
    {"count_report_due", "body,report_due",
     "SELECT body,report_due,count(*) FROM accreditations WHERE report_due IS NOT NULL "
     "GROUP BY body,report_due"},
};

int store_counts_check(struct store_conn *c, int64_t *bad, struct error *err)
{
    *bad = 0;
    for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
        /* Groups whose kept count differs from the recount, either side missing included. */
        struct buf sql = BUF_INIT;
        buf_printf(&sql,
                   "WITH k AS (SELECT %s,n FROM %s), r(%s,n) AS (%s) "
                   "SELECT %s(%s), k.n, r.n FROM k FULL JOIN r USING (%s) "
                   "WHERE k.n IS DISTINCT FROM r.n",
                   kept[i].keys, kept[i].table, kept[i].keys, kept[i].recount,
                   db_dialect(c->db) == DB_PGSQL ? "json_build_array" : "json_array", kept[i].keys,
                   kept[i].keys);
        struct db_stmt *st = store_prep(c, sql.p);
        buf_release(&sql);
        if (!st)
            return error_set(err, "the counts in %s cannot be read", kept[i].table), STORE_ERROR;
        int step;
        while ((step = db_step(st)) == DB_ROW) {
            if (*bad == 0) {
                /* The key written compactly on both stores (PostgreSQL's json_build_array
                 * puts a space after each comma). */
                const char *key = store_col_text(st, 0);
                json_t *k = key ? json_loads(key, 0, NULL) : NULL;
                char *compact = k ? json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
                error_set(err, "%s %s holds %lld where a recount gives %lld", kept[i].table,
                          compact ? compact
                          : key   ? key
                                  : "[]",
                          (long long)db_column_int64(st, 1), (long long)db_column_int64(st, 2));
                free(compact);
                json_decref(k);
            }
            ++*bad;
        }
        store_done(st);
        if (step != DB_DONE)
            return error_set(err, "the counts in %s cannot be read", kept[i].table), STORE_ERROR;
    }
    return *bad ? STORE_CONFLICT : STORE_OK;
}

/* The kept counts a list's total can come from: the table, and the fields it is keyed by
 * (at most three, NULL-terminated). */
static const struct {
    const char *table, *counts, *where, *keys[4];
} totals[] = {
    {"organisations", "count_rows", "tbl='organisations'", {NULL}},
    {"accreditations", "count_accreditations", "1=1", {"body", "status", "state", NULL}},
    {"applications", "count_applications", "1=1", {"body", "state", NULL}},
};

int store_count_kept(struct store_conn *c, const struct resource *res, const struct list_query *q,
                     int64_t *total)
{
    if (q->q.n || q->nparams || q->scope_org > 0 || q->only_public)
        return 0;
    for (size_t t = 0; t < ARRAY_SIZE(totals); t++) {
        if (strcmp(totals[t].table, res->table) != 0)
            continue;
        /* Every filter an equality on a key, with a text value; each key at most once. */
        const struct value *vals[3] = {NULL, NULL, NULL};
        for (size_t i = 0; i < q->nfilters; i++) {
            const struct filter *fl = &q->filters[i];
            if (fl->field < 0 || fl->v.null || !fl->v.s)
                return 0;
            size_t k = 0;
            while (totals[t].keys[k] && strcmp(totals[t].keys[k], res->fields[fl->field].name))
                k++;
            if (!totals[t].keys[k] || vals[k])
                return 0;
            vals[k] = &fl->v;
        }
        char sql[256];
        size_t len =
            (size_t)snprintf(sql, sizeof(sql), "SELECT coalesce(sum(n),0) FROM %s WHERE %s",
                             totals[t].counts, totals[t].where);
        for (size_t k = 0; totals[t].keys[k]; k++)
            len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND (?%zu IS NULL OR %s=?%zu)",
                                    k + 1, totals[t].keys[k], k + 1);
        struct db_stmt *st = store_prep(c, sql);
        if (!st)
            return 0;
        for (size_t k = 0; k < 3; k++)
            if (vals[k])
                db_bind_text(st, (int)k + 1, vals[k]->s, (int)vals[k]->n);
        int answered = 0;
        if (db_step(st) == DB_ROW) {
            *total = db_column_int64(st, 0);
            answered = 1;
        }
        store_done(st);
        return answered;
    }
    return 0;
}
