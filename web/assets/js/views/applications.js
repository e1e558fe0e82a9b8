// Applications as a board by state. Each card offers only the moves the user's role may
// make from its state (from the declared state machine; a refused move shows the
// server's list of allowed ones).
import { h, clear } from '../dom.js';
import { api, resource, isFinalState, legalMoves } from '../api.js';
import { t, saidText, bodyLabel, valueLabel, fmtDate, fmtNumber, collLabel, oneLabel } from '../i18n.js';
import { app } from '../state.js';
import { query, setQuery } from '../router.js';
import { pageHeader, problemNotice, loading, linkButton, refLink, transitionControls, notice, unavailable } from '../ui.js';
import { may } from './records.js';

export async function boardView({ main }) {
  const res = resource('applications');
  if (!res) {
    main.append(pageHeader(t('board.title')), unavailable(collLabel('applications')));
    return;
  }
  const q = query();
  const showFinal = q.final === '1';
  const actions = [linkButton(t('board.as_list'), `/${res.seg}`)];
  if (may('create', res)) actions.push(linkButton(t('act.new', { what: oneLabel('applications') }), `/${res.seg}/new`, 'primary'));
  main.append(pageHeader(t('board.title'), { crumbs: [[collLabel('applications'), `/${res.seg}`], [t('board.title')]], actions, sub: t('board.sub') }));

  const bodyField = res.field('body');
  const toolbar = h('div', { class: 'board-tools' });
  if (bodyField?.['x-filter']) {
    const bodies = await api('GET', '/api/v1/bodies', { query: { limit: 100 } }).then(({ data }) => data.items.map((b) => b.code)).catch(() => []);
    if (bodies.length) {
      const sel = h('select', { id: 'board-body' }, h('option', { value: '' }, t('list.any')), bodies.map((b) => h('option', { value: b, selected: q.body === b }, bodyLabel(b))));
      sel.addEventListener('change', () => setQuery({ ...q, body: sel.value }));
      toolbar.append(h('div', { class: 'field inline' }, h('label', { for: 'board-body' }, t('f.body')), sel));
    }
  }
  const cb = h('input', { type: 'checkbox', id: 'board-final', checked: showFinal });
  cb.addEventListener('change', () => setQuery({ ...q, final: cb.checked ? '1' : '' }));
  toolbar.append(h('div', { class: 'field-check inline' }, cb, h('label', { for: 'board-final' }, t('board.show_final'))));
  main.append(toolbar);

  const board = h('div', { class: 'board-wrap' });
  main.append(board);
  const load = async () => {
    clear(board).append(loading());
    let items = [];
    try {
      const query2 = { limit: 500 };
      if (q.body) query2.body = q.body;
      let cursor = null;
      // At most a few pages: a board of thousands of cards is a list's job.
      for (let i = 0; i < 4; i++) {
        if (cursor) query2.cursor = cursor;
        const { data } = await api('GET', res.path, { query: query2 });
        items = items.concat(data.items);
        cursor = data.next_cursor;
        if (!cursor) break;
      }
    } catch (p) {
      clear(board).append(problemNotice(p));
      return;
    }
    const states = (res.field('state')?.enum || []).filter((s) => s && (showFinal || !isFinalState(res, s)));
    clear(board);
    const grid = h('div', { class: 'board', role: 'list' });
    for (const st of states) {
      const cards = items.filter((a) => a.state === st);
      const col = h(
        'section',
        { class: ['board-col', `col-${st}`], role: 'listitem', 'aria-labelledby': `bc-${st}` },
        h('h2', { id: `bc-${st}` }, valueLabel(st), h('span', { class: 'count' }, fmtNumber(cards.length))),
        h('ul', { class: 'cards' }, cards.map((a) => card(res, a, load))),
      );
      grid.append(col);
    }
    board.append(grid);
    if (!items.length) board.append(notice('info', t('board.empty')));
  };
  load();
}

function card(res, a, reload) {
  const moves = transitionControls(res, a, app.me, () => reload(), { compact: true });
  return h(
    'li',
    { class: 'card', 'data-id': a.id },
    h('div', { class: 'card-head' }, h('a', { href: `/${res.seg}/${a.id}`, class: 'card-title' }, `${bodyLabel(a.body)} · ${valueLabel(a.requested_status)}`), h('span', { class: 'muted card-id' }, `#${a.id}`)),
    h('div', { class: 'card-org' }, a.organisation_id ? refLink('organisations', a.organisation_id, a.organisation_name) : ''),
    h(
      'div',
      { class: 'card-meta muted' },
      a.filing_deadline ? h('span', null, t('f.filing_deadline'), ': ', fmtDate(a.filing_deadline)) : null,
      a.committee_session ? h('span', null, t('f.committee_session'), ': ', a.committee_session) : null,
      a.filed_on ? h('span', null, t('f.filed_on'), ': ', fmtDate(a.filed_on)) : null,
    ),
    Array.isArray(a.warnings) && a.warnings.length ? h('p', { class: 'card-warn' }, (a.warning_details || a.warnings).map(saidText).join('; ')) : null,
    legalMoves(res, a.state, app.me?.role).length ? moves : null,
  );
}
