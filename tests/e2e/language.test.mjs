// Languages: every label in English and Russian, the choice remembered across visits,
// dates and numbers formatted for the language; search in Russian finds Russian word
// forms and marks them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, missingLabels, assertAccessible, screenshot } from './lib/ui.mjs';

let env;
let browser;
let page;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  page = await browser.page();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test('switching to Russian relabels everything, and the choice is remembered', async () => {
  await page.goto(`${env.url}/public`);
  await page.getByRole('heading', { level: 1, name: 'Public information' }).waitFor();
  await page.getByRole('button', { name: 'RU' }).click();
  await page.getByRole('heading', { level: 1, name: 'Открытая информация' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(await page.getByRole('button', { name: 'RU' }).getAttribute('aria-pressed'), 'true');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Открытая информация' }).waitFor();
  await signIn(page, env, 'officer');
  await page.getByRole('heading', { level: 1, name: 'Сводка' }).waitFor();
  // Dates and numbers the Russian way: "29 ноября 2026 г.", "1–25 из 360".
  assert.match(await page.locator('.page-sub').innerText(), /^Сегодня: \d{1,2} [а-я]+ \d{4} г\.$/);
  await screenshot(page, 'dashboard-ru');
  // Every label these pages ask for exists in Russian (each visit is a fresh page load).
  const pages = ['/dashboard', '/organisations', '/organisations/4', '/organisations/4/applications', '/organisations/4/history', '/organisations/new', '/applications/board', '/applications/5', '/calendar', '/reports/1', '/documents/1', '/meetings/1', '/working-groups/1', '/delegations/1', '/incidents', '/admin/users', '/admin/audit', '/public/organisations', '/search?q=фонд'];
  for (const p of pages) {
    await page.goto(`${env.url}${p}`);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(200);
    assert.deepEqual(await missingLabels(page), [], `labels missing in Russian on ${p}`);
  }
  await page.goto(`${env.url}/organisations`);
  await page.getByText(/^1–25 из 360$/).waitFor();
  assert.deepEqual(await missingLabels(page), []);
  await assertAccessible(page, 'the organisations list in Russian');
});

test('the signed-in officer can switch back, and dates follow', async () => {
  await page.goto(`${env.url}/dashboard`);
  await page.getByRole('button', { name: 'EN' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  assert.match(await page.locator('.page-sub').innerText(), /^Today is \d{1,2} [A-Z][a-z]+ \d{4}\.$/);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
});

test('a search in Russian finds organisations by a word form and marks the words', async () => {
  await page.getByRole('button', { name: 'RU' }).click();
  const box = page.getByRole('searchbox', { name: 'Поиск' }).first();
  await box.fill('фонд');
  await box.press('Enter');
  await page.waitForURL(/\/search\?q=/);
  await page.getByRole('heading', { level: 2, name: /Организации/ }).waitFor();
  const marks = await page.locator('.search-results mark').allInnerTexts();
  assert.ok(marks.length > 0, 'matched words are marked');
  assert.ok(marks.some((m) => /^фонд/i.test(m)), `marks: ${marks.slice(0, 10).join(', ')}`);
  await assertAccessible(page, 'search results');
  await screenshot(page, 'search-ru');
  await page.getByRole('button', { name: 'EN' }).click();
});
