/*
 * What belongs to one user: the preferences per kind of notice (and the mode they give),
 * marking a notification read, and the key of their calendar subscription.
 */
#define _GNU_SOURCE
#include "domain/notify.h"
#include "domain/notify_int.h"
#include "domain/domain.h"

#include <assert.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- preferences -------------------------------------------------------------------- */

static const struct notify_kind *kind_find(const char *name)
{
    for (size_t i = 0; i < notify_kinds_count; i++)
        if (!strcmp(notify_kinds[i].name, name))
            return &notify_kinds[i];
    return NULL;
}

const char *notify_mode(const struct notify_user *u, const char *kind)
{
    const struct notify_kind *k = kind_find(kind);
    if (k && k->mandatory)
        return "immediate";
    const char *mode = NULL;
    json_t *obj = u->kinds ? json_loads(u->kinds, 0, NULL) : NULL;
    json_t *v = obj ? json_object_get(obj, kind) : NULL;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        mode = !strcmp(s, "immediate") ? "immediate"
               : !strcmp(s, "digest")  ? "digest"
               : !strcmp(s, "off")     ? "off"
                                       : NULL;
    }
    json_decref(obj);
    if (mode)
        return mode;
    /* Officers hear of every organisation's deadlines: a daily digest unless they ask. */
    return k && k->reminder && u->role && !strcmp(u->role, "officer") ? "digest" : "immediate";
}

/* ---- the caller's own --------------------------------------------------------------- */

int notify_mark_read(struct store *s, const struct principal *who, int64_t id, struct arena *a,
                     struct notification_row *out)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_notification_read(tx, who->user_id, id, a, out);
    struct error err = ERROR_INIT;
    return domain_end_tx(tx, rc, &err);
}

/* ---- preferences -------------------------------------------------------------------- */

int notify_prefs_get(struct store *s, const struct principal *who, struct arena *a,
                     struct notify_user *out)
{
    struct store_conn *c = store_reader(s);
    int rc = store_read_begin(c);
    if (rc == 0) {
        rc = store_notify_user(c, who->user_id, a, out);
        store_read_end(c);
    }
    return rc;
}

static const char *const modes[] = {"immediate", "digest", "off", NULL};

int notify_prefs_update(struct store *s, const struct principal *who, json_t *patch,
                        struct arena *a, struct errors *errs, struct notify_user *out)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    struct notify_user old;
    rc = store_notify_user(store_tx_conn(tx), who->user_id, a, &old);
    if (rc < 0)
        goto done;
    const char *lang = old.lang;
    json_t *kinds = json_loads(old.kinds ? old.kinds : "{}", 0, NULL);
    if (!json_is_object(kinds)) {
        json_decref(kinds);
        kinds = json_object();
    }
    const char *key;
    json_t *v;
    json_object_foreach(patch, key, v)
    {
        if (!strcmp(key, "language")) {
            if (json_is_string(v) &&
                (!strcmp(json_string_value(v), "ru") || !strcmp(json_string_value(v), "en")))
                lang = arena_strdup(a, json_string_value(v));
            else
                errors_add(errs, "language", "must be ru or en");
        } else if (!strcmp(key, "kinds")) {
            if (!json_is_object(v)) {
                errors_add(errs, "kinds", "must be an object of kind: immediate, digest or off");
                continue;
            }
            const char *kn;
            json_t *mv;
            json_object_foreach(v, kn, mv)
            {
                const struct notify_kind *k = kind_find(kn);
                const char *field = arena_printf(a, "kinds.%s", kn);
                bool known_mode = false;
                for (const char *const *m = modes; *m && json_is_string(mv); m++)
                    known_mode |= !strcmp(*m, json_string_value(mv));
                if (!k)
                    errors_add(errs, field, "is not a kind of notification");
                else if (!known_mode && !json_is_null(mv))
                    errors_add(errs, field, "must be immediate, digest or off");
                else if (k->mandatory &&
                         !(json_is_string(mv) && !strcmp(json_string_value(mv), "immediate")))
                    errors_add(errs, field, "account notices cannot be turned off or delayed");
                else if (json_is_null(mv))
                    json_object_del(kinds, kn); /* back to the default */
                else
                    json_object_set(kinds, kn, mv);
            }
        } else if (!strcmp(key, "calendar_url") || !strcmp(key, "calendar")) {
            errors_add(errs, key, "is changed with POST or DELETE /api/v1/me/calendar");
        } else {
            errors_add(errs, key, "is not a preference (language, kinds)");
        }
    }
    char *kinds_text = json_dumps(kinds, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(kinds);
    if (errs->n) {
        free(kinds_text);
        rc = DOMAIN_INVALID;
        goto done;
    }
    rc = store_prefs_put(tx, who->user_id, lang, kinds_text);
    if (rc == 0) {
        struct store_actor actor = principal_actor(who);
        char *after = arena_printf(a, "{\"language\":\"%s\",\"kinds\":%s}", lang, kinds_text);
        rc = store_audit(tx, &actor, "preferences", "users", who->user_id, NULL, after);
    }
    free(kinds_text);
done:;
    struct error err = ERROR_INIT;
    rc = domain_end_tx(tx, rc, &err);
    if (rc == 0)
        rc = notify_prefs_get(s, who, a, out);
    return rc;
}

/* ---- calendar subscription ---------------------------------------------------------- */

static int ics_set(struct store *s, const struct principal *who, const unsigned char *hash,
                   const char *action)
{
    struct store_tx *tx;
    int rc = store_write_begin(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_prefs_set_ics(tx, who->user_id, hash);
    if (rc == 0) {
        struct store_actor actor = principal_actor(who);
        rc = store_audit(tx, &actor, action, "users", who->user_id, NULL, NULL);
    }
    struct error err = ERROR_INIT;
    if (rc == 0)
        return store_write_commit(tx, &err);
    store_write_rollback(tx);
    return rc;
}

int notify_ics_create(struct store *s, const struct principal *who, char key[NOTIFY_ICS_KEY_MAX])
{
    unsigned char rnd[32], hash[32];
    randombytes_buf(rnd, sizeof(rnd));
    memcpy(key, NOTIFY_ICS_KEY_PREFIX, strlen(NOTIFY_ICS_KEY_PREFIX));
    sodium_bin2hex(key + strlen(NOTIFY_ICS_KEY_PREFIX),
                   NOTIFY_ICS_KEY_MAX - strlen(NOTIFY_ICS_KEY_PREFIX), rnd, sizeof(rnd));
    sodium_memzero(rnd, sizeof(rnd));
    crypto_hash_sha256(hash, (const unsigned char *)key, strlen(key));
    return ics_set(s, who, hash, "calendar_key_create");
}

int notify_ics_revoke(struct store *s, const struct principal *who)
{
    return ics_set(s, who, NULL, "calendar_key_revoke");
}

int notify_ics_principal(struct store_conn *c, const char *key, struct arena *a,
                         struct principal *out)
{
    assert(store_in_transaction(c)); /* the caller's read */
    size_t n = key ? strlen(key) : 0, pn = strlen(NOTIFY_ICS_KEY_PREFIX);
    if (n != pn + 64 || strncmp(key, NOTIFY_ICS_KEY_PREFIX, pn) != 0)
        return STORE_NOT_FOUND;
    unsigned char hash[32];
    crypto_hash_sha256(hash, (const unsigned char *)key, n);
    struct user u;
    int rc = store_prefs_ics_user(c, hash, a, &u);
    if (rc < 0)
        return rc;
    enum role role;
    if (role_parse(u.role, &role) < 0)
        return STORE_NOT_FOUND;
    *out = (struct principal){.role = role, .user_id = u.id, .org_id = u.org_id, .email = u.email};
    return STORE_OK;
}
