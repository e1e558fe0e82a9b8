// Search across everything the user may see, results grouped by type, matched words
// marked. Uses /api/v1/search when the server has it; otherwise asks each collection's
// list (q=) so the box still works.
import { h, clear, marked, markedByMarkers, unescapeHtml } from '../dom.js';
import { app } from '../state.js';
import { api, has, resource, collections, segmentOf } from '../api.js';
import { t, plural, LANGS, collLabel, displayName, fmtNumber, countryName, languageName } from '../i18n.js';
import { query, setQuery } from '../router.js';
import { pageHeader, problemNotice, loading, notice } from '../ui.js';
import { titleOf } from '../config.js';

const MARKERS = [
  ['<mark>', '</mark>'],
  ['<b>', '</b>'],
  ['\u0002', '\u0003'],
  ['[[', ']]'],
];

function snippetNodes(text, words) {
  if (!text) return [];
  for (const [a, b] of MARKERS) if (text.includes(a) && text.includes(b)) return markedByMarkers(text, a, b, a === '<mark>');
  if (/&(amp|lt|gt|quot|#39);/.test(text)) return marked(unescapeHtml(text), words);
  return marked(text, words);
}

// Narrowing by language: every language unless the user picks one (?lang=).
function langFilter(q, lang) {
  const id = 'search-lang';
  const sel = h('select', { id, name: 'lang' }, h('option', { value: '' }, t('search.any_lang')), LANGS.map((l) => h('option', { value: l, selected: l === lang }, languageName(l))));
  sel.addEventListener('change', () => setQuery({ q, lang: sel.value }));
  return h('div', { class: 'filters search-narrow' }, h('div', { class: 'field' }, h('label', { for: id }, t('search.lang')), sel));
}

export async function searchView({ main }) {
  const q = (query().q || '').trim();
  const lang = LANGS.includes(query().lang) ? query().lang : '';
  main.append(pageHeader(t('search.title'), { sub: q ? t('search.for', { q }) : null }));
  if (q && has('/api/v1/search')) main.append(langFilter(q, lang));
  if (!q) {
    main.append(h('p', { class: 'muted' }, t('search.hint')));
    return;
  }
  const out = h('div', { class: 'search-results', 'aria-live': 'polite' }, loading());
  main.append(out);
  const words = q.split(/\s+/).filter(Boolean);
  let groups;
  try {
    groups = null;
    if (has('/api/v1/search')) {
      try {
        groups = await viaSearch(q, lang);
      } catch (p) {
        // A search endpoint that refuses or fails: fall back to the lists' own q=.
        if (!(p.status === 403 || p.status === 404 || p.status >= 500)) throw p;
      }
    }
    if (!groups) groups = await viaLists(q);
  } catch (p) {
    clear(out).append(problemNotice(p));
    return;
  }
  clear(out);
  const total = groups.reduce((n, g) => n + g.items.length, 0);
  if (!total) {
    out.append(notice('info', t('search.none', { q })));
    return;
  }
  out.append(h('p', { class: 'muted' }, plural('search.count', total)));
  for (const g of groups) {
    if (!g.items.length) continue;
    out.append(
      h(
        'section',
        { class: 'panel result-group' },
        h('h2', null, collLabel(g.type), h('span', { class: 'count' }, fmtNumber(g.items.length))),
        h(
          'ol',
          { class: 'results-list' },
          g.items.map((it) =>
            h(
              'li',
              null,
              h('a', { href: it.href, class: 'result-title' }, snippetNodes(it.title, it.words || words)),
              it.meta ? h('span', { class: 'muted' }, ` · ${it.meta}`) : null,
              it.snippet ? h('p', { class: 'snippet' }, snippetNodes(it.snippet, it.words || words)) : null,
            ),
          ),
        ),
      ),
    );
  }
}

// Where an anonymous visitor reads a record the search found.
const PUBLIC_PAGES = { organisations: '/public/organisations', documents: '/public/documents' };

async function viaSearch(q, lang) {
  const { data } = await api('GET', '/api/v1/search', { query: { q, lang: lang || undefined, limit: 50 } });
  const items = data.items || data.results || [];
  const terms = data.terms || data.words || null;
  const byType = new Map();
  for (const it of items) {
    const type = it.type || it.collection || it.resource || 'other';
    const seg = segmentOf(type) || type;
    if (!byType.has(type)) byType.set(type, []);
    byType.get(type).push({
      title: it.title || it.name || `#${it.id}`,
      snippet: it.snippet || it.excerpt || '',
      href: it.href || (!app.me && PUBLIC_PAGES[type] ? `${PUBLIC_PAGES[type]}/${it.id}` : `/${seg}/${it.id}`),
      meta: it.country ? countryName(it.country) : it.lang ? languageName(it.lang) : '',
      words: it.matched || terms,
    });
  }
  if (Array.isArray(data.groups)) return data.groups.map((g) => ({ type: g.type, items: (g.items || []).map((it) => ({ title: it.title, snippet: it.snippet, href: `/${segmentOf(g.type) || g.type}/${it.id}`, words: terms })) }));
  return [...byType.entries()].map(([type, list]) => ({ type, items: list }));
}

async function viaLists(q) {
  const names = collections().filter((n) => resource(n)?.schema['x-searchable']); // as the server declares
  const results = await Promise.all(
    names.map(async (name) => {
      const res = resource(name);
      if (!res.fields.some((f) => f['x-search'] !== false)) return { type: name, items: [] };
      try {
        // The lists' q= compares letters as stored; ask for the forms a name is written in.
        const forms = [...new Set([q, q.charAt(0).toLocaleUpperCase() + q.slice(1), q.toLocaleLowerCase()])];
        const seen = new Map();
        for (const form of forms) {
          const { data } = await api('GET', res.path, { query: { q: form, limit: 10 } });
          for (const r of data.items) seen.set(r.id, r);
        }
        return {
          type: name,
          items: [...seen.values()].slice(0, 10).map((r) => ({ title: titleOf(name, r) || displayName(r), href: `/${res.seg}/${r.id}`, meta: r.country ? countryName(r.country) : '', snippet: r.name && displayName(r) !== r.name ? r.name : r.position || '' })),
        };
      } catch {
        return { type: name, items: [] };
      }
    }),
  );
  return results;
}
