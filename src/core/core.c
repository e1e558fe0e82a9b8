/* core: arenas, strings, buffers, errors, UTF-8, numbers, dates, logging. */
#define _GNU_SOURCE
#include "core/core.h"
#include "core/limits.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- errors ------------------------------------------------------------------------- */

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("civdesk: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void core_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "civdesk: BUG at %s:%d: %s\n", file, line, msg);
    abort();
}

int error_set(struct error *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
    }
    return ERROR_FAILED;
}

/* ---- arena -------------------------------------------------------------------------- */

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16
/* The first two blocks are small: a point read needs about 1.1 KiB, and glibc serves
 * allocations up to 1 KiB from its per-thread cache, while one of 8 KiB made it
 * consolidate its fast bins at every request. */
#define ARENA_SMALL (1024 - sizeof(struct arena_block))

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

void arena_init(struct arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    /* Both the rounding and the block header added below must not wrap around. */
    if (need < n || need > SIZE_MAX - sizeof(struct arena_block))
        die("arena: allocation size overflow");
    struct arena_block *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > ARENA_BLOCK / 2 ? need
                     : need <= ARENA_SMALL && a->total + need <= 2 * ARENA_SMALL
                         ? ARENA_SMALL
                         : ARENA_BLOCK;
        assert(cap >= need);
        b = malloc(sizeof(*b) + cap);
        if (!b)
            die("out of memory");
        b->used = 0;
        b->cap = cap;
        /* A big allocation gets its own block behind the head so the head's free space
         * stays usable for the small ones that follow. */
        if (need > ARENA_BLOCK / 2 && a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n ? n : 1);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *p, size_t n)
{
    char *s = arena_alloc(a, n + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *arena_push(struct arena *a, void **v, size_t *n, size_t *cap, size_t sz)
{
    assert(*n <= *cap && (*cap == 0 || *v));
    if (*n == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 16;
        void *grown = arena_alloc(a, grown_cap * sz);
        if (*n)
            memcpy(grown, *v, *n * sz);
        *v = grown;
        *cap = grown_cap;
    }
    void *slot = (char *)*v + (*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        die("arena_printf: bad format");
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---- strings ------------------------------------------------------------------------ */

struct str str_from(const char *s)
{
    return s ? (struct str){s, strlen(s)} : STR_NULL;
}

bool str_eq(struct str a, struct str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool str_eq_cstr(struct str a, const char *s)
{
    return str_eq(a, str_from(s));
}

bool str_starts_with(struct str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

bool str_cut(struct str s, char sep, struct str *head, struct str *rest)
{
    const char *q = s.n ? memchr(s.p, sep, s.n) : NULL;
    if (!q) {
        *head = s;
        *rest = (struct str){s.p ? s.p + s.n : NULL, 0};
        return false;
    }
    *head = (struct str){s.p, (size_t)(q - s.p)};
    *rest = (struct str){q + 1, s.n - head->n - 1};
    return true;
}

/* ---- buffers ------------------------------------------------------------------------ */

void buf_grow(struct buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->n - 1) /* b->n + extra + 1 would wrap around */
        die("buffer size overflow");
    if (b->n + extra + 1 <= b->cap)
        return;
    /* A response body or a log line mostly fits in the first 512 bytes: one malloc
     * instead of a realloc at each doubling from 64. */
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->n + extra + 1) {
        if (cap > SIZE_MAX / 2)
            die("buffer size overflow");
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        die("out of memory");
    b->p = p;
    b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc_grow(struct buf *b, char c)
{
    buf_grow(b, 1);
    b->p[b->n++] = c;
    b->p[b->n] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n < 0)
        die("buf_printf: bad format");
    if ((size_t)n < sizeof(small)) {
        buf_append(b, small, (size_t)n);
    } else {
        buf_grow(b, (size_t)n);
        vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap2);
        b->n += (size_t)n;
    }
    va_end(ap2);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_reset(struct buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void buf_release(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

char *buf_detach(struct buf *b)
{
    if (!b->p)
        buf_grow(b, 0), b->p[0] = '\0';
    char *p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

/* ---- UTF-8 -------------------------------------------------------------------------- */

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            if (c == 0)
                return false;
            p++;
            continue;
        }
        size_t len;
        unsigned min, cp;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, min = 0x80, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, min = 0x800, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, min = 0x10000, cp = c & 0x07;
        else
            return false;
        if ((size_t)(end - p) < len)
            return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += len;
    }
    return true;
}

size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* ---- numbers ------------------------------------------------------------------------ */

size_t fmt_u64(char out[21], uint64_t v)
{
    char tmp[20], *p = tmp + sizeof(tmp);
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}

int parse_i64(struct str s, int64_t min, int64_t max, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.n == 0 || s.n > 20)
        return -1;
    if (s.p[0] == '-') {
        neg = true;
        i = 1;
        if (s.n == 1)
            return -1;
    }
    uint64_t v = 0;
    for (; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    int64_t r;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return -1;
        r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -1;
        r = (int64_t)v;
    }
    if (r < min || r > max)
        return -1;
    *out = r;
    return 0;
}

/* ---- dates and times ---------------------------------------------------------------- */

/* Written once before threads start (tests set it from the environment); read after. */
static _Atomic int64_t clock_offset; /* atomic: the test clock may move while a server runs */

void core_set_clock_offset(int64_t seconds)
{
    clock_offset = seconds;
}

int64_t now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec + clock_offset;
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

void time_rfc3339(int64_t t, char out[21])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    /* Written digit by digit: this runs for every access-log line, where snprintf was a
     * measurable share of a point read. */
    const int parts[6] = {y % 10000, m % 100, d % 100, (int)(secs / 3600) % 100,
                          (int)(secs / 60 % 60), (int)(secs % 60)};
    static const char tmpl[] = "0000-00-00T00:00:00Z";
    static const unsigned char at[6] = {0, 5, 8, 11, 14, 17}; /* where each part starts */
    memcpy(out, tmpl, sizeof(tmpl));
    for (int i = 0; i < 6; i++) {
        int v = parts[i] < 0 ? 0 : parts[i];
        char *p = out + at[i] + (i == 0 ? 4 : 2);
        for (int k = i == 0 ? 4 : 2; k > 0; k--, v /= 10)
            *--p = (char)('0' + v % 10);
    }
}

void date_from_unix(int64_t t, char out[11])
{
    char full[21];
    time_rfc3339(t, full);
    memcpy(out, full, 10);
    out[10] = '\0';
}

static bool digits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

int date_parse(struct str s, int *y, int *m, int *d)
{
    if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-')
        return -1;
    if (!digits(s.p, 4, y) || !digits(s.p + 5, 2, m) || !digits(s.p + 8, 2, d))
        return -1;
    if (*y < 1000 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

bool date_valid(struct str s)
{
    int y, m, d;
    return date_parse(s, &y, &m, &d) == 0;
}

int datetime_parse(struct str s, int64_t *out)
{
    int y, m, d, hh, mm, ss, oh = 0, om = 0, sign = 0;
    if (s.n < 20 || (s.p[10] != 'T' && s.p[10] != 't' && s.p[10] != ' '))
        return -1;
    if (date_parse((struct str){s.p, 10}, &y, &m, &d) < 0)
        return -1;
    const char *t = s.p + 11;
    if (t[2] != ':' || t[5] != ':' || !digits(t, 2, &hh) || !digits(t + 3, 2, &mm) ||
        !digits(t + 6, 2, &ss))
        return -1;
    if (hh > 23 || mm > 59 || ss > 59)
        return -1;
    size_t i = 19;
    if (i < s.n && s.p[i] == '.') { /* fractional seconds are accepted and dropped */
        i++;
        size_t start = i;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
            i++;
        if (i == start || i - start > 9)
            return -1;
    }
    if (i + 1 == s.n && (s.p[i] == 'Z' || s.p[i] == 'z')) {
        sign = 0;
    } else if (i + 6 == s.n && (s.p[i] == '+' || s.p[i] == '-') && s.p[i + 3] == ':') {
        sign = s.p[i] == '+' ? 1 : -1;
        if (!digits(s.p + i + 1, 2, &oh) || !digits(s.p + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
    } else {
        return -1;
    }
    int64_t t0 = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    *out = t0 - sign * (oh * 3600 + om * 60);
    return 0;
}

/* ---- logging ------------------------------------------------------------------------ */

/*
 * Lines given to log_buffered() wait here until the buffer fills, log_flush() is called
 * (the server does each second and at stop) or another message is logged: one write(2)
 * carries many access-log lines, as nginx's "access_log ... buffer=" does. Every line is
 * written whole and in order with the other messages.
 */
static struct {
    pthread_mutex_t lock;
    char p[LIMIT_LOG_BUFFER];
    size_t n;
} logbuf = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(STDERR_FILENO, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return; /* stderr gone: nothing better to do with a log line */
        p += k, n -= (size_t)k;
    }
}

static void flush_locked(void)
{
    write_all(logbuf.p, logbuf.n);
    logbuf.n = 0;
}

void log_buffered(const char *line, size_t n)
{
    pthread_mutex_lock(&logbuf.lock);
    if (logbuf.n + n > sizeof(logbuf.p))
        flush_locked();
    if (n > sizeof(logbuf.p)) {
        write_all(line, n);
    } else {
        memcpy(logbuf.p + logbuf.n, line, n);
        logbuf.n += n;
    }
    pthread_mutex_unlock(&logbuf.lock);
}

void log_flush(void)
{
    pthread_mutex_lock(&logbuf.lock);
    flush_locked();
    pthread_mutex_unlock(&logbuf.lock);
}

void log_msg(const char *level, const char *fmt, ...)
{
    char when[21];
    time_rfc3339(now_unix(), when);
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s %s ", when, level);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_putc(&b, '\n');
    pthread_mutex_lock(&logbuf.lock);
    flush_locked(); /* what was buffered happened first */
    fflush(stderr);
    write_all(b.p, b.n);
    pthread_mutex_unlock(&logbuf.lock);
    buf_release(&b);
}
