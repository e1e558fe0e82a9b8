// The bell in the header: how many of the signed-in user's notifications are unread, and
// the newest of them, each a link to its record (docs/notifications.md). Opening a
// notification marks it read. Its own words, so it stays one self-contained module.
import { h, clear } from './dom.js';
import { api } from './api.js';
import { getLang } from './i18n.js';
import { navigate } from './router.js';

const WORDS = {
  en: { label: 'Notifications', unread: (n) => `${n} unread`, none: 'Nothing new.', more: 'Newest 10 shown.', all: 'All notifications' },
  ru: { label: 'Уведомления', unread: (n) => `непрочитанных: ${n}`, none: 'Ничего нового.', more: 'Показаны 10 последних.', all: 'Все уведомления' },
};

export function bell() {
  const w = WORDS[getLang()] || WORDS.en;
  const count = h('span', { class: 'bell-count', hidden: true });
  const summary = h('summary', { class: 'btn btn-topbar bell-btn', 'aria-label': w.label, title: w.label }, h('img', { src: '/assets/bell.svg', alt: '', width: 18, height: 18 }), count);
  const panel = h('div', { class: 'bell-panel', role: 'region', 'aria-label': w.label });
  const details = h('details', { class: 'bell', id: 'bell' }, summary, panel);

  async function load() {
    let data;
    try {
      ({ data } = await api('GET', 'notifications', { query: { limit: 10 } }));
    } catch {
      return; // the bell is an aid: a failed fetch leaves it as it was
    }
    count.hidden = !data.unread;
    count.textContent = data.unread > 99 ? '99+' : String(data.unread);
    summary.setAttribute('aria-label', `${w.label}: ${w.unread(data.unread)}`);
    clear(panel);
    if (!data.items.length) return panel.append(h('p', { class: 'muted' }, w.none));
    // An unread notice is marked read before the page changes: the header drawn for the
    // next page loads the count afresh, and must not find the notice still unread.
    const open = (n) => async (e) => {
      details.open = false;
      if (n.read || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      await api('POST', `notifications/${n.id}/read`).catch(() => {});
      navigate(n.link || '/');
    };
    panel.append(
      h('ul', null, data.items.map((n) => h('li', { class: n.read ? 'read' : 'unread' }, h('a', { href: n.link || '/', on: { click: open(n) } }, n.title), n.detail ? h('p', null, n.detail) : null))),
      data.next_cursor ? h('p', { class: 'muted' }, w.more) : null,
      h('p', null, h('a', { href: '/notifications', on: { click: () => (details.open = false) } }, w.all)),
    );
  }
  details.addEventListener('toggle', () => details.open && load());
  load();
  return details;
}
