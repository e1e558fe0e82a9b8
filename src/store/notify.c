/*
 * SQL of reminders, notifications, the outbox and notification preferences
 * (docs/notifications.md). Every value is bound.
 */
#include "store/notify.h"
#include "store/internal.h"

#include <string.h>

static const char *dup_col(struct arena *a, struct db_stmt *st, int col)
{
    const char *t = store_col_text(st, col);
    return t ? arena_strdup(a, t) : NULL;
}

/* Grows an arena array of elements of size sz to hold one more; returns the new slot. */
static void *grow(struct arena *a, void **items, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        void *bigger = arena_alloc(a, *cap * sz);
        if (*n)
            memcpy(bigger, *items, *n * sz);
        *items = bigger;
    }
    void *slot = (char *)*items + (*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

/* ---- reminder sources --------------------------------------------------------------- */

int store_notify_open_questions(struct store_conn *c, struct arena *a, struct notify_item **out,
                                size_t *n)
{
    struct db_stmt *st =
        /* The key carries the newest question asked, answered or not: answering the
         * newest of several open ones is no new question, so it tells nothing new. */
        store_prep(c, "SELECT p.id, p.organisation_id, p.body, o.name, count(q.id), "
                      "(SELECT max(n.id) FROM application_questions n "
                      "WHERE n.application_id = p.id) "
                      "FROM applications p JOIN organisations o ON o.id = p.organisation_id "
                      "JOIN application_questions q ON q.application_id = p.id "
                      "WHERE p.state = 'deferred' AND (q.answer IS NULL OR q.answer = '') "
                      "GROUP BY p.id, o.id ORDER BY p.id");
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct notify_item *it = grow(a, (void **)out, n, &cap, sizeof(*it));
        it->record_id = db_column_int64(st, 0);
        it->org_id = db_column_int64(st, 1);
        it->body = dup_col(a, st, 2);
        it->org_name = dup_col(a, st, 3);
        it->count = db_column_int64(st, 4);
        it->kind = "questions_open";
        it->resource = "applications";
        it->key = arena_printf(a, "questions_open:applications:%lld:q%lld",
                               (long long)it->record_id, (long long)db_column_int64(st, 5));
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_notify_report_questions(struct store_conn *c, struct arena *a,
                                  struct store_notify_report_question **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* Led by the open questions (the partial index report_questions_open): a handful,
     * however many reports there are. The newest question is the newest asked, answered
     * or not (index report_questions_report): answering the newest of several open ones
     * asks nothing new. */
    struct db_stmt *st = store_prep(
        c, "SELECT r.id, a.body, r.period_start, r.period_end, q.open, (SELECT max(n.id) FROM "
           "report_questions n WHERE n.report_id = q.report_id), a.organisation_id, o.name "
           "FROM (SELECT report_id, count(*) AS open FROM report_questions "
           "WHERE answer IS NULL GROUP BY report_id) q "
           "JOIN accreditation_reports r ON r.id = q.report_id "
           "JOIN accreditations a ON a.id = r.accreditation_id "
           "JOIN organisations o ON o.id = a.organisation_id "
           "WHERE r.outcome = 'deferred' ORDER BY q.report_id");
    if (!st)
        return STORE_ERROR;
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_notify_report_question *r = grow(a, (void **)out, n, &cap, sizeof(*r));
        r->q.report_id = db_column_int64(st, 0);
        r->q.body = dup_col(a, st, 1);
        r->q.period_start = db_column_int64(st, 2);
        r->q.period_end = db_column_int64(st, 3);
        r->q.open = db_column_int64(st, 4);
        r->newest = db_column_int64(st, 5);
        r->org_id = db_column_int64(st, 6);
        r->org_name = dup_col(a, st, 7);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

static int read_apps(struct db_stmt *st, struct arena *a, struct store_app_row **out, size_t *n)
{
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_app_row *r = grow(a, (void **)out, n, &cap, sizeof(*r));
        r->id = db_column_int64(st, 0);
        r->organisation_id = db_column_int64(st, 1);
        r->organisation = dup_col(a, st, 2);
        r->body = dup_col(a, st, 3);
        r->requested_status = dup_col(a, st, 4);
        r->state = dup_col(a, st, 5);
        r->filed_on = dup_col(a, st, 6);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

#define APP_COLS                                                                                   \
    "SELECT p.id, p.organisation_id, o.name, p.body, p.requested_status, p.state, p.filed_on "     \
    "FROM applications p JOIN organisations o ON o.id = p.organisation_id "

int store_notify_unfiled(struct store_conn *c, const char *body, struct arena *a,
                         struct store_app_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_prep(c, APP_COLS "WHERE p.body = ? AND p.state IN "
                                                "('draft', 'submitted', 'endorsed') ORDER BY p.id");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, body, -1);
    return read_apps(st, a, out, n);
}

int store_notify_questioned(struct store_conn *c, struct arena *a, struct store_app_row **out,
                            size_t *n)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_prep(
        c, APP_COLS "WHERE p.state IN ('under_review', 'deferred') AND EXISTS (SELECT 1 FROM "
                    "application_questions q WHERE q.application_id = p.id AND q.answer IS NULL) "
                    "ORDER BY p.id");
    if (!st)
        return STORE_ERROR;
    return read_apps(st, a, out, n);
}

int store_notify_statements(struct store_conn *c, const char *from, const char *to, struct arena *a,
                            struct store_notify_statement **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char sql[640], each[96];
    snprintf(each, sizeof(each), db_sql_json_each(c->db), "coalesce(r.organisation_ids, '[]')");
    snprintf(sql, sizeof(sql),
             "SELECT r.id, r.kind, r.title, r.target_body, r.deadline_on, r.state, o.id, o.name "
             "FROM reports r JOIN %s j ON 1=1 "
             "JOIN organisations o ON o.id = CAST(j.value AS BIGINT) "
             /* state||'': the window on deadline_on (index reports_deadline) leads, not the
              * state (every draft ever) */
             "WHERE r.deadline_on BETWEEN ?1 AND ?2 AND (r.state||'') IN ('draft', 'in_review') "
             "ORDER BY r.deadline_on, r.id, o.id",
             each);
    struct db_stmt *st = store_prep(c, sql);
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, from, -1);
    db_bind_text(st, 2, to, -1);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_notify_statement *r = grow(a, (void **)out, n, &cap, sizeof(*r));
        r->report.id = db_column_int64(st, 0);
        r->report.kind = dup_col(a, st, 1);
        r->report.title = dup_col(a, st, 2);
        r->report.target_body = dup_col(a, st, 3);
        r->report.deadline_on = dup_col(a, st, 4);
        r->report.state = dup_col(a, st, 5);
        r->org_id = db_column_int64(st, 6);
        r->org_name = dup_col(a, st, 7);
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- recipients --------------------------------------------------------------------- */

#define USER_COLS                                                                                  \
    "u.id, u.email, u.name, u.role, u.organisation_id, coalesce(p.lang, 'ru'), "                   \
    "coalesce(p.kinds, '{}'), p.ics_hash IS NOT NULL, u.disabled "                                 \
    "FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id "

static void read_user(struct db_stmt *st, struct arena *a, struct notify_user *u)
{
    u->id = db_column_int64(st, 0);
    u->email = dup_col(a, st, 1);
    u->name = dup_col(a, st, 2);
    u->role = dup_col(a, st, 3);
    u->org_id = db_column_int64(st, 4);
    u->lang = dup_col(a, st, 5);
    u->kinds = dup_col(a, st, 6);
    u->has_ics = db_column_int(st, 7) != 0;
    u->disabled = db_column_int(st, 8) != 0;
}

static int read_users(struct db_stmt *st, struct arena *a, struct notify_user **out, size_t *n)
{
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        read_user(st, a, grow(a, (void **)out, n, &cap, sizeof(**out)));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_notify_recipients(struct store_conn *c, int64_t org_id, struct arena *a,
                            struct notify_user **out, size_t *n)
{
    struct db_stmt *st =
        store_prep(c, "SELECT " USER_COLS "WHERE u.disabled = 0 AND (u.role = 'officer' OR "
                      "(u.role = 'ngo' AND u.organisation_id = ?)) ORDER BY u.id");
    *out = NULL;
    *n = 0;
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, org_id);
    return read_users(st, a, out, n);
}

int store_notify_users_of(struct store_conn *c, const char *role, int64_t org_id, struct arena *a,
                          struct notify_user **out, size_t *n)
{
    struct db_stmt *st = store_prep(c, "SELECT " USER_COLS "WHERE u.disabled = 0 AND u.role = ?1 "
                                       "AND (?2 = 0 OR u.organisation_id = ?2) ORDER BY u.id");
    *out = NULL;
    *n = 0;
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, role, -1);
    db_bind_int64(st, 2, org_id);
    return read_users(st, a, out, n);
}

int store_notify_user(struct store_conn *c, int64_t user_id, struct arena *a,
                      struct notify_user *out)
{
    struct db_stmt *st = store_prep(c, "SELECT " USER_COLS "WHERE u.id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_user(st, a, out);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

/* ---- notifications ------------------------------------------------------------------ */

#define NOTE_COLS                                                                                  \
    "id, user_id, kind, key, organisation_id, resource, record_id, due_on, days, title, "          \
    "detail, mail, outbox_id, created_at, read_at "

static void read_note(struct db_stmt *st, struct arena *a, struct notification_row *r)
{
    r->id = db_column_int64(st, 0);
    r->user_id = db_column_int64(st, 1);
    r->kind = dup_col(a, st, 2);
    r->key = dup_col(a, st, 3);
    r->org_id = db_column_int64(st, 4);
    r->resource = dup_col(a, st, 5);
    r->record_id = db_column_int64(st, 6);
    r->due_on = dup_col(a, st, 7);
    r->days = db_column_type(st, 8) == DB_NULL ? INT64_MIN : db_column_int64(st, 8);
    r->title = dup_col(a, st, 9);
    r->detail = dup_col(a, st, 10);
    r->mail = dup_col(a, st, 11);
    r->outbox_id = db_column_int64(st, 12);
    r->created_at = dup_col(a, st, 13);
    r->read_at = dup_col(a, st, 14);
}

static void bind_opt_text(struct db_stmt *st, int col, const char *s)
{
    if (s)
        db_bind_text_copy(st, col, s, -1);
    else
        db_bind_null(st, col);
}

static void bind_opt_id(struct db_stmt *st, int col, int64_t v)
{
    if (v)
        db_bind_int64(st, col, v);
    else
        db_bind_null(st, col);
}

int store_notification_insert(struct store_tx *tx, struct notification_row *r, bool *created)
{
    struct store_conn *c = store_tx_conn(tx);
    char now[21];
    store_now_text(now);
    *created = false;
    struct db_stmt *st = store_prep(
        c, "INSERT INTO notifications (user_id, kind, key, organisation_id, resource, "
           "record_id, due_on, days, title, detail, mail, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO NOTHING");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, r->user_id);
    db_bind_text(st, 2, r->kind, -1);
    db_bind_text(st, 3, r->key, -1);
    bind_opt_id(st, 4, r->org_id);
    bind_opt_text(st, 5, r->resource);
    bind_opt_id(st, 6, r->record_id);
    bind_opt_text(st, 7, r->due_on);
    if (r->days != INT64_MIN)
        db_bind_int64(st, 8, r->days);
    db_bind_text(st, 9, r->title, -1);
    bind_opt_text(st, 10, r->detail);
    db_bind_text(st, 11, r->mail, -1);
    db_bind_text(st, 12, now, -1);
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE)
        return STORE_ERROR;
    *created = db_changes(c->db) == 1;
    if (*created) {
        r->id = db_last_insert_id(c->db);
        return STORE_OK;
    }
    st = store_prep(c, "SELECT id FROM notifications WHERE user_id = ? AND key = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, r->user_id);
    db_bind_text(st, 2, r->key, -1);
    rc = db_step(st);
    if (rc == DB_ROW)
        r->id = db_column_int64(st, 0);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_notification_has(struct store_conn *c, int64_t user_id, const char *key, bool *has)
{
    *has = false;
    struct db_stmt *st = store_prep(c, "SELECT 1 FROM notifications WHERE user_id = ? AND key = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, key, -1);
    int rc = db_step(st);
    *has = rc == DB_ROW;
    store_done(st);
    return rc == DB_ROW || rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_notification_set_outbox(struct store_tx *tx, int64_t id, int64_t outbox_id)
{
    struct db_stmt *st =
        store_prep(store_tx_conn(tx), "UPDATE notifications SET outbox_id = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, outbox_id);
    db_bind_int64(st, 2, id);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_notification_list(struct store_conn *c, int64_t user_id, int64_t before_id, int limit,
                            bool unread_only, struct arena *a, struct notification_row **out,
                            size_t *n, bool *more, int64_t *unread)
{
    *out = NULL;
    *n = 0;
    *more = false;
    *unread = 0;
    struct db_stmt *st = store_prep(
        c, "SELECT " NOTE_COLS "FROM notifications WHERE user_id = ?1 AND (?2 = 0 OR id < ?2) "
           "AND (?3 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?4");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, before_id);
    db_bind_int64(st, 3, unread_only);
    db_bind_int64(st, 4, limit + 1);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            continue;
        }
        read_note(st, a, grow(a, (void **)out, n, &cap, sizeof(**out)));
    }
    store_done(st);
    if (rc != DB_DONE)
        return STORE_ERROR;
    st = store_prep(c, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    rc = db_step(st);
    if (rc == DB_ROW)
        *unread = db_column_int64(st, 0);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_notification_read(struct store_tx *tx, int64_t user_id, int64_t id, struct arena *a,
                            struct notification_row *out)
{
    struct store_conn *c = store_tx_conn(tx);
    char now[21];
    store_now_text(now);
    struct db_stmt *st = store_prep(c, "UPDATE notifications SET read_at = coalesce(read_at, ?) "
                                       "WHERE id = ? AND user_id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, now, -1);
    db_bind_int64(st, 2, id);
    db_bind_int64(st, 3, user_id);
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE)
        return STORE_ERROR;
    if (db_changes(c->db) != 1)
        return STORE_NOT_FOUND;
    st = store_prep(c, "SELECT " NOTE_COLS "FROM notifications WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    rc = db_step(st);
    if (rc == DB_ROW)
        read_note(st, a, out);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_notification_digest_pending(struct store_conn *c, int64_t user_id, struct arena *a,
                                      struct notification_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_prep(c, "SELECT " NOTE_COLS "FROM notifications WHERE user_id = ? "
                                       "AND mail = 'digest' AND outbox_id IS NULL ORDER BY id");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        read_note(st, a, grow(a, (void **)out, n, &cap, sizeof(**out)));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_notification_digest_users(struct store_conn *c, struct arena *a, int64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_prep(c, "SELECT DISTINCT n.user_id FROM notifications n "
                                       "JOIN users u ON u.id = n.user_id AND u.disabled = 0 "
                                       "WHERE n.mail = 'digest' AND n.outbox_id IS NULL "
                                       "ORDER BY n.user_id");
    if (!st)
        return STORE_ERROR;
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        *(int64_t *)grow(a, (void **)out, n, &cap, sizeof(**out)) = db_column_int64(st, 0);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- outbox ------------------------------------------------------------------------- */

#define OUTBOX_COLS                                                                                \
    "o.id, o.user_id, o.key, o.kind, o.recipient, o.lang, o.subject, o.body_text, "                \
    "o.body_html, o.state, o.attempts, o.next_attempt_at, o.last_error, o.created_at, "            \
    "o.sent_at, u.disabled "

static void read_outbox(struct db_stmt *st, struct arena *a, struct outbox_row *o)
{
    o->id = db_column_int64(st, 0);
    o->user_id = db_column_int64(st, 1);
    o->key = dup_col(a, st, 2);
    o->kind = dup_col(a, st, 3);
    o->recipient = dup_col(a, st, 4);
    o->lang = dup_col(a, st, 5);
    o->subject = dup_col(a, st, 6);
    o->body_text = dup_col(a, st, 7);
    o->body_html = dup_col(a, st, 8);
    o->state = dup_col(a, st, 9);
    o->attempts = db_column_int64(st, 10);
    o->next_attempt_at = db_column_int64(st, 11);
    o->last_error = dup_col(a, st, 12);
    o->created_at = dup_col(a, st, 13);
    o->sent_at = dup_col(a, st, 14);
    o->user_disabled = db_column_int(st, 15) != 0;
}

int store_outbox_insert(struct store_tx *tx, struct outbox_row *o, bool *created)
{
    struct store_conn *c = store_tx_conn(tx);
    char now[21];
    store_now_text(now);
    *created = false;
    struct db_stmt *st = store_prep(
        c, "INSERT INTO outbox (user_id, key, kind, recipient, lang, subject, body_text, "
           "body_html, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (key) DO NOTHING");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, o->user_id);
    db_bind_text(st, 2, o->key, -1);
    db_bind_text(st, 3, o->kind, -1);
    db_bind_text(st, 4, o->recipient, -1);
    db_bind_text(st, 5, o->lang, -1);
    db_bind_text(st, 6, o->subject, -1);
    db_bind_text(st, 7, o->body_text, -1);
    db_bind_text(st, 8, o->body_html, -1);
    db_bind_int64(st, 9, o->next_attempt_at);
    db_bind_text(st, 10, now, -1);
    int rc = db_step(st);
    store_done(st);
    if (rc != DB_DONE)
        return STORE_ERROR;
    *created = db_changes(c->db) == 1;
    if (*created) {
        o->id = db_last_insert_id(c->db);
        return STORE_OK;
    }
    st = store_prep(c, "SELECT id FROM outbox WHERE key = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, o->key, -1);
    rc = db_step(st);
    if (rc == DB_ROW)
        o->id = db_column_int64(st, 0);
    store_done(st);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_outbox_due(struct store_conn *c, int64_t now, int limit, struct arena *a,
                     struct outbox_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_prep(c, "SELECT " OUTBOX_COLS "FROM outbox o "
                                       "JOIN users u ON u.id = o.user_id "
                                       "WHERE o.state = 'queued' AND o.next_attempt_at <= ? "
                                       "ORDER BY o.next_attempt_at, o.id LIMIT ?");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, limit);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        read_outbox(st, a, grow(a, (void **)out, n, &cap, sizeof(**out)));
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_outbox_mark(struct store_tx *tx, int64_t id, const char *state, int64_t attempts,
                      int64_t next_attempt_at, const char *error, const char *sent_at)
{
    struct db_stmt *st = store_prep(
        store_tx_conn(tx), "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, "
                           "last_error = ?, sent_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    db_bind_text(st, 1, state, -1);
    db_bind_int64(st, 2, attempts);
    db_bind_int64(st, 3, next_attempt_at);
    bind_opt_text(st, 4, error);
    bind_opt_text(st, 5, sent_at);
    db_bind_int64(st, 6, id);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_outbox_list(struct store_conn *c, const char *state, int64_t before_id, int limit,
                      struct arena *a, struct outbox_row **out, size_t *n, bool *more)
{
    *out = NULL;
    *n = 0;
    *more = false;
    struct db_stmt *st =
        store_prep(c, "SELECT " OUTBOX_COLS "FROM outbox o "
                      "JOIN users u ON u.id = o.user_id "
                      "WHERE (?1 IS NULL OR o.state = ?1) AND (?2 = 0 OR o.id < ?2) "
                      "ORDER BY o.id DESC LIMIT ?3");
    if (!st)
        return STORE_ERROR;
    bind_opt_text(st, 1, state);
    db_bind_int64(st, 2, before_id);
    db_bind_int64(st, 3, limit + 1);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            continue;
        }
        read_outbox(st, a, grow(a, (void **)out, n, &cap, sizeof(**out)));
    }
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- preferences -------------------------------------------------------------------- */

int store_prefs_put(struct store_tx *tx, int64_t user_id, const char *lang, const char *kinds)
{
    char now[21];
    store_now_text(now);
    struct db_stmt *st = store_prep(
        store_tx_conn(tx),
        "INSERT INTO notification_prefs (user_id, lang, kinds, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, kinds = excluded.kinds, "
        "updated_at = excluded.updated_at");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, lang, -1);
    db_bind_text(st, 3, kinds, -1);
    db_bind_text(st, 4, now, -1);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_prefs_set_ics(struct store_tx *tx, int64_t user_id, const unsigned char *hash)
{
    char now[21];
    store_now_text(now);
    struct db_stmt *st = store_prep(
        store_tx_conn(tx),
        "INSERT INTO notification_prefs (user_id, ics_hash, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET ics_hash = excluded.ics_hash, "
        "updated_at = excluded.updated_at");
    if (!st)
        return STORE_ERROR;
    db_bind_int64(st, 1, user_id);
    if (hash)
        db_bind_blob(st, 2, hash, 32);
    else
        db_bind_null(st, 2);
    db_bind_text(st, 3, now, -1);
    int rc = db_step(st);
    store_done(st);
    return rc == DB_DONE ? STORE_OK : STORE_ERROR;
}

int store_prefs_ics_user(struct store_conn *c, const unsigned char hash[32], struct arena *a,
                         struct user *out)
{
    struct db_stmt *st = store_prep(c, "SELECT u.id FROM notification_prefs p "
                                       "JOIN users u ON u.id = p.user_id "
                                       "WHERE p.ics_hash = ? AND u.disabled = 0");
    if (!st)
        return STORE_ERROR;
    db_bind_blob(st, 1, hash, 32);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_column_int64(st, 0) : 0;
    store_done(st);
    if (rc == DB_DONE)
        return STORE_NOT_FOUND;
    if (rc != DB_ROW)
        return STORE_ERROR;
    return store_user_by_id(c, id, a, out);
}

const char *store_notify_org_name(struct store_conn *c, int64_t id, struct arena *a)
{
    struct db_stmt *st = store_prep(c, "SELECT name FROM organisations WHERE id = ?");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, id);
    const char *name = db_step(st) == DB_ROW ? dup_col(a, st, 0) : NULL;
    store_done(st);
    return name;
}
