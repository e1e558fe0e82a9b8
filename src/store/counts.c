/*
 * The kept counts against a recount (src/store/counts.h, migration 0016).
 */
#include "store/counts.h"
#include "store/internal.h"

/* One kept table and the GROUP BY that must equal it, with the same columns. */
static const struct {
    const char *table, *keys, *recount;
} kept[] = {
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
                   "SELECT json_array(%s), k.n, r.n FROM k FULL JOIN r USING (%s) "
                   "WHERE k.n IS NOT r.n",
                   kept[i].keys, kept[i].table, kept[i].keys, kept[i].recount, kept[i].keys,
                   kept[i].keys);
        sqlite3_stmt *st = store_prep(c, sql.p);
        buf_release(&sql);
        if (!st)
            return error_set(err, "the counts in %s cannot be read", kept[i].table), STORE_ERROR;
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (*bad == 0)
                error_set(err, "%s %s holds %lld where a recount gives %lld", kept[i].table,
                          store_col_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                          (long long)sqlite3_column_int64(st, 2));
            ++*bad;
        }
        store_done(st);
        if (step != SQLITE_DONE)
            return error_set(err, "the counts in %s cannot be read", kept[i].table), STORE_ERROR;
    }
    return *bad ? STORE_CONFLICT : STORE_OK;
}
