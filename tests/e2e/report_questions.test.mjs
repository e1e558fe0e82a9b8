// Issue 15: the page of a quadrennial report and the Committee's questions on it
// (/accreditation-reports/{id}). An NGO representative told of questions follows the
// notice from the bell (or the obligations list) to the page, reads the report and its
// questions, and answers one; the page is in English and Russian and axe-clean; an officer
// reaches it from the accreditation's page and may record a question; every notification
// is listed at /notifications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, openBrowser, signIn, assertAccessible, missingLabels, screenshot } from './lib/ui.mjs';
import { createToken, request, cliOk } from '../api/lib/server.mjs';

let env;
let browser;
let acc;
let rep;
let otherRep;
before(async () => {
  env = await startDemo();
  browser = await openBrowser();
  const token = await createToken(env.db, env.logins.officer.email);
  const api = async (m, p, body) => {
    const r = await request(env.url, m, p, { token, body });
    assert.ok(r.status < 300, `${m} ${p}: ${r.status} ${r.text}`);
    return r.json;
  };
  const org = env.logins.ngo.org;
  // The organisation's ECOSOC accreditation (a fresh one if the demo gave it none in a
  // status that reports), and a report on its first four years that the Committee deferred.
  const accs = (await api('GET', `/api/v1/accreditations?organisation_id=${org}&body=ECOSOC&limit=50`)).items;
  acc = accs.find((a) => ['general', 'special'].includes(a.status) && a.state !== 'withdrawn');
  if (!acc) {
    for (const a of accs.filter((x) => x.state !== 'withdrawn'))
      await api('PATCH', `/api/v1/accreditations/${a.id}`, { state: 'withdrawn' });
    acc = await api('POST', '/api/v1/accreditations', { organisation_id: org, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25' });
  }
  const start = Number(acc.granted_on.slice(0, 4));
  rep = await api('POST', `/api/v1/accreditations/${acc.id}/reports`, { period_start: start, period_end: start + 3, submitted_on: `${start + 4}-05-20`, outcome: 'deferred' });
  for (const question of ['Please describe your activities at the Human Rights Council.', 'How is the organisation funded?'])
    await api('POST', `/api/v1/accreditation-reports/${rep.id}/questions`, { question, asked_at_session: { year: start + 5, part: 'regular' } });
  // A report of another organisation (not publicly listed), with a question.
  const stranger = await api('POST', '/api/v1/organisations', { name: 'Stranger Foundation', country: 'FR' });
  const sacc = await api('POST', '/api/v1/accreditations', { organisation_id: stranger.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25' });
  otherRep = await api('POST', `/api/v1/accreditations/${sacc.id}/reports`, { period_start: 2013, period_end: 2016, submitted_on: '2017-05-20', outcome: 'deferred' });
  await api('POST', `/api/v1/accreditation-reports/${otherRep.id}/questions`, { question: 'Private to the stranger?' });
  // The reminder pass tells the representatives (as the server's daily pass would).
  await cliOk(['notify', 'run', '--db', env.db]);
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

const period = () => `${rep.period_start}–${rep.period_end}`;

test('the representative follows the notice to the report, answers a question, in English and Russian', async () => {
  const page = await browser.page();
  await signIn(page, env, 'ngo');
  await page.locator('#bell summary').click();
  const link = page.locator(`#bell .bell-panel a[href="/accreditation-reports/${rep.id}"]`).first();
  await link.waitFor();
  // the notice is in the representative's language (Russian by default)
  assert.match(await link.innerText(), /Вопросы ECOSOC по четырёхгодичному докладу: 2|Вопросы ECOSOC: ответить до/);
  await link.click();
  await page.waitForURL(new RegExp(`/accreditation-reports/${rep.id}$`));
  await page.getByRole('heading', { level: 1, name: `Quadrennial report for ${period()}` }).waitFor();
  await page.getByText('Unanswered: 2').waitFor();
  // years are years: "2017", never "2,017" (the period's first year was grouped)
  const fields = await page.locator('.panel dl, .panel .fields').first().innerText();
  assert.ok(fields.includes(String(rep.period_start)), fields);
  assert.doesNotMatch(fields, /\d,\d{3}/);
  const items = page.locator('li.question');
  assert.equal(await items.count(), 2);
  assert.match(await items.first().innerText(), /Human Rights Council/);
  assert.match(await items.first().innerText(), /at the regular session of \d{4}/);
  await assertAccessible(page, 'the report page');
  await screenshot(page, 'report-questions');

  // Answer the first question.
  await items.first().getByRole('button', { name: 'Answer' }).click();
  await page.getByLabel('Answer').fill('We took part in every session of 2019 and 2020.');
  await assertAccessible(page, 'the answer form');
  await page.getByRole('button', { name: 'Save the answer' }).click();
  await page.getByText('We took part in every session of 2019 and 2020.').waitFor();
  await page.getByText('Unanswered: 1').waitFor();
  assert.match(await items.first().innerText(), /Answered on/);
  // the answer is stored
  const stored = await page.evaluate(async (id) => (await fetch(`/api/v1/accreditation-reports/${id}/questions`)).json(), rep.id);
  assert.equal(stored.items.filter((q) => q.answer).length, 1);
  // a representative records no questions
  assert.equal(await page.getByRole('button', { name: 'Record a question' }).count(), 0);

  // In Russian: every label there, still accessible.
  await page.getByRole('button', { name: 'RU' }).click();
  await page.getByRole('heading', { level: 1, name: `Четырёхгодичный доклад за ${period()}` }).waitFor();
  await page.getByText('Без ответа: 1', { exact: false }).waitFor();
  assert.match(await page.locator('li.question').first().innerText(), /Ответ дан/);
  assert.deepEqual(await missingLabels(page), []);
  await assertAccessible(page, 'the report page in Russian');

  // The obligations list on the organisation's page links to the same page.
  await page.goto(`${env.url}/organisations/${env.logins.ngo.org}`);
  const ob = page.locator(`section.obligations a[href="/accreditation-reports/${rep.id}"]`);
  await ob.waitFor();
  // Every notification, on a page of its own (where a long digest sends the rest).
  await page.goto(`${env.url}/notifications`);
  await page.getByRole('heading', { level: 1, name: 'Уведомления' }).waitFor();
  await page.locator(`.notification-list a[href="/accreditation-reports/${rep.id}"]`).first().waitFor();
  assert.deepEqual(await missingLabels(page), []);
  await assertAccessible(page, 'the notifications page');
  await page.getByRole('button', { name: 'EN' }).click();
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  assert.equal(browser.errors.length, 0, browser.errors.join('\n'));
});

test('an officer reaches the report from the accreditation and may record a question', async () => {
  const page = await browser.page();
  await browser.context.clearCookies();
  await signIn(page, env, 'officer');
  await page.goto(`${env.url}/accreditations/${acc.id}`);
  await page.getByRole('link', { name: `Report for ${period()}` }).click();
  await page.waitForURL(new RegExp(`/accreditation-reports/${rep.id}$`));
  await page.getByRole('heading', { level: 1, name: `Quadrennial report for ${period()}` }).waitFor();
  await page.getByRole('button', { name: 'Record a question' }).click();
  await page.getByLabel('Question', { exact: true }).fill('Which side events did you organise?');
  await page.getByRole('button', { name: 'Record', exact: true }).click();
  await page.getByText('Which side events did you organise?').waitFor();
  assert.equal(await page.locator('li.question').count(), 3);
  await assertAccessible(page, "the report page for an officer");
  assert.equal(browser.errors.length, 0, browser.errors.join('\n'));
});

test("another organisation's representative cannot open the report", async () => {
  const page = await browser.page();
  await browser.context.clearCookies();
  await signIn(page, env, 'ngo');
  await page.goto(`${env.url}/accreditation-reports/${otherRep.id}`);
  await page.getByRole('heading', { level: 1, name: 'Report not available' }).waitFor();
  assert.equal(await page.getByText('Private to the stranger?').count(), 0);
  // nor is it among the notices
  const notes = await page.evaluate(async () => (await (await fetch('/api/v1/notifications?limit=200')).json()).items);
  assert.ok(notes.every((n) => n.record?.id !== otherRep.id || n.record?.type !== 'accreditation_reports'));
  await page.goto(`${env.url}/accreditation-reports/999999`);
  await page.getByRole('heading', { level: 1, name: 'Report not available' }).waitFor();
});
