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

#endif
