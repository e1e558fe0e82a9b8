/*
 * auth: who is calling (the principal), passwords (Argon2id, libpwquality) and API tokens
 * (random, shown once, stored as SHA-256).
 */
#ifndef CIVDESK_AUTH_H
#define CIVDESK_AUTH_H

#include "core/core.h"
#include "store/store.h"

enum role {
    ROLE_ANON = 0, /* not signed in */
    ROLE_NGO,      /* an NGO representative, bound to one organisation */
    ROLE_OFFICER,  /* ministry desk officer */
    ROLE_ADMIN,    /* officer + users, audit verification */
};

struct principal {
    enum role role;
    int64_t user_id;   /* 0 for anonymous */
    int64_t org_id;    /* the NGO's organisation; 0 otherwise */
    const char *email; /* arena-owned; NULL for anonymous */
};

const char *role_name(enum role r);
int role_parse(const char *s, enum role *out); /* "admin" | "officer" | "ngo" */
struct store_actor principal_actor(const struct principal *p);

#define TOKEN_PREFIX "cdt_"
#define TOKEN_TEXT_MAX 64

/* Must be called once before threads start. */
int auth_init(void);

/* Refuses weak, common and too-short passwords with a reason a person can act on. */
int password_check(const char *password, const char *email, struct error *err);
/* Argon2id hash string (crypto_pwhash_str format) into out[128]. */
int password_hash(const char *password, char out[128], struct error *err);
bool password_verify(const char *hash, const char *password);

/* A new random API token as text (TOKEN_PREFIX + base64url) and its SHA-256. */
void token_new(char text[TOKEN_TEXT_MAX], unsigned char hash[32]);
/* SHA-256 of a presented token; -1 if it does not have a token's shape. */
int token_hash(struct str text, unsigned char hash[32]);

/* Resolves "Authorization: Bearer ..." (value after the scheme) to a principal.
 * STORE_NOT_FOUND when the token is unknown or its user is disabled. */
int auth_bearer(struct store_conn *c, struct str token, struct arena *a, struct principal *out);

#endif
