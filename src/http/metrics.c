/* Prometheus metrics: request counts by route and status, latency, gauges. */
#include "http/metrics.h"
#include "http/http.h"

#include <string.h>
#include <sys/stat.h>

/* Status codes that get their own label; anything else counts as "other". */
static const int status_slots[METRICS_STATUSES - 1] = {200, 201, 204, 400, 401, 403, 404, 405,
                                                       409, 412, 413, 415, 422, 429, 500};
static const double bucket_ms[METRICS_BUCKETS] = {0.25, 0.5, 1,   2.5, 5,    10,
                                                  25,   50,  100, 250, 1000, 5000};

void metrics_init(struct metrics *m)
{
    /* Every route has its own slot, so every series has its method and route. */
    if (routes_count > METRICS_ROUTES)
        BUG("more routes than METRICS_ROUTES: raise it in src/http/metrics.h");
    memset(m, 0, sizeof(*m));
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i < ARRAY_SIZE(status_slots); i++)
        if (status_slots[i] == status)
            return i;
    return METRICS_STATUSES - 1;
}

/* Method labels by bit of enum http_method; the last counts any other method (OPTIONS,
 * TRACE, made-up ones) under one label, so a client cannot mint label values. */
static const char *const method_names[METRICS_METHODS] = {"GET", "POST",  "PATCH", "DELETE",
                                                          "PUT", "HEAD", "OTHER"};

static size_t method_slot(unsigned method)
{
    for (size_t k = 0; k + 1 < METRICS_METHODS; k++)
        if (method == 1u << k)
            return k;
    return METRICS_METHODS - 1;
}

void metrics_observe(struct metrics *m, int route, unsigned method, int status, uint64_t us)
{
    if (route < 0 || (size_t)route >= routes_count)
        atomic_fetch_add(&m->unmatched[method_slot(method)][status_slot(status)], 1);
    else
        atomic_fetch_add(&m->requests[route][status_slot(status)], 1);
    size_t b = 0;
    while (b < METRICS_BUCKETS && (double)us > bucket_ms[b] * 1000.0)
        b++;
    atomic_fetch_add(&m->latency[b], 1);
    atomic_fetch_add(&m->latency_sum_us, us);
    atomic_fetch_add(&m->latency_count, 1);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* One civdesk_http_requests_total line, unless n is 0. */
static void counter_line(struct buf *out, const char *method, const char *route, size_t slot,
                         unsigned long long n)
{
    if (!n)
        return;
    if (slot < METRICS_STATUSES - 1)
        buf_printf(out,
                   "civdesk_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                   method, route, status_slots[slot], n);
    else
        buf_printf(out,
                   "civdesk_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} "
                   "%llu\n",
                   method, route, n);
}

void metrics_write(const struct metrics *m, struct buf *out, const char *db_path,
                   long writer_waiting)
{
    buf_puts(out, "# HELP civdesk_http_requests_total HTTP requests answered, by route and "
                  "status.\n# TYPE civdesk_http_requests_total counter\n");
    for (size_t r = 0; r < routes_count; r++)
        for (size_t s = 0; s < METRICS_STATUSES; s++)
            counter_line(out, method_names[method_slot(routes[r].method)], routes[r].pattern, s,
                         atomic_load(&m->requests[r][s]));
    for (size_t k = 0; k < METRICS_METHODS; k++)
        for (size_t s = 0; s < METRICS_STATUSES; s++)
            counter_line(out, method_names[k], "unmatched", s, atomic_load(&m->unmatched[k][s]));
    buf_puts(out, "# HELP civdesk_http_request_duration_seconds Time from request to "
                  "response queued.\n# TYPE civdesk_http_request_duration_seconds histogram\n");
    unsigned long long cum = 0;
    for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
        cum += atomic_load(&m->latency[b]);
        if (b < METRICS_BUCKETS)
            buf_printf(out, "civdesk_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                       bucket_ms[b] / 1000.0, cum);
        else
            buf_printf(out, "civdesk_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                       cum);
    }
    buf_printf(out, "civdesk_http_request_duration_seconds_sum %.6f\n",
               (double)atomic_load(&m->latency_sum_us) / 1e6);
    buf_printf(out, "civdesk_http_request_duration_seconds_count %llu\n",
               (unsigned long long)atomic_load(&m->latency_count));
    buf_printf(out,
               "# HELP civdesk_http_in_flight Requests being handled now.\n"
               "# TYPE civdesk_http_in_flight gauge\ncivdesk_http_in_flight %lld\n",
               (long long)atomic_load(&m->in_flight));
    buf_printf(out,
               "# HELP civdesk_login_failures_total Failed sign-in attempts.\n"
               "# TYPE civdesk_login_failures_total counter\ncivdesk_login_failures_total %llu\n",
               (unsigned long long)atomic_load(&m->login_failures));
    struct buf wal = BUF_INIT;
    buf_printf(&wal, "%s-wal", db_path);
    buf_printf(out,
               "# HELP civdesk_db_bytes Size of the database file.\n"
               "# TYPE civdesk_db_bytes gauge\ncivdesk_db_bytes %lld\n"
               "# HELP civdesk_db_wal_bytes Size of the write-ahead log.\n"
               "# TYPE civdesk_db_wal_bytes gauge\ncivdesk_db_wal_bytes %lld\n"
               "# HELP civdesk_db_writer_waiting Requests waiting for the writer connection.\n"
               "# TYPE civdesk_db_writer_waiting gauge\ncivdesk_db_writer_waiting %ld\n",
               file_size(db_path), file_size(wal.p), writer_waiting);
    buf_release(&wal);
}
