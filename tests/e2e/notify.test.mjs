// The notification bell: an NGO representative whose application the ministry returned
// sees the unread count in the header, opens the bell, follows the notice to the
// application, and the count goes (docs/notifications.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible } from './lib/ui.mjs';
import { createToken, request } from '../api/lib/server.mjs';

let env;
let browser;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test('the bell shows the unread count and links each notice to its record', async () => {
  const token = await createToken(env.db, env.logins.officer.email);
  const api = (m, p, body) => request(env.url, m, p, { token, body });
  const app = await api('POST', '/api/v1/applications', { organisation_id: env.logins.ngo.org, body: 'UNESCO', requested_status: 'consultative' });
  assert.equal(app.status, 201, app.text);
  for (const [to, note] of [['submitted'], ['draft', 'Add the statutes, please.']]) {
    const r = await api('POST', `/api/v1/applications/${app.json.id}/transitions`, note ? { to, note } : { to });
    assert.equal(r.status, 200, r.text);
  }
  const page = await browser.page();
  await signIn(page, env, 'ngo');
  const count = page.locator('#bell .bell-count');
  await count.waitFor();
  assert.equal(await count.innerText(), '1');
  await page.locator('#bell summary').click();
  // The notice is in the representative's language (Russian by default).
  const link = page.locator('#bell .bell-panel a', { hasText: new RegExp(`[#№]${app.json.id} `) });
  await link.waitFor();
  assert.match(await page.locator('#bell .bell-panel').innerText(), /Add the statutes, please\./);
  await assertAccessible(page, 'the open bell');
  await link.click();
  await page.waitForURL(new RegExp(`/applications/${app.json.id}$`));
  await page.waitForFunction(() => document.querySelector('#bell .bell-count')?.hidden === true);
  assert.equal(browser.errors.length, 0, browser.errors.join('\n'));
});
