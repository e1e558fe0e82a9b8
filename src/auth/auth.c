/* auth: principals, passwords and tokens. */
#include "auth/auth.h"
#include "store/access.h"
#include "core/limits.h"

#include <pwquality.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const role_names[] = {[ROLE_ANON] = "anonymous",
                                         [ROLE_NGO] = "ngo",
                                         [ROLE_OFFICER] = "officer",
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

static const char *const grant_names[] = {[GRANT_UNSET] = "unset",
                                          [GRANT_NONE] = "none",
                                          [GRANT_PUBLIC] = "public",
                                          [GRANT_OWN] = "own",
                                          [GRANT_ALL] = "all"};

const char *grant_name(enum grant g)
{
    return (size_t)g < ARRAY_SIZE(grant_names) ? grant_names[g] : "?";
}

enum grant principal_grant(const struct principal *p)
{
    static const enum grant usual[ROLE_COUNT] = {[ROLE_ANON] = GRANT_PUBLIC,
                                                 [ROLE_NGO] = GRANT_OWN,
                                                 [ROLE_OFFICER] = GRANT_ALL,
                                                 [ROLE_ADMIN] = GRANT_ALL};
    if (!p)
        return GRANT_PUBLIC;
    enum grant role = (size_t)p->role < ROLE_COUNT ? usual[p->role] : GRANT_NONE;
    /* A route's rule narrows a role's reach, never widens it: "all" for an ngo on a
     * statistics route lets it call the route, and its records are still its own. */
    return p->grant != GRANT_UNSET && p->grant < role ? p->grant : role;
}

struct store_actor principal_actor(const struct principal *p)
{
    return (struct store_actor){.user_id = p ? p->user_id : 0,
                                .org_id = p ? p->org_id : 0,
                                .label = p && p->email ? p->email : "anonymous"};
}

/* The test clock's file (CIVDESK_TEST_CLOCK_FILE), captured once at start-up; NULL in
 * normal operation. Read-only after auth_init. */
static const char *test_clock_file;

int auth_init(void)
{
    const char *f = getenv("CIVDESK_TEST_CLOCK_FILE");
    test_clock_file = f && *f ? f : NULL;
    return sodium_init() < 0 ? -1 : 0;
}

void auth_clock_refresh(void)
{
    if (!test_clock_file)
        return;
    FILE *f = fopen(test_clock_file, "r");
    if (!f)
        return;
    char line[32];
    int64_t v;
    if (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n");
        bool frozen = line[0] == '@'; /* "@T": the clock stands at T for each request */
        struct str text = frozen ? (struct str){line + 1, n - 1} : (struct str){line, n};
        if (parse_i64(text, -(1LL << 40), 1LL << 40, &v) == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            core_set_clock_offset(frozen ? v - (int64_t)ts.tv_sec : v);
        }
    }
    fclose(f);
}

/* Argon2id cost: OWASP's 19 MiB / 2 passes floor (ASVS 5.0 V11). */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

/* No composition rules (NIST 800-63B): only length, the dictionary and similarity. */
static pwquality_settings_t *pwq_settings(int min_length)
{
    pwquality_settings_t *pq = pwquality_default_settings();
    if (!pq)
        return NULL;
    pwquality_set_int_value(pq, PWQ_SETTING_MIN_LENGTH, min_length);
    pwquality_set_int_value(pq, PWQ_SETTING_MIN_CLASS, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_DIG_CREDIT, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_UP_CREDIT, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_LOW_CREDIT, 0);
    pwquality_set_int_value(pq, PWQ_SETTING_OTH_CREDIT, 0);
    return pq;
}

/* Digits, punctuation and spaces: ASCII that is not a letter. */
static bool ascii_filler(char c)
{
    return (unsigned char)c < 0x80 && !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/*
 * The word under the decoration: leading and trailing digits, punctuation and spaces cut
 * off, and a repeated unit taken once ("password1234", "Summer2024!", "letmeinletmein").
 * libpwquality checks the whole password against the dictionary; a dictionary word
 * dressed up this way passes that check, so the core is checked as well. Into out
 * (cap bytes); its length.
 */
static size_t password_core(const char *pw, char *out, size_t cap)
{
    size_t n = strlen(pw), b = 0;
    while (b < n && ascii_filler(pw[b]))
        b++;
    while (n > b && ascii_filler(pw[n - 1]))
        n--;
    size_t len = n - b;
    for (size_t unit = 1; unit <= len / 2; unit++) {
        if (len % unit)
            continue;
        bool repeats = true;
        for (size_t i = unit; i < len && repeats; i++)
            repeats = pw[b + i] == pw[b + i % unit];
        if (repeats) {
            len = unit;
            break;
        }
    }
    if (len >= cap)
        len = cap - 1;
    memcpy(out, pw + b, len);
    out[len] = '\0';
    return len;
}

/* cracklib's compiled-in dictionary (Debian's libcrack2), used unless pwquality.conf sets
 * dictpath; the three files cracklib-runtime's update-cracklib writes for it. */
#define CRACKLIB_DEFAULT_DICT "/var/cache/cracklib/cracklib_dict"
static const char *const cracklib_suffixes[] = {".pwd", ".pwi", ".hwm"};

/* A passphrase any working dictionary lets through (the tests' own). */
#define DICTIONARY_PROBE "correct horse battery staple 42"

int password_dictionary_ready(struct error *err)
{
    pwquality_settings_t *pq = pwq_settings(LIMIT_PASSWORD_MIN);
    if (!pq)
        return error_set(err, "password checking is unavailable (libpwquality)");
    const char *path = NULL;
    if (pwquality_get_str_value(pq, PWQ_SETTING_DICT_PATH, &path) != 0 || !path || !*path)
        path = CRACKLIB_DEFAULT_DICT;
    char file[512];
    int rc = 0;
    for (size_t i = 0; i < sizeof(cracklib_suffixes) / sizeof(*cracklib_suffixes) && !rc; i++) {
        struct stat st;
        snprintf(file, sizeof(file), "%s%s", path, cracklib_suffixes[i]);
        if (stat(file, &st) != 0)
            rc = error_set(err,
                           "the password dictionary %s is missing: install Debian's "
                           "cracklib-runtime (apt-get install cracklib-runtime), which builds it",
                           file);
    }
    void *aux = NULL;
    if (!rc && pwquality_check(pq, DICTIONARY_PROBE, NULL, NULL, &aux) == PWQ_ERROR_CRACKLIB_CHECK)
        rc = error_set(err,
                       "the password dictionary %s cannot be loaded: rebuild it with "
                       "update-cracklib (Debian's cracklib-runtime)",
                       path);
    pwquality_free_settings(pq);
    return rc;
}

int password_check(const char *password, const char *email, struct error *err)
{
    size_t n = strlen(password);
    if (n > LIMIT_PASSWORD_MAX)
        return error_set(err, "the password is longer than %d bytes", LIMIT_PASSWORD_MAX);
    if (!utf8_valid(password, n))
        return error_set(err, "the password is not valid UTF-8 text");
    if (utf8_length(password, n) < LIMIT_PASSWORD_MIN)
        return error_set(err, "the password must have at least %d characters", LIMIT_PASSWORD_MIN);
    pwquality_settings_t *pq = pwq_settings(LIMIT_PASSWORD_MIN);
    if (!pq)
        return error_set(err, "password checking is unavailable");
    void *aux = NULL;
    int score = pwquality_check(pq, password, NULL, email, &aux);
    int rc = 0;
    if (score == PWQ_ERROR_CRACKLIB_CHECK && password_dictionary_ready(err) < 0) {
        pwquality_free_settings(pq);
        return -1; /* the server's fault, said as such: not the user's password */
    }
    if (score < 0) {
        char msg[256];
        const char *why = pwquality_strerror(msg, sizeof(msg), score, aux);
        rc = error_set(err, "the password is too weak: %s", why ? why : "rejected");
    }
    pwquality_free_settings(pq);
    char core[LIMIT_PASSWORD_MAX + 1];
    size_t cn = password_core(password, core, sizeof(core));
    if (rc == 0 && cn >= 6 && cn < n && (pq = pwq_settings(6))) {
        aux = NULL;
        if (pwquality_check(pq, core, NULL, NULL, &aux) == PWQ_ERROR_CRACKLIB_CHECK)
            rc = error_set(err, "the password is too weak: it is a dictionary word with "
                                "digits, symbols or repetition added");
        pwquality_free_settings(pq);
    }
    sodium_memzero(core, sizeof(core));
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
