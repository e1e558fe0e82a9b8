// The application shell: who is signed in, the header (search, language, account),
// the navigation for the user's role, and the route table.
import { h, clear } from './dom.js';
import { api, loadSpec, has, resource, roleAtLeast, setCsrf, whenUnauthenticated, segmentOf, segToResource } from './api.js';
import { t, getLang, setLang, onLang, LANGS, collLabel } from './i18n.js';
import { setRoutes, start, navigate, match } from './router.js';
import { app } from './state.js';
import { signinView, signOut } from './views/signin.js';
import { watchIdle } from './idle.js';
import { saveDrafts } from './forms.js';
import { dashboardView } from './views/dashboard.js';
import { listView, detailView, formView } from './views/records.js';
import { orgDetailView, orgListView } from './views/organisations.js';
import { boardView } from './views/applications.js';
import { calendarView } from './views/calendar.js';
import { bell } from './bell.js';
import { reportView, notificationsView } from './views/qreport.js';
import { searchView } from './views/search.js';
import { usersView, auditView, tokensView } from './views/admin.js';
import { publicHome, publicRegistry, publicOrg, publicDocs, publicDoc } from './views/public.js';

const known = (p) => !!segToResource(p.coll);


const ROUTES = [
  ['/', homeView, { anon: true }],
  ['/signin', signinView, { anon: true }],
  ['/public', publicHome, { anon: true }],
  ['/public/organisations', publicRegistry, { anon: true }],
  ['/public/organisations/:id', publicOrg, { anon: true }],
  ['/public/documents', publicDocs, { anon: true }],
  ['/public/documents/:id', publicDoc, { anon: true }],
  ['/search', searchView, { anon: true }],
  ['/dashboard', dashboardView, { role: 'officer' }],
  ['/calendar', calendarView],
  ['/admin/users', usersView, { role: 'admin' }],
  ['/admin/audit', auditView, { role: 'admin' }],
  ['/tokens', tokensView, { role: 'ngo' }],
  ['/applications/board', boardView],
  ['/accreditation-reports/:id', reportView, { when: (p) => /^\d+$/.test(p.id) }],
  ['/notifications', notificationsView],
  ['/organisations', orgListView, { when: () => !!segToResource('organisations') }],
  ['/organisations/:id', orgDetailView, { when: (p) => /^\d+$/.test(p.id) }],
  ['/organisations/:id/:tab', orgDetailView, { when: (p) => /^\d+$/.test(p.id) && p.tab !== 'edit' }],
  ['/:coll', listView, { when: known }],
  ['/:coll/new', formView, { when: known }],
  ['/:coll/:id', detailView, { when: (p) => known(p) && /^\d+$/.test(p.id) }],
  ['/:coll/:id/edit', formView, { when: (p) => known(p) && /^\d+$/.test(p.id) }],
];

function homeView(ctx) {
  const me = app.me;
  if (!me) return navigate('/public', { replace: true });
  if (me.role === 'ngo' && me.organisation_id) return navigate(`/organisations/${me.organisation_id}`, { replace: true });
  return navigate('/dashboard', { replace: true });
}

function notFound(main) {
  main.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', id: 'page-title' }, t('err.page_not_found'))), h('p', null, t('err.page_not_found_text')), h('p', null, h('a', { href: '/' }, t('nav.home'))));
}

/* ---- the shell -------------------------------------------------------------------- */

const NAV = [
  ['nav.overview', [['/dashboard', 'nav.dashboard', 'officer'], ['/calendar', 'nav.calendar', 'ngo', '/api/v1/calendar']]],
  ['nav.registry', [['organisations', null, 'officer'], ['people', null, 'officer'], ['accreditations', null, 'officer'], ['listings', null, 'officer'], ['bodies', null, 'officer']]],
  [
    'nav.work',
    [
      ['applications', null, 'ngo'],
      ['meetings', null, 'ngo'],
      ['proposals', null, 'ngo'],
      ['delegations', null, 'officer'],
      ['reports', null, 'ngo'],
      ['incidents', null, 'officer'],
      ['working_groups', null, 'officer'],
      ['documents', null, 'ngo'],
    ],
  ],
  ['nav.admin', [['/admin/users', 'nav.users', 'admin', '/api/v1/users'], ['/admin/audit', 'nav.audit', 'admin', '/api/v1/audit']]],
  ['nav.account', [['/tokens', 'nav.tokens', 'ngo', '/api/v1/tokens']]],
  ['nav.public', [['/public/organisations', 'nav.public_registry', 'anonymous'], ['/public/documents', 'nav.public_documents', 'anonymous']]],
];

function navLinks() {
  const me = app.me;
  const role = me?.role || 'anonymous';
  const groups = [];
  if (me?.role === 'ngo' && me.organisation_id) groups.push(['nav.my_org', [[`/organisations/${me.organisation_id}`, 'nav.my_org_profile']]]);
  for (const [title, items] of NAV) {
    const links = [];
    for (const [target, label, min, needs] of items) {
      if (!roleAtLeast(role, min)) continue;
      if (target.startsWith('/')) {
        if (needs && !has(needs)) continue;
        links.push([target, label]);
      } else {
        const seg = segmentOf(target) || segmentOf(target.replace(/_/g, '-'));
        if (!seg) continue;
        links.push([target === 'applications' && roleAtLeast(role, 'ngo') ? '/applications/board' : `/${seg}`, `c.${target}`]);
      }
    }
    if (links.length) groups.push([title, links]);
  }
  return groups;
}

function renderShell() {
  const root = document.getElementById('app');
  clear(root);
  const me = app.me;
  const searchInput = h('input', { type: 'search', name: 'q', id: 'global-search', placeholder: t('search.placeholder'), autocomplete: 'off', value: new URLSearchParams(location.search).get('q') && location.pathname === '/search' ? new URLSearchParams(location.search).get('q') : '' });
  const menuBtn = h('button', { type: 'button', class: 'menu-btn', 'aria-expanded': 'false', 'aria-controls': 'sidenav' }, t('nav.menu'));
  const nav = h(
    'nav',
    { class: 'sidenav', id: 'sidenav', 'aria-label': t('nav.main') },
    navLinks().map(([title, links]) =>
      h('div', { class: 'nav-group' }, h('h2', null, t(title)), h('ul', null, links.map(([href, label]) => h('li', null, h('a', { href, 'data-nav': href }, t(label)))))),
    ),
  );
  menuBtn.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menuBtn.setAttribute('aria-expanded', String(open));
  });
  const langSwitch = h(
    'div',
    { class: 'lang', role: 'group', 'aria-label': t('lang.choose') },
    LANGS.map((l) => h('button', { type: 'button', lang: l, 'aria-pressed': String(l === getLang()), class: 'lang-btn', on: { click: () => setLang(l) } }, l === 'en' ? 'EN' : 'RU')),
  );
  const account = me
    ? h('div', { class: 'account' }, bell(), h('span', { class: 'who' }, h('span', { class: 'who-name' }, me.name || me.email), h('span', { class: 'who-role' }, t(`role.${me.role}`))), h('button', { type: 'button', class: 'btn btn-topbar', id: 'signout', on: { click: signOut } }, t('nav.signout')))
    : h('div', { class: 'account' }, h('a', { href: '/signin', class: 'btn btn-topbar' }, t('nav.signin')));
  const header = h(
    'header',
    { class: 'topbar' },
    menuBtn,
    h('a', { href: '/', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-text' }, h('strong', null, 'civdesk'), h('span', null, t('app.subtitle')))),
    h(
      'form',
      { class: 'search', role: 'search', on: { submit: (e) => { e.preventDefault(); const q = searchInput.value.trim(); if (q) navigate(`/search?q=${encodeURIComponent(q)}`); } } },
      h('label', { for: 'global-search', class: 'sr-only' }, t('search.label')),
      searchInput,
      h('button', { type: 'submit', class: 'btn btn-topbar' }, t('search.go')),
    ),
    langSwitch,
    account,
  );
  const main = h('main', { id: 'main', tabindex: '-1' });
  // The skip link moves the focus itself: the router takes over same-page links, and a
  // hash change would re-render the page.
  const skip = h('a', { href: '#main', class: 'skip', on: { click: (e) => { e.preventDefault(); main.focus(); main.scrollIntoView(); } } }, t('a11y.skip'));
  root.append(skip, header, h('div', { class: 'layout' }, nav, main));
  return main;
}

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  const main = renderShell();
  for (const a of document.querySelectorAll('[data-nav]')) {
    const href = a.getAttribute('data-nav');
    const here = location.pathname === href || (href !== '/' && location.pathname.startsWith(`${href}/`));
    if (here) a.setAttribute('aria-current', 'page');
  }
  const m = match(location.pathname);
  document.title = 'civdesk';
  if (!m) return notFound(main);
  const { route, params } = m;
  if (!route.opts.anon && !app.me) {
    const next = location.pathname + location.search;
    return navigate(`/signin?next=${encodeURIComponent(next)}`, { replace: true });
  }
  if (route.opts.role && !roleAtLeast(app.me?.role, route.opts.role)) return notFound(main);
  try {
    await route.view({ main, params, seq, isCurrent: () => seq === renderSeq });
  } catch (e) {
    console.error(e);
    main.append(h('div', { class: 'notice notice-error', role: 'alert' }, t('err.page_failed'), ' ', String(e?.message || e)));
  }
  if (seq === renderSeq) {
    const title = main.querySelector('h1');
    if (title) {
      document.title = `${title.textContent} — civdesk`;
      if (app.moved) title.focus({ preventScroll: false });
    }
    app.moved = true;
  }
}

async function boot() {
  document.documentElement.lang = getLang();
  await loadSpec();
  // The session ended (the server answered 401, or it was idle too long): unsaved form
  // values are kept for after signing in again, which comes back here.
  const expired = () => {
    if (!app.me) return;
    saveDrafts();
    app.me = null;
    setCsrf(null);
    watchIdle(0);
    navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}&expired=1`, { replace: true });
  };
  app.onSession = () => watchIdle(app.me ? app.idleTimeout : 0, expired);
  await app.refreshMe();
  whenUnauthenticated(expired);
  onLang(() => render());
  setRoutes(ROUTES, render);
  start();
}

boot();

