/*
 * libFuzzer: a request body through the path every write takes — the guarded JSON
 * reader, then validation against a resource declaration (create and merge-patch), then
 * the record written back as JSON and as an audit image. The first byte picks the
 * resource, so every declaration is exercised.
 */
#include "domain/domain.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || resource_count == 0)
        return 0;
    const struct resource *res = resource_all[data[0] % resource_count];
    json_t *obj;
    if (json_read_object((const char *)data + 1, size - 1, &obj, NULL) != JSON_READ_OK)
        return 0;
    struct arena a = ARENA_INIT;
    for (int mode = 0; mode < 2; mode++) {
        struct errors errs;
        errors_init(&errs, &a);
        struct record *rec = record_new(res, &a);
        record_from_json(rec, obj, mode ? RECORD_PATCH : RECORD_CREATE, &a, &errs);
        struct buf out = BUF_INIT;
        struct jw w;
        jw_init(&w, &out);
        record_to_json(NULL, rec, &w);
        /* Whatever was accepted must serialise to JSON that parses back. */
        json_t *back = json_loadb(out.p, out.n, 0, NULL);
        if (!back)
            __builtin_trap();
        json_decref(back);
        buf_reset(&out);
        record_to_audit_json(rec, &out);
        buf_release(&out);
    }
    json_decref(obj);
    arena_release(&a);
    return 0;
}
