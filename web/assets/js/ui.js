// Shared pieces of pages: headers, tables, pagers, badges, value formatting, dialogs,
// notices and problem display.
import { h, clear, nextId } from './dom.js';
import { api, Problem, segmentOf, resource, has, roleAtLeast, minRole } from './api.js';
import { app } from './state.js';
import { t, tOpt, bodyLabel, singularLabel, fieldLabel, valueLabel, fmtDate, fmtNumber, countryName, languageName, displayName } from './i18n.js';
import { navigate } from './router.js';

export function link(href, ...children) {
  return h('a', { href }, ...children);
}

export function pageHeader(title, { crumbs = [], actions = [], sub } = {}) {
  return h(
    'div',
    { class: 'page-head' },
    crumbs.length
      ? h('nav', { class: 'crumbs', 'aria-label': t('a11y.breadcrumbs') }, h('ol', null, crumbs.map(([label, href]) => h('li', null, href ? link(href, label) : label))))
      : null,
    h('div', { class: 'page-title-row' }, h('h1', { tabindex: '-1', id: 'page-title' }, title), actions.length ? h('div', { class: 'actions' }, actions) : null),
    sub ? h('p', { class: 'page-sub' }, sub) : null,
  );
}

export function button(label, onClick, { kind = '', type = 'button', ...attrs } = {}) {
  return h('button', { type, class: ['btn', kind && `btn-${kind}`], on: onClick ? { click: onClick } : undefined, ...attrs }, label);
}

export function linkButton(label, href, kind = '') {
  return h('a', { href, class: ['btn', kind && `btn-${kind}`] }, label);
}

export function badge(value, cls = '') {
  if (value === null || value === undefined || value === '') return '';
  return h('span', { class: ['badge', `st-${String(value).replace(/[^a-z0-9_]/gi, '')}`, cls] }, valueLabel(value));
}

// A notice box: kind info | warn | error | ok.
export function notice(kind, ...children) {
  return h('div', { class: ['notice', `notice-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

// What a page shows when an endpoint it uses is not on this server (yet).
export function unavailable(what) {
  return h('p', { class: 'muted unavailable' }, t('msg.unavailable', { what }));
}

// A person-readable sentence for a problem.
export function problemText(p) {
  if (!(p instanceof Problem)) return String(p?.message || p);
  if (p.status === 0) return t('err.network');
  if (p.status === 401) return t('err.401');
  if (p.status === 403) return t('err.403');
  if (p.status === 404) return t('err.404');
  if (p.status === 412) return t('err.412');
  if (p.status === 429) return t('err.429');
  if (p.status >= 500) return t('err.5xx');
  return p.detail || p.title || `HTTP ${p.status}`;
}

// One field error of a problem as a sentence: "Response: give the ministry's response".
export function fieldErrorText(e) {
  const base = String(e?.field || '').split(/[.[]/)[0];
  const msg = errorMessage(e);
  return base ? `${fieldLabel(base)}: ${msg}` : msg;
}

// The message of one entry of a problem's errors[], in the UI's language when the server
// gave a stable code (pe.<code> in strings.js; {0} a parameter as given, {0:v} one that
// is a value such as a state, {0:s} a kind of record); else the server's English.
export function errorMessage(e) {
  const s = e?.code ? tOpt(`pe.${e.code}`) : null;
  if (!s) return e?.message || '';
  const ps = Array.isArray(e.params) ? e.params : [];
  return s.replace(/\{(\d)(?::([vs]))?\}/g, (m, i, kind) => {
    const v = ps[Number(i)];
    if (v === undefined) return m;
    if (kind === 'v') return valueLabel(v);
    if (kind === 's') return singularLabel(v);
    return v;
  });
}

// A problem as a notice: the sentence, and every field error it carries (a problem's
// errors must reach the user even when no form on the page has the field).
export function problemNotice(p) {
  const errs = p instanceof Problem ? p.errors : [];
  if (!errs.length) return notice('error', problemText(p));
  return notice('error', h('p', null, t('err.fix_first')), h('ul', { class: 'problem-errors' }, errs.map((e) => h('li', null, fieldErrorText(e)))));
}

export function loading() {
  return h('p', { class: 'muted loading', role: 'status' }, t('msg.loading'));
}

// Reads what a part of a page shows: "Loading…" in box meanwhile, then box emptied for
// the caller to fill. Resolves the answer's data, or null with the problem shown in box.
export async function loadInto(box, path, query) {
  clear(box).append(loading());
  try {
    const { data } = await api('GET', path, { query });
    clear(box);
    return data;
  } catch (p) {
    clear(box).append(problemNotice(p));
    return null;
  }
}

/* ---- values ----------------------------------------------------------------------- */

const refCache = new Map();

// The display name of a referenced record (cached per page load); resolves '' if hidden.
export async function refName(resName, id) {
  const key = `${resName}/${id}`;
  if (!refCache.has(key)) {
    const seg = segmentOf(resName) || resName;
    refCache.set(
      key,
      api('GET', `/api/v1/${seg}/${id}`)
        .then(({ data }) => displayName(data))
        .catch(() => `#${id}`),
    );
  }
  return refCache.get(key);
}

export function forgetRef(resName, id) {
  refCache.delete(`${resName}/${id}`);
}

// A link to a referenced record whose text fills in when its name is known.
export function refLink(resName, id, known) {
  const seg = segmentOf(resName) || resName;
  const a = h('a', { href: `/${seg}/${id}` }, known || `#${id}`);
  if (!known)
    refName(resName, id).then((n) => {
      a.textContent = n;
    });
  return a;
}

// The officers' and administrators' names by e-mail (GET /api/v1/officers, read once per
// page load, for those who may), so that a desk officer, or who moved a record on, is
// named. el shows the e-mail until then; show(name, email) gives its text.
let officers = null;
export function nameByEmail(el, email, show) {
  if (!email || !has('/api/v1/officers') || !roleAtLeast(app.me?.role, minRole('/api/v1/officers'))) return el;
  officers = officers || api('GET', '/api/v1/officers').then(({ data }) => new Map(data.items.map((u) => [u.email, u.name])), () => new Map());
  officers.then((names) => {
    if (names.get(email)) el.textContent = show(names.get(email), email);
  });
  return el;
}
const officerLink = (email) => nameByEmail(h('a', { href: `mailto:${email}` }, email), email, (name) => `${name} (${email})`);

// Fields holding a year (or a session number): shown without digit grouping.
const YEARISH = /(^|_)(year|years|period_start|period_end|considered_in|session|committee_session)(_|$)|_year$/;

// Renders a field's value for reading. f: field declaration (may be null).
export function showValue(f, v, rec) {
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) return h('span', { class: 'muted' }, '—');
  const name = f?.name || '';
  const ref = f?.['x-references'] || f?.items?.['x-references'];
  if (ref && Array.isArray(v)) return h('span', null, v.map((id, i) => [i ? ', ' : '', refLink(ref, id)]));
  if (ref) return refLink(ref, v, rec?.[name.replace(/_id$/, '_name')]);
  if (f?.format === 'iso3166-1-alpha-2' || name === 'country' || name.endsWith('_country')) return countryName(v);
  if (name === 'lang' || name === 'language') return languageName(v);
  if (name === 'languages' && Array.isArray(v)) return v.map(languageName).join(', ');
  if (f?.enum || name === 'state' || name === 'role') return name === 'state' ? badge(v) : valueLabel(v);
  // Codes kept as text (statuses a body grants, a body's code): in words when known.
  if (name === 'status' || name === 'requested_status') return tOpt(`v.${v}`) || v;
  if (name === 'body' || name === 'target_body') return bodyLabel(v);
  if (name === 'area' || name === 'areas') return Array.isArray(v) ? v.map((x) => tOpt(`v.${x}`) || x).join(', ') : tOpt(`v.${v}`) || v;
  if (f?.format === 'date' || /_on$/.test(name)) return fmtDate(v);
  if (f?.format === 'date-time' || /_at$/.test(name)) return fmtDate(v);
  if (f?.base === 'boolean' || typeof v === 'boolean') return v ? t('v.yes') : t('v.no');
  if (f?.format === 'uri' || name === 'website') return h('a', { href: v, rel: 'noopener noreferrer' }, v);
  if (name === 'officer' && typeof v === 'string') return officerLink(v);
  if (f?.format === 'email' || name === 'email') return h('a', { href: `mailto:${v}` }, v);
  if (name === 'report_period' && Array.isArray(v) && v.length === 2) return `${v[0]}–${v[1]}`;
  if (Array.isArray(v) && ['agenda', 'recommendations', 'sources'].includes(name)) return h('ol', { class: 'plain-list' }, v.map((x) => h('li', null, String(x))));
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : tOpt(`v.${x}`) || x)).join(', ');
  // Years are years ("2028", never "2,028"); a period of years is "2026–2029".
  if (typeof v === 'number' && YEARISH.test(name)) return String(v);
  if (typeof v === 'number') return fmtNumber(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/.test(v)) return fmtDate(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/* ---- tables ----------------------------------------------------------------------- */

// columns: [{key, label, render(rec), sort: 'field'}]; sort: current "field" | "-field".
export function table({ columns, rows, caption, sort, onSort, empty }) {
  if (!rows.length) return h('p', { class: 'muted empty' }, empty || t('msg.none'));
  const head = h(
    'tr',
    null,
    columns.map((c) => {
      if (!c.sort || !onSort) return h('th', { scope: 'col', class: c.cls }, c.label);
      const dir = sort === c.sort ? 'ascending' : sort === `-${c.sort}` ? 'descending' : null;
      const next = dir === 'ascending' ? `-${c.sort}` : c.sort;
      return h(
        'th',
        { scope: 'col', class: c.cls, 'aria-sort': dir || 'none' },
        h('button', { type: 'button', class: 'sort', on: { click: () => onSort(next) } }, c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ' ↕')),
      );
    }),
  );
  const rh = columns.findIndex((c) => !c.select); // the row header: not a checkbox column
  const body = rows.map((r) => h('tr', null, columns.map((c, i) => h(i === rh ? 'th' : 'td', { scope: i === rh ? 'row' : null, class: c.cls }, c.render ? c.render(r) : r[c.key]))));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, caption ? h('caption', { class: 'sr-only' }, caption) : null, h('thead', null, head), h('tbody', null, body)));
}

// A definition list of fields of one record.
export function fieldList(res, rec, names) {
  const items = [];
  for (const n of names) {
    const f = res?.field(n) || { name: n };
    const wide = (f.maxLength || 0) > 1000 || ['description', 'summary', 'text', 'notes', 'agenda', 'mandate', 'response', 'body'].includes(n);
    const v = rec[n];
    const shown = typeof v === 'string' && v.length > 700 ? h('details', { class: 'long-text' }, h('summary', null, `${v.slice(0, 240)}…`), h('div', { class: 'doc-body' }, v.split(/\n{2,}/).map((p) => h('p', null, p)))) : showValue(f, v, rec);
    items.push(h('div', { class: ['dl-row', wide && 'wide'] }, h('dt', null, fieldLabel(n)), h('dd', null, shown)));
  }
  return h('dl', { class: 'fields' }, items);
}

/* ---- dialogs ---------------------------------------------------------------------- */

// A modal <dialog>; resolves the value given to close(), or null when cancelled.
export function dialog(title, build) {
  return new Promise((resolve) => {
    const titleId = nextId('dlg');
    const d = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
    const done = (v) => {
      d.close();
      d.remove();
      resolve(v);
    };
    d.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(null);
    });
    d.append(h('h2', { id: titleId }, title), build(done));
    document.body.append(d);
    d.showModal();
  });
}

export function confirmDialog(title, text, okLabel, kind = 'danger') {
  return dialog(title, (done) =>
    h('div', null, h('p', null, text), h('div', { class: 'dialog-actions' }, button(t('act.cancel'), () => done(null)), button(okLabel, () => done(true), { kind }))),
  );
}

// A "Delete" button for one record of the collection at path: asks first, sends DELETE
// with If-Match (the version shown), says so, then onDone(); a refusal shows at the top
// of errorBox.
export function deleteButton(path, item, { onDone, errorBox, text = t('rec.confirm_delete_item') } = {}) {
  return button(
    t('act.delete'),
    async () => {
      if (!(await confirmDialog(t('act.delete'), text, t('act.delete')))) return;
      try {
        await api('DELETE', `${path}/${item.id}`, { etag: `"${item.version}"` });
        toast(t('msg.deleted'));
        await onDone?.();
      } catch (p) {
        errorBox.prepend(problemNotice(p));
      }
    },
    { kind: 'ghost-danger' },
  );
}

/* ---- filters ---------------------------------------------------------------------- */

// A control with its label, as filter bars lay them out.
export function labelled(name, label, control) {
  return h('div', { class: `field field-${name}` }, h('label', { for: control.id }, label), control);
}

// A list's filter bar: a search landmark of labelled controls and buttons; onSubmit gets
// the form's elements.
export function filterBar(children, onSubmit) {
  const submit = (e) => {
    e.preventDefault();
    onSubmit(e.target.elements);
  };
  return h('form', { class: 'filters', role: 'search', 'aria-label': t('list.filters'), on: { submit } }, children);
}

/* ---- state changes ---------------------------------------------------------------- */

import { legalMoves } from './api.js';

// Buttons for the legal moves of rec for the signed-in user. After a move, onDone(rec).
// A refused move (409) shows the server's list of allowed ones.
export function transitionControls(res, rec, me, onDone, { compact = false } = {}) {
  const box = h('div', { class: ['transitions', compact && 'compact'] });
  const moves = legalMoves(res, rec.state, me?.role);
  if (!moves.length) return box;
  for (const to of moves) {
    box.append(
      button(
        t(`move.${to}`),
        async () => {
          const note = await dialog(t('move.title', { to: valueLabel(to) }), (done) => {
            const id = nextId('note');
            const input = h('textarea', { id, rows: 3, maxlength: 2000 });
            const form = h(
              'form',
              { on: { submit: (e) => { e.preventDefault(); done({ note: input.value }); } } },
              h('p', null, t('move.explain', { from: valueLabel(rec.state), to: valueLabel(to) })),
              h('div', { class: 'field' }, h('label', { for: id }, t('move.note')), input),
              h('div', { class: 'dialog-actions' }, button(t('act.cancel'), () => done(null)), button(t(`move.${to}`), null, { kind: to === 'withdrawn' || to === 'rejected' ? 'danger' : 'primary', type: 'submit' })),
            );
            return form;
          });
          if (!note) return;
          try {
            const body = { to };
            if (note.note.trim()) body.note = note.note.trim();
            const { data } = await api('POST', `${res.path}/${rec.id}/transitions`, { body });
            toast(t('move.done', { to: valueLabel(to) }));
            onDone(data);
          } catch (p) {
            box.querySelector('.notice')?.remove();
            if (p instanceof Problem && p.status === 409 && p.allowed)
              box.append(notice('error', t('move.refused', { allowed: p.allowed.map(valueLabel).join(', ') || t('msg.none_allowed') })));
            else box.append(problemNotice(p));
          }
        },
        { kind: to === 'withdrawn' || to === 'rejected' ? 'ghost-danger' : compact ? 'small' : '', 'data-to': to },
      ),
    );
  }
  return box;
}

/* ---- toasts ----------------------------------------------------------------------- */

export function toast(text) {
  let region = document.getElementById('toasts');
  if (!region) {
    region = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const el = h('div', { class: 'toast' }, text);
  region.append(el);
  setTimeout(() => el.remove(), 4000);
}

/* ---- tabs ------------------------------------------------------------------------- */

// Tabs as links (each tab has its own URL, so back/forward and bookmarks work).
export function tabs(items, current, label) {
  return h(
    'nav',
    { class: 'tabs', 'aria-label': label },
    h('ul', null, items.map(([key, text, href]) => h('li', null, h('a', { href, class: key === current ? 'active' : null, 'aria-current': key === current ? 'page' : null }, text)))),
  );
}

export function goto(path) {
  navigate(path);
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', null, title), ...children);
}

export { h, clear, resource };
