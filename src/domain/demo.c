/*
 * The demo database: a few hundred organisations in a dozen countries, with names in
 * Cyrillic and Latin script, their people, and one user of each role. Deterministic:
 * the same run gives the same data (only the passwords are random).
 */
#define _GNU_SOURCE
#include "domain/domain.h"
#include "domain/ledger.h"
#include "domain/engagement.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((r->s >> 33) % n);
}

#define PICK(r, a) (a)[rnd(r, ARRAY_SIZE(a))]

/* Per-country vocabulary: how organisations there are named. */
struct country_names {
    const char *code;
    int weight;               /* relative number of organisations */
    const char *const *forms; /* "Фонд", "Association" */
    size_t nforms;
    const char *const *topics; /* "поддержки соотечественников", "for Human Rights" */
    size_t ntopics;
    const char *const *cities;
    size_t ncities;
    const char *const *first; /* people's names */
    size_t nfirst;
    const char *const *last;
    size_t nlast;
    bool cyrillic;
};

static const char *const ru_forms[] = {"Фонд",     "Ассоциация", "Союз",     "Центр",
                                       "Движение", "Общество",   "Институт", "Лига"};
static const char *const ru_topics[] = {"поддержки соотечественников",
                                        "защиты прав человека",
                                        "культурного наследия",
                                        "народной дипломатии",
                                        "гражданских инициатив",
                                        "правового просвещения",
                                        "содействия миру",
                                        "помощи беженцам",
                                        "исторической памяти",
                                        "развития НКО",
                                        "экологических инициатив",
                                        "молодёжных программ",
                                        "поддержки журналистов",
                                        "международного сотрудничества",
                                        "женщин-лидеров",
                                        "ветеранов и их семей"};
static const char *const ru_cities[] = {
    "Москва",          "Санкт-Петербург", "Казань",         "Новосибирск", "Екатеринбург",
    "Нижний Новгород", "Самара",          "Ростов-на-Дону", "Владивосток", "Калининград"};
static const char *const ru_first[] = {"Анна",   "Мария",   "Ольга",  "Елена", "Наталья", "Алексей",
                                       "Сергей", "Дмитрий", "Андрей", "Иван",  "Фёдор",   "Юлия"};
static const char *const ru_last[] = {"Иванов",  "Смирнов", "Кузнецов", "Попов",
                                      "Соколов", "Лебедев", "Козлов",   "Новиков",
                                      "Морозов", "Чкалов",  "Ёлкин",    "Волков"};

static const char *const by_cities[] = {"Минск", "Гомель", "Брест", "Витебск", "Гродно"};
static const char *const kz_cities[] = {"Алматы", "Астана", "Шымкент", "Караганда"};
static const char *const am_cities[] = {"Ереван", "Гюмри", "Ванадзор"};

static const char *const en_forms[] = {"Foundation", "Association", "Centre",   "Council",
                                       "Network",    "Institute",   "Alliance", "League"};
static const char *const en_topics[] = {
    "for Human Rights",        "for Cultural Heritage",     "for Civic Dialogue",
    "for Press Freedom",       "for Refugee Support",       "for Peace Studies",
    "of Election Observers",   "for Youth Exchange",        "for Minority Rights",
    "for Women in Leadership", "for Environmental Justice", "for Memory and History"};
static const char *const gb_cities[] = {"London", "Manchester", "Edinburgh", "Bristol"};
static const char *const us_cities[] = {"New York", "Washington", "Chicago", "Boston"};
static const char *const in_cities[] = {"New Delhi", "Mumbai", "Bengaluru", "Chennai"};
static const char *const en_first[] = {"Alice", "James", "Priya",   "Robert", "Emily",
                                       "David", "Sarah", "Michael", "Anita",  "John"};
static const char *const en_last[] = {"Smith",  "Johnson", "Brown",  "Taylor", "Patel",
                                      "Wilson", "Evans",   "Clarke", "Sharma", "Walker"};

static const char *const fr_forms[] = {"Association", "Fondation", "Ligue",
                                       "Centre",      "Collectif", "Observatoire"};
static const char *const fr_topics[] = {"pour les droits de l'homme",   "du patrimoine culturel",
                                        "pour la liberté de la presse", "pour la paix",
                                        "d'aide aux réfugiés",          "de la mémoire historique"};
static const char *const fr_cities[] = {"Paris", "Lyon", "Marseille", "Strasbourg"};
static const char *const fr_first[] = {"Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules"};
static const char *const fr_last[] = {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit"};

static const char *const de_forms[] = {"Stiftung", "Verein", "Zentrum", "Bund", "Forum"};
static const char *const de_topics[] = {"für Menschenrechte",   "für Kulturerbe",
                                        "für Pressefreiheit",   "für Frieden",
                                        "für Flüchtlingshilfe", "für Erinnerungskultur"};
static const char *const de_cities[] = {"Berlin", "München", "Hamburg", "Köln"};
static const char *const de_first[] = {"Anna", "Lukas", "Lena", "Jonas", "Sophie", "Felix"};
static const char *const de_last[] = {"Müller",  "Schmidt", "Schneider",
                                      "Fischer", "Weber",   "Becker"};

static const char *const rs_forms[] = {"Фондација", "Удружење", "Центар", "Савез"};
static const char *const rs_topics[] = {"за људска права", "за културно наслеђе",
                                        "за мир и дијалог", "за слободу медија"};
static const char *const rs_cities[] = {"Београд", "Нови Сад", "Ниш"};
static const char *const rs_first[] = {"Марко", "Јелена", "Никола", "Ана", "Стефан"};
static const char *const rs_last[] = {"Петровић", "Јовановић", "Николић", "Марковић"};

static const char *const it_forms[] = {"Fondazione", "Associazione", "Centro", "Lega"};
static const char *const it_topics[] = {"per i diritti umani", "per il patrimonio culturale",
                                        "per la pace", "per la libertà di stampa"};
static const char *const it_cities[] = {"Roma", "Milano", "Napoli", "Torino"};
static const char *const it_first[] = {"Giulia", "Marco", "Francesca", "Luca", "Sara"};
static const char *const it_last[] = {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi"};

static const char *const br_forms[] = {"Fundação", "Associação", "Instituto", "Centro"};
static const char *const br_topics[] = {"pelos Direitos Humanos", "do Patrimônio Cultural",
                                        "pela Paz", "pela Liberdade de Imprensa"};
static const char *const br_cities[] = {"São Paulo", "Rio de Janeiro", "Brasília"};
static const char *const br_first[] = {"Ana", "João", "Maria", "Pedro", "Beatriz"};
static const char *const br_last[] = {"Silva", "Santos", "Oliveira", "Souza", "Costa"};

static const char *const cn_forms[] = {"基金会", "协会", "中心", "联合会"};
static const char *const cn_topics[] = {"人权研究", "文化遗产保护", "民间外交", "和平发展"};
static const char *const cn_cities[] = {"北京", "上海", "广州"};
static const char *const cn_first[] = {"伟", "芳", "娜", "敏", "静"};
static const char *const cn_last[] = {"王", "李", "张", "刘", "陈"};

#define L(a) a, ARRAY_SIZE(a)
static const struct country_names countries[] = {
    {"RU", 30, L(ru_forms), L(ru_topics), L(ru_cities), L(ru_first), L(ru_last), true},
    {"BY", 6, L(ru_forms), L(ru_topics), L(by_cities), L(ru_first), L(ru_last), true},
    {"KZ", 5, L(ru_forms), L(ru_topics), L(kz_cities), L(ru_first), L(ru_last), true},
    {"AM", 3, L(ru_forms), L(ru_topics), L(am_cities), L(ru_first), L(ru_last), true},
    {"RS", 4, L(rs_forms), L(rs_topics), L(rs_cities), L(rs_first), L(rs_last), true},
    {"GB", 8, L(en_forms), L(en_topics), L(gb_cities), L(en_first), L(en_last), false},
    {"US", 12, L(en_forms), L(en_topics), L(us_cities), L(en_first), L(en_last), false},
    {"IN", 9, L(en_forms), L(en_topics), L(in_cities), L(en_first), L(en_last), false},
    {"FR", 7, L(fr_forms), L(fr_topics), L(fr_cities), L(fr_first), L(fr_last), false},
    {"DE", 7, L(de_forms), L(de_topics), L(de_cities), L(de_first), L(de_last), false},
    {"IT", 4, L(it_forms), L(it_topics), L(it_cities), L(it_first), L(it_last), false},
    {"BR", 4, L(br_forms), L(br_topics), L(br_cities), L(br_first), L(br_last), false},
    {"CN", 3, L(cn_forms), L(cn_topics), L(cn_cities), L(cn_first), L(cn_last), false},
};

static const char *const ru_quoted[] = {"Мост",         "Наследие", "Диалог",   "Память",
                                        "Открытый мир", "Право",    "Согласие", "Содружество",
                                        "Исток",        "Голос"};
static const char *const areas[] = {"human_rights", "culture",   "heritage",    "media",
                                    "humanitarian", "youth",     "environment", "education",
                                    "peace",        "elections", "women",       "compatriots"};
static const char *const positions_ru[] = {"председатель", "исполнительный директор", "эксперт",
                                           "координатор программ", "юрист"};
static const char *const positions_en[] = {"chair", "executive director", "expert",
                                           "programme coordinator", "legal adviser"};
static const char *const ru_translit_form[] = {"Fond",      "Assotsiatsiya", "Soyuz",    "Tsentr",
                                               "Dvizhenie", "Obshchestvo",   "Institut", "Liga"};

#define DEMO_ORGS 360

static int insert(struct store_tx *tx, const struct resource *res, json_t *obj, struct arena *a,
                  int64_t *id, struct error *err)
{
    struct errors errs;
    errors_init(&errs, a);
    struct record *rec = record_new(res, a);
    record_from_json(rec, obj, RECORD_CREATE, a, &errs);
    json_decref(obj);
    int rc = errs.n ? DOMAIN_INVALID : domain_insert_tx(tx, NULL, rec, a, &errs, err);
    if (rc == DOMAIN_INVALID)
        return error_set(err, "demo record invalid: %s %s", errs.items[0].field,
                         errs.items[0].message);
    *id = rec->id;
    return rc;
}

static void random_password(char out[33])
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    out[20] = '\0';
}

static int add_user(struct store_tx *tx, const char *email, const char *name, const char *role,
                    int64_t org, const char *password, struct error *err)
{
    char hash[128];
    if (password_hash(password, hash, err) < 0)
        return -1;
    struct user u = {
        .email = email, .name = name, .role = role, .org_id = org, .password_hash = hash};
    int64_t id;
    if (store_user_insert(tx, &u, &id, err) < 0)
        return -1;
    /* Audited like any account, so `civdesk check` finds every row accounted for. */
    char after[400];
    snprintf(after, sizeof(after), "{\"email\":\"%s\",\"role\":\"%s\"}", email, role);
    return store_audit(tx, NULL, "create", "users", id, NULL, after);
}

int demo_populate(struct store *s, const char *login_file, struct error *err)
{
    struct rng r = {.s = 20161213};
    struct arena a = ARENA_INIT;
    struct store_tx *tx;
    if (store_write_begin(s, &tx) < 0)
        return error_set(err, "the database is busy");
    int total_weight = 0;
    for (size_t i = 0; i < ARRAY_SIZE(countries); i++)
        total_weight += countries[i].weight;
    int rc = 0;
    int64_t first_ru = 0;
    int people = 0;
    for (int n = 0; n < DEMO_ORGS && rc == 0; n++) {
        /* Pick a country by weight. */
        int w = (int)rnd(&r, (uint32_t)total_weight);
        const struct country_names *c = &countries[0];
        for (size_t i = 0; i < ARRAY_SIZE(countries); i++) {
            if (w < countries[i].weight) {
                c = &countries[i];
                break;
            }
            w -= countries[i].weight;
        }
        size_t fi = rnd(&r, (uint32_t)c->nforms), ti = rnd(&r, (uint32_t)c->ntopics);
        char *name;
        if (c->cyrillic && strcmp(c->code, "RS") != 0)
            name = arena_printf(&a, "%s %s «%s»", c->forms[fi], c->topics[ti], PICK(&r, ru_quoted));
        else if (strcmp(c->code, "CN") == 0)
            name = arena_printf(&a, "%s%s%s", PICK(&r, cn_cities), c->topics[ti], c->forms[fi]);
        else if (c->forms == en_forms)
            name = arena_printf(&a, "%s %s %s", c->cities[rnd(&r, (uint32_t)c->ncities)],
                                c->forms[fi], c->topics[ti]);
        else
            name = arena_printf(&a, "%s %s", c->forms[fi], c->topics[ti]);
        /* Names repeat across a country; a number keeps the demo's unique-enough. */
        name = arena_printf(&a, "%s %d", name, n + 1);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(name));
        if (c->cyrillic && fi < ARRAY_SIZE(ru_translit_form) && c->forms == ru_forms)
            json_object_set_new(
                o, "name_en",
                json_string(arena_printf(&a, "%s No. %d", ru_translit_form[fi], n + 1)));
        json_object_set_new(o, "country", json_string(c->code));
        json_object_set_new(o, "city", json_string(c->cities[rnd(&r, (uint32_t)c->ncities)]));
        json_object_set_new(
            o, "registration_no",
            json_string(arena_printf(&a, "%s-%07u", c->code, 100000 + rnd(&r, 9000000))));
        json_object_set_new(o, "founded_on",
                            json_string(arena_printf(&a, "%04u-%02u-%02u", 1990 + rnd(&r, 34),
                                                     1 + rnd(&r, 12), 1 + rnd(&r, 28))));
        json_object_set_new(o, "legal_form",
                            json_string(c->cyrillic ? "autonomous_nonprofit" : "association"));
        json_object_set_new(
            o, "email", json_string(arena_printf(&a, "office%d@ngo%d.example.org", n + 1, n + 1)));
        json_object_set_new(o, "website",
                            json_string(arena_printf(&a, "https://ngo%d.example.org", n + 1)));
        json_t *ar = json_array();
        json_array_append_new(ar, json_string(PICK(&r, areas)));
        if (rnd(&r, 2))
            json_array_append_new(ar, json_string(PICK(&r, areas)));
        if (json_string_value(json_array_get(ar, 0)) && json_array_size(ar) == 2 &&
            strcmp(json_string_value(json_array_get(ar, 0)),
                   json_string_value(json_array_get(ar, 1))) == 0)
            json_array_remove(ar, 1);
        json_object_set_new(o, "areas", ar);
        json_object_set_new(o, "public", json_boolean(rnd(&r, 3) != 0));
        json_object_set_new(o, "description",
                            json_string(c->cyrillic
                                            ? "Некоммерческая организация, работающая с "
                                              "международными органами и министерством."
                                            : "A non-governmental organisation working with "
                                              "international bodies and the ministry."));
        int64_t org;
        rc = insert(tx, &res_organisations, o, &a, &org, err);
        if (rc == 0 && !first_ru && strcmp(c->code, "RU") == 0)
            first_ru = org;
        int np = 1 + (int)rnd(&r, 3);
        for (int p = 0; p < np && rc == 0; p++) {
            json_t *pp = json_object();
            const char *last = c->last[rnd(&r, (uint32_t)c->nlast)];
            const char *first = c->first[rnd(&r, (uint32_t)c->nfirst)];
            bool female =
                c->cyrillic && strcmp(c->code, "RS") != 0 &&
                (first[strlen(first) - 1] == '\x8f' || first[strlen(first) - 1] == '\xb0');
            json_object_set_new(
                pp, "full_name",
                json_string(arena_printf(&a, "%s %s%s", first, last, female ? "а" : "")));
            json_object_set_new(pp, "organisation_id", json_integer(org));
            json_object_set_new(
                pp, "position",
                json_string(c->cyrillic ? PICK(&r, positions_ru) : PICK(&r, positions_en)));
            json_object_set_new(pp, "email",
                                json_string(arena_printf(&a, "person%d.%d@ngo%d.example.org", n + 1,
                                                         p + 1, n + 1)));
            json_t *langs = json_array();
            json_array_append_new(langs, json_string(c->cyrillic ? "ru" : "en"));
            if (rnd(&r, 2))
                json_array_append_new(langs, json_string(c->cyrillic ? "en" : "fr"));
            json_object_set_new(pp, "languages", langs);
            int64_t pid;
            rc = insert(tx, &res_people, pp, &a, &pid, err);
            people++;
        }
    }
    char admin_pw[33], officer_pw[33], ngo_pw[33];
    random_password(admin_pw);
    random_password(officer_pw);
    random_password(ngo_pw);
    if (rc == 0)
        rc = add_user(tx, "admin@civdesk.example", "Administrator", "admin", 0, admin_pw, err);
    if (rc == 0)
        rc = add_user(tx, "officer@civdesk.example", "Desk Officer", "officer", 0, officer_pw, err);
    if (rc == 0)
        rc =
            add_user(tx, "ngo@civdesk.example", "NGO Representative", "ngo", first_ru, ngo_pw, err);
    if (rc == 0)
        rc = engagement_demo(tx, &a, err);
    if (rc == 0)
        rc = ledger_demo(tx, &a, err);
    if (rc == 0)
        rc = store_write_commit(tx, err);
    else
        store_write_rollback(tx);
    arena_release(&a);
    if (rc < 0)
        return -1;

    char text[1024];
    snprintf(text, sizeof(text),
             "civdesk demo logins (demo data only; this file is readable by you alone):\n"
             "  admin    admin@civdesk.example     %s\n"
             "  officer  officer@civdesk.example   %s\n"
             "  ngo      ngo@civdesk.example       %s   (organisation %lld)\n",
             admin_pw, officer_pw, ngo_pw, (long long)first_ru);
    fprintf(stdout, "civdesk: demo database with %d organisations and %d people\n%s", DEMO_ORGS,
            people, text);
    if (login_file) {
        int fd = open(login_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            ssize_t w = write(fd, text, strlen(text));
            (void)w;
            close(fd);
        }
    }
    sodium_memzero(admin_pw, sizeof(admin_pw));
    sodium_memzero(officer_pw, sizeof(officer_pw));
    sodium_memzero(ngo_pw, sizeof(ngo_pw));
    return 0;
}
