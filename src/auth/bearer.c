/*
 * Bearer tokens: resolving "Authorization: Bearer …" to a principal, through a small cache
 * of tokens already verified against the database.
 *
 * The rule that keeps the cache exact (docs/security.md, "Bearer tokens"): an entry answers
 * a request only when the database's data version (store_data_version), read on the same
 * connection in that request's own read transaction, is the one under which the entry was
 * read from the database. Any commit anywhere — this server, another server on the same
 * database, `civdesk token revoke` or `civdesk user disable` in another process — changes
 * it, so a revoked token, a disabled user, a new role or a password change is seen by the
 * very next request, as by the uncached lookup. The expiry is kept in the entry and
 * compared with the clock on every use, as the lookup's SELECT compares it.
 */
#include "auth/auth.h"
#include "store/access.h"
#include "core/limits.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_CACHE_SLOTS 64 /* per server thread; a token's slot is fixed by its hash */

/* One verified token. The token's text is never kept: only a keyed hash of it. */
struct token_entry {
    unsigned char mac[crypto_shorthash_siphashx24_BYTES]; /* SipHash of the text, tc's key */
    bool used;
    const struct store_conn *conn; /* whose data version `version` is */
    int64_t version;
    int64_t token_id, user_id, org_id;
    enum role role;
    char expires_at[24];   /* RFC 3339; "" when it never expires */
    char last_used_at[24]; /* RFC 3339; "" when never used */
    char email[LIMIT_EMAIL + 1];
};

struct token_cache {
    unsigned char key[crypto_shorthash_siphashx24_KEYBYTES]; /* random, this process's */
    pthread_key_t slots; /* per thread: struct token_entry[TOKEN_CACHE_SLOTS], owned */
};

static void slots_free(void *p)
{
    if (p)
        sodium_memzero(p, TOKEN_CACHE_SLOTS * sizeof(struct token_entry));
    free(p);
}

struct token_cache *token_cache_new(void)
{
    struct token_cache *tc = calloc(1, sizeof(*tc));
    if (!tc || pthread_key_create(&tc->slots, slots_free) != 0)
        die("out of memory");
    randombytes_buf(tc->key, sizeof(tc->key));
    return tc;
}

void token_cache_free(struct token_cache *tc)
{
    if (!tc)
        return;
    slots_free(pthread_getspecific(tc->slots)); /* the calling thread's; the others' went
                                                   with their threads */
    pthread_setspecific(tc->slots, NULL);
    pthread_key_delete(tc->slots);
    sodium_memzero(tc->key, sizeof(tc->key));
    free(tc);
}

/* The calling thread's slot for a token of this hash; NULL when out of memory. */
static struct token_entry *slot_of(struct token_cache *tc, const unsigned char *mac)
{
    struct token_entry *t = pthread_getspecific(tc->slots);
    if (!t) {
        t = calloc(TOKEN_CACHE_SLOTS, sizeof(*t));
        if (!t || pthread_setspecific(tc->slots, t) != 0) {
            free(t);
            return NULL;
        }
    }
    return &t[mac[0] % TOKEN_CACHE_SLOTS];
}

static bool copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return false;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return true;
}

/* Remembers a token just verified under data version `version` of c. */
static void remember(struct token_entry *e, const unsigned char *mac, const struct store_conn *c,
                     int64_t version, const struct token_use *t, enum role role)
{
    e->used = false;
    if (!copy_text(e->expires_at, sizeof(e->expires_at), t->expires_at) ||
        !copy_text(e->last_used_at, sizeof(e->last_used_at), t->last_used_at) ||
        !copy_text(e->email, sizeof(e->email), t->email))
        return; /* not of the shape stored: left to the database each time */
    memcpy(e->mac, mac, sizeof(e->mac));
    e->conn = c;
    e->version = version;
    e->token_id = t->token_id;
    e->user_id = t->user_id;
    e->org_id = t->org_id;
    e->role = role;
    e->used = true;
}

/* Whether e answers for this token now: the same token, the same connection and data
 * version, not expired (the lookup's own test: expires_at > now, as text). */
static bool fresh(const struct token_entry *e, const unsigned char *mac, const struct store_conn *c,
                  int64_t version, const char *now)
{
    return e->used && e->conn == c && e->version == version &&
           sodium_memcmp(e->mac, mac, sizeof(e->mac)) == 0 &&
           (!e->expires_at[0] || strcmp(e->expires_at, now) > 0);
}

int auth_bearer(struct token_cache *tc, struct store_conn *c, struct str token, struct arena *a,
                struct principal *out)
{
    if (token.n < 10 || token.n >= TOKEN_TEXT_MAX || !str_starts_with(token, TOKEN_PREFIX))
        return STORE_NOT_FOUND;
    char now[21];
    time_rfc3339(now_unix(), now);
    /* The version first, then the lookup: a commit between the two can only make the
     * entry older than the data it holds (a miss next time), never the other way. */
    unsigned char mac[crypto_shorthash_siphashx24_BYTES];
    struct token_entry *e = NULL;
    int64_t version = 0;
    if (tc && store_data_version(c, &version) == STORE_OK) {
        crypto_shorthash_siphashx24(mac, (const unsigned char *)token.p, token.n, tc->key);
        e = slot_of(tc, mac);
    }
    if (e && fresh(e, mac, c, version, now)) {
        *out = (struct principal){.role = e->role,
                                  .user_id = e->user_id,
                                  .org_id = e->org_id,
                                  .email = arena_strdup(a, e->email),
                                  .token_id = e->token_id,
                                  .token_last_used =
                                      e->last_used_at[0] ? arena_strdup(a, e->last_used_at) : NULL};
        return STORE_OK;
    }
    unsigned char hash[32];
    if (token_hash(token, hash) < 0)
        return STORE_NOT_FOUND;
    struct token_use t;
    int rc = store_token_find(c, hash, now, a, &t);
    if (rc < 0) {
        if (e && e->used && sodium_memcmp(e->mac, mac, sizeof(e->mac)) == 0)
            e->used = false; /* revoked, expired or its user disabled: forgotten */
        return rc;
    }
    enum role role;
    if (role_parse(t.role, &role) < 0)
        return STORE_NOT_FOUND;
    if (e)
        remember(e, mac, c, version, &t, role);
    *out = (struct principal){.role = role,
                              .user_id = t.user_id,
                              .org_id = t.org_id,
                              .email = t.email,
                              .token_id = t.token_id,
                              .token_last_used = t.last_used_at};
    return STORE_OK;
}
