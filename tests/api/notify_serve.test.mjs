// `civdesk serve` without --smtp still runs the daily reminder pass: the in-app notices
// appear without a mail server, and the messages wait, queued and untried, in the outbox
// until a sender with --smtp (serve or notify run) delivers them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, launch, cliOk } from './lib/server.mjs';
import { smtpSink } from './lib/smtp.mjs';

const srv = await startServer({ ngo: true });
const sink = await smtpSink();
let later = null;
after(async () => {
  if (later) await later.stop({ keepDir: true });
  await srv.stop();
  await sink.remove();
});

test('serve without --smtp: the reminder pass runs, the mail waits for a mail server', async () => {
  const r = await srv.api('POST', '/api/v1/accreditations', {
    token: srv.tokens.officer,
    body: { organisation_id: srv.orgId, body: 'ECOSOC', status: 'special', granted_on: '2023-03-01' },
  });
  assert.equal(r.status, 201, r.text);
  const acc = r.json.id;
  assert.equal(r.json.report_due_on, '2027-06-01');
  await srv.stop({ keepDir: true });

  // The same database served on 2 May 2027, thirty days before the report is due.
  const day = '2027-05-02';
  const offset = String(Math.round(Date.parse(`${day}T12:00:00Z`) / 1000 - Date.now() / 1000));
  const env = { CIVDESK_TEST_CLOCK_OFFSET: offset, CIVDESK_NOTIFY_INTERVAL: '1' };
  const tokenOf = async (email) => (await cliOk(['token', 'create', '--db', srv.db, '--email', email], { env })).stdout.trim();
  const ngoTok = await tokenOf('ngo@test.example');
  const adminTok = await tokenOf('admin@test.example');
  later = await launch(srv.db, srv.dir, 2, { env });
  let mine = [];
  for (const end = Date.now() + 10000; Date.now() < end && mine.length === 0; await sleep(100)) {
    const list = await later.api('GET', '/api/v1/notifications', { token: ngoTok });
    assert.equal(list.status, 200, list.text);
    mine = list.json.items.filter((n) => n.kind === 'report_due');
  }
  assert.equal(mine.length, 1, 'the reminder is in the app without any mail server');
  assert.equal(mine[0].record.id, acc);
  assert.equal(mine[0].days_before, 30);
  assert.equal(mine[0].due_on, '2027-06-01');

  // Its e-mail is queued and stays untried: serve has no mail server to try.
  await sleep(2500);
  const out = await later.api('GET', '/api/v1/outbox?state=queued', { token: adminTok });
  assert.equal(out.status, 200, out.text);
  const msg = out.json.items.find((o) => o.recipient === 'ngo@test.example' && o.kind === 'report_due');
  assert.ok(msg, out.text);
  assert.equal(msg.attempts, 0);
  assert.equal(msg.last_error, null);

  // A sender with a mail server delivers what waited; the pass itself creates nothing new.
  const run = await cliOk(['notify', 'run', '--db', srv.db, '--today', day, '--smtp', sink.url, '--mail-from', 'civdesk@mfa.example'], { env });
  assert.match(run.stdout, /0 new notifications/);
  const got = (await sink.messages()).filter((m) => m.rcpt_tos[0] === 'ngo@test.example');
  assert.ok(got.some((m) => m.subject.startsWith('Отчёт в ECOSOC')), JSON.stringify(got.map((m) => m.subject)));
});
