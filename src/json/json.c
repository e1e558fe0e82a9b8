/* json: streaming writer and guarded reader. */
#include "json/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void jw_init(struct jw *w, struct buf *out)
{
    w->out = out;
    w->depth = 0;
    w->first[0] = true;
    w->after_key = false;
}

static void before_value(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        buf_putc(w->out, ',');
    w->first[w->depth] = false;
}

static void open(struct jw *w, char c)
{
    before_value(w);
    if (w->depth >= LIMIT_JSON_DEPTH + 1)
        BUG("jw nesting too deep");
    buf_putc(w->out, c);
    w->first[++w->depth] = true;
}

static void close(struct jw *w, char c)
{
    if (w->depth == 0)
        BUG("jw close without open");
    w->depth--;
    buf_putc(w->out, c);
}

void jw_obj(struct jw *w)
{
    open(w, '{');
}
void jw_obj_end(struct jw *w)
{
    close(w, '}');
}
void jw_arr(struct jw *w)
{
    open(w, '[');
}
void jw_arr_end(struct jw *w)
{
    close(w, ']');
}

/* Length of the UTF-8 sequence that starts at p as its lead byte claims (1 for a bad lead),
 * clipped to the bytes available. */
static size_t utf8_seq_len(const char *p, size_t avail)
{
    unsigned char c = (unsigned char)p[0];
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return len < avail ? len : avail;
}

/* What json_escape does with each byte: copy it, escape it (quote, backslash, controls,
 * and < > & so that JSON inside HTML cannot close a script), or look at the UTF-8
 * sequence it starts. */
enum { JC_COPY, JC_ESCAPE, JC_UTF8 };
static const unsigned char json_class[256] = {
    [0x00 ... 0x1F] = JC_ESCAPE, ['"'] = JC_ESCAPE, ['\\'] = JC_ESCAPE, ['<'] = JC_ESCAPE,
    ['>'] = JC_ESCAPE,           ['&'] = JC_ESCAPE, [0x7F] = JC_ESCAPE, [0x80 ... 0xFF] = JC_UTF8,
};

/* Whether any of the eight bytes at p is not JC_COPY (SWAR: a byte of x is zero when it
 * equals the byte looked for, and "haszero" finds one). */
static bool needs_look(const char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t x;
    memcpy(&x, p, 8);
#define HASZERO(v) (((v) - ones) & ~(v) & highs)
    uint64_t hit = (x & highs) | ((x - 0x20 * ones) & ~x & highs) | HASZERO(x ^ ('"' * ones)) |
                   HASZERO(x ^ ('\\' * ones)) | HASZERO(x ^ ('<' * ones)) |
                   HASZERO(x ^ ('>' * ones)) | HASZERO(x ^ ('&' * ones)) | HASZERO(x ^ (0x7F * ones));
#undef HASZERO
    return hit != 0;
}

static void escape_byte(struct buf *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '\0'};
    const char *esc = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\n'  ? "\\n"
                      : c == '\r'  ? "\\r"
                      : c == '\t'  ? "\\t"
                                    : u;
    buf_puts(out, esc);
}

void json_escape(struct buf *out, const char *s, size_t n)
{
    buf_grow(out, n + 2);
    buf_putc(out, '"');
    size_t run = 0; /* start of the pending run of bytes that need no escaping */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        switch (json_class[c]) {
        case JC_COPY:
            i++;
            while (i + 8 <= n && !needs_look(s + i)) /* plain ASCII, eight bytes at a time */
                i += 8;
            continue;
        case JC_ESCAPE:
            buf_append(out, s + run, i - run);
            escape_byte(out, c);
            run = ++i;
            continue;
        }
        /* Two-byte characters (Cyrillic, Greek, accented Latin) are checked here; the
         * rest by utf8_valid. */
        if (c >= 0xC2 && c <= 0xDF && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
        }
        size_t len = utf8_seq_len(s + i, n - i);
        if (!utf8_valid(s + i, len)) {
            /* Bytes that are not UTF-8 (a raw path or query key echoed back) become
             * U+FFFD, so every response stays valid JSON text. */
            buf_append(out, s + run, i - run);
            buf_puts(out, "\\ufffd");
            run = ++i;
        } else if (c == 0xE2 && len == 3 && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            /* U+2028 / U+2029 break JavaScript string literals */
            buf_append(out, s + run, i - run);
            buf_puts(out, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
            i += 3;
            run = i;
        } else {
            i += len; /* a whole valid character passes through */
        }
    }
    buf_append(out, s + run, n - run);
    buf_putc(out, '"');
}

void jw_key(struct jw *w, const char *key)
{
    before_value(w);
    size_t n = strlen(key), i = 0;
    while (i < n && json_class[(unsigned char)key[i]] == JC_COPY)
        i++;
    if (i == n) { /* a plain key, as every field name is: written in one piece */
        struct buf *b = w->out;
        buf_grow(b, n + 3);
        char *p = b->p + b->n;
        p[0] = '"';
        memcpy(p + 1, key, n);
        p[n + 1] = '"';
        p[n + 2] = ':';
        b->n += n + 3;
        b->p[b->n] = '\0';
    } else {
        json_escape(w->out, key, n);
        buf_putc(w->out, ':');
    }
    w->after_key = true;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    before_value(w);
    if (!s)
        buf_puts(w->out, "null");
    else
        json_escape(w->out, s, n);
}

void jw_str(struct jw *w, const char *s)
{
    jw_strn(w, s, s ? strlen(s) : 0);
}

void jw_int(struct jw *w, int64_t v)
{
    before_value(w);
    char digits[24], *p = digits + sizeof(digits);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN too */
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    buf_append(w->out, p, (size_t)(digits + sizeof(digits) - p));
}

void jw_real(struct jw *w, double v)
{
    before_value(w);
    if (!isfinite(v))
        buf_puts(w->out, "null");
    else
        buf_printf(w->out, "%.15g", v); /* what people type round-trips; no 0.1000000000000001 */
}

void jw_bool(struct jw *w, bool v)
{
    before_value(w);
    buf_puts(w->out, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
    before_value(w);
    buf_puts(w->out, "null");
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
    before_value(w);
    buf_append(w->out, json, n);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

/* ---- reader ------------------------------------------------------------------------- */

int json_depth(const char *p, size_t n, int max)
{
    int depth = 0, deepest = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > max)
                    return deepest;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return deepest;
}

enum json_read_status json_read_object(const char *p, size_t n, json_t **out, struct error *msg)
{
    *out = NULL;
    if (json_depth(p, n, LIMIT_JSON_DEPTH) > LIMIT_JSON_DEPTH) {
        error_set(msg, "JSON nested deeper than %d levels", LIMIT_JSON_DEPTH);
        return JSON_READ_TOO_DEEP;
    }
    json_error_t err;
    /* jansson rejects invalid UTF-8 and, without JSON_ALLOW_NUL, NUL in strings.
     * JSON_DECODE_ANY: a scalar body ("1", "null") is valid JSON of the wrong type, and
     * is answered as such below rather than as malformed. */
    json_t *root = json_loadb(p, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root) {
        error_set(msg, "malformed JSON at line %d, column %d: %s", err.line, err.column, err.text);
        return JSON_READ_MALFORMED;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        error_set(msg, "the request body must be a JSON object");
        return JSON_READ_NOT_OBJECT;
    }
    *out = root;
    return JSON_READ_OK;
}
