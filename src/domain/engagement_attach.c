/*
 * Document attachments: which files are accepted (a table of media types and their
 * signatures), file names, the download's Content-Disposition (RFC 6266 / RFC 8187), and
 * storing the bytes with their SHA-256 in the same transaction as the record and its
 * audit entry.
 */
#include "domain/engagement.h"
#include "domain/access.h"
#include "core/limits.h"
#include "core/valid.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

/* An allowed media type and the bytes its files start with (NULL: any). */
static const struct media {
    const char *type;
    const char *magic;
    size_t magic_len;
    const char *name; /* for messages */
} media[] = {
    {"application/pdf", "%PDF-", 5, "a PDF file"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04", 4,
     "a DOCX file (a ZIP package)"},
    {"application/vnd.oasis.opendocument.text", "PK\x03\x04", 4, "an ODT file (a ZIP package)"},
    {"image/png", "\x89PNG\r\n\x1a\n", 8, "a PNG image"},
    {"image/jpeg", "\xff\xd8\xff", 3, "a JPEG image"},
    {"text/plain", NULL, 0, "plain text"},
};

const char *const attachment_types[] = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "image/png",
    "image/jpeg",
    "text/plain",
    NULL,
};

static const struct media *media_find(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(media); i++)
        if (type && strcmp(media[i].type, type) == 0)
            return &media[i];
    return NULL;
}

const char *attachment_media_type(const char *content_type)
{
    if (!content_type)
        return NULL;
    struct str s = str_from(content_type), type, params;
    str_cut(s, ';', &type, &params);
    while (type.n && (type.p[0] == ' ' || type.p[0] == '\t'))
        type.p++, type.n--;
    while (type.n && (type.p[type.n - 1] == ' ' || type.p[type.n - 1] == '\t'))
        type.n--;
    for (size_t i = 0; i < ARRAY_SIZE(media); i++)
        if (strlen(media[i].type) == type.n && strncasecmp(media[i].type, type.p, type.n) == 0)
            return media[i].type;
    return NULL;
}

const char *attachment_sniff(const char *type, const unsigned char *p, size_t n)
{
    const struct media *m = media_find(type);
    if (!m)
        return "is not of an allowed type";
    if (m->magic && (n < m->magic_len || memcmp(p, m->magic, m->magic_len) != 0))
        return m->name;
    return NULL;
}

const char *attachment_filename_problem(const char *name, size_t n)
{
    if (n == 0)
        return "must not be empty";
    if (!utf8_valid(name, n))
        return "is not valid UTF-8 text";
    if (utf8_length(name, n) > LIMIT_TEXT_SHORT)
        return "is too long";
    if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
        return "must name a file";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\\')
            return "must be a file name without a directory";
    }
    /* NUL, line breaks, tabs, C0/C1 controls, and format characters such as U+202E
     * (which shows "invoice\u202Efdp.exe" as "invoiceexe.pdf") — issue 16. */
    return text_chars_problem(name, n, TEXT_ONE_LINE | TEXT_NO_FORMAT);
}

/* RFC 8187 attr-char: what a filename*= value may carry without percent-encoding. */
static bool attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&+-.^_`|~", c) != NULL;
}

void attachment_disposition(struct buf *out, const char *filename)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)filename;
    buf_puts(out, "attachment; filename=\"");
    /* The fallback for old clients: printable ASCII, one '_' per other character. */
    for (size_t i = 0; p[i]; i++) {
        if (p[i] >= 0x80) {
            if ((p[i] & 0xc0) != 0x80) /* the first byte of a sequence */
                buf_putc(out, '_');
        } else if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\' || p[i] == '%') {
            buf_putc(out, '_');
        } else {
            buf_putc(out, (char)p[i]);
        }
    }
    buf_puts(out, "\"; filename*=UTF-8''");
    for (size_t i = 0; p[i]; i++) {
        if (attr_char(p[i])) {
            buf_putc(out, (char)p[i]);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[p[i] >> 4]);
            buf_putc(out, hex[p[i] & 15]);
        }
    }
}

int attachment_add(struct store *s, const struct principal *who, int64_t doc_id,
                   const char *filename, const char *media_type, const unsigned char *bytes,
                   size_t n, struct arena *a, struct errors *errs, struct error *msg,
                   struct record **out)
{
    /* The work that needs no lock first: hashing 20 MiB takes tens of milliseconds. */
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hexdigest[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(digest, bytes, n);
    sodium_bin2hex(hexdigest, sizeof(hexdigest), digest, sizeof(digest));

    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(msg, "the database is busy"), STORE_ERROR;
    struct store_conn *c = store_tx_conn(tx);
    struct record *doc, *rec = NULL;
    int rc = store_get(c, &res_documents, doc_id, a, &doc);
    if (rc == STORE_OK && !domain_may_see(c, who, doc, a))
        rc = STORE_NOT_FOUND;
    if (rc < 0) {
        error_set(msg, "no document with id %lld", (long long)doc_id);
        goto done;
    }
    rec = record_new(&res_document_attachments, a);
    int di = resource_field_index(rec->res, "document_id");
    int si = resource_field_index(rec->res, "size");
    rec->v[di] = (struct value){.i = doc_id};
    rec->v[si] = (struct value){.i = (int64_t)n};
    record_set_text(rec, "filename", filename ? filename : "", a);
    record_set_text(rec, "content_type", media_type, a);
    record_set_text(rec, "sha256", hexdigest, a);
    /* The access rules decide as for any new sub-record of the document. */
    rc = domain_may_create(c, who, rec, a, errs, msg);
    if (rc < 0)
        goto done;
    if (n == 0)
        errors_add(errs, "content", "is empty: send the file's bytes as the request body");
    else if (media_type && attachment_sniff(media_type, bytes, n))
        errors_add(errs, "content", "is not %s, as its Content-Type says",
                   attachment_sniff(media_type, bytes, n));
    if (!filename)
        errors_add(errs, "filename",
                   "is required: give ?filename= or a Content-Disposition header with filename*=");
    if (errs->n) {
        rc = DOMAIN_INVALID;
        goto done;
    }
    rc = domain_insert_tx(tx, who, rec, a, errs, msg);
    if (rc == STORE_OK && store_attachment_set_content(tx, rec->id, bytes, n) < 0) {
        error_set(msg, "storing the attachment's bytes failed");
        rc = STORE_ERROR;
    }
done:
    rc = domain_end_tx(tx, rc, msg);
    if (rc == STORE_OK)
        *out = rec;
    return rc;
}

int attachment_read(struct store_conn *c, const struct principal *who, int64_t doc_id, int64_t id,
                    struct arena *a, struct record **meta, struct buf *out)
{
    struct record *doc, *rec;
    if (store_get(c, &res_documents, doc_id, a, &doc) != STORE_OK ||
        !domain_may_see(c, who, doc, a))
        return STORE_NOT_FOUND;
    int rc = store_get(c, &res_document_attachments, id, a, &rec);
    if (rc < 0)
        return rc;
    int di = resource_field_index(rec->res, "document_id");
    if (rec->v[di].i != doc_id)
        return STORE_NOT_FOUND;
    rc = store_attachment_content(c, id, out);
    if (rc == STORE_OK)
        *meta = rec;
    return rc;
}
