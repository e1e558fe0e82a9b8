// `civdesk check` on the databases an administrator meets on a quiet day (issue 22): just
// created, holding only the reference data the migrations seed, an empty table, freshly
// restored from a backup, just migrated from an older schema. Each is intact and must say
// so with exit 0; a real fault in the same state must still be caught (exit 1, one line).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, cliOk, tempDir, addUser } from './lib/server.mjs';

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');
let dir;

function sqlite(db, sql) {
  return new Promise((resolvePromise, reject) => {
    const c = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => resolvePromise({ code, out: out.trim(), err }));
    c.stdin.end(sql);
  });
}

async function assertIntact(db, entries) {
  const r = await cli(['check', '--db', db]);
  assert.equal(r.code, 0, `check exited ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /is intact/);
  assert.match(r.stdout, new RegExp(`audit trail of ${entries} entries verifies`));
}

async function assertCaught(db, what) {
  const r = await cli(['check', '--db', db]);
  assert.equal(r.code, 1, `check should catch ${what}: ${r.stdout}`);
  assert.match(r.stderr, /tampered|missing|not written/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

before(async () => {
  dir = await tempDir();
});

test('a database just created is intact: init then check exits 0', async () => {
  const db = join(dir, 'new.db');
  await cliOk(['init', '--db', db]);
  await assertIntact(db, 0);
  // Only the reference data the migrations seed, and every domain table empty.
  const bodies = await sqlite(db, 'SELECT count(*) FROM bodies;');
  assert.ok(Number(bodies.out) >= 5, `bodies seeded: ${bodies.out}`);
  const orgs = await sqlite(db, 'SELECT count(*) FROM organisations;');
  assert.equal(orgs.out, '0');
  // Checking twice changes nothing and says the same.
  await assertIntact(db, 0);
});

test('an empty trail is still watched: an entry slipped into it is caught', async () => {
  const db = join(dir, 'slipped.db');
  await cliOk(['init', '--db', db]);
  await sqlite(
    db,
    'DROP TRIGGER audit_head_advance;' +
      "INSERT INTO audit(at,actor,action,resource,record_id,prev_hash,hash) " +
      "VALUES('2026-01-01T00:00:00Z','intruder','create','users',1,'0','0');",
  );
  await assertCaught(db, 'an entry inserted with the head left at 0');
});

test('a database whose trail was emptied is caught, not called fresh', async () => {
  const db = join(dir, 'emptied.db');
  await cliOk(['init', '--db', db]);
  await addUser(db, 'someone@check.example', 'officer');
  await assertIntact(db, 1);
  await sqlite(db, 'DROP TRIGGER audit_no_delete; DELETE FROM audit;');
  await assertCaught(db, 'every entry deleted');
});

test('a backup of a fresh database, restored, is intact', async () => {
  const db = join(dir, 'src.db');
  const copy = join(dir, 'restored.db');
  await cliOk(['init', '--db', db]);
  await cliOk(['backup', '--db', db, copy]);
  await assertIntact(copy, 0);
});

test('a database just migrated from an older schema is intact', async () => {
  // Schema 3, as a civdesk of that time left it (before the audit head existed); the
  // migration writes the head from the trail it finds.
  const db = join(dir, 'old.db');
  const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql')).sort();
  let sql = '';
  for (const f of files.slice(0, 3)) sql += (await readFile(join(MIGRATIONS, f), 'utf8')) + '\n';
  sql += 'PRAGMA user_version=3;\n';
  const made = await sqlite(db, sql);
  assert.equal(made.code, 0, made.err);
  await cliOk(['init', '--db', db]);
  await assertIntact(db, 0);
  await addUser(db, 'after@check.example', 'officer');
  await assertIntact(db, 1);
});
