/*
 * store/counts: the counts migration 0016's triggers keep for the dashboard
 * (count_applications, count_accreditations, count_report_due), checked against a
 * recount of the records by `civdesk check`.
 */
#ifndef CIVDESK_STORE_COUNTS_H
#define CIVDESK_STORE_COUNTS_H

#include "store/store.h"

/*
 * Compares every kept count with a GROUP BY over its table. STORE_OK when all agree;
 * STORE_CONFLICT with err naming the first table and group that differs (and *bad the
 * number of groups that differ); STORE_ERROR if the tables cannot be read.
 */
int store_counts_check(struct store_conn *c, int64_t *bad, struct error *err);

/*
 * A list's total (?count=true) from the kept counts, when its filters are equalities on
 * their keys only (organisations: none; accreditations: body, status, state;
 * applications: body, state) and nothing narrows what the caller sees: 1 with *total
 * set, else 0 (the caller counts the rows).
 */
int store_count_kept(struct store_conn *c, const struct resource *res, const struct list_query *q,
                     int64_t *total);

#endif
