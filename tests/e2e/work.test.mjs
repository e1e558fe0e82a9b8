// The officer's other work: a report's words counted against its limit as they are
// typed, a document's language versions side by side, a meeting with its participants,
// and the administrator's users and audit trail with its verification.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, screenshot } from './lib/ui.mjs';

let env;
let browser;
let page;
let spec;
before(async () => {
  env = await startDemo();
  spec = (await env.api('GET', '/api/v1/openapi.json', { token: null })).json;
  browser = await openBrowser();
  page = await browser.page();
  await signIn(page, env, 'admin');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

// These pages are generic over the server's declarations: a resource that vanished from
// them would leave its page empty, so that is a failure here, never a skip.
test('the server declares the resources these pages show', () => {
  for (const name of ['reports', 'documents', 'meetings']) assert.ok(spec.components.schemas[name], `no ${name} in openapi.json`);
});

test('a report counts its words against the limit of its kind as they are typed', async () => {
  await page.goto(`${env.url}/reports/new`);
  await page.getByLabel('Kind', { exact: true }).selectOption('written_statement');
  const text = page.getByLabel('Text', { exact: true });
  await text.fill('Одно два три four five six seven.');
  await page.getByText('7 of 1,500 words').waitFor();
  await text.fill(Array.from({ length: 1501 }, (_, i) => `word${i}`).join(' '));
  await page.getByText('1,501 of 1,500 words').waitFor();
  await page.getByText('1 over the limit').waitFor();
  await page.getByLabel('Kind', { exact: true }).selectOption('upr_submission');
  await page.getByText('1,501 of 2,815 words').waitFor();
  await assertAccessible(page, 'the report form');
  await screenshot(page, 'report-form');
});

test("a document's language versions stand side by side", async () => {
  await page.goto(`${env.url}/documents`);
  await page.locator('table.data tbody th a').first().click();
  await page.waitForURL(/\/documents\/\d+$/);
  await page.getByRole('heading', { level: 2, name: 'Language versions' }).waitFor();
  const versions = page.locator('article.version');
  await versions.nth(1).waitFor();
  const langs = await versions.evaluateAll((els) => els.map((e) => e.getAttribute('lang')));
  assert.deepEqual(langs.slice(0, 2).sort(), ['en', 'ru']);
  const [a, b] = [await versions.nth(0).boundingBox(), await versions.nth(1).boundingBox()];
  assert.ok(Math.abs(a.y - b.y) < 2 && b.x > a.x + a.width - 1, 'the versions are side by side');
  await assertAccessible(page, 'a document');
  await screenshot(page, 'document-versions');
});

test('a meeting shows its agenda, documents and participants', async () => {
  // The demo's first meeting has happened: it has participants.
  await page.goto(`${env.url}/meetings?sort=starts_at`);
  await page.locator('table.data tbody th a').first().click();
  await page.waitForURL(/\/meetings\/\d+$/);
  await page.getByRole('heading', { level: 2, name: 'Participants' }).waitFor();
  await page.locator('section.panel', { hasText: 'Participants' }).locator('table.data').waitFor();
  await assertAccessible(page, 'a meeting');
  await screenshot(page, 'meeting');
});

test('the administrator adds and disables a user, and sees the audit trail verified', async () => {
  await page.goto(`${env.url}/admin/users`);
  await page.getByRole('button', { name: 'New user' }).click();
  await page.getByLabel('E-mail').fill('second.officer@civdesk.example');
  await page.getByLabel('Name', { exact: true }).fill('Second Officer');
  await page.getByLabel('Role').selectOption('officer');
  await page.getByLabel('Password').fill('x');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.locator('.field-password .field-error').waitFor();
  await page.getByLabel('Password').fill('Lantern-Harbour-Quietly-91');
  await page.getByRole('button', { name: 'Create' }).click();
  const row = page.locator('tr', { hasText: 'second.officer@civdesk.example' });
  await row.waitFor();
  await row.getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await row.getByRole('button', { name: 'Enable' }).waitFor();
  assert.match(await row.innerText(), /Disabled/);
  await assertAccessible(page, 'the users page');
  await page.goto(`${env.url}/admin/audit`);
  await page.getByText('The audit trail verifies.').waitFor();
  await page.locator('table.data tbody tr').first().waitFor();
  assert.match(await page.locator('table.data tbody').first().innerText(), /second\.officer@civdesk\.example|Users #/);
  await assertAccessible(page, 'the audit trail');
  await screenshot(page, 'audit');
});
