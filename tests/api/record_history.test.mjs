// Writing a record's JSON reads nothing (issue 18, item 6): the history of a record with
// states is loaded before its JSON is written, so a database that cannot give it is a
// 503 problem — never a 200 whose "history" is silently empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, sqlShell } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

// SQL behind civdesk's back, on either store (sqlite3 or psql).
async function sqlite(db, sql) {
  const r = await sqlShell(db, sql);
  if (r.code !== 0) throw new Error(r.err);
}

test('a history the database cannot read is a 503, not an empty history', async () => {
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Heritage Watch', country: 'FR' } });
  assert.equal(org.status, 201, org.text);
  const p = await srv.api('POST', '/api/v1/proposals', { body: { title: 'Heritage sites', text: 'Text', organisation_ids: [org.json.id] } });
  assert.equal(p.status, 201);
  const moved = await srv.api('POST', `/api/v1/proposals/${p.json.id}/transitions`, { body: { to: 'under_review' } });
  assert.equal(moved.status, 200);
  assert.equal(moved.json.history.length, 1);

  await sqlite(srv.db, 'ALTER TABLE transitions RENAME TO transitions_away;');
  assertProblem(await srv.api('GET', `/api/v1/proposals/${p.json.id}`), 503);

  await sqlite(srv.db, 'ALTER TABLE transitions_away RENAME TO transitions;');
  const back = await srv.api('GET', `/api/v1/proposals/${p.json.id}`);
  assert.equal(back.status, 200);
  assert.deepEqual(back.json.history.map((h) => h.to), ['under_review']);
});
