// The audit trail (issue 5, part 6): every change and sign-in recorded with before/after,
// listed newest first with filters for officers and admins, verified by admins through
// GET /api/v1/audit/verify and by `civdesk check`; any edited, deleted, inserted or
// reordered entry — done directly in the database (the sqlite3 shell, or psql on
// PostgreSQL), triggers dropped as an intruder would — is caught every time, naming the
// first bad entry.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, launch, cli, request, assertProblem, sqlShell, PASSWORD, OFFICER_EMAIL } from './lib/server.mjs';

const PG = process.env.CIVDESK_TEST_PG;

let srv;
let pristine; // a stopped copy of the database with a known trail
let entries;
let tokens;

const sqlite = (db, sql) => sqlShell(db, sql);

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd}: ${err}`))));
  });
}

// A copy of the frozen database: a file copy, or on PostgreSQL a database made from it as
// a template. Its connection string or path.
async function copyOf(from, name) {
  if (!PG) {
    const db = join(srv.dir, `${name}.db`);
    await copyFile(from, db);
    return db;
  }
  const template = from.match(/dbname=(\S+)/)[1];
  const db = `${template}_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  await run('createdb', ['--maintenance-db', `${PG} dbname=postgres`, '-T', template, db]);
  return `${PG} dbname=${db}`;
}

async function remove(db) {
  if (!PG) return rm(db);
  await run('dropdb', ['--maintenance-db', `${PG} dbname=postgres`, db.match(/dbname=(\S+)$/)[1]]);
}

async function tampered(name, sql, { dropTriggers = true } = {}) {
  const db = await copyOf(pristine, name);
  const drop = PG
    ? 'DROP TRIGGER audit_no_update ON audit; DROP TRIGGER audit_no_delete ON audit;\n'
    : 'DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;\n';
  const r = await sqlite(db, (dropTriggers ? drop : '') + sql);
  return { db, ...r };
}

async function check(db) {
  return cli(['check', '--db', db]);
}

before(async () => {
  srv = await startServer({ ngo: true });
  tokens = srv.tokens;
  // A trail with a bit of everything: creates, updates, a delete, a sign-in, a refusal.
  const org = (await srv.api('POST', '/api/v1/organisations', { body: { name: 'Audited', country: 'RU', city: 'Kazan' } })).json;
  await srv.api('PATCH', `/api/v1/organisations/${org.id}`, { body: { city: 'Samara' } });
  const p = (await srv.api('POST', '/api/v1/people', { token: tokens.ngo, body: { full_name: 'Old Name' } })).json;
  await srv.api('PATCH', `/api/v1/people/${p.id}`, { token: tokens.ngo, body: { full_name: 'New Name' } });
  await srv.api('DELETE', `/api/v1/people/${p.id}`, { token: tokens.ngo });
  await request(srv.url, 'POST', '/api/v1/session', { body: { email: OFFICER_EMAIL, password: PASSWORD } });
  await request(srv.url, 'POST', '/api/v1/session', { body: { email: OFFICER_EMAIL, password: 'wrong wrong wrong' } });
  await srv.api('GET', '/api/v1/users', { token: tokens.officer }); // refused, recorded
  srv.orgAudited = org.id;
  srv.person = p.id;
});

after(async () => {
  if (srv) await srv.stop();
});

test('changes are recorded with who, when, what and before/after; sign-ins without secrets', async () => {
  const r = await srv.api('GET', `/api/v1/audit?record=organisations/${srv.orgAudited}`);
  assert.equal(r.status, 200);
  const [update, create] = r.json.items;
  assert.equal(update.action, 'update');
  assert.equal(update.before.city, 'Kazan');
  assert.equal(update.after.city, 'Samara');
  assert.equal(update.actor, 'admin@test.example');
  assert.match(update.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(update.hash, /^[0-9a-f]{64}$/);
  assert.equal(update.prev_hash.length, 64);
  assert.equal(create.action, 'create');
  assert.equal(create.before, null);
  assert.ok(update.id > create.id, 'newest first');
  // The ngo's changes carry its organisation.
  const person = await srv.api('GET', `/api/v1/audit?resource=people&record_id=${srv.person}`);
  assert.deepEqual(person.json.items.map((e) => e.action), ['delete', 'update', 'create']);
  assert.ok(person.json.items.every((e) => e.organisation_id === srv.orgId && e.actor === 'ngo@test.example'));
  assert.equal(person.json.items[0].after, null);
  assert.equal(person.json.items[0].before.full_name, 'New Name');
  // Sign-ins and refusals, never a password or a token.
  const logins = await srv.api('GET', '/api/v1/audit?resource=users');
  const actions = logins.json.items.map((e) => e.action);
  assert.ok(actions.includes('login'));
  assert.ok(actions.includes('login_failed'));
  const refused = await srv.api('GET', '/api/v1/audit?action=refused');
  assert.ok(refused.json.items.some((e) => e.actor === OFFICER_EMAIL && e.after.path === '/api/v1/users' && e.after.status === 403));
  const all = await srv.api('GET', '/api/v1/audit?limit=500');
  for (const secret of [PASSWORD, 'wrong wrong wrong', tokens.admin, tokens.ngo, tokens.officer, 'argon2'])
    assert.ok(!all.text.includes(secret), `the trail contains ${secret.slice(0, 12)}…`);
});

test('filters: record, actor, action and time; pages with a cursor', async () => {
  const byActor = await srv.api('GET', '/api/v1/audit?actor=ngo@test.example');
  assert.ok(byActor.json.items.length >= 3);
  assert.ok(byActor.json.items.every((e) => e.actor === 'ngo@test.example'));
  const creates = await srv.api('GET', '/api/v1/audit?action=create&resource=organisations');
  assert.ok(creates.json.items.every((e) => e.action === 'create' && e.resource === 'organisations'));
  const today = new Date().toISOString().slice(0, 10);
  const todays = await srv.api('GET', `/api/v1/audit?from=${today}&to=${today}&limit=500`);
  const everything = await srv.api('GET', '/api/v1/audit?limit=500');
  assert.equal(todays.json.items.length, everything.json.items.length);
  const past = await srv.api('GET', '/api/v1/audit?to=2000-01-01');
  assert.equal(past.json.items.length, 0);
  const future = await srv.api('GET', '/api/v1/audit?from=2999-01-01T00:00:00Z');
  assert.equal(future.json.items.length, 0);
  const p1 = await srv.api('GET', '/api/v1/audit?limit=3');
  assert.equal(p1.json.items.length, 3);
  const p2 = await srv.api('GET', `/api/v1/audit?limit=3&cursor=${p1.json.next_cursor}`);
  assert.ok(p2.json.items[0].id < p1.json.items[2].id);
  for (const q of ['from=yesterday', 'record=organisations', 'record_id=x', 'limit=501', 'colour=red', 'to=2020-13-01'])
    assertProblem(await srv.api('GET', `/api/v1/audit?${q}`), 400);
});

test('officers and admins read the trail; only admins verify it', async () => {
  assert.equal((await srv.api('GET', '/api/v1/audit', { token: tokens.officer })).status, 200);
  assertProblem(await srv.api('GET', '/api/v1/audit', { token: tokens.ngo }), 403);
  assertProblem(await srv.api('GET', '/api/v1/audit', { token: null }), 401);
  assertProblem(await srv.api('GET', '/api/v1/audit/verify', { token: tokens.officer }), 403);
  const v = await srv.api('GET', '/api/v1/audit/verify');
  assert.equal(v.status, 200);
  assert.equal(v.json.ok, true);
  assert.equal(v.json.first_bad_id, null);
  assert.ok(v.json.checked > 5);
  assert.equal(v.json.head.entries, v.json.checked);
  assert.match(v.json.head.last_hash, /^[0-9a-f]{64}$/);
  // Freeze the trail for the tampering tests: stop this server, keep its database.
  const ok = await cli(['check', '--db', srv.db]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /intact/);
  await srv.stop({ keepDir: true });
  pristine = await copyOf(srv.db, 'pristine');
  entries = Number((await sqlite(pristine, 'SELECT count(*) FROM audit;')).out.trim());
  assert.equal(entries, v.json.checked);
  srv = { ...srv, stop: () => rm(srv.dir, { recursive: true, force: true }) };
});

test('the server itself cannot change the trail: updates and deletes are refused', async () => {
  const t = await tampered('naive', 'UPDATE audit SET actor=\'someone else\' WHERE id=2;\nDELETE FROM audit WHERE id=3;\n', { dropTriggers: false });
  assert.match(t.err, /append-only/);
  assert.equal((await check(t.db)).code, 0);
});

test('an edited entry is caught, whichever it is', async () => {
  for (let id = 1; id <= entries; id++) {
    for (const [column, value] of [['actor', "'intruder'"], ['after', "'{}'"], ['at', "'2020-01-01T00:00:00Z'"], ['record_id', 'record_id+1']]) {
      const t = await tampered(`edit-${id}-${column}`, `UPDATE audit SET ${column}=${value} WHERE id=${id};`);
      assert.equal(t.code, 0, t.err);
      const c = await check(t.db);
      assert.equal(c.code, 1, `edit of ${column} in entry ${id} not caught`);
      assert.match(c.stderr, new RegExp(`audit entry ${id}\\b.*edited`), c.stderr);
      await remove(t.db);
    }
  }
});

test('a deleted entry is caught, whichever it is — the last one too', async () => {
  for (let id = 1; id <= entries; id++) {
    const t = await tampered(`delete-${id}`, `DELETE FROM audit WHERE id=${id};`);
    const c = await check(t.db);
    assert.equal(c.code, 1, `deletion of entry ${id} not caught`);
    assert.match(c.stderr, new RegExp(`audit entry ${id}\\b.*missing`), c.stderr);
    await remove(t.db);
  }
});

test('reordered entries are caught', async () => {
  for (let id = 1; id < entries; id++) {
    const t = await tampered(`swap-${id}`, `UPDATE audit SET id=-1 WHERE id=${id}; UPDATE audit SET id=${id} WHERE id=${id + 1}; UPDATE audit SET id=${id + 1} WHERE id=-1;`);
    const c = await check(t.db);
    assert.equal(c.code, 1, `swap of ${id} and ${id + 1} not caught`);
    assert.match(c.stderr, new RegExp(`audit entry ${id}\\b`), c.stderr);
    await remove(t.db);
  }
});

test('inserted entries are caught: in the middle, and at the end', async () => {
  const copyRow = (newId, fromId) =>
    `INSERT INTO audit(id,at,actor_id,actor,org_id,action,resource,record_id,before,after,prev_hash,hash) ` +
    `SELECT ${newId},at,actor_id,actor,org_id,action,resource,record_id,before,after,prev_hash,hash FROM audit WHERE id=${fromId};`;
  const mid = Math.floor(entries / 2);
  // Make room after `mid` and put a copy of an entry there.
  const t = await tampered('insert-mid', `UPDATE audit SET id=id+1000 WHERE id>${mid}; UPDATE audit SET id=id-999 WHERE id>1000;\n${copyRow(mid + 1, 1)}`);
  assert.equal(t.code, 0, t.err);
  const c = await check(t.db);
  assert.equal(c.code, 1);
  assert.match(c.stderr, new RegExp(`audit entry ${mid + 1}\\b`), c.stderr);
  // At the end, with the chain hash even made to fit, the head gives it away.
  const last = (await sqlite(pristine, 'SELECT hash FROM audit ORDER BY id DESC LIMIT 1;')).out.trim();
  const e = await tampered('insert-end', `INSERT INTO audit(id,at,actor_id,actor,org_id,action,resource,record_id,before,after,prev_hash,hash) VALUES(${entries + 1},'2030-01-01T00:00:00Z',NULL,'intruder',NULL,'create','organisations',1,NULL,'{}','${last}','${'0'.repeat(64)}');`);
  assert.equal(e.code, 0, e.err);
  const c2 = await check(e.db);
  assert.equal(c2.code, 1);
  assert.match(c2.stderr, new RegExp(`audit entry ${entries + 1}\\b`), c2.stderr);
});

test('GET /api/v1/audit/verify names the first bad entry of a tampered trail', async () => {
  const t = await tampered('api', `UPDATE audit SET actor='intruder' WHERE id=3;`);
  const s = await launch(t.db, srv.dir);
  try {
    const v = await request(s.url, 'GET', '/api/v1/audit/verify', { token: tokens.admin });
    assert.equal(v.status, 200);
    assert.equal(v.json.ok, false);
    assert.equal(v.json.first_bad_id, 3);
    assert.match(v.json.detail, /audit entry 3/);
    assert.equal(v.json.checked, 2);
  } finally {
    await s.stop({ keepDir: true });
  }
  const d = await tampered('api-cut', `DELETE FROM audit WHERE id=${entries};`);
  const s2 = await launch(d.db, srv.dir);
  try {
    const v = await request(s2.url, 'GET', '/api/v1/audit/verify', { token: tokens.admin });
    assert.equal(v.json.ok, false);
    assert.equal(v.json.first_bad_id, entries);
  } finally {
    await s2.stop({ keepDir: true });
  }
});
