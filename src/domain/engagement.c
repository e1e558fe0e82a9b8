/*
 * Declarations of the engagement records (DESIGN §3) and the hooks that carry their few
 * specific rules: defaults taken from a person's organisation, date order, the proposal
 * and report state machines, the delegation overlap rule, the word limit on submission.
 * Everything else — validation, JSON, SQL, lists, audit — is the generic machinery's.
 * Documents, their translations and attachments are declared in engagement_documents.c.
 */
#include "domain/engagement.h"
#include "core/limits.h"
#include "core/valid.h"

#include <string.h>

/* ---- small record helpers ----------------------------------------------------------- */

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* `later` must not be before `earlier` when both are given (dates or date-times). */
static void check_order(const struct record *rec, const char *earlier, const char *later,
                        struct errors *errs)
{
    const char *e = record_text(rec, earlier), *l = record_text(rec, later);
    if (e && l && strcmp(l, e) < 0)
        errors_add(errs, later, "must not be before %s", earlier);
}

static void check_not_future(const struct record *rec, const char *name, struct errors *errs)
{
    const char *d = record_text(rec, name);
    char today[11];
    date_from_unix(now_unix(), today);
    if (d && strncmp(d, today, 10) > 0)
        errors_add(errs, name, "is in the future");
}

/* When person_id is given and organisation_id is not, take the person's organisation. */
static void default_organisation(const struct hook_ctx *ctx, struct record *rec)
{
    struct value *org = record_val(rec, "organisation_id");
    const struct value *person = record_val(rec, "person_id");
    struct record *p;
    if (!org->null || person->null || !ctx->conn ||
        store_get(ctx->conn, &res_people, person->i, ctx->arena, &p) != STORE_OK)
        return;
    const struct value *po = record_val(p, "organisation_id");
    if (!po->null)
        *org = (struct value){.i = po->i};
}

/* A body code must name a body of the reference table, when the ledger declares it. */
static void check_body(const struct hook_ctx *ctx, const struct record *rec, const char *name,
                       struct errors *errs)
{
    const char *code = record_text(rec, name);
    const struct resource *bodies = resource_find(STR("bodies"));
    int ci = bodies ? resource_field_index(bodies, "code") : -1;
    if (!code || ci < 0 || !ctx->conn)
        return;
    struct list_query q = {.sort = -1, .limit = 1, .nfilters = 1};
    q.filters[0] = (struct filter){.field = ci, .v = {.s = code, .n = strlen(code)}};
    struct list_result lr;
    struct error err = ERROR_INIT;
    if (store_list(ctx->conn, bodies, &q, ctx->arena, &lr, &err) == STORE_OK && lr.n == 0)
        errors_add(errs, name, "no body with code %s (see /api/v1/bodies)", code);
}

static void today_text(char out[11])
{
    date_from_unix(now_unix(), out);
}

/* ---- meetings ----------------------------------------------------------------------- */

static const char *const meeting_kinds[] = {"annual_ministerial",
                                            "departmental",
                                            "deputy_minister",
                                            "consultation",
                                            "dialogue",
                                            "other",
                                            NULL};

static void meeting_validate(const struct hook_ctx *ctx, struct record *rec,
                             const struct record *old, struct errors *errs)
{
    check_order(rec, "starts_at", "ends_at", errs);
}

static const struct field meeting_fields[] = {
    {"kind", FT_ENUM, F_REQUIRED | F_FILTER | F_SORT, 0, 0, meeting_kinds, NULL},
    {"title", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"starts_at", FT_DATETIME, F_REQUIRED | F_SORT, 0, 0, NULL, NULL},
    {"ends_at", FT_DATETIME, F_SORT, 0, 0, NULL, NULL},
    {"location", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"department", FT_TEXT, F_FILTER | F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"chair", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"agenda", FT_TEXT_LIST, 0, 0, 50, NULL, NULL},
    {"summary", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"published", FT_BOOL, F_FILTER, 0, 0, NULL, NULL},
};

static const struct list_param meeting_params[] = {
    {"from", P_FROM, "starts_at", NULL, NULL},
    {"to", P_TO, "starts_at", NULL, NULL},
    {"organisation_id", P_CHILD, "organisation_id", "meeting_participants", NULL},
    {"person_id", P_CHILD, "person_id", "meeting_participants", NULL},
};

const struct resource res_meetings = {
    .name = "meetings",
    .table = "meetings",
    .singular = "meeting",
    .fields = meeting_fields,
    .nfields = ARRAY_SIZE(meeting_fields),
    .public_flag = "published",
    .validate = meeting_validate,
    .params = meeting_params,
    .nparams = ARRAY_SIZE(meeting_params),
};

static const char *const participant_roles[] = {"participant", "chair",     "speaker",
                                                "observer",    "organiser", NULL};

static void participant_validate(const struct hook_ctx *ctx, struct record *rec,
                                 const struct record *old, struct errors *errs)
{
    default_organisation(ctx, rec);
    if (record_val(rec, "person_id")->null && record_val(rec, "organisation_id")->null)
        errors_add(errs, "person_id", "give the person or the organisation taking part");
    if (record_val(rec, "role")->null)
        record_set_text(rec, "role", participant_roles[0], ctx->arena);
}

static const struct field participant_fields[] = {
    {"meeting_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "meetings"},
    {"person_id", FT_REF, F_FILTER, 0, 0, NULL, "people"},
    {"organisation_id", FT_REF, F_FILTER, 0, 0, NULL, "organisations"},
    {"role", FT_ENUM, F_FILTER, 0, 0, participant_roles, NULL},
    {"attended", FT_BOOL, F_FILTER, 0, 0, NULL, NULL},
    {"notes", FT_TEXT, F_INTERNAL, 0, LIMIT_TEXT_MEDIUM, NULL, NULL}, /* the ministry's */
};

const struct resource res_meeting_participants = {
    .name = "meeting_participants",
    .table = "meeting_participants",
    .singular = "meeting participant",
    .fields = participant_fields,
    .nfields = ARRAY_SIZE(participant_fields),
    .parent = "meetings",
    .parent_field = "meeting_id",
    .path = "participants",
    .validate = participant_validate,
};

static const struct field action_fields[] = {
    {"meeting_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "meetings"},
    {"text", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"owner", FT_TEXT, F_FILTER, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"due_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"done", FT_BOOL, F_FILTER, 0, 0, NULL, NULL},
};

static const struct list_param action_params[] = {
    {"from", P_FROM, "due_on", NULL, NULL},
    {"to", P_TO, "due_on", NULL, NULL},
};

const struct resource res_meeting_actions = {
    .name = "meeting_actions",
    .table = "meeting_actions",
    .singular = "action item",
    .fields = action_fields,
    .nfields = ARRAY_SIZE(action_fields),
    .parent = "meetings",
    .parent_field = "meeting_id",
    .path = "actions",
    .params = action_params,
    .nparams = ARRAY_SIZE(action_params),
};

/* ---- proposals ---------------------------------------------------------------------- */

static const char *const proposal_states[] = {
    "received", "under_review", "accepted", "partially_accepted", "declined", "implemented", NULL};

static const struct transition proposal_transitions[] = {
    {"received", "under_review", ROLE_OFFICER},
    {"under_review", "accepted", ROLE_OFFICER},
    {"under_review", "partially_accepted", ROLE_OFFICER},
    {"under_review", "declined", ROLE_OFFICER},
    {"accepted", "implemented", ROLE_OFFICER},
    {"partially_accepted", "implemented", ROLE_OFFICER},
};

/* The states that answer a proposal: each needs the ministry's response on record. */
static const char *const proposal_answers[] = {"accepted", "partially_accepted", "declined", NULL};

static int proposal_on_transition(const struct hook_ctx *ctx, struct record *rec,
                                  const struct record *old, struct errors *errs, struct error *msg)
{
    const char *to = record_text(rec, "state");
    bool answer = false;
    for (const char *const *s = proposal_answers; *s; s++)
        answer |= strcmp(*s, to) == 0;
    if (!answer)
        return 0;
    const char *response = record_text(rec, "response");
    if (!response || !*response)
        errors_add(errs, "response",
                   "give the ministry's response (PATCH response) before moving to %s", to);
    char today[11];
    today_text(today);
    record_set_text(rec, "answered_on", today, ctx->arena);
    if (record_val(rec, "answered_by")->null)
        record_set_text(rec, "answered_by",
                        ctx->who && ctx->who->email ? ctx->who->email : "system", ctx->arena);
    return 0;
}

static void proposal_validate(const struct hook_ctx *ctx, struct record *rec,
                              const struct record *old, struct errors *errs)
{
    const struct value *orgs = record_val(rec, "organisation_ids");
    if (orgs->null || strcmp(orgs->s, "[]") == 0)
        errors_add(errs, "organisation_ids", "name at least one organisation making it");
}

static const struct field proposal_fields[] = {
    {"title", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"text", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 10, NULL, NULL},
    {"organisation_ids", FT_REF_LIST, F_REQUIRED | F_FILTER, 0, 50, NULL, "organisations"},
    {"meeting_id", FT_REF, F_FILTER, 0, 0, NULL, "meetings"},
    {"area", FT_TEXT, F_FILTER, 0, 64, NULL, NULL},
    {"addressed_to", FT_TEXT, F_FILTER | F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"state", FT_ENUM, F_READONLY | F_FILTER, 0, 0, proposal_states, NULL},
    {"response", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"answered_by", FT_TEXT, 0, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"answered_on", FT_DATE, F_READONLY | F_SORT, 0, 0, NULL, NULL},
};

const struct resource res_proposals = {
    .name = "proposals",
    .table = "proposals",
    .singular = "proposal",
    .fields = proposal_fields,
    .nfields = ARRAY_SIZE(proposal_fields),
    .owner = "organisation_ids",
    .state_field = "state",
    .transitions = proposal_transitions,
    .ntransitions = ARRAY_SIZE(proposal_transitions),
    .on_transition = proposal_on_transition,
    .validate = proposal_validate,
};

/* ---- delegations -------------------------------------------------------------------- */

static void delegation_validate(const struct hook_ctx *ctx, struct record *rec,
                                const struct record *old, struct errors *errs)
{
    check_order(rec, "starts_on", "ends_on", errs);
    check_body(ctx, rec, "body", errs);
}

static int clash_message(const struct delegation_clash *c, struct error *msg)
{
    error_set(msg,
              "%s is already a member of delegation %lld \"%s\" (%s to %s), whose dates "
              "overlap; one person cannot be in two delegations at once",
              c->person ? c->person : "this person", (long long)c->delegation_id,
              c->forum ? c->forum : "", c->starts_on ? c->starts_on : "",
              c->ends_on ? c->ends_on : "");
    return STORE_CONFLICT;
}

/* New dates for a delegation must not make any of its members overlap elsewhere. */
static int delegation_conflict(const struct hook_ctx *ctx, const struct record *rec,
                               const struct record *old, struct error *msg)
{
    const char *s = record_text(rec, "starts_on"), *e = record_text(rec, "ends_on");
    if (!old ||
        (same_text(s, record_text(old, "starts_on")) && same_text(e, record_text(old, "ends_on"))))
        return 0;
    struct delegation_clash c;
    bool found;
    if (store_delegation_members_clash(ctx->conn, rec->id, s, e, ctx->arena, &found, &c) < 0)
        return error_set(msg, "the overlap check failed"), STORE_ERROR;
    return found ? clash_message(&c, msg) : 0;
}

static const struct field delegation_fields[] = {
    {"forum", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"body", FT_TEXT, F_FILTER, 0, 32, NULL, NULL},
    {"starts_on", FT_DATE, F_REQUIRED | F_SORT, 0, 0, NULL, NULL},
    {"ends_on", FT_DATE, F_REQUIRED | F_SORT, 0, 0, NULL, NULL},
    {"notes", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

/* A delegation is in [from, to] when its span overlaps it. */
static const struct list_param delegation_params[] = {
    {"from", P_FROM, "ends_on", NULL, NULL},
    {"to", P_TO, "starts_on", NULL, NULL},
    {"person_id", P_CHILD, "person_id", "delegation_members", NULL},
    {"organisation_id", P_CHILD, "organisation_id", "delegation_members", NULL},
};

const struct resource res_delegations = {
    .name = "delegations",
    .table = "delegations",
    .singular = "delegation",
    .fields = delegation_fields,
    .nfields = ARRAY_SIZE(delegation_fields),
    .validate = delegation_validate,
    .check_conflict = delegation_conflict,
    .params = delegation_params,
    .nparams = ARRAY_SIZE(delegation_params),
};

static const char *const member_roles[] = {"head", "official", "expert", "adviser", NULL};

static void member_validate(const struct hook_ctx *ctx, struct record *rec,
                            const struct record *old, struct errors *errs)
{
    default_organisation(ctx, rec);
}

/* A person may not be in two delegations whose dates overlap. */
static int member_conflict(const struct hook_ctx *ctx, const struct record *rec,
                           const struct record *old, struct error *msg)
{
    const struct value *person = record_val(rec, "person_id"),
                       *deleg = record_val(rec, "delegation_id");
    if (old && record_val(old, "person_id")->i == person->i)
        return 0; /* the same person: nothing new to check */
    struct record *d;
    if (store_get(ctx->conn, &res_delegations, deleg->i, ctx->arena, &d) != STORE_OK)
        return 0; /* check_refs has reported it */
    struct delegation_clash c;
    bool found;
    if (store_delegation_clash(ctx->conn, person->i, deleg->i, record_text(d, "starts_on"),
                               record_text(d, "ends_on"), ctx->arena, &found, &c) < 0)
        return error_set(msg, "the overlap check failed"), STORE_ERROR;
    return found ? clash_message(&c, msg) : 0;
}

static const struct field member_fields[] = {
    {"delegation_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "delegations"},
    {"person_id", FT_REF, F_REQUIRED | F_FILTER, 0, 0, NULL, "people"},
    {"role", FT_ENUM, F_REQUIRED | F_FILTER, 0, 0, member_roles, NULL},
    {"organisation_id", FT_REF, F_FILTER, 0, 0, NULL, "organisations"},
    {"notes", FT_TEXT, 0, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

const struct resource res_delegation_members = {
    .name = "delegation_members",
    .table = "delegation_members",
    .singular = "delegation member",
    .fields = member_fields,
    .nfields = ARRAY_SIZE(member_fields),
    .parent = "delegations",
    .parent_field = "delegation_id",
    .path = "members",
    .validate = member_validate,
    .check_conflict = member_conflict,
};

/* ---- reports ------------------------------------------------------------------------ */

static const char *const report_kinds[] = {
    "human_rights",         "upr_submission",    "shadow_report", "monitoring",
    "election_observation", "written_statement", "other",         NULL};
static const char *const report_states[] = {"draft",     "in_review", "submitted",
                                            "published", "withdrawn", NULL};

static const struct transition report_transitions[] = {
    {"draft", "in_review", ROLE_NGO},
    {"in_review", "draft", ROLE_OFFICER},
    {"in_review", "submitted", ROLE_OFFICER},
    {"submitted", "published", ROLE_OFFICER},
    {"*", "withdrawn", ROLE_NGO},
};

/* Submitting is refused while the text is over the limit of the target's rules. */
static int report_on_transition(const struct hook_ctx *ctx, struct record *rec,
                                const struct record *old, struct errors *errs, struct error *msg)
{
    if (strcmp(record_text(rec, "state"), "submitted") != 0)
        return 0;
    int64_t words;
    struct word_limit wl;
    if (report_words(ctx->conn, rec, ctx->arena, &words, &wl) < 0)
        return error_set(msg, "counting the report's words failed"), STORE_ERROR;
    if (wl.limit && words > wl.limit)
        errors_add(errs, "text",
                   "has %lld words, over the limit of %lld (%s); shorten it before submitting",
                   (long long)words, (long long)wl.limit, wl.rule);
    /* Human Rights Council written statements: only organisations in ECOSOC consultative
     * status may submit them (ECOSOC resolution 1996/31, HRC resolution 5/1). */
    if (strcmp(record_text(rec, "kind"), "written_statement") == 0) {
        int64_t without[8];
        size_t n;
        report_authors_without_ecosoc(ctx->conn, rec, ctx->arena, without, ARRAY_SIZE(without), &n);
        for (size_t i = 0; i < n; i++)
            errors_add(errs, "organisation_ids",
                       "organisation %lld holds no active ECOSOC status: only organisations in "
                       "ECOSOC consultative status may submit written statements to the Human "
                       "Rights Council",
                       (long long)without[i]);
    }
    if (record_val(rec, "submitted_on")->null) {
        char today[11];
        today_text(today);
        record_set_text(rec, "submitted_on", today, ctx->arena);
    }
    return 0;
}

static void report_validate(const struct hook_ctx *ctx, struct record *rec,
                            const struct record *old, struct errors *errs)
{
    check_body(ctx, rec, "target_body", errs);
}

/* word_count, word_limit, word_limit_rule and warnings a person should act on. */
static const struct computed_field report_computed_fields[] = {
    {"word_count", "integer", NULL, CF_NULLABLE, "words in the text, counted in any script"},
    {"word_limit", "integer", NULL, CF_NULLABLE,
     "the most words the target body's rules allow this kind (null: no limit)"},
    {"word_limit_rule", "string", NULL, CF_NULLABLE, "the rule the limit comes from"},
    {"warnings", "array", NULL, 0, "over the limit, past the deadline: for a person"},
    {"warning_details", "array", NULL, 0,
     "the same warnings with a stable code and parameters, for a client to say in its language"},
};

static void report_computed(const struct hook_ctx *ctx, const struct record *rec, struct jw *w)
{
    if (!ctx || !ctx->conn)
        return;
    int64_t words = 0;
    struct word_limit wl = {0};
    bool counted = report_words(ctx->conn, rec, ctx->arena, &words, &wl) == 0;
    jw_key(w, "word_count");
    if (counted)
        jw_int(w, words);
    else
        jw_null(w);
    jw_key(w, "word_limit");
    if (wl.limit)
        jw_int(w, wl.limit);
    else
        jw_null(w);
    jw_kstr(w, "word_limit_rule", wl.rule);
    struct said warn[2];
    size_t n = 0;
    if (counted && wl.limit && words > wl.limit)
        said_printf(&warn[n++], ctx->arena, "over_limit", "%lld words, over the limit of %lld (%s)",
                    (long long)words, (long long)wl.limit, wl.rule);
    const char *deadline = record_text(rec, "deadline_on"), *state = record_text(rec, "state");
    char today[11];
    today_text(today);
    if (deadline && state && (!strcmp(state, "draft") || !strcmp(state, "in_review")) &&
        strcmp(deadline, today) < 0)
        said_printf(&warn[n++], ctx->arena, "deadline_passed", "the deadline (%s) has passed",
                    deadline);
    jw_key(w, "warnings");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, warn[i].text);
    jw_arr_end(w);
    jw_key(w, "warning_details"); /* the same, with a code and parameters (issue 17) */
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        said_write(w, &warn[i]);
    jw_arr_end(w);
}

static const struct field report_fields[] = {
    {"kind", FT_ENUM, F_REQUIRED | F_FILTER | F_SORT, 0, 0, report_kinds, NULL},
    {"title", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"organisation_ids", FT_REF_LIST, F_FILTER, 0, 50, NULL, "organisations"},
    {"target_body", FT_TEXT, F_FILTER, 0, 32, NULL, NULL},
    {"subject_country", FT_COUNTRY, F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"deadline_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"submitted_on", FT_DATE, F_READONLY | F_SORT, 0, 0, NULL, NULL},
    {"state", FT_ENUM, F_READONLY | F_FILTER, 0, 0, report_states, NULL},
    {"summary", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"text", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_LONG, NULL, NULL},
};

static const struct list_param report_params[] = {
    {"from", P_FROM, "deadline_on", NULL, NULL},
    {"to", P_TO, "deadline_on", NULL, NULL},
};

const struct resource res_reports = {
    .name = "reports",
    .table = "reports",
    .singular = "report",
    .fields = report_fields,
    .nfields = ARRAY_SIZE(report_fields),
    .owner = "organisation_ids",
    .state_field = "state",
    .transitions = report_transitions,
    .ntransitions = ARRAY_SIZE(report_transitions),
    .on_transition = report_on_transition,
    .validate = report_validate,
    .computed = report_computed,
    .computed_fields = report_computed_fields,
    .ncomputed = ARRAY_SIZE(report_computed_fields),
    .params = report_params,
    .nparams = ARRAY_SIZE(report_params),
};

static const struct field recommendation_fields[] = {
    {"report_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL, "reports"},
    {"text", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"addressee", FT_TEXT, F_FILTER, 0, LIMIT_TEXT_SHORT, NULL, NULL},
};

const struct resource res_report_recommendations = {
    .name = "report_recommendations",
    .table = "report_recommendations",
    .singular = "recommendation",
    .fields = recommendation_fields,
    .nfields = ARRAY_SIZE(recommendation_fields),
    .parent = "reports",
    .parent_field = "report_id",
    .path = "recommendations",
};

/* ---- incidents ---------------------------------------------------------------------- */

static const char *const incident_kinds[] = {"journalist_restriction", "memorial_vandalism",
                                             "rights_violation", "other", NULL};

static void incident_validate(const struct hook_ctx *ctx, struct record *rec,
                              const struct record *old, struct errors *errs)
{
    check_not_future(rec, "occurred_on", errs);
    record_check_items(rec, "sources", valid_http_url, "an http:// or https:// address", errs);
}

static const struct field incident_fields[] = {
    {"kind", FT_ENUM, F_REQUIRED | F_FILTER | F_SORT, 0, 0, incident_kinds, NULL},
    {"occurred_on", FT_DATE, F_REQUIRED | F_SORT, 0, 0, NULL, NULL},
    {"country", FT_COUNTRY, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"place", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"description", FT_TEXT, F_REQUIRED | F_SEARCH, 1, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"sources", FT_TEXT_LIST, 0, 0, 20, NULL, NULL},
    {"report_ids", FT_REF_LIST, F_FILTER, 0, 20, NULL, "reports"},
};

static const struct list_param incident_params[] = {
    {"from", P_FROM, "occurred_on", NULL, NULL},
    {"to", P_TO, "occurred_on", NULL, NULL},
};

const struct resource res_incidents = {
    .name = "incidents",
    .table = "incidents",
    .singular = "incident",
    .fields = incident_fields,
    .nfields = ARRAY_SIZE(incident_fields),
    .validate = incident_validate,
    .params = incident_params,
    .nparams = ARRAY_SIZE(incident_params),
};

/* ---- working groups ----------------------------------------------------------------- */

static const struct field working_group_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"mandate", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
    {"established_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"lead_department", FT_TEXT, F_FILTER, 0, LIMIT_TEXT_SHORT, NULL, NULL},
};

static void working_group_validate(const struct hook_ctx *ctx, struct record *rec,
                                   const struct record *old, struct errors *errs)
{
    check_not_future(rec, "established_on", errs);
}

const struct resource res_working_groups = {
    .name = "working-groups",
    .table = "working_groups",
    .singular = "working group",
    .fields = working_group_fields,
    .nfields = ARRAY_SIZE(working_group_fields),
    .validate = working_group_validate,
};

static const char *const wg_roles[] = {"chair",  "deputy_chair", "secretary",
                                       "member", "expert",       NULL};

static void wg_member_validate(const struct hook_ctx *ctx, struct record *rec,
                               const struct record *old, struct errors *errs)
{
    default_organisation(ctx, rec);
}

static const struct field wg_member_fields[] = {
    {"working_group_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL,
     "working-groups"},
    {"person_id", FT_REF, F_REQUIRED | F_FILTER, 0, 0, NULL, "people"},
    {"organisation_id", FT_REF, F_FILTER, 0, 0, NULL, "organisations"},
    {"role", FT_ENUM, F_REQUIRED | F_FILTER, 0, 0, wg_roles, NULL},
    {"since", FT_DATE, F_SORT, 0, 0, NULL, NULL},
};

const struct resource res_working_group_members = {
    .name = "working_group_members",
    .table = "working_group_members",
    .singular = "working group member",
    .fields = wg_member_fields,
    .nfields = ARRAY_SIZE(wg_member_fields),
    .parent = "working-groups",
    .parent_field = "working_group_id",
    .path = "members",
    .validate = wg_member_validate,
};

static const char *const site_kinds[] = {"memorial", "monument", "cemetery", "burial_site",
                                         "building", "museum",   "other",    NULL};
static const char *const site_conditions[] = {"good",      "fair",    "poor", "critical",
                                              "destroyed", "unknown", NULL};

/* A position is both coordinates or neither (the ranges are declared). */
static void site_validate(const struct hook_ctx *ctx, struct record *rec, const struct record *old,
                          struct errors *errs)
{
    bool lat = !record_val(rec, "lat")->null, lon = !record_val(rec, "lon")->null;
    if (lat != lon)
        errors_add(errs, lat ? "lon" : "lat", "give both latitude and longitude, or neither");
}

static const struct field site_fields[] = {
    {"working_group_id", FT_REF, F_REQUIRED | F_CREATE_ONLY | F_FILTER, 0, 0, NULL,
     "working-groups"},
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"kind", FT_ENUM, F_REQUIRED | F_FILTER, 0, 0, site_kinds, NULL},
    {"place", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"country", FT_COUNTRY, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"lat", FT_REAL, 0, -90, 90, NULL, NULL},
    {"lon", FT_REAL, 0, -180, 180, NULL, NULL},
    {"condition", FT_ENUM, F_FILTER, 0, 0, site_conditions, NULL},
    {"notes", FT_TEXT, 0, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

const struct resource res_working_group_sites = {
    .name = "working_group_sites",
    .table = "working_group_sites",
    .singular = "site",
    .fields = site_fields,
    .nfields = ARRAY_SIZE(site_fields),
    .parent = "working-groups",
    .parent_field = "working_group_id",
    .path = "sites",
    .validate = site_validate,
};
