/*
 * Accounts: the one implementation of adding, changing and disabling a user, called by
 * the users API and by the user commands. See users.h for the contracts.
 */
#include "domain/users.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/notify.h"
#include "json/json.h"

#include <sodium.h>
#include <string.h>

/* The audit image of a user: never the password hash. Arena-owned. */
static const char *user_image(struct arena *a, const struct user *u, bool password_changed)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kint(&w, "id", u->id);
    jw_kstr(&w, "email", u->email);
    jw_kstr(&w, "name", u->name);
    jw_kstr(&w, "role", u->role);
    jw_key(&w, "organisation_id");
    if (u->org_id)
        jw_int(&w, u->org_id);
    else
        jw_null(&w);
    jw_kbool(&w, "disabled", u->disabled);
    if (password_changed)
        jw_kbool(&w, "password_changed", true);
    jw_obj_end(&w);
    char *out = arena_strndup(a, b.p, b.n);
    buf_release(&b);
    return out;
}

/* Ends the write transaction tx of an act on user id: when rc is STORE_OK so far, writes
 * the audit entry (action, images) and commits; otherwise rolls back. Returns the act's
 * result. */
static int audit_commit(struct store_tx *tx, int rc, const struct principal *who,
                        const char *action, int64_t id, const char *before, const char *after,
                        struct error *err)
{
    struct store_actor actor = principal_actor(who);
    if (rc == STORE_OK)
        rc = store_audit(tx, &actor, action, "users", id, before, after);
    return domain_end_tx(tx, rc, err);
}

/* Applies the given fields of ch to u and checks the result; messages go to errs. */
static void apply(const struct user_change *ch, bool create, struct user *u, struct errors *errs)
{
    if (ch->email) {
        if (!create)
            errors_add(errs, "email", "cannot be changed: add a new user instead");
        else if (!valid_email(str_from(ch->email)))
            errors_add(errs, "email", "must be an e-mail address");
        else
            u->email = ch->email;
    }
    if (ch->has_name) {
        size_t n = ch->name ? strlen(ch->name) : 0;
        if (ch->name && (n == 0 || !utf8_valid(ch->name, n) ||
                         utf8_length(ch->name, n) > LIMIT_TEXT_SHORT))
            errors_add(errs, "name", "must be a name of 1 to %d characters", LIMIT_TEXT_SHORT);
        else
            u->name = ch->name;
    }
    if (ch->has_role) {
        enum role role;
        if (!ch->role || role_parse(ch->role, &role) < 0)
            errors_add(errs, "role", "must be admin, officer or ngo");
        else
            u->role = role_name(role);
    }
    if (ch->has_org)
        u->org_id = ch->org_id;
    if (ch->has_disabled)
        u->disabled = ch->disabled;
    if (create && !u->email && !errs->n)
        errors_add(errs, "email", "is required");
    if (create && !ch->has_role)
        errors_add(errs, "role", "is required");
    if (create && !ch->has_password)
        errors_add(errs, "password", "is required");
    if (u->role && !strcmp(u->role, "ngo") && !u->org_id)
        errors_add(errs, "organisation_id", "is required for an ngo user");
    if (u->role && strcmp(u->role, "ngo") != 0 && u->org_id)
        errors_add(errs, "organisation_id",
                   "only ngo users belong to an organisation: set it to null");
}

/* Checks and hashes a new password into hash (bounded like sign-in: the hash is costly). */
static int new_password(const char *pw, const char *email, char hash[128], struct errors *errs,
                        struct error *err)
{
    struct error why = ERROR_INIT;
    if (password_check(pw, email, &why) < 0) {
        errors_add(errs, "password", "%s", why.msg);
        return DOMAIN_INVALID;
    }
    if (!ratelimit_hash_acquire())
        return USERS_BUSY;
    int rc = password_hash(pw, hash, err);
    ratelimit_hash_release();
    return rc < 0 ? STORE_ERROR : STORE_OK;
}

int users_check_new(const struct user_change *ch, struct errors *errs)
{
    struct user u = {0};
    struct user_change c = *ch;
    c.has_password = true; /* asked for later */
    apply(&c, true, &u, errs);
    return errs->n ? DOMAIN_INVALID : STORE_OK;
}

int users_create(struct store *s, const struct principal *who, const struct user_change *ch,
                 struct arena *a, struct errors *errs, struct error *err, int64_t *id)
{
    struct user u = {0};
    *id = 0;
    apply(ch, true, &u, errs);
    if (errs->n)
        return DOMAIN_INVALID;
    char hash[128] = "";
    int rc = new_password(ch->password, u.email, hash, errs, err);
    if (rc < 0)
        goto out;
    u.password_hash = hash;
    struct store_tx *tx;
    rc = store_write_begin(s, &tx);
    if (rc < 0)
        goto out;
    rc = store_user_insert(tx, &u, id, err);
    u.id = *id;
    if (rc == STORE_OK) /* the new user is told (docs/notifications.md) */
        rc = notify_account(tx, u.id, "created");
    rc = audit_commit(tx, rc, who, "create", u.id, NULL, user_image(a, &u, false), err);
out:
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int users_update(struct store *s, const struct principal *who, int64_t id, int64_t version,
                 const struct user_change *ch, struct arena *a, struct errors *errs,
                 struct error *err)
{
    struct user_row old;
    int rc = store_user_row(store_reader(s), id, a, &old);
    if (rc < 0) {
        error_set(err, "no user with id %lld", (long long)id);
        return rc;
    }
    struct user u = old.u;
    apply(ch, false, &u, errs);
    if (errs->n)
        return DOMAIN_INVALID;
    char hash[128] = "";
    bool hashed = false;
    if (ch->has_password) {
        rc = new_password(ch->password, u.email, hash, errs, err);
        if (rc < 0)
            goto out;
        hashed = true;
    }
    if (u.id == who->user_id && (u.disabled || strcmp(u.role, old.u.role) != 0)) {
        error_set(err, "you cannot disable your own account or change your own role: "
                       "ask another admin");
        rc = STORE_CONFLICT;
        goto out;
    }
    u.password_hash = hashed ? hash : NULL;
    struct store_tx *tx;
    rc = store_write_begin(s, &tx);
    if (rc < 0)
        goto out;
    rc = store_user_update(tx, &u, version, err);
    /* Disabling ends every way in at once (the triggers do it too). */
    if (rc == STORE_OK && u.disabled)
        rc = store_user_revoke_all(tx, u.id);
    if (rc == STORE_OK && (u.disabled || hashed))
        rc = store_session_delete_user(tx, u.id);
    if (rc == STORE_OK && hashed) /* the user is told (docs/notifications.md) */
        rc = notify_account(tx, u.id, "password");
    rc = audit_commit(tx, rc, who, u.disabled && !old.u.disabled ? "disable" : "update", u.id,
                      user_image(a, &old.u, false), user_image(a, &u, hashed), err);
out:
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int users_disable(struct store *s, const struct principal *who, const char *email,
                  struct arena *a, struct error *err)
{
    struct user u;
    int rc = store_user_by_email(store_reader(s), email, a, &u);
    if (rc == STORE_NOT_FOUND)
        error_set(err, "no user with e-mail %s", email);
    if (rc < 0)
        return rc;
    struct errors errs;
    errors_init(&errs, a);
    struct user_change ch = {.has_disabled = true, .disabled = true};
    return users_update(s, who, u.id, 0, &ch, a, &errs, err);
}
