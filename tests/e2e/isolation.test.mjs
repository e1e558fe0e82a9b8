// An NGO representative cannot reach another NGO's pages: other organisations' records
// are not found (never shown, never hinted at), officer pages do not exist for them, and
// lists hold only their own organisation's records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn } from './lib/ui.mjs';
import { createToken } from '../api/lib/server.mjs';

let env;
let browser;
let page;
let token;
let privateOrg;
let otherApp;
before(async () => {
  env = await startDemo();
  token = await createToken(env.db, env.logins.admin.email);
  const own = env.logins.ngo.org;
  const list = await env.api('GET', '/api/v1/organisations?public=false&limit=20', { token });
  privateOrg = list.json.items.find((o) => o.id !== own);
  assert.ok(privateOrg, 'the demo has organisations that are not listed publicly');
  const r = await env.api('POST', '/api/v1/applications', { token, body: { organisation_id: privateOrg.id, body: 'ECOSOC', requested_status: 'special' } });
  assert.equal(r.status, 201, r.text);
  otherApp = r.json.id;
  browser = await openBrowser();
  page = await browser.page();
  await signIn(page, env, 'ngo');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test("another organisation's workspace is not reachable", async () => {
  for (const path of [`/organisations/${privateOrg.id}`, `/organisations/${privateOrg.id}/people`, `/organisations/${privateOrg.id}/applications`]) {
    await page.goto(`${env.url}${path}`);
    await page.getByRole('heading', { level: 1, name: 'Organisation not available' }).waitFor();
    const text = await page.locator('main').innerText();
    assert.ok(!text.includes(privateOrg.name), `${path} shows the other organisation's name`);
  }
});

test("another organisation's application is not found, and not in the lists", async () => {
  await page.goto(`${env.url}/applications/${otherApp}`);
  await page.getByRole('heading', { level: 1, name: 'Record not available' }).waitFor();
  await page.goto(`${env.url}/applications`);
  await page.waitForLoadState('networkidle');
  const orgs = await page.locator('table.data tbody th').allInnerTexts();
  assert.ok(!orgs.some((o) => o.includes(privateOrg.name)), orgs.join(' | '));
  await page.goto(`${env.url}/applications/board`);
  await page.locator('.board').waitFor();
  assert.equal(await page.locator(`.card[data-id="${otherApp}"]`).count(), 0);
});

test('officer and admin pages do not exist for an NGO representative', async () => {
  for (const path of ['/dashboard', '/admin/users', '/admin/audit']) {
    await page.goto(`${env.url}${path}`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  }
  await page.goto(`${env.url}/organisations`);
  await page.waitForLoadState('networkidle');
  const names = await page.locator('table.data tbody th').allInnerTexts();
  assert.ok(!names.includes(privateOrg.name), 'the organisations list holds no unlisted organisation of another NGO');
});
