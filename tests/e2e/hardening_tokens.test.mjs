// API tokens in the web UI (issue 16, item 5): an NGO representative sees their own
// tokens with name, expiry and last use, and revokes one; the token stops working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliOk } from '../api/lib/server.mjs';
import { startDemo, openBrowser, signIn, assertAccessible } from './lib/ui.mjs';

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

test('an NGO lists its API tokens and revokes one; it no longer works', async () => {
  const email = env.logins.ngo.email;
  const keep = (await cliOk(['token', 'create', '--db', env.db, '--email', email, '--label', 'keeper'])).stdout.trim();
  const gone = (await cliOk(['token', 'create', '--db', env.db, '--email', email, '--label', 'leaky script'])).stdout.trim();
  assert.equal((await env.api('GET', '/api/v1/me', { token: gone })).status, 200); // used once
  await signIn(page, env, 'ngo');
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.waitForURL(/\/tokens$/);
  const row = page.locator('table.data tbody tr', { hasText: 'leaky script' });
  await row.waitFor();
  await page.locator('table.data tbody tr', { hasText: 'keeper' }).waitFor();
  assert.equal(await page.locator('table.data tbody tr').count(), 2, 'only its own tokens');
  await assertAccessible(page, 'the API tokens page');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('Token leaky script revoked.').waitFor();
  await page.locator('table.data tbody tr', { hasText: 'leaky script' }).waitFor({ state: 'detached' });
  assert.equal((await env.api('GET', '/api/v1/me', { token: gone })).status, 401);
  assert.equal((await env.api('GET', '/api/v1/me', { token: keep })).status, 200);
  assert.deepEqual(browser.errors, []);
});
