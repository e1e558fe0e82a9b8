// Without signing in: the public registry (organisations that chose to be listed) and the
// published documents; and the whole UI at phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, screenshot } from './lib/ui.mjs';
import { createToken } from '../api/lib/server.mjs';

let env;
let browser;
let token;
before(async () => {
  env = await startDemo();
  token = await createToken(env.db, env.logins.admin.email);
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test('the public registry lists only organisations that chose to be listed', async () => {
  const page = await browser.page();
  await page.goto(`${env.url}/public/organisations`);
  await page.getByRole('heading', { level: 1, name: 'Public registry' }).waitFor();
  await page.locator('table.data tbody tr').first().waitFor();
  const shown = await page.locator('table.data tbody th').allInnerTexts();
  const listed = await env.api('GET', '/api/v1/organisations?public=false&limit=500', { token });
  const unlisted = new Set(listed.json.items.flatMap((o) => [o.name, o.name_en].filter(Boolean)));
  assert.ok(shown.length > 0);
  assert.ok(shown.every((n) => !unlisted.has(n)), 'an unlisted organisation is shown');
  assert.equal(await page.locator('#signout').count(), 0);
  await assertAccessible(page, 'the public registry');
  await screenshot(page, 'public-registry');
  await page.locator('table.data tbody th a').first().click();
  await page.waitForURL(/\/public\/organisations\/\d+$/);
  await page.getByRole('heading', { level: 2, name: 'Statuses at international bodies' }).waitFor();
});

test('the published documents are readable without signing in', async () => {
  const spec = (await env.api('GET', '/api/v1/openapi.json', { token: null })).json;
  assert.ok(spec.components.schemas.documents, 'the server declares documents'); // never a skip
  const page = await browser.page();
  await page.goto(`${env.url}/public/documents`);
  await page.getByRole('heading', { level: 1, name: 'Published documents' }).waitFor();
  await page.locator('table.data tbody tr').first().waitFor();
  await assertAccessible(page, 'the published documents');
  await page.locator('table.data tbody th a').first().click();
  await page.waitForURL(/\/public\/documents\/\d+$/);
  await page.locator('article.version').first().waitFor();
  await screenshot(page, 'public-document');
});

test('at phone width the menu folds away and nothing overflows sideways', async () => {
  const phone = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const page = await phone.page();
    await signIn(page, env, 'officer');
    for (const path of ['/dashboard', '/organisations', '/organisations/4', '/applications/board', '/organisations/new']) {
      await page.goto(`${env.url}${path}`);
      await page.waitForLoadState('networkidle');
      const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(sw <= w, `${path}: the page is ${sw}px wide in a ${w}px window`);
    }
    await page.goto(`${env.url}/organisations`);
    assert.equal(await page.locator('#sidenav').isVisible(), false);
    await page.getByRole('button', { name: 'Menu' }).click();
    assert.equal(await page.locator('#sidenav').isVisible(), true);
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
    await assertAccessible(page, 'a list at phone width');
    await screenshot(page, 'phone-organisations');
  } finally {
    await phone.close();
  }
});
