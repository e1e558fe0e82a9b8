/*
 * domain/users: accounts — adding a user, changing one (name, role, organisation,
 * disabled, password), disabling one. The users API (src/http/auth_handlers.c) and the
 * user commands (src/cli/cli.c) are thin callers of these functions: one set of rules
 * (one name limit, in characters), one audit image, one account notice per act.
 */
#ifndef CIVDESK_DOMAIN_USERS_H
#define CIVDESK_DOMAIN_USERS_H

#include "auth/auth.h"
#include "domain/domain.h"
#include "store/access.h"
#include "store/store.h"

/* Outcome codes: enum result (core/result.h), USERS_BUSY among them. */

/*
 * What a caller asks to set. Each has_* says the field was given; the value beside it is
 * then the wish (already of the right type: the caller parsed its JSON or options).
 * Strings are borrowed for the call. password is plain text: the caller wipes it after.
 */
struct user_change {
    bool has_name, has_role, has_org, has_disabled, has_password;
    const char *email;    /* on creation only (required there); NULL otherwise */
    const char *name;     /* NULL: no name */
    const char *role;     /* admin, officer or ngo; anything else is invalid */
    int64_t org_id;       /* 0: none */
    bool disabled;
    const char *password; /* plain text, borrowed */
};

/*
 * Adds a user as `who`: validates ch (e-mail, name of at most LIMIT_TEXT_SHORT
 * characters, role, organisation only and always for ngo users, password strength),
 * hashes the password (bounded: at most a few hashes at once), and in one write
 * transaction inserts the user, writes its audit entry ("create", the user's image) and
 * queues the "created" account notice.
 *
 * errs may already hold the caller's own findings (a field of the wrong JSON type); they
 * count as invalid input too. Returns STORE_OK with *id the new user's; DOMAIN_INVALID
 * with errs naming the fields (email, name, role, organisation_id, password);
 * USERS_BUSY; STORE_CONFLICT (the e-mail is taken) or STORE_BAD_REF (no such
 * organisation) with err; STORE_ERROR (err for the log).
 */
int users_create(struct store *s, const struct principal *who, const struct user_change *ch,
                 struct arena *a, struct errors *errs, struct error *err, int64_t *id);

/*
 * Checks the fields of a new user in ch as users_create will, the password aside: for a
 * caller that asks for the password only once the rest is known to be right (the
 * command line's prompt). DOMAIN_INVALID with errs, or STORE_OK.
 */
int users_check_new(const struct user_change *ch, struct errors *errs);

/*
 * Changes user `id` as `who`, if its stored version is `version` (0: any). The fields
 * not given in ch keep their stored values; the result is validated like a new user
 * (an e-mail in ch is refused: e-mails do not change). A new password is checked and
 * hashed before the writer is taken. Nobody disables themselves or changes their own
 * role (STORE_CONFLICT). In one write transaction: the update; on disabling, every token
 * and session of the user revoked; on a new password, their sessions ended; the audit
 * entry ("disable" when this disables, else "update"; before and after images, the
 * after one marked password_changed); the "password" account notice on a new password.
 *
 * Returns as users_create, plus STORE_NOT_FOUND (no such user, err says so; checked
 * before any field, the caller's findings in errs included) and STORE_VERSION (the user
 * changed since `version`).
 */
int users_update(struct store *s, const struct principal *who, int64_t id, int64_t version,
                 const struct user_change *ch, struct arena *a, struct errors *errs,
                 struct error *err);

/* Disables the user with this e-mail: users_update with disabled = true. */
int users_disable(struct store *s, const struct principal *who, const char *email,
                  struct arena *a, struct error *err);

#endif
