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
size_t country_count(void);
const char *country_code_at(size_t i);

#endif
