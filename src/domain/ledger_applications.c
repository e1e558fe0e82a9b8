/*
 * The applications' declaration (its state machine, computed deadlines and warnings, the
 * grant that creates or updates an accreditation) and the Committee's questions on an
 * application or on a quadrennial report, which share one validation.
 */
#include "domain/ledger.h"
#include "core/limits.h"
#include "core/valid.h"
#include "domain/access.h"
#include "domain/ledger_int.h"
#include "store/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- applications -------------------------------------------------------------------- */

static const char *const application_states[] = {
    "draft",       "submitted", "endorsed", "filed",  "under_review", "deferred",
    "recommended", "granted",   "rejected", "closed", "withdrawn",    NULL};

/* DESIGN §3 (issue 14). Final states are those no row leaves: granted, rejected, closed,
 * withdrawn. The ministry's support (endorsed) is a step an application may pass through,
 * not one it must: NGOs apply to the UN directly. The Committee votes applications down at
 * review as well as after recommending them. */
static const struct transition application_moves[] = {
    {"draft", "submitted", ROLE_NGO},           /* the NGO sends it to the ministry */
    {"submitted", "draft", ROLE_OFFICER},       /* returned to the NGO with a note */
    {"submitted", "endorsed", ROLE_OFFICER},    /* the ministry supports it */
    {"draft", "filed", ROLE_OFFICER},           /* filed with the body directly */
    {"submitted", "filed", ROLE_OFFICER},       /* filed without waiting for support */
    {"endorsed", "filed", ROLE_OFFICER},        /* filed with the ministry's support */
    {"filed", "under_review", ROLE_OFFICER},    /* on the Committee's agenda */
    {"under_review", "deferred", ROLE_OFFICER}, /* questions asked */
    {"deferred", "under_review", ROLE_OFFICER}, /* answered, back on the agenda */
    {"under_review", "recommended", ROLE_OFFICER},
    {"recommended", "granted", ROLE_OFFICER},   /* creates or reclassifies the accreditation */
    {"under_review", "rejected", ROLE_OFFICER}, /* voted down at review */
    {"deferred", "rejected", ROLE_OFFICER},
    {"recommended", "rejected", ROLE_OFFICER}, /* e.g. ECOSOC does not follow the Committee */
    {"under_review", "closed", ROLE_OFFICER},  /* closed by the body */
    {"deferred", "closed", ROLE_OFFICER},      /* e.g. questions left unanswered */
    {"recommended", "closed", ROLE_OFFICER},
    {"*", "withdrawn", ROLE_NGO}, /* from any state that is not final */
};

/* Whether rec's text field `field` holds one of values (NULL-terminated). */
static bool field_is(const struct record *rec, const char *field, const char *const *values)
{
    const char *s = record_text(rec, field);
    for (; s && *values; values++)
        if (strcmp(*values, s) == 0)
            return true;
    return false;
}

static bool state_is(const struct record *rec, const char *const *states)
{
    return field_is(rec, "state", states);
}

static const char *const before_filing[] = {"draft", "submitted", "endorsed", NULL};

/* A session field is "YYYY regular" or "YYYY resumed"; a value stored before issue 14 in
 * another form is left alone until it is changed. */
/* The years a Committee session may be given in: the Committee on NGOs first met in 1946. */
enum { SESSION_YEAR_MIN = 1946, SESSION_YEAR_MAX = 2100 };

static void check_session(const struct record *rec, const struct record *old, const char *field,
                          struct errors *errs)
{
    const char *s = record_text(rec, field), *was = old ? record_text(old, field) : NULL;
    int y;
    bool resumed;
    if (s && !(was && strcmp(s, was) == 0) &&
        (!ledger_session_parse(s, &y, &resumed) || y > SESSION_YEAR_MAX))
        errors_add(errs, field,
                   "must be a Committee session as {\"year\": 1946..2100, \"part\": \"regular\" "
                   "or \"resumed\"} or as \"YYYY regular\" or \"YYYY resumed\"");
}

/*
 * The object form of a Committee session, {"year": 2017, "part": "regular"}, into the
 * stored text "2017 regular" (struct field_input). Both keys are required and no other
 * is allowed; the year is 1946..2100, the part "regular" or "resumed".
 */
static const char *session_from_object(json_t *obj, struct arena *a, struct value *out)
{
    json_t *year = json_object_get(obj, "year"), *part = json_object_get(obj, "part");
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (strcmp(key, "year") != 0 && strcmp(key, "part") != 0)
            return "a Committee session has only \"year\" and \"part\"";
    }
    if (!json_is_integer(year) || json_integer_value(year) < SESSION_YEAR_MIN ||
        json_integer_value(year) > SESSION_YEAR_MAX)
        return "year must be a whole number from 1946 to 2100";
    const char *p = json_is_string(part) ? json_string_value(part) : NULL;
    if (!ledger_session_part(p))
        return "part must be \"regular\" or \"resumed\"";
    out->null = false;
    out->s = arena_printf(a, "%d %s", (int)json_integer_value(year), p);
    out->n = strlen(out->s);
    return NULL;
}

static const struct field_input application_inputs[] = {
    {"committee_session", session_from_object},
};

static const struct field_input question_inputs[] = {
    {"asked_at_session", session_from_object},
};

/* The session as {"year", "part"}, or null. */
static void write_session(struct jw *w, const char *key, const char *s)
{
    int y;
    bool resumed;
    jw_key(w, key);
    if (!ledger_session_parse(s, &y, &resumed)) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kint(w, "year", y);
    jw_kstr(w, "part", resumed ? "resumed" : "regular");
    jw_obj_end(w);
}

static void application_validate(const struct hook_ctx *ctx, struct record *rec,
                                 const struct record *old, struct errors *errs)
{
    struct body_rules b;
    if (!record_int(rec, "organisation_id"))
        errors_add(errs, "organisation_id", "is required");
    ledger_check_body_status(ctx, rec, "requested_status", &b, errs);
    /* Whether the ministry supported it is the ministry's to say: set by `endorsed`, or by
     * an officer (e.g. consulted after filing); an NGO cannot claim it. */
    int si = resource_field_index(rec->res, "ministry_supported");
    if (rec->v[si].null)
        rec->v[si] = (struct value){.i = 0};
    int64_t was = old && !old->v[si].null ? old->v[si].i : 0;
    if (ctx->who && ctx->who->role == ROLE_NGO && rec->v[si].i != was)
        errors_add(errs, "ministry_supported", "is recorded by the ministry");
    check_session(rec, old, "committee_session", errs);
    if (old && !state_is(old, before_filing) &&
        strcmp(record_text(old, "requested_status"), record_text(rec, "requested_status")) != 0)
        errors_add(errs, "requested_status", "cannot change once the application is filed");
    char today[11];
    ledger_today(today);
    ledger_not_in_future(rec, "filed_on", today, errs);
    ledger_not_in_future(rec, "decided_on", today, errs);
    const char *filed = record_text(rec, "filed_on"), *decided = record_text(rec, "decided_on");
    if (filed && decided && strcmp(decided, filed) < 0)
        errors_add(errs, "decided_on", "is before filed_on");
}

/* The date eligibility and the filing deadline are judged on: when filed, else today. */
static const char *judged_on(const struct record *rec, const char *today)
{
    const char *filed = record_text(rec, "filed_on");
    return filed ? filed : today;
}

struct reapply {
    const struct body_rules *b;
    const char *today;
    struct arena *a;
    const char *latest; /* the latest may_reapply_on of a withdrawn status at the body */
};

static void reapply_row(void *arg, const struct store_due_row *row)
{
    struct reapply *k = arg;
    if (strcmp(row->body, k->b->code) != 0 || strcmp(row->state, "withdrawn") != 0)
        return;
    struct sanctions s;
    ledger_sanctions(k->b, row->status, row->state, row->granted_on, row->last_period_end, k->today,
                     &s);
    if (s.may_reapply_on[0] && (!k->latest || strcmp(s.may_reapply_on, k->latest) > 0))
        k->latest = arena_strdup(k->a, s.may_reapply_on);
}

/* When an organisation whose status at b was withdrawn for a missed report may apply
 * again (three years after the withdrawal, resolution 2008/4); NULL when nothing bars it. */
static const char *may_reapply_on(const struct hook_ctx *ctx, const struct body_rules *b,
                                  int64_t org, const char *today)
{
    struct reapply k = {.b = b, .today = today, .a = ctx->arena};
    if (store_org_accreditations(ctx->conn, org, reapply_row, &k) < 0)
        return NULL;
    return k.latest;
}

struct oldest_open {
    int oldest; /* session index, -1: none */
};

static void oldest_open_session(void *arg, const char *session)
{
    struct oldest_open *k = arg;
    int y;
    bool resumed;
    if (!ledger_session_parse(session, &y, &resumed))
        return;
    int idx = y * 2 + (resumed ? 1 : 0);
    if (k->oldest < 0 || idx < k->oldest)
        k->oldest = idx;
}

/* Questions unanswered over two consecutive sessions (asked at S, still open once S+2 has
 * begun: three reminders over two sessions, DESIGN §2): the oldest such session's index,
 * or -1. */
static int closure_due_since(const struct hook_ctx *ctx, int64_t app, const char *today)
{
    struct oldest_open k = {.oldest = -1};
    if (store_open_question_sessions(ctx->conn, app, oldest_open_session, &k) < 0)
        return -1;
    return k.oldest >= 0 && ledger_session_current(today) >= k.oldest + 2 ? k.oldest : -1;
}

static const struct computed_field application_computed_fields[] = {
    {"filing_deadline", "string", "date", CF_NULLABLE,
     "the last day to file for consideration in considered_in (null: no deadline applies)"},
    {"considered_in", "integer", NULL, CF_NULLABLE, "the year the Committee would consider it"},
    {"session", "object", NULL, CF_NULLABLE, "committee_session as data: {\"year\", \"part\"}"},
    {"warnings", "array", NULL, 0, "eligibility and deadline warnings, for a person"},
    {"warning_details", "array", NULL, 0,
     "the same warnings with a stable code and parameters, for a client to say in its language"},
    {"closure_due", "boolean", NULL, 0,
     "questions unanswered over two sessions: the body may close consideration"},
    {"questions", "object", NULL, 0, "the deferral questions: {\"total\", \"open\"}"},
};

static void application_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    struct body_rules b;
    char today[11], deadline[11];
    ledger_today(today);
    bool rules = ctx && ctx->conn &&
                 ledger_body_rules(ctx->conn, record_text(rec, "body"), ctx->arena, &b) == STORE_OK;
    int considered = 0;
    bool has_deadline = rules && (record_text(rec, "filed_on") || state_is(rec, before_filing)) &&
                        ledger_deadline_applies(&b, record_text(rec, "requested_status")) &&
                        ledger_filing_deadline(&b, judged_on(rec, today), deadline, &considered);
    jw_kstr(w, "filing_deadline", has_deadline ? deadline : NULL);
    jw_key(w, "considered_in");
    if (has_deadline)
        jw_int(w, considered);
    else
        jw_null(w);

    struct said warnings[7];
    size_t n = 0;
    int64_t total = 0, open = 0;
    int closure_since = -1; /* session index of the oldest question unanswered for two */
    if (rules) {
        struct record *org;
        const char *founded = NULL;
        if (store_get(ctx->conn, &res_organisations, record_int(rec, "organisation_id"), ctx->arena,
                      &org) == STORE_OK)
            founded = record_text(org, "founded_on");
        n = ledger_eligibility(&b, record_text(rec, "requested_status"), founded,
                               judged_on(rec, today), ctx->arena, warnings,
                               ARRAY_SIZE(warnings) - 1);
        const char *held = NULL, *held_since = NULL;
        int64_t current;
        struct record *acc;
        if (store_current_accreditation(ctx->conn, record_int(rec, "organisation_id"), b.code,
                                        &current) == STORE_OK &&
            current &&
            store_get(ctx->conn, &res_accreditations, current, ctx->arena, &acc) == STORE_OK) {
            held = record_text(acc, "status");
            held_since = record_text(acc, "granted_on");
        }
        if (n < ARRAY_SIZE(warnings) - 1 &&
            ledger_prerequisite_warning(&b, record_text(rec, "requested_status"), held, held_since,
                                        judged_on(rec, today), ctx->arena, &warnings[n]))
            n++;
        const char *reapply = may_reapply_on(ctx, &b, record_int(rec, "organisation_id"), today);
        if (reapply && strcmp(judged_on(rec, today), reapply) < 0 && n < ARRAY_SIZE(warnings) - 1)
            said_printf(&warnings[n++], ctx->arena, "may_reapply",
                        "the organisation's %s status was withdrawn for a missed report: it "
                        "may apply again from %s",
                        b.code, reapply);
        store_question_counts(ctx->conn, rec->id, &total, &open);
        closure_since = closure_due_since(ctx, rec->id, today);
        const char *const deferred[] = {"deferred", NULL};
        if (open && state_is(rec, deferred))
            said_printf(&warnings[n++], ctx->arena, "unanswered",
                        open == 1 ? "%lld question from %s is unanswered: unanswered "
                                    "questions lead to closure"
                                  : "%lld questions from %s are unanswered: unanswered "
                                    "questions lead to closure",
                        (long long)open, b.code);
    }
    static const char *const open_states[] = {"under_review", "deferred", NULL};
    bool closure = closure_since >= 0 && state_is(rec, open_states);
    if (closure && n < ARRAY_SIZE(warnings))
        said_printf(&warnings[n++], ctx->arena, "closure_due",
                    "questions asked at the %d %s session are unanswered after two consecutive "
                    "sessions: closure of the application is due (record it with the move to "
                    "closed)",
                    closure_since / 2, closure_since % 2 ? "resumed" : "regular");
    jw_key(w, "warnings");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, warnings[i].text);
    jw_arr_end(w);
    jw_key(w, "warning_details"); /* the same, with a code and parameters (issue 17) */
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        said_write(w, &warnings[i]);
    jw_arr_end(w);
    jw_kbool(w, "closure_due", closure);
    write_session(w, "session", record_text(rec, "committee_session"));
    jw_key(w, "questions");
    jw_obj(w);
    jw_kint(w, "total", total);
    jw_kint(w, "open", open);
    jw_obj_end(w);
}

/*
 * granted: the organisation now holds the status. Without a current status at the body,
 * a new accreditation; with one, this is a reclassification (special → general, roster →
 * special): the same accreditation changes status in place (one per organisation and
 * body), granted_on becomes the decision date — the reporting cycle of the new status
 * begins in that year, and a report made for a period before it does not move it
 * (ledger_report_due) — and the change is kept in the status history. Both go through
 * the generic write path (references, validation, conflicts, audit) in the transition's
 * transaction.
 */
static int grant(const struct hook_ctx *ctx, const struct record *app, const char *on,
                 struct errors *errs, struct error *msg)
{
    int64_t org = record_int(app, "organisation_id"), existing;
    const char *body = record_text(app, "body"), *status = record_text(app, "requested_status");
    int rc = store_current_accreditation(ctx->conn, org, body, &existing);
    if (rc < 0)
        return error_set(msg, "could not read the organisation's accreditations"), rc;
    const char *from = NULL;
    struct record *acc;
    if (!existing) {
        acc = record_new(&res_accreditations, ctx->arena);
        record_set_int(acc, "organisation_id", org);
        record_set_text(acc, "body", body, ctx->arena);
        record_set_text(acc, "status", status, ctx->arena);
        record_set_text(acc, "granted_on", on, ctx->arena);
        record_set_text(acc, "state", "active", ctx->arena);
        record_set_int(acc, "application_id", app->id);
        rc = domain_insert_tx(ctx->tx, ctx->who, acc, ctx->arena, errs, msg);
    } else {
        struct record *old;
        if ((rc = store_get(ctx->conn, &res_accreditations, existing, ctx->arena, &old)) < 0)
            return error_set(msg, "could not read accreditation %lld", (long long)existing), rc;
        from = record_text(old, "status");
        acc = record_copy(old, ctx->arena);
        record_set_text(acc, "status", status, ctx->arena);
        record_set_text(acc, "granted_on", on, ctx->arena);
        record_set_text(acc, "state", "active", ctx->arena);
        record_set_int(acc, "application_id", app->id);
        rc = domain_update_tx(ctx->tx, ctx->who, old, acc, ctx->arena, errs, msg);
    }
    if (rc < 0)
        return rc;
    /* a reclassification is kept by the accreditation's own hook (status changed) */
    return from ? 0 : store_status_history_add(ctx->tx, acc->id, NULL, status, on, app->id, msg);
}

static int application_on_transition(const struct hook_ctx *ctx, struct record *rec,
                                     const struct record *old, struct errors *errs,
                                     struct error *msg)
{
    char today[11];
    ledger_today(today);
    const char *to = record_text(rec, "state");
    if (strcmp(to, "filed") == 0 && !record_text(rec, "filed_on"))
        record_set_text(rec, "filed_on", today, ctx->arena);
    if (strcmp(to, "endorsed") == 0)
        record_set_int(rec, "ministry_supported", 1);
    static const char *const decided[] = {"granted", "rejected", "closed", NULL};
    if (state_is(rec, decided) && !record_text(rec, "decided_on"))
        record_set_text(rec, "decided_on", today, ctx->arena);
    if (strcmp(to, "granted") == 0)
        return grant(ctx, rec, record_text(rec, "decided_on"), errs, msg);
    return 0;
}

static const struct field application_fields[] = {
    /* required (validate), but an NGO may leave it out: it is then its own organisation */
    {"organisation_id", FT_REF, F_FILTER | F_CREATE_ONLY, 0, 0, NULL, "organisations"},
    {"body", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_CREATE_ONLY, 1, 32, NULL, NULL},
    {"requested_status", FT_TEXT, F_REQUIRED | F_FILTER, 1, 32, NULL, NULL},
    {"state", FT_ENUM, F_READONLY | F_FILTER | F_SORT, 0, 0, application_states, NULL},
    {"committee_session", FT_TEXT, F_FILTER | F_STAFF_WRITES, 0, 64, NULL, NULL},
    {"ministry_supported", FT_BOOL, F_FILTER, 0, 0, NULL, NULL}, /* endorsed, or said later */
    {"filed_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"decided_on", FT_DATE, F_SORT | F_STAFF_WRITES, 0, 0, NULL, NULL},
    {"notes", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

static const struct list_param application_params[] = {
    {"country", P_REF, "country", "organisation_id", NULL},
};

const struct resource res_applications = {
    .name = "applications",
    .table = "applications",
    .singular = "application",
    .fields = application_fields,
    .nfields = ARRAY_SIZE(application_fields),
    .owner = "organisation_id",
    .state_field = "state",
    .transitions = application_moves,
    .ntransitions = ARRAY_SIZE(application_moves),
    .on_transition = application_on_transition,
    .validate = application_validate,
    .computed = application_computed,
    .computed_fields = application_computed_fields,
    .ncomputed = ARRAY_SIZE(application_computed_fields),
    .params = application_params,
    .nparams = ARRAY_SIZE(application_params),
    .inputs = application_inputs,
    .ninputs = ARRAY_SIZE(application_inputs),
};

/* ---- deferral questions -------------------------------------------------------------- */

/* Fields an NGO may set on its application's questions: the answer, not the question. */
static const char *const answer_fields[] = {"answer", "answered_on", NULL};

/*
 * The checks a deferral question has whatever it was asked about (an application, a
 * quadrennial report): an NGO only answers; dates; the session. False when the record
 * is refused outright (an NGO creating a question).
 */
static bool question_common(const struct hook_ctx *ctx, struct record *rec,
                            const struct record *old, struct errors *errs)
{
    if (ctx->who && ctx->who->role == ROLE_NGO) {
        if (!old) {
            errors_add(errs, "question",
                       "questions are recorded by the ministry; answer them "
                       "with a PATCH of the question");
            return false;
        }
        for (size_t i = 0; i < rec->res->nfields; i++) {
            const char *name = rec->res->fields[i].name;
            bool answer = false;
            for (const char *const *f = answer_fields; *f; f++)
                answer |= strcmp(*f, name) == 0;
            const struct value *a = &rec->v[i], *b = &old->v[i];
            bool same =
                a->null == b->null &&
                (a->null || (a->n == b->n && a->i == b->i && (!a->s || !memcmp(a->s, b->s, a->n))));
            if (!answer && !same)
                errors_add(errs, name, "only the answer may be changed by your organisation");
        }
    }
    char today[11];
    ledger_today(today);
    if (!record_text(rec, "asked_on"))
        record_set_text(rec, "asked_on", today, ctx->arena);
    const char *answer = record_text(rec, "answer");
    if (answer && !record_text(rec, "answered_on"))
        record_set_text(rec, "answered_on", today, ctx->arena);
    if (!answer && record_text(rec, "answered_on"))
        errors_add(errs, "answered_on", "is only set together with an answer");
    ledger_not_in_future(rec, "asked_on", today, errs);
    ledger_not_in_future(rec, "answered_on", today, errs);
    const char *asked = record_text(rec, "asked_on"), *answered = record_text(rec, "answered_on");
    if (answered && strcmp(answered, asked) < 0)
        errors_add(errs, "answered_on", "is before asked_on");
    check_session(rec, old, "asked_at_session", errs);
    if (!record_text(rec, "asked_at_session") && asked && date_valid(str_from(asked))) {
        int idx = ledger_session_current(asked);
        record_set_text(rec, "asked_at_session",
                        arena_printf(ctx->arena, "%d %s", idx / 2, idx % 2 ? "resumed" : "regular"),
                        ctx->arena);
    }
    return true;
}

static void question_validate(const struct hook_ctx *ctx, struct record *rec,
                              const struct record *old, struct errors *errs)
{
    if (!question_common(ctx, rec, old, errs) || old)
        return;
    /* Questions come with a deferral: the body asks them while reviewing. */
    struct record *app;
    static const char *const reviewing[] = {"under_review", "deferred", NULL};
    if (store_get(ctx->conn, &res_applications, record_int(rec, "application_id"), ctx->arena,
                  &app) == STORE_OK &&
        !state_is(app, reviewing))
        errors_add(errs, "application_id",
                   "questions are recorded while the body reviews the application "
                   "(under_review or deferred); it is %s",
                   record_text(app, "state"));
}

static const struct field question_fields[] = {
    {"application_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "applications"},
    {"question", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"asked_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"answer", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"answered_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    /* the Committee session that asked it, "2017 regular"; default: the one of asked_on */
    {"asked_at_session", FT_TEXT, F_FILTER, 0, 16, NULL, NULL},
};

static const struct computed_field question_computed_fields[] = {
    {"session", "object", NULL, CF_NULLABLE, "asked_at_session as data: {\"year\", \"part\"}"},
};

static void question_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    write_session(w, "session", record_text(rec, "asked_at_session"));
}

const struct resource res_application_questions = {
    .name = "application_questions",
    .table = "application_questions",
    .singular = "question",
    .fields = question_fields,
    .nfields = ARRAY_SIZE(question_fields),
    .parent = "applications",
    .parent_field = "application_id",
    .path = "questions",
    .validate = question_validate,
    .computed = question_computed,
    .computed_fields = question_computed_fields,
    .ncomputed = ARRAY_SIZE(question_computed_fields),
    .inputs = question_inputs,
    .ninputs = ARRAY_SIZE(question_inputs),
};

/* Questions on a quadrennial report: the Committee may defer a report with questions as it
 * does an application; the organisation answers them (issue 14 item 8). */
static void report_question_validate(const struct hook_ctx *ctx, struct record *rec,
                                     const struct record *old, struct errors *errs)
{
    if (!question_common(ctx, rec, old, errs) || old)
        return;
    /* Asked while the Committee considers the report (pending) or with its deferral. */
    struct record *report;
    static const char *const considering[] = {"pending", "deferred", NULL};
    if (store_get(ctx->conn, &res_accreditation_reports, record_int(rec, "report_id"), ctx->arena,
                  &report) == STORE_OK &&
        !field_is(report, "outcome", considering))
        errors_add(errs, "report_id",
                   "questions are recorded while the Committee considers the report "
                   "(pending or deferred); its outcome is %s",
                   record_text(report, "outcome"));
}

static const struct field report_question_fields[] = {
    {"report_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL,
     "accreditation_reports"},
    {"question", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"asked_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"answer", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"answered_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"asked_at_session", FT_TEXT, F_FILTER, 0, 16, NULL, NULL},
};

static const struct field_input report_question_inputs[] = {
    {"asked_at_session", session_from_object},
};

const struct resource res_report_questions = {
    .name = "report_questions",
    .table = "report_questions",
    .singular = "question",
    .fields = report_question_fields,
    .nfields = ARRAY_SIZE(report_question_fields),
    .parent = "accreditation_reports",
    .parent_field = "report_id",
    .path = "questions",
    .parent_path = "accreditation-reports", /* a report is itself a sub-record */
    .validate = report_question_validate,
    .computed = question_computed,
    .computed_fields = question_computed_fields,
    .ncomputed = ARRAY_SIZE(question_computed_fields),
    .inputs = report_question_inputs,
    .ninputs = ARRAY_SIZE(report_question_inputs),
};
