// Field errors carry a stable code and the values printed into their English message
// (issue 17, item 5), so a client can say them in its own language.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());

test('validation errors: code and params beside the English message', async () => {
  const r = await srv.api('POST', '/api/v1/organisations', { body: { name: '', country: 'SU', bogus: 1 } });
  assert.equal(r.status, 422, r.text);
  const by = Object.fromEntries(r.json.errors.map((e) => [e.field, e]));
  assert.deepEqual([by.name.code, by.name.params], ['too_short', []]);
  assert.equal(by.name.message, 'is too short');
  assert.deepEqual([by.country.code, by.country.params], ['country', []]);
  assert.deepEqual([by.bogus.code, by.bogus.params], ['unknown_field', ['organisation']]);
});

test('domain errors: references, dates and requirements of a move', async () => {
  const p = await srv.api('POST', '/api/v1/people', { body: { full_name: 'X', organisation_id: 99999 } });
  assert.equal(p.status, 422, p.text);
  assert.deepEqual([p.json.errors[0].code, p.json.errors[0].params], ['no_such_record', ['organisation', '99999']]);
  const f = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Future', country: 'FR', founded_on: '2099-01-01' } });
  assert.equal(f.status, 422, f.text);
  assert.deepEqual([f.json.errors[0].field, f.json.errors[0].code], ['founded_on', 'future']);
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Proposer', country: 'FR' } });
  const prop = await srv.api('POST', '/api/v1/proposals', { body: { title: 'T', text: 'x', organisation_ids: [org.json.id] } });
  assert.equal(prop.status, 201, prop.text);
  const rev = await srv.api('POST', `/api/v1/proposals/${prop.json.id}/transitions`, { body: { to: 'under_review' } });
  assert.equal(rev.status, 200, rev.text);
  const acc = await srv.api('POST', `/api/v1/proposals/${prop.json.id}/transitions`, { body: { to: 'accepted' } });
  assert.equal(acc.status, 422, acc.text);
  assert.deepEqual(acc.json.errors.map((e) => [e.field, e.code, e.params]), [['response', 'response_first', ['accepted']]]);
});

// Warnings and calendar titles (issue 17): a stable code and the values printed into the
// English text, beside it, so that the UI says them in its language by code.
test('warnings carry codes and parameters beside the English text', async () => {
  const year = new Date().getUTCFullYear();
  const young = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Молодая', country: 'RU', founded_on: `${year - 1}-01-10` } });
  const app = await srv.api('POST', '/api/v1/applications', { body: { organisation_id: young.json.id, body: 'ECOSOC', requested_status: 'roster' } });
  assert.equal(app.status, 201, app.text);
  assert.deepEqual(app.json.warnings, ['registered less than two years before filing']);
  assert.deepEqual(app.json.warning_details, [{ message: 'registered less than two years before filing', code: 'registered_less', params: ['2'] }]);
  const unknown = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Без даты', country: 'RU' } });
  const coe = await srv.api('POST', '/api/v1/applications', { body: { organisation_id: unknown.json.id, body: 'COE', requested_status: 'participatory' } });
  assert.deepEqual(coe.json.warning_details.map((w) => [w.code, w.params]), [['not_national', ['COE', 'participatory']]]);
  const un = await srv.api('POST', '/api/v1/applications', { body: { organisation_id: unknown.json.id, body: 'UNESCO', requested_status: 'associate' } });
  const d = un.json.warning_details;
  assert.ok(d.some((w) => w.code === 'prereq_not_held' && JSON.stringify(w.params) === JSON.stringify(['UNESCO', 'associate', '2', 'consultative'])), JSON.stringify(d));
  assert.deepEqual(d.map((w) => w.message), un.json.warnings, 'the same warnings, in the same order');

  // A report over its word limit, its deadline passed while still a draft.
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Writer', country: 'FR' } });
  const rep = await srv.api('POST', '/api/v1/reports', {
    body: { kind: 'upr_submission', title: 'UPR', organisation_ids: [org.json.id], target_body: 'UNHRC', deadline_on: '2020-01-01', text: 'word '.repeat(3000) },
  });
  assert.equal(rep.status, 201, rep.text);
  const codes = rep.json.warning_details.map((w) => w.code);
  assert.ok(codes.includes('deadline_passed'), JSON.stringify(rep.json.warning_details));
  assert.deepEqual(rep.json.warning_details.find((w) => w.code === 'deadline_passed').params, ['2020-01-01']);
  const over = rep.json.warning_details.find((w) => w.code === 'over_limit');
  if (over) assert.equal(over.params[0], '3000');
});

test('calendar titles carry codes and parameters beside the English title', async () => {
  const year = new Date().getUTCFullYear();
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Календарь', country: 'RU', founded_on: '2000-01-01' } });
  const acc = await srv.api('POST', '/api/v1/accreditations', { body: { organisation_id: org.json.id, body: 'ECOSOC', status: 'special', granted_on: `${year - 3}-07-20` } });
  assert.equal(acc.status, 201, acc.text);
  const del = await srv.api('POST', '/api/v1/delegations', { body: { forum: 'UNGA 81', body: 'UNGA', starts_on: `${year}-09-08`, ends_on: `${year}-09-20` } });
  assert.equal(del.status, 201, del.text);
  const cal = await srv.api('GET', `/api/v1/calendar?from=${year}-01-01&to=${year + 1}-12-31&limit=500`);
  assert.equal(cal.status, 200, cal.text);
  const items = cal.json.items;
  const report = items.find((i) => i.kind === 'report_due' && i.record.id === acc.json.id);
  assert.ok(report, JSON.stringify(items.map((i) => i.title)));
  assert.equal(report.title_code, 'cal_report_due');
  assert.deepEqual(report.title_params, [String(year - 3), String(year), 'ECOSOC', 'Календарь', 'special']);
  const filing = items.find((i) => i.kind === 'filing_deadline' && i.record.type === 'bodies');
  assert.equal(filing.title_code, 'cal_filing_deadline');
  assert.match(filing.title_params[1], /^\d{4}-06-01$/, 'the date as a date, for the client to write');
  const d = items.find((i) => i.kind === 'delegation');
  assert.equal(d.title_code, 'cal_delegation');
  assert.deepEqual(d.title_params, ['UNGA 81', `${year}-09-20`]);
  assert.ok(items.every((i) => typeof i.title_code === 'string' && Array.isArray(i.title_params)), 'every item has a code');
  // A draft application's filing deadline: the values, not the sentence (regression: the
  // organisation's name was read after its row was gone).
  const app = await srv.api('POST', '/api/v1/applications', { body: { organisation_id: org.json.id, body: 'ECOSOC', requested_status: 'special' } });
  const cal2 = await srv.api('GET', `/api/v1/calendar?from=${year}-01-01&to=${year + 1}-12-31&limit=500`);
  const fileBy = cal2.json.items.find((i) => i.record.type === 'applications' && i.record.id === app.json.id);
  assert.equal(fileBy.title_code, 'cal_file_by', JSON.stringify(fileBy));
  assert.deepEqual(fileBy.title_params.slice(0, 4), [String(app.json.id), 'Календарь', 'ECOSOC', 'special']);
  assert.equal(fileBy.title_params[4], fileBy.date);
});
