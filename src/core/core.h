/*
 * core: the few building blocks everything else uses — request arenas, length-carrying
 * strings, growable buffers, errors, UTF-8, numbers, dates and times, logging.
 *
 * Nothing here knows HTTP, SQL or the domain.
 */
#ifndef CIVDESK_CORE_H
#define CIVDESK_CORE_H

#include "core/result.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUG(msg)      core_bug(__FILE__, __LINE__, msg)

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ---- errors ------------------------------------------------------------------------- */

/* Print "civdesk: <message>" to stderr and exit(1). For start-up failures only. */
_Noreturn void die(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* A broken invariant: print where and abort. */
_Noreturn void core_bug(const char *file, int line, const char *msg);

/*
 * A caller-owned error message. Functions that can fail for reasons a user should read
 * take a `struct error *` and return error_set(e, ...) which fills it and returns
 * ERROR_FAILED — or `return error_set(e, ...), STORE_NOT_FOUND;` to say which failure.
 */
struct error {
    char msg[512];
};
#define ERROR_INIT                                                                                 \
    {                                                                                              \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }
int error_set(struct error *e, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* ---- arena -------------------------------------------------------------------------- */

/*
 * A region allocator: many allocations, one release. Each request owns one; nothing
 * allocated from it is freed by hand. Allocation never fails (it dies on OOM, which a
 * server with bounded inputs only meets when the machine is already lost).
 */
struct arena_block;
struct arena {
    struct arena_block *head; /* newest block first */
    size_t total;             /* bytes handed out, for limits and metrics */
};
#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

void arena_init(struct arena *a);
/* Memory aligned for any type, uninitialised; valid until arena_release. */
void *arena_alloc(struct arena *a, size_t n);
/* Adds one element of size sz to the arena array *v (*n elements, room for *cap) and
 * returns it, zeroed: when full, the array moves to a new block of a with twice the room
 * (16 at first). The old block stays in the arena until it is released. */
void *arena_push(struct arena *a, void **v, size_t *n, size_t *cap, size_t sz);
/* Same, zero-filled. */
void *arena_zalloc(struct arena *a, size_t n);
/* A NUL-terminated copy of p[0..n). */
char *arena_strndup(struct arena *a, const char *p, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* arena_printf with the arguments as a va_list (left to the caller to end). */
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
/* Frees every block; the arena is empty and reusable afterwards. */
void arena_release(struct arena *a);

/* ---- strings ------------------------------------------------------------------------ */

/* A borrowed view of bytes; not necessarily NUL-terminated. */
struct str {
    const char *p;
    size_t n;
};
#define STR(lit) ((struct str){(lit), sizeof(lit) - 1})
#define STR_NULL ((struct str){NULL, 0})

struct str str_from(const char *s); /* s may be NULL: gives STR_NULL */
bool str_eq(struct str a, struct str b);
bool str_eq_cstr(struct str a, const char *s);
bool str_starts_with(struct str s, const char *prefix);
/* Splits s at the first `sep`: head before, *rest after. False (rest empty) if absent. */
bool str_cut(struct str s, char sep, struct str *head, struct str *rest);

/* ---- buffers ------------------------------------------------------------------------ */

/*
 * A growable byte buffer, always NUL-terminated once anything was appended. The buffer
 * owns p; buf_release frees it, buf_detach hands it to the caller.
 */
struct buf {
    char *p;
    size_t n;
    size_t cap;
};
#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_grow(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc_grow(struct buf *b, char c);
static inline void buf_putc(struct buf *b, char c)
{
    if (b->n + 1 < b->cap) { /* room for c and the NUL: the common case, inline */
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
    } else {
        buf_putc_grow(b, c);
    }
}
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b); /* length 0, keeps the memory */
void buf_release(struct buf *b);
char *buf_detach(struct buf *b); /* caller now owns the result (never NULL) */
static inline struct str buf_str(const struct buf *b)
{
    return (struct str){b->p ? b->p : "", b->n};
}

/* ---- UTF-8 -------------------------------------------------------------------------- */

/* Well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF, no NUL). */
bool utf8_valid(const char *p, size_t n);
/* Number of code points in valid UTF-8. */
size_t utf8_length(const char *p, size_t n);

/* ---- numbers ------------------------------------------------------------------------ */

/* Whole decimal integer in [min,max]; no sign for unsigned-looking input, no spaces. */
int parse_i64(struct str s, int64_t min, int64_t max, int64_t *out);
/* v in decimal into out (NUL-terminated); returns the number of digits. For hot paths
 * (response headers, the access log), where snprintf's cost shows. */
size_t fmt_u64(char out[21], uint64_t v);

/* ---- dates and times ---------------------------------------------------------------- */

/* Seconds since the epoch, honouring the test clock (core_set_clock). */
int64_t now_unix(void);
/* For tests of expiry: a fixed offset in seconds added to the real clock. */
void core_set_clock_offset(int64_t seconds);
/* "YYYY-MM-DDTHH:MM:SSZ" (20 chars + NUL). */
void time_rfc3339(int64_t t, char out[21]);
/* "YYYY-MM-DD" into out (11 bytes). */
void date_from_unix(int64_t t, char out[11]);
/* A calendar date that exists, years 1000..9999. */
int date_parse(struct str s, int *y, int *m, int *d);
bool date_valid(struct str s);
/* "YYYY-MM-DDTHH:MM:SSZ" or with an offset "+HH:MM"; normalised to UTC into out. */
int datetime_parse(struct str s, int64_t *out);
int64_t days_from_civil(int y, int m, int d);

/* ---- logging ------------------------------------------------------------------------ */

void log_msg(const char *level, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define log_info(...)  log_msg("info", __VA_ARGS__)
#define log_error(...) log_msg("error", __VA_ARGS__)
/* A whole line (ending in '\n') for stderr, buffered: see core.c. */
void log_buffered(const char *line, size_t n);
/* Writes what log_buffered() holds. */
void log_flush(void);

#endif
