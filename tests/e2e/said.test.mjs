// Warnings and calendar titles are said in the UI's language from the server's stable
// code and parameters (issue 17), not by matching the shape of the English sentence: the
// English text is replaced with nonsense on the way to the page, and the page still says
// each one, in Russian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, missingLabels, screenshot } from './lib/ui.mjs';

let env;
let browser;
let page;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  page = await browser.page();
  await page.goto(`${env.url}/signin`);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  await signIn(page, env, 'officer');
  // Every English sentence the server computes becomes "##": only codes are left to say.
  await page.route(/\/api\/v1\/(calendar|applications|reports)(\/\d+)?(\?.*)?$/, async (route) => {
    const res = await route.fetch();
    const type = res.headers()['content-type'] || '';
    if (!type.startsWith('application/json')) return route.fulfill({ response: res });
    const body = await res.json();
    const scrub = (o) => {
      if (Array.isArray(o.warnings)) o.warnings = o.warnings.map(() => '##');
      if (Array.isArray(o.warning_details)) for (const w of o.warning_details) w.message = '##';
      if (o.title_code) o.title = '##';
    };
    if (Array.isArray(body.items)) body.items.forEach(scrub);
    else scrub(body);
    return route.fulfill({ response: res, json: body });
  });
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test('calendar titles in Russian from their codes', async () => {
  const next = new Date().getUTCFullYear() + 1;
  await page.goto(`${env.url}/calendar?month=${next}-06`);
  const list = page.locator('section.panel table.data tbody');
  await list.locator('tr').first().waitFor();
  const text = await list.innerText();
  assert.match(text, /Срок подачи в ЭКОСОС ООН: заявки, поступившие до 1 июня \d{4}/, text);
  assert.doesNotMatch(text, /##|filing deadline|Report on|due to|\uFFFD/, text);
  // A draft's filing deadline names the application, its organisation and body in words.
  assert.match(text, /Подать заявку \d+ \([^)]+, ЭКОСОС ООН, статус «[^»]+»\) до 1 июня \d{4} г\., чтобы её рассмотрели в \d{4} году/, text);
  await assertAccessible(page, 'the calendar in Russian');
  await screenshot(page, 'calendar-ru');
  // The dashboard's deadlines are the same items.
  await page.goto(`${env.url}/dashboard`);
  await page.locator('main').getByText('Срок', { exact: false }).first().waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /##/);
  assert.deepEqual(await missingLabels(page), []);
});

test('warnings on records in Russian from their codes', async () => {
  const rep = await page.evaluate(async () => {
    const r = await fetch('/api/v1/reports?limit=100');
    return (await r.json()).items.find((x) => (x.warning_details || []).some((w) => w.code === 'over_limit'))?.id;
  });
  assert.ok(rep, 'the demo has a report over its word limit');
  await page.goto(`${env.url}/reports/${rep}`);
  await page.locator('.computed .notice-warn').first().waitFor();
  const w = await page.locator('.computed').innerText();
  assert.match(w, /слов — больше предела/);
  assert.doesNotMatch(w, /##|over the limit/);

  // An application by an organisation registered a year ago: the two-year rule.
  const id = await page.evaluate(async () => {
    const csrf = sessionStorage.getItem('civdesk.csrf') || '';
    const post = async (path, body) => (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) })).json();
    const year = new Date().getUTCFullYear();
    const org = await post('/api/v1/organisations', { name: 'Юная НКО', country: 'RU', founded_on: `${year - 1}-01-10` });
    return (await post('/api/v1/applications', { organisation_id: org.id, body: 'ECOSOC', requested_status: 'roster' })).id;
  });
  await page.goto(`${env.url}/applications/${id}`);
  await page.locator('.computed .notice-warn').first().waitFor();
  const a = await page.locator('.computed').innerText();
  assert.match(a, /Организация зарегистрирована менее чем за 2 года до подачи/, a);
  assert.doesNotMatch(a, /##|registered less/);
  await page.goto(`${env.url}/applications/board`);
  await page.locator('.card-warn').first().waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /##/);
  await assertAccessible(page, 'an application with a warning, in Russian');
  assert.deepEqual(await missingLabels(page), []);
  assert.deepEqual(browser.errors, []);
});
