/*
 * The ministry's own settings (issue 14 item 11): one record, read, patched by an
 * administrator with its audit entry, and written as JSON.
 */
#include "domain/ledger.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/access.h"
#include "domain/ledger_int.h"
#include "store/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settings (issue 14 item 11) ----------------------------------------------------- */

/* The settings an administrator may change: name, and a check that returns NULL when the
 * value is acceptable or the message why not. One row per setting. */
static const char *check_country(const json_t *v)
{
    if (json_is_null(v))
        return NULL;
    if (!json_is_string(v) || !valid_country(str_from(json_string_value(v))))
        return "must be an ISO 3166-1 alpha-2 country code in capitals, such as RU, or null";
    return NULL;
}

static const struct setting {
    const char *name;
    const char *(*check)(const json_t *v);
} settings_table[] = {
    {"national_country", check_country},
};

int ledger_settings_get(struct store_conn *c, struct ledger_settings *out)
{
    struct store_settings row;
    int rc = store_settings_get(c, &row);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    snprintf(out->national_country, sizeof(out->national_country), "%s", row.national_country);
    snprintf(out->created_at, sizeof(out->created_at), "%s", row.created_at);
    snprintf(out->updated_at, sizeof(out->updated_at), "%s", row.updated_at);
    out->version = row.version;
    return STORE_OK;
}

static void settings_audit_json(const struct ledger_settings *st, struct buf *out)
{
    json_t *o =
        json_pack("{s:o}", "national_country",
                  st->national_country[0] ? json_string(st->national_country) : json_null());
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    buf_printf(out, "%s", text ? text : "{}");
    free(text);
    json_decref(o);
}

int ledger_settings_update(struct store *s, const struct principal *who, const json_t *patch,
                           int64_t if_match, struct errors *errs, struct error *msg,
                           struct ledger_settings *out)
{
    if (!who || who->role != ROLE_ADMIN)
        return error_set(msg, "only administrators may change the settings"), DOMAIN_FORBIDDEN;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)patch, key, v)
    {
        const struct setting *st = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(settings_table) && !st; i++)
            if (strcmp(settings_table[i].name, key) == 0)
                st = &settings_table[i];
        const char *why = st ? st->check(v) : "is not a setting; there is national_country";
        if (why)
            errors_add(errs, key, "%s", why);
    }
    if (errs->n)
        return DOMAIN_INVALID;
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    struct ledger_settings before;
    int rc = ledger_settings_get(store_tx_conn(tx), &before);
    if (rc < 0) {
        error_set(msg, "the settings could not be read");
        goto done;
    }
    if (if_match && before.version != if_match) {
        error_set(msg,
                  "the settings were changed by someone else (you had version %lld, they are now "
                  "%lld): reload them",
                  (long long)if_match, (long long)before.version);
        rc = STORE_VERSION;
        goto done;
    }
    struct ledger_settings after = before;
    json_t *cc = json_object_get(patch, "national_country");
    if (cc)
        snprintf(after.national_country, sizeof(after.national_country), "%s",
                 json_is_string(cc) ? json_string_value(cc) : "");
    if ((rc = store_settings_put(tx, after.national_country[0] ? after.national_country : NULL,
                                 msg)) < 0)
        goto done;
    struct buf b = BUF_INIT, a = BUF_INIT;
    settings_audit_json(&before, &b);
    settings_audit_json(&after, &a);
    struct store_actor actor = principal_actor(who);
    rc = store_audit(tx, &actor, "update", "settings", LEDGER_SETTINGS_ID, b.p, a.p);
    buf_release(&b);
    buf_release(&a);
    if (rc < 0) {
        error_set(msg, "could not write the audit entry");
        goto done;
    }
    rc = ledger_settings_get(store_tx_conn(tx), out);
done:
    return domain_end_tx(tx, rc, msg);
}

void ledger_settings_json(const struct ledger_settings *st, struct jw *w)
{
    jw_obj(w);
    jw_kstr(w, "national_country", st->national_country[0] ? st->national_country : NULL);
    jw_kint(w, "version", st->version);
    jw_kstr(w, "created_at", st->created_at);
    jw_kstr(w, "updated_at", st->updated_at);
    jw_obj_end(w);
}

int ledger_national_country(struct store_conn *c, struct arena *a, char out[3])
{
    out[0] = '\0';
    struct ledger_settings st;
    int rc = ledger_settings_get(c, &st);
    if (rc < 0)
        return rc;
    memcpy(out, st.national_country, 3);
    return STORE_OK;
}
