// Comments on records (issue 17): officers, and an NGO's representatives on their own
// organisation's records, comment on organisations, applications, proposals ...; an NGO
// never sees comments on another NGO's records, nor the ministry's internal ones; every
// comment is audited; a comment stays as written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());

const officer = (m, p, o = {}) => srv.api(m, p, { ...o, token: srv.tokens.officer });
const ngo = (m, p, o = {}) => srv.api(m, p, { ...o, token: srv.tokens.ngo });
const other = (await officer('POST', '/api/v1/organisations', { body: { name: 'Чужая НКО', country: 'RU', public: true } })).json;
const home = srv.orgId;
const app = (await ngo('POST', '/api/v1/applications', { body: { body: 'ECOSOC', requested_status: 'special' } })).json;
const otherApp = (await officer('POST', '/api/v1/applications', { body: { organisation_id: other.id, body: 'ECOSOC', requested_status: 'special' } })).json;
const joint = (await officer('POST', '/api/v1/proposals', { body: { title: 'Совместное', text: 'x', organisation_ids: [other.id, home] } })).json;

test('officer and NGO comment on the NGO\'s records; the thread reads oldest first with author and time', async () => {
  const a = await officer('POST', '/api/v1/comments', { body: { about: 'applications', record_id: app.id, text: 'Please attach the statutes.' } });
  assert.equal(a.status, 201, a.text);
  assert.deepEqual(a.json.organisation_ids, [home]);
  assert.equal(a.json.author, 'officer@test.example');
  assert.equal(a.json.internal, false);
  assert.match(a.headers.get('location'), /\/api\/v1\/comments\/\d+$/);
  const b = await ngo('POST', '/api/v1/comments', { body: { about: 'applications', record_id: app.id, text: 'Устав приложен.' } });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json.author, 'ngo@test.example');
  const thread = await ngo('GET', `/api/v1/comments?about=applications&record_id=${app.id}`);
  assert.deepEqual(thread.json.items.map((c) => c.text), ['Please attach the statutes.', 'Устав приложен.']);
  assert.ok(thread.json.items.every((c) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(c.created_at)));
  // The organisation's timeline: every comment on any of its records.
  const onOrg = await officer('POST', '/api/v1/comments', { body: { about: 'organisations', record_id: home, text: 'Met at the annual meeting.' } });
  assert.equal(onOrg.status, 201, onOrg.text);
  const tl = await ngo('GET', `/api/v1/comments?organisation_ids=${home}`);
  assert.deepEqual(tl.json.items.map((c) => c.about), ['applications', 'applications', 'organisations']);
  // Audited, with the author.
  const audit = await srv.api('GET', `/api/v1/audit?resource=comments&record_id=${b.json.id}`);
  assert.equal(audit.json.items[0].action, 'create');
  assert.equal(audit.json.items[0].actor, 'ngo@test.example');
});

test('a joint proposal\'s comments reach every organisation making it', async () => {
  const c = await officer('POST', '/api/v1/comments', { body: { about: 'proposals', record_id: joint.id, text: 'Under review at the department.' } });
  assert.deepEqual(c.json.organisation_ids.sort(), [other.id, home].sort());
  const seen = await ngo('GET', `/api/v1/comments?about=proposals&record_id=${joint.id}`);
  assert.equal(seen.json.items.length, 1);
  const mine = await ngo('POST', '/api/v1/comments', { body: { about: 'proposals', record_id: joint.id, text: 'Спасибо' } });
  assert.equal(mine.status, 201, mine.text);
});

test('an NGO never sees nor makes comments on another NGO\'s records, nor internal ones', async () => {
  const hidden = await officer('POST', '/api/v1/comments', { body: { about: 'applications', record_id: otherApp.id, text: 'Чужой комментарий' } });
  const internal = await officer('POST', '/api/v1/comments', { body: { about: 'applications', record_id: app.id, text: 'Check their funding first.', internal: true } });
  assert.equal(internal.status, 201, internal.text);
  const list = await ngo('GET', '/api/v1/comments?limit=500');
  const texts = list.json.items.map((c) => c.text);
  assert.ok(!texts.includes('Чужой комментарий') && !texts.includes('Check their funding first.'), JSON.stringify(texts));
  assert.equal((await ngo('GET', `/api/v1/comments/${hidden.json.id}`)).status, 404);
  assert.equal((await ngo('GET', `/api/v1/comments/${internal.json.id}`)).status, 404);
  assert.equal((await ngo('GET', `/api/v1/comments?internal=true`)).json.items.length, 0);
  const csv = await ngo('GET', '/api/v1/comments?format=csv');
  assert.doesNotMatch(csv.text, /Чужой|funding/);
  // Writing: not on another's record (even a public one), not internal.
  assertProblem(await ngo('POST', '/api/v1/comments', { body: { about: 'applications', record_id: otherApp.id, text: 'x' } }), 422, { fields: { record_id: /no application with id/ } });
  assertProblem(await ngo('POST', '/api/v1/comments', { body: { about: 'organisations', record_id: other.id, text: 'x' } }), 422, { fields: { record_id: /not your organisation's/ } });
  assertProblem(await ngo('POST', '/api/v1/comments', { body: { about: 'applications', record_id: app.id, text: 'x', internal: true } }), 403, { fields: { internal: /ministry/ } });
  assertProblem(await ngo('POST', '/api/v1/comments', { body: { about: 'applications', record_id: app.id, text: 'x', organisation_ids: [other.id] } }), 422, { fields: { organisation_ids: null } });
  // Anonymous: nothing.
  assert.equal((await srv.api('GET', '/api/v1/comments', { token: null })).status, 401);
});

test('a comment stays as written; only the ministry removes one, and that is audited', async () => {
  const c = await ngo('POST', '/api/v1/comments', { body: { about: 'organisations', record_id: home, text: 'Наш новый адрес' } });
  assertProblem(await ngo('PATCH', `/api/v1/comments/${c.json.id}`, { body: { text: 'другой' } }), 403);
  assertProblem(await ngo('DELETE', `/api/v1/comments/${c.json.id}`), 403);
  assertProblem(await officer('PATCH', `/api/v1/comments/${c.json.id}`, { body: { text: 'другой' } }), 422, { fields: { text: /after creation/ } });
  const off = await officer('POST', '/api/v1/comments', { body: { about: 'organisations', record_id: home, text: 'mine' } });
  assertProblem(await ngo('DELETE', `/api/v1/comments/${off.json.id}`), 403);
  assert.equal((await officer('DELETE', `/api/v1/comments/${c.json.id}`)).status, 204);
  const audit = await srv.api('GET', `/api/v1/audit?resource=comments&record_id=${c.json.id}`);
  // The NGO's two refused attempts are in the trail too.
  assert.deepEqual(audit.json.items.map((e) => e.action).sort(), ['create', 'delete', 'refused', 'refused']);
});

test('bad comments are refused with a problem naming the field, and change nothing', async () => {
  const before = (await officer('GET', '/api/v1/comments?count=true')).json.total;
  const bad = [
    [{ about: 'applications', record_id: 999999, text: 'x' }, 'record_id'],
    [{ about: 'users', record_id: 1, text: 'x' }, 'about'],
    [{ about: 'applications', record_id: app.id }, 'text'],
    [{ about: 'applications', record_id: app.id, text: '' }, 'text'],
    [{ about: 'applications', record_id: app.id, text: 'x'.repeat(4001) }, 'text'],
    [{ about: 'applications', record_id: 'one', text: 'x' }, 'record_id'],
    [{ about: 'applications', record_id: app.id, text: 'x', author: 'me@x.example' }, 'author'],
    [{ about: 'applications', record_id: app.id, text: 'x', colour: 1 }, 'colour'],
  ];
  for (const [body, field] of bad) assertProblem(await officer('POST', '/api/v1/comments', { body }), 422, { fields: { [field]: null } });
  assert.equal((await officer('GET', '/api/v1/comments?count=true')).json.total, before);
});
