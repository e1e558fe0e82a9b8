// The server keeps tokens it has verified (issue 21, src/auth/bearer.c): whatever it has
// cached on any of its threads, a token revoked, a user disabled or a token expired is
// refused by the very next request — also when the change comes from another process
// (the CLI) — as docs/security.md promises.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, cliOk, addUser, createToken, tempDir } from './lib/server.mjs';

let srv;
let dir;
let db;
let clockFile;

async function setClock(seconds) {
  await writeFile(clockFile, `${seconds}\n`);
}

before(async () => {
  dir = await tempDir();
  db = join(dir, 'civdesk.db');
  clockFile = join(dir, 'clock');
  await setClock(0);
  process.env.CIVDESK_TEST_CLOCK_FILE = clockFile;
  await cliOk(['init', '--db', db]);
  await addUser(db, 'admin@cache.example', 'admin');
  srv = await launch(db, dir, 4);
  srv.tokens.admin = await createToken(db, 'admin@cache.example');
});

after(async () => {
  delete process.env.CIVDESK_TEST_CLOCK_FILE;
  if (srv) await srv.stop();
});

// The statuses of n reads with the token at once, over several connections, so that every
// server thread answers some (and caches the token).
async function statuses(token, n = 24) {
  const rs = await Promise.all(
    Array.from({ length: n }, () => srv.api('GET', '/api/v1/me', { token, headers: { connection: 'close' } })),
  );
  return [...new Set(rs.map((r) => r.status))];
}

test('a token revoked by another process is refused by the next request on every thread', async () => {
  await addUser(db, 'revoked@cache.example', 'officer');
  const t = await createToken(db, 'revoked@cache.example');
  assert.deepEqual(await statuses(t), [200]);
  assert.deepEqual(await statuses(t), [200]); /* now answered from the cache */
  const id = (await srv.api('GET', '/api/v1/tokens', { token: t })).json.items.find((x) => x.current).id;
  await cliOk(['token', 'revoke', String(id), '--db', db]);
  assert.deepEqual(await statuses(t), [401]);
});

test('disabling the user from the command line ends a cached token at once', async () => {
  await addUser(db, 'disabled@cache.example', 'officer');
  const t = await createToken(db, 'disabled@cache.example');
  assert.deepEqual(await statuses(t), [200]);
  assert.deepEqual(await statuses(t), [200]);
  await cliOk(['user', 'disable', '--email', 'disabled@cache.example', '--db', db]);
  assert.deepEqual(await statuses(t), [401]);
  assert.deepEqual(await statuses(srv.tokens.admin), [200], 'other tokens still work');
});

test('a cached token stops at its expiry', async () => {
  await addUser(db, 'expiry@cache.example', 'officer');
  const t = (await cliOk(['token', 'create', '--db', db, '--email', 'expiry@cache.example', '--days', '1'])).stdout.trim();
  assert.deepEqual(await statuses(t), [200]);
  await setClock(86400 - 120);
  assert.deepEqual(await statuses(t), [200]);
  await setClock(86400 + 120);
  const r = await srv.api('GET', '/api/v1/me', { token: t });
  assert.equal(r.status, 401);
  assert.match(r.json.detail, /expired/);
  await setClock(0);
});
