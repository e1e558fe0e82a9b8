// An application's way through the ministry: the NGO drafts and submits it, the officer
// endorses it on the board. Each side is offered only the moves its role may make, and a
// move the server refuses (someone was quicker) shows what is possible instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, screenshot } from './lib/ui.mjs';
import { createToken } from '../api/lib/server.mjs';

let env;
let ngoBrowser;
let officerBrowser;
let appId;
before(async () => {
  env = await startDemo();
  ngoBrowser = await openBrowser();
  officerBrowser = await openBrowser();
});
after(async () => {
  await ngoBrowser?.close();
  await officerBrowser?.close();
  await env?.stop();
});

test('an NGO representative drafts an application and submits it to the ministry', async () => {
  const page = await ngoBrowser.page();
  await signIn(page, env, 'ngo');
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Applications' }).click();
  await page.getByRole('heading', { level: 1, name: 'Applications board' }).waitFor();
  await page.getByRole('link', { name: 'New application' }).click();
  await page.waitForURL(/\/applications\/new$/);
  // The organisation is theirs and cannot be changed.
  assert.equal(await page.getByLabel('Organisation', { exact: true }).isDisabled(), true);
  // A list of bodies when the server lets the NGO read it, else a field with suggestions.
  const body = page.getByLabel('Body', { exact: true });
  if ((await body.evaluate((e) => e.tagName)) === 'SELECT') {
    await body.selectOption('ECOSOC');
    await page.getByLabel('Status requested').selectOption('special');
  } else {
    await body.fill('ECOSOC');
    await page.getByLabel('Status requested').fill('special');
  }
  await page.getByLabel('Notes').fill('Заявка на специальный консультативный статус.');
  await assertAccessible(page, 'the new application form');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/applications\/\d+$/);
  appId = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByText('State: Draft').waitFor();
  // Only the NGO's own moves: submit (and withdraw), never endorse.
  assert.equal(await page.getByRole('button', { name: 'Endorse' }).count(), 0);
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Note (optional)').fill('Просим поддержать.');
  await dialog.getByRole('button', { name: 'Submit', exact: true }).click();
  await page.getByText('State: Submitted').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Submit', exact: true }).count(), 0);
  await page.getByRole('heading', { name: 'History of states' }).waitFor();
  assert.match(await page.locator('section.panel', { hasText: 'History of states' }).innerText(), /Просим поддержать\./);
  await screenshot(page, 'application-ngo');
});

test('the officer endorses it on the board', async () => {
  assert.ok(appId, 'the NGO test created an application');
  const page = await officerBrowser.page();
  await signIn(page, env, 'officer');
  await page.goto(`${env.url}/applications/board`);
  const submitted = page.locator('.board-col.col-submitted');
  const card = submitted.locator(`.card[data-id="${appId}"]`);
  await card.waitFor();
  // filed straight from submitted too: the ministry's support is optional (issue 14)
  assert.deepEqual((await card.locator('.transitions button').allInnerTexts()).sort(), ['Endorse', 'Mark as filed', 'Return to draft', 'Withdraw'].sort());
  await assertAccessible(page, 'the applications board');
  await screenshot(page, 'applications-board');
  await card.getByRole('button', { name: 'Endorse' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Endorse' }).click();
  await page.locator(`.board-col.col-endorsed .card[data-id="${appId}"]`).waitFor();
  assert.equal(await submitted.locator(`.card[data-id="${appId}"]`).count(), 0);
  const r = await env.api('GET', `/api/v1/applications/${appId}`, { token: await createToken(env.db, env.logins.admin.email) });
  assert.equal(r.json.state, 'endorsed');
});

test('a move someone else made first is refused with the moves now possible', async () => {
  const token = await createToken(env.db, env.logins.admin.email);
  const page = await officerBrowser.page();
  await page.goto(`${env.url}/applications/board`);
  const card = page.locator(`.board-col.col-endorsed .card[data-id="${appId}"]`);
  await card.getByRole('button', { name: 'Mark as filed' }).waitFor();
  // Meanwhile, through the API, the application is filed.
  const r = await env.api('POST', `/api/v1/applications/${appId}/transitions`, { token, body: { to: 'filed' } });
  assert.equal(r.status, 200, r.text);
  await card.getByRole('button', { name: 'Mark as filed' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Mark as filed' }).click();
  const msg = card.locator('.notice-error');
  await msg.waitFor();
  assert.match(await msg.innerText(), /not possible from the current state\. Possible now: .*Under review/);
});
