/*
 * What the ledger's files (ledger.c, ledger_rules.c, ledger_applications.c,
 * ledger_settings.c) share and nothing else includes: the checks several declarations
 * make. (A record's fields by name: record_text and the others of resource.h.)
 */
#ifndef CIVDESK_LEDGER_INT_H
#define CIVDESK_LEDGER_INT_H

#include "domain/ledger.h"

/* Whether p names a part of a Committee session ("regular", "resumed"); NULL: false. */
bool ledger_session_part(const char *p);

/* Loads the body named by rec's `body` into *b and checks rec's status field against it;
 * false (with errs filled) when either is wrong. */
bool ledger_check_body_status(const struct hook_ctx *ctx, const struct record *rec,
                              const char *status_field, struct body_rules *b, struct errors *errs);
/* Adds an error to errs when rec's date `field` lies after today. */
void ledger_not_in_future(const struct record *rec, const char *field, const char *today,
                          struct errors *errs);

#endif
