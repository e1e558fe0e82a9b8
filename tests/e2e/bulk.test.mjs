// Bulk actions on lists (issue 17): select rows (each, or every row of the page), export
// the selection, and — for officers — assign the selected organisations to an officer and
// tag them; all or none, with a clear message; in English and Russian; axe stays clean.
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
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

// The names of the first n rows of the list, their checkboxes ticked.
async function pick(n) {
  const rows = page.locator('table.data tbody tr');
  await rows.first().waitFor();
  const names = [];
  for (let i = 0; i < n; i++) {
    await rows.nth(i).locator('input.select-row').check();
    names.push((await rows.nth(i).locator('th').innerText()).trim());
  }
  return names;
}

const orgBy = (name) => page.evaluate(async (n) => {
  const r = await fetch(`/api/v1/organisations?q=${encodeURIComponent(n)}&limit=50`);
  return (await r.json()).items.find((o) => o.name === n || o.name_en === n || o.name_ru === n);
}, name);

test('select rows, export just those as CSV with the labelled header', async () => {
  await page.goto(`${env.url}/signin`);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
  await signIn(page, env, 'officer');
  await page.goto(`${env.url}/organisations`);
  const names = await pick(2);
  await page.getByRole('status').filter({ hasText: '2 selected' }).waitFor();
  const link = page.getByRole('link', { name: 'Export selected (CSV)' });
  const href = await link.getAttribute('href');
  assert.match(href, /[?&]id=\d+%2C\d+/);
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  const lines = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  assert.equal(lines.length, 3, csv);
  assert.match(lines[0], /^No\.,Name,/);
  for (const n of names) assert.ok(csv.includes(n), `${n} in ${csv}`);
  assert.match(await page.getByRole('link', { name: 'Export selected (Excel)' }).getAttribute('href'), /format=xlsx/);
  await assertAccessible(page, 'organisations with a selection');

  // Every row of the page, and none again.
  const all = page.getByRole('checkbox', { name: 'Select every row on this page' });
  await all.check();
  const count = await page.locator('table.data tbody tr').count();
  await page.getByRole('status').filter({ hasText: `${count} selected` }).waitFor();
  await all.uncheck();
  assert.equal(await page.locator('input.select-row:checked').count(), 0);
  assert.equal(await page.locator('.bulk-bar').isVisible(), false);
});

test('assign the selection to an officer: every record changes, each in the audit trail', async () => {
  await page.goto(`${env.url}/organisations?sort=-name&country=RU`);
  const names = await pick(3);
  await page.getByRole('button', { name: 'Assign to an officer…' }).click();
  const dlg = page.getByRole('dialog', { name: 'Assign the selected organisations to an officer' });
  // Officers are chosen by name (the value sent is the account's e-mail); the signed-in
  // officer is chosen to begin with.
  const officer = dlg.getByLabel('Desk officer');
  await officer.locator('option', { hasText: 'Desk Officer' }).waitFor({ state: 'attached' });
  assert.equal(await officer.inputValue(), env.logins.officer.email, 'the signed-in officer is offered');
  assert.equal(await officer.locator('option:checked').innerText(), `Desk Officer (${env.logins.officer.email})`);
  assert.equal(await officer.locator('option', { hasText: 'NGO Representative' }).count(), 0, 'only officers and administrators');
  await assertAccessible(page, 'the assign dialog');
  await screenshot(page, 'bulk-assign');
  await dlg.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('Done: 3 changed, 0 already so.').waitFor();
  for (const n of names) {
    const o = await orgBy(n);
    assert.equal(o.officer, env.logins.officer.email, n);
  }
  // The record page shows it; the history tab has the change.
  const o = await orgBy(names[0]);
  await page.goto(`${env.url}/organisations/${o.id}`);
  await page.locator('dl.fields dt', { hasText: 'Desk officer' }).waitFor();
  assert.ok((await page.locator('dl.fields').innerText()).includes(env.logins.officer.email));
  const audit = await page.evaluate(async (id) => (await (await fetch(`/api/v1/audit?resource=organisations&record_id=${id}`)).json()).items, o.id);
  assert.ok(audit.some((e) => e.action === 'update' && e.after?.officer), JSON.stringify(audit.slice(0, 2)));
});

test('in Russian: a tag added to the selection; a refused change says nothing changed, in Russian', async () => {
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  await page.goto(`${env.url}/organisations?sort=name`);
  const names = await pick(2);
  await page.getByRole('status').filter({ hasText: 'Выбрано 2' }).waitFor();
  await page.getByRole('button', { name: 'Добавить метку…' }).click();
  const dlg = page.getByRole('dialog', { name: 'Добавить метку выбранным организациям' });
  await dlg.getByLabel('Метка').fill('приоритет');
  await dlg.getByRole('button', { name: 'Применить' }).click();
  await page.getByText('Готово: изменено 2, уже было так: 0.').waitFor();
  for (const n of names) assert.deepEqual((await orgBy(n)).tags, ['приоритет'], n);

  // An officer's account disabled after the list of officers was read is no longer an
  // officer's: nothing changes, and the field error is in Russian.
  const admin = await openBrowser();
  const ap = await admin.page();
  await signIn(ap, env, 'admin');
  const asAdmin = (method, path, body) =>
    ap.evaluate(async ([m, p, b]) => {
      const r = await fetch(p, { method: m, headers: { 'content-type': 'application/json', 'x-csrf-token': sessionStorage.getItem('civdesk.csrf') }, body: JSON.stringify(b) });
      return { status: r.status, json: await r.json() };
    }, [method, path, body]);
  const made = await asAdmin('POST', '/api/v1/users', { email: 'boris@example.org', name: 'Борис Уходящий', role: 'officer', password: 'a long passphrase for the leaving officer' });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const before = await Promise.all(names.map((n) => orgBy(n)));
  await page.locator('table.data tbody tr').first().waitFor();
  if (!(await page.locator('input.select-row:checked').count())) await pick(2);
  await page.getByRole('button', { name: 'Назначить сотрудника…' }).click();
  const dlg2 = page.getByRole('dialog', { name: 'Назначить выбранным организациям ответственного сотрудника' });
  const choice = dlg2.getByLabel('Ответственный сотрудник');
  await choice.locator('option', { hasText: 'Борис Уходящий' }).waitFor({ state: 'attached' });
  await choice.selectOption({ label: 'Борис Уходящий (boris@example.org)' });
  assert.equal((await asAdmin('PATCH', `/api/v1/users/${made.json.id}`, { disabled: true })).status, 200);
  await admin.close();
  await dlg2.getByRole('button', { name: 'Применить' }).click();
  await page.getByText('Ничего не изменено.').waitFor();
  await page.getByText('Ответственный сотрудник: не адрес учётной записи сотрудника').waitFor();
  await screenshot(page, 'bulk-refused-ru');
  const afterwards = await Promise.all(names.map((n) => orgBy(n)));
  assert.deepEqual(afterwards.map((o) => o.version), before.map((o) => o.version));
  await assertAccessible(page, 'a refused bulk change in Russian');
  assert.deepEqual(await missingLabels(page), []);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
});

test('an NGO sees neither the desk officer nor the tags of its own organisation', async () => {
  const org = env.logins.ngo.org;
  // The officer tags the NGO's organisation first.
  const r = await page.evaluate(async (id) => {
    const csrf = sessionStorage.getItem('civdesk.csrf') || '';
    const res = await fetch('/api/v1/organisations/bulk', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ ids: [id], add: { tags: ['под наблюдением'] } }) });
    return res.status;
  }, org);
  assert.equal(r, 200);
  await page.getByRole('button', { name: /Sign out|Выйти/ }).click().catch(() => {});
  await page.context().clearCookies();
  await page.goto(`${env.url}/signin`);
  await signIn(page, env, 'ngo');
  await page.goto(`${env.url}/organisations/${org}`);
  await page.locator('dl.fields').waitFor();
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /Desk officer|Tags|под наблюдением/);
  await page.goto(`${env.url}/organisations/${org}/edit`);
  await page.locator('form').first().waitFor();
  assert.equal(await page.getByLabel('Desk officer').count(), 0);
  assert.equal(await page.getByLabel('Tags').count(), 0);
  assert.deepEqual(browser.errors, []);
});
