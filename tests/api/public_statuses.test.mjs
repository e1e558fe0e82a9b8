// A listed organisation's statuses at international bodies are public (issue 17, item 8):
// anyone may read the accreditations of an organisation whose `public` flag is set —
// without the ministry's notes — and nothing of an organisation that is not listed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const anon = (m, p, o = {}) => srv.api(m, p, { token: null, ...o });

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

const listed = await created('/api/v1/organisations', { name: 'Listed Society', country: 'FR', public: true });
const unlisted = await created('/api/v1/organisations', { name: 'Quiet Society', country: 'FR' });
const pub = await created('/api/v1/accreditations', { organisation_id: listed.id, body: 'ECOSOC', status: 'special', granted_on: '2015-07-01', notes: 'internal: call the embassy first' });
const hidden = await created('/api/v1/accreditations', { organisation_id: unlisted.id, body: 'ECOSOC', status: 'roster', granted_on: '2016-07-01', notes: 'internal' });
const own = await created('/api/v1/accreditations', { organisation_id: srv.orgId, body: 'UNESCO', status: 'consultative', granted_on: '2018-07-01', notes: 'the NGO may read this' });

test('anonymous callers list the statuses of listed organisations, without internal notes', async () => {
  const r = await anon('GET', `/api/v1/accreditations?organisation_id=${listed.id}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((a) => [a.id, a.body, a.status, a.state]), [[pub.id, 'ECOSOC', 'special', 'active']]);
  assert.equal('notes' in r.json.items[0], false);
  const all = await anon('GET', '/api/v1/accreditations?limit=100');
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.json.items.map((a) => a.id), [pub.id]);
  const one = await anon('GET', `/api/v1/accreditations/${pub.id}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.status, 'special');
  assert.equal('notes' in one.json, false);
  const csv = await anon('GET', '/api/v1/accreditations?limit=100', { headers: { accept: 'text/csv' } });
  if (csv.status === 200 && /csv/.test(csv.headers.get('content-type') || '')) assert.doesNotMatch(csv.text, /internal/);
});

test('nothing of an organisation that is not listed', async () => {
  const one = await anon('GET', `/api/v1/accreditations/${hidden.id}`);
  assertProblem(one, 404); // as if it did not exist: its existence does not leak
  const list = await anon('GET', `/api/v1/accreditations?organisation_id=${unlisted.id}`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items, []);
});

test('the owner keeps its notes; officers see everything', async () => {
  const mine = await ngo('GET', `/api/v1/accreditations/${own.id}`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.notes, 'the NGO may read this');
  const list = await ngo('GET', '/api/v1/accreditations?limit=100');
  assert.equal(list.status, 200, list.text);
  const byId = Object.fromEntries(list.json.items.map((a) => [a.id, a]));
  assert.equal(byId[own.id].notes, 'the NGO may read this');
  assert.ok(byId[pub.id], 'a listed organisation’s status is public to an NGO too');
  assert.equal('notes' in byId[pub.id] && byId[pub.id].notes !== null, false);
  assert.equal(byId[hidden.id], undefined);
  const off = await officer('GET', `/api/v1/accreditations/${pub.id}`);
  assert.equal(off.json.notes, 'internal: call the embassy first');
});

test("a listed organisation's quadrennial reports are public without the ministry's notes; the owner reads its own", async () => {
  const rep = await created(`/api/v1/accreditations/${pub.id}/reports`, { period_start: 2015, period_end: 2018, notes: 'internal: chase the secretary' });
  const one = await anon('GET', `/api/v1/accreditations/${pub.id}/reports/${rep.id}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.period_start, 2015);
  assert.equal('notes' in one.json, false);
  const byId = await anon('GET', `/api/v1/accreditation-reports/${rep.id}`);
  assert.equal(byId.status, 200, byId.text);
  assert.equal('notes' in byId.json, false);
  const list = await anon('GET', `/api/v1/accreditations/${pub.id}/reports`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.items.map((r) => [r.id, 'notes' in r]), [[rep.id, false]]);
  for (const format of ['csv', 'json']) {
    const file = await anon('GET', `/api/v1/accreditations/${pub.id}/reports?format=${format}`);
    assert.equal(file.status, 200, file.text);
    assert.match(file.text, /2015/);
    assert.doesNotMatch(file.text, /chase the secretary/);
  }
  const mineRep = await created(`/api/v1/accreditations/${own.id}/reports`, { period_start: 2018, period_end: 2021, notes: 'the NGO may read this' });
  const mine = await ngo('GET', `/api/v1/accreditations/${own.id}/reports/${mineRep.id}`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.notes, 'the NGO may read this');
  const mineList = await ngo('GET', `/api/v1/accreditations/${own.id}/reports`);
  assert.deepEqual(mineList.json.items.map((r) => [r.id, r.notes]), [[mineRep.id, 'the NGO may read this']]);
  const mineFile = await ngo('GET', `/api/v1/accreditations/${own.id}/reports?format=json`);
  assert.equal(mineFile.status, 200, mineFile.text);
  assert.deepEqual(JSON.parse(mineFile.text).map((r) => r.notes), ['the NGO may read this']);
  const other = await ngo('GET', `/api/v1/accreditations/${pub.id}/reports/${rep.id}`);
  assert.equal(other.status, 200, other.text);
  assert.equal('notes' in other.json, false);
  const off = await officer('GET', `/api/v1/accreditation-reports/${rep.id}`);
  assert.equal(off.json.notes, 'internal: chase the secretary');
});
