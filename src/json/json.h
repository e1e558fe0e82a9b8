/*
 * json: a streaming writer for responses (straight from values into a buffer, no tree)
 * and a guarded reader for request bodies (jansson, after our own limits).
 */
#ifndef CIVDESK_JSON_H
#define CIVDESK_JSON_H

#include "core/core.h"
#include "core/limits.h"

#include <jansson.h>

/* ---- writer ------------------------------------------------------------------------- */

/*
 * Writes JSON into a borrowed buffer. Commas are placed by the writer; the caller only
 * says what comes next. Keys and strings must be valid UTF-8 (everything stored was
 * validated on input); they are escaped so the output is safe inside HTML too.
 */
struct jw {
    struct buf *out; /* borrowed */
    int depth;
    bool first[LIMIT_JSON_DEPTH + 2]; /* nothing written yet at this depth */
    bool after_key;                   /* a key was just written: no comma before value */
};

void jw_init(struct jw *w, struct buf *out);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_real(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Already-serialised JSON (e.g. an array stored as JSON text), inserted verbatim. */
void jw_raw(struct jw *w, const char *json, size_t n);

/* Shorthands for "key": value. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);

/* Appends s as a JSON string literal (with quotes) to out. */
void json_escape(struct buf *out, const char *s, size_t n);

/* ---- reader ------------------------------------------------------------------------- */

enum json_read_status {
    JSON_READ_OK = 0,
    JSON_READ_MALFORMED, /* not JSON, trailing garbage, invalid UTF-8, NUL in a string */
    JSON_READ_TOO_DEEP,  /* nesting beyond LIMIT_JSON_DEPTH */
    JSON_READ_NOT_OBJECT /* valid JSON, but the top level is not an object */
};

/*
 * Parses a request body that must be one JSON object. On success *out is a new reference
 * the caller must json_decref. On failure `msg` (if not NULL) says where and why.
 */
enum json_read_status json_read_object(const char *p, size_t n, json_t **out, struct error *msg);

/* Nesting depth of the text, not counting brackets inside strings; stops early past max. */
int json_depth(const char *p, size_t n, int max);

#endif
