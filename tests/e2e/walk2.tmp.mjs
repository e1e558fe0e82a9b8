import { startDemo, openBrowser, signIn, missingLabels } from './lib/ui.mjs';
const env = await startDemo();
const out = [];
async function check(page, b, name, lang) {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
  const r = await page.evaluate((lang) => {
    const all = document.body.innerText;
    const probs = [];
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) probs.push(`overflow ${document.documentElement.scrollWidth}`);
    if (/object Object|NaN|undefined|Invalid Date/.test(all)) probs.push('bad text');
    const iso = all.match(/\b\d{4}-\d{2}-\d{2}(T[\d:]+Z?)?\b/g); if (iso) probs.push('iso ' + iso.slice(0, 3).join(' '));
    const snake = all.match(/\b[a-z]+_[a-z_]+\b/g); if (snake) probs.push('snake ' + [...new Set(snake)].slice(0, 8).join(' '));
    return probs;
  }, lang);
  const miss = await missingLabels(page);
  if (miss.length) r.push('missing ' + miss.join(' '));
  if (b.errors.length) r.push('errors ' + b.errors.join(' | '));
  b.errors.length = 0;
  await page.screenshot({ path: `/tmp/walk2/${name}.png`, fullPage: false });
  if (r.length) out.push(`${name}: ${r.join(' ;; ')}`);
}
for (const vp of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) for (const lang of ['ru', 'en']) {
  const tag = `${vp.width}-${lang}`;
  const b = await openBrowser({ viewport: vp });
  const page = await b.page();
  await page.goto(`${env.url}/signin`);
  await page.evaluate((l) => localStorage.setItem('civdesk.lang', l), lang);
  await signIn(page, env, 'officer');
  // new organisation form, submit empty
  await page.goto(`${env.url}/organisations/new`);
  await page.locator('form.record-form button[type=submit]').click();
  await check(page, b, `${tag}-org-new-errors`, lang);
  // application: transition dialog
  await page.goto(`${env.url}/applications/board`);
  await page.waitForLoadState('networkidle');
  await check(page, b, `${tag}-board`, lang);
  const mv = page.locator('.transitions button').first();
  if (await mv.count()) { await mv.click(); await check(page, b, `${tag}-move-dialog`, lang); await page.keyboard.press('Escape'); }
  // bulk assign dialog
  await page.goto(`${env.url}/organisations`);
  await page.locator('input.select-row').first().check();
  const assign = page.locator('.bulk-bar button').first();
  await page.locator('.bulk-bar button').nth(0).waitFor();
  await page.locator('.bulk-bar button', { hasText: /Assign|Назначить/ }).click();
  await check(page, b, `${tag}-bulk-assign`, lang);
  await page.keyboard.press('Escape');
  // bell
  await page.locator('#bell summary').click();
  await check(page, b, `${tag}-bell`, lang);
  // delegation print
  await page.goto(`${env.url}/delegations/1`);
  await page.emulateMedia({ media: 'print' });
  await check(page, b, `${tag}-delegation-print`, lang);
  await page.emulateMedia({ media: 'screen' });
  // calendar list, meeting edit
  await page.goto(`${env.url}/meetings/1/edit`);
  await check(page, b, `${tag}-meeting-edit`, lang);
  await page.goto(`${env.url}/reports/1/edit`);
  await check(page, b, `${tag}-report-edit`, lang);
  await page.goto(`${env.url}/delegations/1`);
  await check(page, b, `${tag}-delegation`, lang);
  await page.goto(`${env.url}/working-groups/1`);
  await check(page, b, `${tag}-wg`, lang);
  await page.goto(`${env.url}/proposals/1`);
  await check(page, b, `${tag}-proposal`, lang);
  // menu on phone
  if (vp.width < 500) { await page.locator('.menu-btn').click(); await check(page, b, `${tag}-menu`, lang); }
  await page.locator('#signout').click();
  await check(page, b, `${tag}-signed-out`, lang);
  await b.close();
}
console.log(out.join('\n'));
await env.stop();
