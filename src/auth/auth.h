/*
 * auth: who is calling (the principal), passwords (Argon2id, libpwquality), API tokens
 * (random, shown once, stored as SHA-256), browser sessions (session.c), sign-in limits
 * (ratelimit.c) and the grants: what each role may do on a route, declared on the route's
 * row (src/http/routes.c) and read here and in src/domain/access.c.
 * docs/security.md describes the model.
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
#define ROLE_COUNT 4

/*
 * How far a role reaches on one route: what the route's row (src/http/routes.c) grants
 * it. The row-level code (src/domain/access.c) interprets it against each resource's
 * declaration (owner, public_flag, parent), so the rules stay generic over resources.
 */
enum grant {
    GRANT_UNSET = 0, /* in a principal: no rule applied (CLI, jobs): the role's usual reach */
    GRANT_NONE,      /* refused: 401 for anonymous, 403 for a signed-in user */
    GRANT_PUBLIC,    /* records flagged public, and the sub-records of those */
    GRANT_OWN,       /* reads: the own organisation's records, public ones, reference data;
                        writes: the own organisation's records only */
    GRANT_ALL,       /* every record */
};

struct principal {
    enum role role;
    int64_t user_id;    /* 0 for anonymous */
    int64_t org_id;     /* the NGO's organisation; 0 otherwise */
    const char *email;  /* arena-owned; NULL for anonymous */
    enum grant grant;   /* set from the route's grants by the server; UNSET elsewhere */
    int64_t session_id; /* the browser session it came from; 0 for tokens and anonymous */
    int64_t token_id;   /* the API token it came from; 0 otherwise */
    const char *token_last_used; /* that token's last use before this one (arena); NULL: never */
};

/* The grant in force: the role's usual reach (anonymous: PUBLIC, ngo: OWN, officer and
 * admin: ALL), narrowed by p->grant when a route's rule set one. */
enum grant principal_grant(const struct principal *p);
const char *grant_name(enum grant g);

const char *role_name(enum role r);
int role_parse(const char *s, enum role *out); /* "admin" | "officer" | "ngo" */
struct store_actor principal_actor(const struct principal *p);

#define TOKEN_PREFIX   "cdt_"
#define TOKEN_TEXT_MAX 64

/* Must be called once before threads start. */
int auth_init(void);

/*
 * Whether libpwquality's dictionary (cracklib's, built by Debian's cracklib-runtime) is
 * there and usable. 0 if so; otherwise -1 with a message naming the missing file and the
 * package that provides it — an operator's problem, which without this check would show
 * as every user's password being "too weak". Commands that take passwords or serve them
 * (serve, demo, user add, check) call it before anything else.
 */
int password_dictionary_ready(struct error *err);

/* Refuses weak, common and too-short passwords with a reason a person can act on. A
 * dictionary that cannot be loaded is reported as such, never as a weak password. */
int password_check(const char *password, const char *email, struct error *err);
/* Argon2id hash string (crypto_pwhash_str format) into out[128]. */
int password_hash(const char *password, char out[128], struct error *err);
bool password_verify(const char *hash, const char *password);

/* A new random API token as text (TOKEN_PREFIX + base64url) and its SHA-256. */
void token_new(char text[TOKEN_TEXT_MAX], unsigned char hash[32]);
/* SHA-256 of a presented token; -1 if it does not have a token's shape. */
int token_hash(struct str text, unsigned char hash[32]);

/* ---- bearer tokens (bearer.c) ---------------------------------------------------------- */

/*
 * Tokens already verified against the database, a few per server thread, each valid only
 * while the database's data version is the one it was read under (the rule is in
 * bearer.c and docs/security.md). One per server; its threads share it without locks.
 */
struct token_cache;
struct token_cache *token_cache_new(void); /* dies when out of memory; token_cache_free */
/* Frees tc and the calling thread's entries (other threads' go when the threads end). */
void token_cache_free(struct token_cache *tc);

/* Resolves "Authorization: Bearer ..." (value after the scheme) to a principal, through
 * tc (NULL: straight from the database) on c, the calling thread's reader connection.
 * STORE_NOT_FOUND when the token is unknown, revoked, expired or its user is disabled —
 * exactly as the database says at c's current read transaction, cached or not. */
int auth_bearer(struct token_cache *tc, struct store_conn *c, struct str token, struct arena *a,
                struct principal *out);

/* ---- API tokens (tokens.c; issue 16) ---------------------------------------------------
 * One worker per act, shared by the CLI and the API. Each write is one transaction with
 * its audit entry ("token_create", "token_revoke", "token_policy"). */

/* Issues a token for the enabled user with this e-mail, living `days` (0: the policy's
 * default; more than its maximum is refused). text gets the token, shown once;
 * *expires_at (21 bytes) its expiry. 0, or negative with err set. */
int token_issue(struct store *s, const struct principal *actor, const char *email,
                const char *label, int64_t days, char text[TOKEN_TEXT_MAX], char expires_at[21],
                struct error *err);
/* Revokes token id: the caller's own, or anyone's for an administrator (and the CLI).
 * STORE_NOT_FOUND when there is no such token the caller may revoke. */
int token_revoke(struct store *s, const struct principal *who, int64_t id, struct error *err);
/* Sets the policy for new tokens: 1 <= default_days <= max_days <= 3650. */
int token_policy_set(struct store *s, const struct principal *actor, int64_t default_days,
                     int64_t max_days, struct error *err);
/* Records the use of the token that authenticated p, at most once every few minutes. */
void token_note_use(struct store *s, const struct principal *p);

/*
 * Test clock: when the environment names CIVDESK_TEST_CLOCK_FILE at start-up, each call
 * reads that file: a whole number of seconds becomes the clock offset (see
 * core_set_clock_offset), and "@T" stops the clock at Unix time T as each request begins,
 * so tests can move time while a server runs. Test-only: without the variable this does
 * nothing. The server calls it once per request.
 */
void auth_clock_refresh(void);

/* ---- browser sessions (session.c) ----------------------------------------------------- */

#define SESSION_IDLE_SECONDS     (30 * 60)   /* ends after 30 minutes without a request */
#define SESSION_ABSOLUTE_SECONDS (12 * 3600) /* and 12 hours after sign-in in any case */
#define SESSION_TOUCH_SECONDS    60          /* last use is recorded to the minute */
#define SESSION_TOKEN_TEXT       23          /* 128 random bits as base64url + NUL */
#define CSRF_TOKEN_TEXT          44          /* 256 bits as base64url + NUL */

struct session_new {
    int64_t id;
    char token[SESSION_TOKEN_TEXT]; /* the cookie value: shown once, only its hash is kept */
    char csrf[CSRF_TOKEN_TEXT];     /* the X-CSRF-Token cookie-authenticated writes send */
    int64_t idle_expires_at, expires_at;
};

/* Starts a session for user_id inside the caller's transaction. */
int session_start(struct store_tx *tx, int64_t user_id, const char *client,
                  struct session_new *out);
/*
 * Resolves a session cookie's token to its principal, enforcing the idle and absolute
 * limits (an expired session is removed). Records the use when the last one is more
 * than SESSION_TOUCH_SECONDS old. STORE_NOT_FOUND when unknown, expired, or the user is
 * disabled.
 */
int session_resolve(struct store *s, struct str token, struct arena *a, struct principal *out);
/* Ends a session (sign-out). */
int session_end(struct store *s, const struct principal *who);
/* The CSRF token that belongs to a session token: HMAC-SHA-256 keyed by the token. */
void session_csrf(struct str token, char out[CSRF_TOKEN_TEXT]);
/* Whether `presented` is the session's CSRF token (constant time). */
bool session_csrf_ok(struct str token, const char *presented);

/* ---- signing in (session.c, ratelimit.c) ---------------------------------------------- */

enum login_status {
    LOGIN_OK,      /* signed in: out->session, out->user */
    LOGIN_REFUSED, /* unknown e-mail, wrong password or disabled account: one answer (401) */
    LOGIN_LIMITED, /* too many failures for the account or the address: 429, retry_after */
    LOGIN_BUSY,    /* too many sign-ins being checked at once: 429, retry_after */
    LOGIN_ERROR,   /* the database failed: 503 */
};

struct login_result {
    enum login_status status;
    int64_t retry_after;        /* seconds, for LIMITED and BUSY */
    struct user user;           /* LOGIN_OK: the account (arena-owned, no password hash) */
    struct session_new session; /* LOGIN_OK */
};

/*
 * Checks the rate limits, then the password (at most LIMIT_LOGIN_HASHES at once), and
 * on success starts a session. Every outcome but BUSY and LIMITED is written to the audit
 * trail (login, login_failed), never with the password. email and client are borrowed.
 */
void auth_login(struct store *s, const char *email, const char *password, const char *client,
                struct arena *a, struct login_result *out);

/* The sign-in limits, as a pure function for tests: seconds until the next attempt is
 * allowed given `count` failures in the window, the oldest at `first`, the newest at
 * `last`. scope: "account", "address" or "pair" (the account from one address). */
int64_t ratelimit_wait(const char *scope, int64_t count, int64_t first, int64_t last, int64_t now);
/* Seconds until a sign-in for this account from this address may be tried (0: now): the
 * longest wait of the address, the account-and-address pair and — unless the account
 * signed in from this address successfully in the last 90 days — the account. */
int ratelimit_check(struct store_conn *c, const char *account, const char *address, int64_t now,
                    int64_t *wait);
/* Counts a failure against the account, the address and the pair. */
int ratelimit_fail(struct store_tx *tx, const char *account, const char *address, int64_t now);
/* A success forgets the account's failures and the pair's, and makes the address known
 * for the account. */
int ratelimit_clear(struct store_tx *tx, const char *account, const char *address, int64_t now);
/* The semaphore that bounds concurrent password hashing: false if no slot came free
 * within LIMIT_LOGIN_WAIT_MS. */
bool ratelimit_hash_acquire(void);
void ratelimit_hash_release(void);

#endif
