// The "Broken" list of the UI's second pass (issue 17), one test per item: each failed
// before its fix. An officer's day in English and Russian, the keyboard, and the public.
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
  await signIn(page, env, 'officer');
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

async function english() {
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'en'));
}

// An application whose history has moves (the demo's endorsed one).
async function endorsedApplication() {
  return page.evaluate(async () => {
    const r = await fetch('/api/v1/applications?state=endorsed&limit=1');
    return (await r.json()).items[0].id;
  });
}

test('item 3: the "By" column of a state history names who moved it, never [object Object]', async () => {
  const id = await endorsedApplication();
  await page.goto(`${env.url}/applications/${id}`);
  const hist = page.locator('section.panel', { has: page.getByRole('heading', { name: 'History of states' }) });
  await hist.locator('tbody tr').first().waitFor();
  const text = await hist.innerText();
  assert.doesNotMatch(text, /object Object/);
  assert.match(text, /officer@civdesk\.example|Desk Officer/);
});

test('item 4: a refused state move shows the field errors the server gave', async () => {
  const id = await page.evaluate(async () => {
    const r = await fetch('/api/v1/proposals?state=under_review&limit=1');
    return (await r.json()).items[0].id;
  });
  await page.goto(`${env.url}/proposals/${id}`);
  await page.getByRole('button', { name: 'Accept', exact: true }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Accept', exact: true }).click();
  const alert = page.locator('.panel-moves .notice-error');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /Response/, `the summary names the field: ${text}`);
  assert.match(text, /response/i);
  assert.doesNotMatch(text, /see errors/);
  await assertAccessible(page, 'a refused move with its field errors');
});

test('item 10: the skip link moves the keyboard focus to the page content', async () => {
  await page.goto(`${env.url}/dashboard`);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'main');
  // The next Tab lands inside the content, not on the header's or the menu's links.
  await page.keyboard.press('Tab');
  const inMain = await page.evaluate(() => !!document.activeElement?.closest('main'));
  assert.equal(inMain, true);
  assert.equal(new URL(page.url()).pathname, '/dashboard');
});

test('item 6: country lists offer the current ISO codes only, each once, in the UI language', async () => {
  await page.goto(`${env.url}/organisations/new`);
  const sel = page.getByLabel('Country', { exact: true });
  await sel.waitFor();
  const opts = await sel.evaluate((s) => [...s.options].filter((o) => o.value).map((o) => [o.value, o.textContent]));
  const codes = opts.map(([c]) => c);
  for (const old of ['SU', 'DD', 'YU', 'CS', 'UK', 'ZR', 'TP']) assert.ok(!codes.includes(old), `withdrawn ${old} offered`);
  assert.equal(codes.length, 249);
  assert.equal(new Set(opts.map(([, n]) => n)).size, opts.length, 'a country named twice');
  // Every code offered is one the server accepts (it validates against iso-codes).
  const refused = await page.evaluate(async (list) => {
    const bad = [];
    for (const c of list) {
      const r = await fetch(`/api/v1/organisations?country=${c}&limit=1`);
      if (r.status !== 200) bad.push(c);
    }
    return bad;
  }, codes);
  assert.deepEqual(refused, []);
  // The list's filter: Russia once, with its code; in Russian, named in Russian.
  await page.goto(`${env.url}/organisations`);
  const flt = page.locator('form.filters select[name="country"]');
  await flt.waitFor();
  const russia = await flt.evaluate((s) => [...s.options].filter((o) => /Russia/.test(o.textContent)).map((o) => o.textContent));
  assert.deepEqual(russia, ['Russia (RU)']);
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  await page.reload();
  await flt.waitFor();
  const ru = await flt.evaluate((s) => [...s.options].filter((o) => o.value === 'RU').map((o) => o.textContent));
  assert.deepEqual(ru, ['Россия (RU)']);
  await english();
});

test('item 9: delegation statistics on the dashboard and the delegations list', async () => {
  await page.goto(`${env.url}/dashboard`);
  const card = page.locator('.delegation-stats');
  const row = card.getByRole('row', { name: /UNGA 71/ });
  await row.waitFor();
  assert.match(await row.innerText(), /\b23\b/, '23 NGOs at the 71st session');
  await assertAccessible(page, 'the dashboard with delegation statistics');
  await page.goto(`${env.url}/delegations`);
  await page.getByRole('heading', { name: 'NGO experts in delegations' }).waitFor();
  await page.getByRole('row', { name: /UNGA 71/ }).first().waitFor();
  await screenshot(page, 'delegations');
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  await page.reload();
  await page.getByRole('heading', { name: 'Эксперты НКО в делегациях' }).waitFor();
  await page.getByRole('row', { name: /UNGA 71/ }).first().waitFor();
  assert.deepEqual(await missingLabels(page), []);
  await english();
});

test('item 8: the public registry shows the statuses of listed organisations', async () => {
  const anon = await openBrowser();
  try {
    const p = await anon.page();
    // The demo's organisation 4 is listed and holds ECOSOC special status.
    await p.goto(`${env.url}/public/organisations/4`);
    const panel = p.locator('section.panel', { has: p.getByRole('heading', { name: 'Statuses at international bodies' }) });
    const row = panel.getByRole('row', { name: /UN ECOSOC/ });
    await row.waitFor();
    assert.match(await row.innerText(), /Special/);
    assert.equal(await p.getByText('Statuses are not published').count(), 0);
    await assertAccessible(p, 'a public organisation with its statuses');
    await screenshot(p, 'public-organisation');
    await p.goto(`${env.url}/public/organisations?q=${encodeURIComponent("Память")}`);
    const listed = p.getByRole('row').filter({ has: p.locator('a[href="/public/organisations/4"]') });
    await listed.locator('.statuses .badge').first().waitFor();
    assert.match(await listed.innerText(), /UN ECOSOC · Special/);
    assert.deepEqual(anon.errors, []);
  } finally {
    await anon.close();
  }
});

test('item 2: the global search finds every language unless the user narrows it', async () => {
  await english();
  await page.goto(`${env.url}/dashboard`);
  await page.locator('#global-search').fill('мемориальных');
  await page.locator('#global-search').press('Enter');
  await page.waitForURL(/\/search\?q=/);
  const hit = page.locator('.results-list mark', { hasText: 'мемориальных' }).first();
  await hit.waitFor();
  assert.match(await page.locator('.results-list li').first().innerText(), /Russian/);
  await assertAccessible(page, 'search results in another language');
  // Narrowed to English, the Russian letter is not found.
  await page.getByLabel('Language of the text').selectOption('en');
  await page.waitForURL(/lang=en/);
  await page.getByText('Nothing found', { exact: false }).waitFor();
});

test('item 5: the server\'s field errors and warnings are said in Russian in the Russian UI', async () => {
  await page.evaluate(() => localStorage.setItem('civdesk.lang', 'ru'));
  try {
    // A form: the server's codes turned into Russian at the fields.
    await page.goto(`${env.url}/organisations/new`);
    await page.getByLabel('Название', { exact: true }).fill('Тест');
    await page.getByLabel('Дата основания').fill('2099-01-01').catch(() => {});
    await page.getByLabel('Страна', { exact: true }).selectOption('FR');
    await page.getByRole('button', { name: 'Создать', exact: true }).click();
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /дата ещё не наступила/, text);
    assert.doesNotMatch(text, /is in the future/);
    // A refused move: the requirement in Russian.
    const id = await page.evaluate(async () => {
      const r = await fetch('/api/v1/proposals?state=under_review&limit=1');
      return (await r.json()).items[0].id;
    });
    await page.goto(`${env.url}/proposals/${id}`);
    await page.getByRole('button', { name: 'Принять', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Принять', exact: true }).click();
    const alert = page.locator('.panel-moves .notice-error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Ответ: перед переводом в «Принято/);
    await screenshot(page, 'proposal-refused-ru');
    // Warnings the server computes on a record (a report over its word limit).
    const rep = await page.evaluate(async () => {
      const r = await fetch('/api/v1/reports?limit=100');
      return (await r.json()).items.find((x) => x.warnings.some((w) => /over the limit/.test(w)))?.id;
    });
    assert.ok(rep, 'the demo has a report over its word limit');
    await page.goto(`${env.url}/reports/${rep}`);
    const warn = page.locator('.computed .notice-warn').first();
    await warn.waitFor();
    const w = await page.locator('.computed').innerText();
    assert.match(w, /слов — больше предела/);
    assert.doesNotMatch(w, /over the limit|has passed/);
    assert.deepEqual(await missingLabels(page), []);
  } finally {
    await english();
  }
});

test('item 7: typed work survives the end of a session, and a warning comes before the idle timeout', async () => {
  const b = await openBrowser();
  try {
    const p = await b.page();
    await signIn(p, env, 'officer');
    await p.goto(`${env.url}/organisations/5/edit`);
    const desc = p.getByLabel('Description', { exact: true });
    await desc.waitFor();
    const typed = `Written before the session ended ${Date.now()}`;
    await desc.fill(typed);
    // The session ends (here: its cookie is gone) before the user presses Save.
    await b.context.clearCookies();
    await p.getByRole('button', { name: 'Save changes', exact: true }).click();
    await p.waitForURL(/\/signin\?next=.*expired=1/);
    await signIn(p, env, 'officer');
    await p.waitForURL(/\/organisations\/5\/edit$/);
    await p.getByText('what you had typed is back in the form').waitFor();
    assert.equal(await p.getByLabel('Description', { exact: true }).inputValue(), typed);
    await p.getByRole('button', { name: 'Save changes', exact: true }).click();
    await p.waitForURL(/\/organisations\/5$/);
    const saved = await p.evaluate(async () => (await (await fetch('/api/v1/organisations/5')).json()).description);
    assert.equal(saved, typed);

    // The idle timeout, on a fake clock: a warning two minutes before, "stay" restarts it.
    const q = await b.context.newPage();
    await q.clock.install();
    await q.goto(`${env.url}/dashboard`);
    await q.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await q.waitForLoadState('networkidle');
    await q.clock.fastForward('28:30');
    const warning = q.locator('.idle-warning');
    await warning.waitFor();
    assert.match(await warning.innerText(), /signed out at/);
    await screenshot(q, 'idle-warning');
    await assertAccessible(q, 'the idle warning');
    await warning.getByRole('button', { name: 'Stay signed in' }).click();
    await warning.waitFor({ state: 'detached' });
    await q.clock.fastForward('29:00');
    await warning.waitFor();
    await q.clock.fastForward('01:30');
    await q.waitForURL(/\/signin\?next=%2Fdashboard&expired=1/);
    await q.close();
    assert.deepEqual(b.errors.filter((e) => !/401/.test(e)), []);
  } finally {
    await b.close();
  }
});

test('item 1: lower-case Russian, fragments and transliterations find organisations in the list', async () => {
  await english();
  const count = async (q) => {
    await page.goto(`${env.url}/organisations?q=${encodeURIComponent(q)}`);
    const range = page.locator('.pager .range');
    await range.waitFor();
    const m = /of ([\d,]+)$/.exec(await range.innerText());
    return m ? Number(m[1].replace(/,/g, '')) : 0;
  };
  const upper = await count('Открыт');
  assert.ok(upper > 0, 'the demo has such organisations');
  assert.equal(await count('открыт'), upper);
  assert.equal(await count('откры'), upper);
  assert.equal(await count('Otkrytyi'), upper);
  assert.ok((await count('самара')) > 0, 'a city');
  assert.equal(await count('памят'), await count('Памят'));
});
