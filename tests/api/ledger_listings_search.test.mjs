// Listings imported from CSV are in the search index at once, and a re-import of the
// same body and date replaces them there too (no stale names, no reindex needed).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, cliOk } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

async function importListing(rows) {
  const file = join(srv.dir, `listing-${Date.now()}.csv`);
  await writeFile(file, 'name,country,status\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  await cliOk(['import', 'listing', '--db', srv.db, '--body', 'ECOSOC', '--as-of', '2017-09-01', file]);
}

async function found(q) {
  const r = await srv.api('GET', `/api/v1/search?q=${encodeURIComponent(q)}&types=listings`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.map((i) => i.title);
}

test('a listing import is searchable at once; its replacement leaves no stale names', async () => {
  await importListing([
    ['Zvezdochka Heritage Trust', 'GB', 'special'],
    ['Фонд «Полярная звезда»', 'RU', 'roster'],
  ]);
  assert.deepEqual(await found('Zvezdochka'), ['Zvezdochka Heritage Trust']);
  assert.equal((await found('полярной')).length, 1, 'Russian forms find the listed name');

  await importListing([['Aurora Borealis Network', 'NO', 'special']]);
  assert.deepEqual(await found('Zvezdochka'), [], 'the replaced listing left the index');
  assert.deepEqual(await found('Aurora'), ['Aurora Borealis Network']);
  const check = await cliOk(['check', '--db', srv.db]);
  assert.match(check.stdout + check.stderr, /ok|verified|intact/i);
});
