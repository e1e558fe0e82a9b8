// Reminders of every kind of obligation (issue 14's list, docs/domain.md): for an
// organisation with one obligation of each kind, `civdesk notify run --today D` 90, 30, 7
// and 1 days before the due date and the day after gives its representative exactly one
// notice per threshold (and the officer one, for the digest), and the obligations
// endpoint, on a server whose clock reads D, lists the same item with the same due date
// and the same sentence.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, cliOk, sqlShell } from './lib/server.mjs';

// Each kind gets a database of its own, so that no other kind's pass days touch it.
let srv;
const servers = [];
after(() => Promise.all(servers.map((s) => s.stop())));
const admin = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.admin, ...o });
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });

function plus(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const human = (iso) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
};

// The organisation's obligations as a server whose clock reads `date` (noon UTC) lists them.
async function obligationsOn(date) {
  const offset = String(Math.round(Date.parse(`${date}T12:00:00Z`) / 1000 - Date.now() / 1000));
  const env = { CIVDESK_TEST_CLOCK_OFFSET: offset };
  const token = (await cliOk(['token', 'create', '--db', srv.db, '--email', 'ngo@test.example'], { env })).stdout.trim();
  const s = await launch(srv.db, srv.dir, 2, { env });
  try {
    const r = await s.api('GET', `/api/v1/organisations/${srv.orgId}/obligations?lang=en`, { token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.today, date);
    return r.json.items;
  } finally {
    await s.stop({ keepDir: true });
  }
}

const mine = async (who, kind, id) =>
  (await who('GET', '/api/v1/notifications?limit=200')).json.items.filter(
    (n) => n.kind === kind && n.record.id === id,
  );

const ORG = 'Общество друзей тестов';

// A fresh server whose organisation has the obligation of `kind`; resolves its case
// {kind, type, id, due, afterDue: 'overdue' | the next due date the day after}.
async function setup(kind) {
  srv = await startServer({ ngo: true });
  servers.push(srv);
  const cases = [];
  // The representative reads English, so the notice can be compared with the list's text.
  let r = await ngo('PATCH', '/api/v1/me/preferences', { body: { language: 'en' } });
  assert.equal(r.status, 200, r.text);
  // A body whose decision day is far from its report day, so that the suspension and the
  // withdrawal are expected long enough after the missed report for every threshold.
  r = await admin('POST', '/api/v1/bodies', {
    body: {
      code: 'TESTB', name: 'Test body', statuses: ['member'], national_statuses: ['member'],
      report_interval_years: 4, report_due: '01-15', decision_expected: '12-01',
    },
  });
  assert.equal(r.status, 201, r.text);
  r = await officer('POST', '/api/v1/accreditations', {
    body: { organisation_id: srv.orgId, body: 'TESTB', status: 'member', granted_on: '2022-03-01' },
  });
  assert.equal(r.status, 201, r.text);
  const acc = r.json.id;
  assert.equal(r.json.report_due_on, '2026-01-15');
  cases.push({ kind: 'report_due', type: 'accreditations', id: acc, due: '2026-01-15', afterDue: 'overdue' });
  cases.push({ kind: 'suspension_expected', type: 'accreditations', id: acc, due: '2026-12-01', afterDue: 'overdue' });
  cases.push({ kind: 'withdrawal_expected', type: 'accreditations', id: acc, due: '2027-12-01', afterDue: 'overdue' });

  // A draft application: the filing deadline (1 June); the day after, next year's.
  const A = '/api/v1/applications';
  r = await officer('POST', A, { body: { organisation_id: srv.orgId, body: 'ECOSOC', requested_status: 'special' } });
  assert.equal(r.status, 201, r.text);
  cases.push({ kind: 'filing_deadline', type: 'applications', id: r.json.id, due: '2027-06-01', afterDue: '2028-06-01' });

  // An application under review with a question: answer before the next session
  // (15 January); the day after, the session after it (1 May).
  r = await officer('POST', A, { body: { organisation_id: srv.orgId, body: 'ECOSOC', requested_status: 'general' } });
  assert.equal(r.status, 201, r.text);
  const app = r.json.id;
  for (const to of ['filed', 'under_review']) {
    r = await officer('POST', `${A}/${app}/transitions`, { body: { to } });
    assert.equal(r.status, 200, r.text);
  }
  r = await officer('POST', `${A}/${app}/questions`, { body: { question: 'Sources of funding?' } });
  assert.equal(r.status, 201, r.text);
  cases.push({ kind: 'questions_to_answer', type: 'applications', id: app, due: '2027-01-15', afterDue: '2027-05-01' });

  // A written statement the organisation co-authors, due before a session.
  r = await officer('POST', '/api/v1/reports', {
    body: { kind: 'shadow_report', title: 'Statement on the right to education', organisation_ids: [srv.orgId], target_body: 'UNHRC', deadline_on: '2027-03-10' },
  });
  assert.equal(r.status, 201, r.text);
  cases.push({ kind: 'statement_due', type: 'reports', id: r.json.id, due: '2027-03-10', afterDue: 'overdue' });
  // One officer preference changed: statements due by e-mail at once, not in the digest.
  r = await officer('PATCH', '/api/v1/me/preferences', { body: { kinds: { statement_due: 'immediate' } } });
  assert.equal(r.status, 200, r.text);
  return cases.find((x) => x.kind === kind);
}

const THRESHOLDS = [90, 30, 7, 1, -1];

describe('every kind of obligation is reminded at each threshold, as the list says it', () => {
  // Generated per case, in order; each runs the pass on five days.
  for (const [i, kind] of ['report_due', 'suspension_expected', 'withdrawal_expected', 'filing_deadline', 'questions_to_answer', 'statement_due'].entries()) {
    test(kind, async () => {
      const c = await setup(kind);
      assert.ok(c, `case ${i}`);
      for (const t of THRESHOLDS) {
        const day = plus(c.due, -t);
        const beforeNgo = (await mine(ngo, c.kind, c.id)).length;
        const beforeOff = (await mine(officer, c.kind, c.id)).length;
        await cliOk(['notify', 'run', '--db', srv.db, '--today', day]);
        await cliOk(['notify', 'run', '--db', srv.db, '--today', day]); // a second run: nothing
        const list = await obligationsOn(day);
        const item = list.find((o) => o.kind === c.kind && o.record.id === c.id);
        const got = await mine(ngo, c.kind, c.id);
        const off = await mine(officer, c.kind, c.id);
        if (t < 0 && c.afterDue !== 'overdue') {
          // The day after, the obligation moves on to its next date: nothing to remind yet.
          assert.equal(got.length, beforeNgo, `${kind} on ${day}: nothing new`);
          assert.equal(off.length, beforeOff);
          assert.equal(item?.due_on, c.afterDue, `${kind} on ${day}: the list's next date`);
          continue;
        }
        assert.equal(got.length, beforeNgo + 1, `${kind} on ${day}: one notice to the representative`);
        assert.equal(off.length, beforeOff + 1, `${kind} on ${day}: one notice to the officer`);
        const n = got[0];
        assert.equal(n.due_on, c.due);
        assert.equal(n.days_before, t);
        assert.deepEqual(n.record, { type: c.type, id: c.id });
        assert.equal(n.link, `/${c.type}/${c.id}`);
        assert.equal(n.mail, 'immediate');
        assert.equal(off[0].mail, kind === 'statement_due' ? 'immediate' : 'digest',
          'officers get reminders in their digest, unless they chose otherwise');
        assert.ok(item, `${kind} on ${day}: on the obligations list`);
        assert.equal(item.due_on, n.due_on, 'the same due date');
        assert.equal(item.overdue, t < 0);
        const sentence = item.text.replace(item.due_on, human(item.due_on));
        assert.ok(n.detail.startsWith(`${ORG}: ${sentence}`), `${n.detail}\n  vs ${sentence}`);
      }
      const all = await mine(ngo, kind, c.id);
      assert.equal(new Set(all.map((n) => n.days_before)).size, all.length, 'one per threshold');
    });
  }

  test('each kind can be chosen in the preferences', async () => {
    const r = await ngo('PATCH', '/api/v1/me/preferences', { body: { kinds: { statement_due: 'off', withdrawal_expected: 'digest' } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.kinds.statement_due, 'off');
    const bad = await ngo('PATCH', '/api/v1/me/preferences', { body: { kinds: { statement_overdue: 'off' } } });
    assert.equal(bad.status, 422);
  });

  test('nobody of another organisation hears of them', async () => {
    const r = await officer('POST', '/api/v1/organisations', { body: { name: 'Elsewhere', country: 'FR' } });
    assert.equal(r.status, 201, r.text);
    const { addUser, createToken } = await import('./lib/server.mjs');
    await addUser(srv.db, 'ngo-x@test.example', 'ngo', { org: r.json.id });
    const tok = await createToken(srv.db, 'ngo-x@test.example');
    await cliOk(['notify', 'run', '--db', srv.db, '--today', '2027-03-09']);
    const items = (await srv.api('GET', '/api/v1/notifications?limit=200', { token: tok })).json.items;
    assert.deepEqual(items.filter((n) => n.kind !== 'account'), []);
  });
});

describe('an installed database is not told again', () => {
  test('a report reminder sent under the key of the first reminder pass is not sent again', async () => {
    const s = await startServer({ ngo: true });
    servers.push(s);
    const r = await s.api('POST', '/api/v1/accreditations', {
      token: s.tokens.officer,
      body: { organisation_id: s.orgId, body: 'ECOSOC', status: 'special', granted_on: '2022-07-25' },
    });
    assert.equal(r.status, 201, r.text);
    const acc = r.json.id;
    // The notification the pass before the obligations list wrote 30 days before the due
    // date, under its key report_due:accreditations:<id>:<due>:d30.
    const written = await sqlShell(s.db,
      `INSERT INTO notifications (user_id, kind, key, organisation_id, resource, record_id, due_on, days, title, mail, created_at)
       SELECT id, 'report_due', 'report_due:accreditations:${acc}:2026-06-01:d30', ${s.orgId}, 'accreditations', ${acc}, '2026-06-01', 30, 'old', 'off', '2026-05-02T00:00:00Z'
       FROM users WHERE email = 'ngo@test.example'`);
    assert.equal(written.code, 0, written.err);
    await cliOk(['notify', 'run', '--db', s.db, '--today', '2026-05-05']);
    const ngoItems = (await s.api('GET', '/api/v1/notifications', { token: s.tokens.ngo })).json.items.filter((n) => n.kind === 'report_due');
    assert.deepEqual(ngoItems.map((n) => n.title), ['old'], 'nothing new for the one already told');
    const off = (await s.api('GET', '/api/v1/notifications', { token: s.tokens.officer })).json.items.filter((n) => n.kind === 'report_due');
    assert.equal(off.length, 1, 'the officer, not told before, is');
    assert.equal(off[0].days_before, 30);
  });
});
