/*
 * Stable codes for field errors: each English message a validator writes has a short
 * code beside it, and the values printed into it are kept as parameters, so a client
 * (the web UI) can say the same thing in its own language. The table is keyed by the
 * message's format string (or, for a message passed through "%s", by the text itself);
 * a message not in the table goes out without a code and the client shows the English.
 * Codes are part of the API: never change one, add a new one.
 */
#include "resource/resource.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *fmt;
    const char *code;
} codes[] = {
    /* generic validation (src/resource/record.c) */
    {"is required", "required"},
    {"must not be empty", "required"},
    {"is too short", "too_short"},
    {"is too long", "too_long"},
    {"is not valid UTF-8 text", "not_utf8"},
    {"contains control characters", "control_chars"},
    {"must be a date that exists, as YYYY-MM-DD", "date"},
    {"must be a date and time as YYYY-MM-DDTHH:MM:SSZ (RFC 3339)", "date_time"},
    {"must be an ISO 3166-1 alpha-2 country code, such as RU or FR", "country"},
    {"must be an ISO 639-1 language code, such as en or ru", "language"},
    {"must be an e-mail address", "email"},
    {"must be an http:// or https:// address", "url"},
    {"is not one of the allowed values", "enum"},
    {"has the wrong type", "type"},
    {"is out of range", "range"},
    {"has too many items", "too_many"},
    {"must be an array of ids", "ids"},
    {"lists the same id twice", "duplicate_id"},
    {"must be an array of strings", "strings"},
    {"must not contain empty strings", "empty_item"},
    {"must be a number", "number"},
    {"must be a whole number", "integer"},
    {"must be an id", "id"},
    {"must be true or false", "boolean"},
    {"must be a string", "string"},
    {"is set by the server and cannot be given", "read_only"},
    {"is not a field of %s", "unknown_field"},
    {"cannot be changed after creation", "create_only"},
    /* references and ownership (src/domain) */
    {"no %s with id %lld", "no_such_record"},
    {"must include your organisation (%lld)", "own_org"},
    {"is in the future", "future"},
    {"must not be before %s", "before_field"},
    {"is before filed_on", "before_filed"},
    {"is before asked_on", "before_asked"},
    {"must be a Committee session as {\"year\": 1946..2100, \"part\": \"regular\" or "
     "\"resumed\"} or as \"YYYY regular\" or \"YYYY resumed\"",
     "session"},
    {"a Committee session has only \"year\" and \"part\"", "session_keys"},
    {"year must be a whole number from 1946 to 2100", "session_year"},
    {"part must be \"regular\" or \"resumed\"", "session_part"},
    {"'%s' is not an ISO 639-1 language code", "language_item"},
    {"'%s' is not an http:// or https:// address", "url_item"},
    {"no body with code %s", "no_body"},
    {"no body with code %s (see /api/v1/bodies)", "no_body"},
    {"must be one of %s's statuses: %s", "body_status"},
    {"%s grants no status of its own", "body_no_status"},
    {"'%s' is not one of the body's statuses", "body_status_item"},
    {"must be a year after the year granted (%d)", "after_granted"},
    {"cannot change once the application is filed", "filed"},
    {"only the answer may be changed by your organisation", "answer_only"},
    {"is only set together with an answer", "answer_first"},
    {"give the ministry's response (PATCH response) before moving to %s", "response_first"},
    {"give the person or the organisation taking part", "participant"},
    {"name at least one organisation making it", "org_required"},
    {"give both latitude and longitude, or neither", "lat_lon"},
    {"must be capital letters, digits and _ (such as ECOSOC)", "body_code"},
    {"must be a day of the year as MM-DD, such as 06-01", "month_day"},
    {"possible duplicate of %s", "duplicate"},
    {"must be admin, officer or ngo", "role"},
    {"is required for an ngo user", "ngo_org"},
    {"cannot be changed: add a new user instead", "email_fixed"},
    {"must be a name of 1 to %d characters", "name_length"},
    {"is not the e-mail of an officer's account", "not_officer"},
};

const char *errors_code(const char *fmt, const char *message)
{
    const char *key = strcmp(fmt, "%s") == 0 ? message : fmt;
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
        if (strcmp(codes[i].fmt, key) == 0)
            return codes[i].code;
    return NULL;
}

/*
 * The values printed into fmt, each as text, in order: %s, %d, %i, %u, %lld, %ld, %zu
 * (the conversions the messages use). Returns the count, or 0 when fmt holds another
 * conversion (the parameters would be wrong; the message still stands). out has room for
 * max entries, arena-owned.
 */
size_t errors_params(struct arena *a, const char *fmt, va_list ap, const char **out, size_t max)
{
    size_t n = 0;
    char tmp[32];
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        if (n == max)
            return 0;
        if (*p == 's') {
            const char *s = va_arg(ap, const char *);
            out[n++] = arena_strdup(a, s ? s : "");
        } else if (*p == 'd' || *p == 'i') {
            snprintf(tmp, sizeof(tmp), "%d", va_arg(ap, int));
            out[n++] = arena_strdup(a, tmp);
        } else if (*p == 'u') {
            snprintf(tmp, sizeof(tmp), "%u", va_arg(ap, unsigned));
            out[n++] = arena_strdup(a, tmp);
        } else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'd') {
            snprintf(tmp, sizeof(tmp), "%lld", va_arg(ap, long long));
            out[n++] = arena_strdup(a, tmp);
            p += 2;
        } else if (p[0] == 'l' && p[1] == 'd') {
            snprintf(tmp, sizeof(tmp), "%ld", va_arg(ap, long));
            out[n++] = arena_strdup(a, tmp);
            p += 1;
        } else if (p[0] == 'z' && p[1] == 'u') {
            snprintf(tmp, sizeof(tmp), "%zu", va_arg(ap, size_t));
            out[n++] = arena_strdup(a, tmp);
            p += 1;
        } else {
            return 0;
        }
    }
    return n;
}

/* ---- sentences computed for a person (struct said) ---------------------------------- */

void said_printf(struct said *s, struct arena *a, const char *code, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    s->text = arena_vprintf(a, fmt, ap);
    va_end(ap);
    s->code = code;
    s->nparams = errors_params(a, fmt, ap2, s->params, SAID_MAX_PARAMS);
    va_end(ap2);
}

void said_params(struct said *s, struct arena *a, size_t n, ...)
{
    assert(n <= SAID_MAX_PARAMS);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        const char *v = va_arg(ap, const char *);
        s->params[i] = v ? arena_strdup(a, v) : NULL;
    }
    va_end(ap);
    s->nparams = n;
}

void said_write(struct jw *w, const struct said *s)
{
    jw_obj(w);
    jw_kstr(w, "message", s->text);
    jw_kstr(w, "code", s->code);
    jw_key(w, "params");
    jw_arr(w);
    for (size_t i = 0; i < s->nparams; i++)
        jw_str(w, s->params[i]);
    jw_arr_end(w);
    jw_obj_end(w);
}
