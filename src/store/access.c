/*
 * SQL for sessions, failed sign-ins, the users API and the audit trail's reading and
 * verification. Every value is bound; the only text assembled into SQL is fixed
 * fragments chosen by which filters are present.
 */
#include "store/access.h"
#include "store/internal.h"

#include <string.h>

static int step_done(struct db_stmt *st)
{
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

static const char *dup_col(struct db_stmt *st, int col, struct arena *a)
{
    const char *s = store_col_text(st, col);
    return s ? arena_strdup(a, s) : NULL;
}

/* ---- sessions ----------------------------------------------------------------------- */

int store_session_insert(struct store_tx *tx, int64_t user_id, const unsigned char hash[32],
                         int64_t now, const char *client, int64_t *id)
{
    struct db_stmt *st = store_prep(tx->conn, "INSERT INTO sessions(user_id,hash,created_at,"
                                              "seen_at,client) VALUES(?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    db_bind_blob(st, 2, hash, 32);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, now);
    if (client)
        db_bind_text(st, 5, client, -1);
    int rc = step_done(st);
    if (rc == STORE_OK)
        *id = db_last_insert_id(tx->conn->db);
    return rc;
}

int store_session_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                       struct session_row *s, struct user *u)
{
    struct db_stmt *st = store_prep(c, "SELECT s.id,s.created_at,s.seen_at,u.id,u.email,u.name,"
                                       "u.role,u.organisation_id FROM sessions s JOIN users u ON "
                                       "u.id=s.user_id WHERE s.hash=? AND u.disabled=0");
    if (!st)
        return STORE_ERROR;
    db_bind_blob(st, 1, hash, 32);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        s->id = db_column_int64(st, 0);
        s->created_at = db_column_int64(st, 1);
        s->seen_at = db_column_int64(st, 2);
        *u = (struct user){.id = db_column_int64(st, 3),
                           .email = dup_col(st, 4, a),
                           .name = dup_col(st, 5, a),
                           .role = dup_col(st, 6, a),
                           .org_id = db_column_int64(st, 7)};
    }
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_session_touch(struct store_tx *tx, int64_t id, int64_t now)
{
    struct db_stmt *st = store_prep(tx->conn, "UPDATE sessions SET seen_at=? WHERE id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, id);
    return step_done(st);
}

int store_session_delete(struct store_tx *tx, int64_t id)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM sessions WHERE id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    return step_done(st);
}

int store_session_delete_user(struct store_tx *tx, int64_t user_id)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM sessions WHERE user_id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    return step_done(st);
}

int store_session_purge(struct store_tx *tx, int64_t idle_cutoff, int64_t absolute_cutoff)
{
    struct db_stmt *st =
        store_prep(tx->conn, "DELETE FROM sessions WHERE seen_at<? OR created_at<?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, idle_cutoff);
    db_bind_int64(st, 2, absolute_cutoff);
    return step_done(st);
}

int store_session_count(struct store_conn *c, int64_t user_id, int64_t *n)
{
    struct db_stmt *st = store_prep(c, "SELECT count(*) FROM sessions WHERE user_id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    *n = rc == DB_ROW ? db_column_int64(st, 0) : 0;
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

/* ---- failed sign-ins ---------------------------------------------------------------- */

int store_login_failure_add(struct store_tx *tx, const char *scope, const char *key, int64_t at,
                            int64_t forget_before)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM login_failures WHERE at<?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, forget_before);
    if (step_done(st) < 0)
        return STORE_ERROR;
    st = store_prep(tx->conn, "INSERT INTO login_failures(scope,key,at) VALUES(?,?,?)");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, scope, -1);
    db_bind_text(st, 2, key, -1);
    db_bind_int64(st, 3, at);
    return step_done(st);
}

int store_login_failures(struct store_conn *c, const char *scope, const char *key, int64_t since,
                         struct failure_stats *out)
{
    struct db_stmt *st = store_prep(c, "SELECT count(*),coalesce(min(at),0),coalesce(max(at),0) "
                                       "FROM login_failures WHERE scope=? AND key=? AND at>=?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, scope, -1);
    db_bind_text(st, 2, key, -1);
    db_bind_int64(st, 3, since);
    int rc = db_step(st);
    *out = (struct failure_stats){0};
    if (rc == DB_ROW)
        *out = (struct failure_stats){.count = db_column_int64(st, 0),
                                      .first = db_column_int64(st, 1),
                                      .last = db_column_int64(st, 2)};
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_login_failures_clear(struct store_tx *tx, const char *scope, const char *key)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM login_failures WHERE scope=? AND key=?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, scope, -1);
    db_bind_text(st, 2, key, -1);
    return step_done(st);
}

int store_login_known(struct store_conn *c, const char *account, const char *address, int64_t since,
                      bool *known)
{
    struct db_stmt *st =
        store_prep(c, "SELECT 1 FROM login_known WHERE account=? AND address=? AND at>=?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, account, -1);
    db_bind_text(st, 2, address, -1);
    db_bind_int64(st, 3, since);
    int rc = db_step(st);
    *known = rc == DB_ROW;
    store_done(st);
    return rc == DB_ROW || rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_login_known_add(struct store_tx *tx, const char *account, const char *address, int64_t at,
                          int64_t forget_before)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM login_known WHERE at<?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, forget_before);
    if (step_done(st) < 0)
        return STORE_ERROR;
    st = store_prep(tx->conn, "INSERT INTO login_known(account,address,at) VALUES(?,?,?) "
                              "ON CONFLICT(account,address) DO UPDATE SET at=excluded.at");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, account, -1);
    db_bind_text(st, 2, address, -1);
    db_bind_int64(st, 3, at);
    return step_done(st);
}

/* ---- refusals ----------------------------------------------------------------------- */

int store_refusal_count(struct store_tx *tx, int64_t actor_id, const char *kind, int64_t window,
                        int64_t forget_before, int64_t *count)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM refusal_counts WHERE \"window\"<?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, forget_before);
    if (step_done(st) < 0)
        return STORE_ERROR;
    st = store_prep(tx->conn, "INSERT INTO refusal_counts(actor_id,kind,\"window\",count) "
                              "VALUES(?,?,?,1) ON CONFLICT(actor_id,kind,\"window\") "
                              "DO UPDATE SET count=refusal_counts.count+1 RETURNING count");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, actor_id);
    db_bind_text(st, 2, kind, -1);
    db_bind_int64(st, 3, window);
    int rc = db_step(st);
    *count = rc == DB_ROW ? db_column_int64(st, 0) : 0;
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

/* ---- API tokens ----------------------------------------------------------------------- */

int store_token_create(struct store_tx *tx, int64_t user_id, const unsigned char hash[32],
                       const char *label, const char *expires_at, int64_t *id)
{
    struct db_stmt *st = store_prep(tx->conn, "INSERT INTO tokens(user_id,hash,label,created_at,"
                                              "expires_at) VALUES(?,?,?,?,?) RETURNING id");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    db_bind_int64(st, 1, user_id);
    db_bind_blob(st, 2, hash, 32);
    if (label)
        db_bind_text(st, 3, label, -1);
    db_bind_text_copy(st, 4, now, -1);
    db_bind_text(st, 5, expires_at, -1);
    int rc = db_step(st);
    *id = rc == DB_ROW ? db_column_int64(st, 0) : 0;
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_token_find(struct store_conn *c, const unsigned char hash[32], const char *now,
                     struct arena *a, struct token_use *out)
{
    struct db_stmt *st = store_prep(
        c, "SELECT t.id,t.last_used_at,u.id,u.email,u.role,u.organisation_id,t.expires_at "
           "FROM tokens t "
           "JOIN users u ON u.id=t.user_id WHERE t.hash=? AND u.disabled=0 "
           "AND (t.expires_at IS NULL OR t.expires_at>?)");
    if (!st)
        return STORE_ERROR;
    db_bind_blob(st, 1, hash, 32);
    db_bind_text(st, 2, now, -1);
    int rc = db_step(st);
    memset(out, 0, sizeof(*out));
    if (rc == DB_ROW) {
        out->token_id = db_column_int64(st, 0);
        out->last_used_at = dup_col(st, 1, a);
        out->user_id = db_column_int64(st, 2);
        out->email = dup_col(st, 3, a);
        out->role = dup_col(st, 4, a);
        out->org_id = db_column_int64(st, 5);
        out->expires_at = dup_col(st, 6, a);
    }
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_data_version(struct store_conn *c, int64_t *out)
{
    if (db_dialect(c->db) == DB_PGSQL)
        return STORE_NOT_FOUND; /* none: see access.h */
    struct db_stmt *st = store_prep(c, "PRAGMA data_version");
    if (!st)
        return STORE_ERROR;
    int rc = db_step(st);
    if (rc == DB_ROW)
        *out = db_column_int64(st, 0);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_token_touch(struct store_tx *tx, int64_t id, const char *now)
{
    struct db_stmt *st = store_prep(tx->conn, "UPDATE tokens SET last_used_at=? WHERE id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, now, -1);
    db_bind_int64(st, 2, id);
    return step_done(st);
}

int store_token_list(struct store_conn *c, int64_t user_id, struct arena *a, struct token_row **out,
                     size_t *n)
{
    struct db_stmt *st = store_prep(
        c, "SELECT t.id,t.user_id,u.email,t.label,t.created_at,t.expires_at,t.last_used_at "
           "FROM tokens t JOIN users u ON u.id=t.user_id WHERE ?=0 OR t.user_id=? ORDER BY t.id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, user_id);
    size_t cap = 16;
    *n = 0;
    *out = arena_alloc(a, cap * sizeof(**out));
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            struct token_row *grown = arena_alloc(a, 2 * cap * sizeof(*grown));
            memcpy(grown, *out, cap * sizeof(*grown));
            *out = grown;
            cap *= 2;
        }
        (*out)[(*n)++] = (struct token_row){
            .id = db_column_int64(st, 0),
            .user_id = db_column_int64(st, 1),
            .email = dup_col(st, 2, a),
            .label = dup_col(st, 3, a),
            .created_at = dup_col(st, 4, a),
            .expires_at = dup_col(st, 5, a),
            .last_used_at = dup_col(st, 6, a),
        };
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_token_delete(struct store_tx *tx, int64_t id, int64_t user_id)
{
    struct db_stmt *st =
        store_prep(tx->conn, "DELETE FROM tokens WHERE id=? AND (?=0 OR user_id=?) RETURNING id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, user_id);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_token_policy(struct store_conn *c, int64_t *default_days, int64_t *max_days)
{
    struct db_stmt *st = store_prep(c, "SELECT default_days,max_days FROM token_policy WHERE id=1");
    if (!st)
        return STORE_ERROR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *default_days = db_column_int64(st, 0);
        *max_days = db_column_int64(st, 1);
    }
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_token_policy_set(struct store_tx *tx, int64_t default_days, int64_t max_days)
{
    struct db_stmt *st =
        store_prep(tx->conn, "UPDATE token_policy SET default_days=?,max_days=? WHERE id=1");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, default_days);
    db_bind_int64(st, 2, max_days);
    return step_done(st);
}

/* ---- users -------------------------------------------------------------------------- */

#define USER_ROW_COLS "id,email,name,role,organisation_id,disabled,version,created_at,updated_at"

static void row_user(struct db_stmt *st, struct arena *a, struct user_row *r)
{
    memset(r, 0, sizeof(*r));
    r->u.id = db_column_int64(st, 0);
    r->u.email = dup_col(st, 1, a);
    r->u.name = dup_col(st, 2, a);
    r->u.role = dup_col(st, 3, a);
    r->u.org_id = db_column_int64(st, 4);
    r->u.disabled = db_column_int(st, 5) != 0;
    r->version = db_column_int64(st, 6);
    const char *c = store_col_text(st, 7), *u = store_col_text(st, 8);
    if (c)
        strncpy(r->created_at, c, sizeof(r->created_at) - 1);
    if (u)
        strncpy(r->updated_at, u, sizeof(r->updated_at) - 1);
}

int store_user_list(struct store_conn *c, const struct user_filter *f, struct arena *a,
                    struct user_row **out, size_t *n, bool *more)
{
    struct db_stmt *st =
        store_prep(c, "SELECT " USER_ROW_COLS " FROM users WHERE id>? "
                      "AND (?2 IS NULL OR role=?2) AND (?3=0 OR organisation_id=?3) "
                      "AND (?4<0 OR disabled=?4) ORDER BY id LIMIT ?5");
    *out = NULL;
    *n = 0;
    *more = false;
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, f->after_id);
    if (f->role)
        db_bind_text(st, 2, f->role, -1);
    db_bind_int64(st, 3, f->org_id);
    db_bind_int64(st, 4, f->disabled);
    db_bind_int64(st, 5, f->limit + 1);
    struct user_row *rows = arena_alloc(a, ((size_t)f->limit + 1) * sizeof(*rows));
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == (size_t)f->limit) {
            *more = true;
            continue;
        }
        row_user(st, a, &rows[(*n)++]);
    }
    store_done(st);
    *out = rows;
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_user_row(struct store_conn *c, int64_t id, struct arena *a, struct user_row *out)
{
    struct db_stmt *st = store_prep(c, "SELECT " USER_ROW_COLS " FROM users WHERE id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_user(st, a, out);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_user_update(struct store_tx *tx, const struct user *u, int64_t version, struct error *err)
{
    struct store_conn *c = tx->conn;
    struct db_stmt *st = store_prep(c, "SELECT version FROM users WHERE id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, u->id);
    int rc = db_step(st);
    int64_t have = rc == DB_ROW ? db_column_int64(st, 0) : 0;
    store_done(st);
    if (rc == DB_DONE)
        return error_set(err, "no user with id %lld", (long long)u->id), STORE_NOT_FOUND;
    if (rc != DB_ROW)
        return STORE_ERROR;
    if (version && have != version)
        return error_set(err,
                         "the user was changed by someone else (you had version %lld, it is "
                         "now %lld): reload it",
                         (long long)version, (long long)have),
               STORE_VERSION;
    st = store_prep(c, "UPDATE users SET name=?,role=?,organisation_id=?,disabled=?,"
                       "password_hash=coalesce(?,password_hash),updated_at=?,version=version+1 "
                       "WHERE id=?");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    if (u->name)
        db_bind_text(st, 1, u->name, -1);
    db_bind_text(st, 2, u->role, -1);
    if (u->org_id)
        db_bind_int64(st, 3, u->org_id);
    db_bind_int64(st, 4, u->disabled);
    if (u->password_hash)
        db_bind_text(st, 5, u->password_hash, -1);
    db_bind_text(st, 6, now, -1);
    db_bind_int64(st, 7, u->id);
    rc = db_step(st);
    enum db_fault fault = db_fault(c->db);
    store_done(st);
    if (rc == DB_DONE)
        return STORE_OK;
    if (fault == DB_FAULT_FOREIGN_KEY)
        return error_set(err, "no organisation with id %lld", (long long)u->org_id), STORE_BAD_REF;
    return error_set(err, "%s", db_error_text(c->db)), STORE_ERROR;
}

/* ---- audit trail -------------------------------------------------------------------- */

int store_audit_list(struct store_conn *c, const struct audit_filter *f, struct arena *a,
                     struct audit_entry **out, size_t *n, bool *more)
{
    /* The SQL differs only by which conditions are present, so the statement cache holds
     * one statement per combination in use. */
    struct buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT id,at,actor_id,actor,org_id,action,resource,record_id,before,after,"
                   "prev_hash,hash FROM audit WHERE 1=1");
    if (f->before_id)
        buf_puts(&sql, " AND id<?1");
    if (f->resource)
        buf_puts(&sql, " AND resource=?2");
    if (f->record_id)
        buf_puts(&sql, " AND record_id=?3");
    if (f->actor_id)
        buf_puts(&sql, " AND actor_id=?4");
    if (f->actor)
        buf_puts(&sql, " AND lower(actor)=lower(?5)"); /* any case (lower() folds ASCII on SQLite,
                                                          as NOCASE did) */
    if (f->action)
        buf_puts(&sql, " AND action=?6");
    if (f->from)
        buf_puts(&sql, " AND at>=?7");
    if (f->to)
        buf_puts(&sql, " AND at<=?8");
    buf_puts(&sql, " ORDER BY id DESC LIMIT ?9");
    struct db_stmt *st = store_prep(c, sql.p);
    buf_release(&sql);
    *out = NULL;
    *n = 0;
    *more = false;
    if (!st)
        return STORE_ERROR;
    if (f->before_id)
        db_bind_int64(st, 1, f->before_id);
    if (f->resource)
        db_bind_text(st, 2, f->resource, -1);
    if (f->record_id)
        db_bind_int64(st, 3, f->record_id);
    if (f->actor_id)
        db_bind_int64(st, 4, f->actor_id);
    if (f->actor)
        db_bind_text(st, 5, f->actor, -1);
    if (f->action)
        db_bind_text(st, 6, f->action, -1);
    if (f->from)
        db_bind_text(st, 7, f->from, -1);
    if (f->to)
        db_bind_text(st, 8, f->to, -1);
    db_bind_int64(st, 9, f->limit + 1);
    struct audit_entry *rows = arena_alloc(a, ((size_t)f->limit + 1) * sizeof(*rows));
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == (size_t)f->limit) {
            *more = true;
            continue;
        }
        rows[(*n)++] = (struct audit_entry){
            .id = db_column_int64(st, 0),
            .at = dup_col(st, 1, a),
            .actor_id = db_column_int64(st, 2),
            .actor = dup_col(st, 3, a),
            .org_id = db_column_int64(st, 4),
            .action = dup_col(st, 5, a),
            .resource = dup_col(st, 6, a),
            .record_id = db_column_int64(st, 7),
            .before = dup_col(st, 8, a),
            .after = dup_col(st, 9, a),
            .prev_hash = dup_col(st, 10, a),
            .hash = dup_col(st, 11, a),
        };
    }
    store_done(st);
    *out = rows;
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* The head against the trail: as many rows as were appended, the last one as recorded. */
static int check_head(struct store_conn *c, struct audit_report *out, struct error *err)
{
    struct db_stmt *st = store_prep(c, "SELECT h.entries,h.last_id,h.last_hash,(SELECT count(*) "
                                       "FROM audit),(SELECT max(id) FROM audit),(SELECT hash FROM "
                                       "audit ORDER BY id DESC LIMIT 1) FROM audit_head h");
    if (!st)
        return error_set(err, "cannot read the audit head"), STORE_ERROR;
    int rc = db_step(st);
    if (rc != DB_ROW) {
        store_done(st);
        error_set(err, "the audit head is missing (the trail cannot be checked for entries cut "
                       "off its end)");
        out->bad_id = 1;
        return STORE_CONFLICT;
    }
    out->entries = db_column_int64(st, 0);
    out->head_id = db_column_int64(st, 1);
    const char *hh = store_col_text(st, 2);
    snprintf(out->head_hash, sizeof(out->head_hash), "%s", hh ? hh : "");
    int64_t rows = db_column_int64(st, 3), last = db_column_int64(st, 4);
    /* An empty trail ends at the genesis hash, as its head records (not a missing hash). */
    const char *last_hash = rows == 0 ? AUDIT_GENESIS : store_col_text(st, 5);
    rc = STORE_OK;
    if (rows < out->entries || last < out->head_id) {
        out->bad_id = last + 1;
        error_set(err,
                  "audit entry %lld: missing — %lld entries were written but %lld remain (the "
                  "trail was cut after entry %lld)",
                  (long long)out->bad_id, (long long)out->entries, (long long)rows,
                  (long long)last);
        rc = STORE_CONFLICT;
    } else if (rows > out->entries || last != out->head_id ||
               strcmp(last_hash ? last_hash : "", out->head_hash) != 0) {
        out->bad_id = out->head_id + 1 <= last ? out->head_id + 1 : last;
        error_set(err,
                  "audit entry %lld: not written by civdesk — the head records %lld entries "
                  "ending at entry %lld, the trail has %lld ending at %lld",
                  (long long)out->bad_id, (long long)out->entries, (long long)out->head_id,
                  (long long)rows, (long long)last);
        rc = STORE_CONFLICT;
    }
    store_done(st);
    return rc;
}

int store_audit_check(struct store_conn *c, struct audit_report *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    bool own = !db_in_transaction(c->db);
    if (own && store_read_begin(c) < 0)
        return error_set(err, "cannot read the audit trail"), STORE_ERROR;
    int rc = store_audit_verify(c, &out->checked, &out->bad_id, err);
    if (rc == STORE_CONFLICT && out->bad_id > out->checked + 1) {
        /* A gap: the first bad entry is the first one missing, not the one after it. */
        int64_t after = out->bad_id;
        out->bad_id = out->checked + 1;
        error_set(err, "audit entry %lld: missing (deleted) — entry %lld comes after entry %lld",
                  (long long)out->bad_id, (long long)after, (long long)out->checked);
    }
    if (rc == STORE_OK)
        rc = check_head(c, out, err);
    if (own)
        store_read_end(c);
    return rc;
}
