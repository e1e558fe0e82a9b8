/*
 * What the import files share (import.c, the engine; import_csv.c and import_json.c, the
 * formats) and nothing else includes: the importer's state, its input hash, and the steps
 * of an import a format reader calls.
 */
#ifndef CIVDESK_IO_IMPORT_INT_H
#define CIVDESK_IO_IMPORT_INT_H

#include "io/internal.h"

#include <pthread.h>
#include <sodium.h>

#define READ_CHUNK          (256 * 1024)
#define PROGRESS_EVERY      512   /* rows between progress callbacks */
#define ROW_BATCH           64    /* rows whose memory is released together */
#define BYTES_PER_ROW_GUESS 100   /* to size the duplicate index from the file's size */
#define REJECTS_FLUSH       65536 /* bytes of rejects buffered before writing */
#define COL_IGNORED         (-1)  /* a column that is read but not imported (id, version, ...) */
#define IMPORT_CACHE_KIB    65536 /* page cache of the import's transaction: 64 MiB */
#define IMPORT_SORT_KIB                                                                            \
    16384                     /* ... while its indexes are built again (SQLite's sorter            \
                               * takes as much again per thread): 16 MiB */
#define HASH_RING       4     /* chunks read ahead of the hashing thread, at most */
#define INDEX_ASIDE_MIN 50000 /* rows imported before a table's indexes are set aside */

/*
 * The input's SHA-256 (for the audit entry), computed on a thread of its own: it is about
 * a twentieth of an import's work and needs nothing but the bytes, so it runs beside the
 * parsing on another core. The reader fills the chunks of a small ring and hands each one
 * over; it waits only when the hasher is HASH_RING chunks behind. Without a thread (if
 * one cannot be started) the chunks are hashed as they are handed over.
 */
struct hasher {
    pthread_t thread;
    bool threaded, started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    crypto_hash_sha256_state sha;
    char *chunk[HASH_RING]; /* owned, READ_CHUNK bytes each */
    size_t len[HASH_RING];
    size_t given, hashed; /* chunks handed over, chunks hashed (counting up) */
    bool eof;             /* no more chunks */
};

struct importer {
    const struct io_import_opts *o;
    const struct resource *res;
    struct io_report *rep;
    struct store_tx *tx;
    struct store_conn *conn; /* the transaction's */
    struct dup_index dups;
    struct arena keep;  /* lives for the whole import: header, fixed values */
    struct arena row;   /* one row's values and messages; released after each row */
    struct errors errs; /* the current row's problems */
    int fixed_field[4];
    struct value fixed_val[4];
    struct error *err;
    int fatal;          /* a failure that is not a row's fault; err says what */
    int64_t old_cache;  /* the writer's page cache setting before the import */
    struct hasher hash; /* of the input, for the audit entry */
    unsigned char sha256[crypto_hash_sha256_BYTES]; /* its digest, once read to the end */
    const char *format;                             /* "csv" | "json" */
    int64_t first_id, last_id;                      /* ids of the records created */
    double t0;
    int64_t bytes, total;
    int64_t indexed, to_index;   /* records indexed for search at the end, of how many */
    struct store_indexes *aside; /* the table's indexes set aside, to build again */
    int64_t aside_at;            /* rows imported at which to set them aside; -1: never */
    /* CSV */
    bool have_header;
    size_t ncols;
    int *col;           /* field index per column, or COL_IGNORED */
    struct str *header; /* the header's cells as read, for the rejects file */
    char delim;
    /* rejects */
    struct buf out; /* text waiting to be written to o->rejects */
    size_t nrejects;
};

/* ---- the input's hash (on a thread of its own) ---- */

void import_hasher_start(struct hasher *h);
/* The next chunk to read into: free once the hasher is done with what it held. */
char *import_hasher_chunk(struct hasher *h);
/* Hands over the n bytes read into the chunk import_hasher_chunk gave; the caller may go
 * on reading them (the hasher only reads too). */
void import_hasher_give(struct hasher *h, size_t n);

/* ---- start and end ---- */

/* Starts an import of o->res into *im: the report rep, the write transaction, the fixed
 * values, the duplicate index (sized for `rows`, read from `size` bytes), the hash. 0 or a
 * negative code with err set. */
int import_begin(struct importer *im, struct store *s, const struct io_import_opts *o, int64_t size,
                 int64_t rows, struct io_report *rep, struct error *err);
/* Commits, or rolls back when a row was invalid (and skip_invalid is off) or it failed;
 * releases what begin took. rc: the reader's outcome. */
int import_end(struct importer *im, int rc);
/* Records rc as the import's failure (one that is not a row's fault), the first only;
 * returns it. */
int import_fatal(struct importer *im, int rc);
/* Writes the rejects buffered in im->out to o->rejects. */
int import_flush_rejects(struct importer *im);

/* ---- one row ---- */

/* Adds a problem of the file (line, field) to the report. */
void import_file_issue(struct importer *im, size_t line, const char *field, const char *msg);
/* Whether name is one of the columns every record has (id, created_at, …). */
bool import_is_meta(const char *name);
/* Fields a file may name but whose values are the server's: read-only ones and the state
 * of a state machine (changed only through transitions). */
bool import_is_server_field(const struct resource *res, int fi);
/* The option's fixed value for field fi (its index in o->fixed), or -1. */
int import_fixed_index(const struct importer *im, int fi);
/* Sets the fixed values (o->fixed) on rec and marks them given. */
void import_fixed_values(struct importer *im, struct record *rec, bool *given);
/*
 * Writes one row's record (fields not given keep their defaults): a possible duplicate is
 * handled as o->on_duplicate says, anything else inserted. 0 done, 1 the row is invalid
 * (im->errs says why), negative: the import must stop.
 */
int import_write_row(struct importer *im, size_t line, struct record *rec, const bool *given);
/* The row's errors as one line: "field: message; message". */
const char *import_errors_text(const struct errors *e, struct arena *a);
/* After a row: records its errors in the report. True if it was invalid. */
bool import_settle_row(struct importer *im, size_t line);
/* After a row: its memory given back in batches, progress told. */
void import_row_done(struct importer *im);

#endif
