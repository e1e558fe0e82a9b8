/*
 * The audit chain (each entry hashed with the one before it), its verification, the
 * database's integrity checks, and the history of state-machine transitions.
 */
#define _GNU_SOURCE
#include "store/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- audit chain -------------------------------------------------------------------- */

/* The canonical text of an entry, the input of its hash (with the previous hash). */
static void audit_canonical(struct buf *b, int64_t id, const char *at, int64_t actor_id,
                            const char *actor, int64_t org_id, const char *action,
                            const char *resource, int64_t record_id, const char *before,
                            const char *after)
{
    struct jw w;
    jw_init(&w, b);
    jw_arr(&w);
    jw_int(&w, id);
    jw_str(&w, at);
    jw_int(&w, actor_id);
    jw_str(&w, actor);
    jw_int(&w, org_id);
    jw_str(&w, action);
    jw_str(&w, resource);
    jw_int(&w, record_id);
    jw_str(&w, before);
    jw_str(&w, after);
    jw_arr_end(&w);
}

static void audit_hash(const char *prev_hex, const struct buf *canon, char out[65])
{
    crypto_hash_sha256_state h;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)prev_hex, strlen(prev_hex));
    crypto_hash_sha256_update(&h, (const unsigned char *)canon->p, canon->n);
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int store_audit(struct store_tx *tx, const struct store_actor *actor, const char *action,
                const char *resource, int64_t record_id, const char *before, const char *after)
{
    struct store_conn *c = tx->conn;
    /* PostgreSQL: the append locks the chain's head row (migration 0004) until the
     * transaction ends, so one chain holds however many servers write; SQLite's single
     * writer gives the same for free. */
    struct db_stmt *st =
        store_prep(c, db_dialect(c->db) == DB_PGSQL
                          ? "SELECT last_id, last_hash FROM audit_head WHERE id=1 FOR UPDATE"
                          : "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!st)
        return STORE_ERROR;
    int64_t id = 1;
    char prev[65] = AUDIT_GENESIS;
    if (db_step(st) == DB_ROW) {
        id = db_column_int64(st, 0) + 1;
        store_copy_text(prev, sizeof(prev), st, 1);
    }
    store_done(st);
    char at[21], hash[65];
    store_now_text(at);
    const char *label = actor && actor->label ? actor->label : "system";
    int64_t uid = actor ? actor->user_id : 0, oid = actor ? actor->org_id : 0;
    struct buf canon = BUF_INIT;
    audit_canonical(&canon, id, at, uid, label, oid, action, resource, record_id, before, after);
    audit_hash(prev, &canon, hash);
    buf_release(&canon);

    st = store_prep(c, "INSERT INTO audit(id,at,actor_id,actor,org_id,action,resource,record_id,"
                       "before,after,prev_hash,hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, at, -1);
    if (uid)
        db_bind_int64(st, 3, uid);
    db_bind_text(st, 4, label, -1);
    if (oid)
        db_bind_int64(st, 5, oid);
    db_bind_text(st, 6, action, -1);
    db_bind_text(st, 7, resource, -1);
    db_bind_int64(st, 8, record_id);
    if (before)
        db_bind_text(st, 9, before, -1);
    if (after)
        db_bind_text(st, 10, after, -1);
    db_bind_text(st, 11, prev, -1);
    db_bind_text(st, 12, hash, -1);
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE) {
        log_error("store: audit insert failed: %s", db_error_text(c->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

const char *store_col_text(struct db_stmt *st, int col)
{
    return db_column_text(st, col);
}

int store_audit_verify(struct store_conn *c, int64_t *checked, int64_t *bad_id, struct error *err)
{
    struct db_stmt *st =
        store_prep(c, "SELECT id,at,actor_id,actor,org_id,action,resource,record_id,"
                      "before,after,prev_hash,hash FROM audit ORDER BY id");
    if (!st)
        return error_set(err, "cannot read the audit trail"), STORE_ERROR;
    char prev[65] = AUDIT_GENESIS;
    int64_t expect_id = 1;
    int rc = STORE_OK;
    struct buf canon = BUF_INIT;
    *checked = 0;
    *bad_id = 0;
    int step;
    while ((step = db_step(st)) == DB_ROW) {
        int64_t id = db_column_int64(st, 0);
        const char *stored_prev = store_col_text(st, 10), *stored = store_col_text(st, 11);
        char hash[65];
        buf_reset(&canon);
        audit_canonical(&canon, id, store_col_text(st, 1), db_column_int64(st, 2),
                        store_col_text(st, 3), db_column_int64(st, 4), store_col_text(st, 5),
                        store_col_text(st, 6), db_column_int64(st, 7), store_col_text(st, 8),
                        store_col_text(st, 9));
        audit_hash(prev, &canon, hash);
        const char *why = NULL;
        if (id != expect_id)
            why = id > expect_id ? "an entry before it is missing" : "entries are out of order";
        else if (!stored_prev || strcmp(stored_prev, prev) != 0)
            why = "it does not follow the entry before it (deleted, inserted or reordered)";
        else if (!stored || strcmp(stored, hash) != 0)
            why = "its content does not match its hash (edited)";
        if (why) {
            *bad_id = id;
            error_set(err, "audit entry %lld: %s", (long long)id, why);
            rc = STORE_CONFLICT;
            break;
        }
        memcpy(prev, stored, sizeof(prev));
        expect_id = id + 1;
        (*checked)++;
    }
    if (rc == STORE_OK && step != DB_DONE)
        rc = STORE_ERROR, error_set(err, "reading the audit trail failed");
    store_done(st);
    buf_release(&canon);
    return rc;
}

int store_integrity(struct store_conn *c, struct error *err)
{
    /* PostgreSQL checks its pages (checksums) and enforces foreign keys itself; what is
     * left to check is the audit chain, as on SQLite. */
    if (db_dialect(c->db) == DB_PGSQL)
        return STORE_OK;
    struct db_stmt *st = store_prep(c, "PRAGMA integrity_check");
    if (!st)
        return error_set(err, "integrity check could not run"), STORE_ERROR;
    int rc = STORE_OK;
    if (db_step(st) != DB_ROW || strcmp(store_col_text(st, 0), "ok") != 0)
        rc = error_set(err, "integrity check: %s",
                       store_col_text(st, 0) ? store_col_text(st, 0) : "?");
    store_done(st);
    if (rc < 0)
        return STORE_ERROR;
    st = store_prep(c, "PRAGMA foreign_key_check");
    if (!st)
        return STORE_ERROR;
    if (db_step(st) == DB_ROW) {
        error_set(err, "foreign key check: table %s row %lld points nowhere", store_col_text(st, 0),
                  (long long)db_column_int64(st, 1));
        rc = STORE_ERROR;
    }
    store_done(st);
    return rc;
}

/* ---- state-machine history ---------------------------------------------------------- */

int store_transition_insert(struct store_tx *tx, const char *resource, int64_t record_id,
                            const char *from, const char *to, const struct store_actor *actor,
                            const char *note)
{
    struct db_stmt *st =
        store_prep(tx->conn, "INSERT INTO transitions(resource,record_id,from_state,"
                             "to_state,actor_id,actor,at,note) VALUES(?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    db_bind_text(st, 1, resource, -1);
    db_bind_int64(st, 2, record_id);
    db_bind_text(st, 3, from, -1);
    db_bind_text(st, 4, to, -1);
    if (actor && actor->user_id)
        db_bind_int64(st, 5, actor->user_id);
    db_bind_text(st, 6, actor && actor->label ? actor->label : "system", -1);
    db_bind_text(st, 7, now, -1);
    if (note)
        db_bind_text(st, 8, note, -1);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_transition_list(struct store_conn *c, const char *resource, int64_t record_id,
                          struct arena *a, struct transition_entry **out, size_t *n)
{
    struct db_stmt *st = store_prep(c, "SELECT from_state,to_state,actor_id,actor,at,note FROM "
                                       "transitions WHERE resource=? AND record_id=? ORDER BY id");
    *out = NULL;
    *n = 0;
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, resource, -1);
    db_bind_int64(st, 2, record_id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct transition_entry *grown = arena_alloc(a, cap * sizeof(*grown));
            if (*n)
                memcpy(grown, *out, *n * sizeof(*grown));
            *out = grown;
        }
        struct transition_entry *e = &(*out)[(*n)++];
        e->from = arena_strdup(a, store_col_text(st, 0));
        e->to = arena_strdup(a, store_col_text(st, 1));
        e->actor_id = db_column_int64(st, 2);
        e->actor = arena_strdup(a, store_col_text(st, 3));
        e->at = arena_strdup(a, store_col_text(st, 4));
        e->note = store_col_text(st, 5) ? arena_strdup(a, store_col_text(st, 5)) : NULL;
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR; /* a failed read is no empty history */
}
