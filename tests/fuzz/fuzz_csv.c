/*
 * libFuzzer: the streaming CSV reader (src/io/csv.c over libcsv) and the CSV writer.
 *
 *   - Pieces: the same bytes fed whole and fed in pieces of sizes the first byte seeds
 *     (splitting CRLFs, quoted cells and the byte order mark) give the same records, the
 *     same line numbers and the same outcome.
 *   - Round trip: the records written back with csv_put_cell and read again give the
 *     same cells. Only for comma files whose first record written back has no ';' (else
 *     the reader would rightly guess ';' for the copy), and without records that are one
 *     empty cell (written back, they are blank lines, which the reader skips).
 */
#include "io/io.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rec {
    size_t line;
    size_t ncells;
    size_t start; /* first cell in the collector's cell arrays */
};

struct collect {
    struct buf text; /* all cells' bytes, back to back */
    size_t *ends;    /* end offset of each cell in text */
    size_t ncells, cap;
    struct rec *recs;
    size_t nrecs, rcap;
};

static int on_row(void *arg, size_t line, const struct str *cells, size_t ncells)
{
    struct collect *c = arg;
    if (c->nrecs == c->rcap) {
        c->rcap = c->rcap ? 2 * c->rcap : 16;
        c->recs = realloc(c->recs, c->rcap * sizeof(*c->recs));
    }
    c->recs[c->nrecs++] = (struct rec){line, ncells, c->ncells};
    for (size_t i = 0; i < ncells; i++) {
        if (c->ncells == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            c->ends = realloc(c->ends, c->cap * sizeof(*c->ends));
        }
        buf_append(&c->text, cells[i].p, cells[i].n);
        c->ends[c->ncells++] = c->text.n;
    }
    return 0;
}

static struct str cell(const struct collect *c, size_t k)
{
    size_t from = k ? c->ends[k - 1] : 0;
    return (struct str){c->text.p ? c->text.p + from : "", c->ends[k] - from};
}

static void collect_free(struct collect *c)
{
    buf_release(&c->text);
    free(c->ends);
    free(c->recs);
}

/* Parses p in pieces (step 0: whole). Returns the reader's outcome; *line its error line,
 * *delim the delimiter it chose. */
static int parse(const char *p, size_t n, unsigned seed, struct collect *out, size_t *line,
                 char *delim)
{
    memset(out, 0, sizeof(*out));
    struct csv_reader *r = csv_reader_new(on_row, out);
    struct error err = ERROR_INIT;
    int rc = 0;
    size_t off = 0;
    while (rc == 0 && off < n) {
        size_t len = n - off;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            len = 1 + (seed >> 16) % 7;
            if (len > n - off)
                len = n - off;
        }
        rc = csv_reader_feed(r, p + off, len, &err);
        off += len;
    }
    if (rc == 0)
        rc = csv_reader_finish(r, &err);
    *line = rc ? csv_reader_error_line(r) : 0;
    *delim = csv_reader_delim(r);
    csv_reader_free(r);
    return rc;
}

static bool one_empty_cell(const struct collect *c, const struct rec *r)
{
    return r->ncells == 1 && cell(c, r->start).n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    struct collect whole, pieces;
    size_t line_w, line_p;
    char delim, delim_p;
    int rc_w = parse(p, n, 0, &whole, &line_w, &delim);
    int rc_p = parse(p, n, data[0] | 1u, &pieces, &line_p, &delim_p);

    if (rc_w != rc_p || line_w != line_p || delim != delim_p || whole.nrecs != pieces.nrecs ||
        whole.ncells != pieces.ncells) {
        fprintf(stderr,
                "whole vs pieces: outcome %d/%d, error line %zu/%zu, delimiter '%c'/'%c', "
                "%zu/%zu records, %zu/%zu cells\n",
                rc_w, rc_p, line_w, line_p, delim, delim_p, whole.nrecs, pieces.nrecs, whole.ncells,
                pieces.ncells);
        __builtin_trap();
    }
    for (size_t i = 0; i < whole.nrecs; i++)
        if (whole.recs[i].line != pieces.recs[i].line ||
            whole.recs[i].ncells != pieces.recs[i].ncells) {
            fprintf(stderr, "record %zu: line %zu/%zu, %zu/%zu cells\n", i, whole.recs[i].line,
                    pieces.recs[i].line, whole.recs[i].ncells, pieces.recs[i].ncells);
            __builtin_trap();
        }
    for (size_t k = 0; k < whole.ncells; k++)
        if (!str_eq(cell(&whole, k), cell(&pieces, k))) {
            fprintf(stderr, "cell %zu differs between whole and pieces\n", k);
            __builtin_trap();
        }

    /* The first record written back decides the copy's delimiter. */
    bool first_has_semicolon = false;
    for (size_t i = 0; i < whole.nrecs; i++) {
        const struct rec *r = &whole.recs[i];
        if (one_empty_cell(&whole, r))
            continue;
        for (size_t k = 0; k < r->ncells; k++) {
            struct str s = cell(&whole, r->start + k);
            first_has_semicolon |= memchr(s.p, ';', s.n) != NULL;
        }
        break;
    }
    if (rc_w == 0 && delim == ',' && !first_has_semicolon) {
        struct buf copy = BUF_INIT;
        size_t kept = 0;
        for (size_t i = 0; i < whole.nrecs; i++) {
            const struct rec *r = &whole.recs[i];
            if (one_empty_cell(&whole, r))
                continue;
            for (size_t k = 0; k < r->ncells; k++) {
                if (k)
                    buf_putc(&copy, ',');
                struct str s = cell(&whole, r->start + k);
                csv_put_cell(&copy, s.p, s.n, ',');
            }
            buf_puts(&copy, "\r\n");
            kept++;
        }
        struct collect again;
        size_t line_a;
        char delim_a;
        int rc_a = parse(copy.p ? copy.p : "", copy.n, 0, &again, &line_a, &delim_a);
        bool bom = copy.n >= 3 && memcmp(copy.p, "\xEF\xBB\xBF", 3) == 0;
        if (!bom) {
            if (rc_a != 0 || again.nrecs != kept) {
                fprintf(stderr, "round trip: %d, %zu records of %zu\n", rc_a, again.nrecs, kept);
                __builtin_trap();
            }
            size_t j = 0;
            for (size_t i = 0; i < whole.nrecs; i++) {
                const struct rec *r = &whole.recs[i];
                if (one_empty_cell(&whole, r))
                    continue;
                const struct rec *b = &again.recs[j++];
                if (b->ncells != r->ncells) {
                    fprintf(stderr, "round trip: record %zu has %zu cells, was %zu\n", i, b->ncells,
                            r->ncells);
                    __builtin_trap();
                }
                /* The writer puts an apostrophe before a cell a spreadsheet would take for
                 * a formula; csv_unneutralise, as import does, takes it off again. */
                for (size_t k = 0; k < r->ncells; k++)
                    if (!str_eq(cell(&whole, r->start + k),
                                csv_unneutralise(cell(&again, b->start + k)))) {
                        struct str x = cell(&whole, r->start + k), y = cell(&again, b->start + k);
                        fprintf(stderr, "round trip changed a cell: [%.*s] -> [%.*s]\n", (int)x.n,
                                x.p, (int)y.n, y.p);
                        __builtin_trap();
                    }
            }
        }
        collect_free(&again);
        buf_release(&copy);
    }
    collect_free(&whole);
    collect_free(&pieces);
    return 0;
}
