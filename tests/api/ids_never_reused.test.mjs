// Ids are never reused (migration 0017): after the newest record of a table is deleted,
// the next record gets a new id, not the deleted one — through the API, the CLI and an
// import alike — so a link, a bookmark, an audit entry or another system's reference to
// the deleted record never silently points at a different one, and `civdesk check` does
// not report a deleted record as "yet there".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, launch, cli, cliOk, addUser, sqlShell } from './lib/server.mjs';

const PG = Boolean(process.env.CIVDESK_TEST_PG);

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

async function created(path, body) {
  const r = await srv.api('POST', path, { body });
  assert.equal(r.status, 201, `POST ${path}: ${r.text}`);
  return r.json.id;
}

async function deleted(path) {
  const r = await srv.api('DELETE', path);
  assert.equal(r.status, 204, `DELETE ${path}: ${r.text}`);
}

async function intact() {
  const r = await cli(['check', '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /is intact/);
}

async function sql(db, text) {
  const r = await sqlShell(db, text);
  if (r.code !== 0) throw new Error(r.err);
  return r.out;
}

// Creates two under `path`, deletes the newest, creates one more: the new id is above
// every id given before, and the deleted id stays gone (404), not the new record.
async function neverReused(path, body) {
  const a = await created(path, body(1));
  const b = await created(path, body(2));
  assert.ok(b > a);
  await deleted(`${path}/${b}`);
  const c = await created(path, body(3));
  assert.ok(c > b, `${path}: the new record got id ${c}, the deleted one had ${b}`);
  assert.equal((await srv.api('GET', `${path}/${b}`)).status, 404, `${path}/${b} is deleted`);
  assert.equal((await srv.api('GET', `${path}/${c}`)).status, 200);
  return { a, b, c };
}

test('organisations, accreditations, meetings and their actions: a deleted id is never given again', async () => {
  await neverReused('/api/v1/organisations', (n) => ({ name: `Reuse ${n}`, country: 'FR' }));
  const org = await created('/api/v1/organisations', { name: 'Holder', country: 'DE' });
  const bodies = ['ECOSOC', 'UNESCO', 'COE'];
  const statuses = { ECOSOC: 'special', UNESCO: 'consultative', COE: 'participatory' };
  await neverReused('/api/v1/accreditations', (n) => ({
    organisation_id: org,
    body: bodies[n - 1],
    status: statuses[bodies[n - 1]],
    granted_on: '2020-07-01',
    state: 'active',
  }));
  const meeting = await created('/api/v1/meetings', { kind: 'consultation', title: 'Reuse', starts_at: '2026-03-01T10:00:00Z' });
  await neverReused(`/api/v1/meetings/${meeting}/actions`, (n) => ({ text: `Action ${n}` }));
  await intact();
});

test('an application question, a sub-record, is never given a deleted id', async () => {
  const org = await created('/api/v1/organisations', { name: 'Applicant', country: 'FR', founded_on: '2001-01-01' });
  const app = await created('/api/v1/applications', { organisation_id: org, body: 'ECOSOC', requested_status: 'special' });
  for (const to of ['filed', 'under_review', 'deferred']) {
    const r = await srv.api('POST', `/api/v1/applications/${app}/transitions`, { body: { to } });
    assert.equal(r.status, 200, r.text);
  }
  await neverReused(`/api/v1/applications/${app}/questions`, (n) => ({ question: `Question ${n}?` }));
  await intact();
});

test('an import after the newest accreditation was deleted: new ids, and check stays intact', async () => {
  const org = await created('/api/v1/organisations', { name: 'Imported holder', country: 'IT' });
  const x = await created('/api/v1/accreditations', { organisation_id: org, body: 'ECOSOC', status: 'roster', state: 'active' });
  const y = await created('/api/v1/accreditations', { organisation_id: org, body: 'UNESCO', status: 'consultative', state: 'active' });
  await deleted(`/api/v1/accreditations/${y}`);
  const csv = join(srv.dir, 'acc.csv');
  await writeFile(csv, `organisation_id,body,status,granted_on,state\n${org},COE,participatory,2021-01-01,active\n`);
  await cliOk(['import', 'accreditations', csv, '--db', srv.db]);
  const list = (await srv.api('GET', `/api/v1/accreditations?organisation_id=${org}`)).json.items;
  const ids = list.map((r) => r.id).sort((p, q) => p - q);
  assert.equal(ids.length, 2);
  assert.equal(ids[0], x);
  assert.ok(ids[1] > y, `the imported accreditation got id ${ids[1]}, the deleted one had ${y}`);
  assert.equal((await srv.api('GET', `/api/v1/accreditations/${y}`)).status, 404);

  // The same for organisations imported after the newest one was deleted.
  const o1 = await created('/api/v1/organisations', { name: 'Before import', country: 'ES' });
  await deleted(`/api/v1/organisations/${o1}`);
  const orgs = join(srv.dir, 'orgs.csv');
  await writeFile(orgs, 'name,country\nImported after delete,ES\n');
  await cliOk(['import', 'organisations', orgs, '--db', srv.db]);
  const found = (await srv.api('GET', '/api/v1/organisations?country=ES')).json.items;
  assert.equal(found.length, 1);
  assert.ok(found[0].id > o1, `the imported organisation got id ${found[0].id}, the deleted one had ${o1}`);
  assert.equal((await srv.api('GET', `/api/v1/organisations/${o1}`)).status, 404);
  await intact();
});

test('a revoked token\'s id is not given to the next token', async () => {
  const make = async (label) =>
    (await cliOk(['token', 'create', '--db', srv.db, '--email', 'officer@test.example', '--label', label])).stdout.trim();
  await make('first');
  await make('second');
  const mine = async () => (await srv.api('GET', '/api/v1/tokens')).json.items.filter((t) => t.email === 'officer@test.example');
  const before = await mine();
  const newest = Math.max(...before.map((t) => t.id));
  await deleted(`/api/v1/tokens/${newest}`);
  const third = await make('third');
  const after = await mine();
  const made = after.find((t) => t.name === 'third');
  assert.ok(made.id > newest, `the new token got id ${made.id}, the revoked one had ${newest}`);
  const me = await srv.api('GET', '/api/v1/me', { token: third });
  assert.equal(me.status, 200);
  await intact();
});

test('a user removed outside civdesk does not give its id to the next user', async () => {
  // civdesk disables users rather than deleting them; a row removed in the sqlite3 shell
  // must still not hand its id (named by its audit entries) to someone else. (The sqlite3
  // shell leaves foreign keys unchecked; psql as the cluster's superuser does so with
  // session_replication_role, the user's outbox rows left dangling alike.)
  await addUser(srv.db, 'gone@test.example', 'officer');
  const users = (await srv.api('GET', '/api/v1/users?limit=500')).json.items;
  const gone = users.find((u) => u.email === 'gone@test.example').id;
  assert.equal(gone, Math.max(...users.map((u) => u.id)));
  await sql(srv.db, `${PG ? 'SET session_replication_role = replica; ' : ''}DELETE FROM users WHERE id=${gone};`);
  await addUser(srv.db, 'next@test.example', 'officer');
  const next = (await srv.api('GET', '/api/v1/users?limit=500')).json.items.find((u) => u.email === 'next@test.example');
  assert.ok(next.id > gone, `the new user got id ${next.id}, the removed one had ${gone}`);
});

test('an existing database: the migration keeps ids the audit trail gave to newest records already deleted', async () => {
  // A database as the schema before migration 0017 left it: the newest organisation,
  // meeting and token deleted, nothing above them in the tables — only the audit trail
  // names their ids.
  const old = await startServer();
  let revived;
  try {
    const call = (m, p, body) => old.api(m, p, { body });
    const keep = (await call('POST', '/api/v1/organisations', { name: 'Kept', country: 'FR' })).json.id;
    const gone = (await call('POST', '/api/v1/organisations', { name: 'Gone', country: 'FR' })).json.id;
    assert.equal((await call('DELETE', `/api/v1/organisations/${gone}`)).status, 204);
    const meeting = (await call('POST', '/api/v1/meetings', { kind: 'other', title: 'Gone', starts_at: '2026-01-01T10:00:00Z' })).json.id;
    assert.equal((await call('DELETE', `/api/v1/meetings/${meeting}`)).status, 204);
    const tokens = (await old.api('GET', '/api/v1/tokens')).json.items;
    const goneToken = Math.max(...tokens.map((t) => t.id));
    assert.equal((await call('DELETE', `/api/v1/tokens/${goneToken}`)).status, 204);
    await old.stop({ keepDir: true });

    // SQLite before 0017: no AUTOINCREMENT, no sqlite_sequence. PostgreSQL's identity
    // sequences never go back by themselves; what 0017 guards against there is a database
    // whose rows came with explicit ids (a copy), leaving the sequences behind: set them
    // back to the highest id left and the version to 16.
    const marks = PG
      ? async () =>
          Object.fromEntries(
            await Promise.all(
              ['organisations', 'meetings', 'tokens'].map(async (t) => [
                t,
                (await sql(old.db, `SELECT last_value FROM ${t}_id_seq;`)).trim(),
              ]),
            ),
          )
      : async () =>
          Object.fromEntries(
            (await sql(old.db, 'SELECT name, seq FROM sqlite_sequence;')).trim().split('\n').map((l) => l.split('|')),
          );
    const versionSql = PG ? 'SELECT max(version) FROM civdesk_schema;' : 'PRAGMA user_version;';
    const version = Number((await sql(old.db, versionSql)).trim());
    if (PG) {
      await sql(
        old.db,
        `SELECT setval('organisations_id_seq', ${keep});
         SELECT setval('meetings_id_seq', 1, false);
         SELECT setval('tokens_id_seq', (SELECT max(id) FROM tokens));
         UPDATE civdesk_schema SET version=${version - 1};`,
      );
      assert.equal((await marks()).organisations, String(keep));
    } else {
      await sql(
        old.db,
        `PRAGMA writable_schema=ON;
         UPDATE sqlite_schema SET sql=replace(sql, ' AUTOINCREMENT', '') WHERE type='table';
         PRAGMA writable_schema=OFF;
         DELETE FROM sqlite_sequence;
         PRAGMA user_version=${version - 1};`,
      );
      assert.equal((await sql(old.db, "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%AUTOINCREMENT%';")).trim(), '0');
    }

    await cliOk(['init', '--db', old.db]);
    assert.equal((await sql(old.db, versionSql)).trim(), String(version));
    const seq = await marks();
    assert.equal(Number(seq.organisations), gone);
    assert.equal(Number(seq.meetings), meeting);
    assert.equal(Number(seq.tokens), goneToken);
    assert.ok(gone > keep);

    const check = await cli(['check', '--db', old.db]);
    assert.equal(check.code, 0, check.stdout + check.stderr);

    revived = await launch(old.db, old.dir);
    const opts = (body) => ({ body, token: old.tokens.admin });
    const org = await revived.api('POST', '/api/v1/organisations', opts({ name: 'After migration', country: 'FR' }));
    assert.equal(org.status, 201, org.text);
    assert.ok(org.json.id > gone, `the new organisation got id ${org.json.id}, the deleted one had ${gone}`);
    const m = await revived.api('POST', '/api/v1/meetings', opts({ kind: 'other', title: 'New', starts_at: '2026-02-01T10:00:00Z' }));
    assert.ok(m.json.id > meeting);
    assert.equal((await revived.api('GET', `/api/v1/organisations/${gone}`, { token: old.tokens.admin })).status, 404);
    const after = await cli(['check', '--db', old.db]);
    assert.equal(after.code, 0, after.stdout + after.stderr);
  } finally {
    await revived?.stop();
  }
});
