/*
 * The schemas of /api/v1/openapi.json, written from the resource declarations (fields,
 * computed members, states) and, for the answers and bodies of the routes that are not a
 * resource's, from one table of shapes below — so a client generated from the document
 * has a type for every answer, and the API suite validates each answer against it.
 */
#include "http/openapi_schema.h"
#include "domain/domain.h"
#include "search/search.h"

#include <string.h>

static void schema_of_field(struct jw *w, const struct field *f)
{
    static const struct {
        enum field_type t;
        const char *type, *format;
    } map[] = {
        {FT_TEXT, "string", NULL},
        {FT_INT, "integer", NULL},
        {FT_REAL, "number", NULL},
        {FT_BOOL, "boolean", NULL},
        {FT_DATE, "string", "date"},
        {FT_DATETIME, "string", "date-time"},
        {FT_COUNTRY, "string", "iso3166-1-alpha-2"},
        {FT_LANG, "string", "iso639-1"},
        {FT_EMAIL, "string", "email"},
        {FT_URL, "string", "uri"},
        {FT_ENUM, "string", NULL},
        {FT_TEXT_LIST, "array", NULL},
        {FT_REF, "integer", NULL},
        {FT_REF_LIST, "array", NULL},
    };
    jw_obj(w);
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (map[i].t != f->type)
            continue;
        jw_key(w, "type");
        if (f->flags & F_REQUIRED) {
            jw_str(w, map[i].type);
        } else {
            jw_arr(w);
            jw_str(w, map[i].type);
            jw_str(w, "null");
            jw_arr_end(w);
        }
        if (map[i].format)
            jw_kstr(w, "format", map[i].format);
    }
    if (f->type == FT_TEXT && f->max)
        jw_kint(w, "maxLength", f->max);
    if (f->type == FT_ENUM && f->values) {
        jw_key(w, "enum");
        jw_arr(w);
        for (const char *const *v = f->values; *v; v++)
            jw_str(w, *v);
        if (!(f->flags & F_REQUIRED))
            jw_null(w); /* a nullable enum lists null, or null fails its own schema */
        jw_arr_end(w);
    }
    if (f->type == FT_TEXT_LIST || f->type == FT_REF_LIST) {
        jw_key(w, "items");
        jw_obj(w);
        jw_kstr(w, "type", f->type == FT_TEXT_LIST ? "string" : "integer");
        jw_obj_end(w);
        jw_kint(w, "maxItems", f->max ? f->max : 100);
    }
    if (f->ref)
        jw_kstr(w, "x-references", f->ref);
    if (f->flags & F_READONLY)
        jw_kbool(w, "readOnly", true);
    if (f->flags & F_STAFF_WRITES)
        jw_kstr(w, "x-writers", "staff"); /* officers and administrators only */
    if (f->flags & F_STAFF_READS)
        jw_kstr(w, "x-readers", "staff"); /* never shown to an NGO nor the public */
    if (f->flags & F_FILTER)
        jw_kbool(w, "x-filter", true);
    if (f->flags & F_SORT)
        jw_kbool(w, "x-sort", true);
    jw_obj_end(w);
}

static void schema_of_resource(struct jw *w, const struct resource *res)
{
    jw_key(w, res->name);
    jw_obj(w);
    jw_kstr(w, "type", "object");
    jw_key(w, "properties");
    jw_obj(w);
    jw_key(w, "id");
    jw_obj(w);
    jw_kstr(w, "type", "integer");
    jw_kbool(w, "readOnly", true);
    jw_obj_end(w);
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & F_HIDDEN)
            continue;
        jw_key(w, res->fields[i].name);
        schema_of_field(w, &res->fields[i]);
    }
    /* The computed members, as declared beside the fields (read-only, x-computed). */
    for (size_t i = 0; i < res->ncomputed; i++) {
        const struct computed_field *cf = &res->computed_fields[i];
        jw_key(w, cf->name);
        jw_obj(w);
        jw_key(w, "type");
        if (cf->flags & CF_NULLABLE) {
            jw_arr(w);
            jw_str(w, cf->type);
            jw_str(w, "null");
            jw_arr_end(w);
        } else {
            jw_str(w, cf->type);
        }
        if (cf->format)
            jw_kstr(w, "format", cf->format);
        jw_kstr(w, "description", cf->about);
        jw_kbool(w, "readOnly", true);
        jw_kbool(w, "x-computed", true);
        if (cf->flags & CF_DETAIL)
            jw_kbool(w, "x-detail", true); /* on one record, not on list items */
        if (cf->flags & CF_OPTIONAL)
            jw_kbool(w, "x-optional", true);
        jw_obj_end(w);
    }
    if (res->transitions) {
        jw_key(w, "history");
        jw_obj(w);
        jw_kstr(w, "type", "array");
        jw_kstr(w, "description", "the record's moves, oldest first: from, to, by, at, note");
        jw_kbool(w, "readOnly", true);
        jw_kbool(w, "x-computed", true);
        jw_kbool(w, "x-detail", true);
        jw_obj_end(w);
    }
    static const char *const meta[] = {"created_at", "updated_at", "version"};
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++) {
        jw_key(w, meta[i]);
        jw_obj(w);
        jw_kstr(w, "type", i < 2 ? "string" : "integer");
        jw_kbool(w, "readOnly", true);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_key(w, "required");
    jw_arr(w);
    for (size_t i = 0; i < res->nfields; i++)
        if (res->fields[i].flags & F_REQUIRED)
            jw_str(w, res->fields[i].name);
    jw_arr_end(w);
    if (res->state_field) {
        jw_key(w, "x-transitions");
        jw_arr(w);
        for (size_t i = 0; i < res->ntransitions; i++) {
            jw_obj(w);
            jw_kstr(w, "from", res->transitions[i].from);
            jw_kstr(w, "to", res->transitions[i].to);
            jw_kstr(w, "min_role", role_name((enum role)res->transitions[i].min_role));
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    /* What the access rules read (src/domain/access.c). */
    jw_kbool(w, "x-resource", true); /* a declared resource (not a patch nor an answer's shape) */
    jw_kstr(w, "x-owner", res->owner);
    jw_kstr(w, "x-public-flag", res->public_flag);
    jw_kstr(w, "x-public-via", res->public_via);
    jw_kstr(w, "x-parent", res->parent);
    jw_kstr(w, "x-parent-field", res->parent_field);
    jw_kstr(w, "x-path", res->path);
    jw_kstr(w, "x-parent-path", res->parent_path);
    jw_kstr(w, "x-state-field", res->state_field);
    jw_kbool(w, "x-reference", (res->access & RES_REFERENCE) != 0);
    jw_kbool(w, "x-owner-reads-only", (res->access & RES_OWNER_READS_ONLY) != 0);
    jw_kbool(w, "x-admin-writes", (res->access & RES_ADMIN_WRITES) != 0);
    jw_kbool(w, "x-searchable", search_resource_findable(res)); /* in /api/v1/search results */
    jw_kbool(w, "x-owner-adds-only", (res->access & RES_OWNER_ADDS_ONLY) != 0);
    jw_kstr(w, "x-internal-flag", res->internal_flag); /* set: the ministry's only */
    jw_kbool(w, "additionalProperties", false);
    jw_obj_end(w);
}

/*
 * What a client sends: <resource>_in, the body of a create — the writable members, the
 * required ones required (but for a sub-record's parent, which the URL gives); and
 * <resource>_patch, a JSON merge patch (RFC 7396) — every member that may change
 * optional, null (clearing) allowed where the field is not required.
 */
static void input_schema_of_resource(struct jw *w, struct arena *a, const struct resource *res,
                                     bool patch)
{
    jw_key(w, arena_printf(a, "%s_%s", res->name, patch ? "patch" : "in"));
    jw_obj(w);
    jw_kstr(w, "type", "object");
    jw_kstr(w, "description",
            patch ? "a JSON merge patch (RFC 7396): members to set; null clears" : "a new record");
    jw_key(w, "properties");
    jw_obj(w);
    unsigned skip = F_HIDDEN | F_READONLY | (patch ? F_CREATE_ONLY : 0);
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & skip)
            continue;
        jw_key(w, res->fields[i].name);
        schema_of_field(w, &res->fields[i]);
    }
    jw_obj_end(w);
    if (!patch) {
        jw_key(w, "required");
        jw_arr(w);
        for (size_t i = 0; i < res->nfields; i++)
            if ((res->fields[i].flags & F_REQUIRED) && !(res->fields[i].flags & skip) &&
                !(res->parent_field && !strcmp(res->parent_field, res->fields[i].name)))
                jw_str(w, res->fields[i].name);
        jw_arr_end(w);
    }
    jw_kbool(w, "additionalProperties", false);
    jw_obj_end(w);
}

/*
 * The fixed shapes: what the routes that are not a resource's answer or take. A row is a
 * schema's name and its members, each "name:type", where type is string, integer,
 * number, boolean, date, date-time, country, any (no constraint), object (any object),
 * a|b|c (one of these strings), @shape (a reference), or [type] (an array of type);
 * "?" after the type: null allowed; "~" before the name: the member may be absent.
 * A row's object allows no other members. The name of a route row's
 * schema is the answer; "<name>_in" is what a POST takes, "<name>_patch" what a PATCH
 * takes, "<name>_page" the page of a list (written for each resource and each row that
 * has page members: what the page holds beside items, next_cursor and total).
 */
struct shape {
    const char *name;
    const char *members;
    const char *page; /* a list's page: the members beside items, next_cursor and total */
};

#define PROBLEM "type:string title:string status:integer detail:string instance:string "
#define IMPORT_REPORT                                                                              \
    "committed:boolean rows:integer imported:integer updated:integer skipped:integer "             \
    "invalid:integer duplicates:integer seconds:number errors:[@import_issue] "                    \
    "errors_total:integer duplicate_rows:[@import_issue] duplicate_rows_total:integer "            \
    "~rejects:string? ~rejects_omitted:string"

/* clang-format off */
static const struct shape shapes[] = {
    {"problem", PROBLEM "~errors:[@problem_error] ~allowed:[string]", NULL},
    {"problem_error", "field:string message:string ~code:string ~params:[string]", NULL},
    {"record_ref", "type:string id:integer", NULL},
    {"health", "status:string schema:integer", NULL},
    {"openapi", "openapi:string info:object servers:[object] paths:object components:object",
     NULL},
    {"me", "id:integer email:string role:admin|officer|ngo organisation_id:integer?", NULL},
    {"user", "id:integer email:string name:string? role:admin|officer|ngo "
             "organisation_id:integer?", NULL},
    {"session", "user:@user ~via:session|token csrf_token:string? ~expires_at:date-time "
                "idle_timeout:integer", NULL},
    {"session_in", "email:string password:string", NULL},
    {"users", "id:integer email:string name:string? role:admin|officer|ngo "
              "organisation_id:integer? disabled:boolean created_at:date-time "
              "updated_at:date-time version:integer", ""},
    {"users_in", "email:string ~name:string? role:admin|officer|ngo ~organisation_id:integer? "
                 "~disabled:boolean ~password:string", NULL},
    {"users_patch", "~email:string ~name:string? ~role:admin|officer|ngo "
                    "~organisation_id:integer? ~disabled:boolean ~password:string", NULL},
    {"officers", "id:integer name:string? email:string role:officer|admin", ""},
    {"tokens", "id:integer user_id:integer email:string name:string? created_at:date-time "
               "expires_at:date-time? last_used_at:date-time? current:boolean", ""},
    {"audit", "id:integer at:date-time actor:string? actor_id:integer? organisation_id:integer? "
              "action:string resource:string? record_id:integer? before:any after:any "
              "prev_hash:string hash:string", ""},
    {"audit_report", "ok:boolean checked:integer first_bad_id:integer? detail:string "
                     "head:@audit_head ~deep:@audit_deep", NULL},
    {"audit_head", "entries:integer last_id:integer? last_hash:string?", NULL},
    {"audit_deep", "checked:integer faults_total:integer faults:[@audit_fault]", NULL},
    {"audit_fault", "resource:string id:integer detail:string", NULL},
    {"representation", "body:string as_of:date? total:integer statuses:object "
                       "previous:@representation_previous? countries_total:integer "
                       "countries:[@representation_country] national_country:country? "
                       "national:@representation_country? compare:@representation_country?",
     NULL},
    {"representation_previous", "as_of:date total:integer total_change:integer", NULL},
    {"representation_country", "country:country name:string? count:integer share:number "
                               "rank:integer? statuses:object previous:@representation_move?",
     NULL},
    {"representation_move", "count:integer rank:integer? count_change:integer "
                            "rank_change:integer?", NULL},
    {"pipeline", "as_of:date applications:[@pipeline_count] accreditations:[@pipeline_count] "
                 "overdue_reports:@pipeline_overdue", NULL},
    {"pipeline_count", "body:string? ~state:string? ~status:string? count:integer", NULL},
    {"pipeline_overdue", "total:integer by_body:[@pipeline_count]", NULL},
    {"calendar_items", "date:date kind:string title:string title_code:string? "
                       "title_params:[string] body:string? record:@record_ref link:string "
                       "organisation_id:integer? uid:string", "from:date to:date"},
    {"search_hits", "type:string id:integer title:string? snippet:string? score:number "
                    "~lang:string ~match:@record_ref",
     "~approximate:boolean"},
    {"notifications", "id:integer kind:string title:string detail:string? "
                      "organisation_id:integer? record:@record_ref? link:string? due_on:date? "
                      "days_before:integer? mail:string? read:boolean read_at:date-time? "
                      "created_at:date-time", "~unread:integer"},
    {"outbox", "id:integer user_id:integer? recipient:string kind:string key:string "
               "lang:string subject:string state:queued|sent|failed|cancelled attempts:integer "
               "next_attempt_at:date-time? last_error:string? created_at:date-time "
               "sent_at:date-time?", ""},
    {"preferences", "language:en|ru kinds:object mandatory:[string] calendar_subscribed:boolean",
     NULL},
    {"preferences_patch", "~language:en|ru ~kinds:object", NULL},
    {"calendar_key", "url:string key:string", NULL},
    {"obligations", "organisation_id:integer today:date lang:en|ru items:[@obligation] "
                    "next_cursor:string?", NULL},
    {"obligation", "kind:string due_on:date? overdue:boolean body:string? text:string "
                   "detail:string? record:@record_ref link:string", NULL},
    {"settings", "national_country:country? version:integer created_at:date-time "
                 "updated_at:date-time", NULL},
    {"settings_patch", "~national_country:country?", NULL},
    {"transition_in", "to:string ~note:string?", NULL},
    {"import_report", IMPORT_REPORT, NULL},
    /* a refused import: the problem's members, then the report's (io_handlers.c) */
    {"import_report_problem", PROBLEM IMPORT_REPORT, NULL},
    {"import_issue", "line:integer field:string? message:string", NULL},
    {"bulk_report", "changed:integer unchanged:integer ids:[integer]", NULL},
    {"bulk_report_in", "ids:[integer] ~set:object ~add:object ~remove:object", NULL},
    {"delegation_stats", "forum:string body:string? starts_on:date? ends_on:date? "
                         "delegations:integer members:integer experts:integer ngos:integer",
     ""},
};
/* clang-format on */
#undef PROBLEM
#undef IMPORT_REPORT

/* The schema of one member's type (a token of a shape's members, t[0..n)). */
static void schema_of_type(struct jw *w, struct arena *a, const char *t, size_t n, bool nullable)
{
    static const struct {
        const char *word, *type, *format;
    } plain[] = {
        {"string", "string", NULL},           {"integer", "integer", NULL},
        {"number", "number", NULL},           {"boolean", "boolean", NULL},
        {"object", "object", NULL},           {"date", "string", "date"},
        {"date-time", "string", "date-time"}, {"country", "string", "iso3166-1-alpha-2"},
    };
    jw_obj(w);
    if (n >= 2 && t[0] == '[') {
        jw_kstr(w, "type", "array"); /* never null in the table */
        jw_key(w, "items");
        schema_of_type(w, a, t + 1, n - 2, false);
    } else if (t[0] == '@') {
        const char *ref = arena_printf(a, "#/components/schemas/%.*s", (int)(n - 1), t + 1);
        if (nullable) {
            jw_key(w, "anyOf");
            jw_arr(w);
            jw_obj(w);
            jw_kstr(w, "$ref", ref);
            jw_obj_end(w);
            jw_obj(w);
            jw_kstr(w, "type", "null");
            jw_obj_end(w);
            jw_arr_end(w);
        } else {
            jw_kstr(w, "$ref", ref);
        }
    } else if (n == 3 && !memcmp(t, "any", 3)) {
        /* no constraint */
    } else {
        const char *type = "string", *format = NULL;
        bool is_enum = memchr(t, '|', n) != NULL;
        for (size_t i = 0; i < ARRAY_SIZE(plain) && !is_enum; i++)
            if (strlen(plain[i].word) == n && !memcmp(plain[i].word, t, n))
                type = plain[i].type, format = plain[i].format;
        jw_key(w, "type");
        if (nullable) {
            jw_arr(w);
            jw_str(w, type);
            jw_str(w, "null");
            jw_arr_end(w);
        } else {
            jw_str(w, type);
        }
        if (format)
            jw_kstr(w, "format", format);
        if (is_enum) {
            jw_key(w, "enum");
            jw_arr(w);
            for (struct str rest = {t, n}, v; rest.n;) {
                str_cut(rest, '|', &v, &rest);
                jw_strn(w, v.p, v.n);
            }
            if (nullable)
                jw_null(w);
            jw_arr_end(w);
        }
    }
    jw_obj_end(w);
}

/* The members of an object schema from spec (the shapes' notation). */
static void object_of_members(struct jw *w, struct arena *a, const char *spec)
{
    jw_kstr(w, "type", "object");
    jw_key(w, "properties");
    jw_obj(w);
    struct str rest = str_from(spec), m;
    while (rest.n) {
        str_cut(rest, ' ', &m, &rest);
        if (!m.n)
            continue;
        struct str name, type;
        if (!str_cut(m, ':', &name, &type))
            BUG("a shape's member without a type");
        if (name.p[0] == '~')
            name.p++, name.n--;
        bool nullable = type.n && type.p[type.n - 1] == '?';
        jw_key(w, arena_strndup(a, name.p, name.n));
        schema_of_type(w, a, type.p, type.n - nullable, nullable);
    }
    jw_obj_end(w);
    jw_key(w, "required");
    jw_arr(w);
    rest = str_from(spec);
    while (rest.n) {
        str_cut(rest, ' ', &m, &rest);
        struct str name, type;
        if (m.n && m.p[0] != '~' && str_cut(m, ':', &name, &type))
            jw_strn(w, name.p, name.n);
    }
    jw_arr_end(w);
    jw_kbool(w, "additionalProperties", false);
}

/* <name>_page: a page of a list of name, with the page members beside items. */
static void page_schema(struct jw *w, struct arena *a, const char *name, const char *page)
{
    jw_key(w, arena_printf(a, "%s_page", name));
    jw_obj(w);
    jw_kstr(w, "description",
            "a page of a list: next_cursor is null on the last page; "
            "total with count=true");
    object_of_members(w, a,
                      arena_printf(a, "items:[@%s] next_cursor:string? ~total:integer %s", name,
                                   page ? page : ""));
    jw_obj_end(w);
}

void openapi_schemas(struct jw *w, struct arena *a)
{
    for (size_t i = 0; i < resource_count; i++) {
        schema_of_resource(w, resource_all[i]);
        input_schema_of_resource(w, a, resource_all[i], false);
        input_schema_of_resource(w, a, resource_all[i], true);
        page_schema(w, a, resource_all[i]->name, NULL);
    }
    for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
        jw_key(w, shapes[i].name);
        jw_obj(w);
        object_of_members(w, a, shapes[i].members);
        jw_obj_end(w);
        if (shapes[i].page)
            page_schema(w, a, shapes[i].name, shapes[i].page);
    }
}

bool openapi_schema_declared(const char *name)
{
    for (size_t i = 0; i < resource_count; i++) {
        size_t n = strlen(resource_all[i]->name);
        if (!strncmp(name, resource_all[i]->name, n) &&
            (!name[n] || !strcmp(name + n, "_in") || !strcmp(name + n, "_patch") ||
             !strcmp(name + n, "_page")))
            return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
        size_t n = strlen(shapes[i].name);
        if (!strncmp(name, shapes[i].name, n) &&
            (!name[n] || (shapes[i].page && !strcmp(name + n, "_page"))))
            return true;
    }
    return false;
}

void openapi_filter_schema(struct jw *w, const struct field *f)
{
    jw_obj(w);
    switch (f->type) {
    case FT_INT:
    case FT_REF:
    case FT_REF_LIST:
        jw_kstr(w, "type", "integer");
        break;
    case FT_REAL:
        jw_kstr(w, "type", "number");
        break;
    case FT_BOOL:
        jw_kstr(w, "type", "boolean");
        break;
    case FT_DATE:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date");
        break;
    case FT_ENUM:
        jw_kstr(w, "type", "string");
        if (f->values) {
            jw_key(w, "enum");
            jw_arr(w);
            for (const char *const *v = f->values; *v; v++)
                jw_str(w, *v);
            jw_arr_end(w);
        }
        break;
    default: /* text, a list's word, a country, a language, an address */
        jw_kstr(w, "type", "string");
        break;
    }
    jw_obj_end(w);
}

/* The schema of a query parameter's value. */
void openapi_param_schema(struct jw *w, const struct route_param *p)
{
    jw_obj(w);
    switch (p->type) {
    case PT_INT:
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 1);
        jw_kint(w, "maximum", p->max);
        break;
    case PT_ID:
        jw_kstr(w, "type", "integer");
        jw_kint(w, "minimum", 1);
        break;
    case PT_BOOL:
        jw_kstr(w, "type", "boolean");
        break;
    case PT_ENUM:
        jw_kstr(w, "type", "string");
        jw_key(w, "enum");
        jw_arr(w);
        for (const char *const *v = p->values; *v; v++)
            jw_str(w, *v);
        jw_arr_end(w);
        break;
    case PT_DATE:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date");
        break;
    case PT_COUNTRY:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "iso3166-1-alpha-2");
        break;
    case PT_LANG:
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "iso639-1");
        break;
    case PT_CURSOR:
        jw_kstr(w, "type", "string");
        jw_kint(w, "maxLength", LIMIT_CURSOR);
        break;
    case PT_TIME: /* a date (the whole day) or a date-time */
        jw_key(w, "anyOf");
        jw_arr(w);
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date");
        jw_obj_end(w);
        jw_obj(w);
        jw_kstr(w, "type", "string");
        jw_kstr(w, "format", "date-time");
        jw_obj_end(w);
        jw_arr_end(w);
        break;
    default: /* PT_TEXT */
        jw_kstr(w, "type", "string");
        if (p->max)
            jw_kint(w, "maxLength", p->max);
        break;
    }
    jw_obj_end(w);
}
