/*
 * What the ledger's files (ledger.c, ledger_rules.c, ledger_applications.c,
 * ledger_settings.c) share and nothing else includes: reading and setting a record's
 * fields by name, and the checks several declarations make.
 */
#ifndef CIVDESK_LEDGER_INT_H
#define CIVDESK_LEDGER_INT_H

#include "domain/ledger.h"

/* The text of field `name` of rec (borrowed from rec), or NULL when null; the field must
 * be declared on rec's resource (BUG otherwise). */
const char *ledger_text(const struct record *rec, const char *name);
/* The integer of field `name` of rec, 0 when null; the field must be declared. */
int64_t ledger_int(const struct record *rec, const char *name);
/* Sets field `name` of rec to a copy of s in a (NULL: null); the field must be declared. */
void ledger_set_text(struct record *rec, const char *name, const char *s, struct arena *a);
/* Sets field `name` of rec to v; the field must be declared. */
void ledger_set_int(struct record *rec, const char *name, int64_t v);

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
