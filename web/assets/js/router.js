// Client-side routing over the History API: links are real <a href>, clicks on
// same-origin links are taken over, the server answers any page path with index.html.

let routes = [];
let render = null;

// table: [[pattern, view, opts]]; pattern segments ":name" capture.
export function setRoutes(table, renderFn) {
  routes = table.map(([pattern, view, opts]) => ({ parts: pattern.split('/').filter(Boolean), view, opts: opts || {} }));
  render = renderFn;
}

export function match(pathname) {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  for (const r of routes) {
    if (r.parts.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      if (r.parts[i].startsWith(':')) params[r.parts[i].slice(1)] = parts[i];
      else ok = r.parts[i] === parts[i];
    }
    if (ok && (!r.opts.when || r.opts.when(params))) return { route: r, params };
  }
  return null;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

// The current query string as an object, and a way to change it (replacing history).
export function query() {
  return Object.fromEntries(new URLSearchParams(location.search));
}

export function setQuery(obj, { push = false } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  const path = location.pathname + (s ? `?${s}` : '');
  if (push) navigate(path);
  else navigate(path, { replace: true });
}

export function start() {
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download')) return;
    const u = new URL(a.href, location.href);
    if (u.origin !== location.origin || u.pathname.startsWith('/api/') || /\.[a-z0-9]+$/i.test(u.pathname)) return;
    e.preventDefault();
    if (u.pathname + u.search !== location.pathname + location.search) navigate(u.pathname + u.search + u.hash);
  });
  render();
}
