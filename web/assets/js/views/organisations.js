// The organisations list, with its export (CSV, Excel) and, for admins, the import of a
// CSV file with its report; an organisation's page: its profile and, in tabs, everything
// linked to it — people, accreditations with the next report due, applications,
// proposals, reports, meetings, documents, and its history from the audit trail.
import { h, clear, nextId } from '../dom.js';
import { api, resource, has, Problem, segmentOf } from '../api.js';
import { t, tOpt, bodyLabel, countryName, collLabel, oneLabel, displayName, fmtDate, fmtNumber, valueLabel, fieldLabel, getLang } from '../i18n.js';
import { app } from '../state.js';
import { navigate } from '../router.js';
import { pageHeader, tabs, notice, problemNotice, loading, linkButton, button, dialog, section, table, unavailable, badge } from '../ui.js';
import { recordBody, recordActions, recordList, meta, may, mayWrite, exportButtons } from './records.js';
import { titleOf, docTitle } from '../config.js';
import { recordHref } from './qreport.js';

/* ---- the list: export and import ------------------------------------------------- */

export async function orgListView({ main }) {
  const res = resource('organisations');
  const importPath = `${res.path}/import`;
  const actions = [];
  const region = h('div', { class: 'import-report' });
  const listBox = h('div');
  if (may('create', res)) actions.push(linkButton(t('act.new', { what: oneLabel(res.name) }), `/${res.seg}/new`, 'primary'));
  if (has(importPath, 'post') && mayWrite(importPath, 'post'))
    actions.push(
      button(t('io.import'), async () => {
        const choice = await importDialog();
        if (choice) await runImport(res, importPath, choice, region, () => clear(listBox).append(recordList(res, { bulk: true })));
      }),
    );
  actions.push(exportButtons(res));
  listBox.append(recordList(res, { bulk: true }));
  main.append(pageHeader(collLabel(res.name), { actions }), region, listBox);
}

// Asks for the file and the options; resolves {file, skip, dup} or null.
function importDialog() {
  return dialog(t('io.import_title'), (done) => {
    const ids = { file: nextId('file'), skip: nextId('skip'), dup: nextId('dup') };
    const file = h('input', { type: 'file', id: ids.file, name: 'file', accept: '.csv,text/csv', required: true });
    const skip = h('input', { type: 'checkbox', id: ids.skip, name: 'skip_invalid' });
    const dup = h('select', { id: ids.dup, name: 'on_duplicate' }, ['error', 'skip', 'update'].map((v) => h('option', { value: v }, t(`io.dup.${v}`))));
    return h(
      'form',
      {
        on: {
          submit: (e) => {
            e.preventDefault();
            if (file.files.length) done({ file: file.files[0], skip: skip.checked, dup: dup.value });
          },
        },
      },
      h('p', null, t('io.import_explain')),
      h('div', { class: 'field' }, h('label', { for: ids.file }, t('io.file')), file, h('p', { class: 'hint' }, t('io.file_hint'))),
      h('div', { class: 'field field-check' }, skip, h('label', { for: ids.skip }, t('io.skip_invalid'))),
      h('div', { class: 'field' }, h('label', { for: ids.dup }, t('io.on_duplicate')), dup),
      h('div', { class: 'dialog-actions' }, button(t('act.cancel'), () => done(null)), button(t('io.upload'), null, { kind: 'primary', type: 'submit' })),
    );
  });
}

// Uploads the file and shows the server's report in region; onImported() when records
// were written.
async function runImport(res, path, choice, region, onImported) {
  clear(region).append(loading());
  let rep;
  try {
    const query = { skip_invalid: choice.skip ? 'true' : '', on_duplicate: choice.dup === 'error' ? '' : choice.dup, filename: choice.file.name };
    ({ data: rep } = await api('POST', path, { query, raw: choice.file, type: 'text/csv' }));
  } catch (p) {
    // 422: nothing was imported, and the problem carries the same report.
    if (!(p instanceof Problem && p.status === 422 && typeof p.body.rows === 'number')) {
      clear(region).append(problemNotice(p));
      return;
    }
    rep = p.body;
  }
  clear(region).append(importReport(rep, choice.file.name));
  region.querySelector('h2')?.focus();
  if (rep.imported || rep.updated) onImported();
}

// What happened to the file: counts, then each failed row (line, field, why), the
// possible duplicates, and the rows set aside as a file to fix and upload again.
function importReport(rep, file) {
  const n = (v) => fmtNumber(v || 0);
  const written = rep.committed && (rep.imported || rep.updated);
  const lines = [];
  if (written) {
    lines.push(t('io.imported', { n: n(rep.imported), rows: n(rep.rows), file }));
    if (rep.updated) lines.push(t('io.updated', { n: n(rep.updated) }));
  } else if (rep.invalid) lines.push(t('io.nothing', { n: n(rep.invalid), rows: n(rep.rows), file }));
  else if (rep.errors_total) lines.push(t('io.unreadable', { file }));
  else lines.push(t('io.imported', { n: n(0), rows: n(rep.rows), file }));
  if (rep.skipped) lines.push(t('io.skipped', { n: n(rep.skipped) }));
  if (written && rep.invalid) lines.push(t('io.set_aside', { n: n(rep.invalid) }));
  const issueTable = (items, caption) =>
    table({
      columns: [
        { label: t('io.line'), cls: 'col-line', render: (e) => (e.line ? String(e.line) : '—') },
        { label: t('io.field'), cls: 'col-field', render: (e) => (e.field ? fieldLabel(e.field) : '—') },
        { label: t('io.problem'), cls: 'col-problem', render: (e) => e.message },
      ],
      rows: items || [],
      caption,
    });
  const more = (shown, total) => (total > shown ? h('p', { class: 'muted' }, t('io.more', { n: n(total - shown) })) : null);
  const parts = [notice(written || (!rep.invalid && !rep.errors_total) ? 'ok' : 'error', lines.map((l) => h('p', null, l)))];
  if (rep.errors?.length) parts.push(h('h3', null, t('io.failed_rows', { n: n(rep.errors_total) })), issueTable(rep.errors, t('io.failed_rows', { n: n(rep.errors_total) })), more(rep.errors.length, rep.errors_total));
  if (rep.duplicate_rows?.length)
    parts.push(h('h3', null, t('io.duplicates', { n: n(rep.duplicate_rows_total) })), issueTable(rep.duplicate_rows, t('io.duplicates', { n: n(rep.duplicate_rows_total) })), more(rep.duplicate_rows.length, rep.duplicate_rows_total));
  if (rep.rejects) {
    const href = URL.createObjectURL(new Blob([rep.rejects], { type: 'text/csv' }));
    parts.push(h('p', null, h('a', { href, download: `rejected-${file.replace(/\.csv$/i, '')}.csv`, class: 'btn btn-small' }, t('io.rejects'))));
  }
  const title = h('h2', { tabindex: '-1' }, t('io.report_title', { file }));
  return h('section', { class: 'panel', 'aria-live': 'polite' }, title, parts);
}

// [tab, collection, the filter that ties its records to the organisation]
const RELATED = [
  ['people', 'people', 'organisation_id'],
  ['accreditations', 'accreditations', 'organisation_id'],
  ['applications', 'applications', 'organisation_id'],
  ['proposals', 'proposals', 'organisation_ids'],
  ['reports', 'reports', 'organisation_ids'],
  ['meetings', 'meetings', 'organisation_id'],
  ['documents', 'documents', 'organisation_id'],
];

export async function orgDetailView({ main, params }) {
  const res = resource('organisations');
  const id = Number(params.id);
  const tab = params.tab || 'profile';
  // An NGO representative's workspace is their own organisation; any other one they may
  // see only as the public does.
  if (app.me?.role === 'ngo' && id !== app.me.organisation_id) return navigate(`/public/organisations/${id}`, { replace: true });
  main.append(loading());
  let rec;
  try {
    ({ data: rec } = await api('GET', `${res.path}/${id}`));
  } catch (p) {
    clear(main).append(
      pageHeader(t('org.unavailable'), { crumbs: app.me?.role === 'ngo' ? [] : [[collLabel('organisations'), '/organisations']] }),
      p instanceof Problem && p.status === 404 ? notice('error', t('org.not_found')) : problemNotice(p),
    );
    return;
  }
  clear(main);
  const name = displayName(rec);
  const own = app.me?.role === 'ngo';
  const items = [['profile', t('org.tab.profile'), `/organisations/${id}`], ['timeline', t('org.tab.timeline'), `/organisations/${id}/timeline`]];
  for (const [key, coll] of RELATED) if (resource(coll)) items.push([key, collLabel(coll), `/organisations/${id}/${key}`]);
  if (has('/api/v1/audit') && !own) items.push(['history', t('org.tab.history'), `/organisations/${id}/history`]);
  const sub = [rec.acronym, rec.city, countryName(rec.country)].filter(Boolean).join(' · ');
  main.append(
    pageHeader(name, {
      crumbs: own ? [[t('nav.my_org')], [name]] : [[collLabel('organisations'), '/organisations'], [name]],
      actions: tab === 'profile' ? recordActions(res, rec, { editHref: `/organisations/${id}/edit` }) : [],
      sub: h('span', null, sub, rec.public ? [' · ', badge('listed_publicly')] : null),
    }),
    tabs(items, tab, t('org.tabs')),
  );
  const panel = h('div', { class: 'tab-panel' });
  main.append(panel);
  if (tab === 'profile') {
    // What the organisation owes and by when comes first (issue 14).
    panel.append(await obligationsPanel(id), ...recordBody(res, rec), meta(rec));
    return;
  }
  if (tab === 'history') {
    panel.append(await historyPanel(id));
    return;
  }
  if (tab === 'timeline') {
    panel.append(await timelinePanel(id));
    return;
  }
  const rel = RELATED.find(([k]) => k === tab);
  if (!rel || !resource(rel[1])) {
    panel.append(notice('error', t('err.page_not_found')));
    return;
  }
  const [, coll, field] = rel;
  const r = resource(coll);
  const actions = [];
  if (may('create', r)) {
    const q = field === 'organisation_id' ? `?organisation_id=${id}` : '';
    actions.push(linkButton(t('act.new', { what: t(`s.${coll}`) }), `/${r.seg}/new${q}`, 'small'));
  }
  panel.append(h('div', { class: 'tab-actions' }, actions));
  // Filtering by the organisation: a declared filter when there is one; else a list
  // the server scopes (an NGO's own records) is still right for its own organisation.
  if (r.field(field)?.['x-filter'] || field === 'organisation_id') {
    const box = h('div');
    panel.append(box);
    const list = recordList(r, { fixed: { [field]: id }, urlState: false });
    box.append(list);
  } else panel.append(unavailable(collLabel(coll)));
}

// What happened with the organisation, newest first: meetings, applications and their
// decisions, statuses granted, proposals, reports, letters and other documents — one
// request per kind of record, each filtered by the organisation.
const TIMELINE = [
  ['meetings', 'organisation_id', (r) => [[r.starts_at, r.title]]],
  ['applications', 'organisation_id', (r) => [[r.filed_on || r.created_at, `${titleOf('applications', r)} — ${valueLabel(r.state)}`], r.decided_on ? [r.decided_on, `${titleOf('applications', r)} — ${t('tl.decided')}`] : null]],
  ['accreditations', 'organisation_id', (r) => [[r.granted_on, `${titleOf('accreditations', r)} — ${t('tl.granted')}`]]],
  ['proposals', 'organisation_ids', (r) => [[r.created_at, r.title], r.answered_on ? [r.answered_on, `${r.title} — ${valueLabel(r.state)}`] : null]],
  ['reports', 'organisation_ids', (r) => [[r.submitted_on || r.deadline_on || r.created_at, `${r.title} — ${valueLabel(r.state)}`]]],
  ['documents', 'organisation_id', (r) => [[r.published_at || r.created_at, `${docTitle(r)} (${valueLabel(r.kind)})`]]],
  // Comments on any of its records (issue 17), linked to the record they are about.
  ['comments', 'organisation_ids', (r) => [[r.created_at, t('tl.comment', { what: `${oneLabel(r.about)} #${r.record_id}`, text: r.text.length > 120 ? `${r.text.slice(0, 120)}…` : r.text, who: r.author_name || r.author || '' }), `/${segmentOf(r.about) || r.about}/${r.record_id}`]]],
];

async function timelinePanel(id) {
  const rows = [];
  await Promise.all(
    TIMELINE.map(async ([coll, field, events]) => {
      const r = resource(coll);
      if (!r || !(r.field(field)?.['x-filter'] || field === 'organisation_id')) return;
      try {
        const { data } = await api('GET', r.path, { query: { [field]: id, limit: 100 } });
        for (const rec of data.items)
          for (const ev of events(rec))
            if (ev && ev[0]) rows.push({ date: ev[0], coll, what: ev[1], href: ev[2] || `/${r.seg}/${rec.id}` });
      } catch {
        /* a kind the user may not read is left out */
      }
    }),
  );
  rows.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  return section(
    t('org.tab.timeline'),
    table({
      columns: [
        { label: t('cal.date'), cls: 'nowrap', render: (e) => h('time', { datetime: e.date.slice(0, 10) }, fmtDate(e.date)) },
        { label: t('tl.kind'), render: (e) => { const s = oneLabel(e.coll); return s.charAt(0).toLocaleUpperCase() + s.slice(1); } },
        { label: t('cal.what'), render: (e) => h('a', { href: e.href }, e.what || '—') },
      ],
      rows,
      caption: t('org.tab.timeline'),
      empty: t('tl.none'),
    }),
  );
}

// The organisation's entries in the audit trail (who changed what, when).
async function historyPanel(id) {
  const box = h('div');
  try {
    const { data } = await api('GET', '/api/v1/audit', { query: { resource: 'organisations', record_id: id, limit: 100 } });
    const items = data.items || [];
    box.append(
      section(
        t('org.tab.history'),
        table({
          columns: [
            { label: t('audit.at'), render: (e) => fmtDate(e.at || e.created_at) },
            { label: t('audit.action'), render: (e) => valueLabel(e.action) },
            { label: t('audit.actor'), render: auditActor },
            { label: t('audit.detail'), render: (e) => auditDetail(e) },
          ],
          rows: items,
          empty: t('list.empty'),
        }),
      ),
    );
  } catch (p) {
    box.append(p instanceof Problem && p.status === 400 ? unavailable(t('org.tab.history')) : problemNotice(p));
  }
  return box;
}

// The fields an audit entry changed: those whose value differs between its before and
// after images (all of them for a creation), by their labels.
const SKIP = new Set(['id', 'version', 'created_at', 'updated_at', 'password_hash']);
export function auditDetail(e) {
  const before = e.before && typeof e.before === 'object' ? e.before : {};
  const after = e.after && typeof e.after === 'object' ? e.after : {};
  if (typeof e.after === 'string') return e.after;
  if (e.action === 'transition' && after.to) return `${valueLabel(after.from)} → ${valueLabel(after.to)}`;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !SKIP.has(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  const shown = keys.slice(0, 6).map((k) => fieldLabel(k));
  return shown.join(', ') + (keys.length > 6 ? ` (+${keys.length - 6})` : '');
}

// Who wrote an audit entry: an account's e-mail, or the server's label for work done
// without one (the sample data, the reminder run, the system itself) in words.
const ACTORS = { anonymous: 'audit.anonymous', system: 'audit.system', notify: 'audit.notify', demo: 'audit.demo' };
export function auditActor(e) {
  if (e.actor) return ACTORS[e.actor] ? t(ACTORS[e.actor]) : e.actor;
  return e.actor_id ? `#${e.actor_id}` : t('audit.system');
}

export function auditRecord(e) {
  const coll = e.resource;
  if (!coll) return '';
  const seg = segmentOf(coll);
  // An entry about no one record (a reminder run, an imported list) names the kind alone.
  const label = e.record_id ? `${collLabel(coll)} #${e.record_id}` : collLabel(coll);
  return seg && e.record_id && e.action !== 'delete' ? h('a', { href: `/${seg}/${e.record_id}` }, label) : label;
}

export { segmentOf };

/* ---- what the organisation owes (issue 14): GET /organisations/{id}/obligations ---- */

// An item in the page's language, from its kind and values (the body in words, the date
// as the page writes dates); the server's own sentence when it gives no detail.
function obligationText(o) {
  const key = `ob.${o.record?.type === 'accreditation_reports' ? 'report.' : ''}${o.kind}${o.overdue ? '.late' : ''}`;
  if (o.detail === undefined || !tOpt(key)) return o.text;
  const status = o.detail && tOpt(`v.${o.detail}`);
  return t(key, { body: bodyLabel(o.body) || '—', date: fmtDate(o.due_on, { long: true }), detail: status ? status.toLocaleLowerCase(getLang()) : o.detail || '' });
}

async function obligationsPanel(id) {
  const el = section(t('org.obligations'));
  el.classList.add('obligations');
  let data;
  try {
    ({ data } = await api('GET', `/api/v1/organisations/${id}/obligations`, { query: { lang: getLang() } }));
  } catch (p) {
    el.append(problemNotice(p));
    return el;
  }
  if (!data.items.length) {
    el.append(h('p', { class: 'muted' }, t('org.obligations_none')));
    return el;
  }
  el.append(h('ul', { class: 'obligation-list' }, data.items.map((o) => {
    const text = h('a', { href: recordHref(o.record.type, o.record.id) }, obligationText(o));
    return h('li', { class: o.overdue ? 'overdue' : null }, h('time', { datetime: o.due_on }, fmtDate(o.due_on)), ' ', o.overdue ? [badge('overdue'), ' '] : null, text);
  })));
  return el;
}
