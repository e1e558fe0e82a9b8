/*
 * Server metrics for GET /metrics (Prometheus text format) and the per-request access
 * log. Counters are atomics updated by the worker threads; the struct lives in the
 * server, not in a global.
 */
#ifndef CIVDESK_METRICS_H
#define CIVDESK_METRICS_H

#include "core/core.h"

#include <stdatomic.h>

#define METRICS_ROUTES   128 /* route slots: at least routes_count (checked at start) */
#define METRICS_STATUSES 16
#define METRICS_BUCKETS  12
#define METRICS_METHODS  7 /* GET POST PATCH DELETE PUT HEAD, then any other */

struct metrics {
    atomic_ullong requests[METRICS_ROUTES][METRICS_STATUSES];     /* [route][status slot] */
    atomic_ullong unmatched[METRICS_METHODS][METRICS_STATUSES];  /* no route: [method][status] */
    atomic_ullong latency[METRICS_BUCKETS + 1];                   /* histogram, +Inf last */
    atomic_ullong latency_sum_us;
    atomic_ullong latency_count;
    atomic_llong in_flight;
    atomic_ullong login_failures;
    atomic_ullong next_request_id;
};

void metrics_init(struct metrics *m);
/* route: index into routes[] or -1 (unmatched, then counted by method: one bit of enum
 * http_method); status: HTTP status; us: duration. */
void metrics_observe(struct metrics *m, int route, unsigned method, int status, uint64_t us);
/* Writes the Prometheus exposition; db_path for the database and WAL sizes;
 * writer_waiting: threads queued for the writer connection. */
void metrics_write(const struct metrics *m, struct buf *out, const char *db_path,
                   long writer_waiting);

#endif
