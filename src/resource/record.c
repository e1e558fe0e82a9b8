/* Generic validation and JSON for records, driven by the resource declarations. */
#include "resource/resource.h"
#include "core/limits.h"
#include "store/store.h"
#include "core/valid.h"
#include "auth/auth.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------------------- */

void errors_init(struct errors *e, struct arena *a)
{
    e->arena = a;
    e->items = NULL;
    e->n = e->cap = 0;
}

void errors_add(struct errors *e, const char *field, const char *fmt, ...)
{
    struct field_error *fe =
        arena_push(e->arena, (void **)&e->items, &e->n, &e->cap, sizeof(*fe));
    va_list ap, params;
    va_start(ap, fmt);
    va_copy(params, ap);
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    fe->field = arena_strdup(e->arena, field);
    fe->message = arena_strndup(e->arena, b.p, b.n);
    fe->code = errors_code(fmt, fe->message);
    fe->nparams = fe->code && strcmp(fmt, "%s") != 0
                      ? errors_params(e->arena, fmt, params, fe->params, ERRORS_MAX_PARAMS)
                      : 0;
    va_end(params);
    buf_release(&b);
}

/* ---- registry ----------------------------------------------------------------------- */

const struct resource *resource_find(struct str name)
{
    for (size_t i = 0; i < resource_count; i++)
        if (str_eq_cstr(name, resource_all[i]->name))
            return resource_all[i];
    return NULL;
}

int resource_field_index(const struct resource *res, const char *name)
{
    for (size_t i = 0; i < res->nfields; i++)
        if (strcmp(res->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

const struct field *resource_field(const struct resource *res, const char *name)
{
    int i = resource_field_index(res, name);
    return i < 0 ? NULL : &res->fields[i];
}

const struct list_param *resource_param(const struct resource *res, struct str name)
{
    for (size_t i = 0; i < res->nparams; i++)
        if (str_eq_cstr(name, res->params[i].name))
            return &res->params[i];
    return NULL;
}

const struct field *list_param_field(const struct resource *res, const struct list_param *p)
{
    static const struct field yes_no = {.name = "condition", .type = FT_BOOL};
    if (p->kind == P_COND)
        return &yes_no;
    const struct resource *target = res;
    if (p->kind == P_CHILD) {
        target = resource_find(str_from(p->via));
    } else if (p->kind == P_REF) {
        const struct field *ref = resource_field(res, p->via);
        target = ref && ref->ref ? resource_find(str_from(ref->ref)) : NULL;
    }
    const struct field *f = target ? resource_field(target, p->field) : NULL;
    if (!f)
        BUG("a list parameter names a field that is not declared");
    return f;
}

struct record *record_new(const struct resource *res, struct arena *a)
{
    struct record *rec = arena_zalloc(a, sizeof(*rec));
    rec->res = res;
    rec->v = arena_zalloc(a, sizeof(*rec->v) * (res->nfields ? res->nfields : 1));
    for (size_t i = 0; i < res->nfields; i++)
        rec->v[i].null = res->fields[i].type != FT_BOOL; /* booleans default to false */
    return rec;
}

struct record *record_copy(const struct record *src, struct arena *a)
{
    struct record *rec = arena_alloc(a, sizeof(*rec));
    *rec = *src;
    rec->v = arena_alloc(a, sizeof(*rec->v) * (src->res->nfields ? src->res->nfields : 1));
    memcpy(rec->v, src->v, sizeof(*rec->v) * src->res->nfields);
    return rec;
}

struct value *record_val(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    if (i < 0)
        BUG("code names a field its resource does not declare");
    return &rec->v[i];
}

const char *record_text(const struct record *rec, const char *name)
{
    const struct value *v = record_val(rec, name);
    return v->null ? NULL : v->s;
}

int64_t record_int(const struct record *rec, const char *name)
{
    const struct value *v = record_val(rec, name);
    return v->null ? 0 : v->i;
}

void record_set_text(struct record *rec, const char *name, const char *s, struct arena *a)
{
    *record_val(rec, name) =
        s ? (struct value){.s = arena_strdup(a, s), .n = strlen(s)} : (struct value){.null = true};
}

void record_set_int(struct record *rec, const char *name, int64_t v)
{
    *record_val(rec, name) = (struct value){.i = v, .r = (double)v};
}

const char *record_text_if(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    return i >= 0 && !rec->v[i].null ? rec->v[i].s : NULL;
}

void record_check_items(const struct record *rec, const char *name, bool (*valid)(struct str),
                        const char *what, struct errors *errs)
{
    const struct value *v = record_val(rec, name);
    if (v->null)
        return;
    json_t *arr = json_loadb(v->s, v->n, 0, NULL);
    size_t k;
    json_t *item;
    json_array_foreach(arr, k, item)
    {
        const char *s = json_string_value(item);
        if (!valid(str_from(s)))
            errors_add(errs, name, "'%s' is not %s", s, what);
    }
    json_decref(arr);
}

/* ---- validation of one value -------------------------------------------------------- */

static const char *check_text(const struct field *f, const char *s, size_t n)
{
    if (!utf8_valid(s, n))
        return "is not valid UTF-8 text";
    /* Control characters other than tab and line breaks have no place in stored text;
     * a short field (a name, a title, a city) is one line (issue 16). */
    int64_t max = f->max ? f->max : LIMIT_TEXT_SHORT;
    const char *chars = text_chars_problem(s, n, max <= LIMIT_TEXT_ONE_LINE ? TEXT_ONE_LINE : 0);
    if (chars)
        return chars;
    size_t len = utf8_length(s, n);
    if ((int64_t)len > max)
        return "is too long";
    if ((int64_t)len < (f->min ? f->min : 0))
        return "is too short";
    return NULL;
}

/* Trims ASCII whitespace at both ends: "  Memorial " is stored as "Memorial". */
static struct str trim(struct str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\n' || s.p[0] == '\r'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\n' ||
                   s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* A scalar string value (everything stored as text except lists) checked by type. */
static const char *check_string(const struct field *f, struct str s, struct arena *a,
                                struct value *out)
{
    const char *why = NULL;
    if (!utf8_valid(s.p, s.n))
        return "is not valid UTF-8 text";
    s = trim(s);
    switch (f->type) {
    case FT_TEXT:
        why = check_text(f, s.p, s.n);
        if (!why && s.n == 0 && (f->flags & F_REQUIRED))
            why = "must not be empty";
        break;
    case FT_DATE:
        if (!date_valid(s))
            why = "must be a date that exists, as YYYY-MM-DD";
        break;
    case FT_DATETIME: {
        int64_t t;
        if (datetime_parse(s, &t) < 0) {
            why = "must be a date and time as YYYY-MM-DDTHH:MM:SSZ (RFC 3339)";
            break;
        }
        char *norm = arena_alloc(a, 21);
        time_rfc3339(t, norm);
        s = (struct str){norm, 20};
        break;
    }
    case FT_COUNTRY:
        if (!valid_country(s))
            why = "must be an ISO 3166-1 alpha-2 country code, such as RU or FR";
        break;
    case FT_LANG:
        if (!valid_lang(s))
            why = "must be an ISO 639-1 language code, such as en or ru";
        break;
    case FT_EMAIL:
        if (!valid_email(s))
            why = "must be an e-mail address";
        break;
    case FT_URL:
        if (!valid_http_url(s))
            why = "must be an http:// or https:// address";
        break;
    case FT_ENUM: {
        bool ok = false;
        for (const char *const *v = f->values; v && *v; v++)
            if (str_eq_cstr(s, *v))
                ok = true;
        if (!ok)
            why = "is not one of the allowed values";
        break;
    }
    default:
        why = "has the wrong type";
        break;
    }
    if (why)
        return why;
    out->null = false;
    out->s = arena_strndup(a, s.p, s.n);
    out->n = s.n;
    return NULL;
}

static const char *check_int(const struct field *f, int64_t v)
{
    if (f->type == FT_REF || f->type == FT_REF_LIST)
        return v >= 1 ? NULL : "must be the id of an existing record";
    if ((f->min || f->max) && (v < f->min || v > f->max))
        return "is out of range";
    return NULL;
}

/* A JSON array of strings (FT_TEXT_LIST) or ids (FT_REF_LIST) into canonical JSON text. */
static const char *check_list(const struct field *f, json_t *arr, struct arena *a,
                              struct value *out)
{
    if (!json_is_array(arr))
        return f->type == FT_REF_LIST ? "must be an array of ids" : "must be an array of strings";
    size_t n = json_array_size(arr);
    if ((int64_t)n > (f->max ? f->max : LIMIT_ARRAY_ITEMS))
        return "has too many items";
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    const char *why = NULL;
    for (size_t i = 0; i < n && !why; i++) {
        json_t *item = json_array_get(arr, i);
        if (f->type == FT_REF_LIST) {
            if (!json_is_integer(item) || check_int(f, json_integer_value(item))) {
                why = "must be an array of ids";
                break;
            }
            for (size_t j = 0; j < i; j++)
                if (json_integer_value(json_array_get(arr, j)) == json_integer_value(item))
                    why = "lists the same id twice";
            jw_int(&w, json_integer_value(item));
            continue;
        }
        if (!json_is_string(item)) {
            why = "must be an array of strings";
            break;
        }
        struct str s = trim((struct str){json_string_value(item), json_string_length(item)});
        struct field one = {.name = f->name, .type = FT_TEXT, .max = LIMIT_TEXT_SHORT};
        if (f->values) { /* a list of enum values, e.g. languages as codes */
            one.type = FT_ENUM;
            one.values = f->values;
        }
        struct value v;
        if ((why = check_string(&one, s, a, &v)))
            break;
        if (s.n == 0) {
            why = "must not contain empty strings";
            break;
        }
        jw_strn(&w, s.p, s.n);
    }
    jw_arr_end(&w);
    if (!why) {
        out->null = false;
        out->s = arena_strndup(a, b.p, b.n);
        out->n = b.n;
    }
    buf_release(&b);
    return why;
}

/* Validates one JSON value for a field into out; NULL on success, else why not. */
static const char *value_from_json(const struct field *f, json_t *j, struct arena *a,
                                   struct value *out)
{
    memset(out, 0, sizeof(*out));
    switch (f->type) {
    case FT_INT:
    case FT_REF:
        if (!json_is_integer(j))
            return f->type == FT_REF ? "must be the id of an existing record"
                                     : "must be a whole number";
        out->i = json_integer_value(j);
        return check_int(f, out->i);
    case FT_REAL:
        if (!json_is_number(j))
            return "must be a number";
        out->r = json_number_value(j);
        if (!isfinite(out->r) ||
            ((f->min || f->max) && (out->r < (double)f->min || out->r > (double)f->max)))
            return "is out of range";
        return NULL;
    case FT_BOOL:
        if (!json_is_boolean(j))
            return "must be true or false";
        out->i = json_is_true(j);
        return NULL;
    case FT_TEXT_LIST:
    case FT_REF_LIST:
        return check_list(f, j, a, out);
    default:
        if (!json_is_string(j))
            return "must be a string";
        return check_string(f, (struct str){json_string_value(j), json_string_length(j)}, a, out);
    }
}

_Static_assert(LIMIT_ID_SET == 500, "value_id_set's message names the limit");

int value_id_set(struct str text, struct arena *a, struct value *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    struct buf b = BUF_INIT;
    buf_putc(&b, '[');
    size_t n = 0;
    struct str rest = text, one;
    for (;;) {
        bool more = str_cut(rest, ',', &one, &rest);
        int64_t id;
        if (parse_i64(one, 1, INT64_MAX, &id) < 0) {
            *why = "must be an id, or ids separated by commas";
            goto fail;
        }
        if (++n > LIMIT_ID_SET) {
            *why = "names too many records (at most 500)";
            goto fail;
        }
        buf_printf(&b, "%s%lld", n > 1 ? "," : "", (long long)id);
        if (!more)
            break;
    }
    buf_putc(&b, ']');
    out->s = arena_strndup(a, b.p, b.n);
    out->n = b.n;
    out->i = (int64_t)n;
    buf_release(&b);
    return 0;
fail:
    buf_release(&b);
    return -1;
}

int value_from_text(const struct field *f, struct str text, struct arena *a, struct value *out,
                    const char **message)
{
    memset(out, 0, sizeof(*out));
    const char *why = NULL;
    switch (f->type) {
    case FT_INT:
    case FT_REF:
    case FT_REF_LIST:
        if (parse_i64(text, INT64_MIN + 1, INT64_MAX, &out->i) < 0)
            why = f->type == FT_INT ? "must be a whole number" : "must be an id";
        else
            why = check_int(f, out->i);
        break;
    case FT_BOOL:
        if (str_eq_cstr(text, "true") || str_eq_cstr(text, "1"))
            out->i = 1;
        else if (str_eq_cstr(text, "false") || str_eq_cstr(text, "0"))
            out->i = 0;
        else
            why = "must be true or false";
        break;
    case FT_REAL: {
        char tmp[64];
        char *end;
        if (text.n == 0 || text.n >= sizeof(tmp)) {
            why = "must be a number";
            break;
        }
        memcpy(tmp, text.p, text.n);
        tmp[text.n] = '\0';
        /* Plain decimal only: no spaces, no sign of +, no hex or inf (strtod takes all). */
        bool plain = true;
        for (size_t i = 0; i < text.n; i++) {
            char c = tmp[i];
            if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
                  (c == '-' && (i == 0 || tmp[i - 1] == 'e' || tmp[i - 1] == 'E'))))
                plain = false;
        }
        out->r = strtod(tmp, &end);
        if (!plain || *end || !isfinite(out->r))
            why = "must be a number";
        else if ((f->min || f->max) && (out->r < (double)f->min || out->r > (double)f->max))
            why = "is out of range";
        break;
    }
    case FT_TEXT_LIST: {
        struct field one = {.name = f->name,
                            .type = f->values ? FT_ENUM : FT_TEXT,
                            .values = f->values,
                            .max = LIMIT_TEXT_SHORT};
        why = check_string(&one, text, a, out);
        break;
    }
    default:
        why = check_string(f, text, a, out);
        break;
    }
    *message = why;
    return why ? -1 : 0;
}

/* ---- applying a JSON object --------------------------------------------------------- */

static bool is_meta(const char *key)
{
    return !strcmp(key, "id") || !strcmp(key, "version") || !strcmp(key, "created_at") ||
           !strcmp(key, "updated_at");
}

void record_from_json(struct record *rec, json_t *obj, enum record_mode mode, struct arena *a,
                      struct errors *errs)
{
    const struct resource *res = rec->res;
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        int i = resource_field_index(res, key);
        if (i < 0) {
            if (is_meta(key))
                errors_add(errs, key, "is set by the server and cannot be given");
            else
                errors_add(errs, key, "is not a field of %s", res->singular);
            continue;
        }
        const struct field *f = &res->fields[i];
        if (f->flags & (F_READONLY | F_HIDDEN)) {
            errors_add(errs, key, "is set by the server and cannot be given");
            continue;
        }
        if (mode == RECORD_PATCH && (f->flags & F_CREATE_ONLY)) {
            errors_add(errs, key, "cannot be changed after creation");
            continue;
        }
        if (json_is_null(val)) {
            if (f->flags & F_REQUIRED)
                errors_add(errs, key, "is required");
            else if (f->type == FT_BOOL)
                errors_add(errs, key, "must be true or false");
            else
                rec->v[i] = (struct value){.null = true};
            continue;
        }
        struct value v;
        const char *why = NULL;
        const struct field_input *in = NULL;
        for (size_t k = 0; json_is_object(val) && k < res->ninputs; k++)
            if (strcmp(res->inputs[k].field, key) == 0)
                in = &res->inputs[k];
        if (in) {
            memset(&v, 0, sizeof(v));
            why = in->from_object(val, a, &v);
        } else {
            why = value_from_json(f, val, a, &v);
        }
        if (why)
            errors_add(errs, key, "%s", why);
        else
            rec->v[i] = v;
    }
    if (mode == RECORD_CREATE) {
        for (size_t i = 0; i < res->nfields; i++)
            if ((res->fields[i].flags & F_REQUIRED) && rec->v[i].null &&
                !json_object_get(obj, res->fields[i].name))
                errors_add(errs, res->fields[i].name, "is required");
    }
}

/* ---- writing JSON ------------------------------------------------------------------- */

static void write_value(struct jw *w, const struct field *f, const struct value *v)
{
    if (v->null) {
        jw_null(w);
        return;
    }
    switch (f->type) {
    case FT_INT:
    case FT_REF:
        jw_int(w, v->i);
        break;
    case FT_BOOL:
        jw_bool(w, v->i != 0);
        break;
    case FT_REAL:
        jw_real(w, v->r);
        break;
    case FT_TEXT_LIST:
    case FT_REF_LIST:
        jw_raw(w, v->s, v->n); /* canonical JSON, produced by check_list */
        break;
    default:
        jw_strn(w, v->s, v->n);
        break;
    }
}

/* Whether the caller of ctx reads rec's F_INTERNAL fields: every caller with the whole
 * reach (officers, administrators, the CLI) and the owning organisation; not those who
 * see the record only because it is public. A sub-record is owned through its parent,
 * as the caller found (ctx->owns_parent). */
static bool sees_internal(const struct hook_ctx *ctx, const struct record *rec)
{
    if (!ctx || !ctx->who || principal_grant(ctx->who) == GRANT_ALL)
        return true;
    const struct resource *res = rec->res;
    if (res->parent)
        return ctx->owns_parent;
    int oi = res->owner ? resource_field_index(res, res->owner) : -1;
    if (oi < 0 || ctx->who->org_id <= 0)
        return false;
    if (strcmp(res->owner, "id") == 0)
        return rec->id == ctx->who->org_id;
    return res->fields[oi].type == FT_REF && !rec->v[oi].null && rec->v[oi].i == ctx->who->org_id;
}

void record_to_json(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    assert(rec && rec->res && w);
    /* The history is loaded by the caller before (this reads nothing). */
    assert(!ctx || !ctx->nhistory || ctx->history);
    const struct resource *res = rec->res;
    bool internal = sees_internal(ctx, rec);
    bool staff = !ctx || !ctx->who || principal_grant(ctx->who) == GRANT_ALL;
    jw_obj(w);
    jw_kint(w, "id", rec->id);
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if ((f->flags & F_HIDDEN) || ((f->flags & F_INTERNAL) && !internal) ||
            ((f->flags & F_STAFF_READS) && !staff))
            continue;
        jw_key(w, f->name);
        write_value(w, f, &rec->v[i]);
    }
    if (res->computed)
        res->computed(ctx, rec, w);
    if (ctx && ctx->detail && res->transitions) {
        const struct transition_entry *h = ctx->history;
        jw_key(w, "history");
        jw_arr(w);
        for (size_t i = 0; i < ctx->nhistory; i++) {
            jw_obj(w);
            jw_kstr(w, "from", h[i].from);
            jw_kstr(w, "to", h[i].to);
            jw_key(w, "by");
            jw_obj(w);
            jw_key(w, "id");
            if (h[i].actor_id)
                jw_int(w, h[i].actor_id);
            else
                jw_null(w);
            jw_kstr(w, "email", h[i].actor);
            jw_obj_end(w);
            jw_kstr(w, "at", h[i].at);
            jw_kstr(w, "note", h[i].note);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_kstr(w, "created_at", rec->created_at);
    jw_kstr(w, "updated_at", rec->updated_at);
    jw_kint(w, "version", rec->version);
    jw_obj_end(w);
}

void record_to_audit_json(const struct record *rec, struct buf *out)
{
    const struct resource *res = rec->res;
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_kint(&w, "id", rec->id);
    jw_kint(&w, "version", rec->version);
    for (size_t i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (f->flags & F_HIDDEN)
            continue;
        if (rec->v[i].null)
            continue;
        jw_key(&w, f->name);
        write_value(&w, f, &rec->v[i]);
    }
    jw_obj_end(&w);
}
