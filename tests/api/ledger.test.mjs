// The status ledger through the real server: an application taken from draft to granted
// by the NGO and an officer, producing an accreditation with its next report due; deferral
// with questions answered by the NGO; illegal moves; accreditations' computed dates and
// the country / overdue filters; bodies as reference data; the pipeline figures.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const A = '/api/v1/applications';
const today = () => new Date().toISOString().slice(0, 10);
const year = () => Number(today().slice(0, 4));

async function created(who, path, body) {
  const r = await who('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

async function moveTo(who, id, to, note) {
  const r = await who('POST', `${A}/${id}/transitions`, { body: note ? { to, note } : { to } });
  assert.equal(r.status, 200, `${to}: ${r.text}`);
  return r.json;
}

before(async () => {
  // The NGO's organisation, registered long enough ago to be eligible.
  const r = await officer('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { founded_on: '2001-03-15' } });
  assert.equal(r.status, 200, r.text);
});

describe('bodies', () => {
  test('seeded reference data with their statuses and rules, readable by an NGO', async () => {
    const r = await ngo('GET', '/api/v1/bodies?limit=50');
    assert.equal(r.status, 200, r.text);
    const byCode = Object.fromEntries(r.json.items.map((b) => [b.code, b]));
    for (const code of ['COE', 'ECOSOC', 'OSCE_ODIHR', 'UNESCO', 'UNHRC']) assert.ok(byCode[code], code);
    assert.deepEqual(byCode.ECOSOC.statuses, ['general', 'special', 'roster']);
    assert.deepEqual(byCode.ECOSOC.report_exempt, ['roster']);
    assert.equal(byCode.ECOSOC.report_interval_years, 4);
    assert.equal(byCode.ECOSOC.filing_deadline, '06-01');
    assert.deepEqual(byCode.UNESCO.statuses, ['consultative', 'associate']);
    assert.deepEqual(byCode.COE.national_statuses, []);
    const f = await ngo('GET', '/api/v1/bodies?code=COE');
    assert.equal(f.json.items.length, 1);
  });

  test('an NGO may not add a body; a bad rule is a 422 naming the field', async () => {
    const r = await ngo('POST', '/api/v1/bodies', { body: { code: 'XX', name: 'x' } });
    assert.equal(r.status, 403, r.text);
    const bad = await srv.api('POST', '/api/v1/bodies', {
      body: { code: 'au', name: 'African Union', statuses: ['observer'], national_statuses: ['member'], filing_deadline: '02-30' },
    });
    assertProblem(bad, 422, { fields: { code: /capital/, national_statuses: /not one of/, filing_deadline: /MM-DD/ } });
  });

  test('a body that records name cannot be deleted (409); its code cannot change', async () => {
    const list = await officer('GET', '/api/v1/bodies?code=ECOSOC');
    const ecosoc = list.json.items[0];
    await created(officer, '/api/v1/listings', { body: 'ECOSOC', status: 'special', as_of: '2010-01-01', name: 'x', country: 'FR' });
    const del = await srv.api('DELETE', `/api/v1/bodies/${ecosoc.id}`);
    assertProblem(del, 409, { detail: /still refer to this body/ });
    const patch = await srv.api('PATCH', `/api/v1/bodies/${ecosoc.id}`, { body: { code: 'ECOSOC2' } });
    assertProblem(patch, 422, { fields: { code: /cannot be changed/ } });
    const ok = await created(srv.api, '/api/v1/bodies', { code: 'TEST_BODY', name: 'Test body', statuses: ['member'] });
    assert.equal((await srv.api('DELETE', `/api/v1/bodies/${ok.id}`)).status, 204);
  });
});

describe('application lifecycle', () => {
  let app;

  test('the NGO drafts an application for its own organisation: filing deadline and no warnings', async () => {
    app = await created(ngo, A, { body: 'ECOSOC', requested_status: 'special', notes: 'Первое заявление' });
    assert.equal(app.state, 'draft');
    assert.equal(app.organisation_id, srv.orgId);
    // the next 1 June on or after today decides the Committee's year
    const june = `${year()}-06-01`;
    const deadline = today() <= june ? june : `${year() + 1}-06-01`;
    assert.equal(app.filing_deadline, deadline);
    assert.equal(app.considered_in, Number(deadline.slice(0, 4)) + 1);
    assert.deepEqual(app.warnings, []);
    assert.deepEqual(app.history, []);
  });

  test('an NGO may only submit its draft: other moves are 409 listing the legal ones', async () => {
    const r = await ngo('POST', `${A}/${app.id}/transitions`, { body: { to: 'endorsed' } });
    const p = assertProblem(r, 409);
    assert.deepEqual(p.allowed, ['submitted', 'withdrawn']);
    await moveTo(ngo, app.id, 'submitted');
    const again = await ngo('POST', `${A}/${app.id}/transitions`, { body: { to: 'submitted' } });
    assert.deepEqual(assertProblem(again, 409).allowed, ['withdrawn']);
  });

  test('the ministry returns it with a note, the NGO resubmits, the ministry endorses and files', async () => {
    await moveTo(officer, app.id, 'draft', 'Please attach the statute');
    await moveTo(ngo, app.id, 'submitted');
    const skip = await officer('POST', `${A}/${app.id}/transitions`, { body: { to: 'granted' } });
    assert.deepEqual(assertProblem(skip, 409).allowed, ['draft', 'endorsed', 'filed', 'withdrawn']);
    await moveTo(officer, app.id, 'endorsed');
    const filed = await moveTo(officer, app.id, 'filed');
    assert.equal(filed.filed_on, today());
    assert.equal(filed.ministry_supported, true);
    // filed today: the deadline that decides is the next 1 June on or after today
    assert.equal(filed.filing_deadline, app.filing_deadline);
  });

  test('once handed over, the NGO can no longer edit it', async () => {
    const r = await ngo('PATCH', `${A}/${app.id}`, { body: { notes: 'changed' } });
    assert.equal(r.status, 403, r.text);
  });

  test('under review → recommended → granted creates the accreditation with its next report due', async () => {
    await moveTo(officer, app.id, 'under_review');
    await moveTo(officer, app.id, 'recommended');
    const granted = await moveTo(officer, app.id, 'granted', 'ECOSOC decision of July');
    assert.equal(granted.state, 'granted');
    assert.equal(granted.decided_on, today());
    assert.deepEqual(
      granted.history.map((h) => [h.from, h.to]),
      [
        ['draft', 'submitted'], ['submitted', 'draft'], ['draft', 'submitted'], ['submitted', 'endorsed'],
        ['endorsed', 'filed'], ['filed', 'under_review'], ['under_review', 'recommended'], ['recommended', 'granted'],
      ],
    );
    assert.equal(granted.history[1].note, 'Please attach the statute');
    assert.equal(granted.history[1].by.email, 'officer@test.example');
    assert.equal(granted.history[0].by.email, 'ngo@test.example');
    assert.match(granted.history[7].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const list = await ngo('GET', `/api/v1/accreditations?organisation_id=${srv.orgId}&body=ECOSOC`);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.items.length, 1);
    const acc = list.json.items[0];
    assert.equal(acc.status, 'special');
    assert.equal(acc.state, 'active');
    assert.equal(acc.granted_on, today());
    assert.equal(acc.application_id, app.id);
    assert.equal(acc.report_due_on, `${year() + 4}-06-01`);
    assert.deepEqual(acc.report_period, [year(), year() + 3]);
    assert.equal(acc.overdue, false);
    // the organisation reads its status but does not change it
    const r = await ngo('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { notes: 'x' } });
    assert.equal(r.status, 403, r.text);
  });

  test('a final state leaves nowhere', async () => {
    const r = await officer('POST', `${A}/${app.id}/transitions`, { body: { to: 'withdrawn' } });
    assert.deepEqual(assertProblem(r, 409).allowed, []);
  });
});

describe('deferral with questions', () => {
  let app, q1, q2;

  before(async () => {
    const young = await created(officer, '/api/v1/organisations', {
      name: 'Молодая НКО',
      country: 'RU',
      founded_on: `${year() - 1}-01-10`,
    });
    app = await created(officer, A, { organisation_id: young.id, body: 'ECOSOC', requested_status: 'roster' });
    for (const s of ['submitted', 'endorsed', 'filed']) await moveTo(officer, app.id, s);
  });

  test('the two-year rule warns, questions wait for the review', async () => {
    const r = await officer('GET', `${A}/${app.id}`);
    assert.deepEqual(r.json.warnings, ['registered less than two years before filing']);
    const early = await officer('POST', `${A}/${app.id}/questions`, { body: { question: 'Funding?' } });
    assertProblem(early, 422, { fields: { application_id: /under_review or deferred/ } });
  });

  test('the Committee defers with two questions; unanswered ones are a warning', async () => {
    await moveTo(officer, app.id, 'under_review');
    await moveTo(officer, app.id, 'deferred', 'Questions at the regular session');
    q1 = await created(officer, `${A}/${app.id}/questions`, { question: 'Please describe your sources of funding.' });
    q2 = await created(officer, `${A}/${app.id}/questions`, { question: 'Activities abroad?', asked_on: '2024-01-25' });
    assert.equal(q1.asked_on, today());
    assert.equal(q1.answer, null);
    const r = await officer('GET', `${A}/${app.id}`);
    assert.deepEqual(r.json.questions, { total: 2, open: 2 });
    assert.ok(r.json.warnings.some((w) => /2 questions from ECOSOC are unanswered/.test(w)), r.text);
    const list = await officer('GET', `${A}/${app.id}/questions`);
    assert.deepEqual(list.json.items.map((q) => q.id), [q1.id, q2.id]);
  });

  test('answers are a PATCH of the question; answered_on is set', async () => {
    const r = await officer('PATCH', `${A}/${app.id}/questions/${q1.id}`, { body: { answer: 'Membership fees and grants.' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.answered_on, today());
    const bad = await officer('PATCH', `${A}/${app.id}/questions/${q2.id}`, { body: { answered_on: '2024-01-01' } });
    assertProblem(bad, 422, { fields: { answered_on: /answer/ } });
    const r2 = await officer('PATCH', `${A}/${app.id}/questions/${q2.id}`, {
      body: { answer: 'None.', answered_on: '2024-01-20' },
    });
    assertProblem(r2, 422, { fields: { answered_on: /before asked_on/ } });
    const r3 = await officer('GET', `${A}/${app.id}`);
    assert.deepEqual(r3.json.questions, { total: 2, open: 1 });
  });

  test('deferred → under_review → closed by the body', async () => {
    await moveTo(officer, app.id, 'under_review');
    const closed = await moveTo(officer, app.id, 'closed');
    assert.equal(closed.decided_on, today());
    const accs = await officer('GET', `/api/v1/accreditations?organisation_id=${app.organisation_id}`);
    assert.equal(accs.json.items.length, 0);
  });

  test("an NGO answers its own application's questions, and only answers", async () => {
    const own = await created(ngo, A, { body: 'UNESCO', requested_status: 'consultative' });
    await moveTo(ngo, own.id, 'submitted');
    for (const s of ['endorsed', 'filed', 'under_review', 'deferred']) await moveTo(officer, own.id, s);
    const q = await created(officer, `${A}/${own.id}/questions`, { question: 'Which programmes?' });
    const ask = await ngo('POST', `${A}/${own.id}/questions`, { body: { question: 'Our own?' } });
    assert.equal(ask.status, 422, ask.text);
    const edit = await ngo('PATCH', `${A}/${own.id}/questions/${q.id}`, { body: { question: 'Other' } });
    assertProblem(edit, 422, { fields: { question: /only the answer/ } });
    const ans = await ngo('PATCH', `${A}/${own.id}/questions/${q.id}`, { body: { answer: 'Heritage education.' } });
    assert.equal(ans.status, 200, ans.text);
    assert.equal(ans.json.answered_on, today());
    // and another organisation's application is not there at all
    const other = await ngo('GET', `${A}/${app.id}/questions`);
    assert.equal(other.status, 404);
  });
});

describe('validation', () => {
  test('a status the body does not grant, an unknown body, a body without statuses', async () => {
    const bad = await officer('POST', A, { body: { organisation_id: srv.orgId, body: 'ECOSOC', requested_status: 'associate' } });
    assertProblem(bad, 422, { fields: { requested_status: /general, special, roster/ } });
    const none = await officer('POST', A, { body: { organisation_id: srv.orgId, body: 'NOPE', requested_status: 'x' } });
    assertProblem(none, 422, { fields: { body: /no body/ } });
    const hrc = await officer('POST', '/api/v1/accreditations', {
      body: { organisation_id: srv.orgId, body: 'UNHRC', status: 'special' },
    });
    assertProblem(hrc, 422, { fields: { status: /no status of its own/ } });
    const state = await officer('POST', A, {
      body: { organisation_id: srv.orgId, body: 'ECOSOC', requested_status: 'special', state: 'granted' },
    });
    assertProblem(state, 422, { fields: { state: /set by the server/ } });
  });

  test('COE participatory: allowed to record, warned as closed to national NGOs', async () => {
    const r = await created(officer, A, { organisation_id: srv.orgId, body: 'COE', requested_status: 'participatory' });
    assert.deepEqual(r.warnings, ['COE participatory status is not open to national NGOs']);
    assert.equal(r.filing_deadline, null);
  });

  test('one current status per organisation and body: a second is a 409', async () => {
    const r = await officer('POST', '/api/v1/accreditations', {
      body: { organisation_id: srv.orgId, body: 'ECOSOC', status: 'roster' },
    });
    assertProblem(r, 409);
  });
});

describe('accreditations: computed dates and filters', () => {
  let fr, ru, late, roster, reported;

  before(async () => {
    fr = await created(officer, '/api/v1/organisations', { name: 'Ligue des droits', country: 'FR' });
    ru = await created(officer, '/api/v1/organisations', { name: 'Фонд наследия', country: 'RU' });
    late = await created(officer, '/api/v1/accreditations', {
      organisation_id: ru.id, body: 'ECOSOC', status: 'special', granted_on: '2015-07-20',
    });
    roster = await created(officer, '/api/v1/accreditations', {
      organisation_id: fr.id, body: 'ECOSOC', status: 'roster', granted_on: '2010-07-20',
    });
    const other = await created(officer, '/api/v1/organisations', { name: 'Centre', country: 'FR' });
    reported = await created(officer, '/api/v1/accreditations', {
      organisation_id: other.id, body: 'ECOSOC', status: 'general', granted_on: '2010-07-20',
      last_report_period_end: year() - 1,
    });
  });

  test('granted 2015 → report on 2015–2018 due 1 June 2019, overdue; roster owes none', () => {
    assert.equal(late.report_due_on, '2019-06-01');
    assert.deepEqual(late.report_period, [2015, 2018]);
    assert.equal(late.overdue, true);
    assert.equal(roster.report_due_on, null);
    assert.equal(roster.overdue, false);
    assert.equal(reported.report_due_on, `${year() + 4}-06-01`);
  });

  test('after a report for the period ending E, the next is due 1 June E+5', async () => {
    const r = await officer('PATCH', `/api/v1/accreditations/${late.id}`, { body: { last_report_period_end: 2019 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.report_due_on, '2024-06-01');
    assert.deepEqual(r.json.report_period, [2020, 2023]);
    const back = await officer('PATCH', `/api/v1/accreditations/${late.id}`, { body: { last_report_period_end: null } });
    assert.equal(back.json.report_due_on, '2019-06-01');
  });

  test('?overdue=true|false and ?country= (through the organisation)', async () => {
    const ids = async (q) => (await officer('GET', `/api/v1/accreditations?limit=100&${q}`)).json.items.map((a) => a.id);
    const overdue = await ids('overdue=true');
    assert.ok(overdue.includes(late.id));
    assert.ok(!overdue.includes(roster.id) && !overdue.includes(reported.id));
    const fine = await ids('overdue=false');
    assert.ok(fine.includes(roster.id) && fine.includes(reported.id) && !fine.includes(late.id));
    assert.deepEqual((await ids('country=FR')).sort(), [roster.id, reported.id].sort());
    assert.deepEqual(await ids('country=FR&overdue=true'), []);
    assert.deepEqual(await ids('country=RU&overdue=true&body=ECOSOC&state=active'), [late.id]);
    assertProblem(await officer('GET', '/api/v1/accreditations?overdue=soon'), 400, { fields: { overdue: /true or false/ } });
    assertProblem(await officer('GET', '/api/v1/accreditations?country=XX'), 400, { fields: { country: /ISO 3166/ } });
  });

  test('?country= follows an organisation that moves, in lists and exports', async () => {
    const ids = async (q) => (await officer('GET', `/api/v1/accreditations?limit=100&${q}`)).json.items.map((a) => a.id);
    const moved = await officer('PATCH', `/api/v1/organisations/${fr.id}`, { body: { country: 'BE' } });
    assert.equal(moved.status, 200, moved.text);
    try {
      assert.deepEqual(await ids('country=BE'), [roster.id]);
      assert.deepEqual(await ids('country=FR'), [reported.id]);
      assert.deepEqual(await ids('country=BE&status=roster&body=ECOSOC'), [roster.id]);
      const csv = await officer('GET', '/api/v1/accreditations?country=BE&format=csv');
      assert.equal(csv.status, 200);
      assert.equal(csv.text.trimEnd().split('\r\n').length, 2, csv.text);
      const more = await created(officer, '/api/v1/accreditations', { organisation_id: fr.id, body: 'UNESCO', status: 'consultative' });
      assert.deepEqual((await ids('country=BE')).sort((a, b) => a - b), [roster.id, more.id]);
      assert.equal((await officer('DELETE', `/api/v1/accreditations/${more.id}`)).status, 204);
    } finally {
      await officer('PATCH', `/api/v1/organisations/${fr.id}`, { body: { country: 'FR' } });
    }
    assert.deepEqual((await ids('country=FR')).sort(), [roster.id, reported.id].sort());
    assert.deepEqual(await ids('country=BE'), []);
  });

  test('a suspended status still owes its report; a withdrawn one does not', async () => {
    const s = await officer('PATCH', `/api/v1/accreditations/${late.id}`, { body: { state: 'suspended' } });
    assert.equal(s.json.overdue, true);
    const w = await officer('PATCH', `/api/v1/accreditations/${late.id}`, { body: { state: 'withdrawn' } });
    assert.equal(w.json.report_due_on, null);
    assert.equal(w.json.overdue, false);
    await officer('PATCH', `/api/v1/accreditations/${late.id}`, { body: { state: 'active' } });
  });

  test('pipeline: applications by body and state, accreditations, overdue reports', async () => {
    const r = await officer('GET', '/api/v1/stats/pipeline');
    assert.equal(r.status, 200, r.text);
    const count = (rows, pred) => rows.filter(pred).reduce((n, x) => n + x.count, 0);
    assert.equal(count(r.json.applications, (x) => x.body === 'ECOSOC' && x.state === 'granted'), 1);
    assert.equal(count(r.json.applications, (x) => x.body === 'ECOSOC' && x.state === 'closed'), 1);
    assert.equal(count(r.json.accreditations, (x) => x.body === 'ECOSOC' && x.status === 'roster'), 1);
    assert.ok(r.json.overdue_reports.total >= 1);
    assert.equal(
      r.json.overdue_reports.total,
      (await officer('GET', '/api/v1/accreditations?overdue=true&count=true&limit=1')).json.total,
    );
    assert.equal((await ngo('GET', '/api/v1/stats/pipeline')).status, 403);
    assertProblem(await officer('GET', '/api/v1/stats/pipeline?x=1'), 400, { fields: { x: /not a parameter/ } });
  });
});
