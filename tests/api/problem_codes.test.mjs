// Field errors carry a stable code and the values printed into their English message
// (issue 17, item 5), so a client can say them in its own language.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());

test('validation errors: code and params beside the English message', async () => {
  const r = await srv.api('POST', '/api/v1/organisations', { body: { name: '', country: 'SU', bogus: 1 } });
  assert.equal(r.status, 422, r.text);
  const by = Object.fromEntries(r.json.errors.map((e) => [e.field, e]));
  assert.deepEqual([by.name.code, by.name.params], ['too_short', []]);
  assert.equal(by.name.message, 'is too short');
  assert.deepEqual([by.country.code, by.country.params], ['country', []]);
  assert.deepEqual([by.bogus.code, by.bogus.params], ['unknown_field', ['organisation']]);
});

test('domain errors: references, dates and requirements of a move', async () => {
  const p = await srv.api('POST', '/api/v1/people', { body: { full_name: 'X', organisation_id: 99999 } });
  assert.equal(p.status, 422, p.text);
  assert.deepEqual([p.json.errors[0].code, p.json.errors[0].params], ['no_such_record', ['organisation', '99999']]);
  const f = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Future', country: 'FR', founded_on: '2099-01-01' } });
  assert.equal(f.status, 422, f.text);
  assert.deepEqual([f.json.errors[0].field, f.json.errors[0].code], ['founded_on', 'future']);
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Proposer', country: 'FR' } });
  const prop = await srv.api('POST', '/api/v1/proposals', { body: { title: 'T', text: 'x', organisation_ids: [org.json.id] } });
  assert.equal(prop.status, 201, prop.text);
  const rev = await srv.api('POST', `/api/v1/proposals/${prop.json.id}/transitions`, { body: { to: 'under_review' } });
  assert.equal(rev.status, 200, rev.text);
  const acc = await srv.api('POST', `/api/v1/proposals/${prop.json.id}/transitions`, { body: { to: 'accepted' } });
  assert.equal(acc.status, 422, acc.text);
  assert.deepEqual(acc.json.errors.map((e) => [e.field, e.code, e.params]), [['response', 'response_first', ['accepted']]]);
});
