// Forms built from a resource's declaration: a labelled control per field, the server's
// validation errors shown at the fields (and in a summary that links to them), merge
// patches of what changed, If-Match conflicts explained.
import { h, nextId, clear } from './dom.js';
import { api, Problem, segmentOf, has } from './api.js';
import { t, plural, tOpt, bodyLabel, fieldLabel, valueLabel, allCountries, displayName, countryName, getLang } from './i18n.js';
import { button, notice, problemText, refName, errorMessage, toast } from './ui.js';

// Fields that hold long prose (textarea) and lists of lines (one item per line).
const LONG = new Set(['description', 'notes', 'summary', 'text', 'mandate', 'response', 'note', 'question', 'answer']);
// Suggestions for free-text codes when the list of bodies cannot be read.
const SUGGEST = {
  body: ['ECOSOC', 'UNESCO', 'COE', 'OSCE_ODIHR', 'UNHRC'],
  target_body: ['UNHRC', 'ECOSOC', 'UNESCO', 'COE', 'OSCE_ODIHR'],
  requested_status: ['general', 'special', 'roster', 'consultative', 'associate', 'participatory'],
  status: ['general', 'special', 'roster', 'consultative', 'associate', 'participatory'],
};
const LINE_LISTS = new Set(['agenda', 'recommendations', 'sources']);
const META = new Set(['id', 'created_at', 'updated_at', 'version', 'history']);

export function editableFields(res, { editing = false } = {}) {
  return res.fields.filter((f) => !META.has(f.name) && !f.readOnly && !(editing && f['x-create-only']));
}

// The widget for one field: {el (the .field wrapper), control (focus target), get(),
// set(v), setError(msg)}.
function widget(res, f, value, opts) {
  const id = nextId(`f-${f.name}`);
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const required = res.required.includes(f.name);
  let control;
  let get;
  let hint = opts.hints?.[f.name] || null;
  const common = { id, name: f.name, 'aria-describedby': null };

  if (f['x-references'] || f.items?.['x-references']) {
    const multi = f.base === 'array';
    const picker = refPicker(f['x-references'] || f.items['x-references'], value, { id, multi, locked: opts.locked?.[f.name] });
    control = picker.input;
    get = picker.get;
    return finish(picker.el);
  }
  if ((f.name === 'body' || f.name === 'target_body') && !f.enum && opts.bodies) {
    control = h('select', { ...common }, h('option', { value: '' }, required ? t('form.choose') : '—'));
    for (const b of opts.bodies) control.append(h('option', { value: b.code, selected: b.code === value }, tOpt(`b.${b.code}`) ? `${bodyLabel(b.code)} (${b.code})` : `${b.code} — ${b.name}`));
    if (value && control.value !== value) control.append(h('option', { value, selected: true }, value));
    get = () => control.value || null;
  } else if ((f.name === 'requested_status' || f.name === 'status') && !f.enum && opts.bodies) {
    control = h('select', { ...common });
    const fill = (code, keep) => {
      clear(control);
      control.append(h('option', { value: '' }, t('form.choose')));
      const b = opts.bodies.find((x) => x.code === code);
      for (const st of b?.statuses || []) control.append(h('option', { value: st, selected: st === keep }, valueLabel(st)));
      if (keep && control.value !== keep) control.append(h('option', { value: keep, selected: true }, valueLabel(keep)));
    };
    fill(opts.initialBody || null, value);
    opts.onBodyChange = fill;
    get = () => control.value || null;
  } else if (f.name === 'officer' && has('/api/v1/officers')) {
    control = officerSelect({ ...common }, value);
    get = () => control.value || null;
  } else if (f.enum) {
    control = h('select', { ...common }, h('option', { value: '' }, required ? t('form.choose') : '—'), f.enum.filter((v) => v !== null).map((v) => h('option', { value: v, selected: v === value }, valueLabel(v))));
    get = () => control.value || null;
  } else if (f.format === 'iso3166-1-alpha-2' || f.name === 'country') {
    control = h('select', { ...common }, h('option', { value: '' }, required ? t('form.choose') : '—'), allCountries().map(([c, n]) => h('option', { value: c, selected: c === value }, `${n} (${c})`)));
    if (value && !control.value) control.append(h('option', { value, selected: true }, value));
    get = () => control.value || null;
  } else if (f.base === 'boolean') {
    control = h('input', { ...common, type: 'checkbox', checked: !!value });
    get = () => control.checked;
    const el = h('div', { class: 'field field-check' }, control, h('label', { for: id }, fieldLabel(f.name)), h('p', { class: 'field-error', id: errId, hidden: true }));
    return done(el);
  } else if (f.format === 'date') {
    // Dates that cannot lie ahead (the server refuses them too).
    control = h('input', { ...common, type: 'date', value: value || '', max: /^(founded|occurred)_on$/.test(f.name) ? new Date().toISOString().slice(0, 10) : undefined });
    get = () => control.value || null;
  } else if (f.format === 'date-time') {
    control = h('input', { ...common, type: 'datetime-local', value: value ? toLocalInput(value) : '' });
    get = () => (control.value ? new Date(control.value).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);
  } else if (f.base === 'array' && (f.items?.type === 'string' || !f.items?.type)) {
    if (LINE_LISTS.has(f.name)) {
      control = h('textarea', { ...common, rows: 4, value: (value || []).join('\n') });
      hint = hint || t('form.one_per_line');
      get = () => control.value.split('\n').map((s) => s.trim()).filter(Boolean);
    } else {
      control = h('input', { ...common, type: 'text', value: (value || []).join(', ') });
      hint = hint || t('form.comma_separated');
      get = () => control.value.split(',').map((s) => s.trim()).filter(Boolean);
    }
  } else if (f.base === 'array' || f.base === 'object') {
    control = h('textarea', { ...common, rows: 6, class: 'mono', value: value ? JSON.stringify(value, null, 2) : '' });
    hint = hint || t('form.json');
    get = () => {
      if (!control.value.trim()) return null;
      try {
        return JSON.parse(control.value);
      } catch {
        return { __invalid: true };
      }
    };
  } else if (f.base === 'integer' || f.base === 'number') {
    control = h('input', { ...common, type: 'text', inputmode: f.base === 'integer' ? 'numeric' : 'decimal', value: value ?? '' });
    get = () => (control.value.trim() === '' ? null : Number(control.value.trim()));
  } else if (f.format === 'password') {
    control = h('input', { ...common, type: 'password', autocomplete: 'new-password', value: '' });
    get = () => control.value || null;
  } else if (LONG.has(f.name) || (f.maxLength || 0) > 500) {
    control = h('textarea', { ...common, rows: f.name === 'description' || f.name === 'text' || f.name === 'body' ? 6 : 3, maxlength: f.maxLength, value: value ?? '' });
    get = () => (control.value.trim() === '' ? null : control.value);
  } else {
    const type = f.format === 'email' ? 'email' : f.format === 'uri' ? 'url' : 'text';
    control = h('input', { ...common, type, maxlength: f.maxLength, value: value ?? '', autocomplete: type === 'email' ? 'email' : 'off' });
    get = () => (control.value.trim() === '' ? null : control.value.trim());
    if (SUGGEST[f.name]) {
      const listId = `${id}-suggest`;
      control.setAttribute('list', listId);
      return finish(h('div', null, control, h('datalist', { id: listId }, SUGGEST[f.name].map((v) => h('option', { value: v }, /body/.test(f.name) ? bodyLabel(v) : valueLabel(v))))));
    }
  }
  return finish(control);

  function finish(ctl) {
    const el = h(
      'div',
      { class: ['field', `field-${f.name}`] },
      h('div', { class: 'label-row' }, h('label', { for: id }, fieldLabel(f.name)), required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      ctl,
      h('p', { class: 'field-error', id: errId, hidden: true }),
    );
    if (hint) control.setAttribute('aria-describedby', hintId);
    if (required) control.setAttribute('aria-required', 'true');
    return done(el);
  }

  function done(el) {
    const errEl = el.querySelector('.field-error');
    return {
      name: f.name,
      el,
      control,
      get,
      setError(msg) {
        errEl.textContent = msg || '';
        errEl.hidden = !msg;
        el.classList.toggle('has-error', !!msg);
        if (msg) {
          control.setAttribute('aria-invalid', 'true');
          control.setAttribute('aria-describedby', [hint ? hintId : null, errId].filter(Boolean).join(' '));
        } else {
          control.removeAttribute('aria-invalid');
          if (hint) control.setAttribute('aria-describedby', hintId);
          else control.removeAttribute('aria-describedby');
        }
      },
    };
  }
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// A choice of desk officer by name (GET /api/v1/officers: active officers and
// administrators); the value is the account's e-mail, which the server stores. The names
// fill in when the list arrives; a value not in it (an account disabled since) stays.
// empty: the label of the empty choice, or null for none.
export function officerSelect(attrs, value, { empty = '—' } = {}) {
  const sel = h('select', attrs, empty === null ? null : h('option', { value: '' }, empty));
  if (value) sel.append(h('option', { value, selected: true }, value));
  api('GET', '/api/v1/officers')
    .then(({ data }) => {
      const coll = new Intl.Collator(getLang());
      const items = [...data.items].sort((a, b) => coll.compare(a.name || a.email, b.name || b.email));
      for (const u of items) {
        const label = u.name ? `${u.name} (${u.email})` : u.email;
        const had = [...sel.options].find((o) => o.value === u.email);
        if (had) had.textContent = label;
        else sel.append(h('option', { value: u.email, selected: u.email === value }, label));
      }
      if (value) sel.value = value;
    })
    .catch(() => {});
  return sel;
}

// A search-as-you-type picker of records of another collection; single or multiple.
export function refPicker(resName, value, { id, multi = false, locked = false } = {}) {
  const seg = segmentOf(resName) || resName;
  let chosen = multi ? [...(value || [])] : value ? [value] : [];
  const listId = `${id}-list`;
  const input = h('input', { id, type: 'search', autocomplete: 'off', placeholder: t('form.type_to_search'), 'aria-controls': listId, 'aria-autocomplete': 'list', disabled: locked });
  const chips = h('ul', { class: 'chips' });
  const results = h('ul', { class: 'picker-results', id: listId, hidden: true });
  const el = h('div', { class: 'picker' }, chips, input, results);
  const renderChips = () => {
    clear(chips);
    for (const cid of chosen) {
      const name = h('span', null, `#${cid}`);
      refName(resName, cid).then((n) => {
        name.textContent = n;
      });
      chips.append(
        h(
          'li',
          { class: 'chip' },
          name,
          locked
            ? null
            : h(
                'button',
                {
                  type: 'button',
                  class: 'chip-x',
                  'aria-label': t('form.remove_item'),
                  on: {
                    click: () => {
                      chosen = chosen.filter((x) => x !== cid);
                      renderChips();
                      input.focus();
                    },
                  },
                },
                '×',
              ),
        ),
      );
    }
    input.hidden = !multi && chosen.length > 0 && locked;
  };
  let timer = null;
  let seq = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      const my = ++seq;
      clear(results);
      if (!q) {
        results.hidden = true;
        return;
      }
      let items = [];
      try {
        const query = { q, limit: 8 };
        if (/^\d+$/.test(q)) {
          delete query.q;
          query.id = q;
        }
        ({ data: { items } } = await api('GET', `/api/v1/${seg}`, { query }));
      } catch {
        items = [];
      }
      if (my !== seq) return;
      results.hidden = false;
      if (!items.length) results.append(h('li', { class: 'muted' }, t('msg.no_matches')));
      for (const it of items)
        results.append(
          h(
            'li',
            null,
            h(
              'button',
              {
                type: 'button',
                on: {
                  click: () => {
                    if (multi) {
                      if (!chosen.includes(it.id)) chosen.push(it.id);
                    } else chosen = [it.id];
                    input.value = '';
                    results.hidden = true;
                    renderChips();
                    input.focus();
                  },
                },
              },
              displayName(it),
              // What tells two records of the same name apart: the original name, the
              // person's organisation, the country.
              it.name && displayName(it) !== it.name ? h('span', { class: 'muted' }, ` · ${it.name}`) : null,
              it.organisation_name ? h('span', { class: 'muted' }, ` · ${it.organisation_name}`) : null,
              it.country ? h('span', { class: 'muted' }, ` · ${countryName(it.country)}`) : null,
              h('span', { class: 'muted' }, ` · #${it.id}`),
            ),
          ),
        );
    }, 200);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      results.querySelector('button')?.focus();
    } else if (e.key === 'Escape') results.hidden = true;
  });
  results.addEventListener('keydown', (e) => {
    const btns = [...results.querySelectorAll('button')];
    const i = btns.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i < btns.length - 1) {
      e.preventDefault();
      btns[i + 1].focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (i > 0) btns[i - 1].focus();
      else input.focus();
    } else if (e.key === 'Escape') {
      results.hidden = true;
      input.focus();
    }
  });
  renderChips();
  return { el, input, get: () => (multi ? [...chosen] : chosen[0] ?? null) };
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/* ---- drafts kept through signing in again ---------------------------------------- */

const DRAFT = 'civdesk.draft:';
const live = new Set(); // {form, key, dirty} of the forms on the page

// Keeps the values typed into every changed form on the page in sessionStorage (the
// session ended; the same page restores them after signing in again).
export function saveDrafts() {
  for (const f of [...live]) {
    if (!f.form.isConnected) {
      live.delete(f);
      continue;
    }
    if (!f.dirty) continue;
    const values = [];
    for (const el of f.form.elements) {
      if (!el.name || el.type === 'password' || el.disabled) continue;
      values.push([el.name, el.type === 'checkbox' ? el.checked : el.value]);
    }
    try {
      sessionStorage.setItem(DRAFT + f.key, JSON.stringify(values));
    } catch {
      /* storage full or disabled: nothing kept */
    }
  }
}

// Registers a form whose typed values are kept when the session ends (saveDrafts), under
// key on this page; a draft kept for it comes back now, said in status. Returns the
// registration.
export function keepDraft(form, key, status) {
  const entry = { form, key: `${location.pathname}:${key}`, dirty: false };
  live.add(entry);
  const dirty = () => {
    entry.dirty = true;
  };
  form.addEventListener('input', dirty);
  form.addEventListener('change', dirty);
  if (restoreDraft(form, entry.key)) {
    dirty();
    status.append(notice('info', t('form.draft_restored')));
  }
  return entry; // entry.dirty = false once what was typed is saved and the form stays
}

// Puts a kept draft back into form; true when there was one.
function restoreDraft(form, key) {
  let values = null;
  try {
    values = JSON.parse(sessionStorage.getItem(DRAFT + key) || 'null');
    sessionStorage.removeItem(DRAFT + key);
  } catch {
    values = null;
  }
  if (!Array.isArray(values)) return false;
  for (const [name, v] of values) {
    const el = form.elements[name];
    if (!el || el.disabled || !('value' in el)) continue;
    if (el.type === 'checkbox') el.checked = !!v;
    else el.value = v;
  }
  return true;
}

// A create or edit form for res. opts: record (edit), fields (names, in order),
// groups ([[title, [names]]]), locked ({field: true}), initial ({field: value}),
// hints, submitLabel, path (API path for create; default the collection), onSaved(rec),
// onCancel, extra(widgets) → element placed before the buttons, transform(body) → body.
export function recordForm(res, opts = {}) {
  let rec = opts.record || null; // the version the changes are made to (newer after a conflict)
  const editing = !!rec;
  const all = editableFields(res, { editing });
  const names = opts.fields ? opts.fields.filter((n) => all.some((f) => f.name === n)) : all.map((f) => f.name);
  const widgets = new Map();
  const start = { ...(opts.initial || {}), ...(rec || {}) };
  const wopts = { ...opts, initialBody: start.body || start.target_body || null };
  for (const n of names) widgets.set(n, widget(res, res.field(n), start[n], wopts));
  // A body's statuses follow the body chosen.
  const bodyW = widgets.get('body');
  if (bodyW && wopts.onBodyChange && bodyW.control.tagName === 'SELECT')
    bodyW.control.addEventListener('change', () => wopts.onBodyChange(bodyW.get(), null));
  const summary = h('div', { class: 'error-summary', tabindex: '-1', hidden: true, role: 'alert' });
  const status = h('div', { class: 'form-status' });
  const grouped = opts.groups
    ? opts.groups.map(([title, ns]) => {
        const inGroup = ns.filter((n) => widgets.has(n));
        if (!inGroup.length) return null;
        return h('fieldset', { class: 'group' }, h('legend', null, title), h('div', { class: 'grid' }, inGroup.map((n) => widgets.get(n).el)));
      })
    : h('div', { class: 'grid' }, names.map((n) => widgets.get(n).el));
  const ungrouped = opts.groups ? names.filter((n) => !opts.groups.some(([, ns]) => ns.includes(n))) : [];
  const saveBtn = button(opts.submitLabel || (editing ? t('act.save') : t('act.create')), null, { kind: 'primary', type: 'submit' });
  const extra = opts.extra ? opts.extra(widgets) : null;
  const form = h(
    'form',
    { class: 'record-form', novalidate: true, on: { submit: onSubmit } },
    summary,
    status,
    grouped,
    ungrouped.length ? h('fieldset', { class: 'group' }, h('legend', null, t('form.other')), h('div', { class: 'grid' }, ungrouped.map((n) => widgets.get(n).el))) : null,
    extra,
    h('div', { class: 'form-actions' }, saveBtn, opts.onCancel ? button(t('act.cancel'), opts.onCancel) : null),
  );
  let etag = rec ? `"${rec.version}"` : null;

  keepDraft(form, `${res.name}:${rec?.id ?? 'new'}`, status);

  // Empty text, an empty list and an absent value are the same thing here.
  const norm = (n, v) => {
    if (res.field(n)?.base === 'boolean') return !!v;
    return v === undefined || v === '' || (Array.isArray(v) && !v.length) ? null : v;
  };

  function values() {
    const body = {};
    for (const [n, w] of widgets) {
      const v = norm(n, w.get());
      if (editing) {
        if (!same(v, norm(n, rec[n]))) body[n] = v;
      } else if (v !== null && !(v === false && !res.required.includes(n))) body[n] = v;
    }
    return opts.transform ? opts.transform(body) : body;
  }

  function clearErrors() {
    for (const w of widgets.values()) w.setError(null);
    summary.hidden = true;
    clear(summary);
    clear(status);
  }

  function showProblem(p) {
    clearErrors();
    if (p instanceof Problem && p.status === 412) {
      showConflict();
      return;
    }
    const errs = p instanceof Problem ? p.errors : [];
    if (!errs.length) {
      status.append(notice('error', problemText(p)));
      return;
    }
    const list = h('ul');
    let first = null;
    for (const e of errs) {
      const base = String(e.field || '').split(/[.[]/)[0];
      const w = widgets.get(base);
      const msg = errorMessage(e);
      if (w) {
        w.setError(msg);
        first = first || w;
        list.append(h('li', null, h('a', { href: `#${w.control.id}`, on: { click: (ev) => { ev.preventDefault(); w.control.focus(); } } }, `${fieldLabel(base)}: ${msg}`)));
      } else list.append(h('li', null, e.field ? `${fieldLabel(base)}: ${msg}` : msg));
    }
    summary.append(h('h2', null, plural('form.fix_errors', errs.length)), list);
    summary.hidden = false;
    summary.focus();
  }

  // Someone saved the record after it was opened: their version beside the user's
  // changes, field by field; keep mine (saved over the newer version) or reload theirs.
  async function showConflict() {
    const mine = values();
    const box = notice(
      'warn',
      h('strong', null, t('form.conflict_title')),
      ' ',
      t('form.conflict_text'),
      ' ',
      button(t('act.reload'), () => (opts.onReload ? opts.onReload() : location.reload()), { kind: 'small' }),
    );
    status.append(box);
    status.querySelector('button')?.focus();
    let theirs;
    let newTag;
    try {
      ({ data: theirs, etag: newTag } = await api('GET', `${opts.path || res.path}/${rec.id}`));
    } catch {
      return;
    }
    const shown = (n, v) => (v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? v.join(', ') : typeof v === 'boolean' ? t(v ? 'v.yes' : 'v.no') : String(v));
    const rows = Object.keys(mine).map((n) => h('tr', null, h('th', { scope: 'row' }, fieldLabel(n)), h('td', null, shown(n, mine[n])), h('td', null, shown(n, theirs[n]))));
    box.append(
      h('div', { class: 'table-wrap' }, h('table', { class: 'data conflict' }, h('caption', null, t('form.conflict_compare')), h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('form.field')), h('th', { scope: 'col' }, t('form.yours')), h('th', { scope: 'col' }, t('form.theirs')))), h('tbody', null, rows))),
      button(
        t('form.keep_mine'),
        () => {
          rec = theirs;
          etag = newTag || `"${theirs.version}"`;
          form.requestSubmit();
        },
        { kind: 'primary' },
      ),
    );
  }

  async function onSubmit(e) {
    e.preventDefault();
    clearErrors();
    const body = values();
    for (const [n, v] of Object.entries(body))
      if (v && v.__invalid) {
        showProblem(new Problem(422, { errors: [{ field: n, message: t('form.bad_json') }] }));
        return;
      }
    if (editing && !Object.keys(body).length) {
      status.append(notice('info', t('form.nothing_changed')));
      return;
    }
    saveBtn.disabled = true;
    try {
      const path = editing ? `${opts.path || res.path}/${rec.id}` : opts.path || res.path;
      const { data, etag: newTag } = await api(editing ? 'PATCH' : 'POST', path, { body, etag: editing ? etag : undefined });
      etag = newTag || etag;
      if (opts.onSaved) await opts.onSaved(data);
    } catch (p) {
      showProblem(p);
    } finally {
      saveBtn.disabled = false;
    }
  }

  return { form, widgets, showProblem, values };
}

// A form for a sub-record opened inside a panel (box), under an optional heading: saved,
// the box empties, "Saved" is said, opts.onSaved(rec) runs (a reload of the panel) and
// the focus returns to `back` (the button that opened it); cancelled, the same without
// saving. opts: as recordForm's.
export function inlineForm(box, res, { title, back, ...opts }) {
  clear(box);
  const { form } = recordForm(res, {
    ...opts,
    onSaved: async (rec) => {
      clear(box);
      toast(t('msg.saved'));
      await opts.onSaved?.(rec);
      back?.focus();
    },
    onCancel: () => {
      clear(box);
      back?.focus();
    },
  });
  if (title) box.append(h('h3', null, title));
  box.append(form);
  form.querySelector('input, select, textarea')?.focus();
  return form;
}
