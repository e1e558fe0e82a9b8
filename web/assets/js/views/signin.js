// Sign-in and sign-out. Password sign-in sets the session cookie and gives the CSRF token
// that writes carry; an NGO representative then lands in their organisation's workspace,
// an officer on the dashboard.
import { h, nextId } from '../dom.js';
import { api, has, setCsrf, Problem } from '../api.js';
import { t } from '../i18n.js';
import { app } from '../state.js';
import { navigate, query } from '../router.js';
import { notice, button, problemText } from '../ui.js';

function field(label, attrs) {
  const id = nextId('in');
  return [h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, ...attrs }))];
}

function landing() {
  const next = query().next;
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin')) return next;
  return '/';
}

export function signinView({ main }) {
  if (app.me) return navigate(landing(), { replace: true });
  const status = h('div', { 'aria-live': 'polite' });
  const panel = h('div', { class: 'signin-panel' });
  main.append(h('div', { class: 'signin' }, panel));
  panel.append(h('h1', { tabindex: '-1', id: 'page-title' }, t('signin.title')), h('p', { class: 'muted' }, t('signin.intro')));
  if (query().expired) panel.append(notice('info', t('signin.expired')));
  panel.append(status);

  if (has('/api/v1/session', 'post')) {
    const [emailField] = field(t('f.email'), { type: 'email', name: 'email', autocomplete: 'username', required: true });
    const [pwField] = field(t('signin.password'), { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
    const submit = button(t('signin.submit'), null, { kind: 'primary', type: 'submit' });
    const form = h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        on: {
          submit: async (e) => {
            e.preventDefault();
            status.replaceChildren();
            const email = form.elements.email.value.trim();
            const password = form.elements.password.value;
            if (!email || !password) {
              status.append(notice('error', t('signin.both')));
              return;
            }
            submit.disabled = true;
            try {
              const { data } = await api('POST', '/api/v1/session', { body: { email, password } });
              setCsrf(data?.csrf_token || data?.csrf || null);
              await app.refreshMe();
              navigate(landing(), { replace: true });
            } catch (p) {
              form.elements.password.value = '';
              const text = p instanceof Problem && (p.status === 401 || p.status === 422) ? t('signin.failed') : problemText(p);
              status.append(notice('error', text));
              form.elements.password.focus();
            } finally {
              submit.disabled = false;
            }
          },
        },
      },
      emailField,
      pwField,
      h('div', { class: 'form-actions' }, submit),
    );
    panel.append(form);
  } else {
    panel.append(notice('warn', t('signin.unavailable')));
  }
  panel.append(h('p', { class: 'signin-public' }, t('signin.public'), ' ', h('a', { href: '/public/organisations' }, t('nav.public_registry')), ' · ', h('a', { href: '/public/documents' }, t('nav.public_documents'))));
}

export async function signOut() {
  if (has('/api/v1/session', 'delete')) {
    try {
      await api('DELETE', '/api/v1/session');
    } catch {
      /* signed out locally all the same */
    }
  }
  setCsrf(null);
  app.me = null;
  app.onSession?.();
  navigate('/signin', { replace: true });
}
