// How each resource is presented: list columns, form groups, the fields shown first.
// Names the server does not declare are skipped, so this can run ahead of the API.
import { displayName, getLang, bodyLabel, tOpt } from './i18n.js';

export const CONFIG = {
  organisations: {
    columns: ['name', 'acronym', 'country', 'city', 'legal_form', 'public'],
    filters: ['country', 'legal_form', 'body', 'status', 'areas', 'public'],
    sort: 'name',
    groups: [
      ['grp.identity', ['name', 'name_en', 'name_ru', 'acronym', 'legal_form', 'registration_no', 'founded_on']],
      ['grp.location', ['country', 'city']],
      ['grp.contact', ['website', 'email', 'phone']],
      ['grp.work', ['areas', 'description', 'public']],
      ['grp.desk', ['officer', 'tags']],
    ],
    // The desk's own (never shown to the organisation): not in an NGO's form.
    officerOnly: ['officer', 'tags'],
  },
  people: { columns: ['full_name', 'organisation_id', 'position', 'email', 'languages'], sort: 'full_name' },
  // A body's full name in the UI's language when the dictionary has it (bn.<code>).
  bodies: { columns: ['code', 'name', 'statuses'], title: bodyName, values: { name: bodyName } },
  accreditations: { columns: ['organisation_id', 'body', 'status', 'state', 'granted_on', 'report_due_on', 'overdue'] },
  applications: {
    columns: ['organisation_id', 'body', 'requested_status', 'state', 'filed_on', 'filing_deadline'],
    // What the ministry records: not offered in an NGO's form.
    officerOnly: ['committee_session', 'filed_on', 'decided_on'],
    groups: [['grp.application', ['organisation_id', 'body', 'requested_status', 'committee_session', 'filed_on', 'decided_on', 'notes']]],
  },
  meetings: {
    columns: ['starts_at', 'title', 'kind', 'location', 'chair', 'published'],
    sort: '-starts_at',
    groups: [
      ['grp.meeting', ['kind', 'title', 'starts_at', 'ends_at', 'location', 'department', 'chair', 'published']],
      ['grp.content', ['agenda', 'summary']],
    ],
  },
  proposals: { columns: ['title', 'area', 'addressed_to', 'state', 'meeting_id'], officerOnly: ['response', 'answered_by', 'answered_on', 'meeting_id'] },
  delegations: { columns: ['forum', 'body', 'starts_on', 'ends_on'], sort: '-starts_on' },
  reports: {
    columns: ['title', 'kind', 'target_body', 'subject_country', 'deadline_on', 'state'],
    groups: [
      ['grp.report', ['kind', 'title', 'organisation_ids', 'target_body', 'subject_country', 'deadline_on', 'submitted_on']],
      ['grp.content', ['summary', 'text', 'body', 'recommendations']],
    ],
  },
  incidents: { columns: ['occurred_on', 'kind', 'country', 'place'], sort: '-occurred_on' },
  working_groups: { columns: ['name', 'lead_department', 'established_on'] },
  documents: {
    columns: ['title', 'kind', 'languages', 'organisation_id', 'published_at'],
    title: docTitle,
    values: { title: docTitle, languages: (rec) => Object.keys(rec.titles || {}) },
  },
  listings: { columns: ['body', 'status', 'as_of', 'name', 'country'] },
  users: { columns: ['email', 'name', 'role', 'organisation_id', 'disabled'] },
};

// The country whose organisations the ministry works with, highlighted in the
// representation chart unless the server names it (DESIGN §1: 64 national NGOs out of
// 4,507 in ECOSOC status in 2017). A user can pick another; the choice is remembered.
export const NATIONAL_DEFAULT = 'RU';

export function conf(name) {
  return CONFIG[name.replace(/-/g, '_')] || {};
}

// A body's name in the chosen language (bn.ECOSOC), else the name it was recorded with.
export function bodyName(rec) {
  return tOpt(`bn.${rec?.code}`) || rec?.name || rec?.code || '';
}

// A document's title in the chosen language (or the first version it has).
export function docTitle(rec) {
  const titles = rec?.titles || {};
  return titles[getLang()] || Object.values(titles)[0] || rec?.title || (rec?.id ? `#${rec.id}` : '');
}

export function titleOf(resName, rec) {
  const c = conf(resName);
  if (c.title) return c.title(rec);
  if (resName === 'applications' || resName === 'accreditations') {
    const st = rec.requested_status || rec.status || '';
    return `${bodyLabel(rec.body)} · ${tOpt(`v.${st}`) || st}`.trim();
  }
  return displayName(rec);
}
