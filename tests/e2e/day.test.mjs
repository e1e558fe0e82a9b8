// Issue 17, the last check: what was still in the way when an officer, an NGO's
// representative and the public did a day's work in each language — a selection lost
// when paging a list, an officer's e-mail address typed from memory, codes and ISO dates
// where words and dates belong (the audit trail, an accreditation's standing, what an
// organisation owes, a listed organisation's areas).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, missingLabels, screenshot } from './lib/ui.mjs';

let env;
let browser;
let page;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  page = await browser.page();
  await page.goto(`${env.url}/signin`);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
  await signIn(page, env, 'officer');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

const lang = (l) => page.evaluate((x) => localStorage.setItem('civdesk.lang', x), l);
const rows = () => page.locator('table.data tbody tr');

test('a selection is kept while paging a list, counted, and cleared on request', async () => {
  await page.goto(`${env.url}/organisations`);
  await rows().first().waitFor();
  const first = [];
  for (let i = 0; i < 2; i++) {
    await rows().nth(i).locator('input.select-row').check();
    first.push(Number(await rows().nth(i).locator('input.select-row').getAttribute('value')));
  }
  await page.getByRole('button', { name: 'Next' }).click();
  await page.waitForURL(/page=2/);
  await page.locator('.pager .range', { hasText: /^26–/ }).waitFor();
  // Still two selected, both on another page; one more here makes three.
  await page.getByRole('status').filter({ hasText: '2 selected (2 on other pages)' }).waitFor();
  await rows().first().locator('input.select-row').check();
  const third = Number(await rows().first().locator('input.select-row').getAttribute('value'));
  await page.getByRole('status').filter({ hasText: '3 selected (2 on other pages)' }).waitFor();
  await screenshot(page, 'bulk-across-pages');
  const href = decodeURIComponent(await page.getByRole('link', { name: 'Export selected (CSV)' }).getAttribute('href'));
  const sent = /[?&]id=([\d,]+)/.exec(href)[1].split(',').map(Number).sort((a, b) => a - b);
  assert.deepEqual(sent, [...first, third].sort((a, b) => a - b));
  // Back on the first page its two rows are still ticked.
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.locator('.pager .range', { hasText: /^1–/ }).waitFor();
  for (const id of first) assert.equal(await page.locator(`input.select-row[value="${id}"]`).isChecked(), true);
  await assertAccessible(page, 'a selection across pages');
  await page.getByRole('button', { name: 'Clear the selection' }).click();
  assert.equal(await page.locator('input.select-row:checked').count(), 0);
  assert.equal(await page.locator('.bulk-bar').isVisible(), false);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.locator('.pager .range', { hasText: /^26–/ }).waitFor();
  assert.equal(await page.locator('input.select-row:checked').count(), 0);
  assert.equal(await page.locator('.bulk-bar').isVisible(), false);
});

test('in Russian the audit trail says who and what in words, every field named', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await p.goto(`${env.url}/signin`);
    await p.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
    await signIn(p, env, 'admin');
    await p.goto(`${env.url}/admin/audit`);
    await p.locator('main table.data tbody tr').first().waitFor();
    await p.waitForLoadState('networkidle');
    const text = await p.locator('main table.data').first().innerText();
    // The demo's own entries ("anonymous"), the reminder run ("notify", "remind"), the
    // settings: words, not the server's codes.
    assert.doesNotMatch(text, /\banonymous\b|\bsystem\b|\bnotify\b|Remind|Settings|Notifications|National country|\bRows\b|\bClient\b/);
    // An entry about no one record names the kind alone, without a dangling "#".
    assert.doesNotMatch(text, /#\s/);
    assert.deepEqual(await missingLabels(p), []);
    await assertAccessible(p, 'the audit trail in Russian');
    await screenshot(p, 'audit-ru');
  } finally {
    await b.close();
  }
});

test('in Russian an accreditation\'s standing is a word, not a code', async () => {
  await lang('ru');
  const id = await page.evaluate(async () => (await (await fetch('/api/v1/accreditations?state=active&limit=1')).json()).items[0].id);
  await page.goto(`${env.url}/accreditations/${id}`);
  const row = page.locator('dl.fields .dl-row', { has: page.locator('dt', { hasText: 'Положение' }) });
  await row.waitFor();
  assert.doesNotMatch(await row.locator('dd').innerText(), /^good$/);
  assert.deepEqual(await missingLabels(page), []);
  await lang('en');
});

test('what an organisation owes is said with a date and the body in words, in either language', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await p.goto(`${env.url}/signin`);
    await p.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
    await signIn(p, env, 'ngo');
    const org = env.logins.ngo.org;
    await p.goto(`${env.url}/organisations/${org}`);
    const list = p.locator('.obligation-list');
    await list.waitFor();
    let text = await list.innerText();
    assert.doesNotMatch(text, /\d{4}-\d\d-\d\d/);
    assert.match(text, /ЭКОСОС ООН/);
    assert.doesNotMatch(text, /ECOSOC/);
    await p.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
    await p.reload();
    await list.waitFor();
    text = await list.innerText();
    assert.doesNotMatch(text, /\d{4}-\d\d-\d\d/);
    assert.match(text, /UN ECOSOC/);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a listed organisation\'s areas of work are words on its public page', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await p.goto(`${env.url}/public`);
    await p.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
    const o = await p.evaluate(async () => (await (await fetch('/api/v1/organisations?public=true&limit=100')).json()).items.find((x) => (x.areas || []).length));
    await p.goto(`${env.url}/public/organisations/${o.id}`);
    const row = p.locator('dl.fields .dl-row', { has: p.locator('dt', { hasText: 'Направления работы' }) });
    await row.waitFor();
    const text = await row.locator('dd').innerText();
    for (const a of o.areas) assert.ok(!new RegExp(`\\b${a}\\b`).test(text), `${a} in «${text}»`);
    assert.deepEqual(await missingLabels(p), []);
  } finally {
    await b.close();
  }
});

test('an organisation\'s form offers the desk officer by name, and saves the account', async () => {
  await page.goto(`${env.url}/organisations/3/edit`);
  const officer = page.getByLabel('Desk officer');
  await officer.locator('option', { hasText: 'Desk Officer' }).waitFor({ state: 'attached' });
  assert.equal(await officer.evaluate((el) => el.tagName), 'SELECT');
  await officer.selectOption({ label: `Desk Officer (${env.logins.officer.email})` });
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL(/\/organisations\/3$/);
  const saved = await page.evaluate(async () => (await (await fetch('/api/v1/organisations/3')).json()).officer);
  assert.equal(saved, env.logins.officer.email);
  // The record names its desk officer.
  const row = page.locator('dl.fields .dl-row', { has: page.locator('dt', { hasText: 'Desk officer' }) });
  await row.locator('dd', { hasText: `Desk Officer (${env.logins.officer.email})` }).waitFor();
  await page.goto(`${env.url}/organisations/3/edit`);
  await officer.locator('option', { hasText: 'Desk Officer' }).waitFor({ state: 'attached' });
  assert.equal(await officer.inputValue(), env.logins.officer.email);
  await assertAccessible(page, 'the organisation form with its desk officer');
});

test('in Russian the international bodies are named in Russian, their codes kept', async () => {
  await lang('ru');
  await page.goto(`${env.url}/bodies`);
  await rows().first().waitFor();
  const text = await page.locator('table.data tbody').innerText();
  assert.doesNotMatch(text, /United Nations|Council of Europe/);
  assert.match(text, /Экономический и Социальный Совет ООН/);
  assert.match(text, /ECOSOC/);
  assert.deepEqual(await missingLabels(page), []);
  await lang('en');
  await page.reload();
  await rows().first().waitFor();
  assert.match(await page.locator('table.data tbody').innerText(), /United Nations Economic and Social Council/);
});

test('a delegation list prints without an empty "Actions" column', async () => {
  await page.goto(`${env.url}/delegations/1`);
  await page.locator('table.data tbody tr').first().waitFor();
  await page.emulateMedia({ media: 'print' });
  const heads = await page.evaluate(() => [...document.querySelectorAll('main table.data th[scope=col]')].filter((th) => getComputedStyle(th).display !== 'none').map((th) => th.textContent.trim()));
  await page.emulateMedia({ media: 'screen' });
  assert.ok(heads.includes('Person'), heads.join(', '));
  assert.ok(!heads.includes('Actions'), heads.join(', '));
});

test('an officer who moved an application on is named in its history', async () => {
  const app = await page.evaluate(async () => (await (await fetch('/api/v1/applications?state=draft&limit=1')).json()).items[0]);
  await page.goto(`${env.url}/applications/${app.id}`);
  await page.locator('.transitions button[data-to=submitted]').click();
  await page.locator('dialog form button[type=submit]').click();
  const hist = page.locator('section.panel', { has: page.getByRole('heading', { name: 'History of states' }) });
  await hist.locator('tbody tr td', { hasText: 'Desk Officer' }).first().waitFor();
  assert.doesNotMatch(await hist.innerText(), /officer@/);
});

test('a comment being typed survives the end of the session', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await p.goto(`${env.url}/signin`);
    await p.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
    await signIn(p, env, 'officer');
    await p.goto(`${env.url}/organisations/6`);
    const box = p.getByLabel('Your comment');
    await box.waitFor();
    const typed = `A long note typed before the session ended ${Date.now()}`;
    await box.fill(typed);
    await b.context.clearCookies();
    await p.getByRole('button', { name: 'Add comment' }).click();
    await p.waitForURL(/\/signin\?next=.*expired=1/);
    await signIn(p, env, 'officer');
    await p.waitForURL(/\/organisations\/6$/);
    await p.getByText('what you had typed is back in the form').waitFor();
    assert.equal(await p.getByLabel('Your comment').inputValue(), typed);
  } finally {
    await b.close();
  }
});
