/*
 * http/encoding: what happens to a response between its handler and libmicrohttpd —
 * conditional requests (If-None-Match → 304, RFC 9110 13.1.2 and 15.4.5) and content
 * coding (Accept-Encoding → gzip, RFC 9110 12.5.3), for buffered and streamed bodies.
 *
 * Compressed: JSON, CSV and iCalendar bodies of at least ENC_GZIP_MIN_BYTES, when the
 * request accepts gzip. Never: anything already compressed (XLSX, attachments), bodies
 * of other types, small bodies (gzip's 20-byte frame and the CPU are not worth it).
 * A gzipped response's strong ETag is made weak (W/"3"): the gzip bytes are another
 * representation, so they may not share a strong validator with the identity bytes
 * (RFC 9110 8.8.3), while a weak one still lets If-None-Match match across both.
 */
#ifndef CIVDESK_HTTP_ENCODING_H
#define CIVDESK_HTTP_ENCODING_H

#include "http/http.h"

#include <sys/types.h>

#define ENC_GZIP_MIN_BYTES 1024 /* smaller bodies go out as they are */
#define ENC_GZIP_LEVEL     1    /* zlib level: on the 1M-row CSV export, 1/3.8 of level 6's CPU for 29% more bytes (docs/performance.md) */

/*
 * If-None-Match against the ETag of the current representation (RFC 9110 13.1.2): true
 * when the field is "*" or lists an entity-tag equal to etag by weak comparison (W/
 * ignored on both sides). A malformed member never matches. Both borrowed; NULL
 * header: false.
 */
bool enc_etag_none_match(const char *if_none_match, const char *etag);

/*
 * Sets the response's ETag to a digest of the body built so far in r->out (for generated
 * bodies without a version, such as iCalendar feeds). Lines starting "DTSTAMP" are left
 * out of the digest: they carry the time of the answer, not of the content.
 */
void enc_etag_body(struct request *r);

/*
 * Whether the response to r should be gzipped: the request accepts gzip (q > 0) at
 * least as much as identity, and the body has at least ENC_GZIP_MIN_BYTES (size) or
 * identity is refused (identity;q=0 or *;q=0). size: the body's length, or
 * (uint64_t)-1 when not known yet (a stream).
 */
bool enc_wants_gzip(struct request *r, uint64_t size);

/* True for a Content-Type worth compressing (JSON, CSV, iCalendar). */
bool enc_compressible(const char *content_type);

/*
 * A libmicrohttpd response whose body is reader's output gzipped as it is produced, in
 * bounded memory (zlib's state and one block). reader, cls, free_cls: as for
 * MHD_create_response_from_callback; on success the response owns cls (free_cls is
 * called when it is destroyed), on failure (NULL) cls is freed with free_cls.
 */
struct MHD_Response *enc_gzip_stream(ssize_t (*reader)(void *cls, uint64_t pos, char *buf,
                                                       size_t max),
                                     void *cls, void (*free_cls)(void *cls), size_t block);

/*
 * Called by the server as it queues the response, once, whatever the handler: adds
 * Accept-Patch to a PATCH's 415; Vary: Accept-Encoding to a response that could be
 * compressed; gzips a buffered body when enc_wants_gzip says so (its ETag made weak);
 * then turns a GET or HEAD 200 whose ETag If-None-Match matches into a 304, keeping
 * only the headers RFC 9110 15.4.5 lists. The 304 keeps its body in r->out: libmicrohttpd
 * sends no body with a 304 but puts the buffer's length in Content-Length, which must be
 * the length a 200 would have had (RFC 9110 8.6) — 0.9.75 cannot leave it out. A stream
 * answering HEAD is set to close the connection instead of sending a last chunk.
 */
void enc_finish(struct request *r);

#endif
