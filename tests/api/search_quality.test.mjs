// Search quality (issue 6): a table of records and of queries with the records each must
// and must not find, through GET /api/v1/search on the real server. Russian cases and
// numbers, English plurals and verb forms, transliteration both ways, mixed-script
// queries, ё/е, and punctuation in names.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });

// key → [collection, body]
const RECORDS = {
  most: ['organisations', {
    name: 'Межрегиональная организация по правам человека «Мост»',
    name_en: 'Interregional Human Rights Organisation Most',
    country: 'RU',
    description: 'Мониторинг выборов и доклады о нарушениях прав соотечественников.',
  }],
  chkalov: ['organisations', {
    name: 'Фонд памяти лётчика Валерия Чкалова',
    country: 'RU',
    description: 'Музей Чкалова в Чкаловске; встречи ветеранов авиации.',
  }],
  memorial: ['organisations', {
    name: 'Memorial Human Rights Centre',
    country: 'FR',
    description: 'Reports on the monitoring of elections; the centre monitored twelve elections.',
  }],
  yelka: ['organisations', {
    name: 'Ассоциация «Ёлка»',
    country: 'RU',
    city: 'Санкт-Петербург',
    description: 'Детские праздники в Санкт-Петербурге и области.',
  }],
  dostoevsky: ['organisations', {
    name: 'Dostoevsky Society',
    name_ru: 'Общество Достоевского',
    country: 'GB',
  }],
  yug: ['organisations', {
    name: 'Союз «Правозащита-Юг»',
    country: 'RU',
    description: 'Consultations for NGOs applying for ECOSOC consultative status.',
  }],
  yeltsin: ['people', { full_name: 'Борис Ельцин', position: 'председатель попечительского совета' }],
  obrien: ['people', { full_name: "Mary O'Brien", position: 'Rapporteur on freedom of expression' }],
};

const ids = {}; // key → "collection/id"
before(async () => {
  for (const [key, [coll, body]] of Object.entries(RECORDS)) {
    const r = await officer('POST', `/api/v1/${coll}`, { body });
    assert.equal(r.status, 201, `${key}: ${r.text}`);
    ids[key] = `${coll}/${r.json.id}`;
  }
});

// [query, must find, must not find]
const TABLE = [
  // Russian: cases and numbers
  ['организаций', ['most'], ['memorial', 'chkalov']],
  ['организацию', ['most'], []],
  ['правам', ['most'], ['chkalov', 'yelka']],
  ['права', ['most'], []],
  ['доклад', ['most'], ['memorial']],
  ['нарушение', ['most'], []],
  ['выборам', ['most'], ['memorial']],
  ['ветераны', ['chkalov'], []],
  ['соотечественник', ['most'], []],
  // Surnames and names in any case
  ['Чкалов', ['chkalov'], ['most']],
  ['Чкалову', ['chkalov'], []],
  ['Ельцина', ['yeltsin'], []],
  ['Достоевский', ['dostoevsky'], []],
  // English: plurals and verb forms
  ['reports', ['memorial'], ['most']],
  ['report', ['memorial'], []],
  ['monitoring', ['memorial', 'most'], ['chkalov']],
  ['monitor', ['memorial'], []],
  ['election', ['memorial'], ['yug']],
  ['organisations', ['most'], ['memorial']],
  ['applies', ['yug'], []],
  ['consultation', ['yug'], []],
  // Transliteration, Latin → Cyrillic
  ['Chkalov', ['chkalov'], ['most', 'memorial']],
  ['Chkalova', ['chkalov'], []],
  ['Tchkalov', ['chkalov'], []],
  ['Yeltsin', ['yeltsin'], []],
  ['Eltsin', ['yeltsin'], []],
  ['Yolka', ['yelka'], []],
  ['Moskva', [], ['most', 'chkalov']],
  // Transliteration, Cyrillic → Latin
  ['Мемориал', ['memorial'], ['most']],
  ['Мемориала', ['memorial'], []],
  ['Достоевского', ['dostoevsky'], []],
  ['Мост', ['most'], ['memorial']],
  // Mixed-script queries: every word must match, each in its own way
  ['Мост monitoring', ['most'], ['memorial']],
  ['Memorial доклады', [], ['memorial', 'most']],
  ['Chkalov музей', ['chkalov'], []],
  // ё and е
  ['Елка', ['yelka'], []],
  ['ёлки', ['yelka'], []],
  ['лётчика', ['chkalov'], []],
  ['летчик', ['chkalov'], []],
  // Punctuation in names
  ['«Мост»', ['most'], []],
  ['"Мост"', ['most'], []],
  ['Правозащита-Юг', ['yug'], []],
  ['Правозащита Юг', ['yug'], []],
  ['"Правозащита Юг"', ['yug'], []],
  ["O'Brien", ['obrien'], []],
  ['OBrien', ['obrien'], []],
  ['O’Brien', ['obrien'], []],
  ['Санкт-Петербурге', ['yelka'], []],
  // Phrases and prefixes
  ['"прав человека"', ['most'], []],
  ['"человека прав"', [], ['most']],
  ['"human rights"', ['memorial', 'most'], ['yug']],
  ['Чкал*', ['chkalov'], []],
  ['монитор*', ['most'], []],
  ['Dostoev*', ['dostoevsky'], []],
  // Common words are not what a query hinges on
  ['the centre', ['memorial'], []],
  ['о нарушениях', ['most'], []],
];

describe('quality table', () => {
  for (const [q, want, never] of TABLE) {
    test(`${q} → ${want.join(', ') || 'nothing of'} ${never.length ? `/ not ${never.join(', ')}` : ''}`, async () => {
      const r = await officer('GET', `/api/v1/search?q=${encodeURIComponent(q)}&limit=100`);
      assert.equal(r.status, 200, r.text);
      const got = new Set(r.json.items.map((i) => `${i.type}/${i.id}`));
      for (const k of want) assert.ok(got.has(ids[k]), `${q} should find ${k}; found ${[...got].join(' ')}`);
      for (const k of never) assert.ok(!got.has(ids[k]), `${q} should not find ${k}`);
    });
  }
});

describe('the same words through ?q= on the list', () => {
  test('organisations?q= finds other forms and scripts, and still substrings', async () => {
    for (const [q, key] of [['организаций', 'most'], ['Chkalov', 'chkalov'], ['Мемориал', 'memorial'], ['Ёлки', 'yelka'], ['ежрегиональн', 'most']]) {
      const r = await officer('GET', `/api/v1/organisations?q=${encodeURIComponent(q)}&limit=500`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.some((o) => `organisations/${o.id}` === ids[key]), `?q=${q} should list ${key}`);
    }
  });
});
