/*
 * Sign-in limits (ASVS V6.3): failed sign-ins are counted per account and per client
 * address in the database, so the limits hold across restarts and threads. A few
 * failures are free; after them each further attempt waits twice as long as the one
 * before (1 s, 2 s, 4 s, ... up to a ceiling), and a hard cap per hour stops the rest.
 * Waiting is never done by sleeping on a server thread: an attempt that comes too early
 * is answered 429 with Retry-After, without checking the password.
 *
 * Slow the attacker, not the owner (issue 16; NIST SP 800-63B 5.2.2, ASVS 6.3): failures
 * are counted per account, per address and per account-and-address pair. The pair's limit
 * slows whoever fails on an account from where they fail; the account-wide limit (which
 * caps guesses spread over many addresses) does not hold back an address the account
 * signed in from successfully in the last KNOWN_DAYS, so guessing at an account cannot
 * lock its owner out of their usual place. The per-address limit holds for everyone.
 *
 * Checking a password costs ~50 ms of CPU and 19 MiB (Argon2id), so at most
 * LIMIT_LOGIN_HASHES run at once; a flood queues briefly and then gets 429, instead of
 * exhausting memory and threads.
 */
#include "auth/auth.h"
#include "core/limits.h"
#include "store/access.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct limit_policy {
    const char *scope;
    int64_t window;    /* seconds the failures are counted over */
    int64_t free;      /* failures in the window before delays begin */
    int64_t max;       /* failures in the window after which all attempts wait it out */
    int64_t max_delay; /* ceiling of the growing delay, seconds */
};

static const struct limit_policy policies[] = {
    /* the account: at most 100 failures an hour (ASVS 6.3.1), delays after 5 */
    {"account", 3600, 5, 100, 900},
    /* the client address: wider, so one office behind NAT is not locked out by a typo,
     * narrow enough that one address cannot spray passwords over many accounts */
    {"address", 3600, 20, 300, 300},
    /* the account from one address: what one attacker's place gets */
    {"pair", 3600, 5, 100, 900},
};

enum { SCOPE_ACCOUNT, SCOPE_ADDRESS, SCOPE_PAIR };

#define KNOWN_DAYS 90 /* a successful sign-in makes its address known for this long */

/* The keys of each scope for one attempt; the pair's is built in buf. */
static void scope_keys(const char *account, const char *address, char *buf, size_t n,
                       const char *keys[ARRAY_SIZE(policies)])
{
    keys[SCOPE_ACCOUNT] = account;
    keys[SCOPE_ADDRESS] = address;
    keys[SCOPE_PAIR] = NULL;
    if (account && *account && address && *address &&
        (size_t)snprintf(buf, n, "%s %s", account, address) < n)
        keys[SCOPE_PAIR] = buf;
}

static const struct limit_policy *policy(const char *scope)
{
    for (size_t i = 0; i < ARRAY_SIZE(policies); i++)
        if (strcmp(policies[i].scope, scope) == 0)
            return &policies[i];
    return NULL;
}

int64_t ratelimit_wait(const char *scope, int64_t count, int64_t first, int64_t last, int64_t now)
{
    const struct limit_policy *p = policy(scope);
    if (!p || count < p->free)
        return 0;
    int64_t until;
    if (count >= p->max) {
        until = first + p->window;
    } else {
        int64_t step = count - p->free; /* 0 for the first delayed attempt */
        int64_t delay = step >= 30 ? p->max_delay : (int64_t)1 << step;
        if (delay > p->max_delay)
            delay = p->max_delay;
        until = last + delay;
    }
    return until > now ? until - now : 0;
}

int ratelimit_check(struct store_conn *c, const char *account, const char *address, int64_t now,
                    int64_t *wait)
{
    *wait = 0;
    char pair[640];
    const char *keys[ARRAY_SIZE(policies)];
    scope_keys(account, address, pair, sizeof(pair), keys);
    bool known = false;
    if (account && *account && address && *address &&
        store_login_known(c, account, address, now - KNOWN_DAYS * 86400, &known) < 0)
        return STORE_ERROR;
    for (size_t i = 0; i < ARRAY_SIZE(policies); i++) {
        if (!keys[i] || !*keys[i] || (i == SCOPE_ACCOUNT && known))
            continue;
        struct failure_stats st;
        if (store_login_failures(c, policies[i].scope, keys[i], now - policies[i].window, &st) < 0)
            return STORE_ERROR;
        int64_t w = ratelimit_wait(policies[i].scope, st.count, st.first, st.last, now);
        if (w > *wait)
            *wait = w;
    }
    return STORE_OK;
}

int ratelimit_fail(struct store_tx *tx, const char *account, const char *address, int64_t now)
{
    char pair[640];
    const char *keys[ARRAY_SIZE(policies)];
    scope_keys(account, address, pair, sizeof(pair), keys);
    int64_t longest = 0;
    for (size_t i = 0; i < ARRAY_SIZE(policies); i++)
        if (policies[i].window > longest)
            longest = policies[i].window;
    for (size_t i = 0; i < ARRAY_SIZE(policies); i++) {
        if (!keys[i] || !*keys[i])
            continue;
        if (store_login_failure_add(tx, policies[i].scope, keys[i], now, now - longest) < 0)
            return STORE_ERROR;
    }
    return STORE_OK;
}

int ratelimit_clear(struct store_tx *tx, const char *account, const char *address, int64_t now)
{
    char pair[640];
    const char *keys[ARRAY_SIZE(policies)];
    scope_keys(account, address, pair, sizeof(pair), keys);
    if (store_login_failures_clear(tx, "account", account) < 0)
        return STORE_ERROR;
    if (!keys[SCOPE_PAIR])
        return STORE_OK;
    if (store_login_failures_clear(tx, "pair", keys[SCOPE_PAIR]) < 0)
        return STORE_ERROR;
    return store_login_known_add(tx, account, address, now, now - KNOWN_DAYS * 86400);
}

/* ---- bounded hashing ------------------------------------------------------------------ */

/* Process-wide by nature: it bounds the whole server's hashing. Initialised once. */
static sem_t hash_slots;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_slots_init(void)
{
    if (sem_init(&hash_slots, 0, LIMIT_LOGIN_HASHES) != 0)
        die("cannot create the sign-in semaphore");
}

bool ratelimit_hash_acquire(void)
{
    pthread_once(&hash_once, hash_slots_init);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += LIMIT_LOGIN_WAIT_MS / 1000;
    deadline.tv_nsec += (long)(LIMIT_LOGIN_WAIT_MS % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc;
    while ((rc = sem_timedwait(&hash_slots, &deadline)) != 0 && errno == EINTR)
        ;
    return rc == 0;
}

void ratelimit_hash_release(void)
{
    sem_post(&hash_slots);
}
