/*
 * Serving the embedded web UI. The table of files is generated at build time; lookups
 * compare whole names, so "..", "//" or encoded tricks simply find nothing.
 */
#include "http/static.h"
#include "core/embed.h"

#include <stdio.h>
#include <string.h>

/* Content types by file-name suffix; the first match wins. */
static const struct {
    const char *suffix;
    const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

/* Assets are revalidated on every use (cheap: a 304 carries no body), so a new binary's
 * UI is picked up at once without fingerprinted file names. */
#define STATIC_CACHE_CONTROL "no-cache"

static const char *content_type(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < ARRAY_SIZE(content_types); i++) {
        size_t sn = strlen(content_types[i].suffix);
        if (n >= sn && strcmp(name + n - sn, content_types[i].suffix) == 0)
            return content_types[i].type;
    }
    return "application/octet-stream";
}

static const struct embed_file *find(const char *name)
{
    for (size_t i = 0; i < embed_web_count; i++)
        if (strcmp(embed_web[i].name, name) == 0)
            return &embed_web[i];
    return NULL;
}

/* FNV-1a 64 of the content: a strong-enough validator for files that change only with
 * the binary. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* True if the last path segment looks like a file name (has a dot). */
static bool looks_like_file(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strchr(slash ? slash : path, '.') != NULL;
}

void static_serve(struct request *r)
{
    const char *name = r->path[0] == '/' ? r->path + 1 : r->path;
    const struct embed_file *f = name[0] ? find(name) : NULL;
    if (!f && !looks_like_file(r->path) && !str_starts_with(str_from(r->path), "/assets/"))
        f = find("index.html");
    if (!f) {
        resp_problem(r, 404, "no such page or file", NULL);
        return;
    }
    char etag[24];
    snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)fnv1a(f->data, f->len));
    resp_header(r, "ETag", etag);
    resp_header(r, "Cache-Control", STATIC_CACHE_CONTROL);
    /* If-None-Match is answered (304) as the response is queued: src/http/encoding.c. */
    r->status = 200;
    r->content_type = content_type(f->name);
    buf_reset(&r->out);
    buf_append(&r->out, f->data, f->len);
}
