/*
 * civdesk search QUERY [--types T,T] [--lang L] [--limit N] [--reindex]
 * civdesk reindex
 *
 * The same search as GET /api/v1/search, as the CLI's principal (an administrator: sees
 * everything). One result per paragraph: "type/id  score  title", then the snippet with
 * matches in bold on a terminal, in [brackets] otherwise.
 */
#include "cli/commands.h"
#include "core/limits.h"
#include "core/valid.h"
#include "search/search.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Progress on standard error: a line rewritten in place on a terminal, else a line every
 * REINDEX_LOG_EVERY records. */
#define REINDEX_LOG_EVERY 100000

static void reindex_progress(void *arg, int64_t done, int64_t total)
{
    bool tty = *(const bool *)arg;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    if (tty)
        fprintf(stderr, "\rcivdesk: reindex: %lld of %lld records (%d%%)", (long long)done,
                (long long)total, pct);
    else if (done % REINDEX_LOG_EVERY == 0)
        fprintf(stderr, "civdesk: reindex: %lld of %lld records (%d%%)\n", (long long)done,
                (long long)total, pct);
}

static int reindex(const struct opts *o, struct store *s)
{
    struct error err = ERROR_INIT;
    int64_t n = 0;
    bool tty = isatty(STDERR_FILENO);
    int rc = search_reindex(s, reindex_progress, &tty, &n, &err);
    if (tty)
        fputs("\r\033[K", stderr);
    if (rc < 0)
        return user_error("%s", err.msg);
    printf("civdesk: the search index of %s was rebuilt: %lld entries\n", o->db, (long long)n);
    return 0;
}

/* Opens the database as it is — an out-of-date index is what reindex is for — and
 * rebuilds the index once. */
int cmd_reindex(struct opts *o)
{
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_KEEP_INDEX, &s))
        return EXIT_USER;
    int rc = reindex(o, s);
    store_close(s);
    return rc;
}

static int parse_options(const struct opts *o, struct search_request *rq)
{
    if (o->limit) {
        int64_t n;
        if (parse_i64(str_from(o->limit), 1, LIMIT_SEARCH_RESULTS, &n) < 0)
            return user_error("--limit must be a number from 1 to %d", LIMIT_SEARCH_RESULTS),
                   EXIT_USAGE;
        rq->limit = (int)n;
    }
    if (o->lang) {
        if (!valid_lang(str_from(o->lang)))
            return user_error("--lang must be an ISO 639-1 code, such as ru or en"), EXIT_USAGE;
        rq->lang = o->lang;
    }
    struct str rest = str_from(o->types), name;
    bool more = o->types != NULL;
    while (more) {
        more = str_cut(rest, ',', &name, &rest);
        if (!name.n)
            continue;
        const struct resource *res = resource_find(name);
        if (!res || !search_resource_findable(res))
            return user_error("--types: '%.*s' cannot be searched", (int)name.n, name.p),
                   EXIT_USAGE;
        if (rq->ntypes == ARRAY_SIZE(rq->types))
            return user_error("--types: too many"), EXIT_USAGE;
        rq->types[rq->ntypes++] = res;
    }
    return 0;
}

int cmd_search(struct opts *o)
{
    if (o->nargs == 0 && !o->reindex)
        return user_error("search needs a QUERY (or --reindex)"), EXIT_USAGE;
    bool tty = isatty(STDOUT_FILENO);
    struct search_request rq = {
        .limit = 20,
        .scope = SEARCH_SEE_ALL,
        .style = {.open = tty ? "\033[1m" : "[",
                  .close = tty ? "\033[0m" : "]",
                  .ellipsis = "…",
                  .words = 24},
    };
    int rc = parse_options(o, &rq);
    if (rc)
        return rc;
    if (o->nargs) {
        rq.q = str_from(o->args[0]);
        if (!utf8_valid(rq.q.p, rq.q.n))
            return user_error("the query is not valid UTF-8");
    }
    struct store *s;
    if (cli_open_db(o, o->reindex ? STORE_OPEN_KEEP_INDEX : STORE_OPEN_USE, &s))
        return EXIT_USER;
    if (o->reindex && (rc = reindex(o, s)) != 0) {
        store_close(s);
        return rc;
    }
    if (o->nargs == 0) {
        store_close(s);
        return 0;
    }
    struct arena a = ARENA_INIT;
    struct store_conn *c = store_reader(s);
    struct search_result res;
    struct error err = ERROR_INIT;
    store_read_begin(c);
    int src = search_run(c, &rq, &a, &res, &err);
    store_read_end(c);
    if (src == STORE_OK) {
        for (size_t i = 0; i < res.n; i++) {
            const struct search_hit *h = &res.items[i];
            printf("%s/%lld  %.2f  %s%s%s\n", h->res->name, (long long)h->id, h->score, h->title,
                   h->lang ? "  " : "", h->lang ? h->lang : "");
            if (h->snippet[0])
                printf("    %s\n", h->snippet);
        }
        if (res.n == 0)
            fprintf(stderr, "civdesk: nothing found\n");
        else if (res.next_cursor)
            fprintf(stderr, "civdesk: more results: raise --limit\n");
    }
    arena_release(&a);
    store_close(s);
    if (src == STORE_CONFLICT)
        return user_error("%s", err.msg);
    if (src < 0)
        return user_error("search failed: %s", err.msg);
    return 0;
}
