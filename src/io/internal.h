/* Internals shared by the files of src/io. Nothing outside src/io includes this. */
#ifndef CIVDESK_IO_INTERNAL_H
#define CIVDESK_IO_INTERNAL_H

#include "io/io.h"

/*
 * Possible duplicates during an import. A resource may have rules (a static table in
 * dupes.c): fields compared exactly, plus at most one compared after io_normalise_name().
 * Every stored record's keys are hashed into an in-memory table when the import starts,
 * and each imported row's keys are added as it is written, so duplicates within the file
 * are found too. A hash hit is confirmed against the stored record before it counts.
 */
struct dup_rule {
    int exact[3];     /* field indexes compared as they are; -1 ends the list */
    int similar;      /* field compared normalised, or -1 */
    int report_field; /* the field an error names */
    const char *why;  /* "same country and registration number" */
};

/* 16 bytes: a million organisations (two keys each) fit in 64 MiB at half load. The slot
 * keeps 32 bits of the key's hash (its low bits are also the slot's index); a match is
 * confirmed against the stored record, so neither a longer hash nor the rule is kept. */
struct dup_slot {
    uint32_t hash; /* the key hash's low 32 bits */
    uint32_t line; /* line of the import that wrote it, 0 if it was stored before */
    int64_t id;    /* the record holding the key; 0: the slot is empty */
};

/* The keys dup_find hashed for a record, which dup_add reuses when the record's key
 * fields still hold the same values (a hook may have replaced one in between). */
struct dup_last {
    const struct record *rec; /* NULL: none */
    uint32_t hash[4];         /* per rule */
    bool has[4];              /* the rule gave a key */
    struct value seen[16];    /* the key fields' values as hashed */
};

struct dup_index {
    const struct resource *res;
    struct dup_rule rules[4];
    size_t nrules;
    int fields[16]; /* the fields the rules read */
    size_t nfields;
    struct dup_slot *slots; /* owned; open addressing, power-of-two capacity */
    size_t cap, n;
    struct buf key, other; /* scratch for keys, kept between rows */
    struct dup_last last;
};

struct dup_match {
    const struct dup_rule *rule;
    int64_t id;
    size_t line;           /* 0: a record stored before the import */
    struct record *stored; /* the matching record as stored (arena-owned) */
};

/* Resolves the rules of res and loads the keys of every stored record through conn.
 * A resource without rules gets an empty index (dup_find never matches). */
int dup_index_init(struct dup_index *d, const struct resource *res, struct store_conn *conn,
                   struct error *err);
void dup_index_release(struct dup_index *d);
/* Makes room for the keys of about `rows` more records at once (rehashing while the table
 * grows row by row showed in profiles). */
void dup_index_reserve(struct dup_index *d, size_t rows);
/* The first rule under which rec matches a stored record (other than rec->id); 1 with
 * *m filled, 0 if none, negative on a store failure. */
int dup_find(struct dup_index *d, struct store_conn *conn, const struct record *rec,
             struct arena *a, struct dup_match *m);
/* Adds rec's keys (after it was written with rec->id). */
void dup_add(struct dup_index *d, const struct record *rec, size_t line, struct arena *a);

/* Appends a stored list value (canonical JSON array text) as items joined by IO_LIST_SEP,
 * escaped; no CSV quoting. */
void io_list_join(struct buf *out, const char *json, size_t n);

/* Appends s normalised as io_normalise_name() describes. */
void io_normalise_into(struct buf *out, struct str s);

/* The next record of an export opened with io_export_open (for writers that take records
 * one by one, such as XLSX); NULL at the end, or on a failure with *rc negative. */
const struct record *export_next_record(struct io_export *e, struct error *err, int *rc);

#endif
