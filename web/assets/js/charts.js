// Charts drawn as SVG (no library): horizontal bars with labels, and a table twin for
// screen readers and for copying figures into a briefing.
import { h, s, nextId } from './dom.js';
import { fmtNumber, fmtPercent, t } from './i18n.js';

// rows: [{label, value, note, highlight}]; opts: title, max, width.
export function barChart(rows, { title, desc, width = 560, barH = 20, gap = 6, labelW = 170, valueW = 110, showTable = true } = {}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = rows.length * (barH + gap) + gap;
  const plotW = width - labelW - valueW;
  const tid = nextId('chart-t');
  const did = nextId('chart-d');
  const svg = s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-labelledby': `${tid} ${did}`, preserveAspectRatio: 'xMinYMin meet' },
    s('title', { id: tid }, title || ''),
    s('desc', { id: did }, desc || ''),
  );
  rows.forEach((r, i) => {
    const y = gap + i * (barH + gap);
    const w = Math.max(1, (plotW * r.value) / max);
    const g = s('g', { class: r.highlight ? 'bar hl' : 'bar' });
    g.append(
      s('text', { x: labelW - 8, y: y + barH / 2, 'text-anchor': 'end', 'dominant-baseline': 'central', class: 'lbl' }, truncate(r.label, 24)),
      s('rect', { x: labelW, y, width: w, height: barH, rx: 2 }),
      s('text', { x: labelW + w + 6, y: y + barH / 2, 'dominant-baseline': 'central', class: 'val' }, r.note ? `${fmtNumber(r.value)} · ${r.note}` : fmtNumber(r.value)),
    );
    svg.append(g);
  });
  const wrap = h('figure', { class: 'chart-fig' }, svg);
  if (showTable)
    wrap.append(
      h(
        'details',
        { class: 'chart-table' },
        h('summary', null, t('chart.as_table')),
        h(
          'table',
          { class: 'data compact' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('chart.item')), h('th', { scope: 'col' }, t('chart.value')), h('th', { scope: 'col' }, t('chart.note')))),
          h('tbody', null, rows.map((r) => h('tr', null, h('th', { scope: 'row' }, r.label), h('td', null, fmtNumber(r.value)), h('td', null, r.note || '')))),
        ),
      ),
    );
  return wrap;
}

function truncate(text, n) {
  const str = String(text ?? '');
  return str.length > n ? `${str.slice(0, n - 1)}…` : str;
}

export { fmtPercent };
