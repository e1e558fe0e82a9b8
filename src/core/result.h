/*
 * core/result: the one enumeration of result codes. Every layer returns these: 0 on
 * success, a negative code on failure, with the message in the caller's struct error.
 * The names keep the layer that introduced them; the values are all here, so no two
 * mean different things and http/request.c maps each to one HTTP status.
 */
#ifndef CIVDESK_CORE_RESULT_H
#define CIVDESK_CORE_RESULT_H

enum result {
    STORE_OK = 0,
    /* error_set's value: a failure whose message says what; of no kind below (503 when it
     * reaches a handler). Not STORE_NOT_FOUND: a failure is never taken for a 404. */
    ERROR_FAILED = -1,
    STORE_CONFLICT = -2,   /* a uniqueness rule: message names the fields */
    STORE_VERSION = -3,    /* the record changed since the version the caller had */
    STORE_REFERENCED = -4, /* other records still point at this one: message says which */
    STORE_BAD_REF = -5,    /* a reference to a record that does not exist */
    STORE_NOT_FOUND = -6,  /* no such record */
    STORE_ERROR = -10,     /* anything else: I/O, corruption; message for the log */
    DOMAIN_INVALID = -20,  /* input not valid: a struct errors holds per-field messages */
    DOMAIN_FORBIDDEN = -21, /* visible, but the caller's role may not do this: 403 */
    USERS_BUSY = -22,      /* too many passwords are being hashed right now: try again */
    IO_INVALID = -30,      /* an import's rows were invalid: nothing was imported */
};

#endif
