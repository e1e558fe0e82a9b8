// Small DOM helpers. Everything that shows data goes through text nodes (never
// innerHTML), so names and notes from the database cannot inject markup.

// h('a', {href: '/x', class: 'btn', on: {click: f}}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = tag === 'svg' || (attrs && attrs.svg) ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// SVG elements (the representation chart).
export function s(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false || k === 'svg') continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'class') {
      el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'multiple' || k === 'required') {
      el[k] = !!v;
      if (v === true && k !== 'checked' && k !== 'selected') el.setAttribute(k, '');
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let uid = 0;
export function nextId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// Wraps text so that the given words are marked (search results). Case-insensitive;
// words shorter than 2 characters are ignored.
export function marked(text, words) {
  const parts = [];
  const ws = (words || []).filter((w) => w && w.length > 1).map((w) => w.toLocaleLowerCase());
  if (!ws.length || !text) return [text || ''];
  const lower = text.toLocaleLowerCase();
  let i = 0;
  while (i < text.length) {
    let best = -1;
    let bestLen = 0;
    for (const w of ws) {
      const j = lower.indexOf(w, i);
      if (j >= 0 && (best < 0 || j < best)) {
        best = j;
        bestLen = w.length;
      }
    }
    if (best < 0) break;
    // Extend to the end of the word, so a stem marks the whole form found.
    let end = best + bestLen;
    while (end < text.length && /[\p{L}\p{N}]/u.test(text[end])) end += 1;
    if (best > i) parts.push(text.slice(i, best));
    parts.push(h('mark', null, text.slice(best, end)));
    i = end;
  }
  if (i < text.length) parts.push(text.slice(i));
  return parts;
}

// Text with server-side highlight markers (e.g. "[", "]" or <b>…</b> from FTS5
// snippet()) turned into <mark> elements, without ever parsing HTML.
// decode: the text between markers is HTML-escaped (the server's search snippets): the
// five entities it writes are turned back into characters, and nothing else is parsed.
export function markedByMarkers(text, open, close, decode = false) {
  const out = [];
  const d = decode ? unescapeHtml : (s) => s;
  let rest = text || '';
  for (;;) {
    const a = rest.indexOf(open);
    if (a < 0) break;
    const b = rest.indexOf(close, a + open.length);
    if (b < 0) break;
    if (a) out.push(d(rest.slice(0, a)));
    out.push(h('mark', null, d(rest.slice(a + open.length, b))));
    rest = rest.slice(b + close.length);
  }
  if (rest) out.push(d(rest));
  return out;
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
export function unescapeHtml(s) {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]);
}
