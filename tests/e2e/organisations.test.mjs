// Organisations: the list with search, filters and paging; creating one, seeing the
// server's validation errors at the fields and fixing them; an edit that collides with
// someone else's is explained, not lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, screenshot } from './lib/ui.mjs';
import { createToken } from '../api/lib/server.mjs';

let env;
let browser;
let page;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  page = await browser.page();
  await signIn(page, env, 'officer');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test('the list pages through all organisations and filters by country and words', async () => {
  await page.goto(`${env.url}/organisations`);
  await page.getByText(/^1–25 of 360$/).waitFor();
  await assertAccessible(page, 'the organisations list');
  await screenshot(page, 'organisations');
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.getByText(/^26–50 of 360$/).waitFor();
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.getByText(/^1–25 of 360$/).waitFor();
  await page.getByLabel('Country').selectOption('FR');
  await page.waitForURL(/country=FR/);
  await page.locator('table.data tbody td.col-country', { hasText: 'France' }).first().waitFor();
  const countries = await page.locator('table.data tbody td.col-country').allInnerTexts();
  assert.ok(countries.length > 0);
  assert.ok(countries.every((c) => c === 'France'), countries.join(','));
  await page.getByRole('button', { name: 'Clear filters' }).click();
  // Words: the UI shows what the API finds for the same words, page by page.
  const token = await createToken(env.db, env.logins.admin.email);
  const want = await env.api('GET', `/api/v1/organisations?q=${encodeURIComponent('медија')}&count=true&limit=25&sort=name`, { token });
  assert.ok(want.json.total > 0, 'the demo has organisations named with this word');
  await page.getByRole('searchbox', { name: 'Search', exact: true }).last().fill('медија');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/q=%D0%BC/);
  await page.getByText(`1–${Math.min(25, want.json.total)} of ${want.json.total}`, { exact: true }).waitFor();
  const names = await page.locator('table.data tbody th').allInnerTexts();
  assert.deepEqual(names, want.json.items.map((o) => o.name_en || o.name));
});

test('creating an organisation shows the errors at the fields, and saves once they are fixed', async () => {
  await page.goto(`${env.url}/organisations/new`);
  await page.getByLabel('Name', { exact: true }).fill('Фонд проверки форм');
  await page.getByLabel('E-mail').fill('not an address');
  await page.getByRole('button', { name: 'Create' }).click();
  const summary = page.locator('.error-summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Country/);
  assert.match(await summary.innerText(), /E-mail/);
  assert.equal(await page.getByLabel('Country', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('E-mail').getAttribute('aria-invalid'), 'true');
  assert.ok((await page.locator('.field-email .field-error').innerText()).length > 0);
  await assertAccessible(page, 'a form showing errors');
  await screenshot(page, 'organisation-form-errors');
  await page.getByLabel('Country', { exact: true }).selectOption('RU');
  await page.getByLabel('E-mail').fill('office@forms.example.org');
  await page.getByLabel('Areas of work').fill('heritage, youth');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/organisations\/\d+$/);
  await page.getByRole('heading', { level: 1, name: 'Фонд проверки форм' }).waitFor();
  assert.match(await page.locator('dl.fields').innerText(), /office@forms\.example\.org/);
  await assertAccessible(page, 'an organisation page');
});

test('an edit that someone else overtook is explained and can be reloaded', async () => {
  const token = await createToken(env.db, env.logins.admin.email);
  const id = 7;
  await page.goto(`${env.url}/organisations/${id}/edit`);
  await page.getByLabel('City').waitFor();
  // Someone else saves the record meanwhile.
  const before = await env.api('GET', `/api/v1/organisations/${id}`, { token });
  const r = await env.api('PATCH', `/api/v1/organisations/${id}`, { token, body: { city: 'Тверь' }, headers: { 'If-Match': before.headers.get('etag') } });
  assert.equal(r.status, 200, r.text);
  await page.getByLabel('City').fill('Казань');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Changed by someone else — reload.').waitFor();
  await screenshot(page, 'organisation-conflict');
  await page.getByRole('button', { name: 'Reload' }).click();
  await page.waitForFunction(() => document.querySelector('input[name="city"]')?.value === 'Тверь');
  await page.getByLabel('City').fill('Казань');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL(new RegExp(`/organisations/${id}$`));
  assert.match(await page.locator('dl.fields').innerText(), /Казань/);
  const after = await env.api('GET', `/api/v1/organisations/${id}`, { token });
  assert.equal(after.json.city, 'Казань');
});
