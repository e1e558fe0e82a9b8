// Issue 14 item 12: an NGO representative signing in sees first what their organisation
// owes and by when — the same list as GET /api/v1/organisations/{id}/obligations, in the
// language of the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible } from './lib/ui.mjs';

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

test("the NGO's landing page shows its obligations first, as the API lists them", async () => {
  const page = await browser.page();
  await signIn(page, env, 'ngo');
  const org = env.logins.ngo.org;
  assert.equal(new URL(page.url()).pathname, `/organisations/${org}`);
  const panel = page.locator('section.obligations');
  await panel.getByRole('heading', { name: 'What the organisation owes' }).waitFor();
  // first in the profile: before the record's own fields
  const first = await page.locator('.tab-panel > *').first().getAttribute('class');
  assert.match(first, /obligations/);
  const api = await page.evaluate(async (id) => (await fetch(`/api/v1/organisations/${id}/obligations?lang=en`)).json(), org);
  const items = panel.locator('li');
  assert.equal(await items.count(), api.items.length);
  if (api.items.length) {
    // The API's item said by the page: what it names, the body in words, no ISO date.
    const shown = await items.first().innerText();
    assert.ok(shown.includes(api.items[0].detail), `${api.items[0].detail} in ${shown}`);
    assert.doesNotMatch(shown, /\d{4}-\d\d-\d\d/);
    if (api.items[0].body === 'ECOSOC') assert.match(shown, /UN ECOSOC/);
  } else {
    await panel.getByText(/Nothing is due/).waitFor();
  }
  await assertAccessible(page, "the NGO's obligations");
});

test('an officer sees an overdue report of a demo organisation, marked overdue, linking to it', async () => {
  const page = await browser.page();
  await browser.context.clearCookies();
  await signIn(page, env, 'officer');
  const list = await page.evaluate(async () => (await fetch('/api/v1/accreditations?overdue=true&limit=1')).json());
  assert.ok(list.items.length, 'the demo has an overdue report');
  const acc = list.items[0];
  await page.goto(`${env.url}/organisations/${acc.organisation_id}`);
  const li = page.locator('section.obligations li.overdue').filter({ hasText: 'was due on' }).first();
  await li.waitFor();
  const href = await li.locator('a').getAttribute('href');
  assert.match(href, new RegExp(`/accreditations/${acc.id}$`));
});
