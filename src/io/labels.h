#ifndef CIVDESK_IO_LABELS_H
#define CIVDESK_IO_LABELS_H
/*
 * The web UI's field labels ('f.*' in web/assets/js/strings.js), generated at build time
 * by tools/gen_labels.c: what a person reads as a column's name, in each UI language.
 */
#include <stddef.h>

struct io_field_label {
    const char *lang;  /* "en", "ru" */
    const char *name;  /* the field's name, as the API and import write it */
    const char *label; /* the UI's label */
};

extern const struct io_field_label io_field_labels[];
extern const size_t io_field_labels_n;

#endif
