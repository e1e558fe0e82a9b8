// Comments on records (issue 17): an officer comments on an NGO's application (one of
// them internal), the NGO's representative answers on its own record; the thread reads
// oldest first with author and time, on the record's page and in the organisation's
// timeline; the NGO never sees the internal one; English and Russian; axe stays clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, missingLabels, screenshot } from './lib/ui.mjs';

let env;
let browser;
let page;
let appId;
let org;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  page = await browser.page();
  org = env.logins.ngo.org;
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

async function addComment(text, { internal = false, ru = false } = {}) {
  await page.getByLabel(ru ? 'Ваш комментарий' : 'Your comment').fill(text);
  if (internal) await page.getByLabel('Internal: only the ministry sees it').check();
  await page.getByRole('button', { name: ru ? 'Добавить комментарий' : 'Add comment' }).click();
  await page.locator('.comment-thread .comment-text', { hasText: text }).waitFor();
}

test('an officer comments on an NGO\'s application, one comment internal', async () => {
  await page.goto(`${env.url}/signin`);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
  await signIn(page, env, 'officer');
  // The NGO's draft application to the ministry (created here, so the test owns it).
  appId = await page.evaluate(async (o) => {
    const csrf = sessionStorage.getItem('civdesk.csrf') || '';
    const r = await fetch('/api/v1/applications', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ organisation_id: o, body: 'ECOSOC', requested_status: 'special' }) });
    return (await r.json()).id;
  }, org);
  assert.ok(appId);
  await page.goto(`${env.url}/applications/${appId}`);
  await page.getByRole('heading', { name: 'Comments' }).waitFor();
  await page.getByText('No comments yet.').waitFor();
  await addComment('Please attach the latest annual report.');
  await addComment('Check their funding sources first.', { internal: true });
  const items = page.locator('.comment-thread > li');
  assert.equal(await items.count(), 2);
  assert.match(await items.nth(0).innerText(), /Desk Officer ·/);
  assert.match(await items.nth(1).innerText(), /internal/);
  await screenshot(page, 'comments');
  // An empty comment is refused at the field, nothing added.
  await page.getByLabel('Your comment').fill('   ');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.locator('.comment-form [aria-invalid="true"]').waitFor().catch(() => {});
  assert.equal(await items.count(), 2);
  await assertAccessible(page, 'an application with comments');
});

test('the NGO answers in Russian on its own record, and never sees the internal comment', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/(signin|public)/);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  await page.goto(`${env.url}/signin`);
  await signIn(page, env, 'ngo');
  await page.goto(`${env.url}/applications/${appId}`);
  await page.getByRole('heading', { name: 'Комментарии' }).waitFor();
  await page.locator('.comment-thread').waitFor();
  let text = await page.locator('.comments').innerText();
  assert.match(text, /Please attach the latest annual report/);
  assert.doesNotMatch(text, /funding sources|внутренний/);
  assert.equal(await page.getByLabel('Внутренний: виден только министерству').count(), 0);
  await addComment('Годовой отчёт приложен.', { ru: true });
  const items = page.locator('.comment-thread > li');
  assert.equal(await items.count(), 2);
  assert.match(await items.nth(1).innerText(), /Годовой отчёт приложен/, 'newest last');
  await assertAccessible(page, 'comments in Russian, as the NGO');
  await screenshot(page, 'comments-ngo-ru');
  // The organisation's timeline has its comments, not the internal one.
  await page.goto(`${env.url}/organisations/${org}/timeline`);
  await page.locator('table.data').waitFor();
  text = await page.locator('main').innerText();
  assert.match(text, /Комментарий к записи «заявка #\d+»: «Годовой отчёт приложен\.»/);
  assert.doesNotMatch(text, /funding sources/);
  assert.deepEqual(await missingLabels(page), []);
  // Another NGO's comments are not reachable by their number either.
  const other = await page.evaluate(async () => (await fetch('/api/v1/comments?limit=500')).json());
  assert.ok(other.items.every((c) => c.organisation_ids.includes(c.organisation_ids[0]) && !c.internal));
  assert.deepEqual(browser.errors, []);
});
