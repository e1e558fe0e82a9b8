/*
 * Validation of the value types the data model uses. Pure functions on borrowed bytes.
 * Reference lists (countries, languages) come from Debian's iso-codes, embedded at build
 * time by tools/gen_iso.c — never typed by hand.
 */
#ifndef CIVDESK_VALID_H
#define CIVDESK_VALID_H

#include "core/core.h"

bool valid_email(struct str s);            /* local@domain.tld, no spaces, one @, length-limited */
bool valid_http_url(struct str s);         /* http:// or https://, a host, no spaces or controls */
bool valid_country(struct str s);          /* ISO 3166-1 alpha-2, upper case, assigned */
const char *country_name(struct str code); /* English name, or NULL */
bool valid_lang(struct str s);             /* ISO 639-1 two-letter code, lower case */
/* Which characters text_chars_problem refuses beyond the C0/C1 controls and DEL. */
enum text_rules {
    TEXT_ONE_LINE = 1 << 0,  /* also CR, LF, U+2028, U+2029: a name, a title, a city */
    TEXT_NO_FORMAT = 1 << 1, /* also tab and Unicode format characters (bidi overrides
                                and isolates, zero-width, BOM, soft hyphen): file names */
};
/* NULL if the valid UTF-8 text s[0..n) holds no character the rules refuse, else an
 * English message for the field ("contains ..."). Tab, CR and LF are allowed
 * unless the rules say otherwise. */
const char *text_chars_problem(const char *s, size_t n, unsigned rules);
size_t country_count(void);
const char *country_code_at(size_t i);

#endif
