// Signing in and out: an officer lands on the dashboard, an NGO representative in their
// organisation's workspace; a wrong password is refused; pages that need an account send
// an anonymous visitor to the sign-in page and back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, screenshot } from './lib/ui.mjs';

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

test('an officer signs in, lands on the dashboard with its four panels, and signs out', async () => {
  await browser.context.clearCookies();
  const page = await browser.page();
  await page.goto(`${env.url}/organisations`);
  await page.waitForURL(/\/signin\?next=%2Forganisations/);
  await signIn(page, env, 'officer');
  // Back where they were going, then home is the dashboard.
  assert.equal(new URL(page.url()).pathname, '/organisations');
  await page.goto(`${env.url}/`);
  await page.waitForURL(/\/dashboard$/);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  for (const h of ['Upcoming deadlines (90 days)', 'Overdue reports', 'Application pipeline', 'Representation'])
    await page.getByRole('heading', { level: 2, name: h }).waitFor();
  assert.match(await page.locator('.kpi').first().innerText(), /360\s+Organisations/);
  await assertAccessible(page, 'the dashboard');
  await screenshot(page, 'dashboard');
  await page.click('#signout');
  await page.waitForURL(/\/signin$/);
  await page.goto(`${env.url}/dashboard`);
  await page.waitForURL(/\/signin\?next=/);
  assert.equal(browser.errors.length, 0, browser.errors.join('\n'));
});

test('a wrong password is refused with a message, and the page stays usable', async () => {
  await browser.context.clearCookies();
  const page = await browser.page();
  await page.goto(`${env.url}/signin`);
  await assertAccessible(page, 'the sign-in page');
  await screenshot(page, 'signin');
  await page.getByLabel('E-mail').fill(env.logins.officer.email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).last().click();
  await page.getByText('The e-mail address or the password is not right.').waitFor();
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  assert.equal(await page.locator('#signout').count(), 0);
});

test("an NGO representative lands in their organisation's workspace and sees no officer pages", async () => {
  const page = await browser.page();
  await browser.context.clearCookies();
  await signIn(page, env, 'ngo');
  const org = env.logins.ngo.org;
  assert.equal(new URL(page.url()).pathname, `/organisations/${org}`);
  await page.getByRole('tab', { name: 'Profile' }).or(page.getByRole('link', { name: 'Profile', exact: true })).first().waitFor();
  const nav = await page.locator('#sidenav').innerText();
  assert.match(nav, /My organisation/i);
  assert.doesNotMatch(nav, /Dashboard|Users|Audit trail|International bodies/i);
  await assertAccessible(page, "the NGO's workspace");
  await screenshot(page, 'ngo-workspace');
  await page.click('#signout');
  await page.waitForURL(/\/signin$/);
});
