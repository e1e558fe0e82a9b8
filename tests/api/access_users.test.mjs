// The users API (issue 5, part 1): admins list, add and change accounts; the password is
// never returned; disabling ends sessions and tokens at once; only admins get in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, assertProblem, createToken, PASSWORD } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({ ngo: true });
});

after(() => srv.stop());

const NEW_PW = 'a long enough passphrase for a new desk';

test('only admins reach /api/v1/users', async () => {
  assertProblem(await srv.api('GET', '/api/v1/users', { token: null }), 401);
  assertProblem(await srv.api('GET', '/api/v1/users', { token: srv.tokens.officer }), 403);
  assertProblem(await srv.api('GET', '/api/v1/users', { token: srv.tokens.ngo }), 403);
  assertProblem(await srv.api('POST', '/api/v1/users', { token: srv.tokens.officer, body: { email: 'x@y.org', role: 'admin', password: NEW_PW } }), 403);
  const r = await srv.api('GET', '/api/v1/users');
  assert.equal(r.status, 200);
  assert.ok(r.json.items.length >= 3);
  for (const u of r.json.items) {
    assert.deepEqual(Object.keys(u).sort(), ['created_at', 'disabled', 'email', 'id', 'name', 'organisation_id', 'role', 'updated_at', 'version']);
  }
  assert.ok(!r.text.includes('argon2'));
});

test('an admin adds a user; the password is checked, hashed and never shown', async () => {
  const r = await srv.api('POST', '/api/v1/users', { body: { email: 'desk@users.example', name: 'Desk Officer', role: 'officer', password: NEW_PW } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.email, 'desk@users.example');
  assert.equal(r.json.password, undefined);
  assert.equal(r.headers.get('etag'), '"1"');
  assert.equal(r.headers.get('location'), `/api/v1/users/${r.json.id}`);
  const login = await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'desk@users.example', password: NEW_PW } });
  assert.equal(login.status, 201);
  const audit = await srv.api('GET', `/api/v1/audit?resource=users&record_id=${r.json.id}&action=create`);
  assert.equal(audit.json.items.length, 1);
  assert.equal(audit.json.items[0].after.email, 'desk@users.example');
  assert.ok(!audit.text.includes(NEW_PW));
  assert.ok(!audit.text.includes('argon2'));
});

test('bad users are refused with the field named', async () => {
  const cases = [
    [{ email: 'weak@users.example', role: 'officer', password: 'password1234' }, 'password'],
    [{ email: 'short@users.example', role: 'officer', password: 'short' }, 'password'],
    [{ email: 'not-an-email', role: 'officer', password: NEW_PW }, 'email'],
    [{ email: 'r@users.example', role: 'king', password: NEW_PW }, 'role'],
    [{ email: 'n@users.example', role: 'ngo', password: NEW_PW }, 'organisation_id'],
    [{ email: 'o@users.example', role: 'officer', organisation_id: srv.orgId, password: NEW_PW }, 'organisation_id'],
    [{ email: 'p@users.example', role: 'officer' }, 'password'],
    [{ email: 'q@users.example', role: 'officer', password: NEW_PW, is_root: true }, 'is_root'],
  ];
  for (const [body, field] of cases) assertProblem(await srv.api('POST', '/api/v1/users', { body }), 422, { fields: { [field]: null } });
  assertProblem(await srv.api('POST', '/api/v1/users', { body: { email: 'ngo@test.example', role: 'officer', password: NEW_PW } }), 409);
  assertProblem(await srv.api('POST', '/api/v1/users', { body: { email: 'ghost@users.example', role: 'ngo', organisation_id: 999999, password: NEW_PW } }), 422, { fields: { organisation_id: null } });
});

test('an admin changes a role, with If-Match; a stale version is 412', async () => {
  const u = (await srv.api('POST', '/api/v1/users', { body: { email: 'promote@users.example', role: 'officer', password: NEW_PW } })).json;
  assertProblem(await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: { role: 'admin' }, headers: { 'if-match': '"7"' } }), 412);
  const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: { role: 'admin', name: 'Now admin' }, headers: { 'if-match': '"1"' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.role, 'admin');
  assert.equal(r.json.version, 2);
  assertProblem(await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: { email: 'other@users.example' } }), 422, { fields: { email: null } });
  assertProblem(await srv.api('GET', '/api/v1/users/999999'), 404);
  const one = await srv.api('GET', `/api/v1/users/${u.id}`);
  assert.equal(one.json.name, 'Now admin');
  assert.equal(one.headers.get('etag'), '"2"');
});

test('disabling a user ends their sessions and tokens at once', async () => {
  const u = (await srv.api('POST', '/api/v1/users', { body: { email: 'leaver@users.example', role: 'officer', password: NEW_PW } })).json;
  const token = await createToken(srv.db, 'leaver@users.example');
  const login = await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'leaver@users.example', password: NEW_PW } });
  const cookie = login.headers.getSetCookie()[0].split(';')[0];
  assert.equal((await srv.api('GET', '/api/v1/me', { token })).status, 200);
  assert.equal((await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie } })).status, 200);
  const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: { disabled: true } });
  assert.equal(r.status, 200);
  assert.equal(r.json.disabled, true);
  assertProblem(await srv.api('GET', '/api/v1/me', { token }), 401);
  assertProblem(await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie } }), 401);
  assertProblem(await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'leaver@users.example', password: NEW_PW } }), 401);
  // Enabled again, they sign in afresh; the old token stays revoked.
  assert.equal((await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: { disabled: false } })).status, 200);
  assertProblem(await srv.api('GET', '/api/v1/me', { token }), 401);
  assert.equal((await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'leaver@users.example', password: NEW_PW } })).status, 201);
  const audit = await srv.api('GET', `/api/v1/audit?resource=users&record_id=${u.id}&action=disable`);
  assert.equal(audit.json.items.length, 1);
  assert.equal(audit.json.items[0].before.disabled, false);
  assert.equal(audit.json.items[0].after.disabled, true);
});

test('a new password ends the sessions begun with the old one', async () => {
  const u = (await srv.api('POST', '/api/v1/users', { body: { email: 'rotate@users.example', role: 'officer', password: NEW_PW } })).json;
  const login = await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'rotate@users.example', password: NEW_PW } });
  const cookie = login.headers.getSetCookie()[0].split(';')[0];
  const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: { password: 'another fine long passphrase' } });
  assert.equal(r.status, 200);
  assertProblem(await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie } }), 401);
  assertProblem(await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'rotate@users.example', password: NEW_PW } }), 401);
  const audit = await srv.api('GET', `/api/v1/audit?resource=users&record_id=${u.id}&action=update`);
  assert.equal(audit.json.items[0].after.password_changed, true);
  assert.ok(!audit.text.includes('another fine long passphrase'));
});

test('an admin cannot lock themselves out', async () => {
  const me = (await srv.api('GET', '/api/v1/me')).json;
  assertProblem(await srv.api('PATCH', `/api/v1/users/${me.id}`, { body: { disabled: true } }), 409);
  assertProblem(await srv.api('PATCH', `/api/v1/users/${me.id}`, { body: { role: 'officer' } }), 409);
  assert.equal((await srv.api('GET', '/api/v1/me')).status, 200);
});

test('the list filters by role and pages with a cursor', async () => {
  const admins = await srv.api('GET', '/api/v1/users?role=admin');
  assert.ok(admins.json.items.every((u) => u.role === 'admin'));
  const ngos = await srv.api('GET', `/api/v1/users?organisation_id=${srv.orgId}`);
  assert.deepEqual(ngos.json.items.map((u) => u.email), ['ngo@test.example']);
  const page1 = await srv.api('GET', '/api/v1/users?limit=2');
  assert.equal(page1.json.items.length, 2);
  assert.ok(page1.json.next_cursor);
  const page2 = await srv.api('GET', `/api/v1/users?limit=2&cursor=${page1.json.next_cursor}`);
  assert.ok(page2.json.items[0].id > page1.json.items[1].id);
  assertProblem(await srv.api('GET', '/api/v1/users?role=king'), 400);
  assertProblem(await srv.api('GET', '/api/v1/users?shoe=1'), 400);
  assertProblem(await srv.api('GET', '/api/v1/users?limit=0'), 400);
});
