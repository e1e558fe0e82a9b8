// Event notices, delivered by the sender thread of `civdesk serve --smtp` to a real SMTP
// server (python3-aiosmtpd): an application moved (returned to draft with the note,
// endorsed, deferred), a proposal answered, a report returned for changes, a password
// changed. Each goes to the representatives of the organisation concerned, in the app and
// by e-mail, in their language — and never to another NGO.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, addUser, createToken, assertProblem } from './lib/server.mjs';
import { smtpSink } from './lib/smtp.mjs';

const sink = await smtpSink();
const srv = await startServer({
  ngo: true,
  serve: { args: ['--smtp', sink.url, '--mail-from', 'civdesk@mfa.example'], env: { CIVDESK_NOTIFY_INTERVAL: '1' } },
});
after(async () => {
  await srv.stop();
  await sink.remove();
});
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });

async function created(path, body, who = officer) {
  const r = await who('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}
async function move(path, to, note, who = officer) {
  const r = await who('POST', `${path}/transitions`, { body: note ? { to, note } : { to } });
  assert.equal(r.status, 200, `${to}: ${r.text}`);
  return r.json;
}
// Waits until the sink holds a message to `to` whose subject matches re; returns it.
async function mailTo(to, re, ms = 10000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const m = (await sink.messages()).find((x) => x.rcpt_tos[0] === to && re.test(x.subject));
    if (m) return m;
  }
  assert.fail(`no message to ${to} matching ${re}; got: ${(await sink.messages()).map((x) => `${x.rcpt_tos[0]}: ${x.subject}`).join('\n')}`);
}
const notices = async (who, kind) => (await who('GET', '/api/v1/notifications?limit=100')).json.items.filter((n) => n.kind === kind);

let otherOrg, ngoB;
before(async () => {
  otherOrg = (await created('/api/v1/organisations', { name: 'Other Friends', country: 'FR' })).id;
  await addUser(srv.db, 'ngo-b@test.example', 'ngo', { org: otherOrg });
  ngoB = await createToken(srv.db, 'ngo-b@test.example');
  // The home NGO's representative reads English.
  const r = await ngo('PATCH', '/api/v1/me/preferences', { body: { language: 'en' } });
  assert.equal(r.status, 200, r.text);
});

describe('an application moved', () => {
  test('returned to draft with the note, then endorsed: the NGO hears of each, in its language', async () => {
    const app = await created('/api/v1/applications', { organisation_id: srv.orgId, body: 'ECOSOC', requested_status: 'special' }, ngo);
    await move(`/api/v1/applications/${app.id}`, 'submitted', null, ngo);
    // The NGO's own move is told to the officers, not to the NGO.
    const off = await mailTo('officer@test.example', /направлена в министерство за поддержкой/);
    assert.equal(off.subject, `Заявка №${app.id} в ECOSOC: направлена в министерство за поддержкой`);
    assert.ok((await notices(officer, 'application_moved')).some((n) => n.record.id === app.id));
    await move(`/api/v1/applications/${app.id}`, 'draft', 'Please add the annual report for 2024.');
    const m = await mailTo('ngo@test.example', /returned to draft/);
    assert.equal(m.subject, `Application #${app.id} to ECOSOC: returned to draft`);
    assert.match(m.text, /Please add the annual report for 2024\./);
    assert.match(m.text, new RegExp(`/applications/${app.id}`));
    const inApp = await notices(ngo, 'application_moved');
    assert.equal(inApp.length, 1);
    assert.equal(inApp[0].link, `/applications/${app.id}`);
    await move(`/api/v1/applications/${app.id}`, 'submitted', null, ngo);
    await move(`/api/v1/applications/${app.id}`, 'endorsed');
    await mailTo('ngo@test.example', /endorsed by the ministry/);
    assert.equal((await notices(ngo, 'application_moved')).length, 2);
    // The NGO's own moves (submitting) tell it nothing; the other NGO hears nothing.
    assert.equal((await notices((m2, p) => srv.api(m2, p, { token: ngoB }), 'application_moved')).length, 0);
    assert.ok((await sink.messages()).every((x) => x.rcpt_tos[0] !== 'ngo-b@test.example' || !/Application/.test(x.subject)));
  });
});

describe('proposals and reports', () => {
  test('a joint proposal answered: every organisation named hears of it', async () => {
    const p = await created('/api/v1/proposals', { title: 'Реестр мемориалов', text: 'x', organisation_ids: [srv.orgId, otherOrg] });
    await move(`/api/v1/proposals/${p.id}`, 'under_review');
    const r = await officer('PATCH', `/api/v1/proposals/${p.id}`, { body: { response: 'The register is kept by the embassies.' } });
    assert.equal(r.status, 200, r.text);
    await move(`/api/v1/proposals/${p.id}`, 'partially_accepted');
    const en = await mailTo('ngo@test.example', /proposal was answered/);
    assert.match(en.text, /partially accepted/);
    assert.match(en.text, /The register is kept by the embassies\./);
    const ru = await mailTo('ngo-b@test.example', /Получен ответ на предложение/);
    assert.match(ru.text, /принято частично/);
  });

  test('a report returned for changes tells its organisation only', async () => {
    const r = await created('/api/v1/reports', { kind: 'monitoring', title: 'Monitoring 2026', organisation_ids: [otherOrg] });
    await move(`/api/v1/reports/${r.id}`, 'in_review');
    await move(`/api/v1/reports/${r.id}`, 'draft', 'Sources are missing.');
    const m = await mailTo('ngo-b@test.example', /Отчёт возвращён на доработку/);
    assert.match(m.text, /Sources are missing\./);
    assert.equal((await notices(ngo, 'report_returned')).length, 0);
  });
});

describe('preferences', () => {
  test('defaults: Russian, immediate for an NGO, digests of reminders for officers', async () => {
    const b = await srv.api('GET', '/api/v1/me/preferences', { token: ngoB });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.language, 'ru');
    assert.equal(b.json.kinds.report_due, 'immediate');
    assert.deepEqual(b.json.mandatory, ['account']);
    const o = await officer('GET', '/api/v1/me/preferences');
    assert.equal(o.json.kinds.report_due, 'digest');
    assert.equal(o.json.kinds.application_moved, 'immediate');
  });

  test('bad preferences are a 422 naming each field, and change nothing', async () => {
    const before1 = await ngo('GET', '/api/v1/me/preferences');
    const r = await ngo('PATCH', '/api/v1/me/preferences', {
      body: { language: 'de', kinds: { account: 'off', report_due: 'weekly', gossip: 'off' }, colour: 'red' },
    });
    assert.equal(r.status, 422, r.text);
    const fields = Object.fromEntries(r.json.errors.map((e) => [e.field, e.message]));
    assert.match(fields.language, /ru or en/);
    assert.match(fields['kinds.account'], /cannot be turned off/);
    assert.match(fields['kinds.report_due'], /immediate, digest or off/);
    assert.match(fields['kinds.gossip'], /not a kind/);
    assert.match(fields.colour, /not a preference/);
    assert.deepEqual((await ngo('GET', '/api/v1/me/preferences')).json, before1.json);
    assert.equal((await ngo('PATCH', '/api/v1/me/preferences', { rawBody: '{', headers: { 'content-type': 'application/json' } })).status, 400);
  });

  test('a kind turned off still shows in the app but sends no e-mail', async () => {
    const r = await ngo('PATCH', '/api/v1/me/preferences', { body: { kinds: { application_moved: 'off' } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.kinds.application_moved, 'off');
    const app = await created('/api/v1/applications', { organisation_id: srv.orgId, body: 'UNESCO', requested_status: 'consultative' }, ngo);
    await move(`/api/v1/applications/${app.id}`, 'submitted', null, ngo);
    await move(`/api/v1/applications/${app.id}`, 'endorsed');
    const inApp = (await notices(ngo, 'application_moved')).find((n) => n.record.id === app.id);
    assert.ok(inApp);
    assert.equal(inApp.mail, 'off');
    await sleep(2500); // two rounds of the sender
    assert.ok((await sink.messages()).every((m) => !m.subject.includes(`#${app.id} `)));
    const back = await ngo('PATCH', '/api/v1/me/preferences', { body: { kinds: { application_moved: null } } });
    assert.equal(back.json.kinds.application_moved, 'immediate');
  });
});

describe('calendar subscription', () => {
  test('a secret URL a calendar app polls without a cookie, showing only what its owner may see; revocable', async () => {
    // Granted so that the first report (1 June, four years after the year of grant) falls
    // within the feed's coming year: this 1 June if it is still ahead, else next year's.
    const now = new Date();
    const dueYear = now < new Date(Date.UTC(now.getUTCFullYear(), 5, 1)) ? now.getUTCFullYear() : now.getUTCFullYear() + 1;
    const granted = `${dueYear - 4}-07-25`;
    const mine = await created('/api/v1/accreditations', { organisation_id: srv.orgId, body: 'ECOSOC', status: 'special', granted_on: granted });
    const theirs = await created('/api/v1/accreditations', { organisation_id: otherOrg, body: 'ECOSOC', status: 'general', granted_on: granted });
    const k = await ngo('POST', '/api/v1/me/calendar');
    assert.equal(k.status, 201, k.text);
    assert.match(k.json.url, /^\/calendar\/feed\.ics\?key=cdc_[0-9a-f]{64}$/);
    assert.equal((await ngo('GET', '/api/v1/me/preferences')).json.calendar_subscribed, true);
    const feed = await srv.api('GET', k.json.url, { token: null });
    assert.equal(feed.status, 200, feed.text);
    assert.match(feed.headers.get('content-type'), /^text\/calendar/);
    assert.match(feed.text, /BEGIN:VCALENDAR/);
    assert.match(feed.text, new RegExp(`accreditations-${mine.id}-`));
    assert.doesNotMatch(feed.text, new RegExp(`accreditations-${theirs.id}-`));
    // The officer's feed has both.
    const ko = await officer('POST', '/api/v1/me/calendar');
    const of = await srv.api('GET', ko.json.url, { token: null });
    assert.match(of.text, new RegExp(`accreditations-${theirs.id}-`));
    // A new key replaces the old one; revoking ends it.
    const k2 = await ngo('POST', '/api/v1/me/calendar');
    assertProblem(await srv.api('GET', k.json.url, { token: null }), 404);
    assert.equal((await srv.api('GET', k2.json.url, { token: null })).status, 200);
    assert.equal((await ngo('DELETE', '/api/v1/me/calendar')).status, 204);
    assertProblem(await srv.api('GET', k2.json.url, { token: null }), 404);
    assertProblem(await srv.api('GET', '/calendar/feed.ics?key=cdc_nope', { token: null }), 404);
    assertProblem(await srv.api('GET', '/calendar/feed.ics', { token: null }), 400, { fields: { key: /required/ } });
    assertProblem(await srv.api('POST', '/api/v1/me/calendar', { token: null }), 401);
  });
});

// Last: a new password also revokes the owner's API tokens (docs/security.md), which the
// tests above still use.
describe('accounts', () => {
  test('a password changed by an administrator is told to its owner', async () => {
    const users = await srv.api('GET', '/api/v1/users?limit=100');
    const me = users.json.items.find((u) => u.email === 'ngo@test.example');
    const r = await srv.api('PATCH', `/api/v1/users/${me.id}`, { body: { password: 'another horse battery staple 77' } });
    assert.equal(r.status, 200, r.text);
    const m = await mailTo('ngo@test.example', /password was changed/);
    assert.match(m.text, /tell your administrator/);
    assert.equal((await ngo('GET', '/api/v1/me/preferences')).status, 401, 'the old token is revoked');
  });
});
