// Reminders and notifications through the real binary and a real SMTP server
// (python3-aiosmtpd): the reminder pass at each threshold, in-app notifications and
// marking them read, the outbox for administrators, e-mail in the recipient's language
// with the due date written for a person, no duplicate on a second run, retry after the
// mail server comes back, giving up after the limit, nothing to a disabled user, and an
// NGO never told of another NGO's records.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, addUser, createToken, cli, cliOk } from './lib/server.mjs';
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

// Adds days to a YYYY-MM-DD date.
function plus(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function notifyRun(today, { smtp = false, env = {} } = {}) {
  const args = ['notify', 'run', '--db', srv.db, '--today', today];
  if (smtp) args.push('--smtp', sink.url, '--mail-from', FROM);
  return cliOk(args, { env });
}

let accA, accB, dueA, dueB, ngoB, orgB, accountMail;
before(async () => {
  // The home NGO's accreditation and another NGO with its own representative.
  let r = await officer('POST', '/api/v1/accreditations', {
    body: { organisation_id: srv.orgId, body: 'ECOSOC', status: 'special', granted_on: '2022-07-25' },
  });
  assert.equal(r.status, 201, r.text);
  accA = r.json.id;
  dueA = r.json.report_due_on;
  r = await officer('POST', '/api/v1/organisations', { body: { name: 'Other Friends', country: 'FR' } });
  assert.equal(r.status, 201, r.text);
  orgB = r.json.id;
  r = await officer('POST', '/api/v1/accreditations', {
    body: { organisation_id: orgB, body: 'ECOSOC', status: 'general', granted_on: '2022-07-25' },
  });
  assert.equal(r.status, 201, r.text);
  accB = r.json.id;
  dueB = r.json.report_due_on;
  assert.equal(dueA, dueB);
  await addUser(srv.db, 'ngo-b@test.example', 'ngo', { org: orgB });
  ngoB = await createToken(srv.db, 'ngo-b@test.example');
  // A representative of the home NGO who has left: disabled, told nothing.
  await addUser(srv.db, 'gone@test.example', 'ngo', { org: srv.orgId });
  await cliOk(['user', 'disable', '--db', srv.db, '--email', 'gone@test.example']);
  // Every account was told it was created (tested below); those messages go first.
  await cliOk(['notify', 'run', '--db', srv.db, '--today', plus(dueA, -200), '--smtp', sink.url, '--mail-from', FROM]);
  accountMail = await sink.messages();
  await sink.clear();
});

// The notifications of a list that are not account notices.
const nonAccount = (items) => items.filter((i) => i.kind !== 'account');

describe('the reminder pass', () => {
  test('nothing before the first threshold (91 days before)', async () => {
    const r = await notifyRun(plus(dueA, -91));
    assert.match(r.stdout, /0 new notifications/);
    const list = await ngo('GET', '/api/v1/notifications');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(nonAccount(list.json.items), []);
  });

  test('90 days before: each NGO hears of its own record only, in the app', async () => {
    const r = await notifyRun(plus(dueA, -90));
    // two NGOs' representatives (one each) and the officer, for two accreditations
    assert.match(r.stdout, /4 new notifications/);
    const mine = await ngo('GET', '/api/v1/notifications');
    assert.equal(nonAccount(mine.json.items).length, 1, mine.text);
    const n = mine.json.items[0];
    assert.equal(n.kind, 'report_due');
    assert.deepEqual(n.record, { type: 'accreditations', id: accA });
    assert.equal(n.link, `/accreditations/${accA}`);
    assert.equal(n.organisation_id, srv.orgId);
    assert.equal(n.due_on, dueA);
    assert.equal(n.days_before, 90);
    assert.equal(n.read, false);
    assert.match(n.title, /ECOSOC/);
    assert.equal(mine.json.unread, 2, 'the account notice and the reminder');
    const theirs = await srv.api('GET', '/api/v1/notifications', { token: ngoB });
    assert.equal(nonAccount(theirs.json.items).length, 1);
    assert.deepEqual(theirs.json.items[0].record, { type: 'accreditations', id: accB });
    const off = nonAccount((await officer('GET', '/api/v1/notifications')).json.items);
    assert.deepEqual(off.map((i) => i.record.id).sort(), [accA, accB].sort());
    assert.ok(off.every((i) => i.mail === 'digest'), 'officers get a digest by default');
  });

  test('a second run on the same day, or any day before the next threshold, creates nothing', async () => {
    for (const d of [plus(dueA, -90), plus(dueA, -60), plus(dueA, -31)]) {
      const r = await notifyRun(d);
      assert.match(r.stdout, /0 new notifications, 0 messages queued/, d);
    }
  });

  test('marking read: once, only one\'s own; unread count follows', async () => {
    const mine = await ngo('GET', '/api/v1/notifications');
    const id = mine.json.items[0].id;
    const theirs = await srv.api('POST', `/api/v1/notifications/${id}/read`, { token: ngoB });
    assertProblem(theirs, 404);
    const r = await ngo('POST', `/api/v1/notifications/${id}/read`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.read, true);
    const again = await ngo('POST', `/api/v1/notifications/${id}/read`);
    assert.equal(again.json.read_at, r.json.read_at);
    const after1 = await ngo('GET', '/api/v1/notifications?unread=true');
    assert.deepEqual(after1.json.items.map((i) => i.kind), ['account']);
    assert.equal(after1.json.unread, 1);
    assertProblem(await ngo('POST', '/api/v1/notifications/999999/read'), 404);
    assertProblem(await ngo('GET', '/api/v1/notifications?limit=0'), 400, { fields: { limit: /1 to/ } });
    assertProblem(await ngo('GET', '/api/v1/notifications?colour=red'), 400, { fields: { colour: /not a parameter/ } });
    assertProblem(await srv.api('GET', '/api/v1/notifications', { token: null }), 401);
  });

  test('the outbox is for administrators', async () => {
    assertProblem(await ngo('GET', '/api/v1/outbox'), 403);
    assertProblem(await officer('GET', '/api/v1/outbox'), 403);
    const r = await srv.api('GET', '/api/v1/outbox?state=queued');
    assert.equal(r.status, 200, r.text);
    const to = r.json.items.map((o) => o.recipient).sort();
    assert.deepEqual(to, ['ngo-b@test.example', 'ngo@test.example', 'officer@test.example']);
    assert.ok(r.json.items.every((o) => o.state === 'queued' && o.attempts === 0));
    assert.ok(!to.includes('gone@test.example'));
    assertProblem(await srv.api('GET', '/api/v1/outbox?state=lost'), 400, { fields: { state: /one of/ } });
  });

  test('bad options are refused with a line naming them, and change nothing', async () => {
    let r = await cli(['notify', 'run', '--db', srv.db, '--today', '2026-02-30']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--today/);
    r = await cli(['notify', 'run', '--db', srv.db, '--smtp', 'http://x', '--mail-from', FROM]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--smtp/);
    r = await cli(['notify', 'run', '--db', srv.db, '--smtp', sink.url]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--mail-from/);
    r = await cli(['notify', 'run', '--db', srv.db, '--smtp', sink.url, '--mail-from', 'nobody']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--mail-from/);
    const out = await srv.api('GET', '/api/v1/outbox?state=queued');
    assert.ok(out.json.items.every((o) => o.attempts === 0));
  });
});

describe('e-mail through a real SMTP server', () => {
  let clock = 0; // seconds the CLI's clock is moved on (CIVDESK_TEST_CLOCK_OFFSET)
  test('each recipient gets one message in their language with the date for a person', async () => {
    const r = await notifyRun(plus(dueA, -90), { smtp: true });
    assert.match(r.stdout, /3 sent/);
    const msgs = await sink.messages();
    assert.equal(msgs.length, 3);
    const byTo = Object.fromEntries(msgs.map((m) => [m.rcpt_tos[0], m]));
    assert.deepEqual(Object.keys(byTo).sort(), ['ngo-b@test.example', 'ngo@test.example', 'officer@test.example']);
    const m = byTo['ngo@test.example'];
    assert.equal(m.mail_from, FROM);
    assert.equal(m.content_type, 'multipart/alternative');
    const [y, mo, d] = dueA.split('-').map(Number);
    const ruMonths = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];
    const human = `${d} ${ruMonths[mo - 1]} ${y} г.`;
    assert.equal(m.subject, `Отчёт в ECOSOC: срок ${human}`);
    assert.match(m.raw_subject, /^Subject: =\?UTF-8\?B\?/, 'RFC 2047 encoded');
    assert.match(m.message_id, /^<civdesk\.\d+\.\d+@mfa\.example>$/);
    assert.match(m.text, /Общество друзей тестов/);
    assert.match(m.text, new RegExp(human));
    assert.match(m.text, new RegExp(`/accreditations/${accA}`));
    assert.match(m.html, new RegExp(`href="[^"]*/accreditations/${accA}"`));
    // The other NGO's message names only its own organisation and record.
    const b = byTo['ngo-b@test.example'];
    assert.doesNotMatch(b.text, /Общество друзей тестов/);
    assert.doesNotMatch(b.text, new RegExp(`/accreditations/${accA}\\b`));
    assert.match(b.text, new RegExp(`/accreditations/${accB}`));
    // The officer's digest lists both.
    const o = byTo['officer@test.example'];
    assert.match(o.text, new RegExp(`/accreditations/${accA}`));
    assert.match(o.text, new RegExp(`/accreditations/${accB}`));
    const out = await srv.api('GET', '/api/v1/outbox?state=sent');
    assert.equal(out.json.items.filter((o) => o.kind !== 'account').length, 3);
  });

  test('a second run sends nothing', async () => {
    const r = await notifyRun(plus(dueA, -90), { smtp: true });
    assert.match(r.stdout, /0 messages queued; 0 sent/);
    assert.equal((await sink.messages()).length, 3);
  });

  test('a stopped mail server delays the mail but loses none; it goes once it is back', async () => {
    await sink.stop();
    const r = await notifyRun(plus(dueA, -30), { smtp: true });
    assert.match(r.stdout, /1 to retry/);
    let out = await srv.api('GET', '/api/v1/outbox?state=queued');
    assert.ok(out.json.items.length >= 1);
    const failedOnce = out.json.items.find((o) => o.attempts === 1);
    assert.ok(failedOnce, out.text);
    assert.ok(failedOnce.last_error, 'the failure is shown');
    assert.ok(failedOnce.next_attempt_at);
    await sink.start();
    // Messages not yet attempted go at once; the one that failed waits for its backoff.
    const early = await notifyRun(plus(dueA, -30), { smtp: true });
    assert.match(early.stdout, /2 sent/);
    out = await srv.api('GET', '/api/v1/outbox?state=queued');
    assert.deepEqual(out.json.items.map((o) => o.id), [failedOnce.id]);
    clock += 3600;
    const later = await notifyRun(plus(dueA, -30), { smtp: true, env: { CIVDESK_TEST_CLOCK_OFFSET: String(clock) } });
    assert.match(later.stdout, /1 sent/);
    const msgs = await sink.messages();
    assert.equal(msgs.length, 6);
    assert.equal(msgs.filter((m) => m.rcpt_tos[0] === 'ngo@test.example').length, 2);
    out = await srv.api('GET', '/api/v1/outbox?state=queued');
    assert.deepEqual(out.json.items, []);
  });

  test('after the limit of attempts a message is given up and shown as failed', async () => {
    await sink.stop();
    // One failed attempt ends a round (the server is down); each later round, two days on,
    // tries again whatever is due: 3 messages x 8 attempts.
    for (let i = 0; i < 30; i++) {
      clock += 2 * 86400;
      await notifyRun(plus(dueA, -7), { smtp: true, env: { CIVDESK_TEST_CLOCK_OFFSET: String(clock) } });
    }
    const out = await srv.api('GET', '/api/v1/outbox?state=failed');
    assert.equal(out.json.items.length, 3, out.text);
    assert.ok(out.json.items.every((o) => o.attempts === 8 && o.last_error));
    await sink.start();
    await notifyRun(plus(dueA, -7), { smtp: true, env: { CIVDESK_TEST_CLOCK_OFFSET: String((clock += 86400)) } });
    assert.equal((await sink.messages()).length, 6, 'failed messages are not sent later');
  });

  test('overdue: one message the day after the due date, nothing to a disabled user', async () => {
    const r = await notifyRun(plus(dueA, 1), { smtp: true, env: { CIVDESK_TEST_CLOCK_OFFSET: String((clock += 86400)) } });
    // Each NGO: the overdue report and, from the obligations list, the suspension ECOSOC
    // is expected to decide on 1 July (29 days on: the 30-day threshold); the officer's
    // digest lists the four.
    assert.match(r.stdout, /5 sent/);
    const msgs = await sink.messages();
    const mine = msgs.filter((m) => m.rcpt_tos[0] === 'ngo@test.example').slice(-2);
    assert.match(mine[0].subject, /^Просрочен отчёт в ECOSOC/);
    const july = `1 июля ${dueA.slice(0, 4)} г.`;
    assert.equal(mine[1].subject, `ECOSOC может приостановить статус ${july}`);
    assert.match(mine[1].text, new RegExp(`приостановит статус \\(special\\) ${july}`));
    assert.ok(msgs.every((m) => m.rcpt_tos[0] !== 'gone@test.example'));
    assert.ok(accountMail.every((m) => m.rcpt_tos[0] !== 'gone@test.example'));
    const cancelled = await srv.api('GET', '/api/v1/outbox?state=cancelled');
    assert.deepEqual(cancelled.json.items.map((o) => o.recipient), ['gone@test.example']);
    // Nothing new until the suspension's 7-day threshold.
    const again = await notifyRun(plus(dueA, 20), { smtp: true, env: { CIVDESK_TEST_CLOCK_OFFSET: String((clock += 86400)) } });
    assert.match(again.stdout, /0 new notifications, 0 messages queued; 0 sent/);
  });
});

describe('account notices', () => {
  test('each new account is told, in Russian by default, and it cannot be turned off', async () => {
    const to = accountMail.map((m) => m.rcpt_tos[0]).sort();
    assert.deepEqual(to, ['admin@test.example', 'ngo-b@test.example', 'ngo@test.example', 'officer@test.example']);
    const m = accountMail.find((x) => x.rcpt_tos[0] === 'ngo@test.example');
    assert.equal(m.subject, 'Ваша учётная запись в civdesk');
    assert.match(m.text, /ngo@test\.example/);
  });
});

describe('questions to answer', () => {
  test('a deferred application with open questions is reminded once per new question, to its NGO only', async () => {
    const A = '/api/v1/applications';
    let r = await officer('POST', A, { body: { organisation_id: srv.orgId, body: 'ECOSOC', requested_status: 'special' } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id;
    for (const to of ['submitted', 'endorsed', 'filed', 'under_review']) {
      r = await officer('POST', `${A}/${id}/transitions`, { body: { to } });
      assert.equal(r.status, 200, r.text);
    }
    r = await officer('POST', `${A}/${id}/questions`, { body: { question: 'Sources of funding?' } });
    assert.equal(r.status, 201, r.text);
    r = await officer('POST', `${A}/${id}/transitions`, { body: { to: 'deferred' } });
    assert.equal(r.status, 200, r.text);
    const today = new Date().toISOString().slice(0, 10);
    await notifyRun(today);
    await notifyRun(today);
    const q = (await ngo('GET', '/api/v1/notifications?limit=100')).json.items.filter((n) => n.kind === 'questions_open');
    assert.equal(q.length, 1);
    assert.equal(q[0].link, `/applications/${id}`);
    assert.equal(q[0].due_on, null);
    assert.match(q[0].title, /ECOSOC/);
    assert.match(q[0].detail, new RegExp(`№${id}`));
    const other = (await srv.api('GET', '/api/v1/notifications?limit=100', { token: ngoB })).json.items;
    assert.ok(other.every((n) => n.kind !== 'questions_open'));
    // A further question is a new reminder; answering them all ends them.
    r = await officer('POST', `${A}/${id}/questions`, { body: { question: 'Activities abroad?' } });
    assert.equal(r.status, 201, r.text);
    await notifyRun(today);
    const q2 = (await ngo('GET', '/api/v1/notifications?limit=100')).json.items.filter((n) => n.kind === 'questions_open');
    assert.equal(q2.length, 2);
    assert.match(q2[0].title, /: 2$/);
    // Two more asked at once are one notice; answering the newest of them is no new
    // question, so nothing new is told.
    r = await officer('POST', `${A}/${id}/questions`, { body: { question: 'Members abroad?' } });
    assert.equal(r.status, 201, r.text);
    r = await officer('POST', `${A}/${id}/questions`, { body: { question: 'Offices abroad?' } });
    assert.equal(r.status, 201, r.text);
    await notifyRun(today);
    r = await ngo('PATCH', `${A}/${id}/questions/${r.json.id}`, { body: { answer: 'None.' } });
    assert.equal(r.status, 200, r.text);
    await notifyRun(today);
    const q3 = (await ngo('GET', '/api/v1/notifications?limit=100')).json.items.filter((n) => n.kind === 'questions_open');
    assert.equal(q3.length, 3, JSON.stringify(q3.map((n) => n.title)));
  });
});

describe('credentials', () => {
  test('a password is never sent without TLS: a relay without STARTTLS is refused, the mail waits', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const file = join(srv.dir, 'smtp-credentials');
    await writeFile(file, 'civdesk:s3cret-relay-password\n', { mode: 0o600 });
    await addUser(srv.db, 'late@test.example', 'ngo', { org: srv.orgId });
    const before1 = (await sink.messages()).length;
    const r = await cliOk(['notify', 'run', '--db', srv.db, '--today', plus(dueA, 1), '--smtp', sink.url, '--mail-from', FROM, '--smtp-credentials', file]);
    assert.match(r.stdout, /0 sent, 1 to retry/);
    assert.equal((await sink.messages()).length, before1, 'nothing reached the relay');
    const q = await srv.api('GET', '/api/v1/outbox?state=queued&limit=500');
    const tried = q.json.items.filter((o) => o.attempts === 1);
    assert.equal(tried.length, 1, q.text);
    assert.match(tried[0].last_error, /STARTTLS|TLS|SSL/i);
    assert.ok(q.json.items.some((o) => o.recipient === 'late@test.example' && o.kind === 'account'));
    const missing = await cli(['notify', 'run', '--db', srv.db, '--smtp', sink.url, '--mail-from', FROM, '--smtp-credentials', join(srv.dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--smtp-credentials/);
  });
});
