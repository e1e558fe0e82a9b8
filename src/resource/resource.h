/*
 * resource: every stored resource is declared once, as a table of fields. Generic code
 * validates JSON input against it, writes records out as JSON, and the store builds its
 * SQL from it. Behaviour that is really specific lives in hooks beside the declaration.
 *
 * Adding a field is one line in a declaration (plus the column, in a new migration).
 */
#ifndef CIVDESK_RESOURCE_H
#define CIVDESK_RESOURCE_H

#include "core/core.h"
#include "json/json.h"

enum field_type {
    FT_TEXT,      /* string of at most max code points (min: at least) */
    FT_INT,       /* integer in [min, max] */
    FT_REAL,      /* number in [min, max] (e.g. latitude) */
    FT_BOOL,      /* true / false */
    FT_DATE,      /* "YYYY-MM-DD", a date that exists */
    FT_DATETIME,  /* RFC 3339, stored normalised to UTC "YYYY-MM-DDTHH:MM:SSZ" */
    FT_COUNTRY,   /* ISO 3166-1 alpha-2 */
    FT_LANG,      /* ISO 639-1 */
    FT_EMAIL,     /* an e-mail address */
    FT_URL,       /* an http(s) URL */
    FT_ENUM,      /* one of values[] */
    FT_TEXT_LIST, /* array of at most max strings (each at most LIMIT_TEXT_SHORT) */
    FT_REF,       /* id of a record of the collection `ref` */
    FT_REF_LIST,  /* array of ids of records of `ref` */
};

enum field_flag {
    F_REQUIRED = 1 << 0,    /* must be present and non-null on create; cannot be nulled */
    F_READONLY = 1 << 1,    /* set by the server only; refused in input */
    F_FILTER = 1 << 2,      /* ?name=value equality filter on lists */
    F_SORT = 1 << 3,        /* allowed in ?sort= */
    F_SEARCH = 1 << 4,      /* part of the text that ?q= searches */
    F_HIDDEN = 1 << 5,      /* never written out (secrets) */
    F_CREATE_ONLY = 1 << 6, /* may be given on create, never changed afterwards */
    F_TITLE = 1 << 7,       /* searchable as a title: weighs more than F_SEARCH text */
    F_STAFF_WRITES = 1 << 8, /* the ministry's (or the Committee's, as the ministry records
                                it) to set: anyone else setting or changing it gets 403
                                naming the field (domain_check_writers) */
    F_INTERNAL = 1 << 9,    /* the ministry's and the owner's only: left out for callers who
                               see the record because it is public (public_via) */
    F_STAFF_READS = 1 << 10, /* the ministry's working data (a desk officer, tags): read,
                                filtered and sorted by officers and administrators only —
                                never shown to an NGO, not even on its own record, nor to the
                                public. Declare it F_STAFF_WRITES too. */
};

struct field {
    const char *name;
    enum field_type type;
    unsigned flags;            /* enum field_flag */
    int64_t min, max;          /* lengths (code points / items) or numeric range */
    const char *const *values; /* FT_ENUM: NULL-terminated allowed values */
    const char *ref;           /* FT_REF / FT_REF_LIST: target collection */
};

/* One field's value. Text points into the request arena (or a store row copy). */
struct value {
    bool null;
    int64_t i;     /* FT_INT, FT_BOOL, FT_REF */
    double r;      /* FT_REAL */
    const char *s; /* text types; lists as their canonical JSON text */
    size_t n;
};

struct resource;

/* A stored record: metadata plus one value per declared field. */
struct record {
    const struct resource *res;
    int64_t id;
    int64_t version;
    char created_at[21];
    char updated_at[21];
    struct value *v; /* res->nfields values, arena-owned */
};

#define ERRORS_MAX_PARAMS 4

struct field_error {
    const char *field;   /* field name, or "" for the whole body */
    const char *message; /* English, stable text */
    const char *code;    /* stable code of the message (src/resource/codes.c), or NULL */
    const char *params[ERRORS_MAX_PARAMS]; /* the values printed into the message */
    size_t nparams;
};

/* A growing list of field errors, arena-backed. */
struct errors {
    struct arena *arena; /* borrowed */
    struct field_error *items;
    size_t n, cap;
};
void errors_init(struct errors *e, struct arena *a);
void errors_add(struct errors *e, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* src/resource/codes.c: the stable code of a message written with fmt (NULL if it has
 * none), and the values printed into it as text (0 when fmt cannot be read). */
const char *errors_code(const char *fmt, const char *message);
size_t errors_params(struct arena *a, const char *fmt, va_list ap, const char **out, size_t max);

/*
 * A sentence the server computes for a person — a warning on a record, a calendar title:
 * the English text, and beside it a stable code and the values printed into it, so that a
 * client says it in its own language as it does a problem's errors (issue 17). Codes are
 * part of the API: never change one, add a new one. Written out as
 * {"message", "code", "params"} (said_write).
 */
#define SAID_MAX_PARAMS 8
struct said {
    const char *text; /* English, arena-owned */
    const char *code; /* stable code */
    const char *params[SAID_MAX_PARAMS]; /* as text, arena-owned or static */
    size_t nparams;
};
/* s->text = fmt formatted (in a), s->code = code, s->params = the values printed, in
 * order (%s %d %lld %zu ...). */
void said_printf(struct said *s, struct arena *a, const char *code, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
/* Replaces s's parameters with the n texts given (copied into a; NULL stays NULL), when
 * the values a client needs are not those the English prints (a number, not "two"). */
void said_params(struct said *s, struct arena *a, size_t n, ...);
void said_write(struct jw *w, const struct said *s);

struct store_tx;
struct store_conn;
struct principal;
struct transition_entry;

/* What hooks see of the request: who, and where to read or write in the same transaction. */
struct hook_ctx {
    const struct principal *who; /* borrowed */
    bool detail;                 /* writing one record (not a list item): add its history */
    const struct transition_entry *history; /* detail: the record's moves, oldest first,
                                               loaded by the caller before record_to_json
                                               (store_transition_list), which reads none */
    size_t nhistory;
    struct store_conn *conn;     /* reads in the current transaction */
    struct store_tx *tx;         /* the write transaction, or NULL on reads */
    struct arena *arena;         /* request arena */
    bool owns_parent; /* writing sub-records: the caller reads their F_INTERNAL fields (the
                         ministry, or the organisation owning their parent), decided by
                         the caller first (domain_reads_internal, domain_sub_list_scope) —
                         a sub-record's owner is its parent's, which record_to_json does
                         not read */
};

/*
 * One legal move of a state machine. "*" as from means any state that is not final (a
 * state is final when no row leaves it explicitly). min_role is an enum role value
 * (src/auth/auth.h): the least role that may make the move.
 */
struct transition {
    const char *from;
    const char *to;
    int min_role;
};

/*
 * A list query parameter that is not plain equality on one of the resource's own fields
 * (?from=, ?to=, ?organisation_id= through a sub-resource, ?country= through a
 * reference). Declared beside the resource; the store turns it into SQL. The value is
 * validated like `field` (of this resource, or of `via`'s target); P_FROM / P_TO take
 * a date (YYYY-MM-DD) on date and date-time fields.
 */
enum param_kind {
    P_FROM,  /* field >= value: on or after that day */
    P_TO,    /* field <= value: on or before that day (date-times: up to its end) */
    P_CHILD, /* some record of the sub-resource `via` of this record has field = value */
    P_REF,   /* the record this one's FT_REF field `via` points at has field = value */
    P_COND,  /* true/false: a condition the store keeps under the name `via`, or its
                negation (e.g. overdue reports: src/store/ledger.c store_cond_sql) */
};

struct list_param {
    const char *name; /* the query parameter */
    enum param_kind kind;
    const char *field; /* the field compared: this resource's, or the one `via` leads to */
    const char *via;   /* P_CHILD: the sub-resource's name; P_REF: the FT_REF field */
    /* P_REF only, optional: a column of this resource's table that the database keeps
     * equal to the referenced field (triggers in the migration that adds it), so the
     * condition is a plain comparison an index serves, not a lookup per row. */
    const char *copy;
};

/* How the access rules (the grants on each route in src/http/routes.c, src/domain/access.c) read a declaration, beyond
 * owner and public_flag. A resource with neither, and no flag here, is for officers. */
enum resource_access {
    RES_REFERENCE = 1 << 0,        /* reference data: every signed-in user may read it */
    RES_ADMIN_WRITES = 1 << 2,     /* only administrators create, change or delete records
                                      (reference data the ministry's admins curate) */
    RES_OWNER_READS_ONLY = 1 << 1, /* the owning organisation may read its records but not
                                    change them (e.g. statuses a body granted) */
    RES_OWNER_ADDS_ONLY = 1 << 3,  /* the owning organisation may add records and read them,
                                      never change or remove one (comments) */
};

struct resource {
    const char *name;     /* collection path segment and audit name: "organisations" */
    const char *table;    /* SQL table */
    const char *singular; /* "organisation", for messages */
    const struct field *fields;
    size_t nfields;
    const char *owner;       /* field naming the owning organisation ("id" for organisations);
                                NULL: not owned by an organisation */
    const char *public_flag; /* bool field that makes a record visible to anyone, or NULL */
    /* FT_REF field whose referenced record's public flag makes this record visible to
     * anyone (an organisation's statuses are public when it is), or NULL. */
    const char *public_via;
    unsigned access; /* enum resource_access: how the access rules treat it */
    /* Sub-resources (/api/v1/{parent}/{id}/{path}): the parent collection, the FT_REF
     * field that points at the parent, and the path segment. NULL for top level. */
    const char *parent;
    const char *parent_field;
    const char *path;
    /* A sub-resource of a sub-resource, which the generic shapes do not reach: the
     * top-level segment its own routes address the parent by, as in
     * /api/v1/{parent_path}/{id}/{path} (routes.c has the rows). NULL otherwise. */
    const char *parent_path;
    /* State machine: the FT_ENUM field holding the state (read-only to plain PATCH), and
     * the legal moves, made through POST /{collection}/{id}/transitions. */
    const char *state_field;
    const struct transition *transitions;
    size_t ntransitions;
    /* Called inside the transaction of a transition after the state changed (rec holds
     * the new state, old the previous record). Field problems go to errs (→ 422), other
     * failures return negative with msg. */
    int (*on_transition)(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                         struct errors *errs, struct error *msg);
    /* Specific checks after the generic ones (old is NULL on create). */
    void (*validate)(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                     struct errors *errs);
    /* Read-only values computed from the record, appended to its JSON: exactly the
     * members computed_fields declares (tests/api/computed_fields.test.mjs checks). */
    void (*computed)(const struct hook_ctx *ctx, const struct record *rec, struct jw *w);
    const struct computed_field *computed_fields;
    size_t ncomputed;
    /* Possible duplicates, checked by imports (src/io/dupes.c); NULL when none. */
    const struct duplicate_rule *duplicates;
    size_t nduplicates;
    /* A large import may set the table's secondary indexes aside and build them again at
     * its end (src/io/import.c): only for resources whose hooks read other tables, or
     * rows by id, never this table by an indexed column. */
    bool import_sets_indexes_aside;
    /* Tables that are not declared resources but refer to this one's records (the users
     * of an organisation): a record one of them refers to cannot be deleted (409), as
     * with a declared reference. NULL when none. */
    const struct held_by *held_by;
    size_t nheld_by;
    /* Rules between records (one person in two overlapping delegations): run after
     * validation on create and update; STORE_CONFLICT with msg naming the other record
     * makes the write a 409, other negatives fail it with msg. */
    int (*check_conflict)(const struct hook_ctx *ctx, const struct record *rec,
                          const struct record *old, struct error *msg);
    /* Query parameters beyond field equality (see struct list_param). */
    const struct list_param *params;
    size_t nparams;
    /* Fields whose JSON input may also be an object, which a hook turns into the stored
     * value (see struct field_input). NULL when none. */
    const struct field_input *inputs;
    size_t ninputs;
    /* FT_BOOL field that, when set, makes the record the ministry's only: no one below
     * officer sees it, whoever owns it (an officer's internal comment). NULL: none. */
    const char *internal_flag;
};

/*
 * A read-only member that a resource's computed hook writes into each record's JSON,
 * declared beside the stored fields so that /api/v1/openapi.json (and so the UI) knows
 * its name, type and meaning. type is a JSON Schema type ("string", "integer", "boolean",
 * "array", "object"); format refines a string ("date", "uri") or is NULL.
 */
enum computed_flag {
    CF_NULLABLE = 1 << 0, /* may be null */
    CF_DETAIL = 1 << 1,   /* only on one record (GET …/{id}, writes), not on list items */
    CF_OPTIONAL = 1 << 2, /* left out when there is nothing to say */
};

struct computed_field {
    const char *name;
    const char *type;
    const char *format;
    unsigned flags; /* enum computed_flag */
    const char *about;
};

/*
 * A possible-duplicate rule: two records of the resource may be the same when the exact
 * fields are equal and, if similar is set, that field is similar (same words, any case or
 * script); report_field is the field an import report shows for the pair, why says which
 * rule it was. Fields the resource lacks disable the rule.
 */
struct duplicate_rule {
    const char *exact[3];
    const char *similar;
    const char *report_field;
    const char *why;
};

/* A table outside the declarations whose column refers to a resource's records. */
struct held_by {
    const char *table;  /* e.g. "users" */
    const char *column; /* e.g. "organisation_id" */
};

/*
 * A second input form of one field: when the JSON value given for `field` is an object,
 * record_from_json hands it to from_object instead of refusing it, which validates it and
 * writes the stored value into out (text in arena a). NULL on success, else why not (the
 * error names the field). Any other JSON value takes the field's declared type as usual.
 * A committee session: {"year": 2017, "part": "regular"} stored as "2017 regular".
 */
struct field_input {
    const char *field;
    const char *(*from_object)(json_t *obj, struct arena *a, struct value *out);
};

/* ---- registry ----------------------------------------------------------------------- */

extern const struct resource *const resource_all[];
extern const size_t resource_count;
const struct resource *resource_find(struct str name);
int resource_field_index(const struct resource *res, const char *name); /* -1 if absent */
const struct field *resource_field(const struct resource *res, const char *name);
/* The declared list parameter called name, or NULL. */
const struct list_param *resource_param(const struct resource *res, struct str name);
/* The field a list parameter compares with (of res, or of the resource it goes through);
 * BUG() if the declaration does not resolve. */
const struct field *list_param_field(const struct resource *res, const struct list_param *p);

/* ---- records ------------------------------------------------------------------------ */

struct record *record_new(const struct resource *res, struct arena *a); /* all null */
struct record *record_copy(const struct record *src, struct arena *a);

/*
 * A record's fields by name, for hooks and other code that knows its resource: the field
 * must be declared on rec's resource (BUG otherwise — a typo in the code, not an input).
 * Text is borrowed from rec; record_set_text copies s into a (NULL: null).
 */
struct value *record_val(const struct record *rec, const char *name);
const char *record_text(const struct record *rec, const char *name); /* NULL when null */
int64_t record_int(const struct record *rec, const char *name);      /* 0 when null */
void record_set_text(struct record *rec, const char *name, const char *s, struct arena *a);
void record_set_int(struct record *rec, const char *name, int64_t v);
/* The text of field `name` when rec's resource declares it and it is not null, else NULL
 * (code reading records of several resources). */
const char *record_text_if(const struct record *rec, const char *name);
/* Checks every item of rec's text list `name` (FT_TEXT_LIST, declared) with valid: each
 * refused item is an error on the field, "'<item>' is not <what>". */
void record_check_items(const struct record *rec, const char *name, bool (*valid)(struct str),
                        const char *what, struct errors *errs);

enum record_mode {
    RECORD_CREATE, /* rec starts empty; required fields enforced */
    RECORD_PATCH,  /* rec starts as the stored record; JSON merge patch applied onto it */
};

/*
 * Validates a JSON object against the declaration and applies it to rec. Every problem
 * is added to errs (unknown fields, read-only fields, types, lengths, formats, required);
 * rec is only meaningful when errs->n is 0 afterwards.
 */
void record_from_json(struct record *rec, json_t *obj, enum record_mode mode, struct arena *a,
                      struct errors *errs);

/*
 * Reads a selection of records, "1,2,3" (1 to LIMIT_ID_SET ids, each a positive integer;
 * repeats count once), into out: out->s a JSON array of the ids ("[1,2,3]", in a),
 * out->i how many. -1 with *why (static English) on anything else.
 */
int value_id_set(struct str text, struct arena *a, struct value *out, const char **why);

/* Validates one value given as text (CSV cells, query-string filters) into out. */
int value_from_text(const struct field *f, struct str text, struct arena *a, struct value *out,
                    const char **message);

/* Writes the record as a JSON object: id, declared fields, computed, metadata; with
 * ctx->detail, also "history" from ctx->history (a resource with a state machine). It
 * reads nothing itself: what the record needs is loaded before, so a database error is
 * the caller's to answer, never a silently empty history. */
void record_to_json(const struct hook_ctx *ctx, const struct record *rec, struct jw *w);
/* The record's stored fields only, for audit before/after images. */
void record_to_audit_json(const struct record *rec, struct buf *out);

#endif
