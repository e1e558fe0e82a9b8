// Hardening (issue 16, item 4): guessing at an account slows the guesser, not the owner.
// Failures count per account-and-address; the account-wide limit does not hold back an
// address the account signed in from before; the per-address limit stays. The server runs
// with --trust-proxy (each request picks its address) and a stopped test clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, PASSWORD, cliOk, addUser, tempDir, request } from './lib/server.mjs';

let url, child, exited, clockFile, dir;
const BASE = Math.floor(Date.now() / 1000);
let now = 0;

async function setClock(seconds) {
  now = seconds;
  await writeFile(clockFile, `@${BASE + seconds}\n`);
}

const signIn = (email, password, address) =>
  request(url, 'POST', '/api/v1/session', { body: { email, password }, headers: { 'x-forwarded-for': address } });

before(async () => {
  dir = await tempDir();
  const db = join(dir, 'civdesk.db');
  clockFile = join(dir, 'clock');
  await setClock(0);
  await cliOk(['init', '--db', db]);
  await addUser(db, 'admin@lock.example', 'admin');
  await addUser(db, 'officer@lock.example', 'officer');
  child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '2', '--trust-proxy'], {
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
  await rm(dir, { recursive: true, force: true });
  assert.equal(code, 0);
});

test('an attacker guessing for two hours from one address never keeps the admin out of their usual address', async () => {
  const admin = 'admin@lock.example';
  const home = '198.51.100.7';
  const attacker = '203.0.113.9';
  assert.equal((await signIn(admin, PASSWORD, home)).status, 201, 'the admin has signed in from home before');
  let guesses = 0;
  let slowed = 0;
  let owner = 0;
  for (let t = 60; t <= 7200; t += 60) {
    await setClock(t);
    const g = await signIn(admin, `guess number ${t}`, attacker);
    if (g.status === 401) guesses++;
    else {
      assert.equal(g.status, 429, g.text);
      slowed++;
    }
    if (t % 300 === 0) {
      const r = await signIn(admin, PASSWORD, home);
      assert.equal(r.status, 201, `the admin at t=${t}s after ${guesses} guesses: ${r.status} ${r.text}`);
      owner++;
    }
  }
  assert.equal(owner, 24, 'the admin signed in every time, 24 of 24');
  assert.ok(slowed > 0 && guesses < 40, `the attacker was slowed: ${guesses} guesses, ${slowed} refused early`);
});

test('the account-wide limit still holds addresses that never signed in, and the per-address limit everyone', async () => {
  await setClock(20000);
  const email = 'officer@lock.example';
  for (let i = 0; i < 5; i++) assert.equal((await signIn(email, `wrong ${i}`, `192.0.2.${i + 1}`)).status, 401);
  // Guesses spread over many addresses reach the account limit: a new address waits.
  const r = await signIn(email, PASSWORD, '192.0.2.99');
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  // One address spraying many accounts is limited whoever it tries.
  await setClock(30000);
  for (let i = 0; i < 20; i++) assert.equal((await signIn(`spray${i}@lock.example`, 'Winter2024!', '203.0.113.50')).status, 401);
  assert.equal((await signIn('admin@lock.example', PASSWORD, '203.0.113.50')).status, 429);
});
