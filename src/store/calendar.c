/*
 * The calendar's report items a page or a day at a time (src/store/ledger.h, issue 21):
 * a day can hold tens of thousands of reports due, so neither the JSON calendar nor the
 * ICS feed reads a whole window of them.
 */
#include "store/ledger.h"
#include "store/internal.h"

#define DUE_COLUMNS                                                                            \
    "SELECT a.id,a.organisation_id,o.name,a.body,a.status,a.state,a.granted_on,"              \
    "a.last_report_period_end,a.report_due FROM accreditations a JOIN organisations o ON "    \
    "o.id=a.organisation_id "

static int each_due(struct db_stmt *st, void (*fn)(void *arg, const struct store_due_row *row),
                    void *arg)
{
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_due_row row = {
            .id = db_column_int64(st, 0),
            .organisation_id = db_column_int64(st, 1),
            .organisation = store_col_text(st, 2),
            .body = store_col_text(st, 3),
            .status = store_col_text(st, 4),
            .state = store_col_text(st, 5),
            .granted_on = store_col_text(st, 6),
            .last_period_end = db_column_int64(st, 7),
        };
        fn(arg, &row);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_reports_due_page(struct store_conn *c, const char *from, const char *to, int64_t org,
                           const char *after_date, int64_t after_id, int64_t limit,
                           void (*fn)(void *arg, const struct store_due_row *row), void *arg)
{
    /* (report_due, id): the partial index accreditations_due (migration 0016); an
     * organisation's own through accreditations_organisation. */
    struct db_stmt *st = store_prep(
        c, org > 0 ? DUE_COLUMNS "WHERE a.organisation_id=?3 AND a.report_due BETWEEN ?1 AND ?2 "
                                 "AND (a.report_due,a.id)>(?4,?5) ORDER BY a.report_due,a.id LIMIT ?6"
                   : DUE_COLUMNS "WHERE a.report_due BETWEEN ?1 AND ?2 AND (a.report_due,a.id)>(?4,?5) "
                                 "ORDER BY a.report_due,a.id LIMIT ?6");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, from, -1);
    db_bind_text(st, 2, to, -1);
    db_bind_int64(st, 3, org);
    /* No cursor: after (from, -1), which every row in the window is. */
    db_bind_text(st, 4, after_date ? after_date : from, -1);
    db_bind_int64(st, 5, after_date ? after_id : -1);
    db_bind_int64(st, 6, limit);
    return each_due(st, fn, arg);
}

int store_report_due_days(struct store_conn *c, const char *from, const char *to,
                          void (*fn)(void *arg, const char *body, const char *date, int64_t n),
                          void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT body,report_due,n FROM count_report_due WHERE "
                                     "report_due BETWEEN ?1 AND ?2 AND n>0 "
                                     "ORDER BY report_due,body");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, from, -1);
    db_bind_text(st, 2, to, -1);
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        fn(arg, store_col_text(st, 0), store_col_text(st, 1), db_column_int64(st, 2));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_reports_due_on(struct store_conn *c, const char *body, const char *date,
                         void (*fn)(void *arg, const struct store_due_row *row), void *arg)
{
    struct db_stmt *st =
        store_prep(c, DUE_COLUMNS "WHERE a.report_due=?1 AND a.body=?2 ORDER BY a.id");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, date, -1);
    db_bind_text(st, 2, body, -1);
    return each_due(st, fn, arg);
}
