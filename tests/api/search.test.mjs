// GET /api/v1/search and `civdesk search`: parameters and their errors (400, never 500),
// the shape of results, access rules (anonymous, NGO, officer: nothing unseen leaks in
// titles, snippets or counts), documents found through their translations, pages, and the
// index following every write.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, cli } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const anon = (m, p, o = {}) => srv.api(m, p, { token: null, ...o });
const S = (q, extra = '') => `/api/v1/search?q=${encodeURIComponent(q)}${extra}`;
const keys = (r) => r.json.items.map((i) => `${i.type}/${i.id}`).sort();

async function create(coll, body) {
  const r = await officer('POST', `/api/v1/${coll}`, { body });
  assert.equal(r.status, 201, `${coll}: ${r.text}`);
  return r.json;
}

describe('parameters', () => {
  test('q is required; malformed queries are 400 problems naming q', async () => {
    assertProblem(await officer('GET', '/api/v1/search'), 400, { fields: { q: /required/ } });
    assertProblem(await officer('GET', S('')), 400, { fields: { q: /required/ } });
    for (const [q, why] of [
      ['"права человека', /quotation mark/],
      ['a*', /two letters/],
      ['мо*ст', /'\*'/],
      ['   ', /no words/],
      ['x'.repeat(501), /longer/],
      [Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '), /more than 16/],
    ]) {
      const r = await officer('GET', S(q));
      assertProblem(r, 400, { fields: { q: why } });
    }
  });

  test('FTS5 syntax in a query is only text', async () => {
    for (const q of ['NEAR(a b)', 'a OR b', 'title:x', '^start', '-minus', '(a', 'a)', '"ab" "cd"*', 'AND', 'a:b', '{title}: x', "'; DROP TABLE search_fts; --"]) {
      const r = await officer('GET', S(q));
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.ok(Array.isArray(r.json.items));
    }
  });

  test('a very long word is stored, found and searched for (its keys cut on a character, never inside one)', async () => {
    // The tokenizer cuts a long word's keys; PostgreSQL refuses text cut inside a UTF-8
    // character, which made this create (and this search) a 503 there.
    const word = 'x'.repeat(100);
    const org = await create('organisations', { name: `Fund ${word}`, country: 'FR' });
    for (const q of [word, `Fund ${word}`, 'xxxx*']) {
      const r = await officer('GET', S(q));
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.ok(keys(r).includes(`organisations/${org.id}`), `${q}: ${r.text}`);
    }
    const l = await officer('GET', `/api/v1/organisations?q=${encodeURIComponent(word)}`);
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.json.items.map((o) => o.id), [org.id]);
  });

  test('types, lang, limit, cursor and unknown parameters are checked', async () => {
    assertProblem(await officer('GET', S('x', '&types=nope')), 400, { fields: { types: /searchable: .*organisations/ } });
    assertProblem(await officer('GET', S('x', '&types=document_translations')), 400, { fields: { types: /cannot be searched/ } });
    assertProblem(await officer('GET', S('x', '&lang=xx')), 400, { fields: { lang: /ISO 639-1/ } });
    assertProblem(await officer('GET', S('x', '&lang=rus')), 400, { fields: { lang: /ISO 639-1/ } });
    for (const l of ['0', '101', 'ten', '-1'])
      assertProblem(await officer('GET', S('x', `&limit=${l}`)), 400, { fields: { limit: /1 to 100/ } });
    assertProblem(await officer('GET', S('x', '&cursor=not-a-cursor')), 400, { fields: { cursor: /cursor/ } });
    assertProblem(await officer('GET', S('x', '&sort=name')), 400, { fields: { sort: /not a parameter/ } });
    assertProblem(await officer('GET', `${S('x')}&q=y`), 400);
    assertProblem(await officer('GET', '/api/v1/search?q=%C3%28'), 400, { fields: { q: /UTF-8/ } });
    const ok = await officer('GET', S('x', '&types=organisations,people&lang=ru&limit=100'));
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('results', () => {
  let pub, hidden, person, own;
  before(async () => {
    pub = await create('organisations', { name: 'Радуга открытая', country: 'RU', public: true, description: 'Открытый реестр: <b>fish</b> & chips' });
    hidden = await create('organisations', { name: 'Радуга скрытая', country: 'RU', description: 'Внутренние материалы' });
    person = await create('people', { full_name: 'Радуга Иванова', organisation_id: hidden.id, position: 'секретарь' });
    const r = await officer('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { description: 'Наша радуга над Волгой' } });
    assert.equal(r.status, 200, r.text);
    own = r.json;
  });

  test('an item: type, id, title, snippet with marked words (HTML-escaped), score', async () => {
    const r = await officer('GET', S('реестр fish'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, 1);
    const it = r.json.items[0];
    assert.equal(it.type, 'organisations');
    assert.equal(it.id, pub.id);
    assert.equal(it.title, 'Радуга открытая');
    assert.equal(it.snippet, 'Открытый <mark>реестр</mark>: &lt;b&gt;<mark>fish</mark>&lt;/b&gt; &amp; chips');
    assert.equal(typeof it.score, 'number');
    assert.ok(it.score > 0);
    assert.equal(r.json.next_cursor, null);
    assert.equal(r.json.approximate, false);
  });

  test('an officer sees everything', async () => {
    const r = await officer('GET', S('радуга'));
    assert.deepEqual(keys(r), [`organisations/${pub.id}`, `organisations/${hidden.id}`, `organisations/${own.id}`, `people/${person.id}`].sort());
  });

  test('anonymous: only what is public, and nothing of the rest in the response', async () => {
    const r = await anon('GET', S('радуга'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(keys(r), [`organisations/${pub.id}`]);
    assert.doesNotMatch(r.text, /скрытая|Иванова|Волгой/);
    assert.deepEqual(keys(await anon('GET', S('секретарь'))), []);
    assert.deepEqual(keys(await anon('GET', S('Внутренние'))), []);
  });

  test('an NGO: its own organisation and people, and what is public', async () => {
    const r = await ngo('GET', S('радуга'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(keys(r), [`organisations/${pub.id}`, `organisations/${own.id}`].sort());
    assert.doesNotMatch(r.text, /скрытая|Иванова/);
    const mine = await create('people', { full_name: 'Радуга Своя', organisation_id: srv.orgId });
    assert.ok(keys(await ngo('GET', S('радуга', '&types=people'))).includes(`people/${mine.id}`));
    assert.deepEqual(keys(await ngo('GET', S('радуга', '&types=people'))), [`people/${mine.id}`]);
  });

  test('types= keeps those collections', async () => {
    const r = await officer('GET', S('радуга', '&types=people'));
    assert.ok(keys(r).includes(`people/${person.id}`));
    assert.ok(r.json.items.every((i) => i.type === 'people'));
  });

  test('documents are found through their translations, with language, when visible', async () => {
    const doc = await create('documents', { kind: 'statement', organisation_id: hidden.id });
    const ru = await officer('POST', `/api/v1/documents/${doc.id}/translations`, { body: { lang: 'ru', title: 'Заявление о судьбе Чкалова', body: 'Текст заявления о лётчике.' } });
    assert.equal(ru.status, 201, ru.text);
    const en = await officer('POST', `/api/v1/documents/${doc.id}/translations`, { body: { lang: 'en', title: 'Statement on Chkalov', body: 'The text of the statement about the pilot.' } });
    assert.equal(en.status, 201, en.text);

    const all = await officer('GET', S('Chkalov'));
    assert.deepEqual(keys(all), [`documents/${doc.id}`], 'one result for the document, not one per translation');
    const byLang = await officer('GET', S('Chkalov', '&lang=ru'));
    assert.equal(byLang.json.items[0].lang, 'ru');
    assert.equal(byLang.json.items[0].title, 'Заявление о судьбе Чкалова');
    assert.deepEqual(byLang.json.items[0].match, { type: 'document_translations', id: ru.json.id });
    assert.match(byLang.json.items[0].snippet, /<mark>Чкалова<\/mark>/);
    const pilot = await officer('GET', S('pilots', '&lang=en'));
    assert.equal(pilot.json.items[0].match.id, en.json.id);

    assert.deepEqual(keys(await anon('GET', S('Chkalov'))), [], 'unpublished: not for anonymous');
    assert.deepEqual(keys(await ngo('GET', S('Chkalov'))), [], 'nor for another NGO');
    const p = await officer('PATCH', `/api/v1/documents/${doc.id}`, { body: { published: true } });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(keys(await anon('GET', S('Chkalov'))), [`documents/${doc.id}`], 'published: for anyone');
    assert.deepEqual(keys(await anon('GET', S('Чкалов', '&types=documents'))), [`documents/${doc.id}`]);
  });

  test('pages: every result once, by falling relevance', async () => {
    for (let i = 0; i < 25; i++)
      await create('organisations', { name: `Союз наблюдателей ${i}`, country: 'RU', description: i % 5 ? 'выборы' : 'наблюдение за выборами, наблюдатели' });
    const seen = new Set();
    let cursor = '', pages = 0, last = Infinity;
    do {
      const r = await officer('GET', S('наблюдатель', `&limit=10${cursor ? `&cursor=${cursor}` : ''}`));
      assert.equal(r.status, 200, r.text);
      for (const it of r.json.items) {
        assert.ok(!seen.has(it.id), `seen twice: ${it.id}`);
        seen.add(it.id);
        assert.ok(it.score <= last + 1e-9, 'relevance falls page after page');
        last = it.score;
      }
      cursor = r.json.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(seen.size, 25);
    assert.equal(pages, 3);
  });

  test('the index follows updates and deletes at once', async () => {
    const o = await create('organisations', { name: 'Общество Глобус', country: 'RU' });
    assert.deepEqual(keys(await officer('GET', S('глобуса'))), [`organisations/${o.id}`]);
    const p = await officer('PATCH', `/api/v1/organisations/${o.id}`, { body: { name: 'Общество Компас' } });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(keys(await officer('GET', S('глобус'))), []);
    assert.deepEqual(keys(await officer('GET', S('компаса'))), [`organisations/${o.id}`]);
    const d = await officer('DELETE', `/api/v1/organisations/${o.id}`);
    assert.equal(d.status, 204, d.text);
    assert.deepEqual(keys(await officer('GET', S('компас'))), []);
  });

  test('civdesk search and reindex on the same database', async () => {
    const r = await cli(['search', '--db', srv.db, 'радуга', '--types', 'organisations']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^organisations/${pub.id}  `, 'm'));
    assert.match(r.stdout, /\[Радуга\]/);
    const bad = await cli(['search', '--db', srv.db, '"unclosed']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /quotation mark/);
    const none = await cli(['search', '--db', srv.db]);
    assert.equal(none.code, 2);
    const wrongType = await cli(['search', '--db', srv.db, 'x', '--types', 'nope']);
    assert.equal(wrongType.code, 2);
    const re = await cli(['reindex', '--db', srv.db]);
    assert.equal(re.code, 0, re.stderr);
    assert.match(re.stdout, /rebuilt: \d+ entries/);
    assert.deepEqual(keys(await officer('GET', S('радуга', '&types=organisations'))).length, 3, 'the server still finds after a rebuild');
  });
});

describe('names across scripts', () => {
  test('a Latin name ending in -s is found by its Russian spelling, as a phrase too (issue 17: "Форт Росс")', async () => {
    const fort = await create('organisations', { name: 'Fort Ross Conservancy', country: 'US' });
    const russia = await create('organisations', { name: 'Общество дружбы с Россией', country: 'RU' });
    for (const q of ['Форт Росс', '"Форт Росс"', 'Росс', 'Форт', 'Fort Ross']) {
      const r = await officer('GET', S(q, '&types=organisations'));
      assert.equal(r.status, 200, r.text);
      assert.ok(keys(r).includes(`organisations/${fort.id}`), `${q} finds Fort Ross Conservancy: ${r.text}`);
    }
    // "Ross" is not a spelling of Russia: the Latin word does not look for «России».
    const ross = await officer('GET', S('Ross', '&types=organisations'));
    assert.ok(!keys(ross).includes(`organisations/${russia.id}`), ross.text);
  });
});
