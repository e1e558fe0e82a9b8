// Generic pages for any collection the server declares: a list with search, filters,
// sort and paging; a record page with its fields, state changes, history and
// sub-records; create and edit forms.
import { h, clear } from '../dom.js';
import { api, url, has, resource, minRole, roleAtLeast, Problem, segmentOf, segToResource } from '../api.js';
import { t, tOpt, saidText, fieldLabel, collLabel, oneLabel, valueLabel, fmtNumber, allCountries, fmtDate, getLang } from '../i18n.js';
import { app } from '../state.js';
import { navigate, query, setQuery } from '../router.js';
import { conf, titleOf } from '../config.js';
import { pageHeader, table, showValue, linkButton, button, notice, problemNotice, loading, fieldList, transitionControls, confirmDialog, toast, section, unavailable, refLink, loadInto, deleteButton, labelled, filterBar, nameByEmail } from '../ui.js';
import { recordForm, editableFields, inlineForm } from '../forms.js';
import { EXTRAS, FORM_EXTRAS, HANDLED_SUBS } from './extras.js';
import { selection } from './bulk.js';
import { commentable, commentsSection } from './comments.js';
import { fillDelegationStats } from './dashboard.js';
import { SUB_PAGES } from './qreport.js';

const META = new Set(['id', 'created_at', 'updated_at', 'version', 'history']);
// Computed members a page shows in its own way (documents' titles, reports' length).
const SHOWN_ELSEWHERE = new Set(['questions', 'titles', 'word_count', 'word_limit', 'word_limit_rule', 'allowed_transitions', 'transitions']);
const PAGE = 25;

export function mayWrite(path, method) {
  const min = minRole(path, method);
  return !!min && roleAtLeast(app.me?.role, min);
}

// Which field makes a record an organisation's own (x-owner), and which resources an
// organisation may read but not change (x-owner-reads-only): the server's declarations,
// from the OpenAPI document. The server decides (src/domain/access.c); the UI offers only
// what it would allow.

function ownerOf(res) {
  return res.schema?.['x-owner'] ?? null; // the server's declaration (x-owner)
}

export function owns(res, rec) {
  const org = app.me?.organisation_id;
  const f = ownerOf(res);
  if (!org || !f || !rec) return false;
  if (f === 'id') return rec.id === org;
  const v = rec[f];
  return Array.isArray(v) ? v.includes(org) : v === org;
}

// May the signed-in user create (rec null), edit or delete this record? For a
// sub-record, parent is {res, rec}: an organisation may change the sub-records of what
// it owns.
export function may(action, res, rec, parent) {
  const method = { create: 'post', edit: 'patch', delete: 'delete' }[action];
  const pattern = parent ? `/api/v1/${parent.res.seg}/{id}/${res.subSeg}${action === 'create' ? '' : '/{subid}'}` : `/api/v1/${res.seg}${action === 'create' ? '' : '/{id}'}`;
  if (!mayWrite(pattern, method)) return false;
  if (app.me?.role !== 'ngo') return true;
  if (parent) return may('edit', parent.res, parent.rec);
  const owner = ownerOf(res);
  if (!owner || res.schema?.['x-owner-reads-only']) return false;
  if (action === 'create') return owner !== 'id';
  if (action === 'delete' && owner === 'id') return false;
  if (!owns(res, rec)) return false;
  // Only while the organisation can itself move the record on (explicit rows only).
  if (res.transitions && rec.state) return res.transitions.some((tr) => tr.from === rec.state && roleAtLeast('ngo', tr.min_role));
  return true;
}

// The list's columns: configured ones the record has, else the first scalar fields.
export function columnsFor(res, { exclude = [], link = true } = {}) {
  const c = conf(res.name);
  // a stored field, a computed one the server declares, or a value this config computes
  let names = (c.columns || []).filter((n) => (res.field(n) || res.computedField(n) || c.values?.[n]) && !exclude.includes(n));
  if (names.length < 2) names = res.fields.filter((f) => !META.has(f.name) && !exclude.includes(f.name) && f.base !== 'object').slice(0, 5).map((f) => f.name);
  return names.map((n, i) => ({
    key: n,
    label: fieldLabel(n),
    sort: res.field(n)?.['x-sort'] ? n : null,
    cls: `col-${n}`,
    render: (rec) => {
      const computed = conf(res.name).values?.[n];
      const v = computed ? computed(rec) : n === 'title' && !res.field('title') ? titleOf(res.name, rec) : rec[n];
      const shown = showValue(res.field(n) || { name: n }, v, rec);
      return i === 0 && link && res.seg ? h('a', { href: `/${res.seg}/${rec.id}` }, v === null || v === undefined || v === '' ? `#${rec.id}` : shown) : shown;
    },
  }));
}

const trails = new Map(); // list key → cursors of the pages seen, for "previous"

// A filter bar, table and pager for res at API path `path`. fixed: filters always
// applied (not shown); opts.urlState: keep q/filters/sort/cursor in the page URL.
export function recordList(res, { path = res.path, fixed = {}, urlState = true, exclude = [], initial = {}, onRows, bulk = false } = {}) {
  const box = h('div', { class: 'record-list' });
  const c = conf(res.name);
  // Rows to select and act on together (views/bulk.js): top-level lists.
  const sel = bulk ? selection(res, { reload: () => load() }) : null;
  let state = urlState ? query() : { ...initial };
  const filterNames = (c.filters || res.fields.filter((f) => f['x-filter'] && (f.enum || f.base === 'boolean' || f.format === 'iso3166-1-alpha-2')).map((f) => f.name)).filter(
    (n) => res.field(n)?.['x-filter'] && !(n in fixed),
  );

  const apply = (changes) => {
    const next = { ...state, ...changes };
    delete next.cursor;
    delete next.page;
    if (urlState) setQuery(next);
    else {
      state = next;
      load();
    }
  };

  // --- filters ---
  const qInput = h('input', { type: 'search', id: `q-${res.name}`, name: 'q', value: state.q || '', placeholder: t('list.search_placeholder') });
  const controls = [h('div', { class: 'field field-q' }, h('label', { for: qInput.id }, t('list.search')), qInput)];
  for (const n of filterNames) {
    const f = res.field(n);
    const id = `flt-${res.name}-${n}`;
    let ctl;
    if (f.enum)
      ctl = h('select', { id, name: n }, h('option', { value: '' }, t('list.any')), f.enum.filter((v) => v !== null).map((v) => h('option', { value: v, selected: state[n] === v }, valueLabel(v))));
    else if (f.format === 'iso3166-1-alpha-2')
      ctl = h('select', { id, name: n }, h('option', { value: '' }, t('list.any')), allCountries().map(([code, name]) => h('option', { value: code, selected: state[n] === code }, `${name} (${code})`)));
    else if (f.base === 'boolean')
      ctl = h('select', { id, name: n }, h('option', { value: '' }, t('list.any')), h('option', { value: 'true', selected: state[n] === 'true' }, t('v.yes')), h('option', { value: 'false', selected: state[n] === 'false' }, t('v.no')));
    else ctl = h('input', { id, name: n, type: 'text', value: state[n] || '' });
    if (ctl.tagName === 'SELECT') ctl.addEventListener('change', () => apply({ [n]: ctl.value }));
    controls.push(labelled(n, fieldLabel(n), ctl));
  }
  const filterForm = filterBar(
    [
      controls,
      h('div', { class: 'filter-actions' }, button(t('list.apply'), null, { type: 'submit' }), filterNames.some((n) => state[n]) || state.q ? button(t('list.reset'), () => apply(Object.fromEntries(['q', ...filterNames].map((n) => [n, ''])))) : null),
    ],
    (els) => {
      const changes = { q: qInput.value.trim() };
      for (const n of filterNames) changes[n] = els[n].value.trim();
      apply(changes);
    },
  );
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  box.append(filterForm, ...(sel ? [sel.bar] : []), results);

  async function load() {
    clear(results).append(loading());
    const page = Number(state.page || 1);
    const q = { limit: PAGE, count: 'true', ...fixed };
    for (const n of filterNames) if (state[n]) q[n] = state[n];
    if (state.q) q.q = state.q;
    const sort = state.sort || c.sort;
    if (sort && res.field(sort.replace(/^-/, ''))?.['x-sort']) q.sort = sort;
    if (state.cursor) q.cursor = state.cursor;
    let data;
    try {
      ({ data } = await api('GET', path, { query: q }));
    } catch (p) {
      clear(results).append(problemNotice(p));
      return;
    }
    const key = `${path}?${JSON.stringify({ ...q, cursor: undefined })}`;
    const trail = trails.get(key) || [null];
    trail[page - 1] = state.cursor || null;
    trails.set(key, trail);
    clear(results);
    const cols = columnsFor(res, { exclude: [...exclude, ...Object.keys(fixed)] });
    if (sel) cols.unshift(sel.column(data.items, (r) => titleOf(res.name, r) || `#${r.id}`));
    results.append(
      table({
        columns: cols,
        rows: data.items,
        caption: collLabel(res.name),
        sort: q.sort,
        onSort: (s) => apply({ sort: s }),
        empty: state.q || filterNames.some((n) => state[n]) ? t('list.no_matches') : t('list.empty'),
      }),
    );
    if (onRows) onRows(data.items);
    const from = (page - 1) * PAGE + 1;
    const to = from + data.items.length - 1;
    const go = (cursor, p) => {
      if (urlState) setQuery({ ...state, cursor, page: p > 1 ? p : '' }, { push: true });
      else {
        state = { ...state, cursor, page: p };
        load();
      }
    };
    results.append(
      h(
        'nav',
        { class: 'pager', 'aria-label': t('list.pages') },
        h('span', { class: 'range' }, data.items.length ? t('list.range', { from: fmtNumber(from), to: fmtNumber(to), total: data.total === undefined ? '…' : fmtNumber(data.total) }) : ''),
        page > 1 ? button(t('list.prev'), () => go(trail[page - 2] || '', trail[page - 2] ? page - 1 : 1)) : null,
        data.next_cursor ? button(t('list.next'), () => go(data.next_cursor, page + 1)) : null,
      ),
    );
  }
  load();
  return box;
}

// The list as a file (CSV, Excel), with the filters and words it shows now: the server
// ignores paging and sort for a file (the whole list, in id order).
export function exportButtons(res) {
  const href = (format) => {
    const q = query();
    for (const k of ['cursor', 'page', 'sort']) delete q[k];
    // A CSV opens in Excel with its letters intact only with a byte order mark.
    // The header row names the columns as this page does, in the UI's language
    // (labels=); an import needs the field names, which the API and `civdesk export` give.
    return url(res.path, { ...q, format, bom: format === 'csv' ? 'true' : undefined, labels: format === 'csv' ? getLang() : undefined });
  };
  return h(
    'span',
    { class: 'actions', role: 'group', 'aria-label': t('io.export') },
    h('a', { href: href('csv'), class: 'btn', download: '', 'data-format': 'csv' }, t('io.export_csv')),
    h('a', { href: href('xlsx'), class: 'btn', download: '', 'data-format': 'xlsx' }, t('io.export_xlsx')),
  );
}

export async function listView({ main, params }) {
  const name = segToResource(params.coll);
  const res = resource(name);
  const actions = [];
  if (name === 'applications') actions.push(linkButton(t('board.title'), '/applications/board'));
  if (name === 'meetings') actions.push(linkButton(t('nav.calendar'), '/calendar'));
  if (may('create', res)) actions.push(linkButton(t('act.new', { what: oneLabel(name) }), `/${res.seg}/new`, 'primary'));
  actions.push(exportButtons(res));
  main.append(pageHeader(collLabel(name), { actions }));
  if (name === 'delegations' && has('/api/v1/stats/delegations')) {
    const stats = section(t('deleg.stats'));
    main.append(stats);
    fillDelegationStats(stats);
  }
  main.append(recordList(res, { bulk: true }));
}

/* ---- one record ------------------------------------------------------------------- */

// Who made a change: the server gives {id, name?, email} (older rows: a plain string).
export function actorName(by) {
  if (!by) return '';
  if (typeof by !== 'object') return String(by);
  return by.name || by.email || (by.id ? `#${by.id}` : '');
}

export function historyTable(rec) {
  const hist = rec.history || [];
  if (!hist.length) return null;
  return section(
    t('rec.history'),
    table({
      columns: [
        { label: t('hist.at'), render: (x) => fmtDate(x.at) },
        { label: t('hist.from'), render: (x) => valueLabel(x.from) },
        { label: t('hist.to'), render: (x) => valueLabel(x.to) },
        { label: t('hist.by'), render: (x) => (x.by?.name ? x.by.name : nameByEmail(h('span', null, actorName(x.by)), x.by?.email, (name) => name)) },
        { label: t('hist.note'), render: (x) => x.note || '' },
      ],
      rows: hist,
    }),
  );
}

// Members of the record that the declaration does not list (computed by the server).
function computedBlock(res, rec) {
  const extra = Object.keys(rec).filter((k) => !res.field(k) && !META.has(k) && !SHOWN_ELSEWHERE.has(k) && !/_name$/.test(k));
  if (!extra.length) return null;
  const items = [];
  for (const k of extra) {
    const v = rec[k];
    if (Array.isArray(v) && k.includes('warning')) {
      // Said by code (warning_details); the English warnings only from a server without.
      if (k === 'warnings' && Array.isArray(rec.warning_details)) continue;
      for (const w of v) items.push(notice('warn', saidText(w)));
      continue;
    }
    if (k === 'allowed_transitions' || k === 'transitions') continue;
    // A computed code ("standing": "good") in words, like a stored one.
    const f = res.computedField(k) || { name: k };
    const shown = typeof v === 'string' && /^[a-z][a-z_]*$/.test(v) && tOpt(`v.${v}`) ? valueLabel(v) : showValue(f, v, rec);
    items.push(h('div', { class: 'dl-row' }, h('dt', null, fieldLabel(k)), h('dd', null, shown)));
  }
  return h('div', { class: 'computed' }, items.filter((x) => x.tagName === 'DIV' && x.classList.contains('notice')), h('dl', { class: 'fields' }, items.filter((x) => x.classList.contains('dl-row'))));
}

// A sub-collection under one record: its rows, and (for those who may) add, edit, delete.
export function subSection(parentRes, rec, sub, { title } = {}) {
  const subRes = resource(sub.resource);
  const path = `${parentRes.path}/${rec.id}/${sub.seg}`;
  const pattern = `/api/v1/${parentRes.seg}/{id}/${sub.seg}`;
  const subDecl = { ...subRes, subSeg: sub.seg };
  const parent = { res: parentRes, rec };
  const canAdd = may('create', subDecl, null, parent);
  const canEdit = may('edit', subDecl, null, parent);
  const canDelete = may('delete', subDecl, null, parent);
  void pattern;
  const parentField = subRes.fields.find((f) => f['x-references'] === parentRes.name && f['x-create-only'])?.name || subRes.fields.find((f) => f['x-references'] === parentRes.name)?.name;
  const body = h('div');
  const formBox = h('div', { class: 'inline-form' });
  const fields = subRes.fields.filter((f) => !META.has(f.name) && f.name !== parentField && !f.readOnly).map((f) => f.name);
  const el = section(title || collLabel(sub.resource), body, formBox);
  const addBtn = canAdd ? button(t('act.add', { what: oneLabel(sub.resource) }), () => openForm(null), { kind: 'small' }) : null;
  if (addBtn) el.querySelector('h2').after(h('div', { class: 'panel-actions' }, addBtn));

  function openForm(item) {
    const what = oneLabel(sub.resource);
    inlineForm(formBox, subRes, { record: item, path, fields, title: item ? t('act.edit_what', { what }) : t('act.add', { what }), back: addBtn, onSaved: load });
  }

  async function load() {
    const data = await loadInto(body, path, { limit: 200 });
    if (!data) return;
    const { items } = data;
    const cols = columnsFor(subRes, { exclude: [parentField], link: false });
    const page = SUB_PAGES[sub.resource];
    if (page) cols.unshift({ label: oneLabel(sub.resource), cls: 'col-page', render: (item) => h('a', { href: page.href(item) }, page.label(item)) });
    if (canEdit || canDelete)
      cols.push({
        label: t('list.actions'),
        cls: 'col-actions',
        render: (item) =>
          h(
            'div',
            { class: 'row-actions' },
            canEdit ? button(t('act.edit'), () => openForm(item), { kind: 'small' }) : null,
            canDelete ? deleteButton(path, item, { onDone: load, errorBox: body }) : null,
          ),
      });
    body.append(table({ columns: cols, rows: items, empty: t('list.empty') }));
  }
  load();
  return el;
}

// The standard body of a record page (used by the generic page and the organisation tabs).
export function recordBody(res, rec, { onChange, skipSubs = [] } = {}) {
  const c = conf(res.name);
  // The title is the page's heading already.
  const names = res.fields.filter((f) => !META.has(f.name) && f.name !== 'translations' && f.name !== 'title' && !(f['x-readers'] === 'staff' && !(f.name in rec))).map((f) => f.name);
  const out = [];
  const extra = EXTRAS[res.name];
  out.push(h('div', { class: 'panel' }, fieldList(res, rec, names), computedBlock(res, rec)));
  if (extra) out.push(...[].concat(extra(res, rec, { onChange })).filter(Boolean));
  const hist = historyTable(rec);
  if (hist) out.push(hist);
  const handled = [...skipSubs, ...(HANDLED_SUBS[res.name] || [])];
  for (const sub of res.subs) if (!handled.includes(sub.seg)) out.push(subSection(res, rec, sub));
  if (commentable(res)) out.push(commentsSection(res, rec));
  return out;
}

export function recordActions(res, rec, { onChange, editHref } = {}) {
  const actions = [];
  const one = `${res.path}/{id}`.replace(`/${res.seg}/`, `/${res.seg}/`);
  if (may('edit', res, rec)) actions.push(linkButton(t('act.edit'), editHref || `/${res.seg}/${rec.id}/edit`));
  if (may('delete', res, rec))
    actions.push(
      button(
        t('act.delete'),
        async () => {
          if (!(await confirmDialog(t('act.delete'), t('rec.confirm_delete', { what: titleOf(res.name, rec) }), t('act.delete')))) return;
          try {
            await api('DELETE', `${res.path}/${rec.id}`, { etag: `"${rec.version}"` });
            toast(t('msg.deleted'));
            navigate(`/${res.seg}`);
          } catch (p) {
            document.querySelector('main .page-head')?.after(problemNotice(p));
          }
        },
        { kind: 'ghost-danger' },
      ),
    );
  void one;
  return actions;
}

export async function detailView({ main, params }) {
  const name = segToResource(params.coll);
  const res = resource(name);
  main.append(loading());
  let rec;
  try {
    ({ data: rec } = await api('GET', `${res.path}/${params.id}`));
  } catch (p) {
    clear(main).append(pageHeader(t('rec.unavailable'), { crumbs: [[collLabel(name), `/${res.seg}`]] }), p instanceof Problem && p.status === 404 ? notice('error', t('err.404')) : problemNotice(p));
    return;
  }
  const draw = (r) => {
    clear(main);
    const moves = res.transitions ? transitionControls(res, r, app.me, (nr) => draw(nr)) : null;
    main.append(
      pageHeader(titleOf(name, r), {
        crumbs: [[collLabel(name), `/${res.seg}`], [titleOf(name, r)]],
        actions: recordActions(res, r),
        sub: r.state ? h('span', null, t('rec.state'), ': ', showValue(res.field('state'), r.state)) : null,
      }),
    );
    if (moves && moves.childNodes.length) main.append(h('div', { class: 'panel panel-moves' }, h('h2', null, t('move.heading')), moves));
    main.append(...recordBody(res, r, { onChange: draw }), meta(r));
  };
  draw(rec);
}

export function meta(rec) {
  return h('p', { class: 'meta muted' }, t('rec.meta', { created: fmtDate(rec.created_at), updated: fmtDate(rec.updated_at), version: rec.version }));
}

/* ---- forms ------------------------------------------------------------------------ */

export async function formView({ main, params }) {
  const name = segToResource(params.coll);
  const res = resource(name);
  const editing = !!params.id;
  let rec = null;
  if (editing) {
    main.append(loading());
    try {
      ({ data: rec } = await api('GET', `${res.path}/${params.id}`));
    } catch (p) {
      clear(main).append(problemNotice(p));
      return;
    }
    clear(main);
  }
  // A record the user may not change gets no form to fill in (and find out on Save).
  if (!may(editing ? 'edit' : 'create', res, rec)) {
    main.append(
      pageHeader(editing ? titleOf(name, rec) : collLabel(name), { crumbs: [[collLabel(name), `/${res.seg}`]] }),
      notice('info', t('rec.may_not_edit')),
      editing ? h('p', null, h('a', { href: `/${res.seg}/${rec.id}` }, t('rec.back_to_record'))) : null,
    );
    return;
  }
  const title = editing ? t('act.edit_what', { what: titleOf(name, rec) }) : t('act.new', { what: oneLabel(name) });
  const crumbs = [[collLabel(name), `/${res.seg}`]];
  if (editing) crumbs.push([titleOf(name, rec), `/${res.seg}/${rec.id}`]);
  crumbs.push([editing ? t('act.edit') : t('act.new_short')]);
  main.append(pageHeader(title, { crumbs }));
  const c = conf(name);
  const locked = {};
  const initial = {};
  const me = app.me;
  if (me?.role === 'ngo' && me.organisation_id) {
    for (const f of res.fields) {
      if (f.name === 'organisation_id') {
        initial.organisation_id = me.organisation_id;
        locked.organisation_id = true;
      }
      if (f.name === 'organisation_ids' && !editing) initial.organisation_ids = [me.organisation_id];
    }
  }
  const q = query();
  for (const f of res.fields) if (q[f.name] && !editing) initial[f.name] = f.base === 'integer' ? Number(q[f.name]) : q[f.name];
  const bodies = res.field('body') || res.field('target_body') ? await api('GET', '/api/v1/bodies', { query: { limit: 100 } }).then(({ data }) => data.items).catch(() => null) : null;
  const officerOnly = me?.role === 'ngo' ? c.officerOnly || [] : [];
  const { form } = recordForm(res, {
    record: rec,
    fields: editableFields(res, { editing }).map((f) => f.name).filter((n) => !officerOnly.includes(n)),
    bodies,
    initial,
    locked,
    groups: c.groups ? c.groups.map(([k, ns]) => [t(k), ns]) : null,
    extra: FORM_EXTRAS[name] ? (w) => FORM_EXTRAS[name](res, w, rec) : null,
    onSaved: (saved) => {
      toast(editing ? t('msg.saved') : t('msg.created'));
      navigate(`/${res.seg}/${saved.id}`);
    },
    onCancel: () => navigate(editing ? `/${res.seg}/${rec.id}` : `/${res.seg}`),
    onReload: () => navigate(location.pathname, { replace: true }),
  });
  main.append(h('div', { class: 'panel' }, form));
}

export { segmentOf, refLink, unavailable, getLang };
