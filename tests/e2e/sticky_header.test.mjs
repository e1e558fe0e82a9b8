// The sticky header never hides what the page scrolls to (issue 17: "notices hidden under
// the sticky header"; the fix: scroll-margin-top in app.css). Chromium scrolls a focused
// field or error summary to the middle of the window when it is out of view, so those stay
// clear without the fix; what scrolls an element to the top edge (the skip link's
// scrollIntoView, as a link to #id would) put it under the header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn } from './lib/ui.mjs';

let env;
let browser;
let page;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  page = await browser.page();
  await signIn(page, env, 'officer');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

// The top of the element the selector names and the bottom of the sticky header, in the
// viewport's coordinates.
const place = (selector) =>
  page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return { top: el.getBoundingClientRect().top, header: document.querySelector('.topbar').getBoundingClientRect().bottom };
  }, selector);

test('the skip link, followed from far down a list, brings the content below the header, not under it', async () => {
  await page.goto(`${env.url}/organisations`);
  await page.getByText(/^1–25 of \d+$/).waitFor();
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForFunction(() => document.querySelector('main').getBoundingClientRect().top < 0);
  await page.focus('a.skip');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'MAIN');
  await page.waitForFunction(() => document.querySelector('main').getBoundingClientRect().top > -1);
  const p = await place('main h1');
  assert.ok(p.top >= p.header, `the page title's top (${p.top}) is below the header's bottom (${p.header})`);
  const m = await place('main');
  assert.ok(m.top >= m.header, `the content's top (${m.top}) is below the header's bottom (${m.header})`);
});
