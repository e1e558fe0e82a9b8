/*
 * libFuzzer: the date and number parsers. A date that parses must print back the same;
 * a date-time that parses must format to RFC 3339 and parse again to the same instant.
 */
#include "core/core.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str s = {(const char *)data, size};
    int y, m, d;
    if (date_parse(s, &y, &m, &d) == 0) {
        char back[11];
        date_from_unix(days_from_civil(y, m, d) * 86400, back);
        if (size != 10 || memcmp(back, data, 10) != 0)
            __builtin_trap();
    }
    int64_t t, t2;
    if (datetime_parse(s, &t) == 0) {
        char out[21];
        time_rfc3339(t, out);
        if (t >= days_from_civil(1000, 1, 1) * 86400 && t < days_from_civil(9999, 1, 1) * 86400 &&
            (datetime_parse(str_from(out), &t2) != 0 || t2 != t))
            __builtin_trap();
    }
    int64_t n;
    (void)parse_i64(s, INT64_MIN, INT64_MAX, &n);
    (void)utf8_valid((const char *)data, size);
    return 0;
}
