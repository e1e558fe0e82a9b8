// An organisation's page: its profile and, in tabs, everything linked to it — people,
// accreditations with the next report due, applications, proposals, reports, meetings,
// documents, and its history from the audit trail.
import { h, clear } from '../dom.js';
import { api, resource, has, Problem, segmentOf } from '../api.js';
import { t, collLabel, displayName, fmtDate, valueLabel, fieldLabel } from '../i18n.js';
import { app } from '../state.js';
import { navigate } from '../router.js';
import { pageHeader, tabs, notice, problemNotice, loading, linkButton, section, table, unavailable, badge } from '../ui.js';
import { recordBody, recordActions, recordList, meta, may } from './records.js';

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
  const items = [['profile', t('org.tab.profile'), `/organisations/${id}`]];
  for (const [key, coll] of RELATED) if (resource(coll)) items.push([key, collLabel(coll), `/organisations/${id}/${key}`]);
  if (has('/api/v1/audit') && !own) items.push(['history', t('org.tab.history'), `/organisations/${id}/history`]);
  const sub = [rec.acronym, rec.city, rec.country && new Intl.DisplayNames([document.documentElement.lang === 'ru' ? 'ru' : 'en'], { type: 'region' }).of(rec.country)].filter(Boolean).join(' · ');
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
    panel.append(...recordBody(res, rec), meta(rec));
    return;
  }
  if (tab === 'history') {
    panel.append(await historyPanel(id));
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
            { label: t('audit.actor'), render: (e) => e.actor || (e.actor_id ? `#${e.actor_id}` : t('audit.system')) },
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

export function auditRecord(e) {
  const coll = e.resource;
  if (!coll) return '';
  const seg = segmentOf(coll);
  const label = `${collLabel(coll)} #${e.record_id ?? ''}`;
  return seg && e.record_id && e.action !== 'delete' ? h('a', { href: `/${seg}/${e.record_id}` }, label) : label;
}

export { segmentOf };
