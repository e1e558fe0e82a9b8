/*
 * Unit tests of bearer tokens through the token cache (src/auth/bearer.c): whatever was
 * cached, a token is accepted or refused exactly as the database says at that moment —
 * revoked, expired, its user disabled or given another role, by this store's writer or by
 * another connection to the same file (another server, a command).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "store/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct arena a;
    struct token_cache *tc;
    int64_t uid, tid;
    char tok[TOKEN_TEXT_MAX];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-bearer-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    struct error err = ERROR_INIT;
    if (store_open(&f->s, f->path, STORE_OPEN_INIT, &err) < 0) {
        print_error("store_open: %s\n", err.msg);
        return -1;
    }
    arena_init(&f->a);
    f->tc = token_cache_new();
    struct store_tx *tx;
    struct user u = {.email = "t@x.org", .role = "officer", .password_hash = "x"};
    unsigned char th[32];
    token_new(f->tok, th);
    if (store_write_begin(f->s, &tx) < 0 || store_user_insert(tx, &u, &f->uid, &err) < 0 ||
        store_token_create(tx, f->uid, th, "t", "2100-01-01T00:00:00Z", &f->tid) < 0 ||
        store_write_commit(tx, &err) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    token_cache_free(f->tc);
    store_close(f->s);
    arena_release(&f->a);
    unlink(f->path);
    char side[160];
    snprintf(side, sizeof(side), "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    unlink(side);
    rmdir(f->dir);
    core_set_clock_offset(0);
    free(f);
    return 0;
}

/* The token through the cache; also checks that the uncached lookup says the same. */
static int bearer(struct fx *f, const char *tok, struct principal *p)
{
    struct principal direct;
    int rc = auth_bearer(f->tc, store_reader(f->s), str_from(tok), &f->a, p);
    int want = auth_bearer(NULL, store_reader(f->s), str_from(tok), &f->a, &direct);
    assert_int_equal(rc, want);
    if (rc == STORE_OK) {
        assert_int_equal(p->role, direct.role);
        assert_int_equal(p->user_id, direct.user_id);
        assert_int_equal(p->org_id, direct.org_id);
        assert_int_equal(p->token_id, direct.token_id);
        assert_string_equal(p->email, direct.email);
    }
    return rc;
}

static void test_a_cached_token_gives_the_principal_the_database_gives(void **state)
{
    struct fx *f = *state;
    struct principal p;
    for (int i = 0; i < 3; i++) { /* the first fills the cache, the others are answered by it */
        assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
        assert_int_equal(p.role, ROLE_OFFICER);
        assert_int_equal(p.user_id, f->uid);
        assert_int_equal(p.token_id, f->tid);
        assert_string_equal(p.email, "t@x.org");
        assert_null(p.token_last_used);
    }
    char other[TOKEN_TEXT_MAX];
    unsigned char th[32];
    token_new(other, th); /* never stored */
    assert_int_equal(bearer(f, other, &p), STORE_NOT_FOUND);
    assert_int_equal(bearer(f, "cdt_short", &p), STORE_NOT_FOUND);
}

static void test_a_revoked_token_is_refused_at_once(void **state)
{
    struct fx *f = *state;
    struct principal p;
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    assert_int_equal(store_write_begin(f->s, &tx), 0);
    assert_int_equal(store_token_delete(tx, f->tid, 0), 0);
    assert_int_equal(store_write_commit(tx, &err), 0);
    assert_int_equal(bearer(f, f->tok, &p), STORE_NOT_FOUND);
}

static void test_disabling_the_user_is_seen_at_once(void **state)
{
    struct fx *f = *state;
    struct principal p;
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    /* A change that leaves the token valid: still served, with what the database has. */
    struct user u = {.id = f->uid, .email = "t@x.org", .name = "T", .role = "officer"};
    assert_int_equal(store_write_begin(f->s, &tx), 0);
    assert_int_equal(store_user_update(tx, &u, 0, &err), 0);
    assert_int_equal(store_write_commit(tx, &err), 0);
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    assert_int_equal(store_write_begin(f->s, &tx), 0);
    assert_int_equal(store_user_set_disabled(tx, f->uid, true), 0);
    assert_int_equal(store_write_commit(tx, &err), 0);
    assert_int_equal(bearer(f, f->tok, &p), STORE_NOT_FOUND);
}

static void test_a_role_or_password_change_ends_the_token_at_once(void **state)
{
    struct fx *f = *state;
    struct principal p;
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    struct user u = {.id = f->uid, .email = "t@x.org", .role = "admin"};
    assert_int_equal(store_write_begin(f->s, &tx), 0);
    assert_int_equal(store_user_update(tx, &u, 0, &err), 0);
    assert_int_equal(store_write_commit(tx, &err), 0);
    assert_int_equal(bearer(f, f->tok, &p), STORE_NOT_FOUND); /* the trigger revoked it */
}

static void test_an_expired_token_is_refused_though_nothing_was_written(void **state)
{
    struct fx *f = *state;
    struct store_tx *tx;
    struct error err = ERROR_INIT;
    char tok[TOKEN_TEXT_MAX], at[21];
    unsigned char th[32];
    int64_t tid;
    token_new(tok, th);
    time_rfc3339(now_unix() + 60, at);
    assert_int_equal(store_write_begin(f->s, &tx), 0);
    assert_int_equal(store_token_create(tx, f->uid, th, "soon", at, &tid), 0);
    assert_int_equal(store_write_commit(tx, &err), 0);
    struct principal p;
    assert_int_equal(bearer(f, tok, &p), STORE_OK);
    assert_int_equal(bearer(f, tok, &p), STORE_OK);
    core_set_clock_offset(59);
    assert_int_equal(bearer(f, tok, &p), STORE_OK);
    core_set_clock_offset(61);
    assert_int_equal(bearer(f, tok, &p), STORE_NOT_FOUND);
    core_set_clock_offset(0);
}

static void test_a_revocation_by_another_connection_is_seen_by_the_next_transaction(void **state)
{
    struct fx *f = *state;
    struct principal p;
    struct store_conn *c = store_reader(f->s);
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    /* Another server or a command, with its own connections to the same file. */
    struct store *other;
    struct error err = ERROR_INIT;
    assert_int_equal(store_open(&other, f->path, STORE_OPEN_USE, &err), 0);
    store_read_begin(c); /* a request's read transaction, begun before the revocation */
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    struct store_tx *tx;
    assert_int_equal(store_write_begin(other, &tx), 0);
    assert_int_equal(store_token_delete(tx, f->tid, 0), 0);
    assert_int_equal(store_write_commit(tx, &err), 0);
    /* Its snapshot is from before: the database itself still says yes there. */
    assert_int_equal(bearer(f, f->tok, &p), STORE_OK);
    store_read_end(c);
    /* The next request's transaction sees the revocation, cache or not. */
    store_read_begin(c);
    assert_int_equal(bearer(f, f->tok, &p), STORE_NOT_FOUND);
    store_read_end(c);
    assert_int_equal(bearer(f, f->tok, &p), STORE_NOT_FOUND);
    store_close(other);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_a_cached_token_gives_the_principal_the_database_gives),
        T(test_a_revoked_token_is_refused_at_once),
        T(test_disabling_the_user_is_seen_at_once),
        T(test_a_role_or_password_change_ends_the_token_at_once),
        T(test_an_expired_token_is_refused_though_nothing_was_written),
        T(test_a_revocation_by_another_connection_is_seen_by_the_next_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
