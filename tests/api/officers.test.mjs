// GET /api/v1/officers (issue 17): the accounts an organisation may be given to as its
// desk officer — active officers and administrators, with name and e-mail only — for
// officers to choose from by name; NGOs and anonymous callers are refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({ ngo: true });
});

after(() => srv.stop());

test('officers and admins read the active officers and admins; others are refused', async () => {
  assertProblem(await srv.api('GET', '/api/v1/officers', { token: null }), 401);
  assertProblem(await srv.api('GET', '/api/v1/officers', { token: srv.tokens.ngo }), 403);
  const made = await srv.api('POST', '/api/v1/users', { body: { email: 'gone@officers.example', name: 'Gone Officer', role: 'officer', password: 'a long enough passphrase for a desk' } });
  assert.equal(made.status, 201, made.text);
  assert.equal((await srv.api('PATCH', `/api/v1/users/${made.json.id}`, { body: { disabled: true } })).status, 200);
  const r = await srv.api('GET', '/api/v1/officers', { token: srv.tokens.officer });
  assert.equal(r.status, 200, r.text);
  const all = (await srv.api('GET', '/api/v1/users?limit=500')).json.items;
  const want = all.filter((u) => ['officer', 'admin'].includes(u.role) && !u.disabled).map((u) => u.email).sort();
  assert.deepEqual(r.json.items.map((u) => u.email).sort(), want);
  assert.ok(!want.includes('gone@officers.example'));
  for (const u of r.json.items) assert.deepEqual(Object.keys(u).sort(), ['email', 'id', 'name', 'role']);
  assert.equal(r.json.next_cursor, null);
});
