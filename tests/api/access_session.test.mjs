// Browser sessions (issue 5, part 3 and 7): the cookie's attributes, a new token at each
// sign-in, sign-out on the server, 30 minutes idle and 12 hours absolute (with a test
// clock the server reads per request), CSRF and Origin checks on cookie-authenticated
// writes, bearer tokens without CSRF, and the transport headers behind a TLS proxy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BIN, PASSWORD, cliOk, addUser, createToken, launch, tempDir, request, assertProblem,
} from './lib/server.mjs';

let srv;
let clockFile;
let dir;
let db;
const EMAIL = 'officer@session.example';

// The test clock: the server adds this many seconds to the real time, read per request.
async function setClock(seconds) {
  await writeFile(clockFile, `${seconds}\n`);
}

function cookieOf(res) {
  const set = res.headers.getSetCookie();
  assert.equal(set.length, 1, `one Set-Cookie: ${set}`);
  return set[0];
}

async function signIn(base = srv.url, headers = {}) {
  const r = await request(base, 'POST', '/api/v1/session', { body: { email: EMAIL, password: PASSWORD }, headers });
  assert.equal(r.status, 201, r.text);
  const cookie = cookieOf(r);
  const pair = cookie.split(';')[0];
  return { r, cookie, pair, csrf: r.json.csrf_token };
}

function origin(base = srv.url) {
  return new URL(base).origin;
}

before(async () => {
  dir = await tempDir();
  db = join(dir, 'civdesk.db');
  clockFile = join(dir, 'clock');
  await setClock(0);
  process.env.CIVDESK_TEST_CLOCK_FILE = clockFile;
  await cliOk(['init', '--db', db]);
  await addUser(db, EMAIL, 'officer');
  srv = await launch(db, dir);
  srv.tokens.admin = await createToken(db, EMAIL);
});

after(async () => {
  delete process.env.CIVDESK_TEST_CLOCK_FILE;
  if (srv) await srv.stop();
});

test('signing in sets an HttpOnly, SameSite=Strict cookie and returns the user and a CSRF token', async () => {
  const { r, cookie } = await signIn();
  assert.match(cookie, /^civdesk_session=[A-Za-z0-9_-]{22};/);
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.match(cookie, /; Path=\//);
  assert.doesNotMatch(cookie, /Secure/); // plain HTTP: a Secure cookie would never come back
  assert.equal(r.json.user.email, EMAIL);
  assert.equal(r.json.user.role, 'officer');
  assert.equal(r.json.user.password, undefined);
  assert.equal(r.json.user.password_hash, undefined);
  assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('each sign-in gets a new token, and only its hash is stored', async () => {
  const a = await signIn();
  const b = await signIn();
  assert.notEqual(a.pair, b.pair);
  assert.notEqual(a.csrf, b.csrf);
  const token = a.pair.split('=')[1];
  const dump = await new Promise((resolve) => {
    const c = spawn('sqlite3', [db, 'SELECT hex(hash) FROM sessions; SELECT * FROM audit;']);
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(out));
  });
  assert.ok(dump.length > 0);
  assert.ok(!dump.includes(token), 'the cookie token is in the database');
  assert.ok(!dump.includes(PASSWORD), 'the password is in the database');
});

test('the cookie authenticates reads; GET /api/v1/session gives the same CSRF token back', async () => {
  const s = await signIn();
  const me = await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } });
  assert.equal(me.status, 200);
  assert.equal(me.json.email, EMAIL);
  const sess = await request(srv.url, 'GET', '/api/v1/session', { headers: { cookie: s.pair } });
  assert.equal(sess.status, 200);
  assert.equal(sess.json.csrf_token, s.csrf);
  assert.equal(sess.json.via, 'session');
  assert.equal(sess.headers.get('cache-control'), 'no-store');
});

test('cookie-authenticated writes need the CSRF token and this site\'s Origin (403 otherwise)', async () => {
  const s = await signIn();
  const body = { name: 'CSRF test', country: 'RU' };
  const path = '/api/v1/organisations';
  const cases = [
    [{ cookie: s.pair }, /Origin/],
    [{ cookie: s.pair, origin: origin() }, /X-CSRF-Token/],
    [{ cookie: s.pair, origin: origin(), 'x-csrf-token': 'x'.repeat(43) }, /X-CSRF-Token/],
    [{ cookie: s.pair, origin: origin(), 'x-csrf-token': s.csrf.slice(0, 42) }, /X-CSRF-Token/],
    [{ cookie: s.pair, origin: 'http://evil.example', 'x-csrf-token': s.csrf }, /another site/],
    [{ cookie: s.pair, origin: 'null', 'x-csrf-token': s.csrf }, /another site/],
  ];
  for (const [headers, detail] of cases) {
    const r = await request(srv.url, 'POST', path, { body, headers });
    assertProblem(r, 403, { detail });
  }
  // Another session's token does not fit this one.
  const other = await signIn();
  const r1 = await request(srv.url, 'POST', path, { body, headers: { cookie: s.pair, origin: origin(), 'x-csrf-token': other.csrf } });
  assertProblem(r1, 403);
  const ok = await request(srv.url, 'POST', path, { body, headers: { cookie: s.pair, origin: origin(), 'x-csrf-token': s.csrf } });
  assert.equal(ok.status, 201, ok.text);
  // Nothing was created by the refused attempts.
  const list = await srv.api('GET', '/api/v1/organisations?limit=500');
  const n = list.json.items.filter((o) => o.name === 'CSRF test').length;
  assert.equal(n, 1);
  // The refusals are in the audit trail, with the reason and without the token.
  const audit = await srv.api('GET', '/api/v1/audit?action=refused');
  assert.ok(audit.json.items.some((e) => /X-CSRF-Token/.test(e.after.reason)));
  assert.ok(!JSON.stringify(audit.json).includes(s.csrf));
});

test('bearer tokens keep working for scripts without CSRF', async () => {
  const r = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Script', country: 'RU' } });
  assert.equal(r.status, 201);
  // ... but not from another site's page.
  const r2 = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Script', country: 'RU' }, headers: { origin: 'http://evil.example' } });
  assertProblem(r2, 403);
});

test('signing out ends the session on the server: the cookie no longer works', async () => {
  const s = await signIn();
  const nocsrf = await request(srv.url, 'DELETE', '/api/v1/session', { headers: { cookie: s.pair, origin: origin() } });
  assertProblem(nocsrf, 403);
  const out = await request(srv.url, 'DELETE', '/api/v1/session', { headers: { cookie: s.pair, origin: origin(), 'x-csrf-token': s.csrf } });
  assert.equal(out.status, 204);
  assert.match(cookieOf(out), /civdesk_session=; .*Max-Age=0/);
  const me = await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } });
  assertProblem(me, 401, { detail: /session has ended/ });
  // A stale cookie does not stop a new sign-in.
  const again = await request(srv.url, 'POST', '/api/v1/session', { body: { email: EMAIL, password: PASSWORD }, headers: { cookie: s.pair } });
  assert.equal(again.status, 201);
  // With a token there is no session to end.
  const tok = await srv.api('DELETE', '/api/v1/session');
  assertProblem(tok, 409);
});

test('a session ends after 30 minutes without use', async () => {
  await setClock(0);
  const s = await signIn();
  await setClock(29 * 60);
  assert.equal((await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } })).status, 200);
  await setClock(29 * 60 + 29 * 60); // used at 29 minutes: counts from then
  assert.equal((await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } })).status, 200);
  await setClock(29 * 60 + 29 * 60 + 31 * 60);
  const r = await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } });
  assertProblem(r, 401);
  await setClock(0); // going back does not revive it: it was removed
  assertProblem(await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } }), 401);
});

test('a session ends 12 hours after sign-in however busy it is', async () => {
  await setClock(0);
  const s = await signIn();
  for (let t = 0; t <= 12 * 3600 - 20 * 60; t += 20 * 60) {
    await setClock(t);
    const r = await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } });
    assert.equal(r.status, 200, `at ${t / 60} minutes`);
  }
  await setClock(12 * 3600 + 5);
  assertProblem(await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: s.pair } }), 401);
  await setClock(0);
});

test('disabling the user ends the session at once', async () => {
  await addUser(db, 'leaving@session.example', 'ngo', { org: (await srv.api('POST', '/api/v1/organisations', { body: { name: 'Leavers', country: 'RU' } })).json.id });
  const r = await request(srv.url, 'POST', '/api/v1/session', { body: { email: 'leaving@session.example', password: PASSWORD } });
  assert.equal(r.status, 201);
  const pair = cookieOf(r).split(';')[0];
  assert.equal((await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: pair } })).status, 200);
  await cliOk(['user', 'disable', '--db', db, '--email', 'leaving@session.example']);
  assertProblem(await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie: pair } }), 401);
});

test('security headers: CSP without inline script, nosniff, referrer policy, no HSTS on plain HTTP', async () => {
  const r = await request(srv.url, 'GET', '/healthz');
  assert.match(r.headers.get('content-security-policy'), /default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'/);
  assert.doesNotMatch(r.headers.get('content-security-policy'), /unsafe-inline/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(r.headers.get('referrer-policy'));
  assert.equal(r.headers.get('strict-transport-security'), null);
  // Without --trust-proxy a forwarded header changes nothing.
  const f = await request(srv.url, 'GET', '/healthz', { headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(f.headers.get('strict-transport-security'), null);
  const s = await request(srv.url, 'POST', '/api/v1/session', { body: { email: EMAIL, password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
  assert.match(cookieOf(s), /^civdesk_session=/);
});

/* ---- behind a TLS-terminating proxy ----------------------------------------------- */

async function serveBehindProxy() {
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '2', '--trust-proxy'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CIVDESK_DB: '' },
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL: ${out}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  return { url, stop: () => new Promise((r) => { child.on('exit', r); child.kill('SIGTERM'); }) };
}

test('--trust-proxy: X-Forwarded-Proto https gives a Secure __Host- cookie and HSTS', async () => {
  const p = await serveBehindProxy();
  try {
    const fwd = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'civdesk.example.org', 'x-forwarded-for': '203.0.113.7' };
    const r = await request(p.url, 'POST', '/api/v1/session', { body: { email: EMAIL, password: PASSWORD }, headers: fwd });
    assert.equal(r.status, 201);
    const cookie = cookieOf(r);
    assert.match(cookie, /^__Host-civdesk_session=[A-Za-z0-9_-]{22}; Path=\/; HttpOnly; SameSite=Strict; Secure/);
    assert.match(r.headers.get('strict-transport-security'), /max-age=\d{7,}/);
    const pair = cookie.split(';')[0];
    // The same cookie under the plain name is not accepted over "https", and vice versa.
    const plain = pair.replace('__Host-', '');
    assertProblem(await request(p.url, 'GET', '/api/v1/me', { headers: { ...fwd, cookie: plain } }), 401);
    assert.equal((await request(p.url, 'GET', '/api/v1/me', { headers: { ...fwd, cookie: pair } })).status, 200);
    // The origin to match is the one the proxy was reached at.
    const write = (o) => request(p.url, 'POST', '/api/v1/organisations', {
      body: { name: 'Via proxy', country: 'RU' },
      headers: { ...fwd, cookie: pair, origin: o, 'x-csrf-token': r.json.csrf_token },
    });
    assertProblem(await write(p.url.replace('http:', 'https:')), 403);
    assertProblem(await write('http://civdesk.example.org'), 403);
    assert.equal((await write('https://civdesk.example.org')).status, 201);
    // The sign-in was recorded with the client's address as the proxy saw it.
    const audit = await srv.api('GET', '/api/v1/audit?action=login&limit=1');
    assert.equal(audit.json.items[0].after.client, '203.0.113.7');
    // HSTS also on answers that never reach a handler.
    const nf = await request(p.url, 'GET', '/api/v1/no-such-thing', { headers: fwd });
    assert.equal(nf.status, 404);
    assert.ok(nf.headers.get('strict-transport-security'));
  } finally {
    await p.stop();
  }
});
