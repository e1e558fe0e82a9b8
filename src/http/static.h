/*
 * static: the web UI's files, embedded in the binary at build time (build/gen/web.c from
 * web/ by tools/embed.c) and served from memory.
 */
#ifndef CIVDESK_HTTP_STATIC_H
#define CIVDESK_HTTP_STATIC_H

#include "http/http.h"

/*
 * Answers a GET or HEAD that no route matched, outside /api/. An embedded file whose
 * name is the path (without the leading "/") is served with its Content-Type, an ETag
 * and Cache-Control (304 when If-None-Match matches). A path whose last segment has no
 * dot is a client-side route: it gets index.html. Anything else is a 404 problem. Only
 * names in the embedded table can match, so no path reaches the file system.
 */
void static_serve(struct request *r);

#endif
