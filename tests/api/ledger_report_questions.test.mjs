// Issue 14 item 8: questions on quadrennial reports. The Committee on NGOs may defer a
// quadrennial report with questions, as it does an application; the ministry records
// them at /api/v1/accreditation-reports/{id}/questions, the organisation answers them,
// and open questions on a deferred report are in the organisation's obligations.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const Q = (id) => `/api/v1/accreditation-reports/${id}/questions`;

async function created(who, path, body) {
  const r = await who('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

// The accreditation of org (special status, granted 2013, one per organisation) with a
// new submitted report.
const accs = new Map();
async function reportOf(orgId, outcome = 'deferred') {
  if (!accs.has(orgId))
    accs.set(orgId, await created(officer, '/api/v1/accreditations', {
      organisation_id: orgId, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    }));
  const acc = accs.get(orgId);
  const rep = await created(officer, `/api/v1/accreditations/${acc.id}/reports`, {
    period_start: 2013, period_end: 2016, submitted_on: '2017-05-20', outcome,
  });
  return { acc, rep };
}

test('the ministry records questions on a deferred report; the organisation answers them', async () => {
  const { rep } = await reportOf(srv.orgId);
  const q = await created(officer, Q(rep.id), { question: 'Please describe your UN activities.', asked_at_session: { year: 2018, part: 'regular' } });
  assert.equal(q.report_id, rep.id);
  assert.equal(q.answer, null);
  assert.deepEqual(q.session, { year: 2018, part: 'regular' });
  const loc = (await officer('POST', Q(rep.id), { body: { question: 'And your funding?' } }));
  assert.equal(loc.status, 201, loc.text);
  assert.equal(loc.headers.get('location'), `${Q(rep.id)}/${loc.json.id}`);
  const one = await officer('GET', `${Q(rep.id)}/${q.id}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.question, 'Please describe your UN activities.');

  // the NGO reads its own, answers, and may not ask or change the question
  const list = await ngo('GET', Q(rep.id));
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.items.length, 2);
  const asked = await ngo('POST', Q(rep.id), { body: { question: 'mine' } });
  assertProblem(asked, 422, { fields: { question: /recorded by the ministry/ } });
  assertProblem(await ngo('PATCH', `${Q(rep.id)}/${q.id}`, { body: { question: 'changed' } }), 422, { fields: { question: /only the answer/ } });
  const ans = await ngo('PATCH', `${Q(rep.id)}/${q.id}`, { body: { answer: 'We attended the HRC sessions.' } });
  assert.equal(ans.status, 200, ans.text);
  assert.equal(ans.json.answered_on, new Date().toISOString().slice(0, 10));

  // audit entries: the creation by the officer, the answer by the NGO
  const audit = await srv.api('GET', `/api/v1/audit?resource=report_questions&record_id=${q.id}&limit=50`);
  assert.equal(audit.status, 200, audit.text);
  assert.deepEqual(audit.json.items.map((e) => e.action).sort(), ['create', 'update']);
});

test('another organisation\'s report questions are a 404 for an NGO; unknown reports too', async () => {
  const other = await created(officer, '/api/v1/organisations', { name: 'Someone else', country: 'FR' });
  const { rep } = await reportOf(other.id);
  const q = await created(officer, Q(rep.id), { question: 'Private?' });
  assertProblem(await ngo('GET', Q(rep.id)), 404);
  assertProblem(await ngo('GET', `${Q(rep.id)}/${q.id}`), 404);
  assertProblem(await ngo('PATCH', `${Q(rep.id)}/${q.id}`, { body: { answer: 'x' } }), 404);
  assertProblem(await officer('GET', Q(999999)), 404);
  assertProblem(await officer('POST', Q(999999), { body: { question: 'x' } }), 404);
  // a question of one report is not reachable under another
  const mine = await reportOf(srv.orgId);
  assertProblem(await officer('GET', `${Q(mine.rep.id)}/${q.id}`), 404);
  // anonymous callers see only what is public: this organisation is not
  assertProblem(await srv.api('GET', Q(rep.id), { token: null }), 404);
});

test('questions only while the Committee considers the report; bad input is a 422 naming the field', async () => {
  const { rep } = await reportOf(srv.orgId, 'taken_note');
  assertProblem(await officer('POST', Q(rep.id), { body: { question: 'Late?' } }), 422, { fields: { report_id: /taken_note/ } });
  const d = await reportOf(srv.orgId);
  assertProblem(await officer('POST', Q(d.rep.id), { body: {} }), 422, { fields: { question: /required/ } });
  assertProblem(await officer('POST', Q(d.rep.id), { body: { question: 'x', asked_at_session: { year: 1900, part: 'regular' } } }), 422, { fields: { asked_at_session: /1946/ } });
  assertProblem(await officer('POST', Q(d.rep.id), { body: { question: 'x', report_id: rep.id } }), 422, { fields: { report_id: /URL/ } });
});

test('open questions on a deferred report are in the obligations list until answered', async () => {
  const o = await created(officer, '/api/v1/organisations', { name: 'Deferred reporter', country: 'RU' });
  const { rep } = await reportOf(o.id);
  const obligations = async () => (await officer('GET', `/api/v1/organisations/${o.id}/obligations`)).json.items
    .filter((i) => i.kind === 'questions_to_answer');
  assert.equal((await obligations()).length, 0);
  const q = await created(officer, Q(rep.id), { question: 'Which meetings?' });
  const items = await obligations();
  assert.equal(items.length, 1, JSON.stringify(items));
  assert.equal(items[0].body, 'ECOSOC');
  assert.match(items[0].link, new RegExp(`/accreditation-reports/${rep.id}/questions$`));
  assert.match(items[0].text, /quadrennial report/);
  await officer('PATCH', `${Q(rep.id)}/${q.id}`, { body: { answer: 'All of them.' } });
  assert.equal((await obligations()).length, 0);
});
