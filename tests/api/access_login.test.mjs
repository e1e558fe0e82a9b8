// Signing in against brute force (issue 5, part 4): one answer for every refusal,
// growing delays after a few failures per account, a cap per hour, a limit per client
// address, 429 with Retry-After (the password is not even checked then), and a flood of
// sign-ins that the server survives. The server runs with --trust-proxy so each test
// picks its client address (X-Forwarded-For), and with a test clock it reads per request,
// stopped ("@T") so that no second passes between two requests unless the test says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BIN, PASSWORD, cliOk, addUser, createToken, tempDir, request, assertProblem, pool,
} from './lib/server.mjs';

let url;
let child;
let exited;
let clockFile;
let adminToken;
const BASE = Math.floor(Date.now() / 1000);
let now = 0; // the test clock: seconds after BASE
let db;

async function setClock(seconds) {
  now = seconds;
  await writeFile(clockFile, `@${BASE + seconds}\n`);
}

function signIn(email, password, address) {
  return request(url, 'POST', '/api/v1/session', {
    body: { email, password },
    headers: { 'x-forwarded-for': address },
  });
}

before(async () => {
  const dir = await tempDir();
  db = join(dir, 'civdesk.db');
  clockFile = join(dir, 'clock');
  await setClock(0);
  await cliOk(['init', '--db', db]);
  await addUser(db, 'admin@login.example', 'admin');
  adminToken = await createToken(db, 'admin@login.example');
  for (const name of ['victim', 'capped', 'lucky', 'gone'])
    await addUser(db, `${name}@login.example`, 'officer');
  child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '4', '--trust-proxy'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CIVDESK_DB: '', CIVDESK_TEST_CLOCK_FILE: clockFile },
  });
  exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  let out = '';
  url = await new Promise((resolve, reject) => {
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
});

after(async () => {
  child.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 0);
});

test('unknown account, wrong password and disabled account get one and the same answer', async () => {
  await cliOk(['user', 'disable', '--db', db, '--email', 'gone@login.example']);
  const a = await signIn('nobody@login.example', PASSWORD, '198.51.100.1');
  const b = await signIn('victim@login.example', 'not the password at all', '198.51.100.2');
  const c = await signIn('gone@login.example', PASSWORD, '198.51.100.3');
  for (const r of [a, b, c]) {
    assertProblem(r, 401);
    assert.equal(r.json.detail, a.json.detail);
    assert.equal(r.headers.getSetCookie().length, 0);
  }
  // Each is in the audit trail with its reason, and no password anywhere.
  const audit = await request(url, 'GET', '/api/v1/audit?action=login_failed', { token: adminToken });
  const reasons = audit.json.items.map((e) => e.after.reason);
  assert.ok(reasons.includes('unknown account'));
  assert.ok(reasons.includes('wrong password'));
  assert.ok(reasons.includes('account disabled'));
  assert.ok(!audit.text.includes(PASSWORD));
  assert.ok(!audit.text.includes('not the password at all'));
  // Clear the account counter for later tests.
  assert.equal((await signIn('victim@login.example', PASSWORD, '198.51.100.9')).status, 201);
});

test('after 5 failures an account waits, twice as long after each further one (429 + Retry-After)', async () => {
  await setClock(100000);
  const email = 'victim@login.example';
  for (let i = 0; i < 5; i++)
    assertProblem(await signIn(email, `wrong guess ${i}`, `192.0.2.${i + 1}`), 401);
  const waits = [];
  for (let i = 0; i < 5; i++) {
    const limited = await signIn(email, PASSWORD, `192.0.2.${50 + i}`); // right password, too early
    assertProblem(limited, 429);
    assert.equal(limited.headers.getSetCookie().length, 0);
    const wait = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(wait) && wait > 0, `Retry-After ${limited.headers.get('retry-after')}`);
    waits.push(wait);
    await setClock(now + wait);
    assertProblem(await signIn(email, `wrong again ${i}`, `192.0.2.${100 + i}`), 401);
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 16]);
  // Waiting it out, the right password works and clears the count.
  const wait = Number((await signIn(email, PASSWORD, '192.0.2.200')).headers.get('retry-after'));
  await setClock(now + wait);
  assert.equal((await signIn(email, PASSWORD, '192.0.2.201')).status, 201);
  assertProblem(await signIn(email, 'wrong once more', '192.0.2.202'), 401);
  assert.equal((await signIn(email, PASSWORD, '192.0.2.203')).status, 201);
});

test('no more than 100 failed sign-ins an hour for one account, whatever the pacing', async () => {
  await setClock(200000);
  const start = now;
  const email = 'capped@login.example';
  let failures = 0;
  let attempt = 0;
  while (now < start + 3600) {
    const r = await signIn(email, `guess ${attempt}`, `10.9.${attempt >> 8}.${attempt & 255}`);
    attempt++;
    if (r.status === 401) {
      failures++;
      continue;
    }
    assertProblem(r, 429);
    await setClock(now + Number(r.headers.get('retry-after')));
  }
  assert.ok(failures <= 100, `${failures} failures in an hour`);
  assert.ok(failures >= 5);
});

test('one client address trying many accounts is limited too', async () => {
  await setClock(300000);
  const address = '203.0.113.66';
  for (let i = 0; i < 20; i++)
    assertProblem(await signIn(`spray${i}@login.example`, 'Winter2024!', address), 401);
  const r = await signIn('lucky@login.example', PASSWORD, address);
  assertProblem(r, 429);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  // Another address is not affected.
  assert.equal((await signIn('lucky@login.example', PASSWORD, '203.0.113.67')).status, 201);
});

test('a flood of sign-ins is answered, bounded, and leaves the server healthy', async () => {
  await setClock(400000);
  const started = Date.now();
  const results = await pool(Array.from({ length: 40 }, (_, i) => i), 40, (i) =>
    signIn(`flood${i % 7}@login.example`, `flood password ${i}`, `100.64.${i}.1`),
  );
  for (const r of results) assert.ok([401, 429].includes(r.status), `status ${r.status}`);
  assert.ok(Date.now() - started < 20000);
  const h = await request(url, 'GET', '/healthz');
  assert.equal(h.status, 200);
  const login = await signIn('lucky@login.example', PASSWORD, '100.64.200.1');
  assert.equal(login.status, 201);
});

test('malformed sign-ins are 4xx problems, never 5xx', async () => {
  const bad = [
    [{}, 422],
    [{ email: 'a@b.org' }, 422],
    [{ email: 'a@b.org', password: 5 }, 422],
    [{ email: 'a@b.org', password: 'x', extra: 1 }, 422],
    [{ email: 'a'.repeat(300), password: 'x' }, 422],
    [{ email: 'a@b.org', password: 'p'.repeat(1025) }, 422],
  ];
  for (const [body, status] of bad) {
    const r = await request(url, 'POST', '/api/v1/session', { body, headers: { 'x-forwarded-for': '100.65.0.1' } });
    assertProblem(r, status);
  }
  const raw = await request(url, 'POST', '/api/v1/session', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } });
  assertProblem(raw, 400);
  const text = await request(url, 'POST', '/api/v1/session', { rawBody: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assertProblem(text, 415);
});
