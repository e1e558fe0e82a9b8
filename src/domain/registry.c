/*
 * The registry of stored resources and the declarations of the foundation's two:
 * organisations and people. Each further resource is declared in its own file and
 * listed here, one line.
 */
#include "domain/domain.h"
#include "domain/ledger.h"
#include "domain/engagement.h"
#include "core/limits.h"

static const char *const legal_forms[] = {"public_association",
                                          "foundation",
                                          "autonomous_nonprofit",
                                          "union",
                                          "association",
                                          "religious_organisation",
                                          "other",
                                          NULL};

static const struct field organisation_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH | F_TITLE, 1, LIMIT_TEXT_SHORT, NULL, NULL},
    {"name_en", FT_TEXT, F_SEARCH | F_TITLE | F_SORT, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"name_ru", FT_TEXT, F_SEARCH | F_TITLE | F_SORT, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"acronym", FT_TEXT, F_SEARCH | F_TITLE | F_FILTER, 0, 32, NULL, NULL},
    {"country", FT_COUNTRY, F_REQUIRED | F_FILTER | F_SORT, 0, 0, NULL, NULL},
    {"city", FT_TEXT, F_FILTER | F_SORT, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"legal_form", FT_ENUM, F_FILTER, 0, 0, legal_forms, NULL},
    {"registration_no", FT_TEXT, F_FILTER, 0, 64, NULL, NULL},
    {"founded_on", FT_DATE, F_SORT, 0, 0, NULL, NULL},
    {"website", FT_URL, 0, 0, 0, NULL, NULL},
    {"email", FT_EMAIL, 0, 0, 0, NULL, NULL},
    {"phone", FT_TEXT, 0, 0, 40, NULL, NULL},
    {"areas", FT_TEXT_LIST, F_FILTER, 0, 20, NULL, NULL},
    {"description", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_MEDIUM * 5, NULL, NULL},
    {"public", FT_BOOL, F_FILTER, 0, 0, NULL, NULL},
    /* issue 17: the desk's own (migration 0015); officer: an officer's account e-mail */
    {"officer", FT_EMAIL, F_FILTER | F_SORT | F_STAFF_WRITES | F_STAFF_READS, 0, 0, NULL, NULL},
    {"tags", FT_TEXT_LIST, F_FILTER | F_STAFF_WRITES | F_STAFF_READS, 0, 20, NULL, NULL},
};

static const struct duplicate_rule organisation_duplicates[] = {
    {{"country", "registration_no"},
     NULL,
     "registration_no",
     "same country and registration number"},
    {{"country"}, "name", "name", "same country and a similar name"},
};

/* Accounts of the ngo role belong to an organisation (src/domain/users.c). */
static const struct held_by organisation_held_by[] = {{"users", "organisation_id"}};

const struct resource res_organisations = {
    .name = "organisations",
    .table = "organisations",
    .singular = "organisation",
    .fields = organisation_fields,
    .nfields = ARRAY_SIZE(organisation_fields),
    .owner = "id",
    .public_flag = "public",
    .validate = organisation_validate,
    .duplicates = organisation_duplicates,
    .nduplicates = ARRAY_SIZE(organisation_duplicates),
    .import_sets_indexes_aside = true,
    .held_by = organisation_held_by,
    .nheld_by = ARRAY_SIZE(organisation_held_by),
};

static const struct field person_fields[] = {
    {"full_name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH | F_TITLE, 1, LIMIT_TEXT_SHORT, NULL,
     NULL},
    {"organisation_id", FT_REF, F_FILTER, 0, 0, NULL, "organisations"},
    {"position", FT_TEXT, F_SEARCH, 0, LIMIT_TEXT_SHORT, NULL, NULL},
    {"email", FT_EMAIL, F_FILTER, 0, 0, NULL, NULL},
    {"phone", FT_TEXT, 0, 0, 40, NULL, NULL},
    {"languages", FT_TEXT_LIST, F_FILTER, 0, 20, NULL, NULL},
    {"notes", FT_TEXT, 0, 0, LIMIT_TEXT_MEDIUM, NULL, NULL},
};

static const struct computed_field person_computed_fields[] = {
    {"organisation_name", "string", NULL, CF_OPTIONAL,
     "the name of the organisation of organisation_id (left out when there is none)"},
};

static const struct duplicate_rule person_duplicates[] = {
    {{"organisation_id"}, "full_name", "full_name", "same organisation and a similar name"},
};

const struct resource res_people = {
    .name = "people",
    .table = "people",
    .singular = "person",
    .fields = person_fields,
    .nfields = ARRAY_SIZE(person_fields),
    .owner = "organisation_id",
    .validate = person_validate,
    .computed = person_computed,
    .duplicates = person_duplicates,
    .nduplicates = ARRAY_SIZE(person_duplicates),
    .import_sets_indexes_aside = true,
    .computed_fields = person_computed_fields,
    .ncomputed = ARRAY_SIZE(person_computed_fields),
};

const struct resource *const resource_all[] = {
    &res_organisations,
    &res_people,
    &res_bodies,
    &res_applications,
    &res_application_questions,
    &res_accreditations,
    &res_accreditation_reports, /* issue 14 */
    &res_report_questions,      /* issue 14: /accreditation-reports/{id}/questions */
    &res_listings,
    &res_meetings,
    &res_meeting_participants,
    &res_meeting_actions,
    &res_proposals,
    &res_delegations,
    &res_delegation_members,
    &res_reports,
    &res_report_recommendations,
    &res_incidents,
    &res_working_groups,
    &res_working_group_members,
    &res_working_group_sites,
    &res_documents,
    &res_document_translations,
    &res_document_attachments, /* engagement.h */
    &res_comments,             /* issue 17: comments on records (comments.c) */
};
const size_t resource_count = ARRAY_SIZE(resource_all);
