// The officer's dashboard: key figures, upcoming deadlines, overdue reports, the
// application pipeline by state and the representation of the country at a body.
import { h, clear, append } from '../dom.js';
import { api, resource, has, isFinalState } from '../api.js';
import { t, bodyLabel, valueLabel, fmtDate, fmtNumber, fmtPercent, fmtRelativeDays, countryName, collLabel } from '../i18n.js';
import { pageHeader, problemNotice, loading, unavailable, table, refLink, badge, link } from '../ui.js';
import { barChart } from '../charts.js';
import { eventsBetween, eventLink, eventTitle } from './calendar.js';
import { query, setQuery } from '../router.js';
import { NATIONAL_DEFAULT } from '../config.js';

const today = () => new Date().toISOString().slice(0, 10);
const plusDays = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

function card(title, cls, ...children) {
  return h('section', { class: ['card-panel', cls] }, h('h2', null, title), ...children);
}

async function count(res, q = {}) {
  if (!res) return null;
  try {
    const { data } = await api('GET', res.path, { query: { ...q, limit: 1, count: 'true' } });
    return data.total ?? null;
  } catch {
    return null;
  }
}

export async function dashboardView({ main }) {
  main.append(pageHeader(t('nav.dashboard'), { sub: t('dash.sub', { date: fmtDate(today(), { long: true }) }) }));
  const kpis = h('div', { class: 'kpis' });
  const grid = h('div', { class: 'dash-grid' });
  main.append(kpis, grid);

  const orgs = resource('organisations');
  const apps = resource('applications');
  const accs = resource('accreditations');
  const reps = resource('reports');
  const tiles = [
    [t('dash.kpi.organisations'), count(orgs), '/organisations'],
    [t('dash.kpi.in_status'), accs ? count(accs, accs.field('state')?.['x-filter'] ? { state: 'active' } : {}) : null, accs ? `/${accs.seg}` : null],
    [t('dash.kpi.applications'), apps ? count(apps) : null, apps ? '/applications/board' : null],
    [t('dash.kpi.reports_draft'), reps && reps.field('state')?.['x-filter'] ? count(reps, { state: 'draft' }) : null, reps ? `/${reps.seg}?state=draft` : null],
  ];
  for (const [label, p, href] of tiles) {
    const val = h('span', { class: 'kpi-value' }, '…');
    kpis.append(h(href ? 'a' : 'div', { class: 'kpi', href }, val, h('span', { class: 'kpi-label' }, label)));
    Promise.resolve(p).then((n) => {
      val.textContent = n === null || n === undefined ? '—' : fmtNumber(n);
    });
  }

  const deadlines = card(t('dash.deadlines'), 'span-2', loading());
  const overdue = card(t('dash.overdue'), 'overdue', loading());
  const pipeline = card(t('dash.pipeline'), 'pipeline', loading());
  const repr = card(t('dash.representation'), 'span-2 representation', loading());
  grid.append(deadlines, overdue, pipeline, repr);
  if (has('/api/v1/stats/delegations')) {
    const dels = card(t('deleg.stats'), 'span-3 delegation-stats', loading());
    grid.append(dels);
    fillDelegationStats(body(dels));
  }
  fillDeadlines(deadlines);
  fillOverdue(overdue, accs);
  fillPipeline(pipeline, apps);
  fillRepresentation(repr);
}

function body(cardEl) {
  const old = cardEl.querySelector('.loading');
  const b = h('div', { class: 'card-body' });
  if (old) old.replaceWith(b);
  else cardEl.append(b);
  return b;
}

async function fillDeadlines(el) {
  const b = body(el);
  let events;
  try {
    events = await eventsBetween(today(), plusDays(90));
  } catch (p) {
    b.append(problemNotice(p));
    return;
  }
  if (events === null) {
    b.append(unavailable(t('nav.calendar')));
    return;
  }
  append(b, [
    table({
      columns: [
        { label: t('cal.date'), cls: 'col-date', render: (e) => h('span', null, fmtDate(e.date), h('span', { class: 'muted rel' }, ` · ${fmtRelativeDays(e.date)}`)) },
        { label: t('cal.what'), render: (e) => eventLink(e) },
        { label: t('cal.kind'), render: (e) => badge(e.kind) },
      ],
      rows: events.slice(0, 12),
      empty: t('dash.no_deadlines'),
    }),
    events.length > 12 ? h('p', { class: 'more' }, link('/calendar', t('dash.all_deadlines', { n: fmtNumber(events.length) }))) : null,
  ]);
  void eventTitle;
}

async function fillOverdue(el, accs) {
  const b = body(el);
  if (!accs) {
    b.append(unavailable(collLabel('accreditations')));
    return;
  }
  let items;
  try {
    const q = accs.field('overdue')?.['x-filter'] ? { overdue: 'true', limit: 50 } : { limit: 500 };
    ({
      data: { items },
    } = await api('GET', accs.path, { query: q }));
  } catch (p) {
    b.append(problemNotice(p));
    return;
  }
  items = items.filter((a) => a.overdue);
  b.append(
    table({
      columns: [
        { label: t('f.organisation_id'), render: (a) => h('span', null, refLink('organisations', a.organisation_id, a.organisation_name), h('br'), h('span', { class: 'muted small' }, `${bodyLabel(a.body)} · ${valueLabel(a.status)}`)) },
        { label: t('dash.due'), render: (a) => h('a', { href: `/${accs.seg}/${a.id}`, class: 'nowrap' }, fmtDate(a.report_due_on)) },
      ],
      rows: items.slice(0, 10),
      empty: t('dash.no_overdue'),
    }),
  );
  if (items.length) el.classList.add('has-overdue');
}

async function fillPipeline(el, apps) {
  const b = body(el);
  if (!apps) {
    b.append(unavailable(collLabel('applications')));
    return;
  }
  let rows = null;
  if (has('/api/v1/stats/pipeline')) {
    try {
      const { data } = await api('GET', '/api/v1/stats/pipeline');
      // Rows may be per state or per body and state: add them up by state.
      const list = data.applications || data.items || data.states || data.by_state || [];
      const by = new Map();
      if (Array.isArray(list)) for (const x of list) by.set(x.state, (by.get(x.state) || 0) + (x.count ?? x.total ?? 0));
      else for (const [st, v] of Object.entries(list)) if (typeof v === 'number') by.set(st, v);
      const order = apps.field('state')?.enum || [];
      rows = order.map((st) => ({ state: st, n: by.get(st) || 0 }));
    } catch {
      rows = null;
    }
  }
  if (!rows) {
    const states = apps.field('state')?.enum || [];
    rows = await Promise.all(states.map(async (st) => ({ state: st, n: (await count(apps, { state: st })) ?? 0 })));
  }
  rows = rows.filter((r) => r.state && !isFinalState(apps, r.state));
  if (!rows.some((r) => r.n)) {
    b.append(h('p', { class: 'muted' }, t('dash.no_applications')));
    return;
  }
  b.append(barChart(rows.map((r) => ({ label: valueLabel(r.state), value: r.n })), { title: t('dash.pipeline'), desc: t('dash.pipeline_desc'), width: 320, labelW: 120, valueW: 36, barH: 18 }));
  b.append(h('p', { class: 'more' }, link('/applications/board', t('dash.open_board'))));
}

async function fillRepresentation(el) {
  const b = body(el);
  if (!has('/api/v1/stats/representation')) {
    b.append(unavailable(t('dash.representation')));
    return;
  }
  const q = query();
  const bodyCode = q.body || 'ECOSOC';
  let bodies = [];
  try {
    ({
      data: { items: bodies },
    } = await api('GET', '/api/v1/bodies', { query: { limit: 100 } }));
  } catch {
    bodies = [];
  }
  if (bodies.length) {
    const sel = h('select', { id: 'repr-body' }, bodies.map((x) => h('option', { value: x.code, selected: x.code === bodyCode }, bodyLabel(x.code))));
    sel.addEventListener('change', () => setQuery({ ...q, body: sel.value }));
    b.append(h('div', { class: 'field inline' }, h('label', { for: 'repr-body' }, t('f.body')), sel));
  }
  let data;
  try {
    ({ data } = await api('GET', '/api/v1/stats/representation', { query: { body: bodyCode } }));
  } catch (p) {
    b.append(p.status === 404 || p.status === 400 || p.status === 422 ? h('p', { class: 'muted' }, t('dash.no_listing', { body: bodyLabel(bodyCode) })) : problemNotice(p));
    return;
  }
  const items = data.countries || data.items || [];
  if (!items.length) {
    b.append(h('p', { class: 'muted' }, t('dash.no_listing', { body: bodyLabel(bodyCode) })));
    return;
  }
  let saved = null;
  try {
    saved = localStorage.getItem('civdesk.national');
  } catch {
    saved = null;
  }
  const server = data.national?.country || data.national || data.home_country || null;
  const home = (typeof server === 'string' && server) || saved || NATIONAL_DEFAULT;
  const homeRow = items.find((x) => x.country === home) || null;
  const natSel = h('select', { id: 'repr-national' }, items.map((x) => h('option', { value: x.country, selected: x.country === home }, countryName(x.country))));
  natSel.addEventListener('change', () => {
    try {
      localStorage.setItem('civdesk.national', natSel.value);
    } catch {
      /* not remembered */
    }
    setQuery({ ...q });
  });
  const tools = b.querySelector('.field.inline');
  const natField = h('div', { class: 'field inline' }, h('label', { for: 'repr-national' }, t('dash.national')), natSel);
  if (tools) tools.after(natField);
  else b.append(natField);
  const top = items.slice(0, 12);
  if (homeRow && !top.some((x) => x.country === homeRow.country)) top.push(homeRow);
  const total = data.total ?? items.reduce((n, x) => n + (x.count || 0), 0);
  const rows = top.map((x) => ({
    label: `${x.rank ? `${x.rank}. ` : ''}${countryName(x.country)}`,
    value: x.count,
    note: x.share !== undefined ? fmtPercent(x.share > 1 ? x.share / 100 : x.share) : total ? fmtPercent(x.count / total) : '',
    highlight: homeRow && x.country === homeRow.country,
  }));
  if (homeRow)
    b.append(
      h(
        'p',
        { class: 'repr-summary' },
        t('dash.repr_summary', {
          country: countryName(homeRow.country),
          count: fmtNumber(homeRow.count),
          total: fmtNumber(total),
          share: homeRow.share !== undefined ? fmtPercent(homeRow.share > 1 ? homeRow.share / 100 : homeRow.share, 2) : fmtPercent(homeRow.count / total, 2),
          rank: homeRow.rank ?? '—',
          body: bodyLabel(bodyCode),
        }),
        homeRow.previous && data.previous?.as_of
          ? h('span', { class: 'muted' }, ' ', t('dash.repr_change', { change: `${homeRow.previous.count_change >= 0 ? '+' : ''}${fmtNumber(homeRow.previous.count_change)}`, date: fmtDate(data.previous.as_of) }))
          : null,
      ),
    );
  append(b, [
    barChart(rows, { title: t('dash.representation_title', { body: bodyLabel(bodyCode) }), desc: t('dash.representation_desc', { total: fmtNumber(total), as_of: data.as_of ? fmtDate(data.as_of) : '' }), width: 720, labelW: 210, valueW: 120 }),
    data.as_of ? h('p', { class: 'muted small' }, t('dash.as_of', { date: fmtDate(data.as_of), total: fmtNumber(total) })) : null,
  ]);
  void clear;
}

// Delegations by forum (GET /api/v1/stats/delegations): members, NGO experts and the
// distinct NGOs they came from — "23 NGOs at the 71st session". Fills `into`.
export async function fillDelegationStats(into, { limit = 8 } = {}) {
  let items;
  try {
    ({
      data: { items },
    } = await api('GET', '/api/v1/stats/delegations'));
  } catch (p) {
    into.append(problemNotice(p));
    return;
  }
  if (!items?.length) {
    into.append(h('p', { class: 'muted' }, t('deleg.none')));
    return;
  }
  const rows = items.slice(0, limit);
  into.append(
    h('p', { class: 'muted small' }, t('deleg.stats_desc')),
    table({
      caption: t('deleg.stats'),
      columns: [
        { label: t('f.forum'), render: (x) => x.forum },
        { label: t('f.body'), render: (x) => bodyLabel(x.body) },
        { label: t('deleg.dates'), cls: 'nowrap', render: (x) => [fmtDate(x.starts_on), x.ends_on ? ` – ${fmtDate(x.ends_on)}` : ''].join('') },
        { label: t('deleg.members'), cls: 'num', render: (x) => fmtNumber(x.members) },
        { label: t('deleg.experts'), cls: 'num', render: (x) => fmtNumber(x.experts) },
        { label: t('deleg.ngos'), cls: 'num', render: (x) => h('strong', null, fmtNumber(x.ngos)) },
      ],
      rows,
    }),
  );
}
