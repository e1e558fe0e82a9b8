/*
 * Copying a whole civdesk database from one store to another (`civdesk copy`, issue 20):
 * SQLite ↔ PostgreSQL, or SQLite → SQLite. Every table of the schema with its ids,
 * versions and audit trail exactly as they are, in one transaction on the target, through
 * the driver table (db.h) with bound values. See docs/operations.md, "Moving to
 * PostgreSQL".
 */
#ifndef CIVDESK_STORE_COPY_H
#define CIVDESK_STORE_COPY_H

#include "core/core.h"

#include <stddef.h>
#include <stdint.h>

/* Rows of one table on either side, for the closing table of counts. */
struct store_copy_count {
    const char *table; /* static: a name from copy.c's table */
    int64_t source;
    int64_t target;
};

#define STORE_COPY_MAX_TABLES 64

/* What a copy did: the counts per table, and the audit trail's head on each side. */
struct store_copy_report {
    struct store_copy_count counts[STORE_COPY_MAX_TABLES];
    size_t ncounts;
    int64_t source_entries, target_entries; /* audit entries */
    char source_head[65], target_head[65];  /* the newest entry's hash */
};

/* Progress: rows of table copied so far, out of total; a table starts with done 0.
 * table NULL: the search index is being rebuilt on the target (done, total: records). */
typedef void (*store_copy_progress_fn)(void *arg, const char *table, int64_t done, int64_t total);

/*
 * Copies the database at `from` (a path or a libpq URI) into `to`. The source must be at
 * the schema version this build knows; the target must be empty: at that version with
 * nothing but what `civdesk init` puts there, or without a schema at all (then it is
 * initialised first; a SQLite file is created). Anything else is refused before the
 * target is changed, with a one-line message in err. The copy is one write transaction
 * on the target (all or nothing); the search index is rebuilt on the target after it.
 * 0 with *rep filled, or negative with err set. progress may be NULL.
 */
int store_copy(const char *from, const char *to, store_copy_progress_fn progress, void *arg,
               struct store_copy_report *rep, struct error *err);

#endif
