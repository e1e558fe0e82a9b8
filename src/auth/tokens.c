/*
 * API tokens (issue 16): issued with an expiry (the administrator sets the default and
 * the maximum), listed with their last use, revoked by their owner or an administrator.
 * A token follows its user's authority: a change of role, organisation or password
 * revokes it (a trigger, migrations/0011_hardening.sql), as disabling the user does.
 * The CLI and the API call these same functions.
 */
#include "auth/auth.h"
#include "store/access.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define TOKEN_TOUCH_SECONDS 300 /* the last use is recorded to within five minutes */

/* The one exit of a write: commit, or roll back and keep the error. */
static int finish(struct store_tx *tx, int rc, struct error *err)
{
    if (rc < 0) {
        store_write_rollback(tx);
        return rc;
    }
    return store_write_commit(tx, err);
}

int token_issue(struct store *s, const struct principal *actor, const char *email,
                const char *label, int64_t days, char text[TOKEN_TEXT_MAX], char expires_at[21],
                struct error *err)
{
    struct arena a = ARENA_INIT;
    struct store_tx *tx;
    unsigned char hash[32];
    token_new(text, hash);
    int rc = store_write_begin(s, &tx);
    if (rc < 0) {
        sodium_memzero(text, TOKEN_TEXT_MAX);
        return error_set(err, "the database is busy; try again");
    }
    int64_t def = 0, max = 0, id = 0;
    struct user u;
    rc = store_token_policy(store_tx_conn(tx), &def, &max);
    if (rc == 0 && days == 0)
        days = def;
    if (rc == 0 && (days < 1 || days > max))
        rc = error_set(err, "days: must be from 1 to %lld (the administrator's maximum)",
                       (long long)max);
    if (rc == 0) {
        rc = store_user_by_email(store_tx_conn(tx), email, &a, &u);
        if (rc == STORE_NOT_FOUND)
            error_set(err, "no user with e-mail %s", email);
        else if (rc == 0 && u.disabled)
            rc = error_set(err, "%s is disabled", email);
    }
    if (rc == 0) {
        time_rfc3339(now_unix() + days * 86400, expires_at);
        rc = store_token_create(tx, u.id, hash, label, expires_at, &id);
    }
    if (rc == 0) {
        char image[160];
        snprintf(image, sizeof(image), "{\"token_id\":%lld,\"expires_at\":\"%s\"}", (long long)id,
                 expires_at);
        struct store_actor act = principal_actor(actor);
        rc = store_audit(tx, &act, "token_create", "users", u.id, NULL, image);
    }
    rc = finish(tx, rc, err);
    arena_release(&a);
    if (rc < 0)
        sodium_memzero(text, TOKEN_TEXT_MAX);
    return rc;
}

int token_revoke(struct store *s, const struct principal *who, int64_t id, struct error *err)
{
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(err, "the database is busy; try again");
    /* The CLI (no user) and administrators revoke any token; others only their own. */
    int64_t owner = who->user_id && who->role != ROLE_ADMIN ? who->user_id : 0;
    int rc = store_token_delete(tx, id, owner);
    if (rc == STORE_NOT_FOUND)
        error_set(err, "no token %lld%s", (long long)id, owner ? " of yours" : "");
    if (rc == 0) {
        char image[64];
        snprintf(image, sizeof(image), "{\"token_id\":%lld}", (long long)id);
        struct store_actor act = principal_actor(who);
        rc = store_audit(tx, &act, "token_revoke", "tokens", id, image, NULL);
    }
    return finish(tx, rc, err);
}

int token_policy_set(struct store *s, const struct principal *actor, int64_t default_days,
                     int64_t max_days, struct error *err)
{
    if (max_days < 1 || max_days > 3650)
        return error_set(err, "max-days: must be from 1 to 3650");
    if (default_days < 1 || default_days > max_days)
        return error_set(err, "days: the default must be from 1 to the maximum (%lld)",
                         (long long)max_days);
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(err, "the database is busy; try again");
    int rc = store_token_policy_set(tx, default_days, max_days);
    if (rc == 0) {
        char image[80];
        snprintf(image, sizeof(image), "{\"default_days\":%lld,\"max_days\":%lld}",
                 (long long)default_days, (long long)max_days);
        struct store_actor act = principal_actor(actor);
        rc = store_audit(tx, &act, "token_policy", "tokens", 0, NULL, image);
    }
    return finish(tx, rc, err);
}

void token_note_use(struct store *s, const struct principal *p)
{
    if (!p->token_id)
        return;
    int64_t now = now_unix();
    char stale[21], at[21];
    time_rfc3339(now - TOKEN_TOUCH_SECONDS, stale);
    if (p->token_last_used && strcmp(p->token_last_used, stale) > 0)
        return; /* recorded recently enough: no write on every request */
    time_rfc3339(now, at);
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    if (store_write_begin(s, &tx) < 0)
        return;
    finish(tx, store_token_touch(tx, p->token_id, at), &err);
}
