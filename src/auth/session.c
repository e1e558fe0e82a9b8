/*
 * Browser sessions and signing in (ASVS V7): a 128-bit random token per sign-in, given to
 * the browser once in a cookie and stored only as its SHA-256; 30 minutes idle and 12
 * hours absolute; ended on the server at sign-out, when the user is disabled, or when
 * their password or role changes (triggers in migrations/0004_access.sql).
 *
 * The CSRF token is derived from the session token (HMAC-SHA-256 keyed by it), so it
 * needs no storage, differs per session, and cannot be computed from the database.
 */
#include "auth/auth.h"
#include "core/limits.h"
#include "json/json.h"
#include "store/access.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define SESSION_RAW_BYTES 16 /* 128 bits */

static void hash_text(struct str text, unsigned char out[32])
{
    crypto_hash_sha256(out, (const unsigned char *)text.p, text.n);
}

void session_csrf(struct str token, char out[CSRF_TOKEN_TEXT])
{
    static const char label[] = "civdesk csrf v1";
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)token.p, token.n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, sizeof(label) - 1);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, CSRF_TOKEN_TEXT, mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(mac, sizeof(mac));
}

bool session_csrf_ok(struct str token, const char *presented)
{
    if (!presented || strlen(presented) != CSRF_TOKEN_TEXT - 1)
        return false;
    char want[CSRF_TOKEN_TEXT];
    session_csrf(token, want);
    bool ok = sodium_memcmp(want, presented, CSRF_TOKEN_TEXT - 1) == 0;
    sodium_memzero(want, sizeof(want));
    return ok;
}

int session_start(struct store_tx *tx, int64_t user_id, const char *client, struct session_new *out)
{
    assert(tx && user_id > 0 && store_in_transaction(store_tx_conn(tx)));
    unsigned char raw[SESSION_RAW_BYTES], hash[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out->token, sizeof(out->token), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    struct str tok = str_from(out->token);
    hash_text(tok, hash);
    session_csrf(tok, out->csrf);
    int64_t now = now_unix();
    out->idle_expires_at = now + SESSION_IDLE_SECONDS;
    out->expires_at = now + SESSION_ABSOLUTE_SECONDS;
    return store_session_insert(tx, user_id, hash, now, client, &out->id);
}

/* One small write transaction outside any request's own (expiry, last use). */
static void session_write(struct store *s, int64_t id, bool remove, int64_t now)
{
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    if (store_write_begin(s, &tx) < 0)
        return;
    int rc = remove ? store_session_delete(tx, id) : store_session_touch(tx, id, now);
    if (rc < 0)
        store_write_rollback(tx);
    else if (store_write_commit(tx, &err) < 0)
        log_error("session %lld: %s", (long long)id, err.msg);
}

int session_resolve(struct store *s, struct str token, struct arena *a, struct principal *out)
{
    if (token.n != SESSION_TOKEN_TEXT - 1)
        return STORE_NOT_FOUND;
    unsigned char hash[32];
    hash_text(token, hash);
    struct session_row row;
    struct user u;
    int rc = store_session_user(store_reader(s), hash, a, &row, &u);
    if (rc < 0)
        return rc;
    int64_t now = now_unix();
    if (now - row.seen_at >= SESSION_IDLE_SECONDS ||
        now - row.created_at >= SESSION_ABSOLUTE_SECONDS) {
        session_write(s, row.id, true, now);
        return STORE_NOT_FOUND;
    }
    enum role role;
    if (role_parse(u.role, &role) < 0)
        return STORE_NOT_FOUND;
    if (now - row.seen_at >= SESSION_TOUCH_SECONDS)
        session_write(s, row.id, false, now);
    *out = (struct principal){
        .role = role, .user_id = u.id, .org_id = u.org_id, .email = u.email, .session_id = row.id};
    return STORE_OK;
}

int session_end(struct store *s, const struct principal *who)
{
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    if (store_write_begin(s, &tx) < 0)
        return STORE_ERROR;
    struct store_actor actor = principal_actor(who);
    int rc = store_session_delete(tx, who->session_id);
    if (rc == STORE_OK)
        rc = store_audit(tx, &actor, "logout", "users", who->user_id, NULL, NULL);
    if (rc < 0) {
        store_write_rollback(tx);
        return rc;
    }
    return store_write_commit(tx, &err);
}

/* ---- signing in ----------------------------------------------------------------------- */

/* A hash of a password nobody has, checked when the e-mail is unknown so that unknown
 * and known accounts take the same time to refuse. Computed once, on first need. */
static char dummy_hash[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    unsigned char raw[24];
    char pw[64];
    struct error err;
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(pw, sizeof(pw), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (password_hash(pw, dummy_hash, &err) < 0)
        dummy_hash[0] = '\0';
    sodium_memzero(pw, sizeof(pw));
}

/* The audit image of a sign-in: who tried, from where, and why it failed. No secret. */
static char *login_image(struct arena *a, const char *email, const char *client, const char *reason)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "email", email);
    if (client)
        jw_kstr(&w, "client", client);
    if (reason)
        jw_kstr(&w, "reason", reason);
    jw_obj_end(&w);
    char *out = arena_strndup(a, b.p, b.n);
    buf_release(&b);
    return out;
}

static const char *lower_ascii(struct arena *a, const char *s)
{
    char *out = arena_strdup(a, s);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

void auth_login(struct store *s, const char *email, const char *password, const char *client,
                struct arena *a, struct login_result *out)
{
    memset(out, 0, sizeof(*out));
    const char *account = lower_ascii(a, email);
    int64_t now = now_unix();
    struct store_conn *c = store_reader(s);
    int64_t wait;
    if (ratelimit_check(c, account, client, now, &wait) < 0) {
        out->status = LOGIN_ERROR;
        return;
    }
    if (wait > 0) {
        out->status = LOGIN_LIMITED;
        out->retry_after = wait;
        return;
    }
    if (!ratelimit_hash_acquire()) {
        out->status = LOGIN_BUSY;
        out->retry_after = 1;
        return;
    }
    struct user u = {0};
    int rc = store_user_by_email(c, email, a, &u);
    bool ok;
    if (rc == STORE_OK) {
        ok = password_verify(u.password_hash, password);
    } else {
        pthread_once(&dummy_once, dummy_init);
        password_verify(dummy_hash, password);
        ok = false;
    }
    ratelimit_hash_release();
    if (rc < 0 && rc != STORE_NOT_FOUND) {
        out->status = LOGIN_ERROR;
        return;
    }
    const char *reason = rc == STORE_NOT_FOUND ? "unknown account"
                         : !ok                 ? "wrong password"
                         : u.disabled          ? "account disabled"
                                               : NULL;

    struct store_tx *tx;
    struct error err = ERROR_INIT;
    if (store_write_begin(s, &tx) < 0) {
        out->status = LOGIN_ERROR;
        return;
    }
    if (reason) {
        struct principal anon = {.role = ROLE_ANON};
        struct store_actor actor = principal_actor(&anon);
        rc = ratelimit_fail(tx, account, client, now);
        if (rc == STORE_OK)
            rc = store_audit(tx, &actor, "login_failed", "users", u.id, NULL,
                             login_image(a, email, client, reason));
        out->status = LOGIN_REFUSED;
    } else {
        struct principal who = {
            .role = ROLE_ANON, .user_id = u.id, .org_id = u.org_id, .email = u.email};
        struct store_actor actor = principal_actor(&who);
        rc = ratelimit_clear(tx, account, client, now);
        if (rc == STORE_OK)
            rc =
                store_session_purge(tx, now - SESSION_IDLE_SECONDS, now - SESSION_ABSOLUTE_SECONDS);
        if (rc == STORE_OK)
            rc = session_start(tx, u.id, client, &out->session);
        if (rc == STORE_OK)
            rc = store_audit(tx, &actor, "login", "users", u.id, NULL,
                             login_image(a, u.email, client, NULL));
        out->status = LOGIN_OK;
        out->user = u;
        out->user.password_hash = NULL;
    }
    if (rc < 0) {
        store_write_rollback(tx);
        sodium_memzero(&out->session, sizeof(out->session));
        out->status = LOGIN_ERROR;
        return;
    }
    if (store_write_commit(tx, &err) < 0) {
        log_error("sign-in: %s", err.msg);
        sodium_memzero(&out->session, sizeof(out->session));
        out->status = LOGIN_ERROR;
    }
}
