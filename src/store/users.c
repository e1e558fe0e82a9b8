/*
 * Accounts and API tokens as stored: users by id, e-mail or token hash; adding,
 * disabling and revoking.
 */
#include "store/internal.h"

#include <string.h>

/* ---- users and tokens --------------------------------------------------------------- */

static void row_user(struct db_stmt *st, struct arena *a, struct user *u)
{
    u->id = db_column_int64(st, 0);
    u->email = arena_strdup(a, store_col_text(st, 1) ? store_col_text(st, 1) : "");
    u->name = store_col_text(st, 2) ? arena_strdup(a, store_col_text(st, 2)) : NULL;
    u->role = arena_strdup(a, store_col_text(st, 3) ? store_col_text(st, 3) : "");
    u->org_id = db_column_int64(st, 4);
    u->disabled = db_column_int(st, 5) != 0;
    u->password_hash = store_col_text(st, 6) ? arena_strdup(a, store_col_text(st, 6)) : NULL;
}

#define USER_COLS "u.id,u.email,u.name,u.role,u.organisation_id,u.disabled,u.password_hash"

int store_user_insert(struct store_tx *tx, const struct user *u, int64_t *id, struct error *err)
{
    struct store_conn *c = tx->conn;
    struct db_stmt *st =
        store_prep(c, "INSERT INTO users(email,name,role,organisation_id,password_hash,"
                      "disabled,created_at,updated_at) VALUES(?,?,?,?,?,0,?,?)");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    db_bind_text(st, 1, u->email, -1);
    if (u->name)
        db_bind_text(st, 2, u->name, -1);
    db_bind_text(st, 3, u->role, -1);
    if (u->org_id)
        db_bind_int64(st, 4, u->org_id);
    if (u->password_hash)
        db_bind_text(st, 5, u->password_hash, -1);
    db_bind_text(st, 6, now, -1);
    db_bind_text(st, 7, now, -1);
    int rc = db_step(st);
    if (rc != DB_DONE) {
        enum db_fault fault = db_fault(c->db);
        store_done(st);
        if (fault == DB_FAULT_UNIQUE)
            return error_set(err, "a user with e-mail %s already exists", u->email), STORE_CONFLICT;
        if (fault == DB_FAULT_FOREIGN_KEY)
            return error_set(err, "no organisation with id %lld", (long long)u->org_id),
                   STORE_BAD_REF;
        return error_set(err, "%s", db_error_text(c->db)), STORE_ERROR;
    }
    store_done(st);
    *id = db_last_insert_id(c->db);
    return STORE_OK;
}

static int user_query(struct store_conn *c, const char *sql, int64_t id, const char *email,
                      const unsigned char *hash, struct arena *a, struct user *out)
{
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    if (email)
        db_bind_text(st, 1, email, -1);
    else if (hash)
        db_bind_blob(st, 1, hash, 32);
    else
        db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_user(st, a, out);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_user_by_email(struct store_conn *c, const char *email, struct arena *a, struct user *out)
{
    return user_query(c, "SELECT " USER_COLS " FROM users u WHERE u.email=?", 0, email, NULL, a,
                      out);
}

int store_user_by_id(struct store_conn *c, int64_t id, struct arena *a, struct user *out)
{
    return user_query(c, "SELECT " USER_COLS " FROM users u WHERE u.id=?", id, NULL, NULL, a, out);
}

int store_user_set_disabled(struct store_tx *tx, int64_t id, bool disabled)
{
    struct db_stmt *st = store_prep(tx->conn, "UPDATE users SET disabled=?, updated_at=?, "
                                              "version=version+1 WHERE id=?");
    if (!st)
        return STORE_ERROR;
    char now[21];
    store_now_text(now);
    db_bind_int64(st, 1, disabled);
    db_bind_text(st, 2, now, -1);
    db_bind_int64(st, 3, id);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_user_each(struct store_conn *c, struct arena *a,
                    void (*fn)(void *arg, const struct user *u), void *arg)
{
    struct db_stmt *st = store_prep(c, "SELECT " USER_COLS " FROM users u ORDER BY u.id");
    if (!st)
        return STORE_ERROR;
    while (db_step(st) == DB_ROW) {
        struct user u;
        row_user(st, a, &u);
        fn(arg, &u);
    }
    store_done(st);
    return STORE_OK;
}

int store_token_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                     struct user *out)
{
    return user_query(c,
                      "SELECT " USER_COLS " FROM tokens t JOIN users u ON u.id=t.user_id "
                      "WHERE t.hash=? AND u.disabled=0",
                      0, NULL, hash, a, out);
}

int store_user_revoke_all(struct store_tx *tx, int64_t user_id)
{
    struct db_stmt *st = store_prep(tx->conn, "DELETE FROM tokens WHERE user_id=?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}
