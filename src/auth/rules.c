/*
 * The access rules: one table, role x route x ownership, that the server enforces for
 * every request before any handler runs (src/http/server.c), and that the row-level code
 * (src/domain/access.c) interprets against each resource's declaration.
 *
 * Each route in routes[] (src/http/routes.c) has exactly one row here, found by method
 * and pattern. A route without a row is refused at run time and fails the tests
 * (tests/unit/test_auth_rules.c, tests/api/access_matrix.test.mjs).
 *
 * What a grant means on the generic resource routes (docs/security.md has the table):
 *   NONE    refused: 401 for anonymous callers, 403 for signed-in ones
 *   PUBLIC  records whose public flag (e.g. organisations.public, documents.published) is
 *           set, and the sub-records of such records; a resource without any is a 401
 *   OWN     reading: records the caller's organisation owns (the owner field, or the
 *           parent's), public records, and reference data (resources with neither owner
 *           nor public flag); writing: only records the organisation owns, in states the
 *           ngo role can itself move them out of; new records only for the organisation
 *   ALL     every record
 * Records a caller may not see answer 404, never 403, so their existence does not leak.
 */
#include "auth/auth.h"

#include <string.h>
#include <strings.h>

#define N GRANT_NONE
#define P GRANT_PUBLIC
#define O GRANT_OWN
#define A GRANT_ALL

const struct access_rule access_rules[] = {
    /* method  pattern                                      anonymous ngo officer admin */
    {"GET", "/healthz", {A, A, A, A}},
    {"GET", "/metrics", {N, N, N, A}}, /* and anyone on --metrics-listen */
    {"GET", "/api/v1/openapi.json", {A, A, A, A}},
    {"GET", "/api/v1/me", {N, A, A, A}},
    /* browser sessions: signing in is open to all; the rest needs a principal */
    {"POST", "/api/v1/session", {A, A, A, A}},
    {"GET", "/api/v1/session", {N, A, A, A}},
    {"DELETE", "/api/v1/session", {N, A, A, A}},
    /* accounts and the audit trail */
    {"GET", "/api/v1/users", {N, N, N, A}},
    {"POST", "/api/v1/users", {N, N, N, A}},
    {"GET", "/api/v1/tokens", {N, A, A, A}},          /* the caller's own; an admin's: all */
    {"DELETE", "/api/v1/tokens/{id}", {N, A, A, A}},  /* the caller's own; an admin: any */
    {"GET", "/api/v1/users/{id}", {N, N, N, A}},
    {"PATCH", "/api/v1/users/{id}", {N, N, N, A}},
    {"GET", "/api/v1/audit", {N, N, A, A}},
    {"GET", "/api/v1/audit/verify", {N, N, N, A}},
    /* the ledger: statistics for officers; representation and the calendar (own
     * organisation only, src/domain/ledger_stats.c) for every signed-in user */
    {"GET", "/api/v1/stats/representation", {N, A, A, A}},
    {"GET", "/api/v1/stats/pipeline", {N, N, A, A}},
    {"GET", "/api/v1/calendar", {N, O, A, A}},
    {"GET", "/calendar.ics", {N, O, A, A}},
    /* issue 14: an organisation's obligations, its own for an NGO (ledger_handlers.c) */
    {"GET", "/api/v1/organisations/{id}/obligations", {N, O, A, A}},
    /* issue 14: questions on a quadrennial report (a sub-record of a sub-record), with the
     * generic sub-resource routes' rules: seen through their parents (src/domain/access.c),
     * asked by the ministry, answered by the report's organisation */
    {"GET", "/api/v1/accreditation-reports/{id}", {P, O, A, A}}, /* the report by its id */
    {"GET", "/api/v1/accreditation-reports/{id}/questions", {P, O, A, A}},
    {"POST", "/api/v1/accreditation-reports/{id}/questions", {N, O, A, A}},
    {"GET", "/api/v1/accreditation-reports/{id}/questions/{subid}", {P, O, A, A}},
    {"PATCH", "/api/v1/accreditation-reports/{id}/questions/{subid}", {N, O, A, A}},
    {"DELETE", "/api/v1/accreditation-reports/{id}/questions/{subid}", {N, O, A, A}},
    {"GET", "/api/v1/settings", {N, A, A, A}},
    {"PATCH", "/api/v1/settings", {N, N, N, A}},
    /* engagement: delegation statistics for officers; attachments as their document */
    {"GET", "/api/v1/stats/delegations", {N, N, A, A}},
    {"POST", "/api/v1/documents/{id}/attachments", {N, O, A, A}},
    {"GET", "/api/v1/documents/{id}/attachments/{subid}/content", {P, O, A, A}},
    /* search: every hit passes the same row-level rule as a read (src/domain/access.c) */
    {"GET", "/api/v1/search", {P, O, A, A}},
    /* notifications: each user's own (src/http/notify_handlers.c); the outbox for admins */
    {"GET", "/api/v1/notifications", {N, A, A, A}},
    {"POST", "/api/v1/notifications/{id}/read", {N, A, A, A}},
    {"GET", "/api/v1/outbox", {N, N, N, A}},
    {"GET", "/api/v1/me/preferences", {N, A, A, A}},
    {"PATCH", "/api/v1/me/preferences", {N, A, A, A}},
    /* a calendar subscription: the secret key in the URL is the credential; the feed
     * shows what its owner may see (src/http/notify_handlers.c) */
    {"POST", "/api/v1/me/calendar", {N, A, A, A}},
    {"DELETE", "/api/v1/me/calendar", {N, A, A, A}},
    {"GET", "/calendar/feed.ics", {A, A, A, A}},
    /* every declared resource */
    {"GET", "/api/v1/{collection}", {P, O, A, A}},
    {"POST", "/api/v1/{collection}", {N, O, A, A}},
    {"GET", "/api/v1/{collection}/{id}", {P, O, A, A}},
    {"PATCH", "/api/v1/{collection}/{id}", {N, O, A, A}},
    {"DELETE", "/api/v1/{collection}/{id}", {N, O, A, A}},
    {"POST", "/api/v1/{collection}/{id}/transitions", {N, O, A, A}},
    /* imports (src/http/io_handlers.c): a whole file in one transaction, admins only */
    {"POST", "/api/v1/{collection}/import", {N, N, N, A}},
    /* issue 17: one change to a selection of records, all or none (src/domain/bulk.c) */
    {"POST", "/api/v1/{collection}/bulk", {N, N, A, A}},
    {"GET", "/api/v1/{collection}/{id}/{sub}", {P, O, A, A}},
    {"POST", "/api/v1/{collection}/{id}/{sub}", {N, O, A, A}},
    {"GET", "/api/v1/{collection}/{id}/{sub}/{subid}", {P, O, A, A}},
    {"PATCH", "/api/v1/{collection}/{id}/{sub}/{subid}", {N, O, A, A}},
    {"DELETE", "/api/v1/{collection}/{id}/{sub}/{subid}", {N, O, A, A}},
};
const size_t access_rules_count = ARRAY_SIZE(access_rules);

#undef N
#undef P
#undef O
#undef A

const struct access_rule *access_rule_find(const char *method, const char *pattern)
{
    for (size_t i = 0; i < access_rules_count; i++)
        if (strcmp(access_rules[i].pattern, pattern) == 0 && /* the cheaper test first */
            strcasecmp(access_rules[i].method, method) == 0)
            return &access_rules[i];
    return NULL;
}

enum role access_rule_least_role(const struct access_rule *rule)
{
    for (int r = ROLE_ANON; r < ROLE_COUNT; r++)
        if (rule->grant[r] != GRANT_NONE && rule->grant[r] != GRANT_UNSET)
            return (enum role)r;
    return (enum role)ROLE_COUNT;
}
