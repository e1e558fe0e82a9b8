/*
 * JSON imports (docs/import-export.md): an array of objects as the API takes them, read
 * item by item with each item's line, rejected items written back out as JSON.
 */
#define _GNU_SOURCE
#include "io/internal.h"
#include "io/import_int.h"
#include "core/limits.h"
#include "domain/domain.h"
#include "json/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON --------------------------------------------------------------------------- */

/* Keys the resource's computed hook writes for rec (arena-owned JSON object). */
static json_t *computed_keys(struct importer *im, const struct record *rec)
{
    struct buf b = BUF_INIT;
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    struct hook_ctx ctx = {.who = im->o->who, .conn = im->conn, .arena = &im->row};
    im->res->computed(&ctx, rec, &w);
    jw_obj_end(&w);
    json_t *obj = json_loadb(b.p, b.n, 0, NULL);
    buf_release(&b);
    return obj;
}

static void json_item(struct importer *im, json_t *item, struct record *rec, bool *given)
{
    const struct resource *res = im->res;
    if (!json_is_object(item)) {
        errors_add(&im->errs, "", "is not a JSON object");
        return;
    }
    json_t *clean = json_object();
    json_t *extra = json_array();
    const char *key;
    json_t *val;
    json_object_foreach(item, key, val)
    {
        int fi = resource_field_index(res, key);
        if (fi >= 0 && !(res->fields[fi].flags & F_HIDDEN)) {
            if (import_fixed_index(im, fi) >= 0)
                errors_add(&im->errs, key, "is given both in the file and as an option");
            else if (!import_is_server_field(res, fi)) {
                json_object_set(clean, key, val);
                given[fi] = true;
            }
        } else if (!import_is_meta(key) && strcmp(key, "error") != 0) {
            json_array_append_new(extra, json_string(key));
        }
    }
    record_from_json(rec, clean, RECORD_CREATE, &im->row, &im->errs);
    import_fixed_values(im, rec, given);
    if (json_array_size(extra)) {
        json_t *known = !im->errs.n && res->computed ? computed_keys(im, rec) : NULL;
        size_t i;
        json_array_foreach(extra, i, val)
        {
            if (!json_object_get(known, json_string_value(val)) && (known || !res->computed))
                errors_add(&im->errs, json_string_value(val), "is not a field of %s",
                           res->singular);
        }
        json_decref(known);
    }
    json_decref(clean);
    json_decref(extra);
}

static void reject_json(struct importer *im, json_t *item)
{
    if (!im->o->rejects)
        return;
    buf_puts(&im->out, im->nrejects++ ? ",\n" : "[\n");
    json_t *copy = json_is_object(item) ? json_copy(item) : json_pack("{sO}", "item", item);
    json_object_set_new(copy, "error", json_string(import_errors_text(&im->errs, &im->row)));
    char *text = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text)
        buf_puts(&im->out, text);
    free(text);
    json_decref(copy);
    if (im->out.n > REJECTS_FLUSH)
        import_flush_rejects(im);
}

static size_t skip_space(const char **p, const char *end, size_t line)
{
    while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')) {
        if (**p == '\n')
            line++;
        (*p)++;
    }
    return line;
}

static size_t count_lines(const char *p, size_t n)
{
    size_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        k++;
    return k;
}

static int json_items(struct importer *im, const char *p, const char *end)
{
    const char *start = p;
    size_t line = 1;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    line = skip_space(&p, end, line);
    if (p == end || *p != '[') {
        import_file_issue(im, line, "", "expected a JSON array of objects ([ {...}, ... ])");
        return IO_INVALID;
    }
    p++;
    for (bool first = true;; first = false) {
        line = skip_space(&p, end, line);
        if (p < end && *p == ']' && first) {
            p++;
            break;
        }
        json_error_t jerr;
        json_t *item = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK, &jerr);
        if (!item) {
            import_file_issue(im, line + (jerr.line > 0 ? (size_t)jerr.line - 1 : 0), "",
                              arena_printf(&im->row, "malformed JSON: %s", jerr.text));
            return IO_INVALID;
        }
        size_t item_line = line;
        line += count_lines(p, (size_t)jerr.position);
        p += jerr.position;
        im->bytes = (int64_t)(p - start);
        im->rep->rows++;
        errors_init(&im->errs, &im->row);
        struct record *rec = record_new(im->res, &im->row);
        bool *given = arena_zalloc(&im->row, im->res->nfields);
        json_item(im, item, rec, given);
        int rc = 0;
        if (!im->errs.n) {
            domain_initial_state(rec);
            rc = import_write_row(im, item_line, rec, given);
        }
        if (rc >= 0 && import_settle_row(im, item_line) && im->o->skip_invalid)
            reject_json(im, item);
        json_decref(item);
        import_row_done(im);
        if (rc < 0 || im->fatal)
            return rc < 0 ? rc : im->fatal;
        line = skip_space(&p, end, line);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']') {
            p++;
            break;
        }
        import_file_issue(im, line, "", "expected , or ] after an item");
        return IO_INVALID;
    }
    line = skip_space(&p, end, line);
    if (p != end) {
        import_file_issue(im, line, "", "unexpected text after the array");
        return IO_INVALID;
    }
    return 0;
}

int io_import_json(struct store *s, const struct io_import_opts *o, FILE *in, int64_t size,
                   struct io_report *rep, struct error *err)
{
    struct importer im;
    int rc = import_begin(&im, s, o, size, -1, rep, err);
    im.format = "json";
    if (rc < 0)
        return import_end(&im, rc);
    struct buf data = BUF_INIT;
    import_hasher_start(&im.hash);
    for (;;) {
        char *chunk = import_hasher_chunk(&im.hash);
        size_t got = fread(chunk, 1, READ_CHUNK, in);
        if (!got)
            break;
        buf_append(&data, chunk, got);
        import_hasher_give(&im.hash, got);
    }
    if (ferror(in)) {
        error_set(err, "could not read the file: %s", strerror(errno));
        rc = import_fatal(&im, STORE_ERROR);
    } else {
        rc = json_items(&im, data.p ? data.p : "", (data.p ? data.p : "") + data.n);
    }
    if (rc == 0 && im.nrejects)
        buf_puts(&im.out, "\n]\n");
    buf_release(&data);
    return import_end(&im, rc);
}
