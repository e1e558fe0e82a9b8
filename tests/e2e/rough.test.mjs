// The "Rough" list of the UI's second pass (issue 17): words instead of codes in both
// languages, years without digit grouping, the public registry for anonymous visitors,
// and the People list in one request.
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

test('an anonymous visitor to / lands on the public registry, not on sign-in', async () => {
  await page.goto(`${env.url}/`);
  await page.waitForURL(/\/public$/);
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Public registry' }).count() > 0, true);
});

test('the header names the signed-in user, also after a reload', async () => {
  await signIn(page, env, 'officer');
  await page.reload();
  await page.waitForSelector('#signout');
  assert.equal(await page.locator('.who-name').innerText(), 'Desk Officer');
});

test('the People list shows each organisation without a request per organisation', async () => {
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
  // Its title names the body and the status in words.
  assert.match(await page.locator('main h1').innerText(), /^UN [A-Z]+ · [A-Z][a-z]+$|^[A-Z][\w ]+ · [A-Z][a-z]+$/);
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

test('a conflict shows the other version beside the user\'s change, and keeps the user\'s if asked', async () => {
  await page.goto(`${env.url}/organisations/7/edit`);
  const city = page.getByLabel('City', { exact: true });
  await city.waitFor();
  // Someone else saves the record meanwhile.
  await page.evaluate(async () => {
    const cur = await (await fetch('/api/v1/organisations/7')).json();
    await fetch('/api/v1/organisations/7', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': `"${cur.version}"`, 'X-CSRF-Token': sessionStorage.getItem('civdesk.csrf') },
      body: JSON.stringify({ city: 'Тверь' }),
    }).then((r) => r.text());
  });
  await city.fill('Казань');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const table = page.locator('table.conflict');
  await table.waitFor();
  const row = await table.getByRole('row', { name: /City/ }).innerText();
  assert.match(row, /Казань/);
  assert.match(row, /Тверь/);
  await assertAccessible(page, 'a conflict with both versions');
  await screenshot(page, 'organisation-conflict-compare');
  await page.getByRole('button', { name: 'Keep my changes' }).click();
  await page.waitForURL(/\/organisations\/7$/);
  const saved = await page.evaluate(async () => (await (await fetch('/api/v1/organisations/7')).json()).city);
  assert.equal(saved, 'Казань');
});

test('the administrator edits a user and is not offered to disable their own account', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await signIn(p, env, 'admin');
    await p.goto(`${env.url}/admin/users`);
    const own = p.getByRole('row', { name: new RegExp(env.logins.admin.email.replace(/\./g, '\\.')) });
    await own.waitFor();
    assert.equal(await own.getByRole('button', { name: 'Disable' }).count(), 0);
    await own.getByText('This is you').waitFor();
    const officer = p.getByRole('row', { name: new RegExp(env.logins.officer.email.replace(/\./g, '\\.')) });
    await officer.getByRole('button', { name: /^Edit/ }).click();
    await p.getByLabel('Name', { exact: true }).fill('Anna Petrova');
    await p.getByRole('button', { name: 'Save changes' }).click();
    await officer.getByText('Anna Petrova').waitFor();
    await assertAccessible(p, 'users');
    // The audit trail, narrowed to one record's changes, each with before and after.
    await p.goto(`${env.url}/admin/audit`);
    await p.getByLabel('Record number').fill('7');
    await p.locator('#audit-resource').selectOption('organisations');
    await p.locator('#audit-action').selectOption('update');
    await p.getByRole('button', { name: 'Apply' }).click();
    await p.waitForURL(/record_id=7/);
    const rows = p.locator('main table.data tbody tr').filter({ has: p.locator('th', { hasText: /^#\d+$/ }) });
    await rows.first().waitFor();
    const texts = await rows.allInnerTexts();
    assert.ok(texts.every((x) => /Organisations #7/.test(x)), texts.join('\n'));
    await rows.first().locator('details summary').click();
    const change = await rows.first().locator('details table').innerText();
    assert.match(change, /City/);
    assert.match(change, /Казань/);
    await assertAccessible(p, 'the audit trail with filters');
    await screenshot(p, 'audit-filtered');
  } finally {
    await b.close();
  }
});

test('an NGO is not given a form for another organisation, nor the ministry\'s fields', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await signIn(p, env, 'ngo');
    const other = await p.evaluate(async (own) => (await (await fetch('/api/v1/organisations?public=true&limit=20')).json()).items.find((o) => o.id !== own).id, env.logins.ngo.org);
    await p.goto(`${env.url}/organisations/${other}/edit`);
    await p.getByText('You may read this record but not change it.').waitFor();
    assert.equal(await p.getByRole('button', { name: 'Save changes' }).count(), 0);
    await p.goto(`${env.url}/applications/new`);
    await p.getByLabel('Notes').waitFor();
    for (const label of ['Committee session', 'Filed on', 'Decided on']) assert.equal(await p.getByLabel(label, { exact: true }).count(), 0, label);
  } finally {
    await b.close();
  }
});

test('every list can be exported with its filters, not only organisations', async () => {
  await page.goto(`${env.url}/people?languages=ru`);
  const csv = page.getByRole('link', { name: 'Export CSV' });
  await csv.waitFor();
  const href = await csv.getAttribute('href');
  assert.match(href, /^\/api\/v1\/people\?/);
  assert.match(href, /languages=ru/);
  assert.match(href, /bom=true/);
  assert.match(href, /labels=en/);
  const fetchCsv = (u) =>
    page.evaluate(async (x) => {
      const res = await fetch(x);
      const bytes = new Uint8Array(await res.clone().arrayBuffer());
      return { status: res.status, type: res.headers.get('content-type'), text: (await res.text()).slice(0, 200), head: [...bytes.slice(0, 3)] };
    }, u);
  const r = await fetchCsv(href);
  assert.equal(r.status, 200);
  assert.match(r.type, /csv/);
  // The header row names the columns as the page does, not by their field names.
  assert.match(r.text, /^No\.,Full name,/);
  assert.doesNotMatch(r.text.split('\r\n')[0], /full_name/);
  assert.deepEqual(r.head, [0xef, 0xbb, 0xbf], 'a CSV for Excel starts with a BOM');
  // In the Russian UI, in Russian.
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  try {
    await page.goto(`${env.url}/people?languages=ru`);
    const ru = page.getByRole('link', { name: 'Выгрузить CSV' });
    await ru.waitFor();
    const hru = await ru.getAttribute('href');
    assert.match(hru, /labels=ru/);
    const rr = await fetchCsv(hru);
    assert.equal(rr.status, 200);
    assert.match(rr.text.split('\r\n')[0], /^№,/);
    assert.doesNotMatch(rr.text.split('\r\n')[0], /full_name|Full name/);
  } finally {
    await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
  }
  await page.goto(`${env.url}/meetings`);
  await page.getByRole('link', { name: 'Export Excel' }).waitFor();
});

test('the Russian dashboard fits a phone screen without sideways scrolling', async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const p = await b.page();
    await p.goto(`${env.url}/signin`);
    await p.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
    await signIn(p, env, 'officer');
    await p.goto(`${env.url}/dashboard`);
    await p.locator('.representation svg').waitFor();
    await p.locator('.delegation-stats table').waitFor();
    await p.waitForLoadState('networkidle');
    const [sw, cw] = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(sw <= cw, `page ${sw}px wide on a ${cw}px screen`);
    await screenshot(p, 'phone-dashboard-ru');
  } finally {
    await b.close();
  }
});

test('a page prints its content without the navigation and controls', async () => {
  await page.goto(`${env.url}/delegations/1`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.emulateMedia({ media: 'print' });
  const shown = await page.evaluate(() => ({
    header: getComputedStyle(document.querySelector('.topbar')).display,
    nav: getComputedStyle(document.querySelector('.sidenav')).display,
    buttons: [...document.querySelectorAll('main button')].filter((b) => getComputedStyle(b).display !== 'none').length,
    title: getComputedStyle(document.querySelector('main h1')).display,
  }));
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(shown, { header: 'none', nav: 'none', buttons: 0, title: 'block' });
});

test('an organisation\'s timeline: its meetings, applications, statuses, proposals, reports and documents by date', async () => {
  await page.goto(`${env.url}/organisations/4`);
  await page.getByRole('link', { name: 'Timeline' }).click();
  await page.waitForURL(/\/organisations\/4\/timeline$/);
  const rows = page.locator('main table.data tbody tr');
  await rows.first().waitFor();
  const texts = await rows.allInnerTexts();
  const all = texts.join('\n');
  assert.match(all, /UN ECOSOC · Special — status granted/);
  assert.match(all, /Joint register of memorial sites abroad/);
  // Newest first.
  const dates = await page.evaluate(() => [...document.querySelectorAll('main table.data tbody tr time')].map((x) => x.getAttribute('datetime')));
  assert.ok(dates.length >= 2);
  assert.deepEqual(dates, [...dates].sort().reverse());
  await assertAccessible(page, 'an organisation timeline');
  await screenshot(page, 'organisation-timeline');
});
