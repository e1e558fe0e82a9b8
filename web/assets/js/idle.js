// The session's idle timeout, seen from the browser: the server ends a session after
// idle_timeout seconds without a request (GET /api/v1/session says how long). Every
// answered request restarts the count; two minutes before the end a warning offers to
// stay signed in; at the end unsaved form values are kept (forms.js saveDrafts) and the
// sign-in page brings the user back to them.
import { h } from './dom.js';
import { api, whenActive } from './api.js';
import { t, fmtTime } from './i18n.js';

const WARN_BEFORE = 120; // seconds

let seconds = 0;
let warnTimer = null;
let endTimer = null;
let banner = null;
let onExpire = null;

function hideBanner() {
  banner?.remove();
  banner = null;
}

function showBanner(endsAt) {
  hideBanner();
  const stay = h('button', { type: 'button', class: 'btn btn-primary btn-small', on: { click: () => api('GET', '/api/v1/session').catch(() => {}) } }, t('idle.stay'));
  banner = h('div', { class: 'idle-warning notice notice-warn', role: 'alert' }, h('p', null, t('idle.warning', { time: fmtTime(endsAt) })), stay);
  document.body.append(banner);
  stay.focus({ preventScroll: true });
}

function restart() {
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  hideBanner();
  if (!seconds) return;
  const endsAt = new Date(Date.now() + seconds * 1000);
  warnTimer = setTimeout(() => showBanner(endsAt), Math.max(0, seconds - WARN_BEFORE) * 1000);
  endTimer = setTimeout(() => {
    hideBanner();
    onExpire?.();
  }, seconds * 1000);
}

// Starts watching (seconds: the session's idle timeout; 0 stops). expire() runs when the
// session has ended without activity.
export function watchIdle(timeout, expire) {
  seconds = Number(timeout) || 0;
  onExpire = expire;
  restart();
}

whenActive(() => {
  if (seconds) restart();
});
