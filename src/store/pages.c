/*
 * Lists that page by id which had none (issue 21: no unbounded response).
 */
#include "store/access.h"
#include "store/internal.h"

static const char *dup_text(struct db_stmt *st, int col, struct arena *a)
{
    const char *s = store_col_text(st, col);
    return s ? arena_strdup(a, s) : NULL;
}

int store_token_page(struct store_conn *c, int64_t user_id, int64_t after, int limit,
                     struct arena *a, struct token_row **out, size_t *n, bool *more)
{
    struct db_stmt *st = store_prep(
        c, "SELECT t.id,t.user_id,u.email,t.label,t.created_at,t.expires_at,t.last_used_at "
           "FROM tokens t JOIN users u ON u.id=t.user_id WHERE (?1=0 OR t.user_id=?1) "
           "AND t.id>?2 ORDER BY t.id LIMIT ?3");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, after);
    db_bind_int64(st, 3, (int64_t)limit + 1);
    *n = 0;
    *more = false;
    *out = arena_alloc(a, ((size_t)limit + 1) * sizeof(**out));
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            continue;
        }
        (*out)[(*n)++] = (struct token_row){
            .id = db_column_int64(st, 0),
            .user_id = db_column_int64(st, 1),
            .email = dup_text(st, 2, a),
            .label = dup_text(st, 3, a),
            .created_at = dup_text(st, 4, a),
            .expires_at = dup_text(st, 5, a),
            .last_used_at = dup_text(st, 6, a),
        };
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}
