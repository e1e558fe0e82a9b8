// Harness for the browser tests: a civdesk server on a fresh demo database (through the
// API tests' harness), Debian's chromium driven by playwright-core, sign-in through the
// real form, and axe-core checks.
//
//   const env = await startDemo();            // server + logins {admin, officer, ngo}
//   const b = await openBrowser();            // fresh profile, 1280×800
//   const page = await b.page();
//   await signIn(page, env, 'officer');
//   await assertAccessible(page, 'dashboard');
//   await b.close(); await env.stop();

import { chromium } from 'playwright-core';
import { mkdtemp, rm, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { cliOk, launch } from '../../api/lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const CHROMIUM = process.env.CIVDESK_CHROMIUM || '/usr/bin/chromium';
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// `civdesk demo --db` on a temp database, then `civdesk serve` on it. Resolves the server
// (see tests/api/lib/server.mjs launch()) with .logins {role: {email, password, org}}.
export async function startDemo() {
  const dir = await mkdtemp(join(tmpdir(), 'civdesk-e2e-'));
  const db = join(dir, 'civdesk.db');
  const r = await cliOk(['demo', '--db', db], { timeoutMs: 120000 });
  const text = await readFile(`${db}.login`, 'utf8').catch(() => r.stdout);
  const logins = {};
  for (const m of text.matchAll(/^\s*(admin|officer|ngo)\s+(\S+@\S+)\s+(\S+)(?:\s+\(organisation (\d+)\))?/gm))
    logins[m[1]] = { email: m[2], password: m[3], org: m[4] ? Number(m[4]) : null };
  assert.ok(logins.admin && logins.officer && logins.ngo, `demo printed no logins:\n${text}`);
  const srv = await launch(db, dir, 4);
  srv.logins = logins;
  return srv;
}

// A fresh browser profile (its own --user-data-dir). page(opts) opens a page with the
// viewport given (default 1280×800) that fails the test on any uncaught page error.
export async function openBrowser({ viewport = { width: 1280, height: 800 }, locale = 'en-GB' } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'civdesk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale,
    timeout: 60000,
  });
  context.setDefaultTimeout(15000);
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    context,
    errors,
    async page() {
      const p = context.pages()[0] && context.pages()[0].url() === 'about:blank' ? context.pages()[0] : await context.newPage();
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
      });
      return p;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

// Signs in through the sign-in page as demo user `who` and waits for the landing page.
export async function signIn(page, srv, who) {
  const l = srv.logins[who];
  if (!new URL(page.url()).pathname.startsWith('/signin')) await page.goto(`${srv.url}/signin`);
  await page.getByLabel(/E-mail|Эл\. почта/).fill(l.email);
  await page.getByLabel(/^Password$|^Пароль$/).fill(l.password);
  await page.getByRole('button', { name: /^(Sign in|Войти)$/ }).last().click();
  await page.waitForSelector('#signout');
  await page.waitForLoadState('networkidle');
}

let axeSource = null;

// Runs axe-core on the page; fails on any serious or critical violation. axe.min.js is
// evaluated through the DevTools protocol: page.addScriptTag would add an inline script,
// which the server's CSP (default-src 'self') rightly refuses.
export async function assertAccessible(page, what) {
  await page.waitForLoadState('networkidle');
  const present = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!present) {
    axeSource = axeSource || (await readFile(AXE, 'utf8'));
    await page.evaluate(axeSource);
  }
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe: serious/critical violations on ${what}:\n${JSON.stringify(bad, null, 2)}`);
  return result;
}

// Labels the page asked for that the current language lacks (strings.js).
export async function missingLabels(page) {
  return page.evaluate(() => [...(window.civdeskMissing || [])]);
}

export async function screenshot(page, name) {
  if (!process.env.CIVDESK_SCREENSHOTS) return;
  const dir = join(ROOT, 'docs/screenshots');
  await mkdir(dir, { recursive: true });
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}
