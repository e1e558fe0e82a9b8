// Issue 15: questions of the Committee on a quadrennial report reach the people who must
// answer them. When the body defers a report with questions, the organisation's
// representatives are told "questions to answer" (and officers in their digest), in their
// language, with a link to the report's page; before the Committee's next session they are
// reminded at the usual thresholds until the questions are answered. Through the real
// binary and a real SMTP server (python3-aiosmtpd); a second run sends nothing; an NGO is
// never told of another NGO's questions. Also: GET /api/v1/accreditation-reports/{id}, the
// report the notice's page shows, and the cap on an officer's daily digest.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, addUser, createToken, cliOk } from './lib/server.mjs';
import { smtpSink } from './lib/smtp.mjs';

const srv = await startServer({ ngo: true });
const sink = await smtpSink();
after(async () => {
  await sink.remove();
  await srv.stop();
});
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const FROM = 'civdesk@mfa.example';
const Q = (id) => `/api/v1/accreditation-reports/${id}/questions`;

// The pass as if today were `today`, delivering to the sink.
const run = (today) => cliOk(['notify', 'run', '--db', srv.db, '--today', today, '--smtp', sink.url, '--mail-from', FROM]);

async function created(who, path, body) {
  const r = await who('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

// A deferred quadrennial report of organisation org (ECOSOC special, granted 2013).
async function deferredReport(org) {
  const acc = await created(officer, '/api/v1/accreditations', { organisation_id: org, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25' });
  return created(officer, `/api/v1/accreditations/${acc.id}/reports`, { period_start: 2013, period_end: 2016, submitted_on: '2017-05-20', outcome: 'deferred' });
}

const mine = async (who, kinds = ['questions_open', 'questions_to_answer']) =>
  (await who('GET', '/api/v1/notifications?limit=200')).json.items.filter((n) => kinds.includes(n.kind));

// The Committee's next session after 2027-11-20 opens on 15 January 2028 (56 days on: the
// 90-day threshold); 2027-12-20 is 26 days before it (the 30-day threshold).
const DAY90 = '2027-11-20';
const DAY30 = '2027-12-20';

let repA, repB, ngoB, qA;
before(async () => {
  // The home NGO's representative reads English; the other NGO's, Russian (the default).
  let r = await ngo('PATCH', '/api/v1/me/preferences', { body: { language: 'en' } });
  assert.equal(r.status, 200, r.text);
  const orgB = await created(officer, '/api/v1/organisations', { name: 'Другие друзья', country: 'RU' });
  await addUser(srv.db, 'ngo-b@test.example', 'ngo', { org: orgB.id });
  ngoB = await createToken(srv.db, 'ngo-b@test.example');
  // The account notices of the users made above go first, out of the way.
  await run('2027-01-02');
  await sink.clear();
  repA = await deferredReport(srv.orgId);
  repB = await deferredReport(orgB.id);
  qA = await created(officer, Q(repA.id), { question: 'Please describe your UN activities.' });
  await created(officer, Q(repB.id), { question: 'Какие у вас источники финансирования?' });
  await created(officer, Q(repB.id), { question: 'В каких сессиях вы участвовали?' });
});

describe('questions on a deferred quadrennial report', () => {
  test('each representative gets the notice and the reminder in their language, with the due date and a link', async () => {
    const out = await run(DAY90);
    assert.match(out.stdout, /sent/);
    const msgs = await sink.messages();
    const to = (addr) => msgs.filter((m) => m.rcpt_tos[0] === addr);
    // The home NGO's representative, in English: the questions, and the reminder before
    // the session (90-day threshold).
    const a = to('ngo@test.example');
    assert.deepEqual(a.map((m) => m.subject).sort(), [
      'ECOSOC questions on the quadrennial report: 1',
      'Questions from ECOSOC to answer before 15 January 2028',
    ]);
    for (const m of a) {
      assert.match(m.text, /Общество друзей тестов/);
      assert.match(m.text, /quadrennial report for 2013–2016/);
      assert.match(m.text, new RegExp(`/accreditation-reports/${repA.id}\\b`));
      assert.match(m.html, new RegExp(`href="[^"]*/accreditation-reports/${repA.id}"`));
      assert.doesNotMatch(m.text, /Другие друзья/);
      assert.doesNotMatch(m.text, new RegExp(`/accreditation-reports/${repB.id}\\b`));
    }
    assert.match(a.find((m) => m.subject.startsWith('Questions')).text, /15 January 2028/);
    // The other NGO's representative, in Russian, of its own two questions only.
    const b = to('ngo-b@test.example');
    assert.deepEqual(b.map((m) => m.subject).sort(), [
      'Вопросы ECOSOC по четырёхгодичному докладу: 2',
      'Вопросы ECOSOC: ответить до 15 января 2028 г.',
    ]);
    for (const m of b) {
      assert.match(m.text, /Другие друзья/);
      assert.match(m.text, new RegExp(`/accreditation-reports/${repB.id}\\b`));
      assert.doesNotMatch(m.text, /Общество друзей тестов/);
      assert.doesNotMatch(m.text, new RegExp(`/accreditation-reports/${repA.id}\\b`));
    }
    assert.match(b.find((m) => m.subject.includes('ответить')).text, /15 января 2028 г\./);
    // The officer: one digest naming both reports.
    const o = to('officer@test.example');
    assert.equal(o.length, 1, o.map((m) => m.subject).join('; '));
    assert.match(o[0].text, new RegExp(`/accreditation-reports/${repA.id}\\b`));
    assert.match(o[0].text, new RegExp(`/accreditation-reports/${repB.id}\\b`));
    assert.equal(msgs.length, 5);
  });

  test('in the app: the notices link to the report page, with the due date and threshold', async () => {
    const items = await mine(ngo);
    assert.equal(items.length, 2, JSON.stringify(items));
    for (const n of items) {
      assert.deepEqual(n.record, { type: 'accreditation_reports', id: repA.id });
      assert.equal(n.link, `/accreditation-reports/${repA.id}`);
      assert.equal(n.organisation_id, srv.orgId);
    }
    const reminder = items.find((n) => n.kind === 'questions_to_answer');
    assert.equal(reminder.due_on, '2028-01-15');
    assert.equal(reminder.days_before, 90);
    const told = items.find((n) => n.kind === 'questions_open');
    assert.equal(told.due_on, null);
    // The obligations list has the same item with the same due date.
    const list = (await ngo('GET', `/api/v1/organisations/${srv.orgId}/obligations?lang=en`)).json.items;
    assert.ok(list.some((o) => o.kind === 'questions_to_answer' && o.record.type === 'accreditation_reports' && o.record.id === repA.id));
    const off = await mine(officer);
    assert.equal(off.length, 4);
    assert.ok(off.every((n) => n.mail === 'digest'), 'officers hear of them in their digest');
  });

  test('a second run sends nothing and writes nothing', async () => {
    const before = (await mine(ngo)).length + (await mine(officer)).length;
    const out = await run(DAY90);
    assert.match(out.stdout, /0 new notifications/);
    assert.equal((await sink.messages()).length, 5);
    assert.equal((await mine(ngo)).length + (await mine(officer)).length, before);
  });

  test('an NGO never hears of another NGO\'s questions, and cannot open its report', async () => {
    const b = await mine((m, p, o = {}) => srv.api(m, p, { token: ngoB, ...o }));
    assert.equal(b.length, 2);
    assert.ok(b.every((n) => n.record.id === repB.id));
    assert.ok((await mine(ngo)).every((n) => n.record.id === repA.id));
    // the report itself, by its id: its own organisation and officers only
    const own = await ngo('GET', `/api/v1/accreditation-reports/${repA.id}`);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.outcome, 'deferred');
    assert.equal(own.json.period_start, 2013);
    assert.equal(own.headers.get('etag'), `"${own.json.version}"`);
    assertProblem(await ngo('GET', `/api/v1/accreditation-reports/${repB.id}`), 404);
    assertProblem(await srv.api('GET', `/api/v1/accreditation-reports/${repA.id}`, { token: null }), 404);
    assertProblem(await officer('GET', '/api/v1/accreditation-reports/999999'), 404);
    assertProblem(await officer('GET', '/api/v1/accreditation-reports/x'), 404);
    assert.equal((await officer('GET', `/api/v1/accreditation-reports/${repB.id}`)).status, 200);
  });

  test('30 days before the session: one reminder more; once answered, no more', async () => {
    await sink.clear();
    await run(DAY30);
    let msgs = await sink.messages();
    assert.deepEqual(msgs.filter((m) => m.rcpt_tos[0] === 'ngo@test.example').map((m) => m.subject), ['Questions from ECOSOC to answer before 15 January 2028']);
    assert.equal(msgs.filter((m) => m.rcpt_tos[0] === 'ngo-b@test.example').length, 1);
    const reminders = (await mine(ngo, ['questions_to_answer'])).map((n) => n.days_before).sort((x, y) => x - y);
    assert.deepEqual(reminders, [30, 90]);
    // The representative answers: the 7-day reminder goes only to the other NGO.
    const r = await ngo('PATCH', `${Q(repA.id)}/${qA.id}`, { body: { answer: 'We attended every HRC session.' } });
    assert.equal(r.status, 200, r.text);
    await sink.clear();
    await run('2028-01-10');
    msgs = await sink.messages();
    assert.equal(msgs.filter((m) => m.rcpt_tos[0] === 'ngo@test.example').length, 0);
    assert.equal(msgs.filter((m) => m.rcpt_tos[0] === 'ngo-b@test.example').length, 1);
  });

  test('a new question is a new notice; answering one of several is not', async () => {
    await created(officer, Q(repA.id), { question: 'And your funding?' });
    const last = await created(officer, Q(repA.id), { question: 'And your members?' });
    await sink.clear();
    await run('2028-01-11');
    let msgs = (await sink.messages()).filter((m) => m.rcpt_tos[0] === 'ngo@test.example');
    assert.deepEqual(msgs.map((m) => m.subject).sort(), [
      'ECOSOC questions on the quadrennial report: 2',
      'Questions from ECOSOC to answer before 15 January 2028',
    ]);
    // The newest question answered first: one is still open, but nothing new was asked.
    const r = await ngo('PATCH', `${Q(repA.id)}/${last.id}`, { body: { answer: 'About 300.' } });
    assert.equal(r.status, 200, r.text);
    await sink.clear();
    const out = await run('2028-01-12');
    msgs = (await sink.messages()).filter((m) => m.rcpt_tos[0] === 'ngo@test.example');
    assert.deepEqual(msgs.map((m) => m.subject), [], out.stdout);
  });
});

describe("an officer's daily digest", () => {
  test('lists at most 50 notices, the most pressing first, and says how many more with a link', async () => {
    // 53 deferred reports of 53 organisations, each with a question: 53 notices "as asked"
    // and 53 reminders for the officer's digest of one day.
    for (let i = 0; i < 53; i++) {
      const org = await created(officer, '/api/v1/organisations', { name: `Digest org ${i}`, country: 'FR' });
      const rep = await deferredReport(org.id);
      await created(officer, Q(rep.id), { question: `Question ${i}?` });
    }
    await sink.clear();
    await run('2028-03-05'); // the session of 1 May 2028 is 57 days on
    const digest = (await sink.messages()).filter((m) => m.rcpt_tos[0] === 'officer@test.example');
    assert.equal(digest.length, 1);
    const m = digest[0];
    const listed = m.text.split('\r\n').filter((l) => l.startsWith('- ')).length;
    assert.equal(listed, 50, 'the first 50');
    // Russian by default: how many more, and the page where they are all listed.
    const total = Number(/уведомлений за день — (\d+)/.exec(m.subject)?.[1]);
    assert.ok(total > 100, m.subject);
    assert.match(m.text, new RegExp(`…и ещё ${total - 50}\\. Все уведомления — в civdesk:\\r\\nhttp://localhost:8080/notifications`));
    assert.match(m.html, /href="http:\/\/localhost:8080\/notifications"/);
    // The notices without a due date (act now) come first, then the earliest due.
    const first = m.text.split('\r\n').find((l) => l.startsWith('- '));
    assert.match(first, /Вопросы ECOSOC по четырёхгодичному докладу/);
    // Every notice is carried by that digest: none waits for tomorrow's.
    await sink.clear();
    await run('2028-03-06');
    assert.equal((await sink.messages()).filter((x) => x.rcpt_tos[0] === 'officer@test.example').length, 0);
    // and the officer sees them all in the app
    const all = await officer('GET', '/api/v1/notifications?limit=200&unread=true');
    assert.ok(all.json.unread >= total, `${all.json.unread} >= ${total}`);
  });
});
