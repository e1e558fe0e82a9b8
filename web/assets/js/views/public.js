// The public side, without signing in: the registry of organisations that chose to be
// listed (with their statuses at international bodies) and the published documents in
// every language they exist in.
import { h, clear } from '../dom.js';
import { api, resource, Problem } from '../api.js';
import { t, tOpt, bodyLabel, displayName, countryName, fmtDate, fmtNumber, valueLabel, languageName, getLang, allCountries } from '../i18n.js';
import { query, setQuery } from '../router.js';
import { pageHeader, problemNotice, loading, table, notice, badge, button, labelled, filterBar } from '../ui.js';
import { docTitleOf } from './extras.js';

export function publicHome({ main }) {
  main.append(
    pageHeader(t('pub.title'), { sub: t('pub.intro') }),
    h(
      'div',
      { class: 'pub-cards' },
      h('a', { class: 'pub-card', href: '/public/organisations' }, h('h2', null, t('nav.public_registry')), h('p', null, t('pub.registry_text'))),
      h('a', { class: 'pub-card', href: '/public/documents' }, h('h2', null, t('nav.public_documents')), h('p', null, t('pub.documents_text'))),
    ),
  );
}

function closed(p) {
  return p instanceof Problem && (p.status === 401 || p.status === 403) ? notice('info', t('pub.not_public')) : problemNotice(p);
}

async function pagedList(box, path, baseQuery, columns, emptyText) {
  const q = query();
  clear(box).append(loading());
  let data;
  try {
    ({ data } = await api('GET', path, { query: { ...baseQuery, q: q.q, country: q.country, cursor: q.cursor, limit: 25, count: 'true' } }));
  } catch (p) {
    clear(box).append(closed(p));
    return;
  }
  clear(box).append(
    table({ columns, rows: data.items, empty: emptyText }),
    h(
      'nav',
      { class: 'pager', 'aria-label': t('list.pages') },
      data.total !== undefined ? h('span', { class: 'range' }, t('pub.total', { n: fmtNumber(data.total) })) : null,
      q.cursor ? button(t('list.first'), () => setQuery({ ...q, cursor: '' }, { push: true })) : null,
      data.next_cursor ? button(t('list.next'), () => setQuery({ ...q, cursor: data.next_cursor }, { push: true })) : null,
    ),
  );
}

function searchForm(withCountry) {
  const q = query();
  const parts = [labelled('q', t('list.search'), h('input', { type: 'search', id: 'pub-q', name: 'q', value: q.q || '' }))];
  if (withCountry)
    parts.push(labelled('country', t('f.country'), h('select', { id: 'pub-country', name: 'country' }, h('option', { value: '' }, t('list.any')), allCountries().map(([c, n]) => h('option', { value: c, selected: q.country === c }, `${n} (${c})`)))));
  return filterBar([parts, h('div', { class: 'filter-actions' }, button(t('list.apply'), null, { type: 'submit' }))], (f) => setQuery({ q: f.q.value.trim(), country: f.country ? f.country.value : '' }));
}

// A public list page: its heading under the public crumbs, the search form and the list.
async function publicList(main, { title, sub, withCountry, path, baseQuery, columns, empty }) {
  const box = h('div', { class: 'panel' });
  main.append(pageHeader(title, { crumbs: [[t('pub.title'), '/public'], [title]], sub }), searchForm(withCountry), box);
  await pagedList(box, path, baseQuery, columns, empty);
}

export async function publicRegistry({ main }) {
  const columns = [
    { label: t('f.name'), render: (o) => h('a', { href: `/public/organisations/${o.id}` }, displayName(o)) },
    { label: t('f.acronym'), render: (o) => o.acronym || '' },
    { label: t('f.country'), render: (o) => countryName(o.country) },
    { label: t('f.city'), render: (o) => o.city || '' },
    { label: t('pub.statuses'), render: (o) => statusesOf(o) },
  ];
  await publicList(main, { title: t('nav.public_registry'), sub: t('pub.registry_text'), withCountry: true, path: '/api/v1/organisations', baseQuery: { public: 'true', sort: 'name' }, columns, empty: t('pub.no_orgs') });
}

// A listed organisation's statuses (its accreditations are public when it is), as
// badges filled in when they arrive.
function statusesOf(o) {
  const box = h('span', { class: 'statuses' });
  api('GET', '/api/v1/accreditations', { query: { organisation_id: o.id, limit: 20 } })
    .then(({ data }) => {
      for (const [i, s] of data.items.entries()) box.append(i ? ' ' : '', statusBadge(s));
    })
    .catch(() => {});
  return box;
}

function statusBadge(s) {
  return h('span', { class: ['badge', `st-${s.state || 'active'}`] }, `${bodyLabel(s.body)} · ${valueLabel(s.status)}`, s.state && s.state !== 'active' ? ` (${valueLabel(s.state)})` : '');
}

export async function publicOrg({ main, params }) {
  main.append(loading());
  let o;
  try {
    ({ data: o } = await api('GET', `/api/v1/organisations/${params.id}`));
  } catch (p) {
    clear(main).append(pageHeader(t('org.unavailable'), { crumbs: [[t('nav.public_registry'), '/public/organisations']] }), p instanceof Problem && p.status === 404 ? notice('error', t('err.404')) : closed(p));
    return;
  }
  clear(main);
  const rows = [
    ['f.name', o.name],
    ['f.name_en', o.name_en],
    ['f.name_ru', o.name_ru],
    ['f.acronym', o.acronym],
    ['f.country', countryName(o.country)],
    ['f.city', o.city],
    ['f.website', o.website ? h('a', { href: o.website, rel: 'noopener noreferrer' }, o.website) : null],
    ['f.areas', (o.areas || []).map((a) => tOpt(`v.${a}`) || a).join(', ')],
    ['f.description', o.description],
  ].filter(([, v]) => v);
  main.append(
    pageHeader(displayName(o), { crumbs: [[t('pub.title'), '/public'], [t('nav.public_registry'), '/public/organisations'], [displayName(o)]] }),
    h('div', { class: 'panel' }, h('dl', { class: 'fields' }, rows.map(([k, v]) => h('div', { class: 'dl-row' }, h('dt', null, t(k)), h('dd', null, v))))),
  );
  const accBox = h('section', { class: 'panel' }, h('h2', null, t('pub.statuses')));
  main.append(accBox);
  let items = o.statuses || o.accreditations || null;
  if (!items) {
    try {
      ({
        data: { items },
      } = await api('GET', '/api/v1/accreditations', { query: { organisation_id: o.id, limit: 50 } }));
    } catch {
      items = null;
    }
  }
  if (!items) accBox.append(h('p', { class: 'muted' }, t('pub.statuses_unavailable')));
  else
    accBox.append(
      table({
        columns: [
          { label: t('f.body'), render: (a) => (typeof a === 'string' ? a : bodyLabel(a.body)) },
          { label: t('f.status'), render: (a) => (typeof a === 'string' ? '' : valueLabel(a.status)) },
          { label: t('f.granted_on'), render: (a) => fmtDate(a.granted_on) },
          { label: t('f.state'), render: (a) => badge(a.state) },
        ],
        rows: items,
        empty: t('pub.no_statuses'),
      }),
    );
}

export async function publicDocs({ main }) {
  const columns = [
    { label: t('f.title'), render: (d) => h('a', { href: `/public/documents/${d.id}` }, docTitleOf(d)) },
    { label: t('f.kind'), render: (d) => valueLabel(d.kind) },
    { label: t('f.languages'), render: (d) => Object.keys(d.titles || {}).map((l) => h('span', { class: 'lang-tag', lang: l }, l.toUpperCase())) },
    { label: t('f.published_at'), render: (d) => fmtDate(d.published_at) },
  ];
  await publicList(main, { title: t('nav.public_documents'), sub: t('pub.documents_text'), path: '/api/v1/documents', baseQuery: { published: 'true', sort: '-published_at' }, columns, empty: t('pub.no_docs') });
}

export async function publicDoc({ main, params }) {
  main.append(loading());
  let d;
  let trs = [];
  try {
    ({ data: d } = await api('GET', `/api/v1/documents/${params.id}`));
    ({
      data: { items: trs },
    } = await api('GET', `/api/v1/documents/${params.id}/translations`, { query: { limit: 50 } }));
  } catch (p) {
    clear(main).append(pageHeader(t('rec.unavailable'), { crumbs: [[t('nav.public_documents'), '/public/documents']] }), p instanceof Problem && p.status === 404 ? notice('error', t('err.404')) : closed(p));
    return;
  }
  clear(main);
  trs.sort((a, b) => (a.lang === getLang() ? -1 : b.lang === getLang() ? 1 : a.id - b.id));
  main.append(
    pageHeader(docTitleOf(d), { crumbs: [[t('pub.title'), '/public'], [t('nav.public_documents'), '/public/documents'], [docTitleOf(d)]], sub: [valueLabel(d.kind), d.published_at ? fmtDate(d.published_at) : ''].filter(Boolean).join(' · ') }),
    h(
      'div',
      { class: ['side-by-side', trs.length === 1 && 'cols-1'] },
      trs.map((tr) =>
        h('article', { class: 'version', lang: tr.lang }, h('header', null, h('span', { class: 'lang-tag' }, languageName(tr.lang)), h('h2', null, tr.title)), h('div', { class: 'doc-body' }, (tr.body || '').split(/\n{2,}/).map((p) => h('p', null, p)))),
      ),
    ),
  );
}
