// Languages: every label through t(), English and Russian, the choice remembered in
// localStorage; dates, numbers, countries and language names through Intl for the
// chosen language.
import { STRINGS } from './strings.js';

const KEY = 'civdesk.lang';
export const LANGS = ['en', 'ru'];
let lang = pick();
const listeners = [];
// Keys asked for that the current language lacks (the browser tests assert it stays empty).
export const missing = new Set();
window.civdeskMissing = missing;

function pick() {
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    saved = null;
  }
  if (LANGS.includes(saved)) return saved;
  const nav = (navigator.language || 'en').slice(0, 2);
  return LANGS.includes(nav) ? nav : 'en';
}

export function getLang() {
  return lang;
}

export function setLang(l) {
  if (!LANGS.includes(l) || l === lang) return;
  lang = l;
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* not remembered, still switched */
  }
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

export function onLang(fn) {
  listeners.push(fn);
}

function humanize(key) {
  const tail = key.includes('.') ? key.slice(key.indexOf('.') + 1) : key;
  const s = tail.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// t('nav.dashboard'), t('list.range', {from: 1, to: 50, total: 360})
export function t(key, vars) {
  let s = STRINGS[lang]?.[key];
  if (s === undefined) {
    missing.add(`${lang}:${key}`);
    s = STRINGS.en[key] ?? humanize(key);
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

// A key if the dictionary has it, else null (for optional labels such as enum values).
export function tOpt(key) {
  return STRINGS[lang]?.[key] ?? STRINGS.en[key] ?? null;
}

// Label of a field, an enum value, a collection.
export const fieldLabel = (name) => t(`f.${name}`);
export const valueLabel = (v) => (v === null || v === undefined ? '' : t(`v.${v}`));
// A body's code in words when the dictionary has it (b.ECOSOC → "UN ECOSOC"), else the code.
export const bodyLabel = (code) => (code ? tOpt(`b.${code}`) || code : '');
export const collLabel = (name) => t(`c.${name.replace(/-/g, '_')}`);
export const oneLabel = (name) => t(`s.${name.replace(/-/g, '_')}`);

// A record kind named in English by the server ("organisation") in the UI's language.
export function singularLabel(word) {
  for (const [k, v] of Object.entries(STRINGS.en)) if (k.startsWith('s.') && v === word) return t(k);
  return word;
}

const locale = () => (lang === 'ru' ? 'ru-RU' : 'en-GB');

export function fmtNumber(n, opts) {
  if (n === null || n === undefined || n === '') return '';
  return new Intl.NumberFormat(locale(), opts).format(Number(n));
}

export function fmtPercent(x, digits = 1) {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
}

// "2026-06-01" → "1 Jun 2026" / "1 июн. 2026 г."; date-times get the time too.
export function fmtDate(s, { long = false } = {}) {
  if (!s) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const [y, m, d] = s.split('-').map(Number);
    return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: long ? 'long' : 'short', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(Date.UTC(y, m - 1, d)),
    );
  }
  const dt = new Date(s);
  if (Number.isNaN(dt.getTime())) return s;
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(dt);
}

// "14:05" for a Date, in the chosen language.
export function fmtTime(d) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(d);
}

export function fmtMonth(y, m) {
  return new Intl.DateTimeFormat(locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m, 1)));
}

export function weekdayNames() {
  const f = new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

// Days from today to a date ("in 5 days", "3 days ago").
export function fmtRelativeDays(s) {
  if (!s) return '';
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  const now = new Date();
  const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  const days = Math.round((Date.UTC(y, m - 1, d) - today) / 86400000);
  return new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' }).format(days, 'day');
}

// Names of countries and languages in the chosen language (Intl.DisplayNames, one per
// kind and language); the code itself when Intl does not know it.
const namers = new Map();
function nameOf(type, code) {
  if (!code) return '';
  const key = `${type}:${lang}`;
  if (!namers.has(key)) namers.set(key, new Intl.DisplayNames([locale()], { type, fallback: 'code' }));
  try {
    return namers.get(key).of(code);
  } catch {
    return code;
  }
}
export const countryName = (code) => nameOf('region', code);
export const languageName = (code) => nameOf('language', code);

// ISO 3166-1 alpha-2 codes, found by asking Intl which two-letter codes name a region
// (no hand-typed list). Withdrawn codes (SU, DD, YU, CS, UK, ZR…) are aliases that Intl
// canonicalises to the current code ("und-SU" → region RU): they are left out, so the
// list is the 249 current codes the server accepts, each once.
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'XK', 'ZZ', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA', 'CQ']);
let countryCodes = null;
export function allCountries() {
  if (!countryCodes) {
    const dn = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    countryCodes = [];
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        if (NOT_COUNTRIES.has(code)) continue;
        let name;
        try {
          name = dn.of(code);
        } catch {
          name = undefined;
        }
        if (!name || name === code) continue;
        let canonical;
        try {
          canonical = new Intl.Locale(`und-${code}`).region;
        } catch {
          canonical = null;
        }
        if (canonical === code) countryCodes.push(code);
      }
  }
  const coll = new Intl.Collator(locale());
  return countryCodes.map((c) => [c, countryName(c)]).sort((x, y) => coll.compare(x[1], y[1]));
}

// A record's display name in the chosen language (name_ru / name_en when present).
export function displayName(rec) {
  if (!rec) return '';
  const local = lang === 'ru' ? rec.name_ru : rec.name_en;
  return local || rec.name || rec.title || rec.full_name || rec.email || rec.forum || (rec.id ? `#${rec.id}` : '');
}

export function countWords(text) {
  const m = (text || '').match(/[\p{L}\p{N}][\p{L}\p{N}'’\-]*/gu);
  return m ? m.length : 0;
}

// Plural category of n in the chosen language (Intl.PluralRules): 'one', 'few', 'many',
// 'other'. plural('unit.word', n) reads 'unit.word.one' … with {n} formatted.
export function plural(key, n, vars = {}) {
  const cat = new Intl.PluralRules(locale()).select(Number(n));
  const k = STRINGS[lang]?.[`${key}.${cat}`] !== undefined ? `${key}.${cat}` : `${key}.other`;
  return t(k, { ...vars, n: fmtNumber(n) });
}

// Sentences the server computes (warnings on records, calendar titles) come with a stable
// code and the values printed into their English text (issue 17): {message, code, params}
// for a warning (warning_details), title_code and title_params for a calendar item. Each
// code is said here in the chosen language from its parameters; a code this UI does not
// know shows the server's English.
const num = (v) => Number(v);
const SAID = {
  over_limit: (p) => t('sw.over_limit', { words: fmtNumber(num(p[0])), limit: fmtNumber(num(p[1])), rule: p[2] }),
  deadline_passed: (p) => t('sw.deadline_passed', { date: fmtDate(p[0]) }),
  unanswered: (p) => plural('sw.unanswered', num(p[0]), { body: bodyLabel(p[1]) }),
  registered_less: (p) => plural('sw.registered_less', num(p[0])),
  founded_unknown: (p) => t('sw.founded_unknown', { n: p[0] }),
  not_national: (p) => t('sw.not_national', { body: bodyLabel(p[0]), status: valueLabel(p[1]) }),
  prereq_not_held: (p) => plural('sw.prereq_not_held', num(p[2]), { body: bodyLabel(p[0]), status: valueLabel(p[1]), needs: valueLabel(p[3]) }),
  prereq_since_unknown: (p) => plural('sw.prereq_since_unknown', num(p[2]), { body: bodyLabel(p[0]), status: valueLabel(p[1]), needs: valueLabel(p[3]) }),
  prereq_held_since: (p) => plural('sw.prereq_held_since', num(p[2]), { body: bodyLabel(p[0]), status: valueLabel(p[1]), needs: valueLabel(p[3]), date: fmtDate(p[4]) }),
  may_reapply: (p) => t('sw.may_reapply', { body: bodyLabel(p[0]), date: fmtDate(p[1]) }),
  closure_due: (p) => t(`sw.closure_due.${p[1]}`, { year: p[0] }),
  cal_meeting: (p) => p[0],
  cal_due: (p) => t('cal.t.due', { what: p[0] }),
  cal_deadline: (p) => t('cal.t.deadline', { what: p[0] }),
  cal_delegation: (p) => (p[1] ? t('cal.t.delegation_to', { what: p[0], date: fmtDate(p[1]) }) : t('cal.t.delegation', { what: p[0] })),
  cal_report_due: (p) => t('cal.t.report_due', { from: p[0], to: p[1], body: bodyLabel(p[2]), org: p[3], status: valueLabel(p[4]) }),
  cal_report_due_suspended: (p) => t('cal.t.report_due_suspended', { from: p[0], to: p[1], body: bodyLabel(p[2]), org: p[3], status: valueLabel(p[4]) }),
  cal_filing_deadline: (p) => t('cal.t.filing_deadline', { body: bodyLabel(p[0]), date: fmtDate(p[1], { long: true }), year: p[2] }),
  cal_file_by: (p) => t('cal.t.file_by', { id: p[0], org: p[1], body: bodyLabel(p[2]), status: valueLabel(p[3]), date: fmtDate(p[4], { long: true }), year: p[5] }),
  cal_decision: (p) => t('cal.t.decision', { id: p[0], org: p[1], body: bodyLabel(p[2]), status: valueLabel(p[3]), state: valueLabel(p[4]) }),
};
export function saidText(s) {
  if (!s) return '';
  if (typeof s === 'string') return s;
  const say = s.code && SAID[s.code];
  return say && Array.isArray(s.params) ? say(s.params) : s.message || '';
}
