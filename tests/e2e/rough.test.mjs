// The "Rough" list of the UI's second pass (issue 17): words instead of codes in both
// languages, years without digit grouping, the public registry for anonymous visitors,
// and the People list in one request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, missingLabels } from './lib/ui.mjs';

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

test('an anonymous visitor to / lands on the public registry, not on sign-in', async () => {
  await page.goto(`${env.url}/`);
  await page.waitForURL(/\/public$/);
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Public registry' }).count() > 0, true);
});

test('the People list shows each organisation without a request per organisation', async () => {
  await signIn(page, env, 'officer');
  const asked = [];
  const listen = (r) => {
    if (/\/api\/v1\/organisations\/\d+/.test(r.url())) asked.push(r.url());
  };
  page.on('request', listen);
  await page.goto(`${env.url}/people`);
  const first = page.locator('table.data tbody tr').first();
  await first.waitFor();
  await page.waitForLoadState('networkidle');
  page.off('request', listen);
  assert.deepEqual(asked, []);
  assert.doesNotMatch(await page.locator('table.data tbody').innerText(), /#\d+/);
});

test('codes are words and years are years, in English and in Russian', async () => {
  await page.goto(`${env.url}/accreditations`);
  const body = page.locator('table.data tbody');
  await body.locator('tr').first().waitFor();
  await page.waitForLoadState('networkidle');
  let text = await body.innerText();
  assert.match(text, /UN ECOSOC/);
  assert.match(text, /Special|General|Roster/);
  assert.doesNotMatch(text, /\bspecial\b|\tECOSOC\t/);
  // An application: its year of consideration is "2028", not "2,028".
  const id = await page.evaluate(async () => (await (await fetch('/api/v1/applications?limit=1')).json()).items[0].id);
  await page.goto(`${env.url}/applications/${id}`);
  await page.getByText('Considered in', { exact: false }).first().waitFor();
  text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /\b2,0\d\d\b/);
  assert.match(text, /\b20\d\d\b/);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  await page.goto(`${env.url}/accreditations`);
  await body.locator('tr').first().waitFor();
  await page.waitForLoadState('networkidle');
  text = await body.innerText();
  assert.match(text, /ЭКОСОС ООН/);
  assert.match(text, /Специальный|Общий|Реестровый/);
  assert.deepEqual(await missingLabels(page), []);
  await assertAccessible(page, 'accreditations in Russian');
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
});
