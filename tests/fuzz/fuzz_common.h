/*
 * Shared by the fuzz targets that need a database or a query string: a demo database in
 * a temporary directory (made once per process, removed at exit; on tmpfs if there is one) and a query-string
 * decoder that does what libmicrohttpd does before the handler sees the parameters.
 * Header-only: each target is one .c file (see the Makefile's fuzz rules).
 */
#ifndef CIVDESK_FUZZ_COMMON_H
#define CIVDESK_FUZZ_COMMON_H

#include "domain/domain.h"
#include "http/list_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];
static char fuzz_db[96];
static struct store *fuzz_store_handle;

static void fuzz_cleanup(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", ".login"};
    store_close(fuzz_store_handle);
    fuzz_store_handle = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        char p[128];
        snprintf(p, sizeof(p), "%s%s", fuzz_db, suffix[i]);
        unlink(p);
    }
    rmdir(fuzz_dir);
}

/* The demo database (organisations, people, users, ledger, engagement records), opened
 * once; borrowed by the caller. Dies if it cannot be made. */
static struct store *fuzz_store(void)
{
    if (fuzz_store_handle)
        return fuzz_store_handle;
    /* tmpfs when there is one: commits' fsyncs cost nothing there. */
    snprintf(fuzz_dir, sizeof(fuzz_dir), "/dev/shm/civdesk-fuzz-XXXXXX");
    if (!mkdtemp(fuzz_dir)) {
        snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/civdesk-fuzz-XXXXXX");
        if (!mkdtemp(fuzz_dir))
            die("fuzz: mkdtemp failed");
    }
    snprintf(fuzz_db, sizeof(fuzz_db), "%s/fuzz.db", fuzz_dir);
    atexit(fuzz_cleanup);
    if (auth_init() < 0)
        die("fuzz: libsodium failed");
    struct error err = ERROR_INIT;
    if (store_open(&fuzz_store_handle, fuzz_db, STORE_OPEN_INIT, &err) < 0)
        die("fuzz: %s", err.msg);
    /* demo_populate prints the demo logins: keep them out of the fuzzer's output. */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *null = freopen("/dev/null", "w", stdout);
    int rc = demo_populate(fuzz_store_handle, NULL, &err);
    fflush(stdout);
    if (null && saved >= 0)
        dup2(saved, STDOUT_FILENO);
    if (saved >= 0)
        close(saved);
    if (rc < 0)
        die("fuzz: demo data: %s", err.msg);
    return fuzz_store_handle;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX and '+' in place of [p, p+n) into a NUL-terminated arena copy. A decoded
 * NUL ends the string, as it does for the C strings libmicrohttpd hands over. */
static const char *fuzz_unescape(const char *p, size_t n, struct arena *a)
{
    char *out = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '+') {
            out[k++] = ' ';
        } else if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 &&
                   hexval(p[i + 2]) >= 0) {
            out[k++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            out[k++] = p[i];
        }
    }
    out[k] = '\0';
    return out;
}

/* Splits a query string at '&' into at most max decoded key/value pairs. Returns the
 * count, or max + 1 when there were more (the server answers 400 then). */
static size_t fuzz_query_split(const char *s, size_t n, struct arena *a,
                               struct query_param *out, size_t max)
{
    size_t count = 0;
    while (n) {
        const char *amp = memchr(s, '&', n);
        size_t len = amp ? (size_t)(amp - s) : n;
        if (len) {
            if (count == max)
                return max + 1;
            const char *eq = memchr(s, '=', len);
            size_t kl = eq ? (size_t)(eq - s) : len;
            out[count].key = fuzz_unescape(s, kl, a);
            out[count].value = eq ? fuzz_unescape(eq + 1, len - kl - 1, a) : "";
            count++;
        }
        if (!amp)
            break;
        n -= len + 1;
        s = amp + 1;
    }
    return count;
}

#endif
