// Administration: user accounts (create, disable, enable) and the audit trail with the
// result of verifying its hash chain.
import { h, clear } from '../dom.js';
import { api, has, pseudoResource } from '../api.js';
import { t, fmtDate, fmtNumber, valueLabel, collLabel } from '../i18n.js';
import { pageHeader, problemNotice, loading, table, button, notice, toast, refLink, unavailable, badge, confirmDialog } from '../ui.js';
import { recordForm } from '../forms.js';
import { app } from '../state.js';
import { auditDetail, auditRecord } from './organisations.js';

export async function usersView({ main }) {
  // Users are not a generic resource: their endpoint takes these fields.
  const res = pseudoResource(
    'users',
    '/api/v1/users',
    [
      { name: 'email', format: 'email' },
      { name: 'name', maxLength: 200 },
      { name: 'role', enum: ['officer', 'ngo', 'admin'] },
      { name: 'organisation_id', base: 'integer', 'x-references': 'organisations' },
      { name: 'password', format: 'password' },
    ],
    ['email', 'role', 'password'],
  );
  const formBox = h('div', { class: 'inline-form' });
  const listBox = h('div');
  const canCreate = has('/api/v1/users', 'post');
  const newBtn = canCreate ? button(t('users.new'), () => openForm(), { kind: 'primary' }) : null;
  main.append(pageHeader(t('nav.users'), { actions: newBtn ? [newBtn] : [] }), formBox, h('section', { class: 'panel' }, listBox));
  if (!has('/api/v1/users')) {
    listBox.append(unavailable(t('nav.users')));
    return;
  }

  // A new user, or (user given) a change of name, role, organisation or password; the
  // e-mail address is the account's identity and stays.
  function openForm(user = null) {
    clear(formBox);
    const fields = res.fields.map((f) => f.name).filter((n) => !user || n !== 'email');
    const { form, widgets } = recordForm(res, {
      path: '/api/v1/users',
      record: user,
      fields,
      hints: user ? { password: t('users.password_keep') } : undefined,
      onSaved: (u) => {
        clear(formBox);
        toast(user ? t('users.saved', { email: user.email }) : t('users.created', { email: u.email }));
        load();
        newBtn?.focus();
      },
      onCancel: () => clear(formBox),
    });
    // The organisation matters only for an NGO representative.
    const role = widgets.get('role');
    const org = widgets.get('organisation_id');
    if (role && org) {
      const sync = () => {
        org.el.hidden = role.get() !== 'ngo';
      };
      role.control.addEventListener('change', sync);
      sync();
    }
    formBox.append(h('section', { class: 'panel' }, h('h2', null, user ? t('users.edit', { email: user.email }) : t('users.new')), form));
    form.querySelector('input, select')?.focus();
  }

  async function load() {
    clear(listBox).append(loading());
    let items;
    try {
      ({
        data: { items },
      } = await api('GET', '/api/v1/users', { query: { limit: 500 } }));
    } catch (p) {
      clear(listBox).append(problemNotice(p));
      return;
    }
    clear(listBox).append(
      table({
        columns: [
          { label: t('f.email'), render: (u) => u.email },
          { label: t('f.name'), render: (u) => u.name || '' },
          { label: t('f.role'), render: (u) => t(`role.${u.role}`) },
          { label: t('f.organisation_id'), render: (u) => (u.organisation_id ? refLink('organisations', u.organisation_id) : '') },
          { label: t('users.status'), render: (u) => (u.disabled ? badge('disabled') : badge('active')) },
          {
            label: t('list.actions'),
            render: (u) =>
              h(
                'div',
                { class: 'row-actions' },
                button(t('act.edit'), () => openForm(u), { kind: 'small', 'aria-label': t('users.edit', { email: u.email }) }),
                // Nobody disables their own account (they would lock themselves out).
                u.id === app.me?.id
                  ? h('span', { class: 'muted small' }, t('users.you'))
                  : button(
                u.disabled ? t('users.enable') : t('users.disable'),
                async () => {
                  if (!u.disabled && !(await confirmDialog(t('users.disable'), t('users.confirm_disable', { email: u.email }), t('users.disable')))) return;
                  try {
                    await api('PATCH', `/api/v1/users/${u.id}`, { body: { disabled: !u.disabled }, etag: u.version ? `"${u.version}"` : undefined });
                    toast(u.disabled ? t('users.enabled', { email: u.email }) : t('users.disabled', { email: u.email }));
                    load();
                  } catch (p) {
                    listBox.prepend(problemNotice(p));
                  }
                },
                { kind: u.disabled ? 'small' : 'ghost-danger' },
              ),
              ),
          },
        ],
        rows: items,
        caption: t('nav.users'),
      }),
    );
  }
  load();
}

export async function auditView({ main }) {
  main.append(pageHeader(t('nav.audit'), { sub: t('audit.sub') }));
  const verifyBox = h('div', { class: 'verify' });
  const listBox = h('section', { class: 'panel' });
  main.append(verifyBox, listBox);
  if (has('/api/v1/audit/verify')) {
    verifyBox.append(loading());
    api('GET', '/api/v1/audit/verify')
      .then(({ data }) => {
        clear(verifyBox);
        const ok = data.ok ?? data.valid ?? data.verified;
        const n = data.checked ?? data.head?.entries ?? data.entries;
        verifyBox.append(
          ok
            ? notice('ok', h('strong', null, t('audit.verified')), ' ', t('audit.verified_text', { n: fmtNumber(n ?? 0) }))
            : notice('error', h('strong', null, t('audit.broken')), ' ', data.detail || data.problem || data.error || '', data.first_bad_id ? ` (#${data.first_bad_id})` : ''),
        );
      })
      .catch((p) => clear(verifyBox).append(p.status === 409 || p.status === 500 ? notice('error', h('strong', null, t('audit.broken')), ' ', p.detail) : problemNotice(p)));
  } else verifyBox.append(unavailable(t('audit.verification')));
  if (!has('/api/v1/audit')) {
    listBox.append(unavailable(t('nav.audit')));
    return;
  }
  const stack = [null];
  let page = 0;
  const load = async () => {
    clear(listBox).append(loading());
    let data;
    try {
      ({ data } = await api('GET', '/api/v1/audit', { query: { limit: 50, cursor: stack[page] || undefined } }));
    } catch (p) {
      clear(listBox).append(problemNotice(p));
      return;
    }
    clear(listBox).append(
      h('h2', null, t('audit.entries')),
      table({
        columns: [
          { label: t('audit.seq'), render: (e) => `#${e.id ?? e.seq}` },
          { label: t('audit.at'), render: (e) => fmtDate(e.at || e.created_at) },
          { label: t('audit.actor'), render: (e) => e.actor || (e.actor_id ? `#${e.actor_id}` : t('audit.system')) },
          { label: t('audit.action'), render: (e) => valueLabel(e.action) },
          { label: t('audit.entity'), render: (e) => auditRecord(e) },
          { label: t('audit.detail'), render: (e) => auditDetail(e) },
          { label: t('audit.hash'), cls: 'mono', render: (e) => (e.hash ? String(e.hash).slice(0, 12) : '') },
        ],
        rows: data.items || [],
        caption: t('audit.entries'),
      }),
      h(
        'nav',
        { class: 'pager', 'aria-label': t('list.pages') },
        page > 0 ? button(t('list.prev'), () => { page -= 1; load(); }) : null,
        data.next_cursor ? button(t('list.next'), () => { stack[page + 1] = data.next_cursor; page += 1; load(); }) : null,
      ),
    );
  };
  load();
}
