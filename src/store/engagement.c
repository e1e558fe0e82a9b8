/*
 * SQL of the engagement records that declarations cannot express: who clashes with whom
 * across delegations, per-forum statistics, and attachment bytes. Every value is bound.
 */
#include "store/engagement.h"
#include "store/internal.h"

#include <string.h>

static const char *dup_col(struct arena *a, struct db_stmt *st, int col)
{
    const char *t = store_col_text(st, col);
    return t ? arena_strdup(a, t) : NULL;
}

/* Reads a clash row: delegation id, forum, starts_on, ends_on, person id, full name. */
static int clash_step(struct db_stmt *st, struct arena *a, bool *found,
                      struct delegation_clash *out)
{
    int rc = db_step(st);
    *found = rc == DB_ROW;
    if (*found) {
        out->delegation_id = db_column_int64(st, 0);
        out->forum = dup_col(a, st, 1);
        out->starts_on = dup_col(a, st, 2);
        out->ends_on = dup_col(a, st, 3);
        out->person_id = db_column_int64(st, 4);
        out->person = dup_col(a, st, 5);
    }
    store_done(st);
    return rc == DB_ROW || rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* Two spans overlap when each starts on or before the other ends (days inclusive). */
int store_delegation_clash(struct store_conn *c, int64_t person_id, int64_t delegation_id,
                           const char *starts_on, const char *ends_on, struct arena *a, bool *found,
                           struct delegation_clash *out)
{
    struct db_stmt *st =
        store_prep(c, "SELECT d.id, d.forum, d.starts_on, d.ends_on, p.id, p.full_name "
                      "FROM delegation_members m JOIN delegations d ON d.id = m.delegation_id "
                      "JOIN people p ON p.id = m.person_id "
                      "WHERE m.person_id = ? AND m.delegation_id <> ? AND d.starts_on <= ? "
                      "AND d.ends_on >= ? ORDER BY d.starts_on, d.id LIMIT 1");
    *found = false;
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, person_id);
    db_bind_int64(st, 2, delegation_id);
    db_bind_text(st, 3, ends_on, -1);
    db_bind_text(st, 4, starts_on, -1);
    return clash_step(st, a, found, out);
}

int store_delegation_members_clash(struct store_conn *c, int64_t delegation_id,
                                   const char *starts_on, const char *ends_on, struct arena *a,
                                   bool *found, struct delegation_clash *out)
{
    struct db_stmt *st =
        store_prep(c, "SELECT d.id, d.forum, d.starts_on, d.ends_on, p.id, p.full_name "
                      "FROM delegation_members m "
                      "JOIN delegation_members o ON o.person_id = m.person_id "
                      "AND o.delegation_id <> m.delegation_id "
                      "JOIN delegations d ON d.id = o.delegation_id "
                      "JOIN people p ON p.id = m.person_id "
                      "WHERE m.delegation_id = ? AND d.starts_on <= ? AND d.ends_on >= ? "
                      "ORDER BY d.starts_on, d.id LIMIT 1");
    *found = false;
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, delegation_id);
    db_bind_text(st, 2, ends_on, -1);
    db_bind_text(st, 3, starts_on, -1);
    return clash_step(st, a, found, out);
}

int store_delegation_stats(struct store_conn *c, const char *body, struct arena *a,
                           struct delegation_stat **out, size_t *n)
{
    /* Members are distinct people per forum; NGOs the distinct organisations they came
     * from. A forum with delegations but no members still appears, with zeros. */
    struct db_stmt *st =
        store_prep(c, "SELECT d.forum, max(d.body), min(d.starts_on), max(d.ends_on), "
                      "count(DISTINCT d.id), count(DISTINCT m.person_id), "
                      "count(DISTINCT CASE WHEN m.role = 'expert' THEN m.person_id END), "
                      "count(DISTINCT m.organisation_id) "
                      "FROM delegations d LEFT JOIN delegation_members m ON m.delegation_id = d.id "
                      "WHERE ?1 IS NULL OR d.body = ?1 "
                      "GROUP BY d.forum ORDER BY min(d.starts_on) DESC, d.forum");
    *out = NULL;
    *n = 0;
    if (!st)
        return STORE_ERROR;
    if (body)
        db_bind_text(st, 1, body, -1);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct delegation_stat *grown = arena_alloc(a, cap * sizeof(*grown));
            if (*n)
                memcpy(grown, *out, *n * sizeof(*grown));
            *out = grown;
        }
        struct delegation_stat *s = &(*out)[(*n)++];
        s->forum = dup_col(a, st, 0);
        s->body = dup_col(a, st, 1);
        s->starts_on = dup_col(a, st, 2);
        s->ends_on = dup_col(a, st, 3);
        s->delegations = db_column_int64(st, 4);
        s->members = db_column_int64(st, 5);
        s->experts = db_column_int64(st, 6);
        s->ngos = db_column_int64(st, 7);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_attachment_set_content(struct store_tx *tx, int64_t id, const void *bytes, size_t n)
{
    struct store_conn *c = store_tx_conn(tx);
    struct db_stmt *st = store_prep(c, "UPDATE document_attachments SET content = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_blob(st, 1, n ? bytes : "", n);
    db_bind_int64(st, 2, id);
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE)
        return STORE_ERROR;
    return db_changes(c->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

int store_attachment_content(struct store_conn *c, int64_t id, struct buf *out)
{
    struct db_stmt *st = store_prep(c, "SELECT content FROM document_attachments WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        const void *p = db_column_blob(st, 0);
        size_t n = (size_t)db_column_bytes(st, 0);
        buf_grow(out, n + 1);
        if (n)
            buf_append(out, p, n);
    }
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}
