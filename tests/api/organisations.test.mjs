// Organisations and people end to end, as a desk officer would follow README's curl
// walkthrough: create, read, list, filter, update (merge patch, ETag), delete; exact round
// trips of Cyrillic text; one validation message per field.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ORGS = '/api/v1/organisations';
const PEOPLE = '/api/v1/people';

describe("README's curl walkthrough, request for request", () => {
  const H = () => ({ token: srv.tokens.officer });
  let loc;

  test('create: 201, Location and ETag headers, the stored record', async () => {
    const r = await srv.api('POST', ORGS, {
      ...H(),
      rawBody: `{"name":"Фонд «Наследие»","name_en":"Heritage Foundation","country":"RU",
       "city":"Москва","registration_no":"1027700000001","founded_on":"2004-05-17",
       "areas":["heritage","culture"],"public":true}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 201, r.text);
    loc = r.headers.get('location');
    assert.match(loc, /^\/api\/v1\/organisations\/\d+$/);
    assert.equal(r.headers.get('etag'), '"1"');
    assert.equal(r.json.name, 'Фонд «Наследие»');
  });

  test('read (ETag: "1")', async () => {
    const r = await srv.api('GET', loc, H());
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), '"1"');
    assert.equal(r.json.city, 'Москва');
  });

  test('list: country=RU&sort=name&limit=20&count=true', async () => {
    const r = await srv.api('GET', `${ORGS}?country=RU&sort=name&limit=20&count=true`, H());
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.json.items));
    assert.ok('next_cursor' in r.json);
    assert.equal(typeof r.json.total, 'number');
    assert.ok(r.json.items.some((o) => `${ORGS}/${o.id}` === loc));
  });

  test('PATCH with merge-patch+json and If-Match "1"; a stale If-Match gets 412', async () => {
    const patch = { rawBody: '{"city":"Санкт-Петербург","acronym":null}', headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' } };
    const r = await srv.api('PATCH', loc, { ...H(), ...patch });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.city, 'Санкт-Петербург');
    assertProblem(await srv.api('PATCH', loc, { ...H(), ...patch }), 412);
  });

  test('add a person; DELETE is 409 while people still belong to it', async () => {
    const id = Number(loc.split('/').pop());
    const p = await srv.api('POST', PEOPLE, {
      ...H(),
      rawBody: `{"full_name":"Анна Смирнова","organisation_id":${id},"position":"председатель","languages":["ru","en"]}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(p.status, 201, p.text);
    assertProblem(await srv.api('DELETE', loc, H()), 409);
    assert.equal((await srv.api('DELETE', `${PEOPLE}/${p.json.id}`, H())).status, 204);
    assert.equal((await srv.api('DELETE', loc, H())).status, 204);
  });
});

describe('walkthrough: organisations and people with a token', () => {
  let org;
  let person;

  test('create an organisation: 201, Location, ETag, the record', async () => {
    const body = {
      name: 'Мемориал',
      name_en: 'Memorial',
      name_ru: 'Мемориал',
      acronym: 'МЕМ',
      country: 'RU',
      city: 'Москва',
      legal_form: 'public_association',
      registration_no: '1027700433771',
      founded_on: '1989-01-28',
      website: 'https://www.memo.ru/',
      email: 'info@memo.ru',
      phone: '+7 495 000-00-00',
      areas: ['human_rights', 'history'],
      description: 'Историко-просветительское общество.',
      public: true,
    };
    const r = await officer('POST', ORGS, { body });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    org = r.json;
    assert.equal(r.headers.get('location'), `${ORGS}/${org.id}`);
    assert.equal(r.headers.get('etag'), '"1"');
    assert.ok(Number.isInteger(org.id) && org.id > 0);
    for (const [k, v] of Object.entries(body)) assert.deepEqual(org[k], v, `field ${k}`);
    assert.equal(org.version, 1);
    assert.match(org.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(org.updated_at, org.created_at);
  });

  test('read it back at its Location, with the same ETag', async () => {
    const r = await officer('GET', `${ORGS}/${org.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), '"1"');
    assert.deepEqual(r.json, org);
  });

  test('find it in the list, by filter and by q', async () => {
    const all = await officer('GET', ORGS);
    assert.equal(all.status, 200);
    assert.ok(all.json.items.some((o) => o.id === org.id));
    assert.equal(all.json.next_cursor, null);
    assert.ok(!('total' in all.json), 'total only with count=true');
    for (const q of ['country=RU', 'areas=history', 'legal_form=public_association', 'public=true', 'q=емориа', 'q=Memo', `id=${org.id}`, 'city=Москва', `q=${encodeURIComponent('Мемориал')}`]) {
      const r = await officer('GET', `${ORGS}?${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.deepEqual(r.json.items.map((o) => o.id), [org.id], q);
    }
    for (const q of ['country=FR', 'areas=hist', 'public=false', 'q=nothing-like-it', 'acronym=МЕ']) {
      const r = await officer('GET', `${ORGS}?${q}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.items, [], q);
    }
  });

  test('add a person to it', async () => {
    const r = await officer('POST', PEOPLE, {
      body: { full_name: 'Ирина Щербакова', organisation_id: org.id, position: 'Председатель', email: 'irina@memo.ru', languages: ['ru', 'de', 'en'] },
    });
    assert.equal(r.status, 201, r.text);
    person = r.json;
    assert.equal(r.headers.get('location'), `${PEOPLE}/${person.id}`);
    assert.equal(person.full_name, 'Ирина Щербакова');
    assert.deepEqual(person.languages, ['ru', 'de', 'en']);
    const list = await officer('GET', `${PEOPLE}?organisation_id=${org.id}`);
    assert.deepEqual(list.json.items.map((p) => p.id), [person.id]);
    const lang = await officer('GET', `${PEOPLE}?languages=de`);
    assert.ok(lang.json.items.some((p) => p.id === person.id));
  });

  test('update it with a merge patch and If-Match: version +1, other fields kept, null clears', async () => {
    const r = await officer('PATCH', `${ORGS}/${org.id}`, {
      body: { city: 'Санкт-Петербург', description: null, areas: ['human_rights'] },
      headers: { 'if-match': '"1"' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('etag'), '"2"');
    assert.equal(r.json.version, 2);
    assert.equal(r.json.city, 'Санкт-Петербург');
    assert.equal(r.json.description, null);
    assert.deepEqual(r.json.areas, ['human_rights']);
    assert.equal(r.json.name, 'Мемориал');
    assert.equal(r.json.website, 'https://www.memo.ru/');
    assert.equal(r.json.created_at, org.created_at);
    const again = await officer('GET', `${ORGS}/${org.id}`);
    assert.deepEqual(again.json, r.json);
    // The old ETag no longer works.
    const stale = await officer('PATCH', `${ORGS}/${org.id}`, { body: { city: 'Пермь' }, headers: { 'if-match': '"1"' } });
    assertProblem(stale, 412);
    assert.match(stale.json.detail, /version/);
  });

  test('an empty patch is accepted', async () => {
    const r = await officer('PATCH', `${ORGS}/${org.id}`, { body: {} });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.city, 'Санкт-Петербург');
  });

  test('a patch that fails validation changes nothing', async () => {
    const before = (await officer('GET', `${ORGS}/${org.id}`)).json;
    const r = await officer('PATCH', `${ORGS}/${org.id}`, { body: { city: 'Казань', country: 'XX' } });
    assertProblem(r, 422, { fields: { country: /ISO 3166/ } });
    assert.deepEqual((await officer('GET', `${ORGS}/${org.id}`)).json, before);
  });

  test('required fields cannot be nulled by a patch', async () => {
    const r = await officer('PATCH', `${ORGS}/${org.id}`, { body: { name: null } });
    assertProblem(r, 422, { fields: { name: /required/ } });
  });

  test('delete: 409 while the person points at it; person first, then 204 and 404', async () => {
    assertProblem(await officer('DELETE', `${ORGS}/${org.id}`), 409);
    const dp = await officer('DELETE', `${PEOPLE}/${person.id}`);
    assert.equal(dp.status, 204);
    assert.equal(dp.text, '');
    assertProblem(await officer('GET', `${PEOPLE}/${person.id}`), 404);
    const cur = await officer('GET', `${ORGS}/${org.id}`);
    const d = await officer('DELETE', `${ORGS}/${org.id}`, { headers: { 'if-match': cur.headers.get('etag') } });
    assert.equal(d.status, 204, d.text);
    assertProblem(await officer('GET', `${ORGS}/${org.id}`), 404);
    assertProblem(await officer('DELETE', `${ORGS}/${org.id}`), 404);
  });

  test('an admin token can do the same', async () => {
    const r = await srv.api('POST', ORGS, { body: { name: 'Admin Made', country: 'DE' } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await srv.api('DELETE', `${ORGS}/${r.json.id}`)).status, 204);
  });
});

describe('text round trips', () => {
  const texts = {
    cyrillic: 'Региональная общественная организация «Союз ёжиков» — Ёё Щщ Ъъ',
    mixed: 'Ассоциация ВИЧ/СПИД & Co. <b>"quoted"</b> \\ back\'slash',
    emoji: 'Fondation 🌍 Ω ∑ 漢字 \u00e9 e\u0301',
    // A name is one line (issue 16): line breaks are for multi-line fields, below.
    controls: 'tab\there and a no-break\u00a0space',
  };
  test('line breaks and separators come back byte for byte in a multi-line field', async () => {
    const text = 'tab\there newline\nthere \u2028 line sep \u2029 para sep';
    const r = await officer('POST', ORGS, { body: { name: 'Multi-line', country: 'RU', description: text } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await officer('GET', `${ORGS}/${r.json.id}`)).json.description, text);
  });
  for (const [what, name] of Object.entries(texts)) {
    test(`${what} names come back byte for byte (create, get, list, q)`, async () => {
      const r = await officer('POST', ORGS, { body: { name, name_ru: name, country: 'RU', description: name } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.name, name);
      const g = await officer('GET', `${ORGS}/${r.json.id}`);
      assert.equal(g.json.name, name);
      assert.equal(g.json.description, name);
      const l = await officer('GET', `${ORGS}?id=${r.json.id}`);
      assert.equal(l.json.items[0].name, name);
      const needle = [...name].slice(2, 9).join('');
      const q = await officer('GET', `${ORGS}?q=${encodeURIComponent(needle)}&limit=500`);
      assert.ok(q.json.items.some((o) => o.id === r.json.id), `q=${needle}`);
    });
  }

  test('surrounding whitespace is trimmed', async () => {
    const r = await officer('POST', ORGS, { body: { name: '  Трим  ', country: 'RU' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, 'Трим');
  });

  test('q treats % and _ literally', async () => {
    const a = await officer('POST', ORGS, { body: { name: '100% Percent_Org', country: 'FR' } });
    const b = await officer('POST', ORGS, { body: { name: '100X PercentXOrg', country: 'FR' } });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    const r = await officer('GET', `${ORGS}?q=${encodeURIComponent('0% Percent_')}`);
    assert.deepEqual(r.json.items.map((o) => o.id), [a.json.id]);
  });
});

describe('validation: one message per field', () => {
  const ok = { name: 'Valid Org', country: 'FR' };
  const cases = [
    ['country XX (user-assigned, not ISO 3166-1)', { country: 'XX' }, 'country', /ISO 3166-1/],
    ['country lower case', { country: 'fr' }, 'country', /ISO 3166-1/],
    ['country three letters', { country: 'FRA' }, 'country', /ISO 3166-1/],
    ['email without @', { email: 'info.example.org' }, 'email', /e-mail/],
    ['email with a space', { email: 'in fo@example.org' }, 'email', /e-mail/],
    ['website javascript:', { website: 'javascript:alert(1)' }, 'website', /http/],
    ['website ftp:', { website: 'ftp://example.org/' }, 'website', /http/],
    ['website without host', { website: 'https://' }, 'website', /http/],
    ['founded_on 2023-02-30', { founded_on: '2023-02-30' }, 'founded_on', /date/],
    ['founded_on 2023-13-01', { founded_on: '2023-13-01' }, 'founded_on', /date/],
    ['founded_on 2100-02-29 (not a leap year)', { founded_on: '2100-02-29' }, 'founded_on', /date/],
    ['founded_on in another format', { founded_on: '28.01.1989' }, 'founded_on', /YYYY-MM-DD/],
    ['founded_on in the future', { founded_on: '2999-01-01' }, 'founded_on', /future/],
    ['legal_form not in the enum', { legal_form: 'cartel' }, 'legal_form', /allowed/],
    ['name of 201 code points', { name: 'Ж'.repeat(201) }, 'name', /too long/],
    ['name empty', { name: '' }, 'name', null],
    ['acronym of 33 code points', { acronym: 'A'.repeat(33) }, 'acronym', /too long/],
    ['registration_no of 65', { registration_no: '1'.repeat(65) }, 'registration_no', /too long/],
    ['areas with 21 items', { areas: Array.from({ length: 21 }, (_, i) => `a${i}`) }, 'areas', /too many/],
    ['areas with a number', { areas: ['culture', 5] }, 'areas', /strings/],
    ['areas with an empty string', { areas: ['culture', ' '] }, 'areas', /empty/],
    ['public as a string', { public: 'true' }, 'public', /true or false/],
    ['public null', { public: null }, 'public', /true or false/],
  ];
  for (const [what, over, field, re] of cases) {
    test(what, async () => {
      const r = await officer('POST', ORGS, { body: { ...ok, ...over } });
      const p = assertProblem(r, 422, { path: ORGS, fields: { [field]: re } });
      assert.deepEqual(p.errors.map((e) => e.field), [field], 'exactly one error, for that field');
    });
  }

  test('a name of exactly 200 code points (400 bytes) is accepted', async () => {
    const r = await officer('POST', ORGS, { body: { ...ok, name: 'Ж'.repeat(200) } });
    assert.equal(r.status, 201, r.text);
    assert.equal([...r.json.name].length, 200);
    const astral = await officer('POST', ORGS, { body: { ...ok, name: '𝔸'.repeat(200) } });
    assert.equal(astral.status, 201, `200 astral code points (800 bytes): ${astral.text}`);
    const over = await officer('POST', ORGS, { body: { ...ok, name: '𝔸'.repeat(201) } });
    assertProblem(over, 422, { fields: { name: /too long/ } });
  });

  test('valid edge values are accepted', async () => {
    const r = await officer('POST', ORGS, {
      body: { ...ok, founded_on: '2024-02-29', website: 'http://example.org', email: 'a.b+c@sub.example.org', country: 'SS', legal_form: 'other' },
    });
    assert.equal(r.status, 201, r.text);
  });

  test('several bad fields are all reported at once', async () => {
    const r = await officer('POST', ORGS, { body: { name: '', country: 'XX', email: 'x', website: 'javascript:x', founded_on: '2023-02-30', extra: 1 } });
    const p = assertProblem(r, 422, { fields: { country: null, email: null, website: null, founded_on: null, extra: null } });
    assert.ok(p.errors.length >= 5);
  });

  test('people: organisation_id must exist, languages are ISO 639-1, email', async () => {
    assertProblem(await officer('POST', PEOPLE, { body: { full_name: 'X', organisation_id: 987654 } }), 422, { fields: { organisation_id: /no organisation/ } });
    assertProblem(await officer('POST', PEOPLE, { body: { full_name: 'X', organisation_id: 'one' } }), 422, { fields: { organisation_id: null } });
    assertProblem(await officer('POST', PEOPLE, { body: { full_name: 'X', languages: ['ru', 'xx'] } }), 422, { fields: { languages: /639/ } });
    assertProblem(await officer('POST', PEOPLE, { body: { full_name: 'X', email: '@nowhere' } }), 422, { fields: { email: /e-mail/ } });
    assertProblem(await officer('POST', PEOPLE, { body: { name: 'X' } }), 422, { fields: { full_name: /required/, name: /not a field/ } });
  });

  test('people: moving a person to an organisation that does not exist is refused', async () => {
    const o = await officer('POST', ORGS, { body: { ...ok, name: 'Home' } });
    const p = await officer('POST', PEOPLE, { body: { full_name: 'Mover', organisation_id: o.json.id } });
    assert.equal(p.status, 201, p.text);
    assertProblem(await officer('PATCH', `${PEOPLE}/${p.json.id}`, { body: { organisation_id: 987654 } }), 422, { fields: { organisation_id: null } });
    const moved = await officer('PATCH', `${PEOPLE}/${p.json.id}`, { body: { organisation_id: null } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.organisation_id, null);
  });
});
