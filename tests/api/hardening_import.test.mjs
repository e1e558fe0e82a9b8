// Hardening (issue 16, item 10): an import's answer is bounded and honest. An all-invalid
// upload of 200,000 rows with skip_invalid=true answers a small 422 whose "committed" is
// false (nothing was written), not a 32 MB report saying "committed": true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

test('200,000 invalid rows: a bounded 422 report with committed false', async () => {
  const rows = Array.from({ length: 200000 }, (_, i) => `Organisation number ${i} with a long enough name,ZZ`);
  const csv = 'name,country\n' + rows.join('\n') + '\n';
  const r = await srv.api('POST', '/api/v1/organisations/import?skip_invalid=true', {
    rawBody: csv,
    headers: { 'content-type': 'text/csv' },
  });
  assertProblem(r, 422);
  assert.ok(r.text.length < 256 * 1024, `the answer is ${r.text.length} bytes`);
  assert.equal(r.json.committed, false);
  assert.equal(r.json.imported, 0);
  assert.equal(r.json.invalid, 200000);
  assert.equal(r.json.errors_total, 200000);
  assert.ok(r.json.errors.length <= 100);
  assert.equal(r.json.rejects, null);
  assert.match(r.json.rejects_omitted, /--skip-invalid/);
  const list = await srv.api('GET', '/api/v1/organisations?count=true');
  assert.equal(list.json.total, 0);
});

test('a few invalid rows beside valid ones: committed true, the rejects returned', async () => {
  const csv = 'name,country\nGood one,FR\nBad one,ZZ\n';
  const r = await srv.api('POST', '/api/v1/organisations/import?skip_invalid=true', {
    rawBody: csv,
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.committed, true);
  assert.equal(r.json.imported, 1);
  assert.match(r.json.rejects, /Bad one/);
  // A file of duplicates only, all skipped: nothing written, so not "committed".
  const again = await srv.api('POST', '/api/v1/organisations/import?on_duplicate=skip', {
    rawBody: 'name,country\nGood one,FR\n',
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(again.json.imported, 0);
  assert.equal(again.json.committed, false);
});
