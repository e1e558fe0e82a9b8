// Bulk actions on a list (issue 17): a checkbox on each row and one for every row of the
// page; with a selection, export it (the list's own file, narrowed by id=1,2,3) and, for
// officers on organisations, assign it to an officer or add or remove a tag
// (POST /api/v1/{collection}/bulk: every selected record changes, or none).
import { h, clear, nextId } from '../dom.js';
import { api, url, has } from '../api.js';
import { t, plural, getLang } from '../i18n.js';
import { app } from '../state.js';
import { button, dialog, notice, problemNotice, toast } from '../ui.js';
import { mayWrite } from './records.js';
import { officerSelect } from '../forms.js';

const MAX = 500; // LIMIT_ID_SET on the server

// The selection of each list (by user and API path), kept while the user pages, filters
// or leaves the list and comes back, until "Clear the selection" (or a reload of the app).
const kept = new Map();

// The selection of one list: ids, kept while the list reloads (filters in place, pages).
export function selection(res, { onChange, reload }) {
  const key = `${app.me?.id}:${res.path}`;
  if (!kept.has(key)) kept.set(key, new Set());
  const ids = kept.get(key);
  let shown = []; // the ids of the rows on the page now
  const bar = h('div', { class: 'bulk-bar', role: 'group', 'aria-label': t('bulk.actions') });
  const status = h('p', { class: 'bulk-count', role: 'status', 'aria-live': 'polite' });
  const region = h('div', { class: 'bulk-result' });
  const sel = { ids, bar: h('div', null, status, bar, region), column, render };

  function changed() {
    render();
    onChange?.();
  }

  // The first column of the list's table: a checkbox per row, one in the header for all.
  function column(rows, nameOf) {
    const boxes = [];
    shown = rows.map((r) => r.id);
    render();
    const all = h('input', { type: 'checkbox', class: 'select-all', 'aria-label': t('bulk.select_all') });
    const syncAll = () => {
      const n = rows.filter((r) => ids.has(r.id)).length;
      all.checked = rows.length > 0 && n === rows.length;
      all.indeterminate = n > 0 && n < rows.length;
    };
    all.addEventListener('change', () => {
      for (const r of rows) {
        if (all.checked && ids.size < MAX) ids.add(r.id);
        else if (!all.checked) ids.delete(r.id);
      }
      for (const b of boxes) b.checked = ids.has(Number(b.value));
      syncAll();
      changed();
    });
    queueMicrotask(syncAll);
    return {
      label: all,
      cls: 'col-select',
      select: true,
      render: (r) => {
        const box = h('input', { type: 'checkbox', class: 'select-row', value: String(r.id), checked: ids.has(r.id), 'aria-label': t('bulk.select', { name: nameOf(r) }) });
        box.addEventListener('change', () => {
          if (box.checked && ids.size >= MAX) {
            box.checked = false;
            toast(t('bulk.limit', { n: MAX }));
            return;
          }
          if (box.checked) ids.add(r.id);
          else ids.delete(r.id);
          syncAll();
          changed();
        });
        boxes.push(box);
        return box;
      },
    };
  }

  function fileHref(format) {
    const q = { id: [...ids].join(','), format };
    if (format === 'csv') Object.assign(q, { bom: 'true', labels: getLang() });
    return url(res.path, q);
  }

  function render() {
    clear(bar);
    // Rows selected on other pages are counted too: they are acted on with the rest.
    const elsewhere = [...ids].filter((id) => !shown.includes(id)).length;
    status.textContent = !ids.size ? '' : elsewhere ? `${plural('bulk.selected', ids.size)} ${plural('bulk.elsewhere', elsewhere)}` : plural('bulk.selected', ids.size);
    bar.hidden = !ids.size;
    if (!ids.size) return;
    bar.append(
      h('a', { href: fileHref('csv'), class: 'btn btn-small', download: '', 'data-format': 'csv' }, t('bulk.export_csv')),
      h('a', { href: fileHref('xlsx'), class: 'btn btn-small', download: '', 'data-format': 'xlsx' }, t('bulk.export_xlsx')),
    );
    const path = `${res.path}/bulk`;
    if (mayWrite(path, 'post')) {
      if (res.field('officer')) bar.append(button(t('bulk.assign'), () => change('assign'), { kind: 'small' }));
      if (res.field('tags')) bar.append(button(t('bulk.tag'), () => change('tag'), { kind: 'small' }), button(t('bulk.untag'), () => change('untag'), { kind: 'small' }));
    }
    bar.append(
      button(t('bulk.clear'), () => {
        ids.clear();
        for (const b of document.querySelectorAll('.record-list input.select-row, .record-list input.select-all')) b.checked = b.indeterminate = false;
        changed();
      }, { kind: 'small' }),
    );
  }

  // Asks for the officer or the tag, sends the change, reports; the list reloads.
  async function change(kind) {
    const body = await askChange(kind);
    if (!body) return;
    clear(region);
    try {
      const { data } = await api('POST', path(), { body: { ids: [...ids], ...body } });
      region.append(notice('ok', t('bulk.done', { changed: data.changed, unchanged: data.unchanged })));
      reload?.();
    } catch (p) {
      // One notice: nothing changed, then why (the field errors in the UI's language).
      const n = problemNotice(p);
      n.prepend(h('p', { class: 'bulk-refused' }, h('strong', null, t('bulk.refused'))));
      region.append(n);
    }
    region.querySelector('.notice')?.focus?.();
  }
  const path = () => `${res.path}/bulk`;

  render();
  return sel;
}

function askChange(kind) {
  const title = { assign: t('bulk.assign_title'), tag: t('bulk.tag_title'), untag: t('bulk.untag_title') }[kind];
  return dialog(title, (done) => {
    const id = nextId('bulk');
    // An officer is chosen by name from the accounts that may be one (yours first
    // chosen); a server without that list gets the e-mail address typed.
    const input =
      kind === 'assign'
        ? has('/api/v1/officers')
          ? officerSelect({ id, name: 'officer', required: true }, app.me?.email || '', { empty: null })
          : h('input', { type: 'email', id, name: 'officer', required: true, maxlength: '254', value: app.me?.email || '', autocomplete: 'off' })
        : h('input', { type: 'text', id, name: 'tag', required: true, maxlength: '200', autocomplete: 'off' });
    const hint = kind === 'assign' ? h('p', { class: 'hint', id: `${id}-hint` }, t('bulk.officer_hint')) : null;
    if (hint) input.setAttribute('aria-describedby', hint.id);
    return h(
      'form',
      {
        on: {
          submit: (e) => {
            e.preventDefault();
            const v = input.value.trim();
            if (!v) return;
            if (kind === 'assign') done({ set: { officer: v } });
            else if (kind === 'tag') done({ add: { tags: [v] } });
            else done({ remove: { tags: [v] } });
          },
        },
      },
      h('p', null, t('bulk.all_or_none')),
      h('div', { class: 'field' }, h('label', { for: id }, kind === 'assign' ? t('f.officer') : t('bulk.tag_label')), input, hint),
      h('div', { class: 'dialog-actions' }, button(t('act.cancel'), () => done(null)), button(t('bulk.apply'), null, { kind: 'primary', type: 'submit' })),
    );
  });
}
