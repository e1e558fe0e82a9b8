/*
 * Conditional requests and content coding of responses; see encoding.h for the contracts.
 */
#include "http/encoding.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ---- If-None-Match ------------------------------------------------------------------ */

static struct str trim(struct str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* The opaque-tag of an entity-tag: the quoted part, quotes included, W/ dropped. */
static struct str opaque(struct str tag)
{
    if (tag.n >= 2 && tag.p[0] == 'W' && tag.p[1] == '/')
        tag.p += 2, tag.n -= 2;
    return tag;
}

bool enc_etag_none_match(const char *if_none_match, const char *etag)
{
    if (!if_none_match || !etag)
        return false;
    struct str have = opaque(str_from(etag));
    struct str s = trim(str_from(if_none_match));
    if (s.n == 1 && s.p[0] == '*')
        return true;
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == ','))
            i++;
        if (i == s.n)
            break;
        size_t start = i;
        if (s.n - i >= 2 && s.p[i] == 'W' && s.p[i + 1] == '/')
            i += 2;
        if (i == s.n || s.p[i] != '"')
            return false; /* not an entity-tag: the field is malformed */
        const char *close = memchr(s.p + i + 1, '"', s.n - i - 1);
        if (!close)
            return false;
        i = (size_t)(close - s.p) + 1;
        struct str tag = opaque((struct str){s.p + start, i - start});
        if (tag.n == have.n && memcmp(tag.p, have.p, tag.n) == 0)
            return true;
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        if (i < s.n && s.p[i] != ',')
            return false;
    }
    return false;
}

void enc_etag_body(struct request *r)
{
    crypto_generichash_state h;
    unsigned char digest[16];
    crypto_generichash_init(&h, NULL, 0, sizeof(digest));
    struct str rest = buf_str(&r->out), line;
    while (rest.n) {
        bool more = str_cut(rest, '\n', &line, &rest);
        if (!str_starts_with(line, "DTSTAMP"))
            crypto_generichash_update(&h, (const unsigned char *)line.p, line.n);
        if (more)
            crypto_generichash_update(&h, (const unsigned char *)"\n", 1);
    }
    crypto_generichash_final(&h, digest, sizeof(digest));
    char hex[2 * sizeof(digest) + 1];
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    resp_header(r, MHD_HTTP_HEADER_ETAG, arena_printf(&r->arena, "\"%s\"", hex));
}

/* ---- Accept-Encoding ---------------------------------------------------------------- */

/* A qvalue ("0", "0.5", "1.000") in thousandths; -1 if it is not one (RFC 9110 12.4.2). */
static int qvalue(struct str v)
{
    v = trim(v);
    if (!v.n || (v.p[0] != '0' && v.p[0] != '1') || v.n > 5 || (v.n > 1 && v.p[1] != '.'))
        return -1;
    int q = (v.p[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < v.n; i++, scale /= 10) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -1;
        q += (v.p[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

static bool token_is(struct str t, const char *name)
{
    return t.n == strlen(name) && strncasecmp(t.p, name, t.n) == 0;
}

bool enc_wants_gzip(struct request *r, uint64_t size)
{
    const char *ae = req_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (!ae)
        return false; /* no preference stated: send it as it is */
    int q_gzip = -1, q_identity = -1, q_star = -1; /* -1: not listed */
    struct str rest = str_from(ae), elem;
    while (rest.n) {
        str_cut(rest, ',', &elem, &rest);
        struct str name, params, p;
        str_cut(elem, ';', &name, &params);
        name = trim(name);
        int q = 1000;
        while (params.n) {
            str_cut(params, ';', &p, &params);
            p = trim(p);
            if (p.n >= 2 && (p.p[0] == 'q' || p.p[0] == 'Q') && p.p[1] == '=')
                q = qvalue((struct str){p.p + 2, p.n - 2});
        }
        if (q < 0)
            continue; /* a weight that is not one: the member is ignored */
        int *slot = token_is(name, "gzip") || token_is(name, "x-gzip") ? &q_gzip
                    : token_is(name, "identity")                       ? &q_identity
                    : token_is(name, "*")                              ? &q_star
                                                                       : NULL;
        if (slot && q > *slot)
            *slot = q;
    }
    if (q_gzip < 0)
        q_gzip = q_star; /* "*" stands for every coding not named */
    if (q_gzip <= 0)
        return false;
    /* Identity is acceptable unless refused, and least preferred when not named. */
    int identity = q_identity >= 0 ? q_identity : q_star == 0 ? 0 : -1;
    if (identity > q_gzip)
        return false;
    return identity == 0 || size >= ENC_GZIP_MIN_BYTES;
}

bool enc_compressible(const char *content_type)
{
    static const char *const types[] = {"application/json", "application/problem+json",
                                        "text/csv", "text/calendar"};
    if (!content_type)
        return false;
    struct str media, params;
    str_cut(str_from(content_type), ';', &media, &params);
    media = trim(media);
    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        if (token_is(media, types[i]))
            return true;
    return false;
}

/* ---- gzip --------------------------------------------------------------------------- */

static int deflate_init(z_stream *z)
{
    memset(z, 0, sizeof(*z));
    /* windowBits 15 + 16: a gzip wrapper (RFC 1952) rather than zlib's own. */
    return deflateInit2(z, ENC_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK
               ? 0
               : -1;
}

/* in gzipped into *out (replacing its contents). Negative on a zlib failure. */
static int gzip_buf(const struct buf *in, struct buf *out)
{
    z_stream z;
    if (deflate_init(&z) < 0)
        return -1;
    uLong bound = deflateBound(&z, (uLong)in->n);
    buf_reset(out);
    buf_grow(out, bound);
    z.next_in = (Bytef *)in->p;
    z.avail_in = (uInt)in->n;
    z.next_out = (Bytef *)out->p;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    out->n = z.total_out;
    out->p[out->n] = '\0';
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

struct gz_stream {
    z_stream z;
    ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max);
    void *cls;                 /* the reader's, owned */
    void (*free_cls)(void *cls);
    uint64_t in_pos;           /* bytes the reader produced so far */
    size_t block;              /* size of in */
    char *in;                  /* the reader's latest block, being compressed */
    bool in_done;              /* the reader reached its end */
    bool finished;             /* the gzip trailer is written */
};

static ssize_t gz_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct gz_stream *g = cls;
    if (g->finished)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (max > UINT_MAX)
        max = UINT_MAX;
    g->z.next_out = (Bytef *)out;
    g->z.avail_out = (uInt)max;
    /* Fill the block: a few large chunks rather than many small writes. */
    while (g->z.avail_out > 0 && !g->finished) {
        if (g->z.avail_in == 0 && !g->in_done) {
            ssize_t got = g->reader(g->cls, g->in_pos, g->in, g->block);
            if (got == MHD_CONTENT_READER_END_OF_STREAM)
                g->in_done = true;
            else if (got < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR; /* cut short: never a whole file */
            else if (got == 0)
                break; /* nothing yet: hand over what there is; libmicrohttpd asks again */
            else {
                g->in_pos += (uint64_t)got;
                g->z.next_in = (Bytef *)g->in;
                g->z.avail_in = (uInt)got;
            }
        }
        int rc = deflate(&g->z, g->in_done ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            g->finished = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t produced = max - g->z.avail_out;
    if (!produced && g->finished)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)produced;
}

static void gz_free(void *cls)
{
    struct gz_stream *g = cls;
    deflateEnd(&g->z);
    g->free_cls(g->cls);
    free(g->in);
    free(g);
}

struct MHD_Response *enc_gzip_stream(ssize_t (*reader)(void *cls, uint64_t pos, char *buf,
                                                       size_t max),
                                     void *cls, void (*free_cls)(void *cls), size_t block)
{
    struct gz_stream *g = calloc(1, sizeof(*g));
    char *in = malloc(block);
    if (!g || !in || deflate_init(&g->z) < 0) {
        free(g);
        free(in);
        free_cls(cls);
        return NULL;
    }
    g->reader = reader;
    g->cls = cls;
    g->free_cls = free_cls;
    g->block = block;
    g->in = in;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, block, gz_read, g, gz_free);
    if (!resp)
        gz_free(g);
    return resp;
}

/* ---- the finishing step ------------------------------------------------------------- */

static struct header *find_header(struct request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return &r->headers[i];
    return NULL;
}

/* Keeps only what a 304 carries (RFC 9110 15.4.5): the fields a 200 would have had that
 * describe the cache entry, not the (absent) content. Date is libmicrohttpd's. */
static void keep_304_headers(struct request *r)
{
    static const char *const kept[] = {"ETag", "Cache-Control", "Vary", "Content-Location",
                                       "Expires"};
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        for (size_t k = 0; k < ARRAY_SIZE(kept); k++)
            if (strcasecmp(r->headers[i].name, kept[k]) == 0) {
                r->headers[n++] = r->headers[i];
                break;
            }
    r->nheaders = n;
}

void enc_finish(struct request *r)
{
    if (r->status == 415 && r->method == M_PATCH && !find_header(r, "Accept-Patch"))
        resp_header(r, "Accept-Patch", "application/merge-patch+json");
    bool body = r->stream || r->out.n;
    bool codable = body && r->status != 204 && enc_compressible(r->content_type);
    if (codable)
        resp_header(r, "Vary", "Accept-Encoding");
    /* A stream of unknown length answering HEAD: libmicrohttpd 0.9.75 would send the
     * last chunk ("0" CRLF CRLF) after the headers, bytes a HEAD's client does not read
     * and then takes for the next response. Framed by closing instead: no body at all. */
    if (r->stream && r->method == M_HEAD)
        MHD_set_response_options(r->stream, MHD_RF_HTTP_VERSION_1_0_ONLY, MHD_RO_END);
    struct header *etag = find_header(r, MHD_HTTP_HEADER_ETAG);
    /* A stream's coding was chosen when it was made (io_handlers.c). */
    if (codable && !r->stream && enc_wants_gzip(r, r->out.n)) {
        struct buf z = BUF_INIT;
        if (gzip_buf(&r->out, &z) == 0) {
            buf_release(&r->out);
            r->out = z;
            resp_header(r, "Content-Encoding", "gzip");
            if (etag && strncmp(etag->value, "W/", 2) != 0)
                etag->value = arena_printf(&r->arena, "W/%s", etag->value);
        } else { /* zlib out of memory: the identity body will do */
            buf_release(&z);
        }
    }
    if (etag && r->status == 200 && !r->stream && (r->method & (M_GET | M_HEAD)) &&
        enc_etag_none_match(req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag->value)) {
        /* The body stays: libmicrohttpd sends none with a 304 but gives its length as
         * Content-Length, which is then what a 200 would have carried (RFC 9110 8.6). */
        r->status = 304;
        r->content_type = NULL;
        keep_304_headers(r);
    }
}
