// A list's q= finds a fragment of what a person types, in any case and either script
// (issue 17, item 1): the organisations' trigram index (migration 0012), kept exact on
// create, rename and delete.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());

async function org(body) {
  const r = await srv.api('POST', '/api/v1/organisations', { body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function found(q) {
  const r = await srv.api('GET', `/api/v1/organisations?q=${encodeURIComponent(q)}&count=true&limit=50`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, r.json.items.length);
  return r.json.items.map((o) => o.id).sort((a, b) => a - b);
}

const open = await org({ name: 'Ассоциация «Открытый мир»', country: 'RU', city: 'Самара', registration_no: '1027700000001' });
const memory = await org({ name: 'Фонд сохранения Памяти', country: 'RU', acronym: 'ФСП', city: 'Тверь' });
const fort = await org({ name: 'Форт Росс', name_en: 'Fort Ross Conservancy', country: 'US', city: 'Jenner' });
await org({ name: 'Союз молодёжи', country: 'RU', city: 'Москва' });

test('any case, by prefix and inside a word, over names, acronym, city and number', async () => {
  for (const q of ['открыт', 'Открыт', 'ОТКРЫТ', 'откры', 'крытый', 'открытый мир']) assert.deepEqual(await found(q), [open.id], q);
  for (const q of ['памят', 'Памят', 'ПАМЯТИ', 'фсп']) assert.deepEqual(await found(q), [memory.id], q);
  assert.deepEqual(await found('самара'), [open.id]);
  assert.deepEqual(await found('7700000'), [open.id]);
  assert.deepEqual(await found('conservan'), [fort.id]);
});

test('in the common transliterations, both ways', async () => {
  for (const q of ['Otkrytyi', 'otkryt', 'Otkrytyy']) assert.deepEqual(await found(q), [open.id], q);
  assert.deepEqual(await found('Samara'), [open.id]);
  assert.deepEqual(await found('Pamyati'), [memory.id]);
  assert.deepEqual(await found('Форт Росс'), [fort.id]);
  assert.deepEqual(await found('fort ross'), [fort.id]);
});

test('the index follows renames and deletions; short and odd queries do no harm', async () => {
  const cur = await srv.api('GET', `/api/v1/organisations/${memory.id}`);
  const r = await srv.api('PATCH', `/api/v1/organisations/${memory.id}`, { body: { name: 'Фонд наследия', acronym: null }, headers: { 'If-Match': cur.headers.get('etag') } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await found('памят'), []);
  assert.deepEqual(await found('наслед'), [memory.id]);
  const d = await srv.api('DELETE', `/api/v1/organisations/${fort.id}`);
  assert.ok([200, 204].includes(d.status), d.text);
  assert.deepEqual(await found('conservan'), []);
  assert.ok((await found('мо')).length >= 1, 'two letters: matched without the index');
  for (const q of ['"', '"" OR x', 'a*b', 'NEAR(', '%_%']) {
    const x = await srv.api('GET', `/api/v1/organisations?q=${encodeURIComponent(q)}`);
    assert.equal(x.status, 200, `${q}: ${x.text}`);
  }
});
