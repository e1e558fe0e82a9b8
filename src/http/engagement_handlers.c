/*
 * Attachment upload and download, delegation statistics: translate HTTP to the
 * engagement domain functions and back, nothing more.
 */
#define _GNU_SOURCE
#include "http/engagement_handlers.h"
#include "domain/engagement.h"
#include "domain/access.h"
#include "http/request.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Percent-decodes p[0..n) (an RFC 8187 value); NULL when an escape is malformed or NUL. */
static char *pct_decode(struct arena *a, const char *p, size_t n)
{
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '%') {
            *o++ = p[i];
            continue;
        }
        int hi = n - i >= 3 ? hex_digit(p[i + 1]) : -1, lo = hi >= 0 ? hex_digit(p[i + 2]) : -1;
        if (lo < 0 || (hi | lo) == 0)
            return NULL;
        *o++ = (char)(hi * 16 + lo);
        i += 2;
    }
    *o = '\0';
    return out;
}

/*
 * The uploaded file's name: ?filename=, else the request's Content-Disposition
 * (filename*=UTF-8''<percent-encoded> preferred over filename="..."). NULL if none.
 */
static const char *upload_filename(struct request *r)
{
    size_t qn;
    const char *q = req_query_n(r, "filename", &qn);
    if (q && strlen(q) != qn) { /* "%00" in it: keep the NUL visible as a control */
        char *copy = arena_strndup(&r->arena, q, qn);
        for (size_t i = 0; i < qn; i++)
            if (!copy[i])
                copy[i] = '\x01';
        return copy;
    }
    if (q)
        return q;
    const char *cd = req_header(r, "Content-Disposition");
    if (!cd)
        return NULL;
    const char *p = strcasestr(cd, "filename*=");
    if (p) {
        p += 10;
        if (strncasecmp(p, "UTF-8''", 7) != 0)
            return NULL;
        p += 7;
        return pct_decode(&r->arena, p, strcspn(p, "; \t"));
    }
    p = strcasestr(cd, "filename=");
    if (!p)
        return NULL;
    p += 9;
    if (*p != '"')
        return arena_strndup(&r->arena, p, strcspn(p, "; \t"));
    struct buf b = BUF_INIT;
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        buf_putc(&b, *p);
    }
    char *name = arena_strndup(&r->arena, b.p ? b.p : "", b.n);
    buf_release(&b);
    return name;
}

void h_attachment_upload(struct request *r)
{
    const char *type = attachment_media_type(req_header(r, "Content-Type"));
    if (!type) {
        resp_problem_list(r, 415,
                          "send the file with the Content-Type of one of the allowed types "
                          "(PDF, DOCX, ODT, PNG, JPEG, plain text)",
                          "allowed", attachment_types);
        return;
    }
    struct errors errs;
    struct error msg = ERROR_INIT;
    struct record *rec = NULL;
    errors_init(&errs, &r->arena);
    int rc =
        attachment_add(r->store, &r->who, r->id, upload_filename(r), type,
                       (const unsigned char *)r->body.p, r->body.n, &r->arena, &errs, &msg, &rec);
    if (rc < 0) {
        req_problem(r, rc, &msg, &errs);
        return;
    }
    struct jw w;
    struct hook_ctx ctx = {
        .who = &r->who, .conn = store_reader(r->store), .arena = &r->arena, .detail = true};
    resp_json(r, 201, &w);
    record_to_json(&ctx, rec, &w);
    resp_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)rec->version));
    resp_header(r, "Location",
                arena_printf(&r->arena, "/api/v1/documents/%lld/attachments/%lld", (long long)r->id,
                             (long long)rec->id));
}

static const char *rec_text(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    return i >= 0 && !rec->v[i].null ? rec->v[i].s : "";
}

void h_attachment_content(struct request *r)
{
    struct store_conn *c = store_reader(r->store);
    struct record *meta = NULL;
    buf_reset(&r->out);
    store_read_begin(c);
    int rc = attachment_read(c, &r->who, r->id, r->sub_id, &r->arena, &meta, &r->out);
    store_read_end(c);
    if (rc == STORE_NOT_FOUND) {
        resp_problem(r, 404, "no such attachment", NULL);
        return;
    }
    if (rc < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    const char *type = rec_text(meta, "content_type");
    r->status = 200;
    r->content_type = strcmp(type, "text/plain") == 0 && utf8_valid(r->out.p, r->out.n)
                          ? "text/plain; charset=utf-8"
                          : arena_strdup(&r->arena, type);
    struct buf cd = BUF_INIT;
    attachment_disposition(&cd, rec_text(meta, "filename"));
    resp_header(r, "Content-Disposition", cd.p);
    buf_release(&cd);
    /* The stored SHA-256 as the validator and as RFC 9530's digest of the content. */
    const char *hex = rec_text(meta, "sha256");
    unsigned char digest[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    resp_header(r, "ETag", arena_printf(&r->arena, "\"%s\"", hex));
    if (sodium_hex2bin(digest, sizeof(digest), hex, strlen(hex), NULL, NULL, NULL) == 0) {
        sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest), sodium_base64_VARIANT_ORIGINAL);
        resp_header(r, "Repr-Digest", arena_printf(&r->arena, "sha-256=:%s:", b64));
    }
}

void h_delegation_stats(struct request *r)
{
    static const char *const names[] = {"body", "limit", "cursor", NULL};
    if (!req_params_allowed(r, names))
        return;
    const char *body = req_query(r, "body");
    if (body && (!*body || strlen(body) > 32 || !utf8_valid(body, strlen(body)))) {
        resp_problem(r, 400, "body must be a body code, such as UNGA or UNHRC", NULL);
        return;
    }
    struct store_conn *c = store_reader(r->store);
    struct delegation_stat *st;
    size_t n;
    store_read_begin(c);
    int rc = delegation_stats(c, body, &r->arena, &st, &n);
    store_read_end(c);
    if (rc < 0) {
        resp_problem(r, 503, "the database could not answer; try again", NULL);
        return;
    }
    size_t first, end; /* one row per forum: a page, as every list */
    if (!req_page_of(r, LIMIT_LIST_MAX, n, &first, &end))
        return;
    struct jw w;
    req_list_begin(r, &w);
    for (size_t i = first; i < end; i++) {
        jw_obj(&w);
        jw_kstr(&w, "forum", st[i].forum);
        jw_kstr(&w, "body", st[i].body);
        jw_kstr(&w, "starts_on", st[i].starts_on);
        jw_kstr(&w, "ends_on", st[i].ends_on);
        jw_kint(&w, "delegations", st[i].delegations);
        jw_kint(&w, "members", st[i].members);
        jw_kint(&w, "experts", st[i].experts);
        jw_kint(&w, "ngos", st[i].ngos);
        jw_obj_end(&w);
    }
    req_list_end(r, &w, end < n, (int64_t)end);
}
