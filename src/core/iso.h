/* Tables generated from Debian's iso-codes by tools/gen_iso.c, sorted by code. */
#ifndef CIVDESK_ISO_H
#define CIVDESK_ISO_H
#include <stddef.h>

struct iso_entry {
    const char *code; /* "RU", "en" */
    const char *name; /* English name */
};

extern const struct iso_entry iso_countries[];
extern const size_t iso_countries_count;
extern const struct iso_entry iso_languages[];
extern const size_t iso_languages_count;

#endif
