// The calendar of deadlines and meetings: a month grid and the same events as a list.
import { h, clear } from '../dom.js';
import { api, has, resource, segmentOf } from '../api.js';
import { t, saidText, fmtDate, fmtMonth, weekdayNames, valueLabel, getLang } from '../i18n.js';
import { query, setQuery } from '../router.js';
import { pageHeader, problemNotice, loading, table, badge, unavailable, button } from '../ui.js';

// Events between two dates (inclusive), normalised to {date, title, kind, href};
// null when the server has neither a calendar nor meetings.
export async function eventsBetween(from, to) {
  if (has('/api/v1/calendar')) {
    // The calendar pages (at most 500 items a page): follow next_cursor to the end.
    const list = [];
    let cursor = null;
    do {
      const { data } = await api('GET', '/api/v1/calendar', { query: cursor ? { from, to, cursor } : { from, to } });
      list.push(...(Array.isArray(data) ? data : data.items || data.events || []));
      cursor = Array.isArray(data) ? null : data.next_cursor || null;
    } while (cursor);
    return list.map(normalise).filter((e) => e.date).sort((a, b) => a.date.localeCompare(b.date));
  }
  const meetings = resource('meetings');
  if (!meetings) return null;
  const { data } = await api('GET', meetings.path, { query: { limit: 200, sort: 'starts_at' } });
  return data.items
    .map((m) => ({ date: (m.starts_at || '').slice(0, 10), title: m.title, kind: m.kind || 'meeting', href: `/${meetings.seg}/${m.id}` }))
    .filter((e) => e.date >= from && e.date <= to);
}

function normalise(e) {
  const date = (e.date || e.due_on || e.on || e.starts_at || e.start || '').slice(0, 10);
  let href = e.href || null;
  const coll = e.record?.type || e.collection || e.resource || e.entity;
  const id = e.record?.id ?? e.record_id ?? e.entity_id;
  if (!href && e.link) href = e.link;
  if (!href && coll && id) href = `/${segmentOf(coll) || coll}/${id}`;
  if (href && href.startsWith('/api/v1/')) href = href.slice(7);
  return { date, title: e.title || e.summary || e.what || '', kind: e.kind || e.type || '', href, org: e.organisation_name || e.organisation || null, raw: e };
}

export function eventTitle(e) {
  const r = e.raw || {};
  if (r.title_code) return saidText({ code: r.title_code, params: r.title_params, message: e.title });
  return e.title || valueLabel(e.kind);
}

export function eventLink(e) {
  const text = [eventTitle(e), e.org ? ` — ${e.org}` : ''].join('');
  return e.href ? h('a', { href: e.href }, text) : text;
}

export async function calendarView({ main }) {
  const q = query();
  const now = new Date();
  const [y, m] = (q.month || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`).split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1));
  const last = new Date(Date.UTC(y, m, 0));
  const iso = (d) => d.toISOString().slice(0, 10);
  const monthKey = (d) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  const prev = new Date(Date.UTC(y, m - 2, 1));
  const next = new Date(Date.UTC(y, m, 1));
  const actions = [
    button(t('cal.prev'), () => setQuery({ ...q, month: monthKey(prev) }, { push: true })),
    button(t('cal.today'), () => setQuery({ ...q, month: '' }, { push: true })),
    button(t('cal.next'), () => setQuery({ ...q, month: monthKey(next) }, { push: true })),
  ];
  if (has('/calendar.ics')) actions.push(h('a', { href: '/calendar.ics', class: 'btn', download: 'civdesk.ics' }, t('cal.ics')));
  main.append(pageHeader(t('nav.calendar'), { actions, sub: fmtMonth(y, m - 1) }));
  const box = h('div');
  main.append(box);
  box.append(loading());
  let events;
  try {
    events = await eventsBetween(iso(first), iso(last));
  } catch (p) {
    clear(box).append(problemNotice(p));
    return;
  }
  clear(box);
  if (events === null) {
    box.append(unavailable(t('nav.calendar')));
    return;
  }
  // Month grid, weeks starting on Monday.
  const grid = h('div', { class: 'month', role: 'table', 'aria-label': fmtMonth(y, m - 1) });
  grid.append(h('div', { class: 'month-row head', role: 'row' }, weekdayNames().map((d) => h('div', { role: 'columnheader' }, d))));
  const lead = (first.getUTCDay() + 6) % 7;
  let cells = [];
  for (let i = 0; i < lead; i++) cells.push(h('div', { class: 'day out', role: 'cell' }));
  const todayIso = new Date().toISOString().slice(0, 10);
  for (let d = 1; d <= last.getUTCDate(); d++) {
    const date = iso(new Date(Date.UTC(y, m - 1, d)));
    const mine = events.filter((e) => e.date === date);
    cells.push(
      h(
        'div',
        { class: ['day', date === todayIso && 'today', mine.length && 'busy'], role: 'cell' },
        h('span', { class: 'day-no' }, String(d)),
        h('ul', null, mine.slice(0, 3).map((e) => h('li', { class: `ev ev-${e.kind}` }, eventLink(e)))),
        mine.length > 3 ? h('span', { class: 'more muted' }, `+${mine.length - 3}`) : null,
      ),
    );
  }
  while (cells.length % 7) cells.push(h('div', { class: 'day out', role: 'cell' }));
  for (let i = 0; i < cells.length; i += 7) grid.append(h('div', { class: 'month-row', role: 'row' }, cells.slice(i, i + 7)));
  box.append(
    h('div', { class: 'panel month-panel' }, grid),
    h(
      'section',
      { class: 'panel' },
      h('h2', null, t('cal.list')),
      table({
        columns: [
          { label: t('cal.date'), render: (e) => fmtDate(e.date) },
          { label: t('cal.what'), render: (e) => eventLink(e) },
          { label: t('cal.kind'), render: (e) => badge(e.kind) },
        ],
        rows: events,
        empty: t('cal.none'),
      }),
    ),
  );
  void getLang;
}
