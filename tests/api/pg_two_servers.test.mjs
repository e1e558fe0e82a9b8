// Two servers on one PostgreSQL database (issue 19): what SQLite's single writer gave for
// free holds across servers — the rules spanning rows (one current accreditation per
// organisation and body; one person in overlapping delegations), and one audit chain
// that verifies however the writes interleave. Only a PostgreSQL run has a database two
// servers can share; on SQLite the file has one writer process by design.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, request } from './lib/server.mjs';

const PG = process.env.CIVDESK_TEST_PG;
const skip = !PG && 'two servers share a database on PostgreSQL only (CIVDESK_TEST_PG)';

let a;
let b;
after(async () => {
  if (b) await b.stop({ keepDir: true });
  if (a) await a.stop();
});

// The same request through either server, alternately.
function either(i, method, path, body) {
  const s = i % 2 ? b : a;
  return request(s.url, method, path, { body, token: a.tokens.admin });
}

test('two servers, one database: accreditations, delegations and the audit chain hold', { skip, timeout: 120000 }, async () => {
  a = await startServer({ threads: 4 });
  b = await launch(a.db, a.dir, 4);
  const org = await either(0, 'POST', '/api/v1/organisations', { name: 'Shared', country: 'RU' });
  assert.equal(org.status, 201, org.text);

  // One current accreditation per organisation and body: ten at once, through both.
  const accs = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      either(i, 'POST', '/api/v1/accreditations', { organisation_id: org.json.id, body: 'ECOSOC', status: 'special', granted_on: '2020-07-01' }),
    ),
  );
  const codes = accs.map((r) => r.status);
  assert.equal(codes.filter((c) => c === 201).length, 1, `statuses: ${codes}`);
  assert.equal(codes.filter((c) => c === 409).length, 9, `statuses: ${codes}`);

  // One person, two overlapping delegations, both at once: one of the two joins.
  const person = await either(1, 'POST', '/api/v1/people', { full_name: 'Эксперт' });
  assert.equal(person.status, 201, person.text);
  const d1 = await either(0, 'POST', '/api/v1/delegations', { forum: 'UNGA 71', body: 'UNGA', starts_on: '2016-09-13', ends_on: '2016-12-23' });
  const d2 = await either(1, 'POST', '/api/v1/delegations', { forum: 'HRC 33', body: 'UNHRC', starts_on: '2016-09-13', ends_on: '2016-09-30' });
  assert.equal(d1.status, 201, d1.text);
  assert.equal(d2.status, 201, d2.text);
  const joins = await Promise.all([
    either(0, 'POST', `/api/v1/delegations/${d1.json.id}/members`, { person_id: person.json.id, role: 'expert' }),
    either(1, 'POST', `/api/v1/delegations/${d2.json.id}/members`, { person_id: person.json.id, role: 'expert' }),
  ]);
  assert.deepEqual(joins.map((r) => r.status).sort(), [201, 409], joins.map((r) => r.text).join('\n'));

  // Many writes through both: every one is in one chain, which verifies.
  const made = await Promise.all(
    Array.from({ length: 40 }, (_, i) => either(i, 'POST', '/api/v1/organisations', { name: `Org ${i}`, country: 'FR' })),
  );
  assert.ok(made.every((r) => r.status === 201), made.map((r) => r.status).join(','));
  for (const s of [a, b]) {
    const v = await request(s.url, 'GET', '/api/v1/audit/verify', { token: a.tokens.admin });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.ok, true, v.text);
    assert.equal(v.json.head.entries, v.json.checked);
    assert.ok(v.json.checked >= 46, `${v.json.checked} entries`);
  }
});
