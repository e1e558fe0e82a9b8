/*
 * Unit tests of the engagement records: word counts in several scripts, the word-limit
 * table, the attachment allow-list, signatures, file names and Content-Disposition; and,
 * on a temporary database through the domain operations, the delegation overlap rule,
 * the word limit on submission, proposal answers, the declared list parameters and the
 * calendar items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/engagement.h"
#include "domain/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- words -------------------------------------------------------------------------- */

static size_t wc(const char *s)
{
    return words_count(s, strlen(s));
}

static void test_words_english_are_runs_between_spaces(void **state)
{
    assert_int_equal(wc("The quick, brown fox jumps."), 5);
    assert_int_equal(wc("  leading and trailing  \n"), 3);
    assert_int_equal(wc("one\ttwo\nthree\r\nfour"), 4);
}

static void test_words_cyrillic_counted_like_latin(void **state)
{
    /* Five words (the dash is none); a byte-oriented count sees no letters at all. */
    assert_int_equal(wc("Права человека — не пустые слова."), 5);
    assert_int_equal(wc("Ёлкин и Чкалов"), 3);
    assert_int_equal(wc("Србија и Црна Гора"), 4);
}

static void test_words_joined_by_hyphen_or_apostrophe_are_one(void **state)
{
    assert_int_equal(wc("Санкт-Петербург don't l'homme"), 3);
    assert_int_equal(wc("2,000 words in 2016"), 4);
}

static void test_words_punctuation_alone_is_not_a_word(void **state)
{
    assert_int_equal(wc("— ... !!! « »"), 0);
    assert_int_equal(wc(""), 0);
    assert_int_equal(wc(" \n\t "), 0);
}

static void test_words_unicode_spaces_separate(void **state)
{
    /* NO-BREAK SPACE and EM SPACE are white space too. */
    assert_int_equal(wc("один\xc2\xa0два\xe2\x80\x83три"), 3);
}

static void test_words_ideographs_count_one_each(void **state)
{
    assert_int_equal(wc("人权研究"), 4);
    assert_int_equal(wc("UN 人权"), 3);
}

/* ---- word limits -------------------------------------------------------------------- */

static void test_limit_hrc_statement_depends_on_general_status(void **state)
{
    assert_int_equal(word_limit_for("written_statement", "UNHRC", 1, true).limit, 2000);
    assert_int_equal(word_limit_for("written_statement", "UNHRC", 1, false).limit, 1500);
    /* Issue 14 item 6: the limits are for written statements, not for every report whose
     * target is the Council. */
    assert_int_equal(word_limit_for("human_rights", "UNHRC", 2, false).limit, 0);
    assert_int_equal(word_limit_for("human_rights", "UNHRC", 2, true).limit, 0);
    assert_null(word_limit_for("human_rights", "UNHRC", 1, false).rule);
}

static void test_limit_upr_depends_on_joint_authorship(void **state)
{
    assert_int_equal(word_limit_for("upr_submission", "UNHRC", 1, false).limit, 2815);
    assert_int_equal(word_limit_for("upr_submission", "UNHRC", 3, false).limit, 5630);
    assert_int_equal(word_limit_for("upr_submission", NULL, 0, true).limit, 2815);
}

static void test_limit_none_for_other_targets(void **state)
{
    struct word_limit wl = word_limit_for("monitoring", "OSCE_ODIHR", 1, true);
    assert_int_equal(wl.limit, 0);
    assert_null(wl.rule);
    assert_int_equal(word_limit_for("human_rights", NULL, 1, false).limit, 0);
}

/* ---- attachments -------------------------------------------------------------------- */

static void test_media_type_allow_list(void **state)
{
    assert_string_equal(attachment_media_type("application/pdf"), "application/pdf");
    assert_string_equal(attachment_media_type("Application/PDF ; charset=binary"),
                        "application/pdf");
    assert_string_equal(attachment_media_type("text/plain; charset=utf-8"), "text/plain");
    assert_string_equal(attachment_media_type("application/vnd.oasis.opendocument.text"),
                        "application/vnd.oasis.opendocument.text");
    assert_null(attachment_media_type("text/html"));
    assert_null(attachment_media_type("application/pdfx"));
    assert_null(attachment_media_type("image/svg+xml"));
    assert_null(attachment_media_type(""));
    assert_null(attachment_media_type(NULL));
}

static void test_sniff_checks_signatures(void **state)
{
    const unsigned char pdf[] = "%PDF-1.7\n";
    const unsigned char png[] = "\x89PNG\r\n\x1a\nrest";
    const unsigned char zip[] = "PK\x03\x04rest";
    assert_null(attachment_sniff("application/pdf", pdf, sizeof(pdf) - 1));
    assert_null(attachment_sniff("image/png", png, sizeof(png) - 1));
    assert_null(attachment_sniff(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", zip, 8));
    assert_non_null(attachment_sniff("image/png", pdf, sizeof(pdf) - 1));
    assert_non_null(attachment_sniff("image/jpeg", png, sizeof(png) - 1));
    assert_non_null(attachment_sniff("application/pdf", pdf, 3)); /* truncated */
    assert_null(attachment_sniff("text/plain", pdf, sizeof(pdf) - 1));
}

static void test_filename_rules(void **state)
{
    const char *ok[] = {"report.pdf", "Доклад 2016.docx", "a", "..hidden"};
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
        assert_null(attachment_filename_problem(ok[i], strlen(ok[i])));
    const char *bad[] = {"", ".", "..", "dir/file.pdf", "..\\x.pdf", "a\nb", "tab\there"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_non_null(attachment_filename_problem(bad[i], strlen(bad[i])));
    assert_non_null(attachment_filename_problem("\xff\xfe.pdf", 6));
    char longname[LIMIT_TEXT_SHORT + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_non_null(attachment_filename_problem(longname, strlen(longname)));
}

static void test_disposition_has_ascii_fallback_and_utf8(void **state)
{
    struct buf b = BUF_INIT;
    attachment_disposition(&b, "Доклад \"2016\".pdf");
    assert_string_equal(b.p,
                        "attachment; filename=\"______ _2016_.pdf\"; "
                        "filename*=UTF-8''%D0%94%D0%BE%D0%BA%D0%BB%D0%B0%D0%B4%20%222016%22.pdf");
    buf_reset(&b);
    attachment_disposition(&b, "plain-name_1.txt");
    assert_string_equal(b.p, "attachment; filename=\"plain-name_1.txt\"; "
                             "filename*=UTF-8''plain-name_1.txt");
    buf_release(&b);
}

/* ---- on a database ------------------------------------------------------------------ */

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct arena a;
    struct errors errs;
    struct error msg;
    struct principal who;
};

static int group_setup(void **state)
{
    return auth_init();
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/civdesk-eng-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    struct error err = ERROR_INIT;
    if (store_open(&f->s, f->path, STORE_OPEN_INIT, &err) < 0) {
        print_error("store_open: %s\n", err.msg);
        return -1;
    }
    arena_init(&f->a);
    errors_init(&f->errs, &f->a);
    f->who = (struct principal){.role = ROLE_OFFICER, .user_id = 0, .email = "unit@example.org"};
    *state = f;
    alarm(120);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    alarm(0);
    store_close(f->s);
    arena_release(&f->a);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void reset(struct fx *f)
{
    errors_init(&f->errs, &f->a);
    f->msg.msg[0] = '\0';
}

/* Creates from JSON text built with printf arguments; the store's return code. */
static int create(struct fx *f, const struct resource *res, struct record **out, const char *fmt,
                  ...) PRINTF_LIKE(4, 5);
static int create(struct fx *f, const struct resource *res, struct record **out, const char *fmt,
                  ...)
{
    reset(f);
    va_list ap;
    va_start(ap, fmt);
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    json_error_t je;
    json_t *body = json_loads(b.p, 0, &je);
    if (!body)
        fail_msg("test JSON does not parse: %s: %s", b.p, je.text);
    buf_release(&b);
    struct record *rec = NULL;
    int rc = domain_create(f->s, &f->who, res, body, &f->a, &f->errs, &f->msg, &rec);
    json_decref(body);
    if (out)
        *out = rec;
    return rc;
}

static int64_t must_create(struct fx *f, const struct resource *res, const char *json)
{
    struct record *rec;
    int rc = create(f, res, &rec, "%s", json);
    if (rc != STORE_OK)
        fail_msg("create %s failed (%d): %s %s %s", res->name, rc, f->msg.msg,
                 f->errs.n ? f->errs.items[0].field : "",
                 f->errs.n ? f->errs.items[0].message : "");
    return rec->id;
}

static int move(struct fx *f, const struct resource *res, int64_t id, const char *to)
{
    reset(f);
    const char **allowed;
    struct record *rec;
    return domain_transition(f->s, &f->who, res, id, 0, to, NULL, &f->a, &f->errs, &f->msg,
                             &allowed, &rec);
}

static const char *text_of(const struct record *rec, const char *name)
{
    int i = resource_field_index(rec->res, name);
    assert_true(i >= 0);
    return rec->v[i].null ? NULL : rec->v[i].s;
}

static void test_delegation_member_overlap_is_a_conflict(void **state)
{
    struct fx *f = *state;
    int64_t org = must_create(f, &res_organisations, "{\"name\":\"Фонд\",\"country\":\"RU\"}");
    struct buf b = BUF_INIT;
    buf_printf(&b, "{\"full_name\":\"Анна Иванова\",\"organisation_id\":%lld}", (long long)org);
    int64_t anna = must_create(f, &res_people, b.p);
    buf_release(&b);
    int64_t unga = must_create(f, &res_delegations,
                               "{\"forum\":\"UNGA 71\",\"body\":\"UNGA\","
                               "\"starts_on\":\"2016-09-13\","
                               "\"ends_on\":\"2016-12-23\"}");
    int64_t hrc = must_create(f, &res_delegations,
                              "{\"forum\":\"HRC 33\",\"body\":\"UNHRC\","
                              "\"starts_on\":\"2016-09-12\","
                              "\"ends_on\":\"2016-09-30\"}");
    int64_t later = must_create(f, &res_delegations,
                                "{\"forum\":\"HRC 34\","
                                "\"starts_on\":\"2017-02-27\","
                                "\"ends_on\":\"2017-03-24\"}");
    struct record *m;
    assert_int_equal(create(f, &res_delegation_members, &m,
                            "{\"delegation_id\":%lld,\"person_id\":%lld,\"role\":\"expert\"}",
                            (long long)unga, (long long)anna),
                     STORE_OK);
    /* The member's organisation defaults to the person's. */
    int oi = resource_field_index(m->res, "organisation_id");
    assert_false(m->v[oi].null);
    assert_int_equal(m->v[oi].i, org);
    /* HRC 33 overlaps UNGA 71: refused, naming UNGA 71. */
    assert_int_equal(create(f, &res_delegation_members, NULL,
                            "{\"delegation_id\":%lld,\"person_id\":%lld,\"role\":\"adviser\"}",
                            (long long)hrc, (long long)anna),
                     STORE_CONFLICT);
    assert_non_null(strstr(f->msg.msg, "UNGA 71"));
    assert_non_null(strstr(f->msg.msg, "Анна Иванова"));
    /* The next year's session does not overlap. */
    assert_int_equal(create(f, &res_delegation_members, NULL,
                            "{\"delegation_id\":%lld,\"person_id\":%lld,\"role\":\"expert\"}",
                            (long long)later, (long long)anna),
                     STORE_OK);
    /* Moving HRC 34 into the autumn would make her overlap: refused too. */
    reset(f);
    json_t *patch = json_loads("{\"starts_on\":\"2016-12-20\"}", 0, NULL);
    struct record *out;
    assert_int_equal(domain_update(f->s, &f->who, &res_delegations, later, 0, patch, &f->a,
                                   &f->errs, &f->msg, &out),
                     STORE_CONFLICT);
    json_decref(patch);
    assert_non_null(strstr(f->msg.msg, "UNGA 71"));
    /* Touching the boundary day counts as overlapping (days are inclusive). */
    int64_t edge = must_create(f, &res_delegations,
                               "{\"forum\":\"Edge\","
                               "\"starts_on\":\"2016-12-23\","
                               "\"ends_on\":\"2016-12-24\"}");
    assert_int_equal(create(f, &res_delegation_members, NULL,
                            "{\"delegation_id\":%lld,\"person_id\":%lld,\"role\":\"expert\"}",
                            (long long)edge, (long long)anna),
                     STORE_CONFLICT);
}

static void test_delegation_ends_not_before_start_and_body_exists(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create(f, &res_delegations, NULL,
                            "{\"forum\":\"X\",\"starts_on\":\"2017-01-02\","
                            "\"ends_on\":\"2017-01-01\"}"),
                     DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "ends_on");
    assert_int_equal(create(f, &res_delegations, NULL,
                            "{\"forum\":\"X\",\"body\":\"NOPE\",\"starts_on\":\"2017-01-01\","
                            "\"ends_on\":\"2017-01-01\"}"),
                     DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "body");
}

/* A text of n words in Russian. */
static char *russian_words(struct fx *f, size_t n)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_puts(&b, i % 10 == 9 ? "слово.\\n" : "слово "); /* JSON-escaped newline */
    char *s = arena_strdup(&f->a, b.p);
    buf_release(&b);
    return s;
}

static void test_report_over_limit_cannot_be_submitted(void **state)
{
    struct fx *f = *state;
    int64_t org = must_create(f, &res_organisations, "{\"name\":\"Союз\",\"country\":\"RU\"}");
    /* only organisations in ECOSOC status submit HRC written statements (issue 14) */
    char acc[160];
    snprintf(acc, sizeof(acc),
             "{\"organisation_id\":%lld,\"body\":\"ECOSOC\",\"status\":\"special\","
             "\"granted_on\":\"2012-07-01\"}",
             (long long)org);
    must_create(f, &res_accreditations, acc);
    struct record *rep;
    assert_int_equal(create(f, &res_reports, &rep,
                            "{\"kind\":\"written_statement\",\"title\":\"Заявление\","
                            "\"target_body\":\"UNHRC\",\"organisation_ids\":[%lld],"
                            "\"text\":\"%s\"}",
                            (long long)org, russian_words(f, 1501)),
                     STORE_OK);
    assert_string_equal(text_of(rep, "state"), "draft");
    int64_t words;
    struct word_limit wl;
    assert_int_equal(report_words(store_reader(f->s), rep, &f->a, &words, &wl), 0);
    assert_int_equal(words, 1501);
    assert_int_equal(wl.limit, 1500);
    assert_int_equal(move(f, &res_reports, rep->id, "in_review"), STORE_OK);
    assert_int_equal(move(f, &res_reports, rep->id, "submitted"), DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "text");
    assert_non_null(strstr(f->errs.items[0].message, "1501 words"));
    /* The refused move left nothing behind: still in review, no history entry for it. */
    struct record *now;
    assert_int_equal(store_get(store_reader(f->s), &res_reports, rep->id, &f->a, &now), 0);
    assert_string_equal(text_of(now, "state"), "in_review");
    assert_null(text_of(now, "submitted_on"));

    /* Shortened to 1,500 words it goes, and is stamped with the day. */
    reset(f);
    char *body = arena_printf(&f->a, "{\"text\":\"%s\"}", russian_words(f, 1500));
    json_t *patch = json_loads(body, 0, NULL);
    struct record *out;
    assert_int_equal(domain_update(f->s, &f->who, &res_reports, rep->id, 0, patch, &f->a, &f->errs,
                                   &f->msg, &out),
                     STORE_OK);
    json_decref(patch);
    assert_int_equal(move(f, &res_reports, rep->id, "submitted"), STORE_OK);
    assert_int_equal(store_get(store_reader(f->s), &res_reports, rep->id, &f->a, &now), 0);
    char today[11];
    date_from_unix(now_unix(), today);
    assert_string_equal(text_of(now, "submitted_on"), today);
}

static void test_report_recommendations_count_towards_the_limit(void **state)
{
    struct fx *f = *state;
    int64_t org = must_create(f, &res_organisations, "{\"name\":\"Лига\",\"country\":\"RU\"}");
    struct record *rep;
    assert_int_equal(create(f, &res_reports, &rep,
                            "{\"kind\":\"upr_submission\",\"title\":\"UPR\","
                            "\"organisation_ids\":[%lld],\"text\":\"%s\"}",
                            (long long)org, russian_words(f, 2810)),
                     STORE_OK);
    assert_int_equal(create(f, &res_report_recommendations, NULL,
                            "{\"report_id\":%lld,\"text\":\"Обеспечить обучение на родном "
                            "языке\",\"addressee\":\"Правительство\"}",
                            (long long)rep->id),
                     STORE_OK);
    int64_t words;
    struct word_limit wl;
    assert_int_equal(report_words(store_reader(f->s), rep, &f->a, &words, &wl), 0);
    assert_int_equal(words, 2815);
    assert_int_equal(wl.limit, 2815);
    assert_int_equal(create(f, &res_report_recommendations, NULL,
                            "{\"report_id\":%lld,\"text\":\"Ещё одно\"}", (long long)rep->id),
                     STORE_OK);
    assert_int_equal(move(f, &res_reports, rep->id, "in_review"), STORE_OK);
    assert_int_equal(move(f, &res_reports, rep->id, "submitted"), DOMAIN_INVALID);
}

static void test_proposal_answer_needs_a_response(void **state)
{
    struct fx *f = *state;
    int64_t org = must_create(f, &res_organisations, "{\"name\":\"Центр\",\"country\":\"RU\"}");
    struct record *p;
    assert_int_equal(create(f, &res_proposals, &p,
                            "{\"title\":\"Реестр памятников\",\"organisation_ids\":[%lld]}",
                            (long long)org),
                     STORE_OK);
    assert_string_equal(text_of(p, "state"), "received");
    /* received → accepted skips the review. */
    assert_int_equal(move(f, &res_proposals, p->id, "accepted"), STORE_CONFLICT);
    assert_int_equal(move(f, &res_proposals, p->id, "under_review"), STORE_OK);
    assert_int_equal(move(f, &res_proposals, p->id, "declined"), DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "response");
    reset(f);
    json_t *patch = json_loads("{\"response\":\"Принято\"}", 0, NULL);
    struct record *out;
    assert_int_equal(domain_update(f->s, &f->who, &res_proposals, p->id, 0, patch, &f->a, &f->errs,
                                   &f->msg, &out),
                     STORE_OK);
    json_decref(patch);
    assert_int_equal(move(f, &res_proposals, p->id, "accepted"), STORE_OK);
    struct record *now;
    assert_int_equal(store_get(store_reader(f->s), &res_proposals, p->id, &f->a, &now), 0);
    assert_string_equal(text_of(now, "answered_by"), "unit@example.org");
    assert_non_null(text_of(now, "answered_on"));
    assert_int_equal(move(f, &res_proposals, p->id, "implemented"), STORE_OK);
    assert_int_equal(move(f, &res_proposals, p->id, "under_review"), STORE_CONFLICT);
    /* A proposal is made by someone. */
    assert_int_equal(create(f, &res_proposals, NULL, "{\"title\":\"X\",\"organisation_ids\":[]}"),
                     DOMAIN_INVALID);
}

/* Lists res with query parameters given as name/value pairs (NULL-terminated). */
static size_t list_count(struct fx *f, const struct resource *res, const char *const *params)
{
    struct list_query q = {.sort = -1, .limit = 100};
    for (const char *const *p = params; p[0]; p += 2) {
        const struct list_param *lp = resource_param(res, str_from(p[0]));
        assert_non_null(lp);
        q.params[q.nparams++] = (struct param_filter){.p = lp, .v = {.s = p[1], .n = strlen(p[1])}};
        if (lp->kind == P_CHILD || lp->kind == P_REF)
            q.params[q.nparams - 1].v = (struct value){.i = atoll(p[1])};
    }
    struct list_result lr;
    struct error err = ERROR_INIT;
    assert_int_equal(store_list(store_reader(f->s), res, &q, &f->a, &lr, &err), 0);
    return lr.n;
}

static void test_meeting_filters_by_dates_and_organisation(void **state)
{
    struct fx *f = *state;
    int64_t org = must_create(f, &res_organisations, "{\"name\":\"Общество\",\"country\":\"RU\"}");
    int64_t other = must_create(f, &res_organisations, "{\"name\":\"Другое\",\"country\":\"RU\"}");
    int64_t m1 = must_create(f, &res_meetings,
                             "{\"kind\":\"annual_ministerial\",\"title\":\"A\","
                             "\"starts_at\":\"2016-12-13T22:30:00+03:00\"}");
    must_create(f, &res_meetings,
                "{\"kind\":\"departmental\",\"title\":\"B\","
                "\"starts_at\":\"2017-03-14T09:00:00Z\"}");
    assert_int_equal(create(f, &res_meeting_participants, NULL,
                            "{\"meeting_id\":%lld,\"organisation_id\":%lld}", (long long)m1,
                            (long long)org),
                     STORE_OK);
    /* 22:30 in Moscow is 19:30 UTC on the 13th: "to" the 13th includes it. */
    assert_int_equal(list_count(f, &res_meetings, (const char *const[]){"to", "2016-12-13", NULL}),
                     1);
    assert_int_equal(list_count(f, &res_meetings, (const char *const[]){"to", "2016-12-12", NULL}),
                     0);
    assert_int_equal(
        list_count(f, &res_meetings,
                   (const char *const[]){"from", "2016-12-14", "to", "2017-12-31", NULL}),
        1);
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)org);
    assert_int_equal(
        list_count(f, &res_meetings, (const char *const[]){"organisation_id", id, NULL}), 1);
    snprintf(id, sizeof(id), "%lld", (long long)other);
    assert_int_equal(
        list_count(f, &res_meetings, (const char *const[]){"organisation_id", id, NULL}), 0);
    /* A participant names a person or an organisation. */
    assert_int_equal(
        create(f, &res_meeting_participants, NULL, "{\"meeting_id\":%lld}", (long long)m1),
        DOMAIN_INVALID);
}

static void test_calendar_has_meetings_delegations_deadlines_and_actions(void **state)
{
    struct fx *f = *state;
    int64_t m = must_create(f, &res_meetings,
                            "{\"kind\":\"annual_ministerial\",\"title\":\"Y\","
                            "\"starts_at\":\"2030-12-13T10:00:00Z\"}");
    struct record *rec;
    assert_int_equal(create(f, &res_meeting_actions, &rec,
                            "{\"meeting_id\":%lld,\"text\":\"Do it\",\"due_on\":\"2030-12-20\"}",
                            (long long)m),
                     STORE_OK);
    assert_int_equal(create(f, &res_meeting_actions, &rec,
                            "{\"meeting_id\":%lld,\"text\":\"Done\",\"due_on\":\"2030-12-21\","
                            "\"done\":true}",
                            (long long)m),
                     STORE_OK);
    must_create(f, &res_delegations,
                "{\"forum\":\"UNGA 85\",\"body\":\"UNGA\","
                "\"starts_on\":\"2030-09-10\",\"ends_on\":\"2030-12-22\"}");
    must_create(f, &res_reports,
                "{\"kind\":\"monitoring\",\"title\":\"Z\","
                "\"deadline_on\":\"2030-12-01\"}");
    must_create(f, &res_reports,
                "{\"kind\":\"monitoring\",\"title\":\"Outside\","
                "\"deadline_on\":\"2031-01-01\"}");
    struct engagement_event *ev;
    size_t n;
    assert_int_equal(engagement_calendar(store_reader(f->s), &f->who, "2030-12-01", "2030-12-31",
                                         &f->a, &ev, &n),
                     0);
    assert_int_equal(n, 4);
    /* Ordered by date: the delegation (started in September), the deadline, the meeting,
     * the open action item (the done one is not an event). */
    assert_string_equal(ev[0].kind, "delegation");
    assert_string_equal(ev[0].end_date, "2030-12-22");
    assert_string_equal(ev[1].kind, "report_deadline");
    assert_string_equal(ev[1].date, "2030-12-01");
    assert_string_equal(ev[2].kind, "meeting");
    assert_string_equal(ev[2].date, "2030-12-13");
    assert_string_equal(ev[3].kind, "action_due");
    assert_string_equal(ev[3].resource, "meetings");
    assert_int_equal(ev[3].id, m);
    /* The ledger's calendar carries them too. */
    struct cal_item *items;
    assert_int_equal(
        ledger_calendar(store_reader(f->s), &f->who, "2030-12-01", "2030-12-31", NULL, &f->a, &items, &n),
        0);
    size_t mine = 0;
    for (size_t i = 0; i < n; i++)
        mine += !strcmp(items[i].kind, "meeting") || !strcmp(items[i].kind, "action_due") ||
                !strcmp(items[i].kind, "delegation") || !strcmp(items[i].kind, "report_deadline");
    assert_int_equal(mine, 4);
}

static void test_site_coordinates_validated(void **state)
{
    struct fx *f = *state;
    int64_t g = must_create(f, &res_working_groups, "{\"name\":\"Наследие\"}");
    assert_int_equal(create(f, &res_working_group_sites, NULL,
                            "{\"working_group_id\":%lld,\"name\":\"M\",\"kind\":\"memorial\","
                            "\"country\":\"DE\",\"lat\":52.48,\"lon\":13.47}",
                            (long long)g),
                     STORE_OK);
    assert_int_equal(create(f, &res_working_group_sites, NULL,
                            "{\"working_group_id\":%lld,\"name\":\"M\",\"kind\":\"memorial\","
                            "\"country\":\"DE\",\"lat\":91,\"lon\":13}",
                            (long long)g),
                     DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "lat");
    assert_int_equal(create(f, &res_working_group_sites, NULL,
                            "{\"working_group_id\":%lld,\"name\":\"M\",\"kind\":\"memorial\","
                            "\"country\":\"DE\",\"lat\":10,\"lon\":-180.5}",
                            (long long)g),
                     DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "lon");
    assert_int_equal(create(f, &res_working_group_sites, NULL,
                            "{\"working_group_id\":%lld,\"name\":\"M\",\"kind\":\"memorial\","
                            "\"country\":\"DE\",\"lat\":10}",
                            (long long)g),
                     DOMAIN_INVALID);
    assert_string_equal(f->errs.items[0].field, "lon");
}

#define T(fn) cmocka_unit_test(fn)
#define D(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_words_english_are_runs_between_spaces),
        T(test_words_cyrillic_counted_like_latin),
        T(test_words_joined_by_hyphen_or_apostrophe_are_one),
        T(test_words_punctuation_alone_is_not_a_word),
        T(test_words_unicode_spaces_separate),
        T(test_words_ideographs_count_one_each),
        T(test_limit_hrc_statement_depends_on_general_status),
        T(test_limit_upr_depends_on_joint_authorship),
        T(test_limit_none_for_other_targets),
        T(test_media_type_allow_list),
        T(test_sniff_checks_signatures),
        T(test_filename_rules),
        T(test_disposition_has_ascii_fallback_and_utf8),
        D(test_delegation_member_overlap_is_a_conflict),
        D(test_delegation_ends_not_before_start_and_body_exists),
        D(test_report_over_limit_cannot_be_submitted),
        D(test_report_recommendations_count_towards_the_limit),
        D(test_proposal_answer_needs_a_response),
        D(test_meeting_filters_by_dates_and_organisation),
        D(test_calendar_has_meetings_delegations_deadlines_and_actions),
        D(test_site_coordinates_validated),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
