// Administration: user accounts (create, disable, enable) and the audit trail with the
// result of verifying its hash chain.
import { h, clear } from '../dom.js';
import { api, has, pseudoResource, resource } from '../api.js';
import { t, fmtDate, fmtNumber, valueLabel, collLabel, fieldLabel } from '../i18n.js';
import { pageHeader, problemNotice, loading, loadInto, labelled, filterBar, table, button, notice, toast, refLink, unavailable, badge, confirmDialog, showValue } from '../ui.js';
import { recordForm } from '../forms.js';
import { app } from '../state.js';
import { auditDetail, auditRecord, auditActor } from './organisations.js';
import { query, setQuery } from '../router.js';
import { collections } from '../api.js';

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
    const data = await loadInto(listBox, '/api/v1/users', { limit: 500 });
    if (!data) return;
    listBox.append(
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
        rows: data.items,
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
  // Filters (who, which record, what, when), kept in the page's URL.
  const q = query();
  const names = collections();
  const filters = filterBar(
    [
      labelled('actor', t('audit.actor'), h('input', { id: 'audit-actor', name: 'actor', type: 'search', value: q.actor || '', placeholder: t('audit.actor_hint') })),
      labelled('resource', t('audit.entity'), h('select', { id: 'audit-resource', name: 'resource' }, h('option', { value: '' }, t('list.any')), names.map((n) => h('option', { value: n, selected: q.resource === n }, collLabel(n))))),
      labelled('record_id', t('audit.record_id'), h('input', { id: 'audit-record', name: 'record_id', type: 'text', inputmode: 'numeric', value: q.record_id || '' })),
      labelled('action', t('audit.action'), h('select', { id: 'audit-action', name: 'action' }, h('option', { value: '' }, t('list.any')), ['create', 'update', 'delete', 'transition'].map((a) => h('option', { value: a, selected: q.action === a }, valueLabel(a))))),
      labelled('from', t('audit.from'), h('input', { id: 'audit-from', name: 'from', type: 'date', value: q.from || '' })),
      labelled('to', t('audit.to'), h('input', { id: 'audit-to', name: 'to', type: 'date', value: q.to || '' })),
      h('div', { class: 'filter-actions' }, button(t('list.apply'), null, { type: 'submit' }), Object.keys(q).length ? button(t('list.reset'), () => setQuery({})) : null),
    ],
    (f) => setQuery({ actor: f.actor.value.trim(), resource: f.resource.value, record_id: f.record_id.value.trim(), action: f.action.value, from: f.from.value, to: f.to.value }),
  );
  listBox.before(filters);
  const stack = [null];
  let page = 0;
  const load = async () => {
    const fq = { actor: q.actor, resource: q.resource, record_id: q.record_id, action: q.action, from: q.from, to: q.to ? `${q.to}T23:59:59Z` : undefined };
    const data = await loadInto(listBox, '/api/v1/audit', { limit: 50, cursor: stack[page] || undefined, ...fq });
    if (!data) return;
    listBox.append(
      h('h2', null, t('audit.entries')),
      table({
        columns: [
          { label: t('audit.seq'), render: (e) => `#${e.id ?? e.seq}` },
          { label: t('audit.at'), render: (e) => fmtDate(e.at || e.created_at) },
          { label: t('audit.actor'), render: auditActor },
          { label: t('audit.action'), render: (e) => valueLabel(e.action) },
          { label: t('audit.entity'), render: (e) => auditRecord(e) },
          { label: t('audit.detail'), render: (e) => auditChanges(e) },
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

// API tokens (issue 16): the caller's own — an administrator's list holds everyone's —
// with name, expiry and last use, and a button to revoke each. Tokens are made with
// `civdesk token create`; the page never shows a token itself.
export async function tokensView({ main }) {
  main.append(pageHeader(t('nav.tokens'), { sub: t('tokens.sub') }));
  const listBox = h('section', { class: 'panel' });
  main.append(listBox);
  if (!has('/api/v1/tokens')) {
    listBox.append(unavailable(t('nav.tokens')));
    return;
  }
  async function load() {
    clear(listBox).append(loading());
    const items = [];
    try {
      // The list pages (limit + cursor): follow next_cursor to the end.
      let cursor = null;
      do {
        const { data } = await api('GET', '/api/v1/tokens', { query: cursor ? { limit: 500, cursor } : { limit: 500 } });
        items.push(...data.items);
        cursor = data.next_cursor;
      } while (cursor);
    } catch (p) {
      clear(listBox).append(problemNotice(p));
      return;
    }
    clear(listBox).append(
      table({
        columns: [
          { label: t('tokens.name'), render: (x) => x.name || t('tokens.unnamed') },
          { label: t('f.email'), render: (x) => x.email },
          { label: t('tokens.expires'), render: (x) => (x.expires_at ? fmtDate(x.expires_at) : t('tokens.never')) },
          { label: t('tokens.last_used'), render: (x) => (x.last_used_at ? fmtDate(x.last_used_at) : t('tokens.never')) },
          {
            label: t('list.actions'),
            render: (x) =>
              button(
                t('tokens.revoke'),
                async () => {
                  if (!(await confirmDialog(t('tokens.revoke'), t('tokens.confirm_revoke', { name: x.name || `#${x.id}` }), t('tokens.revoke')))) return;
                  try {
                    await api('DELETE', `/api/v1/tokens/${x.id}`);
                    toast(t('tokens.revoked', { name: x.name || `#${x.id}` }));
                    load();
                  } catch (p) {
                    listBox.prepend(problemNotice(p));
                  }
                },
                { kind: 'ghost-danger' },
              ),
          },
        ],
        rows: items,
        caption: t('nav.tokens'),
        empty: t('tokens.none'),
      }),
    );
  }
  load();
}

// An audit entry's changes: the fields named, and on opening, each one before and after.
const AUDIT_SKIP = new Set(['id', 'version', 'created_at', 'updated_at', 'password_hash']);
function auditChanges(e) {
  const summary = auditDetail(e);
  const before = e.before && typeof e.before === 'object' ? e.before : null;
  const after = e.after && typeof e.after === 'object' ? e.after : null;
  if (!before && !after) return summary;
  const b = before || {};
  const a = after || {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !AUDIT_SKIP.has(k) && JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  if (!keys.length) return summary;
  // Each value as the record's page shows it (words, dates, names), by its declaration.
  const decl = e.resource ? resource(e.resource) : null;
  const show = (k, v) => (v === undefined ? '—' : showValue(decl?.field(k) || decl?.computedField(k) || { name: k }, v));
  return h(
    'details',
    { class: 'audit-change' },
    h('summary', null, summary || t('audit.show_changes')),
    h(
      'table',
      { class: 'data compact' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('form.field')), h('th', { scope: 'col' }, t('audit.before')), h('th', { scope: 'col' }, t('audit.after')))),
      h('tbody', null, keys.map((k) => h('tr', null, h('th', { scope: 'row' }, fieldLabel(k)), h('td', null, show(k, b[k])), h('td', null, show(k, a[k]))))),
    ),
  );
}
