/*
 * libFuzzer: a CSV file imported into the demo database — header mapping, cells through
 * the declarations (value_from_text, list cells), duplicate detection, hooks, references,
 * the one write transaction and its audit entry. The first byte picks the resource (low
 * five bits), what to do with duplicates, and whether bad rows are set aside. The rest is
 * the file.
 *
 * Property: a file, however malformed, is imported (0) or refused as the file's fault
 * (IO_INVALID, with at least one issue listed and nothing committed) — never a failure
 * "not the file's fault" (a store error), never a crash.
 */
#include "fuzz_common.h"
#include "io/io.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536 || resource_count == 0)
        return 0;
    struct store *s = fuzz_store();
    static const enum io_dup_policy dup[] = {IO_DUP_ERROR, IO_DUP_SKIP, IO_DUP_UPDATE,
                                             IO_DUP_ERROR};
    struct principal who = {.role = ROLE_ADMIN, .user_id = 1, .email = "admin@civdesk.example"};
    struct io_import_opts o = {
        .res = resource_all[(data[0] & 0x1f) % resource_count],
        .who = &who,
        .on_duplicate = dup[(data[0] >> 5) & 3],
        .skip_invalid = (data[0] & 0x80) != 0,
        .source = "fuzz.csv",
    };
    /* fmemopen refuses a zero-length buffer: an empty file is a one-byte one read to
     * its end. */
    static char empty[1];
    FILE *in = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : fmemopen(empty, 1, "r");
    if (!in)
        return 0;
    if (size == 1)
        fseek(in, 0, SEEK_END);
    struct io_report rep = IO_REPORT_INIT;
    struct error err = ERROR_INIT;
    int rc = io_import_csv(s, &o, in, (int64_t)size - 1, &rep, &err);
    fclose(in);
    if (rc != 0 && rc != IO_INVALID) {
        fprintf(stderr, "import into %s failed (%d) not as the file's fault: %s\n", o.res->name, rc,
                err.msg);
        __builtin_trap();
    }
    if (rc == IO_INVALID && (rep.committed || rep.errors_total == 0)) {
        fprintf(stderr, "IO_INVALID with committed=%d and %zu errors\n", rep.committed,
                rep.errors_total);
        __builtin_trap();
    }
    io_report_release(&rep);
    return 0;
}
