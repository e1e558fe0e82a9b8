// Hardening (issue 16, item 9): direct edits of the database are noticed. `civdesk check`
// and GET /api/v1/audit/verify?deep=true compare every live row with its last audited
// image and name each row that differs or has no entry; imported rows (covered by their
// import's entry) and reference rows the migrations seeded are not faults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, cli, cliOk, sqlShell } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

async function sqlite(db, sql) {
  const r = await sqlShell(db, sql); // sqlite3, or psql on a PostgreSQL run
  if (r.code !== 0) throw new Error(r.err);
}

test('records made through civdesk, and an import, check intact (CLI and API)', async () => {
  const o = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Checked', country: 'FR' } });
  const etag = o.headers.get('etag');
  await srv.api('PATCH', `/api/v1/organisations/${o.json.id}`, { body: { city: 'Lyon' }, headers: { 'if-match': etag } });
  await srv.api('POST', '/api/v1/people', { body: { full_name: 'Anna', organisation_id: o.json.id } });
  const csv = join(srv.dir, 'orgs.csv');
  await writeFile(csv, 'name,country\nImported A,DE\nImported B,DE\n');
  await cliOk(['import', 'organisations', csv, '--db', srv.db]);
  const r = await cliOk(['check', '--db', srv.db]);
  assert.match(r.stdout, /is intact/);
  assert.match(r.stdout, /rows match their last audited image/);
  const v = await srv.api('GET', '/api/v1/audit/verify?deep=true');
  assert.equal(v.status, 200);
  assert.equal(v.json.ok, true, JSON.stringify(v.json));
  assert.equal(v.json.deep.faults_total, 0);
  assert.ok(v.json.deep.checked >= 8);
});

test('UPDATE users SET role, a changed field and an inserted row are each named', async () => {
  const ngo = (await srv.api('GET', '/api/v1/users?limit=500')).json.items.find((u) => u.email === 'ngo@test.example');
  await sqlite(
    srv.db,
    `UPDATE users SET role='admin', organisation_id=NULL WHERE id=${ngo.id};
     UPDATE organisations SET city='Elsewhere' WHERE name='Checked';
     INSERT INTO people(full_name,created_at,updated_at,version) VALUES('Ghost','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);`,
  );
  const r = await cli(['check', '--db', srv.db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`users ${ngo.id}: role differs from its last audited image`));
  assert.match(r.stderr, /organisations \d+: city differs/);
  assert.match(r.stderr, /people \d+: has no audit entry/);
  assert.match(r.stderr, /3 of \d+ rows were written outside civdesk/);
  const v = await srv.api('GET', '/api/v1/audit/verify?deep=true');
  assert.equal(v.json.ok, false);
  assert.equal(v.json.deep.faults_total, 3);
  assert.deepEqual(v.json.deep.faults.map((f) => f.resource).sort(), ['organisations', 'people', 'users']);
  // Without deep, the chain alone is still intact.
  assert.equal((await srv.api('GET', '/api/v1/audit/verify')).json.ok, true);
  assert.equal((await srv.api('GET', '/api/v1/audit/verify?deep=maybe')).status, 400);
});
