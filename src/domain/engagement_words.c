/*
 * Word counts and the word limits of the bodies reports go to. The limits are a table:
 * the first row matching a report's kind and target body applies (sources:
 * docs/engagement.md).
 */
#include "domain/engagement.h"
#include "core/limits.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

/* ---- counting ----------------------------------------------------------------------- */

/* Letters and digits of every script make a run of non-space characters a word. */
#define WORDY_MASK (U_GC_L_MASK | U_GC_N_MASK)

size_t words_count(const char *p, size_t n)
{
    size_t words = 0;
    bool in_run = false, run_counts = false;
    int32_t i = 0, len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
    while (i < len) {
        UChar32 c;
        U8_NEXT((const uint8_t *)p, i, len, c);
        if (c < 0)
            break;      /* input is validated UTF-8; stop rather than guess */
        if (c < 0x80) { /* the common case, without property lookups */
            bool space = c == ' ' || (c >= '\t' && c <= '\r');
            if (space) {
                words += in_run && run_counts;
                in_run = run_counts = false;
            } else {
                in_run = true;
                run_counts |= (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
            }
            continue;
        }
        /* One property lookup: White_Space beyond ASCII is the Z categories and U+0085. */
        uint32_t gc = U_MASK(u_charType(c));
        if ((gc & U_GC_Z_MASK) || c == 0x85) {
            words += in_run && run_counts;
            in_run = run_counts = false;
        } else if (c >= 0x2e80 && /* CJK radicals onwards: skip the lookups before */
                   (u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC) ||
                    u_getIntPropertyValue(c, UCHAR_SCRIPT) == USCRIPT_HIRAGANA ||
                    u_getIntPropertyValue(c, UCHAR_SCRIPT) == USCRIPT_KATAKANA)) {
            /* Scripts written without spaces: each character is a word of its own. */
            words += 1 + (in_run && run_counts);
            in_run = run_counts = false;
        } else {
            in_run = true;
            run_counts |= (gc & WORDY_MASK) != 0;
        }
    }
    return words + (in_run && run_counts);
}

/* ---- limits ------------------------------------------------------------------------- */

/*
 * One rule. NULL kind / body: any. The limit is `joint` when there are several authors
 * and joint is set, else `general` when an author is in ECOSOC general status and general
 * is set, else `single`.
 */
struct word_rule {
    const char *kind;
    const char *body;
    int64_t single, general, joint;
    const char *rule;
};

static const struct word_rule word_rules[] = {
    {"upr_submission", NULL, 2815, 0, 5630,
     "UPR stakeholder submission: 2,815 words, 5,630 for a joint submission "
     "(OHCHR guidelines for relevant stakeholders' written submissions)"},
    {"written_statement", NULL, 1500, 2000, 0,
     "Human Rights Council written statement: 2,000 words for organisations in ECOSOC "
     "general status, 1,500 otherwise"},
};

static bool matches(const char *want, const char *have)
{
    return !want || (have && strcmp(want, have) == 0);
}

struct word_limit word_limit_for(const char *kind, const char *target_body, size_t authors,
                                 bool general)
{
    for (size_t i = 0; i < ARRAY_SIZE(word_rules); i++) {
        const struct word_rule *r = &word_rules[i];
        if (!matches(r->kind, kind) || !matches(r->body, target_body))
            continue;
        int64_t limit = r->single;
        if (authors > 1 && r->joint)
            limit = r->joint;
        else if (general && r->general)
            limit = r->general;
        return (struct word_limit){limit, r->rule};
    }
    return (struct word_limit){0, NULL};
}

/* ---- a report's words and limit ----------------------------------------------------- */

/*
 * Whether one of the organisations holds active ECOSOC general status, through the
 * ledger's accreditations when that resource is declared (else: none does).
 */
/* Whether organisation org holds an active ECOSOC status (status NULL: any category). */
static bool holds_ecosoc(struct store_conn *c, int64_t org, const char *status, struct arena *a)
{
    const struct resource *acc = resource_find(STR("accreditations"));
    if (!acc)
        return false;
    struct list_query q = {.sort = -1, .limit = 1};
    const char *const fields[] = {"body", "state", "status"};
    const char *const values[] = {"ECOSOC", "active", status};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        int fi = resource_field_index(acc, fields[i]);
        if (fi < 0)
            return false;
        if (values[i])
            q.filters[q.nfilters++] =
                (struct filter){.field = fi, .v = {.s = values[i], .n = strlen(values[i])}};
    }
    int oi = resource_field_index(acc, "organisation_id");
    if (oi < 0)
        return false;
    q.filters[q.nfilters++] = (struct filter){.field = oi, .v = {.i = org}};
    struct list_result lr;
    struct error err = ERROR_INIT;
    return store_list(c, acc, &q, a, &lr, &err) == STORE_OK && lr.n > 0;
}

int report_authors_without_ecosoc(struct store_conn *c, const struct record *report,
                                  struct arena *a, int64_t *out, size_t cap, size_t *n)
{
    *n = 0;
    int i = resource_field_index(report->res, "organisation_ids");
    const char *text = i >= 0 && !report->v[i].null ? report->v[i].s : NULL;
    json_t *orgs = text ? json_loads(text, 0, NULL) : NULL;
    size_t k;
    json_t *item;
    json_array_foreach(orgs, k, item)
    {
        int64_t org = json_integer_value(item);
        if (*n < cap && !holds_ecosoc(c, org, NULL, a))
            out[(*n)++] = org;
    }
    json_decref(orgs);
    return 0;
}

static bool any_general_status(struct store_conn *c, const json_t *orgs, struct arena *a)
{
    const struct resource *acc = resource_find(STR("accreditations"));
    if (!acc)
        return false;
    static const struct {
        const char *field, *value;
    } fixed[] = {{"body", "ECOSOC"}, {"status", "general"}, {"state", "active"}};
    struct list_query q = {.sort = -1, .limit = 1};
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
        int fi = resource_field_index(acc, fixed[i].field);
        if (fi < 0)
            return false;
        q.filters[q.nfilters++] =
            (struct filter){.field = fi, .v = {.s = fixed[i].value, .n = strlen(fixed[i].value)}};
    }
    int oi = resource_field_index(acc, "organisation_id");
    if (oi < 0)
        return false;
    size_t slot = q.nfilters++;
    size_t k;
    json_t *item;
    json_array_foreach(orgs, k, item)
    {
        q.filters[slot] = (struct filter){.field = oi, .v = {.i = json_integer_value(item)}};
        struct list_result lr;
        struct error err = ERROR_INIT;
        if (store_list(c, acc, &q, a, &lr, &err) == STORE_OK && lr.n > 0)
            return true;
    }
    return false;
}

int report_words(struct store_conn *c, const struct record *report, struct arena *a, int64_t *count,
                 struct word_limit *limit)
{
    const char *text = record_text_if(report, "text");
    int64_t words = text ? (int64_t)words_count(text, strlen(text)) : 0;

    /* Recommendations are part of what is submitted. */
    if (report->id) {
        int ri = resource_field_index(&res_report_recommendations, "report_id");
        struct list_query q = {.sort = -1, .limit = LIMIT_LIST_MAX, .nfilters = 1};
        q.filters[0] = (struct filter){.field = ri, .v = {.i = report->id}};
        for (;;) {
            struct list_result lr;
            struct error err = ERROR_INIT;
            if (store_list(c, &res_report_recommendations, &q, a, &lr, &err) < 0)
                return -1;
            for (size_t i = 0; i < lr.n; i++) {
                const char *t = record_text_if(lr.items[i], "text");
                words += t ? (int64_t)words_count(t, strlen(t)) : 0;
            }
            if (!lr.next_cursor)
                break;
            q.cursor = str_from(lr.next_cursor);
        }
    }

    const char *orgs_text = record_text_if(report, "organisation_ids");
    json_t *orgs = orgs_text ? json_loads(orgs_text, 0, NULL) : json_array();
    size_t authors = json_array_size(orgs);
    /* The status only matters where a rule depends on it. */
    struct word_limit plain = word_limit_for(record_text_if(report, "kind"),
                                             record_text_if(report, "target_body"), authors, false);
    bool general = false;
    if (plain.limit &&
        word_limit_for(record_text_if(report, "kind"), record_text_if(report, "target_body"), authors, true)
                .limit != plain.limit)
        general = any_general_status(c, orgs, a);
    json_decref(orgs);
    *limit = word_limit_for(record_text_if(report, "kind"), record_text_if(report, "target_body"), authors,
                            general);
    *count = words;
    return 0;
}
