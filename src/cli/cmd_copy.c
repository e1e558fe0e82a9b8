/*
 * civdesk copy --from DB --to DB: a whole database moved between stores (issue 20; the
 * copying is src/store/copy.c). Progress on standard error, the counts per table on both
 * sides and the audit heads on standard output.
 */
#include "cli/commands.h"
#include "store/copy.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_EVERY 50000 /* rows between progress lines of one table */

struct copy_progress {
    const char *table; /* the table of the last line */
    int64_t shown;     /* rows it last showed */
    double t0, rows_done; /* seconds: the start, the end of the rows (the index begins) */
};

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(void *arg, const char *table, int64_t done, int64_t total)
{
    struct copy_progress *p = arg;
    if (!table) {
        if (!p->rows_done)
            p->rows_done = seconds();
        if (done == 0 || done == total)
            fprintf(stderr, "copy: search index: %lld of %lld records\n", (long long)done,
                    (long long)total);
        return;
    }
    if (!p->table || strcmp(p->table, table) != 0) {
        p->table = table;
        p->shown = -1;
    }
    bool first = done == 0, last = done == total;
    if (!first && !last && done - p->shown < PROGRESS_EVERY)
        return;
    if (last && p->shown == done)
        return;
    p->shown = done;
    fprintf(stderr, "copy: %s: %lld of %lld rows\n", table, (long long)done, (long long)total);
}

int cmd_copy(struct opts *o)
{
    if (!o->from || !*o->from || !o->to || !*o->to) {
        fprintf(stderr, "civdesk copy: needs --from DB and --to DB\n");
        return EXIT_USAGE;
    }
    struct store_copy_report rep;
    struct copy_progress pr = {.table = NULL, .t0 = seconds()};
    struct error err = ERROR_INIT;
    if (store_copy(o->from, o->to, show_progress, &pr, &rep, &err) < 0)
        return user_error("copy: %s", err.msg);
    printf("%-30s %12s %12s\n", "table", "source", "target");
    int64_t src = 0, dst = 0;
    for (size_t i = 0; i < rep.ncounts; i++) {
        printf("%-30s %12lld %12lld\n", rep.counts[i].table, (long long)rep.counts[i].source,
               (long long)rep.counts[i].target);
        src += rep.counts[i].source;
        dst += rep.counts[i].target;
    }
    printf("%-30s %12lld %12lld\n", "total", (long long)src, (long long)dst);
    double end = seconds(), mid = pr.rows_done ? pr.rows_done : end;
    fprintf(stderr, "copy: %lld rows in %.1f s, the search index rebuilt in %.1f s\n",
            (long long)dst, mid - pr.t0, end - mid);
    printf("audit head: source entry %lld %s, target entry %lld %s\n",
           (long long)rep.source_entries, rep.source_head, (long long)rep.target_entries,
           rep.target_head);
    return 0;
}
