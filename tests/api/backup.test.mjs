// `civdesk backup FILE` while writers keep writing, then a restore done the way
// docs/operations.md says (stop, move the old file and its -wal/-shm away, copy the
// backup in, start). What must hold:
//   - writes were acknowledged while the backup ran (so the test means something);
//   - the copy passes `civdesk check` (integrity and the audit chain);
//   - it holds every write acknowledged before the backup began, exactly;
//   - it is one moment: ids are given in commit order, so the test's records in the copy
//     are exactly those up to some id — never a later write without an earlier one;
//   - restored, the server serves the copy, the writes after it are gone, new writes work,
//     and `civdesk check` still passes.
// And a backup that cannot be written fails loudly and leaves no file behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFile, rename, rm, readdir, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { startServer, launch, cli, cliOk, request } from './lib/server.mjs';

// civdesk backup copies a SQLite database; on PostgreSQL it refuses and names pg_dump (the
// last test), so the tests of the copy itself are SQLite's by nature.
const BACKUP_SQLITE_ONLY = process.env.CIVDESK_TEST_PG ? 'civdesk backup copies SQLite databases; on PostgreSQL it refuses (tested below)' : false;

const WRITERS = 6;

function payload(k) {
  return {
    name: `Резервная копия «${k}» Backup Society`,
    country: ['RU', 'FR', 'DE', 'IN'][k % 4],
    registration_no: `BACKUP-${k}`,
    city: k % 3 ? 'Женева' : 'Geneva',
    areas: ['backup', `b${k % 5}`],
    public: k % 2 === 0,
  };
}

function assertSame(stored, k) {
  for (const [f, v] of Object.entries(payload(k))) assert.deepEqual(stored[f], v, `field ${f} of write ${k}`);
}

// Every organisation of the server at url, by registration_no.
async function allOrganisations(url, token) {
  const out = new Map();
  let cursor = null;
  for (;;) {
    const qs = new URLSearchParams({ limit: '500' });
    if (cursor) qs.set('cursor', cursor);
    const r = await request(url, 'GET', `/api/v1/organisations?${qs}`, { token });
    assert.equal(r.status, 200, r.text);
    for (const o of r.json.items) out.set(o.registration_no, o);
    cursor = r.json.next_cursor;
    if (!cursor) return out;
  }
}

async function until(cond, what, ms = 60000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('backup during concurrent writes: complete, consistent, restorable', { timeout: 10 * 60 * 1000, skip: BACKUP_SQLITE_ONLY }, async () => {
  const srv = await startServer({ threads: 4 });
  const acked = []; // {k, id, at}: in acknowledgement order
  let stop = false;
  let next = 1;
  const writer = async () => {
    while (!stop) {
      const k = next++;
      const r = await srv.api('POST', '/api/v1/organisations', { body: payload(k) });
      assert.equal(r.status, 201, `write ${k}: ${r.text}`);
      acked.push({ k, id: r.json.id, at: performance.now() });
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  const byId = () => [...acked].sort((a, b) => a.id - b.id);

  // A few hundred records first, so the copy is not instant; then back up while the
  // writers go on. Up to three tries to catch writes acknowledged during the backup.
  let copy, began, ended, during = 0;
  for (let attempt = 0; attempt < 3 && during === 0; attempt++) {
    await until(() => acked.length >= 600 * (attempt + 1), 'the first writes');
    copy = join(srv.dir, `backup-${attempt}.db`);
    began = performance.now();
    const b = await cliOk(['backup', '--db', srv.db, copy]);
    ended = performance.now();
    assert.match(b.stdout, /backed up/);
    during = acked.filter((a) => a.at > began && a.at < ended).length;
  }
  const atEnd = acked.length;
  await until(() => acked.length >= atEnd + 100, 'writes after the backup');
  stop = true;
  await Promise.all(writers);
  assert.ok(during > 0, 'no write was acknowledged while the backup ran (three tries)');
  const before = acked.filter((a) => a.at < began);
  console.log(`backup: ${before.length} writes acknowledged before it began, ${during} while it ran, ${acked.length} in all`);

  // The copy: checks, and is a whole database on its own (no -wal beside it).
  const check = await cli(['check', '--db', copy]);
  assert.equal(check.code, 0, `civdesk check on the backup:\n${check.stdout}${check.stderr}`);
  const leftovers = (await readdir(srv.dir)).filter((f) => f.includes('.partial-'));
  assert.deepEqual(leftovers, [], 'a partial file was left beside the backup');

  const token = srv.tokens.admin;
  const copySrv = await launch(copy, srv.dir, 2);
  const inCopy = await allOrganisations(copySrv.url, token);
  await copySrv.stop({ keepDir: true });

  for (const a of before) {
    const o = inCopy.get(`BACKUP-${a.k}`);
    assert.ok(o, `write ${a.k} (id ${a.id}) was acknowledged before the backup began but is not in it`);
    assert.equal(o.id, a.id);
    assertSame(o, a.k);
  }
  // One moment: the test's records in the copy are exactly those up to the largest id
  // it holds.
  const maxId = Math.max(...[...inCopy.values()].map((o) => o.id));
  for (const a of byId()) {
    const present = inCopy.has(`BACKUP-${a.k}`);
    assert.equal(present, a.id <= maxId, `write ${a.k} (id ${a.id}) ${present ? 'is' : 'is not'} in a copy that ends at id ${maxId}`);
  }
  assert.equal(inCopy.size, acked.filter((a) => a.id <= maxId).length, 'records in the copy that nobody wrote');
  const lost = acked.filter((a) => a.id > maxId).length;
  assert.ok(lost > 0, 'the copy holds every write, even those made after it: not a point-in-time copy?');

  // Restore, as docs/operations.md says.
  await srv.stop({ keepDir: true });
  await rename(srv.db, `${srv.db}.replaced`);
  await rm(`${srv.db}-wal`, { force: true });
  await rm(`${srv.db}-shm`, { force: true });
  await copyFile(copy, srv.db);
  const restored = await launch(srv.db, srv.dir, 2);
  try {
    const r = await request(restored.url, 'GET', '/api/v1/organisations?count=true&limit=1', { token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, inCopy.size, 'the restored server holds the copy');
    const gone = acked.find((a) => a.id > maxId);
    const g = await request(restored.url, 'GET', `/api/v1/organisations/${gone.id}`, { token });
    assert.equal(g.status, 404, 'a write made after the backup survived the restore');
    const w = await request(restored.url, 'POST', '/api/v1/organisations', { token, body: payload(999999) });
    assert.equal(w.status, 201, `writing after the restore: ${w.text}`);
    const v = await request(restored.url, 'GET', '/api/v1/audit/verify', { token });
    assert.equal(v.json.ok, true, `the audit chain after the restore: ${v.text}`);
  } finally {
    await restored.stop({ keepDir: true });
  }
  const after = await cli(['check', '--db', srv.db]);
  assert.equal(after.code, 0, `civdesk check after the restore:\n${after.stdout}${after.stderr}`);
  await rm(srv.dir, { recursive: true, force: true });
});

test('a backup that cannot be written fails and leaves nothing that looks like one', { skip: BACKUP_SQLITE_ONLY }, async () => {
  const srv = await startServer({ threads: 1 });
  try {
    const missing = join(srv.dir, 'no-such-dir', 'backup.db');
    const r = await cli(['backup', '--db', srv.db, missing]);
    assert.notEqual(r.code, 0, 'backup into a missing directory succeeded?');
    assert.match(r.stderr, /backup|cannot/i);
    await assert.rejects(stat(missing));

    const notDb = join(srv.dir, 'not-a-db');
    await copyFile(new URL(import.meta.url), notDb);
    const r2 = await cli(['backup', '--db', notDb, join(srv.dir, 'x.db')]);
    assert.notEqual(r2.code, 0, 'a file that is not a civdesk database was backed up');
    await assert.rejects(stat(join(srv.dir, 'x.db')));

    // Over an existing file: replaced whole, and the result checks.
    const target = join(srv.dir, 'daily.db');
    await copyFile(new URL(import.meta.url), target);
    await cliOk(['backup', '--db', srv.db, target]);
    await cliOk(['check', '--db', target]);
  } finally {
    await srv.stop();
  }
});

// On PostgreSQL, backup is PostgreSQL's own tools' job: civdesk says which and copies
// nothing (docs/operations.md).
test('backup of a PostgreSQL database refuses and names pg_dump and pg_basebackup', { skip: !process.env.CIVDESK_TEST_PG && 'PostgreSQL run only (CIVDESK_TEST_PG)' }, async () => {
  const srv = await startServer({ threads: 1 });
  try {
    const target = join(srv.dir, 'copy.db');
    const r = await cli(['backup', '--db', srv.db, target]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /pg_dump/);
    assert.match(r.stderr, /pg_basebackup/);
    assert.equal((await readdir(srv.dir)).includes('copy.db'), false);
  } finally {
    await srv.stop();
  }
});
