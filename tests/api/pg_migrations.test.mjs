// Migrations with several servers (issue 20, part 5). On PostgreSQL one process migrates
// (`civdesk init` holds a session advisory lock while it does; a second init waits, then
// finds the schema current), and a server that finds an older schema waits for it to be
// migrated, then serves — or gives up after --wait-schema seconds; a newer schema is
// refused at once, naming both versions. On SQLite `serve` refuses an older schema at
// once, as it always has.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, cliOk, launch, tempDir, newDatabase, sqlShell, request } from './lib/server.mjs';

const PG = process.env.CIVDESK_TEST_PG;
const skip = !PG && 'several processes migrate one database on PostgreSQL only (CIVDESK_TEST_PG)';
const MIGRATION_LOCK = '27981980057036658'; // src/store/cluster.c

const dirs = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function freshDb(name) {
  const dir = await tempDir();
  dirs.push(dir);
  await mkdir(join(dir, name));
  const db = await newDatabase(join(dir, name));
  await cliOk(['init', '--db', db]);
  return { dir, db };
}

async function pgVersion(db) {
  const r = await sqlShell(db, 'SELECT max(version) FROM civdesk_schema;');
  assert.equal(r.code, 0, r.err);
  return Number(r.out.trim());
}

test('a server waits while the schema is older, and serves once another process migrated it', { skip, timeout: 90000 }, async () => {
  const { dir, db } = await freshDb('wait');
  const v = await pgVersion(db);
  await sqlShell(db, `UPDATE civdesk_schema SET version = ${v - 1};`);
  const started = launch(db, dir, 2, { args: ['--wait-schema', '60'] });
  let settled = false;
  started.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(settled, false, 'the server must not serve (nor exit) while the schema is older');
  assert.equal(await pgVersion(db), v - 1, 'serve does not migrate');
  const init = await cliOk(['init', '--db', db]); // a second process: the one that migrates
  assert.match(init.stdout, new RegExp(`schema version ${v}\\)`));
  const srv = await started;
  try {
    const h = await request(srv.url, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.json.schema, v);
    assert.match(srv.stderr(), new RegExp(`has schema version ${v - 1}, this civdesk needs ${v}: waiting up to 60 s`));
    assert.match(srv.stderr(), new RegExp(`is at schema version ${v} now`));
  } finally {
    await srv.stop({ keepDir: true });
  }
});

test('init waits for another init holding the migration lock, then finds the schema current', { skip, timeout: 90000 }, async () => {
  const { db } = await freshDb('lock');
  const v = await pgVersion(db);
  await sqlShell(db, `UPDATE civdesk_schema SET version = ${v - 1};`);
  // Another process holds the lock for three seconds.
  const holder = spawn('psql', ['-X', '-q', '-d', db, '-c', `SELECT pg_advisory_lock(${MIGRATION_LOCK}), pg_sleep(3)`], { stdio: 'ignore' });
  const held = new Promise((r) => holder.on('exit', r));
  for (let i = 0; i < 50; i++) {
    const r = await sqlShell(db, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted;`);
    if (r.out.trim() !== '0') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const r = await cliOk(['init', '--db', db]);
  assert.match(r.stderr, /another civdesk is migrating .*: waiting for it to finish/);
  assert.equal(await held, 0, 'the holder ended before init could go on');
  assert.equal(await pgVersion(db), v);

  // Two inits at once on an older schema: both succeed, the schema is current, intact.
  await sqlShell(db, `UPDATE civdesk_schema SET version = ${v - 1};`);
  const both = await Promise.all([cli(['init', '--db', db]), cli(['init', '--db', db])]);
  for (const b of both) assert.equal(b.code, 0, b.stderr);
  assert.equal(await pgVersion(db), v);
  const rows = await sqlShell(db, 'SELECT count(*) FROM civdesk_schema;');
  assert.equal(rows.out.trim(), '1');
  await cliOk(['check', '--db', db]);
});

test('a server refuses a newer schema at once, naming both versions', { skip, timeout: 60000 }, async () => {
  const { db } = await freshDb('newer');
  const v = await pgVersion(db);
  await sqlShell(db, `UPDATE civdesk_schema SET version = ${v + 1};`);
  const t0 = Date.now();
  const r = await cli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--wait-schema', '60']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(Date.now() - t0 < 20000, 'refused without waiting');
  assert.match(r.stderr.trim(), new RegExp(`^civdesk: .* has schema version ${v + 1}, newer than this civdesk knows \\(${v}\\): refusing to use it$`));
});

test('a server gives up after --wait-schema seconds with a clear message', { skip, timeout: 60000 }, async () => {
  const { db } = await freshDb('giveup');
  const v = await pgVersion(db);
  await sqlShell(db, `UPDATE civdesk_schema SET version = ${v - 1};`);
  const r = await cli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--wait-schema', '2']);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines.at(-1), new RegExp(`^civdesk: .* still has schema version ${v - 1} after 2 s, this civdesk needs ${v}: run \`civdesk init\` to migrate$`));
  assert.equal(await pgVersion(db), v - 1);
});

test('on SQLite a server refuses an older schema at once, as before', { timeout: 60000 }, async () => {
  const dir = await tempDir();
  dirs.push(dir);
  const db = join(dir, 'old.db');
  await cliOk(['init', '--db', db]);
  const v = Number((await sqlShell(db, 'PRAGMA user_version;')).out.trim());
  await sqlShell(db, `PRAGMA user_version = ${v - 1};`);
  const r = await cli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--wait-schema', '60']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`has schema version ${v - 1}, this civdesk needs ${v}: run \`civdesk init\` to migrate`));
  const bad = await cli(['serve', '--db', db, '--wait-schema', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--wait-schema must be a number of seconds from 0 to 86400/);
});
