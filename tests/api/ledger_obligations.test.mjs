// Issue 14: obligations done right — the ECOSOC reporting cycle from the year of grant,
// the migration that recomputes kept due dates, the Committee's real moves (filed without
// the ministry's support, rejected at review), reclassification in place with its history,
// and each organisation's list of what it owes.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { rm, readFile, readdir, writeFile } from 'node:fs/promises';
import { startServer, assertProblem, cli, cliOk, tempDir } from './lib/server.mjs';

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

async function org(name, country = 'RU') {
  return created(officer, '/api/v1/organisations', { name, country, founded_on: '2001-01-01' });
}

describe('item 1: the first quadrennial report covers the year of grant', () => {
  test('granted 2013 → 2013–2016, due 2017-06-01; after 2016 → 2017–2020, due 2021-06-01', async () => {
    const o = await org('Cycle from the grant');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    });
    assert.equal(acc.report_due_on, '2017-06-01');
    assert.deepEqual(acc.report_period, [2013, 2016]);
    const r = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { last_report_period_end: 2016 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.report_due_on, '2021-06-01');
    assert.deepEqual(r.json.report_period, [2017, 2020]);
  });

  test('the kept due date (SQL twin) agrees: overdue on 2 June 2017 and the calendar of 2017', async () => {
    const o = await org('Calendar twin');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'general', granted_on: '2013-03-01',
    });
    const cal = await officer('GET', '/api/v1/calendar?from=2017-05-01&to=2017-06-30');
    assert.equal(cal.status, 200, cal.text);
    const mine = cal.json.items.filter((i) => i.kind === 'report_due' && i.record.id === acc.id);
    assert.equal(mine.length, 1, cal.text);
    assert.equal(mine[0].date, '2017-06-01');
    const over = await officer('GET', `/api/v1/accreditations?overdue=true&organisation_id=${o.id}`);
    assert.deepEqual(over.json.items.map((a) => a.id), [acc.id]);
  });
});

describe('migration 0009 recomputes every kept due date', () => {
  const sqlite = promisify(execFile);
  let dir;
  before(async () => { dir = await tempDir(); });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a database at schema 8 with the old (year-late) dates is corrected by init', async () => {
    const db = join(dir, 'old.db');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // A database at schema 8 as civdesk of that time made it: migrations 0001–0008 only,
    // whose triggers keep 0007's year-late due date.
    const migrations = new URL('../../migrations/', import.meta.url);
    const files = (await readdir(migrations)).filter((f) => f.endsWith('.sql')).sort().slice(0, 8);
    let schema8 = '';
    for (const f of files) schema8 += (await readFile(new URL(f, migrations), 'utf8')) + '\n';
    // The sqlite3 shell has no civdesk tokenizer; the search index is civdesk's to rebuild.
    schema8 = schema8.replace("tokenize='civdesk'", "tokenize='unicode61'");
    const schemaFile = join(dir, 'schema8.sql');
    await writeFile(schemaFile, `${schema8}\nPRAGMA user_version = 8;\n`);
    await sqlite('sqlite3', [db, `.read ${schemaFile}`]);
    await sqlite('sqlite3', [db, `
      INSERT INTO organisations (id, name, country, created_at, updated_at) VALUES (900, 'Old', 'RU', '${now}', '${now}');
      INSERT INTO accreditations (id, organisation_id, body, status, granted_on, state, created_at, updated_at)
        VALUES (901, 900, 'ECOSOC', 'special', '2013-07-25', 'active', '${now}', '${now}');
      UPDATE bodies SET rules_source = 'resolution 1996/31; decision 2008/4 (suspension)' WHERE code = 'ECOSOC';`]);
    const old = await sqlite('sqlite3', [db, 'SELECT report_due FROM accreditations WHERE id = 901;']);
    assert.equal(old.stdout.trim(), '2018-06-01', 'schema 8 kept the year-late date');
    await cliOk(['init', '--db', db]);
    const { stdout } = await sqlite('sqlite3', [db,
      "SELECT report_due FROM accreditations WHERE id = 901; SELECT rules_source FROM bodies WHERE code = 'ECOSOC'; PRAGMA user_version;"]);
    const [due, source] = stdout.trim().split('\n');
    assert.equal(due, '2017-06-01');
    assert.match(source, /resolution 2008\/4/);
    assert.doesNotMatch(source, /decision 2008\/4/);
  });
});

describe('item 7: resolution 2008/4', () => {
  test('the ECOSOC rules cite resolution 2008/4, never decision 2008/4', async () => {
    const r = await officer('GET', '/api/v1/bodies?code=ECOSOC');
    assert.match(r.json.items[0].rules_source, /resolution 2008\/4/);
    assert.doesNotMatch(r.json.items[0].rules_source, /decision 2008\/4/);
  });
});

describe('items 3 and 4: filed without the ministry, rejected at review', () => {
  test('filed straight from a draft: not supported; the officer records support given later', async () => {
    const o = await org('Direct applicant');
    const app = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special' });
    assert.equal(app.ministry_supported, false);
    const filed = await moveTo(officer, app.id, 'filed');
    assert.equal(filed.filed_on, today());
    assert.equal(filed.ministry_supported, false);
    const r = await officer('PATCH', `${A}/${app.id}`, { body: { ministry_supported: true } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ministry_supported, true);
    const list = await officer('GET', `${A}?ministry_supported=true&organisation_id=${o.id}`);
    assert.deepEqual(list.json.items.map((a) => a.id), [app.id]);
  });

  test('filed from submitted without waiting for support', async () => {
    const app = await created(ngo, A, { body: 'ECOSOC', requested_status: 'special' });
    await moveTo(ngo, app.id, 'submitted');
    const filed = await moveTo(officer, app.id, 'filed');
    assert.equal(filed.state, 'filed');
    assert.equal(filed.ministry_supported, false);
    await moveTo(officer, app.id, 'withdrawn');
  });

  test('an NGO cannot claim the ministry supported its application', async () => {
    const app = await created(ngo, A, { body: 'ECOSOC', requested_status: 'general' });
    const r = await ngo('PATCH', `${A}/${app.id}`, { body: { ministry_supported: true } });
    assertProblem(r, 422, { fields: { ministry_supported: /ministry/ } });
    const again = await ngo('GET', `${A}/${app.id}`);
    assert.equal(again.json.ministry_supported, false);
    const c = await ngo('POST', A, { body: { body: 'ECOSOC', requested_status: 'general', ministry_supported: true } });
    assertProblem(c, 422, { fields: { ministry_supported: /ministry/ } });
  });

  for (const via of [[], ['deferred'], ['recommended']]) {
    test(`rejected from ${via[0] ?? 'under_review'}`, async () => {
      const o = await org(`Voted down ${via.join('') || 'at review'}`);
      const app = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special' });
      for (const s of ['filed', 'under_review', ...via]) await moveTo(officer, app.id, s);
      const done = await moveTo(officer, app.id, 'rejected', 'Committee vote 2017');
      assert.equal(done.state, 'rejected');
      assert.equal(done.decided_on, today());
      const acc = await officer('GET', `/api/v1/accreditations?organisation_id=${o.id}`);
      assert.equal(acc.json.items.length, 0);
    });
  }
});

describe('item 2: reclassification granted in place', () => {
  test('special status that has reported, asks for general: granted in place with its history', async () => {
    const o = await org('Reclassified');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
      last_report_period_end: 2016,
    });
    const app = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'general' });
    for (const s of ['filed', 'under_review', 'recommended']) await moveTo(officer, app.id, s);
    const done = await moveTo(officer, app.id, 'granted');
    assert.equal(done.state, 'granted');

    const list = await officer('GET', `/api/v1/accreditations?organisation_id=${o.id}`);
    assert.deepEqual(list.json.items.map((a) => a.id), [acc.id], 'one accreditation per organisation and body');
    const r = await officer('GET', `/api/v1/accreditations/${acc.id}`);
    assert.equal(r.json.status, 'general');
    assert.equal(r.json.state, 'active');
    assert.equal(r.json.granted_on, today());
    assert.equal(r.json.application_id, app.id);
    assert.equal(r.json.last_report_period_end, 2016, 'the report made is kept');
    // the cycle of the new status begins in the year of reclassification
    assert.equal(r.json.report_due_on, `${year() + 4}-06-01`);
    assert.deepEqual(r.json.report_period, [year(), year() + 3]);
    assert.deepEqual(r.json.status_history, [{ from: 'special', to: 'general', on: today(), application_id: app.id }]);
    assert.equal(r.json.version, acc.version + 1);

    // through the normal update path: audited as an update of the accreditation
    const audit = await srv.api('GET', `/api/v1/audit?resource=accreditations&record_id=${acc.id}&limit=50`);
    assert.equal(audit.status, 200, audit.text);
    const upd = audit.json.items.filter((e) => e.action === 'update');
    assert.equal(upd.length, 1, audit.text);
    assert.equal(upd[0].before.status, 'special');
    assert.equal(upd[0].after.status, 'general');
  });

  test('a first grant starts the history; an NGO reads its own', async () => {
    const app = await created(ngo, A, { body: 'ECOSOC', requested_status: 'roster' });
    await moveTo(ngo, app.id, 'submitted');
    for (const s of ['filed', 'under_review', 'recommended', 'granted']) await moveTo(officer, app.id, s);
    const list = await ngo('GET', `/api/v1/accreditations?organisation_id=${srv.orgId}&body=ECOSOC`);
    const acc = list.json.items[0];
    const r = await ngo('GET', `/api/v1/accreditations/${acc.id}`);
    assert.deepEqual(r.json.status_history, [{ from: null, to: 'roster', on: today(), application_id: app.id }]);
    assert.equal(r.json.report_due_on, null, 'roster reports nothing');
  });
});

describe('item 12: each organisation\'s obligations in one list', () => {
  let o, acc, app, draft, rep;
  const next = (y, md) => (today() < `${y}-${md}` ? `${y}-${md}` : `${y + 1}-${md}`);

  before(async () => {
    o = await org('Owes things');
    acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    });
    app = await created(officer, A, { organisation_id: o.id, body: 'UNESCO', requested_status: 'consultative' });
    for (const s of ['filed', 'under_review', 'deferred']) await moveTo(officer, app.id, s);
    await created(officer, `${A}/${app.id}/questions`, { question: 'Your funding?' });
    await created(officer, `${A}/${app.id}/questions`, { question: 'Your members?' });
    draft = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'general' });
    rep = await created(officer, '/api/v1/reports', {
      kind: 'human_rights', title: 'Written statement on heritage', organisation_ids: [o.id],
      target_body: 'UNHRC', deadline_on: `${year() + 1}-02-01`,
    });
  });

  test('officer: report overdue, suspension and withdrawal expected, questions, filing deadline, statement', async () => {
    const r = await officer('GET', `/api/v1/organisations/${o.id}/obligations`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.organisation_id, o.id);
    const by = Object.fromEntries(r.json.items.map((i) => [i.kind, i]));
    assert.deepEqual(Object.keys(by).sort(), ['filing_deadline', 'questions_to_answer', 'report_due',
      'statement_due', 'suspension_expected', 'withdrawal_expected']);
    assert.deepEqual(by.report_due, {
      kind: 'report_due', due_on: '2017-06-01', overdue: true, body: 'ECOSOC',
      text: 'The report to ECOSOC for 2013–2016 was due on 2017-06-01 and is overdue.', detail: '2013–2016',
      record: { type: 'accreditations', id: acc.id }, link: `/api/v1/accreditations/${acc.id}`,
    });
    assert.equal(by.suspension_expected.due_on, '2017-07-01');
    assert.equal(by.withdrawal_expected.due_on, '2018-07-01');
    assert.equal(by.questions_to_answer.record.id, app.id);
    assert.equal(by.questions_to_answer.body, 'UNESCO');
    assert.match(by.questions_to_answer.text, /: 2\.$/);
    assert.equal(by.questions_to_answer.detail, '2'); // what the sentence names, for a UI to say it
    assert.equal(by.questions_to_answer.overdue, false);
    assert.ok([next(year(), '01-15'), next(year(), '05-01')].includes(by.questions_to_answer.due_on), by.questions_to_answer.due_on);
    assert.equal(by.filing_deadline.due_on, next(year(), '06-01').replace(/^(\d+)-06-01$/, (m) => m));
    assert.equal(by.filing_deadline.link, `/api/v1/applications/${draft.id}`);
    assert.equal(by.statement_due.due_on, `${year() + 1}-02-01`);
    assert.equal(by.statement_due.link, `/api/v1/reports/${rep.id}`);
    assert.match(by.statement_due.text, /Written statement on heritage/);
    // ordered by date, overdue first
    const dates = r.json.items.map((i) => i.due_on);
    assert.deepEqual(dates, [...dates].sort());
  });

  test('in Russian through Accept-Language, and ?lang= wins', async () => {
    const r = await officer('GET', `/api/v1/organisations/${o.id}/obligations`, { headers: { 'Accept-Language': 'ru-RU,ru;q=0.9,en;q=0.8' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.lang, 'ru');
    const rd = r.json.items.find((i) => i.kind === 'report_due');
    assert.equal(rd.text, 'Доклад в ECOSOC за 2013–2016 нужно было представить до 2017-06-01; срок пропущен.');
    const en = await officer('GET', `/api/v1/organisations/${o.id}/obligations?lang=en`, { headers: { 'Accept-Language': 'ru' } });
    assert.equal(en.json.lang, 'en');
    const ru = await officer('GET', `/api/v1/organisations/${o.id}/obligations?lang=ru`);
    assert.equal(ru.json.lang, 'ru');
    assertProblem(await officer('GET', `/api/v1/organisations/${o.id}/obligations?lang=de`), 400, { fields: { lang: /en or ru/ } });
    assertProblem(await officer('GET', `/api/v1/organisations/${o.id}/obligations?colour=red`), 400, { fields: { colour: /not a parameter/ } });
  });

  test('the report arrives: the report item moves on and the sanctions go', async () => {
    const r = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { last_report_period_end: year() - 1 } });
    assert.equal(r.status, 200, r.text);
    const l = await officer('GET', `/api/v1/organisations/${o.id}/obligations`);
    const kinds = l.json.items.map((i) => i.kind);
    assert.ok(!kinds.includes('suspension_expected') && !kinds.includes('withdrawal_expected'), l.text);
    const rd = l.json.items.find((i) => i.kind === 'report_due');
    assert.equal(rd.due_on, `${year() + 4}-06-01`);
    assert.equal(rd.overdue, false);
  });

  test('an NGO sees its own list; another organisation\'s is a 404; anonymous 401; unknown 404', async () => {
    const mine = await ngo('GET', `/api/v1/organisations/${srv.orgId}/obligations`);
    assert.equal(mine.status, 200, mine.text);
    assertProblem(await ngo('GET', `/api/v1/organisations/${o.id}/obligations`), 404);
    assertProblem(await srv.api('GET', `/api/v1/organisations/${o.id}/obligations`, { token: null }), 401);
    assertProblem(await officer('GET', '/api/v1/organisations/999999/obligations'), 404);
  });
});

describe('item 9: the sanctions cycle', () => {
  test('missed report → report_overdue, suspension expected in July; suspended; reinstated when the report comes', async () => {
    const o = await org('Sanctioned');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    });
    assert.equal(acc.standing, 'report_overdue');
    assert.equal(acc.suspension_expected_on, '2017-07-01');
    assert.equal(acc.withdrawal_expected_on, '2018-07-01');
    assert.equal(acc.may_reapply_on, null);
    const s = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { state: 'suspended' } });
    assert.equal(s.json.standing, 'suspended');
    assert.equal(s.json.suspension_expected_on, null);
    assert.equal(s.json.withdrawal_expected_on, '2018-07-01');
    // a report that still leaves one missed does not reinstate
    const partial = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { last_report_period_end: 2016 } });
    assert.equal(partial.json.state, 'suspended');
    const back = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { last_report_period_end: year() - 1 } });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.json.state, 'active', 'reinstated');
    assert.equal(back.json.standing, 'good');
    assert.equal(back.json.withdrawal_expected_on, null);
  });

  test('good standing with nothing missed; roster owes nothing', async () => {
    const o = await org('In good standing');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'roster', granted_on: '2013-07-25',
    });
    assert.equal(acc.standing, 'good');
    assert.equal(acc.suspension_expected_on, null);
  });

  test('withdrawn → may_reapply_on three years on, and an earlier application is warned', async () => {
    const o = await org('Withdrawn once');
    const g = year() - 6; // due g+4, suspended g+4, withdrawn g+5, may apply from g+8
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: `${g}-03-01`, state: 'withdrawn',
    });
    assert.equal(acc.standing, 'withdrawn');
    assert.equal(acc.may_reapply_on, `${g + 8}-07-01`);
    const app = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special' });
    assert.ok(app.warnings.some((w) => w.includes(`may apply again from ${g + 8}-07-01`)), JSON.stringify(app.warnings));
    const other = await created(officer, A, { organisation_id: o.id, body: 'UNESCO', requested_status: 'consultative' });
    assert.ok(!other.warnings.some((w) => w.includes('may apply again')), 'another body is not barred');
  });
});

describe('item 5: UNESCO', () => {
  test('consultative status may be requested at any time: no deadline; associate has 30 November', async () => {
    const o = await org('Heritage friends');
    const cons = await created(officer, A, { organisation_id: o.id, body: 'UNESCO', requested_status: 'consultative' });
    assert.equal(cons.filing_deadline, null);
    assert.equal(cons.considered_in, null);
    const assoc = await created(officer, A, { organisation_id: o.id, body: 'UNESCO', requested_status: 'associate' });
    assert.match(assoc.filing_deadline, /^\d{4}-11-30$/);
    const list = await officer('GET', `/api/v1/organisations/${o.id}/obligations`);
    const deadlines = list.json.items.filter((i) => i.kind === 'filing_deadline').map((i) => i.record.id);
    assert.deepEqual(deadlines, [assoc.id]);
    const cal = await officer('GET', '/api/v1/calendar');
    const apps = cal.json.items.filter((i) => i.kind === 'filing_deadline' && i.record.type === 'applications').map((i) => i.record.id);
    assert.ok(apps.includes(assoc.id) && !apps.includes(cons.id), cal.text);
  });

  test('associate needs two years in consultative status: a warning before filing', async () => {
    const o = await org('Young partner');
    const none = await created(officer, A, { organisation_id: o.id, body: 'UNESCO', requested_status: 'associate' });
    assert.ok(none.warnings.some((w) => /UNESCO associate status needs two years in consultative status: the organisation does not hold it/.test(w)), JSON.stringify(none.warnings));
    const recent = `${year() - 1}-${today().slice(5)}`;
    const acc = await created(officer, '/api/v1/accreditations', { organisation_id: o.id, body: 'UNESCO', status: 'consultative', granted_on: recent });
    const again = await officer('GET', `${A}/${none.id}`);
    assert.ok(again.json.warnings.some((w) => w.includes(`held since ${recent}`)), JSON.stringify(again.json.warnings));
    await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { granted_on: `${year() - 2}-01-01` } });
    const ok = await officer('GET', `${A}/${none.id}`);
    assert.ok(!ok.json.warnings.some((w) => w.includes('needs two years')), JSON.stringify(ok.json.warnings));
  });

  test('a prerequisite naming a status the body does not grant is a 422', async () => {
    const b = (await srv.api('GET', '/api/v1/bodies?code=UNESCO')).json.items[0];
    assert.deepEqual(b.filing_deadline_statuses, ['associate']);
    assert.deepEqual(b.status_prerequisites, ['associate:consultative:2']);
    const r = await srv.api('PATCH', `/api/v1/bodies/${b.id}`, { body: { status_prerequisites: ['associate:member:2'] } });
    assertProblem(r, 422, { fields: { status_prerequisites: /does not grant/ } });
    const r2 = await srv.api('PATCH', `/api/v1/bodies/${b.id}`, { body: { status_prerequisites: ['associate'] } });
    assertProblem(r2, 422, { fields: { status_prerequisites: /status:needed/ } });
  });
});

describe('item 11: settings', () => {
  test('everyone signed in reads; administrators write national_country (ISO 3166-1), audited, versioned', async () => {
    const r = await ngo('GET', '/api/v1/settings');
    assert.equal(r.status, 200, r.text);
    assert.ok('national_country' in r.json);
    const v = r.json.version;
    assertProblem(await officer('PATCH', '/api/v1/settings', { body: { national_country: 'FR' } }), 403);
    assertProblem(await ngo('PATCH', '/api/v1/settings', { body: { national_country: 'FR' } }), 403);
    assertProblem(await srv.api('PATCH', '/api/v1/settings', { body: { national_country: 'XX' } }), 422, { fields: { national_country: /./ } });
    assertProblem(await srv.api('PATCH', '/api/v1/settings', { body: { colour: 'red' } }), 422, { fields: { colour: /./ } });
    const same = await ngo('GET', '/api/v1/settings');
    assert.equal(same.json.version, v, 'a refused write changes nothing');
    const ok = await srv.api('PATCH', '/api/v1/settings', { body: { national_country: 'RU' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.national_country, 'RU');
    assert.equal(ok.json.version, v + 1);
    const stale = await srv.api('PATCH', '/api/v1/settings', { body: { national_country: 'FR' }, headers: { 'If-Match': `"${v}"` } });
    assertProblem(stale, 412);
    assert.equal((await officer('GET', '/api/v1/settings')).json.national_country, 'RU');
    const audit = await srv.api('GET', '/api/v1/audit?resource=settings');
    assert.ok(audit.json.items.some((e) => e.action === 'update' && e.after.national_country === 'RU'), audit.text);
    assert.equal((await srv.api('GET', '/api/v1/settings', { token: null })).status, 401);
    // one record: no second, none deleted
    const post = await srv.api('POST', '/api/v1/settings', { body: { national_country: 'FR' } });
    const del = await srv.api('DELETE', '/api/v1/settings');
    for (const r of [post, del]) {
      assertProblem(r, 405);
      assert.equal(r.headers.get('allow'), 'GET, PATCH, HEAD');
    }
    assert.equal((await srv.api('GET', '/api/v1/settings')).headers.get('etag'), `"${v + 1}"`);
    assert.equal((await officer('GET', '/api/v1/settings')).json.national_country, 'RU');
  });
});

describe('item 13 (API): representation against another country, national country from the setting', () => {
  test('UNESCO: 3 of ours against 62 French with compare=FR; national from the setting', async () => {
    const rows = ['name,country,status'];
    for (let i = 0; i < 3; i++) rows.push(`Ours ${i},RU,consultative`);
    for (let i = 0; i < 62; i++) rows.push(`Leur ${i},FR,${i < 10 ? 'associate' : 'consultative'}`);
    for (let i = 0; i < 20; i++) rows.push(`Other ${i},DE,consultative`);
    const file = join(srv.dir, 'unesco.csv');
    await writeFile(file, rows.join('\n') + '\n');
    await cliOk(['import', 'listing', '--body', 'UNESCO', '--as-of', '2017-03-01', file, '--db', srv.db]);
    await srv.api('PATCH', '/api/v1/settings', { body: { national_country: 'RU' } });
    const r = await officer('GET', '/api/v1/stats/representation?body=UNESCO&compare=FR');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.national_country, 'RU');
    assert.equal(r.json.national.country, 'RU');
    assert.equal(r.json.national.count, 3);
    assert.equal(r.json.compare.country, 'FR');
    assert.equal(r.json.compare.count, 62);
    assert.equal(r.json.compare.rank, 1);
    const none = await officer('GET', '/api/v1/stats/representation?body=UNESCO&compare=JP');
    assert.equal(none.json.compare.count, 0);
    assert.equal(none.json.compare.rank, null);
    const plain = await officer('GET', '/api/v1/stats/representation?body=UNESCO');
    assert.equal(plain.json.compare, null);
    assertProblem(await officer('GET', '/api/v1/stats/representation?body=UNESCO&compare=France'), 400, { fields: { compare: /ISO 3166/ } });
  });
});

describe('item 13 (demo): listings true to the speech of 17 March 2017, national country RU', () => {
  const sqlite = promisify(execFile);
  let dir;
  before(async () => { dir = await tempDir(); });
  after(() => rm(dir, { recursive: true, force: true }));

  test('ECOSOC 4,507 with 64 RU on or before 2017-03-17, nothing earlier; UNESCO 3 RU against over 60 FR', async () => {
    const db = join(dir, 'demo.db');
    await cliOk(['demo', '--db', db], { timeoutMs: 120000 });
    const q = async (sql) => (await sqlite('sqlite3', [db, sql])).stdout.trim();
    assert.equal(await q("SELECT group_concat(DISTINCT as_of) FROM listings WHERE body = 'ECOSOC'"), '2017-03-01');
    assert.equal(await q("SELECT count(*) FROM listings WHERE body = 'ECOSOC'"), '4507');
    assert.equal(await q("SELECT count(*) FROM listings WHERE body = 'ECOSOC' AND country = 'RU'"), '64');
    assert.equal(await q("SELECT count(*) FROM listings WHERE as_of > '2017-03-17'"), '0');
    assert.equal(await q("SELECT count(*) FROM listings WHERE body = 'UNESCO' AND country = 'RU'"), '3');
    assert.ok(Number(await q("SELECT count(*) FROM listings WHERE body = 'UNESCO' AND country = 'FR'")) > 60);
    assert.equal(await q('SELECT national_country FROM settings'), 'RU');
  });
});

describe('item 8: the quadrennial report as a record', () => {
  test('recorded as submitted, it moves the next period and due date; an earlier one moves nothing', async () => {
    const o = await org('Reports as records');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    });
    assert.equal(acc.report_due_on, '2017-06-01');
    const P = `/api/v1/accreditations/${acc.id}/reports`;
    const rep = await created(officer, P, { period_start: 2013, period_end: 2016, submitted_on: '2017-05-20' });
    assert.equal(rep.outcome, 'pending');
    assert.equal(rep.accreditation_id, acc.id);
    let a = (await officer('GET', `/api/v1/accreditations/${acc.id}`)).json;
    assert.equal(a.last_report_period_end, 2016);
    assert.equal(a.report_due_on, '2021-06-01');
    assert.deepEqual(a.report_period, [2017, 2020]);
    const noted = await officer('PATCH', `${P}/${rep.id}`, { body: { outcome: 'taken_note' } });
    assert.equal(noted.status, 200, noted.text);
    assert.equal(noted.json.outcome, 'taken_note');
    // a draft (not submitted) moves nothing; submitting it does
    const next = await created(officer, P, { period_start: 2017, period_end: 2020 });
    a = (await officer('GET', `/api/v1/accreditations/${acc.id}`)).json;
    assert.equal(a.last_report_period_end, 2016);
    await officer('PATCH', `${P}/${next.id}`, { body: { submitted_on: '2021-05-01' } });
    a = (await officer('GET', `/api/v1/accreditations/${acc.id}`)).json;
    assert.equal(a.last_report_period_end, 2020);
    assert.equal(a.report_due_on, '2025-06-01');
    await created(officer, P, { period_start: 2009, period_end: 2012, submitted_on: '2013-01-01' });
    a = (await officer('GET', `/api/v1/accreditations/${acc.id}`)).json;
    assert.equal(a.last_report_period_end, 2020, 'an earlier period does not move it back');
    const list = await officer('GET', P);
    assert.equal(list.json.items.length, 3);
  });

  test('bad input is a 422 naming the field, and changes nothing; roster does not report; NGO reads its own', async () => {
    const o = await org('Bad reports');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    });
    const P = `/api/v1/accreditations/${acc.id}/reports`;
    assertProblem(await officer('POST', P, { body: { period_start: 2016, period_end: 2013 } }), 422, { fields: { period_end: /before/ } });
    assertProblem(await officer('POST', P, { body: { period_start: 2013, period_end: 2016, outcome: 'approved' } }), 422, { fields: { outcome: /./ } });
    assertProblem(await officer('POST', P, { body: { period_start: 2013 } }), 422, { fields: { period_end: /required/ } });
    assert.equal((await officer('GET', P)).json.items.length, 0);
    const ro = await created(officer, '/api/v1/accreditations', {
      organisation_id: (await org('Roster only')).id, body: 'ECOSOC', status: 'roster', granted_on: '2013-07-25',
    });
    assertProblem(await officer('POST', `/api/v1/accreditations/${ro.id}/reports`, { body: { period_start: 2013, period_end: 2016 } }), 422, { fields: { accreditation_id: /does not report/ } });

    const own = (await ngo('GET', `/api/v1/accreditations?organisation_id=${srv.orgId}`)).json.items[0];
    assert.ok(own, 'the NGO has an accreditation from the earlier tests');
    assert.equal((await ngo('GET', `/api/v1/accreditations/${own.id}/reports`)).status, 200);
    assertProblem(await ngo('GET', P), 404);
    const w = await ngo('POST', `/api/v1/accreditations/${own.id}/reports`, { body: { period_start: 2013, period_end: 2016 } });
    assertProblem(w, 403);
  });
});

describe('item 12 (CLI): civdesk obligations --org ID --as-of DATE, the same function', () => {
  test('judged on the date given, in the language asked; bad input is one line naming the option', async () => {
    const o = await org('Owes on a date');
    await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'general', granted_on: '2013-07-25',
    });
    const before = await cliOk(['obligations', '--org', String(o.id), '--as-of', '2017-05-01', '--db', srv.db]);
    assert.equal(before.stdout, '2017-06-01  report_due           The report to ECOSOC for 2013–2016 is due on 2017-06-01.\n');
    const later = await cliOk(['obligations', '--org', String(o.id), '--as-of', '2017-06-02', '--lang', 'ru', '--db', srv.db]);
    const lines = later.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^2017-06-01  report_due +OVERDUE  Доклад в ECOSOC за 2013–2016/);
    assert.match(lines[1], /^2017-07-01  suspension_expected/);
    for (const [args, re] of [[['--org', 'x'], /--org/], [['--org', String(o.id), '--as-of', '2017-02-30'], /--as-of/],
      [['--org', String(o.id), '--lang', 'de'], /--lang/], [['--org', '999999'], /no organisation with id 999999/], [[], /--org is required/]]) {
      const r = await cli(['obligations', ...args, '--db', srv.db]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});

describe('item 10: Committee sessions as data', () => {
  test('an application\'s session as {year, part}; a bad one is a 422 naming the field', async () => {
    const o = await org('Sessions');
    const app = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special', committee_session: '2017 regular' });
    assert.deepEqual(app.session, { year: 2017, part: 'regular' });
    assertProblem(await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: '2017 winter' } }), 422, { fields: { committee_session: /YYYY regular/ } });
    const none = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special' });
    assert.equal(none.session, null);
  });

  test('questions unanswered over two consecutive sessions: closure is due; closed records it', async () => {
    const o = await org('Silent applicant');
    const app = await created(officer, A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special', committee_session: '2016 regular' });
    for (const s of ['filed', 'under_review', 'deferred']) await moveTo(officer, app.id, s);
    const q = await created(officer, `${A}/${app.id}/questions`, { question: 'Funding?' });
    // asked today: the session of today, not yet due for closure
    assert.match(q.asked_at_session, /^\d{4} (regular|resumed)$/);
    assert.deepEqual(q.session, { year: Number(q.asked_at_session.slice(0, 4)), part: q.asked_at_session.slice(5) });
    let a = (await officer('GET', `${A}/${app.id}`)).json;
    assert.equal(a.closure_due, false);
    // a question asked at the 2016 regular session, still open: two sessions have passed
    const old = await created(officer, `${A}/${app.id}/questions`, { question: 'Members?', asked_on: '2016-02-01', asked_at_session: '2016 regular' });
    a = (await officer('GET', `${A}/${app.id}`)).json;
    assert.equal(a.closure_due, true);
    assert.ok(a.warnings.some((w) => /2016 regular session are unanswered after two consecutive sessions/.test(w)), JSON.stringify(a.warnings));
    assertProblem(await officer('POST', `${A}/${app.id}/questions`, { body: { question: 'x', asked_at_session: 'spring' } }), 422, { fields: { asked_at_session: /YYYY regular/ } });
    // answered: no longer due
    await officer('PATCH', `${A}/${app.id}/questions/${old.id}`, { body: { answer: 'Forty members.' } });
    assert.equal((await officer('GET', `${A}/${app.id}`)).json.closure_due, false);
    await officer('PATCH', `${A}/${app.id}/questions/${old.id}`, { body: { answer: null, answered_on: null } });
    const closed = await moveTo(officer, app.id, 'closed', 'No reply over two sessions');
    assert.equal(closed.state, 'closed');
    assert.equal(closed.closure_due, false);
  });
});

describe('item 2: a status an officer changes is kept in the history too', () => {
  test('PATCH status special → general: one history row, today, no application', async () => {
    const o = await org('Corrected status');
    const acc = await created(officer, '/api/v1/accreditations', {
      organisation_id: o.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25',
    });
    assert.deepEqual((await officer('GET', `/api/v1/accreditations/${acc.id}`)).json.status_history, []);
    const r = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { status: 'general' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.status_history, [{ from: 'special', to: 'general', on: today(), application_id: null }]);
    const same = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { notes: 'checked' } });
    assert.equal(same.json.status_history.length, 1, 'no change of status, no row');
    const bad = await officer('PATCH', `/api/v1/accreditations/${acc.id}`, { body: { status: 'observer' } });
    assertProblem(bad, 422, { fields: { status: /one of/ } });
    assert.equal((await officer('GET', `/api/v1/accreditations/${acc.id}`)).json.status_history.length, 1);
  });
});
