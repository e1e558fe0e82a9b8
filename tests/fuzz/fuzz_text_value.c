/*
 * libFuzzer: a text value (a CSV cell, a query-string filter) validated as every field
 * type of every declaration — value_from_text must accept or refuse, never crash, and
 * what it accepts must be valid UTF-8.
 */
#include "domain/domain.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || resource_count == 0)
        return 0;
    const struct resource *res = resource_all[data[0] % resource_count];
    if (res->nfields == 0)
        return 0;
    const struct field *f = &res->fields[data[1] % res->nfields];
    struct arena a = ARENA_INIT;
    struct value v;
    const char *why;
    struct str text = {(const char *)data + 2, size - 2};
    if (value_from_text(f, text, &a, &v, &why) == 0 && !v.null && v.s && !utf8_valid(v.s, v.n))
        __builtin_trap();
    arena_release(&a);
    return 0;
}
