// Import and export on the organisations page (issue 8): an administrator uploads a CSV
// and sees which rows failed and why (nothing imported), then imports the valid rows
// and downloads the ones set aside; the list is downloaded as CSV and as an Excel file
// with the filters it shows; an officer may export but is offered no import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startDemo, openBrowser, signIn, assertAccessible, screenshot, missingLabels } from './lib/ui.mjs';
import { createToken } from '../api/lib/server.mjs';

let env;
let browser;
let page;
let token;
before(async () => {
  env = await startDemo();
  token = await createToken(env.db, env.logins.admin.email);
  browser = await openBrowser();
  page = await browser.page();
  await signIn(page, env, 'admin');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

const total = async (query = '') => (await env.api('GET', `/api/v1/organisations?count=true&limit=1${query}`, { token })).json.total;

const CSV = [
  'name,country,city,areas',
  'Импорт проверка один,RU,Казань,education|youth', // 2
  'Import check two,XX,Paris,', // 3: no such country
  ',FR,Lyon,', // 4: no name
  'Import check four,DE,Berlin,', // 5
].join('\n') + '\n';

async function upload({ skip }) {
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dlg = page.getByRole('dialog', { name: 'Import organisations from a CSV file' });
  await dlg.waitFor();
  await dlg.getByLabel('CSV file').setInputFiles({ name: 'partners.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  if (skip) await dlg.getByLabel('Import the valid rows and set the invalid ones aside').check();
  await dlg.getByRole('button', { name: 'Upload and import' }).click();
  await page.getByRole('heading', { name: 'Import of partners.csv' }).waitFor();
}

// The rows of the failed-rows table: [line, field, problem].
async function failedRows() {
  const table = page.locator('.import-report table.data').first();
  return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
}

test('an administrator imports a CSV: the report names each failed row, then the valid ones go in', async () => {
  await page.goto(`${env.url}/organisations`);
  await page.getByText(/^1–25 of [\d,]+$/).waitFor();
  const before = await total();

  // All or nothing: two bad rows, nothing imported, each named with its line and field.
  await upload({ skip: false });
  const report = page.locator('.import-report');
  assert.match(await report.innerText(), /Nothing was imported from partners\.csv: 2 of its 4 rows are not valid/);
  assert.deepEqual(
    (await failedRows()).map(([line, field]) => [line, field]),
    [['3', 'Country'], ['4', 'Name']],
  );
  const rows = await failedRows();
  assert.match(rows[0][2], /ISO 3166-1 alpha-2/);
  assert.match(rows[1][2], /is required/);
  assert.equal(await total(), before);
  await assertAccessible(page, 'an import report');
  await screenshot(page, 'import-report');

  // The valid rows only; the others come back as a file to fix.
  await upload({ skip: true });
  assert.match(await report.innerText(), /New records imported: 2 \(from 4 rows in partners\.csv\)/);
  assert.match(await report.innerText(), /Invalid rows set aside: 2\./);
  assert.deepEqual((await failedRows()).map(([line]) => line), ['3', '4']);
  assert.equal(await total(), before + 2);
  await page.getByText(new RegExp(`^1–25 of ${(before + 2).toLocaleString('en-GB')}$`)).waitFor(); // the list was reloaded
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download the rows set aside/ }).click()]);
  assert.equal(download.suggestedFilename(), 'rejected-partners.csv');
  const rejects = await readFile(await download.path(), 'utf8');
  assert.match(rejects, /^name,country,city,areas,error\r\n/);
  assert.match(rejects, /\r\nImport check two,XX,Paris,,"?country: must be/);
  assert.equal(rejects.trimEnd().split('\r\n').length, 3);
  const imported = await env.api('GET', `/api/v1/organisations?q=${encodeURIComponent('Импорт проверка')}`, { token });
  assert.deepEqual(imported.json.items.map((o) => [o.city, o.areas]), [['Казань', ['education', 'youth']]]);
  assert.deepEqual(await missingLabels(page), []);
});

test('the list downloads as CSV and as an Excel file, with the filters it shows', async () => {
  await page.goto(`${env.url}/organisations`);
  await page.getByLabel('Country').selectOption('FR');
  await page.waitForURL(/country=FR/);
  await page.getByText(/^1–\d+ of [\d,]+$/).waitFor();
  const want = await total('&country=FR');
  assert.ok(want > 0);

  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  assert.match(csv.suggestedFilename(), /^organisations-\d{4}-\d{2}-\d{2}\.csv$/);
  const raw = await readFile(await csv.path(), 'utf8');
  // For Excel: a byte order mark first, so it reads the letters as UTF-8.
  assert.equal(raw.charCodeAt(0), 0xfeff);
  const text = raw.slice(1);
  const lines = text.trimEnd().split('\r\n');
  // For a person: the columns named as the page names them (labels=en), not by field names.
  assert.match(lines[0], /^No\.,Name,/);
  assert.match(lines[0], /,Created,Last changed,Version$/);
  const country = lines[0].split(',').indexOf('Country');
  assert.ok(country > 0);
  // Each record on one line unless a cell holds a line break; count records by their id.
  const records = lines.slice(1).filter((l) => /^\d+,/.test(l));
  assert.equal(records.length, want);
  assert.ok(records.every((l) => l.split(',')[country] === 'FR' || /"/.test(l)), 'only French organisations');

  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export Excel' }).click()]);
  assert.match(xlsx.suggestedFilename(), /^organisations-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const bytes = await readFile(await xlsx.path());
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a ZIP (XLSX) file');
  assert.ok(bytes.includes(Buffer.from('xl/worksheets/sheet1.xml')));
});

test('an officer may export but is offered no import', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await signIn(p, env, 'officer');
    await p.goto(`${env.url}/organisations`);
    await p.getByRole('link', { name: 'Export CSV' }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'Import CSV' }).count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
  assert.deepEqual(browser.errors, []);
});
