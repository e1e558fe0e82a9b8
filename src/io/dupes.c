/*
 * Possible duplicates during imports: the rules each resource declares, and an in-memory
 * hash index of every record's keys (see internal.h for the contract).
 *
 * Cost: one hash per rule per row and a probe into an open-addressing table; a stored
 * record is read back only on a hash hit (a 32-bit hash, so about one in 4 billion probes
 * reads a record for nothing). 16 bytes per slot, at most half full: a million
 * organisations with two rules take 64 MiB, loaded in one sequential scan.
 */
#include "io/internal.h"

#include <stdlib.h>
#include <string.h>

/* The resource's declared rules (res->duplicates) by field index; fields a resource does
 * not have disable the rule. */
static void resolve_rules(struct dup_index *d, const struct resource *res)
{
    for (size_t r = 0; r < res->nduplicates && d->nrules < ARRAY_SIZE(d->rules); r++) {
        const struct duplicate_rule *decl = &res->duplicates[r];
        struct dup_rule rule = {.exact = {-1, -1, -1}, .similar = -1};
        bool ok = true;
        for (size_t k = 0; k < 3 && decl->exact[k]; k++)
            ok &= (rule.exact[k] = resource_field_index(res, decl->exact[k])) >= 0;
        if (decl->similar)
            ok &= (rule.similar = resource_field_index(res, decl->similar)) >= 0;
        rule.report_field = resource_field_index(res, decl->report_field);
        rule.why = decl->why;
        if (ok && rule.report_field >= 0)
            d->rules[d->nrules++] = rule;
    }
}

/* The key bytes of rec under rule into b; false if a field of the key is empty. */
static bool key_of(const struct dup_rule *rule, const struct resource *res, const struct value *v,
                   struct buf *b, struct arena *a)
{
    buf_reset(b);
    for (size_t k = 0; k < 3 && rule->exact[k] >= 0; k++) {
        const struct value *x = &v[rule->exact[k]];
        enum field_type t = res->fields[rule->exact[k]].type;
        if (x->null)
            return false;
        if (t == FT_INT || t == FT_REF || t == FT_BOOL)
            buf_printf(b, "%lld", (long long)x->i);
        else if (t == FT_REAL)
            buf_printf(b, "%.17g", x->r);
        else if (x->n)
            buf_append(b, x->s, x->n);
        else
            return false;
        buf_putc(b, '\x1f');
    }
    if (rule->similar >= 0) {
        const struct value *x = &v[rule->similar];
        size_t before = b->n;
        if (x->null)
            return false;
        io_normalise_into(b, (struct str){x->s, x->n});
        if (b->n == before)
            return false;
    }
    return b->n > 0;
}

/* FNV-1a, then a final mix so the low bits (the table index) depend on every byte. */
static uint32_t hash_bytes(const char *p, size_t n, size_t rule)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)rule;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

static void insert_slot(struct dup_index *d, struct dup_slot s);

/* Rehashes into a table of at least `want` slots (a power of two). */
static void resize(struct dup_index *d, size_t want)
{
    struct dup_slot *old = d->slots;
    size_t old_cap = d->cap;
    d->cap = d->cap ? d->cap : 1024;
    while (d->cap < want)
        d->cap *= 2;
    d->slots = calloc(d->cap, sizeof(*d->slots));
    if (!d->slots)
        die("out of memory");
    d->n = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].id)
            insert_slot(d, old[i]);
    free(old);
}

static void insert_slot(struct dup_index *d, struct dup_slot s)
{
    if ((d->n + 1) * 2 > d->cap)
        resize(d, d->cap * 2);
    if (s.id == 0)
        BUG("dup index: a key without a record");
    size_t mask = d->cap - 1;
    size_t i = (size_t)s.hash & mask;
    while (d->slots[i].id)
        i = (i + 1) & mask;
    d->slots[i] = s;
    d->n++;
}

/* A line past 32 bits is not kept (the match then names the record, not the line). */
static uint32_t line_of(size_t line)
{
    return line <= UINT32_MAX ? (uint32_t)line : 0;
}

static void add_keys(struct dup_index *d, int64_t id, const struct value *v, size_t line,
                     struct buf *key, struct arena *a)
{
    for (size_t r = 0; r < d->nrules; r++) {
        if (!key_of(&d->rules[r], d->res, v, key, a))
            continue;
        insert_slot(d, (struct dup_slot){.hash = hash_bytes(key->p, key->n, r),
                                         .id = id,
                                         .line = line_of(line)});
    }
}

static bool same_value(const struct value *a, const struct value *b)
{
    return a->null == b->null && a->i == b->i && a->r == b->r && a->s == b->s && a->n == b->n;
}

/* Whether d->last holds the keys of rec as it is now. */
static bool last_is(const struct dup_index *d, const struct record *rec)
{
    if (d->last.rec != rec)
        return false;
    for (size_t k = 0; k < d->nfields; k++)
        if (!same_value(&d->last.seen[k], &rec->v[d->fields[k]]))
            return false;
    return true;
}

static int load_one(void *arg, int64_t id, const struct value *vals)
{
    struct dup_index *d = arg;
    add_keys(d, id, vals, 0, &d->key, NULL);
    return 0;
}

int dup_index_init(struct dup_index *d, const struct resource *res, struct store_conn *conn,
                   struct error *err)
{
    memset(d, 0, sizeof(*d));
    d->res = res;
    resolve_rules(d, res);
    if (!d->nrules)
        return 0;
    size_t nf = 0;
    for (size_t r = 0; r < d->nrules; r++) {
        const struct dup_rule *rule = &d->rules[r];
        int want[4] = {rule->exact[0], rule->exact[1], rule->exact[2], rule->similar};
        for (size_t k = 0; k < 4; k++) {
            bool have = want[k] < 0;
            for (size_t j = 0; j < nf && !have; j++)
                have = d->fields[j] == want[k];
            if (!have && nf < ARRAY_SIZE(d->fields))
                d->fields[nf++] = want[k];
        }
    }
    d->nfields = nf;
    int rc = store_scan(conn, res, d->fields, nf, load_one, d);
    if (rc < 0)
        return error_set(err, "could not read the stored %s to look for duplicates", res->name),
               STORE_ERROR;
    return 0;
}

void dup_index_reserve(struct dup_index *d, size_t rows)
{
    size_t want = (d->n + rows * d->nrules) * 2;
    if (d->nrules && want > d->cap && want < ((size_t)1 << 30))
        resize(d, want);
}

void dup_index_release(struct dup_index *d)
{
    free(d->slots);
    buf_release(&d->key);
    buf_release(&d->other);
    memset(d, 0, sizeof(*d));
}

int dup_find(struct dup_index *d, struct store_conn *conn, const struct record *rec,
             struct arena *a, struct dup_match *m)
{
    d->last.rec = NULL;
    if (!d->nrules)
        return 0;
    struct buf *key = &d->key, *other = &d->other;
    int found = 0;
    size_t mask = d->cap - 1;
    for (size_t r = 0; r < d->nrules; r++) {
        d->last.has[r] = key_of(&d->rules[r], d->res, rec->v, key, a);
        d->last.hash[r] = d->last.has[r] ? hash_bytes(key->p, key->n, r) : 0;
    }
    for (size_t k = 0; k < d->nfields; k++)
        d->last.seen[k] = rec->v[d->fields[k]];
    d->last.rec = rec;
    for (size_t r = 0; r < d->nrules && !found && d->n; r++) {
        if (!d->last.has[r])
            continue;
        uint32_t h = d->last.hash[r];
        bool have_key = false; /* rule r's key is in `key` (built again on a hash hit only) */
        for (size_t i = (size_t)h & mask; d->slots[i].id && !found; i = (i + 1) & mask) {
            const struct dup_slot *s = &d->slots[i];
            if (s->hash != h || s->id == rec->id)
                continue;
            if (!have_key)
                have_key = key_of(&d->rules[r], d->res, rec->v, key, a);
            /* Confirm against the record as it is now: a hash collision, or a key the
             * record had before an update, does not count. */
            struct record *stored;
            int rc = store_get(conn, d->res, s->id, a, &stored);
            if (rc == STORE_NOT_FOUND)
                continue;
            if (rc < 0) {
                found = rc;
                break;
            }
            if (key_of(&d->rules[r], d->res, stored->v, other, a) && other->n == key->n &&
                memcmp(other->p, key->p, key->n) == 0) {
                *m = (struct dup_match){
                    .rule = &d->rules[r], .id = s->id, .line = s->line, .stored = stored};
                found = 1;
            }
        }
    }
    return found;
}

void dup_add(struct dup_index *d, const struct record *rec, size_t line, struct arena *a)
{
    if (!d->nrules)
        return;
    if (!last_is(d, rec)) {
        add_keys(d, rec->id, rec->v, line, &d->key, a);
        return;
    }
    for (size_t r = 0; r < d->nrules; r++)
        if (d->last.has[r])
            insert_slot(d, (struct dup_slot){.hash = d->last.hash[r],
                                             .id = rec->id,
                                             .line = line_of(line)});
    d->last.rec = NULL;
}
