// Hardening (issue 16, item 6): refusals of signed-in callers are in the audit trail —
// an NGO probing other organisations' ids (404) as much as a forbidden route (403) — and a
// flood of them is aggregated: one entry when a kind of refusal starts in a 10-minute
// window, then one each time its count reaches 10, 100, 1000 …, so it cannot fill the disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, pool } from './lib/server.mjs';

let srv, other;
before(async () => {
  srv = await startServer({ ngo: true });
  const r = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Someone else', country: 'FR' } });
  other = r.json.id;
});
after(() => srv?.stop());

const refused = async () =>
  (await srv.api('GET', '/api/v1/audit?action=refused&limit=500')).json.items.filter((e) => e.actor === 'ngo@test.example');

test("an NGO reading another organisation's private record: 404, and the trail says so", async () => {
  const r = await srv.api('GET', `/api/v1/organisations/${other}`, { token: srv.tokens.ngo });
  assert.equal(r.status, 404);
  const entries = await refused();
  assert.equal(entries.length, 1, JSON.stringify(entries));
  const e = entries[0];
  assert.equal(e.after.status, 404);
  assert.equal(e.after.path, `/api/v1/organisations/${other}`);
  assert.equal(e.resource, 'organisations');
  assert.equal(e.after.count, 1);
});

test('a flood of 404 probes leaves a handful of entries that count it', async () => {
  const ids = Array.from({ length: 300 }, (_, i) => 100000 + i);
  const rs = await pool(ids, 8, (id) => srv.api('GET', `/api/v1/people/${id}`, { token: srv.tokens.ngo }));
  assert.ok(rs.every((r) => r.status === 404));
  const people = (await refused()).filter((e) => e.resource === 'people');
  assert.ok(people.length >= 2 && people.length <= 4, `${people.length} entries for 300 probes`);
  const counts = people.map((e) => e.after.count).sort((a, b) => a - b);
  assert.deepEqual(counts.slice(0, 3), [1, 10, 100]);
  // Officers' and admins' own 404s (typos) are not refusals of access and are not listed.
  await srv.api('GET', '/api/v1/organisations/999999', { token: srv.tokens.officer });
  const officer = (await srv.api('GET', '/api/v1/audit?action=refused&limit=500')).json.items.filter(
    (e) => e.actor === 'officer@test.example',
  );
  assert.equal(officer.length, 0);
});
