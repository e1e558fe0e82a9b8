/*
 * The query parameters of the routes that take some: what dispatch checks a query string
 * against (route_check_query) and what docs/api.md and openapi.json say of it.
 */
#include "http/route_params.h"
#include "core/limits.h"

/* Tables read across, a row per parameter or route: not formatted a member per line. */
/* clang-format off */

static const char *const roles_v[] = {"admin", "officer", "ngo", NULL};
static const char *const outbox_states_v[] = {"queued", "sent", "failed", "cancelled", NULL};
static const char *const obligation_langs_v[] = {"en", "ru", NULL};
static const char *const dup_policies_v[] = {"error", "skip", "update", NULL};

#define LIMIT_PARAM {"limit", PT_INT, LIMIT_LIST_MAX, NULL, false, "page size (default 50)"}

const struct route_param no_params[] = {{.name = NULL}};
const struct route_param users_params[] = {
    {"role", PT_ENUM, 0, roles_v, false, "only accounts of this role"},
    {"organisation_id", PT_ID, 0, NULL, false, "only accounts of this organisation"},
    {"disabled", PT_BOOL, 0, NULL, false, "only disabled (true) or active (false) accounts"},
    LIMIT_PARAM,
    {"cursor", PT_ID, 0, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param audit_params[] = {
    {"resource", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false, "entries about this collection"},
    {"record_id", PT_ID, 0, NULL, false, "entries about this record (with resource)"},
    {"record", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false,
     "collection/id, such as organisations/5 (instead of resource and record_id)"},
    {"actor", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false, "entries by this e-mail address"},
    {"actor_id", PT_ID, 0, NULL, false, "entries by this user"},
    {"action", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false, "create, update, delete, …"},
    {"from", PT_TIME, 0, NULL, false, "entries at or after (a date: from its start)"},
    {"to", PT_TIME, 0, NULL, false, "entries at or before (a date: to its end)"},
    LIMIT_PARAM,
    {"cursor", PT_ID, 0, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param verify_params[] = {
    {"deep", PT_BOOL, 0, NULL, false, "also every live row against its last audited image"},
    {.name = NULL}};
const struct route_param representation_params[] = {
    {"body", PT_TEXT, LIMIT_TEXT_SHORT, NULL, true, "the body's code, such as body=ECOSOC"},
    {"as_of", PT_DATE, 0, NULL, false, "the newest listing on or before this date"},
    {"country", PT_COUNTRY, 0, NULL, false, "one country's row only"},
    {"compare", PT_COUNTRY, 0, NULL, false, "a second country to compare with"},
    {.name = NULL}};
const struct route_param calendar_params[] = {
    {"from", PT_DATE, 0, NULL, false, "first day (default today)"},
    {"to", PT_DATE, 0, NULL, false, "last day (default a year after from)"},
    LIMIT_PARAM,
    {"cursor", PT_CURSOR, 0, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param ics_params[] = {
    {"from", PT_DATE, 0, NULL, false, "first day (default today)"},
    {"to", PT_DATE, 0, NULL, false, "last day (default a year after from)"},
    {.name = NULL}};
const struct route_param search_params[] = {
    {"q", PT_TEXT, LIMIT_SEARCH_QUERY, NULL, true, "the words to look for"},
    {"types", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false,
     "comma-separated collections to search (default all searchable)"},
    {"lang", PT_LANG, 0, NULL, false, "the language of the words (stemming)"},
    {"limit", PT_INT, LIMIT_SEARCH_RESULTS, NULL, false, "results on a page (default 20)"},
    {"cursor", PT_CURSOR, 0, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param notification_params[] = {
    LIMIT_PARAM,
    {"cursor", PT_ID, 0, NULL, false, "next_cursor of the previous page"},
    {"unread", PT_BOOL, 0, NULL, false, "only unread notifications"},
    {.name = NULL}};
const struct route_param outbox_params[] = {
    {"state", PT_ENUM, 0, outbox_states_v, false, "only e-mails in this state"},
    LIMIT_PARAM,
    {"cursor", PT_ID, 0, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param feed_params[] = {
    {"key", PT_TEXT, LIMIT_TEXT_SHORT, NULL, true,
     "the secret of a calendar subscription (POST /api/v1/me/calendar)"},
    {.name = NULL}};
const struct route_param obligation_params[] = {
    {"lang", PT_ENUM, 0, obligation_langs_v, false,
     "language of the texts (default from Accept-Language, else en)"},
    LIMIT_PARAM,
    {"cursor", PT_INT, INT64_MAX, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param token_params[] = {
    LIMIT_PARAM,
    {"cursor", PT_INT, INT64_MAX, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param import_params[] = {
    {"skip_invalid", PT_BOOL, 0, NULL, false, "import the valid rows, return the invalid ones"},
    {"on_duplicate", PT_ENUM, 0, dup_policies_v, false,
     "what a possible duplicate does (default error)"},
    {"filename", PT_TEXT, LIMIT_TEXT_SHORT, NULL, false, "the file's name, for the audit entry"},
    {.name = NULL}};
const struct route_param delegation_stats_params[] = {
    {"body", PT_TEXT, 0, NULL, false, "only delegations to this body, such as UNGA"},
    LIMIT_PARAM,
    {"cursor", PT_INT, INT64_MAX, NULL, false, "next_cursor of the previous page"},
    {.name = NULL}};
const struct route_param attachment_params[] = {
    {"filename", PT_TEXT, 0, NULL, false,
     "the file's name (else from Content-Disposition)"},
    {.name = NULL}};

#undef LIMIT_PARAM
/* clang-format on */
