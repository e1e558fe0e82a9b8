// Hardening (issue 16, item 5): API tokens have a name, an expiry (default and maximum
// set by the administrator), a last use; their owner and administrators list and revoke
// them (CLI and API); a change of the user's role, organisation or password revokes them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cli, cliOk, PASSWORD } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

const me = (token) => srv.api('GET', '/api/v1/me', { token });

test('token create: named, with the default expiry; over the maximum is refused', async () => {
  const t = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'officer@test.example', '--label', 'nightly export'])).stdout.trim();
  assert.equal((await me(t)).status, 200);
  const list = await cliOk(['token', 'list', '--db', srv.db, '--email', 'officer@test.example']);
  assert.match(list.stdout, /nightly export/);
  const api = await srv.api('GET', '/api/v1/tokens', { token: t });
  const mine = api.json.items.find((x) => x.name === 'nightly export');
  const days = (Date.parse(mine.expires_at) - Date.now()) / 86400000;
  assert.ok(days > 89 && days <= 90.01, `expires in ${days} days`);
  assert.ok(mine.last_used_at, 'the use is recorded');
  assert.equal(mine.current, true);
  assert.ok(!JSON.stringify(api.json).includes(t), 'never the token itself');
  const over = await cli(['token', 'create', '--db', srv.db, '--email', 'officer@test.example', '--days', '400']);
  assert.equal(over.code, 1);
  assert.match(over.stderr, /days: must be from 1 to 365/);
  // The administrator lowers the maximum.
  await cliOk(['token', 'policy', '--db', srv.db, '--days', '7', '--max-days', '30']);
  const p = await cliOk(['token', 'policy', '--db', srv.db]);
  assert.match(p.stdout, /7 days .* 30 days/);
  const week = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'officer@test.example', '--label', 'short'])).stdout.trim();
  const w = (await srv.api('GET', '/api/v1/tokens', { token: week })).json.items.find((x) => x.name === 'short');
  const wd = (Date.parse(w.expires_at) - Date.now()) / 86400000;
  assert.ok(wd > 6 && wd <= 7.01, `expires in ${wd} days`);
  assert.equal((await cli(['token', 'policy', '--db', srv.db, '--days', '40'])).code, 1);
});

test('an expired token no longer works', async () => {
  const t = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'officer@test.example', '--days', '1'],
    { env: { CIVDESK_TEST_CLOCK_OFFSET: String(-2 * 86400) } })).stdout.trim();
  const r = await me(t);
  assert.equal(r.status, 401);
  assert.match(r.json.detail, /expired/);
});

test('owners revoke their own tokens, administrators anyone\'s, others none (API and CLI)', async () => {
  const ngoA = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'ngo@test.example', '--label', 'a'])).stdout.trim();
  const ngoB = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'ngo@test.example', '--label', 'b'])).stdout.trim();
  const list = (await srv.api('GET', '/api/v1/tokens', { token: ngoA })).json.items;
  assert.ok(list.every((x) => x.email === 'ngo@test.example'), 'an NGO sees only its own');
  const idB = list.find((x) => x.name === 'b').id;
  const officerTokens = (await srv.api('GET', '/api/v1/tokens')).json.items.filter((x) => x.email === 'officer@test.example');
  // Another user's token: 404 for an NGO, and it still works.
  assert.equal((await srv.api('DELETE', `/api/v1/tokens/${officerTokens[0].id}`, { token: ngoA })).status, 404);
  // Its own: revoked.
  assert.equal((await srv.api('DELETE', `/api/v1/tokens/${idB}`, { token: ngoA })).status, 204);
  assert.equal((await me(ngoB)).status, 401);
  assert.equal((await me(ngoA)).status, 200);
  // The administrator revokes anyone's; the CLI too.
  const idA = list.find((x) => x.name === 'a').id;
  const victim = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'officer@test.example', '--label', 'cli'])).stdout.trim();
  const idV = (await srv.api('GET', '/api/v1/tokens', { token: victim })).json.items.find((x) => x.current).id;
  assert.equal((await srv.api('DELETE', `/api/v1/tokens/${idA}`)).status, 204);
  assert.equal((await me(ngoA)).status, 401);
  await cliOk(['token', 'revoke', String(idV), '--db', srv.db]);
  assert.equal((await me(victim)).status, 401);
  const again = await cli(['token', 'revoke', String(idV), '--db', srv.db]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no token/);
  const audit = (await srv.api('GET', '/api/v1/audit?action=token_revoke')).json.items;
  assert.ok(audit.length >= 3);
});

test('a change of role, organisation or password revokes the user\'s tokens', async () => {
  for (const change of [{ role: 'admin' }, { name: 'Renamed' }, { password: 'an entirely new passphrase 2027' }]) {
    await cliOk(['user', 'add', '--db', srv.db, '--email', `mover${Object.keys(change)[0]}@test.example`, '--role', 'officer'], { input: PASSWORD + '\n' });
    const email = `mover${Object.keys(change)[0]}@test.example`;
    const t = (await cliOk(['token', 'create', '--db', srv.db, '--email', email])).stdout.trim();
    const u = (await srv.api('GET', `/api/v1/users?limit=500`)).json.items.find((x) => x.email === email);
    const etag = (await srv.api('GET', `/api/v1/users/${u.id}`)).headers.get('etag');
    const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { body: change, headers: { 'if-match': etag } });
    assert.equal(r.status, 200, r.text);
    const after = await me(t);
    if (change.name) assert.equal(after.status, 200, 'a new name changes no authority');
    else assert.equal(after.status, 401, `${JSON.stringify(change)} revokes the token`);
  }
});
