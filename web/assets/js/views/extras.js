// What some record pages and forms add to the generic ones: documents in their language
// versions side by side, a report's live word count against its limit, a meeting's
// documents, an organisation's people.
import { h, clear } from '../dom.js';
import { api, resource, minRole, roleAtLeast } from '../api.js';
import { t, plural, fmtNumber, languageName, countWords, getLang, fmtDate, valueLabel } from '../i18n.js';
import { app } from '../state.js';
import { section, button, notice, problemNotice, loadInto, deleteButton, table, badge } from '../ui.js';
import { inlineForm } from '../forms.js';
import { may } from './records.js';

/* ---- documents: language versions side by side --------------------------------------- */

function translationsPanel(res, rec) {
  const sub = res.subs.find((s) => s.seg === 'translations');
  if (!sub) return null;
  const trRes = resource(sub.resource);
  const path = `${res.path}/${rec.id}/translations`;
  const parent = { res, rec };
  const decl = { ...trRes, subSeg: 'translations' };
  const mayDo = (action) => may(action, decl, null, parent);
  const body = h('div', { class: 'side-by-side' });
  const formBox = h('div', { class: 'inline-form' });
  const el = section(t('doc.versions'), formBox, body);
  if (mayDo('create'))
    el.querySelector('h2').after(h('div', { class: 'panel-actions' }, button(t('doc.add_version'), () => openForm(null), { kind: 'small' })));

  function openForm(item) {
    inlineForm(formBox, trRes, { record: item, path, fields: ['lang', 'title', 'body'], hints: { lang: t('doc.lang_hint') }, onSaved: load });
  }

  async function load() {
    const data = await loadInto(body, path, { limit: 50 });
    if (!data) return;
    const { items } = data;
    if (!items.length) {
      body.append(h('p', { class: 'muted' }, t('doc.no_versions')));
      return;
    }
    // The reader's language first, then the others in the order they were added.
    items.sort((a, b) => (a.lang === getLang() ? -1 : b.lang === getLang() ? 1 : a.id - b.id));
    body.classList.toggle('cols-1', items.length === 1);
    for (const tr of items) {
      body.append(
        h(
          'article',
          { class: 'version', lang: tr.lang },
          h('header', null, h('span', { class: 'lang-tag' }, languageName(tr.lang), ` (${tr.lang})`), h('h3', null, tr.title)),
          h('div', { class: 'doc-body' }, (tr.body || '').split(/\n{2,}/).map((para) => h('p', null, para))),
          h(
            'footer',
            { class: 'row-actions' },
            mayDo('edit') ? button(t('act.edit'), () => openForm(tr), { kind: 'small' }) : null,
            mayDo('delete') ? deleteButton(path, tr, { onDone: load, errorBox: body }) : null,
          ),
        ),
      );
    }
  }
  load();
  return el;
}

/* ---- reports: word count against the limit ------------------------------------------- */

// The same rules the server applies (docs/engagement.md); the server's own figures
// (word_limit, word_limit_rule) are shown once the report is saved.
const WORD_RULES = [
  { kind: 'upr_submission', single: 2815, joint: 5630 },
  { kind: 'written_statement', single: 1500, general: 2000 },
  { body: 'UNHRC', single: 1500, general: 2000 },
];

function estimateLimit(kind, body, authors) {
  for (const r of WORD_RULES) {
    if ((r.kind && r.kind !== kind) || (r.body && r.body !== body)) continue;
    return authors > 1 && r.joint ? r.joint : r.single;
  }
  return null;
}

function wordMeter(getText, getLimit) {
  const out = h('p', { class: 'word-meter', 'aria-live': 'polite' });
  const bar = h('meter', { class: 'meter-bar', min: 0, max: 1, value: 0, 'aria-label': t('rep.length') });
  const wrap = h('div', { class: 'word-count' }, out, bar);
  const update = () => {
    const n = countWords(getText());
    const { limit, rule } = getLimit();
    clear(out);
    out.append(limit ? plural('rep.words_of', limit, { count: fmtNumber(n) }) : plural('rep.words', n));
    if (rule) out.append(h('span', { class: 'muted' }, ` — ${rule}`));
    const over = limit && n > limit;
    wrap.classList.toggle('over', !!over);
    bar.hidden = !limit;
    if (limit) {
      bar.max = limit;
      bar.high = limit * 0.9;
      bar.optimum = 0;
      bar.value = Math.min(n, limit);
    }
    if (over) out.append(h('strong', { class: 'over-text' }, ` ${t('rep.over', { n: fmtNumber(n - limit) })}`));
  };
  return { el: wrap, update };
}

function reportFormExtra(res, widgets, rec) {
  const textW = widgets.get('text');
  if (!textW) return null;
  const meter = wordMeter(
    () => textW.control.value,
    () => {
      const kind = widgets.get('kind')?.get() || rec?.kind;
      const body = widgets.get('target_body')?.get() || rec?.target_body;
      const authors = (widgets.get('organisation_ids')?.get() || rec?.organisation_ids || []).length;
      const sameAsSaved = rec && kind === rec.kind && body === rec.target_body && authors === (rec.organisation_ids || []).length;
      if (sameAsSaved && rec.word_limit) return { limit: rec.word_limit, rule: rec.word_limit_rule };
      return { limit: estimateLimit(kind, body, authors), rule: null };
    },
  );
  textW.el.append(meter.el);
  for (const n of ['text', 'kind', 'target_body']) {
    const w = widgets.get(n);
    if (w) w.control.addEventListener(w.control.tagName === 'SELECT' ? 'change' : 'input', meter.update);
  }
  meter.update();
  return null;
}

function reportExtra(res, rec) {
  if (rec.word_count === undefined) return null;
  const limit = rec.word_limit;
  const over = limit && rec.word_count > limit;
  return h(
    'div',
    { class: ['panel', 'word-summary', over && 'over'] },
    h('h2', null, t('rep.length')),
    h('p', null, limit ? plural('rep.words_of', limit, { count: fmtNumber(rec.word_count) }) : plural('rep.words', rec.word_count ?? 0)),
    rec.word_limit_rule ? h('p', { class: 'muted' }, rec.word_limit_rule) : null,
  );
}

/* ---- meetings: their documents -------------------------------------------------------- */

function relatedDocuments(field) {
  return (res, rec) => {
    const docs = resource('documents');
    if (!docs?.field(field)?.['x-filter']) return null;
    const box = h('div');
    const el = section(t('c.documents'), box);
    api('GET', docs.path, { query: { [field]: rec.id, limit: 50 } })
      .then(({ data }) => {
        box.append(
          table({
            columns: [
              { label: t('f.title'), render: (d) => h('a', { href: `/${docs.seg}/${d.id}` }, docTitleOf(d)) },
              { label: t('f.kind'), render: (d) => valueLabel(d.kind) },
              { label: t('f.languages'), render: (d) => Object.keys(d.titles || {}).map(languageName).join(', ') },
              { label: t('f.published'), render: (d) => (d.published ? fmtDate(d.published_at) : badge('unpublished')) },
            ],
            rows: data.items,
            empty: t('list.empty'),
          }),
        );
        if (may('create', docs))
          box.append(h('p', null, h('a', { href: `/${docs.seg}/new?${field}=${rec.id}`, class: 'btn btn-small' }, t('act.new', { what: t('s.documents') }))));
      })
      .catch((p) => box.append(problemNotice(p)));
    return el;
  };
}

export function docTitleOf(d) {
  const titles = d.titles || {};
  return titles[getLang()] || Object.values(titles)[0] || `#${d.id}`;
}

export const EXTRAS = {
  documents: translationsPanel,
  reports: (res, rec) => [reportExtra(res, rec), relatedDocuments('report_id')(res, rec)].filter(Boolean),
  meetings: relatedDocuments('meeting_id'),
};

// Sub-collections an extra shows in its own way (not as the generic table).
export const HANDLED_SUBS = { documents: ['translations'] };

export const FORM_EXTRAS = {
  reports: reportFormExtra,
};

export { notice };
