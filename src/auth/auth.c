/* auth: principals, passwords and tokens. */
#include "auth/auth.h"
#include "core/limits.h"

#include <pwquality.h>
#include <sodium.h>
#include <string.h>

static const char *const role_names[] = {
    [ROLE_ANON] = "anonymous", [ROLE_NGO] = "ngo", [ROLE_OFFICER] = "officer",
    [ROLE_ADMIN] = "admin"};

const char *role_name(enum role r)
{
    return (size_t)r < ARRAY_SIZE(role_names) ? role_names[r] : "?";
}

int role_parse(const char *s, enum role *out)
{
    for (size_t i = ROLE_NGO; i < ARRAY_SIZE(role_names); i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum role)i;
            return 0;
        }
    }
    return -1;
}

struct store_actor principal_actor(const struct principal *p)
{
    return (struct store_actor){.user_id = p ? p->user_id : 0,
                                .org_id = p ? p->org_id : 0,
                                .label = p && p->email ? p->email : "anonymous"};
}

int auth_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

/* Argon2id cost: OWASP's 19 MiB / 2 passes floor (ASVS 5.0 V11). */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

int password_check(const char *password, const char *email, struct error *err)
{
    size_t n = strlen(password);
    if (n > LIMIT_PASSWORD_MAX)
        return error_set(err, "the password is longer than %d bytes", LIMIT_PASSWORD_MAX);
    if (!utf8_valid(password, n))
        return error_set(err, "the password is not valid UTF-8 text");
    if (utf8_length(password, n) < LIMIT_PASSWORD_MIN)
        return error_set(err, "the password must have at least %d characters",
                         LIMIT_PASSWORD_MIN);
    pwquality_settings_t *pq = pwquality_default_settings();
    if (!pq)
        return error_set(err, "password checking is unavailable");
    /* No composition rules (NIST 800-63B): only length, dictionary and similarity. */
    pwquality_set_int_value(pq, PWQ_SETTING_MIN_LENGTH, LIMIT_PASSWORD_MIN);
    pwquality_set_int_value(pq, PWQ_SETTING_MIN_CLASS, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_DIG_CREDIT, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_UP_CREDIT, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_LOW_CREDIT, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_OTH_CREDIT, 0);
    void *aux = NULL;
    int score = pwquality_check(pq, password, NULL, email, &aux);
    int rc = 0;
    if (score < 0) {
        char msg[256];
        const char *why = pwquality_strerror(msg, sizeof(msg), score, aux);
        rc = error_set(err, "the password is too weak: %s", why ? why : "rejected");
    }
    pwquality_free_settings(pq);
    return rc;
}

int password_hash(const char *password, char out[128], struct error *err)
{
    if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return error_set(err, "out of memory hashing the password");
    return 0;
}

bool password_verify(const char *hash, const char *password)
{
    return hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void token_new(char text[TOKEN_TEXT_MAX], unsigned char hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    size_t pre = strlen(TOKEN_PREFIX);
    memcpy(text, TOKEN_PREFIX, pre);
    sodium_bin2base64(text + pre, TOKEN_TEXT_MAX - pre, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    crypto_hash_sha256(hash, (const unsigned char *)text, strlen(text));
}

int token_hash(struct str text, unsigned char hash[32])
{
    if (text.n < 10 || text.n >= TOKEN_TEXT_MAX || !str_starts_with(text, TOKEN_PREFIX))
        return -1;
    crypto_hash_sha256(hash, (const unsigned char *)text.p, text.n);
    return 0;
}

int auth_bearer(struct store_conn *c, struct str token, struct arena *a, struct principal *out)
{
    unsigned char hash[32];
    if (token_hash(token, hash) < 0)
        return STORE_NOT_FOUND;
    struct user u;
    int rc = store_token_user(c, hash, a, &u);
    if (rc < 0)
        return rc;
    enum role role;
    if (role_parse(u.role, &role) < 0)
        return STORE_NOT_FOUND;
    *out = (struct principal){.role = role, .user_id = u.id, .org_id = u.org_id,
                              .email = u.email};
    return STORE_OK;
}
