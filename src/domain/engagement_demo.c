/*
 * Demo engagement records, added inside demo_populate's transaction: yearly ministerial
 * meetings (the 2016 one with participants, action items and its transcript in English
 * and Russian), proposals in every state, the UNGA 71 delegation with NGO experts from 23
 * organisations, reports in every state with recommendations, incidents, and a working
 * group on heritage sites abroad. Deterministic except for the dates placed around today,
 * so the calendar has something ahead of it.
 */
#include "domain/engagement.h"
#include "core/limits.h"

#include <stdio.h>
#include <string.h>

struct demo {
    struct store_tx *tx;
    struct arena *a;
    struct error *err;
    int64_t *orgs; /* national (RU) organisations, in id order */
    size_t norgs;
    int64_t *people; /* the first person of each of those organisations (0: none) */
    int year;        /* this year, for the dates ahead */
};

/* Sets a field (read-only ones too) from text, validated as input would be. */
static void set_field(struct demo *d, struct record *rec, const char *name, const char *text)
{
    int i = resource_field_index(rec->res, name);
    const char *why;
    if (i < 0 || value_from_text(&rec->res->fields[i], str_from(text), d->a, &rec->v[i], &why) < 0)
        BUG("demo: a field value the declaration refuses");
}

/*
 * Inserts one record from JSON (taken over). `path` lists the states it went through after
 * the initial one (NULL: none), recorded as its history; `fixed` gives read-only fields as
 * name/value pairs (NULL-terminated, or NULL).
 */
static int put_with(struct demo *d, const struct resource *res, json_t *obj,
                    const char *const *path, const char *const *fixed, int64_t *id)
{
    struct errors errs;
    errors_init(&errs, d->a);
    struct record *rec = record_new(res, d->a);
    record_from_json(rec, obj, RECORD_CREATE, d->a, &errs);
    json_decref(obj);
    if (errs.n)
        return error_set(d->err, "demo %s invalid: %s %s", res->singular, errs.items[0].field,
                         errs.items[0].message);
    domain_initial_state(rec);
    const char *from = res->state_field
                           ? res->fields[resource_field_index(res, res->state_field)].values[0]
                           : NULL;
    for (const char *const *s = path; s && *s; s++)
        set_field(d, rec, res->state_field, *s);
    for (const char *const *f = fixed; f && f[0]; f += 2)
        set_field(d, rec, f[0], f[1]);
    int rc = domain_insert_tx(d->tx, NULL, rec, d->a, &errs, d->err);
    if (rc == DOMAIN_INVALID)
        return error_set(d->err, "demo %s invalid: %s %s", res->singular, errs.items[0].field,
                         errs.items[0].message);
    struct store_actor actor = {.label = "demo"};
    for (const char *const *s = path; s && *s && rc == 0; s++) {
        rc = store_transition_insert(d->tx, res->name, rec->id, from, *s, &actor, NULL);
        from = *s;
    }
    if (rc == 0 && id)
        *id = rec->id;
    return rc;
}

static int put(struct demo *d, const struct resource *res, json_t *obj, const char *const *path,
               int64_t *id)
{
    return put_with(d, res, obj, path, NULL, id);
}

static json_t *ids(const int64_t *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(v[i]));
    return arr;
}

static json_t *strings(const char *const *v)
{
    json_t *arr = json_array();
    for (; *v; v++)
        json_array_append_new(arr, json_string(*v));
    return arr;
}

/* The national organisations and their first person, from what demo.c created. */
static int load_orgs(struct demo *d)
{
    struct list_query q = {.sort = -1, .limit = LIMIT_LIST_MAX, .nfilters = 1};
    q.filters[0] = (struct filter){.field = resource_field_index(&res_organisations, "country"),
                                   .v = {.s = "RU", .n = 2}};
    struct list_result lr;
    struct store_conn *c = store_tx_conn(d->tx);
    if (store_list(c, &res_organisations, &q, d->a, &lr, d->err) < 0)
        return -1;
    d->orgs = arena_alloc(d->a, (lr.n + 1) * sizeof(*d->orgs));
    d->people = arena_alloc(d->a, (lr.n + 1) * sizeof(*d->people));
    d->norgs = 0;
    int pf = resource_field_index(&res_people, "organisation_id");
    for (size_t i = 0; i < lr.n; i++) {
        struct list_query pq = {.sort = -1, .limit = 1, .nfilters = 1};
        pq.filters[0] = (struct filter){.field = pf, .v = {.i = lr.items[i]->id}};
        struct list_result pr;
        if (store_list(c, &res_people, &pq, d->a, &pr, d->err) < 0)
            return -1;
        if (pr.n == 0)
            continue;
        d->orgs[d->norgs] = lr.items[i]->id;
        d->people[d->norgs++] = pr.items[0]->id;
    }
    if (d->norgs < 40)
        return error_set(d->err, "demo: too few national organisations (%zu)", d->norgs);
    return 0;
}

/* A person of the ministry (no organisation). */
static int official(struct demo *d, const char *name, const char *position, int64_t *id)
{
    json_t *o = json_object();
    json_object_set_new(o, "full_name", json_string(name));
    json_object_set_new(o, "position", json_string(position));
    json_object_set_new(o, "languages", strings((const char *const[]){"ru", "en", NULL}));
    return put(d, &res_people, o, NULL, id);
}

/* ---- meetings ----------------------------------------------------------------------- */

static const char transcript_en[] =
    "Minister: Good afternoon, colleagues. This is our yearly meeting, and I am glad to see "
    "so many of you here again. Non-governmental organisations have become a real partner "
    "of the ministry: your experts travelled with our delegation to the seventy-first session "
    "of the General Assembly, your reports reach the Human Rights Council, and your "
    "volunteers look after memorials abroad that the state alone could not maintain.\n\n"
    "We have received more than forty proposals since our last meeting. Most have been "
    "answered; some are being implemented, and I will ask the department to report on each "
    "of them in writing. We want more national organisations to obtain consultative status "
    "with the Economic and Social Council: today there are sixty-four, among more than four "
    "and a half thousand worldwide. The ministry will support every well-prepared "
    "application.\n\n"
    "Representative of the Heritage Foundation: Thank you, Minister. We propose a joint "
    "register of memorial sites abroad, maintained with the embassies, so that damage is "
    "recorded and repaired quickly.\n\n"
    "Minister: The working group on heritage sites will take this up. Please send the "
    "details to the department.";

static const char transcript_ru[] =
    "Министр: Добрый день, коллеги. Это наша ежегодная встреча, и я рад снова видеть здесь "
    "так много из вас. Неправительственные организации стали настоящим партнёром "
    "министерства: ваши эксперты работали в составе нашей делегации на семьдесят первой "
    "сессии Генеральной Ассамблеи, ваши доклады доходят до Совета по правам человека, а ваши "
    "добровольцы ухаживают за мемориалами за рубежом, которые государство одно не смогло бы "
    "содержать.\n\n"
    "С прошлой встречи мы получили более сорока предложений. На большинство из них даны "
    "ответы, часть выполняется, и я попрошу департамент письменно доложить по каждому. Мы "
    "хотим, чтобы больше отечественных организаций получили консультативный статус при "
    "Экономическом и Социальном Совете: сегодня их шестьдесят четыре, а во всём мире — более "
    "четырёх с половиной тысяч. Министерство поддержит каждую хорошо подготовленную заявку.\n\n"
    "Представитель фонда «Наследие»: Спасибо, господин министр. Мы предлагаем общий реестр "
    "мемориальных объектов за рубежом, который вели бы вместе с посольствами, чтобы "
    "повреждения фиксировались и устранялись быстро.\n\n"
    "Министр: Этим займётся рабочая группа по объектам наследия. Пожалуйста, направьте "
    "подробности в департамент.";

static int meetings(struct demo *d, int64_t *annual)
{
    static const char *const agenda[] = {"Results of the year's cooperation",
                                         "NGO experts in national delegations",
                                         "Applications for ECOSOC consultative status",
                                         "Memorial heritage abroad",
                                         "Proposals of the organisations",
                                         NULL};
    int rc = 0;
    /* The yearly ministerial meetings, 2016 to last year, and the next one. */
    for (int y = 2016; y <= d->year && rc == 0; y++) {
        json_t *m = json_object();
        json_object_set_new(m, "kind", json_string("annual_ministerial"));
        json_object_set_new(
            m, "title",
            json_string(arena_printf(d->a, "Annual meeting of the Minister with NGOs, %d", y)));
        json_object_set_new(m, "starts_at",
                            json_string(arena_printf(d->a, "%d-12-13T10:00:00Z", y)));
        json_object_set_new(m, "ends_at", json_string(arena_printf(d->a, "%d-12-13T13:00:00Z", y)));
        json_object_set_new(m, "location", json_string("Ministry of Foreign Affairs, Moscow"));
        json_object_set_new(m, "department",
                            json_string("Department for Relations with Civil Society"));
        json_object_set_new(m, "chair", json_string("Minister of Foreign Affairs"));
        json_object_set_new(m, "agenda", strings(agenda));
        bool past = y < d->year;
        if (past)
            json_object_set_new(m, "summary",
                                json_string("The Minister reviewed the year's cooperation with "
                                            "national NGOs and answered their proposals."));
        json_object_set_new(m, "published", json_boolean(past));
        int64_t id;
        rc = put(d, &res_meetings, m, NULL, &id);
        if (y == 2016)
            *annual = id;
    }
    /* Participants of the 2016 meeting: 14 people from 14 organisations. */
    static const char *const roles[] = {"speaker", "participant", "participant", "observer"};
    for (size_t i = 0; i < 14 && rc == 0; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "meeting_id", json_integer(*annual));
        json_object_set_new(p, "person_id", json_integer(d->people[i]));
        json_object_set_new(p, "role", json_string(roles[i % ARRAY_SIZE(roles)]));
        json_object_set_new(p, "attended", json_boolean(i % 7 != 6));
        rc = put(d, &res_meeting_participants, p, NULL, NULL);
    }
    /* An organisation invited without a named representative. */
    if (rc == 0) {
        json_t *p = json_object();
        json_object_set_new(p, "meeting_id", json_integer(*annual));
        json_object_set_new(p, "organisation_id", json_integer(d->orgs[30]));
        json_object_set_new(p, "role", json_string("observer"));
        rc = put(d, &res_meeting_participants, p, NULL, NULL);
    }
    /* Action items: two done long ago, two due in the coming weeks. */
    const struct {
        const char *text, *owner, *due;
        bool done;
    } actions[] = {
        {"Report in writing on every proposal received since the last meeting",
         "Department for Relations with Civil Society", "2017-02-01", true},
        {"Invite NGO experts to the delegation to the 72nd session of the General Assembly",
         "Department of International Organisations", "2017-06-30", true},
        {"Prepare a joint register of memorial sites abroad with the embassies",
         "Working group on heritage sites", arena_printf(d->a, "%d-03-31", d->year + 1), false},
        {"Hold a seminar on ECOSOC consultative status applications", "Legal Department",
         arena_printf(d->a, "%d-05-15", d->year + 1), false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(actions) && rc == 0; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "meeting_id", json_integer(*annual));
        json_object_set_new(o, "text", json_string(actions[i].text));
        json_object_set_new(o, "owner", json_string(actions[i].owner));
        json_object_set_new(o, "due_on", json_string(actions[i].due));
        json_object_set_new(o, "done", json_boolean(actions[i].done));
        rc = put(d, &res_meeting_actions, o, NULL, NULL);
    }
    /* Meetings between the yearly ones. */
    const struct {
        const char *kind, *title, *when, *chair, *dept;
    } others[] = {
        {"deputy_minister", "Deputy Minister's meeting on NGO participation in the UPR",
         "2017-03-14T09:00:00Z", "Deputy Minister of Foreign Affairs",
         "Department of Humanitarian Cooperation and Human Rights"},
        {"departmental", "Consultations before the 72nd session of the General Assembly",
         "2017-07-11T11:00:00Z", "Director of the Department of International Organisations",
         "Department of International Organisations"},
        {"consultation", "Consultation on ECOSOC applications for 2018", "2017-04-20T08:00:00Z",
         "Head of the Legal Department", "Legal Department"},
        {"dialogue", "Civil society dialogue with visiting European NGOs", "2017-10-05T12:00:00Z",
         "Ambassador at large", "Department for Relations with Civil Society"},
        {"departmental", "Preparation of the annual meeting with NGOs",
         arena_printf(d->a, "%d-11-20T09:00:00Z", d->year), "Department Director",
         "Department for Relations with Civil Society"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(others) && rc == 0; i++) {
        json_t *m = json_object();
        json_object_set_new(m, "kind", json_string(others[i].kind));
        json_object_set_new(m, "title", json_string(others[i].title));
        json_object_set_new(m, "starts_at", json_string(others[i].when));
        json_object_set_new(m, "chair", json_string(others[i].chair));
        json_object_set_new(m, "department", json_string(others[i].dept));
        json_object_set_new(m, "location", json_string("Moscow"));
        int64_t id;
        rc = put(d, &res_meetings, m, NULL, &id);
        for (size_t k = 0; k < 4 && rc == 0; k++) {
            json_t *p = json_object();
            json_object_set_new(p, "meeting_id", json_integer(id));
            json_object_set_new(p, "person_id", json_integer(d->people[14 + i * 4 + k]));
            json_object_set_new(p, "attended", json_boolean(true));
            rc = put(d, &res_meeting_participants, p, NULL, NULL);
        }
    }
    return rc;
}

/* ---- documents ---------------------------------------------------------------------- */

static int document(struct demo *d, const char *kind, int64_t meeting, int64_t report, int64_t org,
                    bool published, const char *when, const char *title_en, const char *body_en,
                    const char *title_ru, const char *body_ru)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kind));
    if (meeting)
        json_object_set_new(o, "meeting_id", json_integer(meeting));
    if (report)
        json_object_set_new(o, "report_id", json_integer(report));
    if (org)
        json_object_set_new(o, "organisation_id", json_integer(org));
    json_object_set_new(o, "published", json_boolean(published));
    if (when)
        json_object_set_new(o, "published_at", json_string(when));
    int64_t id;
    int rc = put(d, &res_documents, o, NULL, &id);
    const char *const tr[2][3] = {{"en", title_en, body_en}, {"ru", title_ru, body_ru}};
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        if (!tr[i][1])
            continue;
        json_t *t = json_object();
        json_object_set_new(t, "document_id", json_integer(id));
        json_object_set_new(t, "lang", json_string(tr[i][0]));
        json_object_set_new(t, "title", json_string(tr[i][1]));
        json_object_set_new(t, "body", json_string(tr[i][2]));
        rc = put(d, &res_document_translations, t, NULL, NULL);
    }
    return rc;
}

/* ---- proposals ---------------------------------------------------------------------- */

static int proposals(struct demo *d, int64_t annual)
{
    static const char *const p_review[] = {"under_review", NULL};
    static const char *const p_accept[] = {"under_review", "accepted", NULL};
    static const char *const p_partial[] = {"under_review", "partially_accepted", NULL};
    static const char *const p_decline[] = {"under_review", "declined", NULL};
    static const char *const p_done[] = {"under_review", "accepted", "implemented", NULL};
    static const char *const p_partial_done[] = {"under_review", "partially_accepted",
                                                 "implemented", NULL};
    const struct {
        const char *title, *text, *area, *to;
        const char *const *path;
        const char *response;
        size_t nauthors;
    } rows[] = {
        {"Joint register of memorial sites abroad",
         "Keep one register of memorial sites abroad with the embassies, so that damage is "
         "recorded and repaired quickly.",
         "heritage", "Department for Relations with Civil Society", p_done,
         "Accepted. The working group on heritage sites keeps the register; embassies report "
         "to it every quarter.",
         3},
        {"NGO experts in every delegation to the General Assembly",
         "Include at least ten NGO experts in each national delegation to the regular "
         "sessions of the General Assembly.",
         "human_rights", "Department of International Organisations", p_accept,
         "Accepted: NGO experts will be invited each year; 23 organisations took part in the "
         "71st session.",
         5},
        {"Seminars on ECOSOC consultative status",
         "Hold yearly seminars helping national NGOs prepare applications for consultative "
         "status.",
         "education", "Legal Department", p_partial_done,
         "Partially accepted: one seminar a year in Moscow; regional seminars depend on "
         "funding.",
         2},
        {"Grants for UPR stakeholder submissions",
         "Fund the preparation of NGO submissions to the Universal Periodic Review.",
         "human_rights", "Department of Humanitarian Cooperation and Human Rights", p_partial,
         "Partially accepted: the ministry will review drafts and translate them; grants are "
         "outside its budget.",
         1},
        {"Diplomatic passports for NGO experts",
         "Issue diplomatic passports to NGO experts travelling with delegations.", "other",
         "Consular Department", p_decline,
         "Declined: the law reserves diplomatic passports to officials; experts receive "
         "service passports and visa support.",
         1},
        {"Annual report on incidents against journalists",
         "Publish a yearly report on restrictions imposed on national journalists abroad.", "media",
         "Information and Press Department", p_review, NULL, 2},
        {"Online consultations before the annual meeting",
         "Collect NGO proposals online in the month before the annual meeting.", "other",
         "Department for Relations with Civil Society", NULL, NULL, 4},
    };
    int rc = 0;
    size_t next = 0;
    for (size_t i = 0; i < ARRAY_SIZE(rows) && rc == 0; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "title", json_string(rows[i].title));
        json_object_set_new(o, "text", json_string(rows[i].text));
        json_object_set_new(o, "area", json_string(rows[i].area));
        json_object_set_new(o, "addressed_to", json_string(rows[i].to));
        json_object_set_new(o, "organisation_ids", ids(d->orgs + next, rows[i].nauthors));
        next += rows[i].nauthors;
        if (i < 5)
            json_object_set_new(o, "meeting_id", json_integer(annual));
        if (rows[i].response) {
            json_object_set_new(o, "response", json_string(rows[i].response));
            json_object_set_new(o, "answered_by",
                                json_string("Deputy Minister of Foreign Affairs"));
        }
        const char *const fixed[] = {"answered_on", "2017-02-01", NULL};
        rc = put_with(d, &res_proposals, o, rows[i].path, rows[i].response ? fixed : NULL, NULL);
    }
    return rc;
}

/* ---- delegations -------------------------------------------------------------------- */

static int delegation(struct demo *d, const char *forum, const char *body, const char *from,
                      const char *to, const int64_t *officials, size_t nofficials, size_t first_org,
                      size_t nexperts)
{
    json_t *o = json_object();
    json_object_set_new(o, "forum", json_string(forum));
    json_object_set_new(o, "body", json_string(body));
    json_object_set_new(o, "starts_on", json_string(from));
    json_object_set_new(o, "ends_on", json_string(to));
    int64_t id;
    int rc = put(d, &res_delegations, o, NULL, &id);
    for (size_t i = 0; i < nofficials && rc == 0; i++) {
        json_t *m = json_object();
        json_object_set_new(m, "delegation_id", json_integer(id));
        json_object_set_new(m, "person_id", json_integer(officials[i]));
        json_object_set_new(m, "role", json_string(i == 0 ? "head" : "official"));
        rc = put(d, &res_delegation_members, m, NULL, NULL);
    }
    for (size_t i = 0; i < nexperts && rc == 0; i++) {
        json_t *m = json_object();
        json_object_set_new(m, "delegation_id", json_integer(id));
        json_object_set_new(m, "person_id", json_integer(d->people[first_org + i]));
        json_object_set_new(m, "role", json_string(i % 8 == 7 ? "adviser" : "expert"));
        rc = put(d, &res_delegation_members, m, NULL, NULL);
    }
    return rc;
}

static int delegations(struct demo *d)
{
    int64_t head = 0, deputy = 0, diplomat = 0;
    int rc = official(d, "Игорь Николаевич Белов", "Deputy Minister of Foreign Affairs", &head);
    if (rc == 0)
        rc = official(d, "Марина Сергеевна Орлова",
                      "Director, Department of International Organisations", &deputy);
    if (rc == 0)
        rc = official(d, "Павел Андреевич Громов",
                      "Counsellor, Department of Humanitarian Cooperation and Human Rights",
                      &diplomat);
    int64_t unga[] = {head, deputy};
    /* "23 NGOs at the 71st session": 23 experts from 23 national organisations. */
    if (rc == 0)
        rc = delegation(d, "UNGA 71", "UNGA", "2016-09-13", "2016-12-23", unga, 2, 0, 23);
    if (rc == 0)
        rc = delegation(d, "UNGA 72", "UNGA", "2017-09-12", "2017-12-22", unga, 2, 5, 18);
    int64_t hrc[] = {diplomat};
    if (rc == 0)
        rc = delegation(d, "HRC 34", "UNHRC", "2017-02-27", "2017-03-24", hrc, 1, 23, 6);
    if (rc == 0)
        rc = delegation(d, "OSCE HDIM 2017", "OSCE_ODIHR", "2017-09-11", "2017-09-22", hrc, 1, 29,
                        5);
    return rc;
}

/* ---- reports ------------------------------------------------------------------------ */

/* A statement of about n words, in the language of the sentences given. */
static const char *words_of(struct demo *d, const char *const *sentences, size_t want)
{
    struct buf b = BUF_INIT;
    size_t have = 0;
    for (size_t i = 0; have < want; i++) {
        const char *s = sentences[i % 4];
        buf_puts(&b, s);
        buf_putc(&b, i % 4 == 3 ? '\n' : ' ');
        have += words_count(s, strlen(s));
    }
    const char *out = arena_strndup(d->a, b.p, b.n);
    buf_release(&b);
    return out;
}

static int reports(struct demo *d, int64_t *first)
{
    static const char *const en[] = {
        "National human rights organisations record the situation of compatriots abroad.",
        "They document restrictions on the use of the native language in education.",
        "Journalists have been refused accreditation without a stated reason.",
        "The authorities are invited to ensure equal access to public broadcasting."};
    static const char *const ru[] = {
        ("Национальные правозащитные организации фиксируют положение соотечественников за "
         "рубежом."),
        "Они документируют ограничения на использование родного языка в образовании.",
        "Журналистам отказывали в аккредитации без объяснения причин.",
        "Властям предлагается обеспечить равный доступ к общественному вещанию."};
    static const char *const p_review[] = {"in_review", NULL};
    static const char *const p_submitted[] = {"in_review", "submitted", NULL};
    static const char *const p_published[] = {"in_review", "submitted", "published", NULL};
    static const char *const p_withdrawn[] = {"withdrawn", NULL};
    char *deadline_ahead = arena_printf(d->a, "%d-03-15", d->year + 1);
    const struct {
        const char *kind, *title, *body, *country, *deadline, *submitted;
        const char *const *path;
        size_t nauthors, first_author, words;
        const char *const *lang;
    } rows[] = {
        {"upr_submission", "Joint UPR submission on the rights of national minorities", "UNHRC",
         "LV", "2016-03-21", "2016-03-18", p_published, 4, 0, 2600, en},
        {"written_statement", "Written statement to the 35th session of the Human Rights Council",
         "UNHRC", NULL, "2017-05-22", NULL, p_review, 1, 4, 1620, ru},
        {"human_rights", "Доклад о нарушениях прав соотечественников", "UNHRC", "UA",
         deadline_ahead, NULL, NULL, 2, 6, 900, ru},
        {"monitoring", "Monitoring of memorial sites in the Baltic states", NULL, "EE",
         "2017-11-01", "2017-10-30", p_submitted, 1, 8, 700, en},
        {"election_observation", "Observation of parliamentary elections", "OSCE_ODIHR", "MD",
         "2017-01-20", NULL, p_withdrawn, 1, 9, 400, en},
        {"shadow_report",
         "Shadow report to the Committee on the Elimination of Racial "
         "Discrimination",
         NULL, "EE", deadline_ahead, NULL, NULL, 2, 10, 500, en},
    };
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(rows) && rc == 0; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(rows[i].kind));
        json_object_set_new(o, "title", json_string(rows[i].title));
        json_object_set_new(o, "organisation_ids",
                            ids(d->orgs + rows[i].first_author, rows[i].nauthors));
        if (rows[i].body)
            json_object_set_new(o, "target_body", json_string(rows[i].body));
        if (rows[i].country)
            json_object_set_new(o, "subject_country", json_string(rows[i].country));
        json_object_set_new(o, "deadline_on", json_string(rows[i].deadline));
        json_object_set_new(o, "summary", json_string(rows[i].lang[0]));
        json_object_set_new(o, "text", json_string(words_of(d, rows[i].lang, rows[i].words)));
        const char *const fixed[] = {"submitted_on", rows[i].submitted, NULL};
        int64_t id;
        rc = put_with(d, &res_reports, o, rows[i].path, rows[i].submitted ? fixed : NULL, &id);
        if (i == 0)
            *first = id;
        static const char *const recs[][2] = {
            {"Ensure instruction in minority languages in public schools", "Government"},
            {"Stop refusing accreditation to foreign journalists without reasons", "Government"},
            {"Invite the Special Rapporteur on minority issues", "Government"},
        };
        for (size_t k = 0; k < (i == 0 ? 3u : 1u) && rc == 0; k++) {
            json_t *r = json_object();
            json_object_set_new(r, "report_id", json_integer(id));
            json_object_set_new(r, "text", json_string(recs[k][0]));
            json_object_set_new(r, "addressee", json_string(recs[k][1]));
            rc = put(d, &res_report_recommendations, r, NULL, NULL);
        }
    }
    return rc;
}

/* ---- incidents ---------------------------------------------------------------------- */

static int incidents(struct demo *d, int64_t report)
{
    const struct {
        const char *kind, *on, *country, *place, *what, *source;
        bool linked;
    } rows[] = {
        {"journalist_restriction", "2016-11-02", "LV", "Riga",
         "Two television journalists were refused entry at the border and banned for three "
         "years.",
         "https://news.example.org/2016/11/02/journalists-refused-entry", true},
        {"memorial_vandalism", "2017-05-09", "PL", "Pieniężno",
         "The memorial to the Soviet soldiers was painted over during the night.",
         "https://news.example.org/2017/05/09/memorial-vandalised", false},
        {"memorial_vandalism", "2017-08-21", "EE", "Tallinn",
         "Tombstones at the military cemetery were broken.",
         "https://news.example.org/2017/08/21/cemetery", false},
        {"rights_violation", "2017-03-01", "UA", "Odesa",
         "A cultural society was closed and its property seized.",
         "https://news.example.org/2017/03/01/society-closed", true},
    };
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(rows) && rc == 0; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(rows[i].kind));
        json_object_set_new(o, "occurred_on", json_string(rows[i].on));
        json_object_set_new(o, "country", json_string(rows[i].country));
        json_object_set_new(o, "place", json_string(rows[i].place));
        json_object_set_new(o, "description", json_string(rows[i].what));
        json_object_set_new(o, "sources", strings((const char *const[]){rows[i].source, NULL}));
        if (rows[i].linked)
            json_object_set_new(o, "report_ids", ids(&report, 1));
        rc = put(d, &res_incidents, o, NULL, NULL);
    }
    return rc;
}

/* ---- working group ------------------------------------------------------------------ */

static int heritage(struct demo *d)
{
    json_t *g = json_object();
    json_object_set_new(g, "name", json_string("Working group on heritage sites abroad"));
    json_object_set_new(g, "mandate",
                        json_string("Keep the register of memorials, military cemeteries and "
                                    "cultural heritage sites abroad, follow their condition "
                                    "with the embassies, and propose repairs."));
    json_object_set_new(g, "established_on", json_string("2015-04-07"));
    json_object_set_new(g, "lead_department",
                        json_string("Department for Relations with Civil Society"));
    int64_t id;
    int rc = put(d, &res_working_groups, g, NULL, &id);
    static const char *const roles[] = {"chair",  "secretary", "member",
                                        "member", "expert",    "expert"};
    for (size_t i = 0; i < ARRAY_SIZE(roles) && rc == 0; i++) {
        json_t *m = json_object();
        json_object_set_new(m, "working_group_id", json_integer(id));
        json_object_set_new(m, "person_id", json_integer(d->people[34 + i]));
        json_object_set_new(m, "role", json_string(roles[i]));
        json_object_set_new(m, "since", json_string("2015-04-07"));
        rc = put(d, &res_working_group_members, m, NULL, NULL);
    }
    const struct {
        const char *name, *kind, *place, *country, *condition;
        double lat, lon;
    } sites[] = {
        {"Soviet War Memorial in Treptower Park", "memorial", "Berlin", "DE", "good", 52.4874,
         13.4693},
        {"Heroes' Monument of the Red Army", "monument", "Vienna", "AT", "fair", 48.1977, 16.3753},
        {"Russian cemetery of Sainte-Geneviève-des-Bois", "cemetery", "Sainte-Geneviève-des-Bois",
         "FR", "fair", 48.6436, 2.3196},
        {"Russian memorial at Gallipoli", "memorial", "Gelibolu", "TR", "good", 40.4093, 26.6706},
        {"Memorial to the Soviet soldiers", "memorial", "Pieniężno", "PL", "critical", 54.2363,
         20.1289},
        {"Military cemetery of Olšany", "burial_site", "Prague", "CZ", "poor", 50.0807, 14.4627},
    };
    for (size_t i = 0; i < ARRAY_SIZE(sites) && rc == 0; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "working_group_id", json_integer(id));
        json_object_set_new(s, "name", json_string(sites[i].name));
        json_object_set_new(s, "kind", json_string(sites[i].kind));
        json_object_set_new(s, "place", json_string(sites[i].place));
        json_object_set_new(s, "country", json_string(sites[i].country));
        json_object_set_new(s, "lat", json_real(sites[i].lat));
        json_object_set_new(s, "lon", json_real(sites[i].lon));
        json_object_set_new(s, "condition", json_string(sites[i].condition));
        rc = put(d, &res_working_group_sites, s, NULL, NULL);
    }
    return rc;
}

int engagement_demo(struct store_tx *tx, struct arena *a, struct error *err)
{
    char today[11];
    date_from_unix(now_unix(), today);
    struct demo d = {.tx = tx,
                     .a = a,
                     .err = err,
                     .year = (today[0] - '0') * 1000 + (today[1] - '0') * 100 +
                             (today[2] - '0') * 10 + (today[3] - '0')};
    int64_t annual = 0, report = 0;
    int rc = load_orgs(&d);
    if (rc == 0)
        rc = meetings(&d, &annual);
    if (rc == 0)
        rc = document(&d, "transcript", annual, 0, 0, true, "2016-12-14T09:00:00Z",
                      "Transcript of the Minister's annual meeting with NGOs, 13 December 2016",
                      transcript_en,
                      "Стенограмма ежегодной встречи Министра с НКО, 13 декабря 2016 года",
                      transcript_ru);
    if (rc == 0)
        rc = document(&d, "statement", annual, 0, 0, true, "2016-12-13T15:00:00Z",
                      "Press statement on the Minister's meeting with NGOs",
                      "The Minister met representatives of national non-governmental "
                      "organisations and answered their proposals.",
                      "Сообщение для прессы о встрече Министра с НКО",
                      "Министр встретился с представителями отечественных "
                      "неправительственных организаций и ответил на их предложения.");
    if (rc == 0)
        rc = document(&d, "letter", 0, 0, d.orgs[0], false, NULL, NULL, NULL,
                      "Письмо в департамент о реестре мемориальных объектов",
                      "Направляем предложения по ведению реестра мемориальных объектов.");
    if (rc == 0)
        rc = proposals(&d, annual);
    if (rc == 0)
        rc = delegations(&d);
    if (rc == 0)
        rc = reports(&d, &report);
    if (rc == 0)
        rc = document(&d, "report", 0, report, d.orgs[0], true, "2016-03-25T12:00:00Z",
                      "Joint UPR submission on the rights of national minorities",
                      "The full text of the joint submission, as sent to OHCHR.", NULL, NULL);
    if (rc == 0)
        rc = incidents(&d, report);
    if (rc == 0)
        rc = heritage(&d);
    return rc < 0 ? -1 : 0;
}
