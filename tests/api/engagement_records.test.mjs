// Incidents (filters by kind, country and date range; sources are web addresses; linked
// reports), working groups with members and heritage sites (coordinates validated), the
// engagement items in the calendar and its ICS feed, and the demo database holding every
// kind of engagement record.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { startServer, assertProblem, cliOk, tempDir, launch, createToken } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const I = '/api/v1/incidents';
const WG = '/api/v1/working-groups';

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

let report;
before(async () => {
  report = (await created('/api/v1/reports', { kind: 'human_rights', title: 'Доклад о нарушениях' })).id;
});

describe('incidents', () => {
  let a, b, c;
  test('record incidents with sources and linked reports', async () => {
    a = await created(I, {
      kind: 'journalist_restriction',
      occurred_on: '2016-11-02',
      country: 'LV',
      place: 'Рига',
      description: 'Двум журналистам отказали во въезде.',
      sources: ['https://news.example.org/2016/11/02/a'],
      report_ids: [report],
    });
    b = await created(I, { kind: 'memorial_vandalism', occurred_on: '2017-05-09', country: 'PL', description: 'Памятник облит краской.' });
    c = await created(I, { kind: 'memorial_vandalism', occurred_on: '2017-08-21', country: 'EE', description: 'Разбиты надгробия.' });
    assert.deepEqual(a.sources, ['https://news.example.org/2016/11/02/a']);
    assert.deepEqual(a.report_ids, [report]);
  });

  test('validation: kind, country, future date, sources that are not web addresses, unknown report', async () => {
    assertProblem(await officer('POST', I, { body: { kind: 'riot', occurred_on: '2017-01-01', country: 'ZZ', description: 'x' } }), 422, {
      fields: { kind: /allowed/, country: /ISO 3166/ },
    });
    assertProblem(await officer('POST', I, { body: { kind: 'other', occurred_on: '2999-01-01', country: 'FR', description: 'x', sources: ['ftp://x', 'not a url'] } }), 422, {
      fields: { occurred_on: /future/, sources: /http/ },
    });
    assertProblem(await officer('POST', I, { body: { kind: 'other', occurred_on: '2017-01-01', country: 'FR', description: 'x', report_ids: [987654] } }), 422, {
      fields: { report_ids: /no report/ },
    });
  });

  test('filters: kind, country, date range, linked report', async () => {
    const ids = async (q) => (await officer('GET', `${I}?${q}`)).json.items.map((x) => x.id).sort((x, y) => x - y);
    assert.deepEqual(await ids('kind=memorial_vandalism'), [b.id, c.id]);
    assert.deepEqual(await ids('country=EE'), [c.id]);
    assert.deepEqual(await ids('from=2017-01-01&to=2017-06-30'), [b.id]);
    assert.deepEqual(await ids('kind=memorial_vandalism&from=2017-06-01'), [c.id]);
    assert.deepEqual(await ids(`report_ids=${report}`), [a.id]);
    assertProblem(await officer('GET', `${I}?to=yesterday`), 400, { fields: { to: /date/ } });
    // The linked report cannot go while an incident points at it.
    assertProblem(await officer('DELETE', `/api/v1/reports/${report}`), 409);
  });

  test('incidents are the ministry’s: not shown to ngo users', async () => {
    const r = await srv.api('GET', `${I}/${a.id}`, { token: srv.tokens.ngo });
    assertProblem(r, 403); // the whole collection is refused to the role, whatever the id
  });
});

describe('working groups', () => {
  let wg, person;
  test('a heritage working group with members (organisation from the person)', async () => {
    wg = await created(WG, {
      name: 'Рабочая группа по объектам наследия за рубежом',
      mandate: 'Реестр мемориалов и воинских захоронений',
      established_on: '2015-04-07',
      lead_department: 'Департамент по связям с гражданским обществом',
    });
    assert.match((await officer('GET', `${WG}/${wg.id}`)).headers.get('etag'), /"1"/);
    person = (await created('/api/v1/people', { full_name: 'Фёдор Волков', organisation_id: srv.orgId })).id;
    const m = await created(`${WG}/${wg.id}/members`, { person_id: person, role: 'chair', since: '2015-04-07' });
    assert.equal(m.organisation_id, srv.orgId);
    assertProblem(await officer('POST', `${WG}/${wg.id}/members`, { body: { person_id: person, role: 'member' } }), 409);
    assertProblem(await officer('POST', `${WG}/${wg.id}/members`, { body: { person_id: person, role: 'boss' } }), 422, { fields: { role: /allowed/ } });
    assertProblem(await officer('POST', WG, { body: { name: 'X', established_on: '2999-01-01' } }), 422, { fields: { established_on: /future/ } });
  });

  test('sites: latitude and longitude in range and given together', async () => {
    const S = `${WG}/${wg.id}/sites`;
    const s = await created(S, { name: 'Мемориал в Трептов-парке', kind: 'memorial', place: 'Берлин', country: 'DE', lat: 52.4874, lon: 13.4693, condition: 'good' });
    assert.equal(s.lat, 52.4874);
    assert.equal(s.lon, 13.4693);
    await created(S, { name: 'Кладбище Сент-Женевьев-де-Буа', kind: 'cemetery', country: 'FR', lat: 48.6436, lon: 2.3196, condition: 'fair' });
    await created(S, { name: 'Без координат', kind: 'other', country: 'TR' });
    for (const [body, field] of [
      [{ lat: 90.0001, lon: 0 }, 'lat'],
      [{ lat: -91, lon: 0 }, 'lat'],
      [{ lat: 0, lon: 180.5 }, 'lon'],
      [{ lat: 0, lon: -181 }, 'lon'],
      [{ lat: 'north', lon: 0 }, 'lat'],
      [{ lat: 10 }, 'lon'],
      [{ lon: 10 }, 'lat'],
    ]) {
      assertProblem(await officer('POST', S, { body: { name: 'X', kind: 'memorial', country: 'DE', ...body } }), 422, {
        fields: { [field]: /./ },
      });
    }
    const edge = await created(S, { name: 'Edge', kind: 'memorial', country: 'NZ', lat: -90, lon: 180 });
    assert.equal(edge.lon, 180);
    assertProblem(await officer('PATCH', `${S}/${s.id}`, { body: { lat: null } }), 422, { fields: { lat: /both/ } });
    const r = await officer('GET', `${S}?country=FR`);
    assert.deepEqual(r.json.items.map((x) => x.kind), ['cemetery']);
    const poor = await officer('GET', `${S}?condition=good`);
    assert.equal(poor.json.items.length, 1);
  });
});

describe('calendar', () => {
  test('meetings, delegations, report deadlines and open action items join the calendar and its ICS feed', async () => {
    const m = await created('/api/v1/meetings', { kind: 'annual_ministerial', title: 'Встреча Министра с НКО', starts_at: '2031-12-13T10:00:00Z' });
    await created(`/api/v1/meetings/${m.id}/actions`, { text: 'Подготовить реестр', due_on: '2031-12-20' });
    await created(`/api/v1/meetings/${m.id}/actions`, { text: 'Сделано', due_on: '2031-12-21', done: true });
    await created('/api/v1/delegations', { forum: 'UNGA 86', body: 'UNGA', starts_on: '2031-09-09', ends_on: '2031-12-19' });
    const rep = await created('/api/v1/reports', { kind: 'upr_submission', title: 'UPR 2032', deadline_on: '2031-12-01' });
    const r = await officer('GET', '/api/v1/calendar?from=2031-12-01&to=2031-12-31');
    assert.equal(r.status, 200, r.text);
    const mine = r.json.items.filter((x) => ['meeting', 'delegation', 'report_deadline', 'action_due'].includes(x.kind));
    assert.deepEqual(
      mine.map((x) => [x.date, x.kind, x.record.type]),
      [
        ['2031-09-09', 'delegation', 'delegations'],
        ['2031-12-01', 'report_deadline', 'reports'],
        ['2031-12-13', 'meeting', 'meetings'],
        ['2031-12-20', 'action_due', 'meetings'],
      ],
    );
    assert.equal(mine[1].record.id, rep.id);
    assert.match(mine[1].title, /UPR 2032/);
    assert.equal(mine[3].link, `/api/v1/meetings/${m.id}`);
    assert.equal(new Set(mine.map((x) => x.uid)).size, 4);
    const ics = await officer('GET', '/calendar.ics?from=2031-12-01&to=2031-12-31');
    assert.equal(ics.status, 200, ics.text);
    const unfolded = ics.text.replace(/\r\n[ \t]/g, '');
    assert.match(unfolded, /SUMMARY:Встреча Министра с НКО/);
    assert.match(unfolded, /SUMMARY:Due: Подготовить реестр/);
    assert.doesNotMatch(unfolded, /Сделано/);
  });
});

describe('demo database', () => {
  test('civdesk demo holds every kind of engagement record', async () => {
    const dir = await tempDir();
    const db = join(dir, 'demo.db');
    await cliOk(['demo', '--db', db], { timeoutMs: 120000 });
    const demo = await launch(db, dir);
    try {
      demo.tokens.admin = await createToken(db, 'admin@civdesk.example');
      const count = async (p) => (await demo.api('GET', `${p}${p.includes('?') ? '&' : '?'}count=true&limit=1`)).json.total;
      const annual = (await demo.api('GET', '/api/v1/meetings?kind=annual_ministerial&sort=starts_at&limit=1')).json.items[0];
      assert.match(annual.title, /2016/);
      assert.ok((await count(`/api/v1/meetings/${annual.id}/participants`)) >= 10);
      assert.ok((await count(`/api/v1/meetings/${annual.id}/actions`)) >= 3);
      const transcript = (await demo.api('GET', `/api/v1/documents?meeting_id=${annual.id}&kind=transcript`)).json.items[0];
      assert.deepEqual(Object.keys(transcript.titles).sort(), ['en', 'ru']);
      for (const state of ['received', 'under_review', 'accepted', 'partially_accepted', 'declined', 'implemented'])
        assert.ok((await count(`/api/v1/proposals?state=${state}`)) >= 1, `a proposal ${state}`);
      for (const state of ['draft', 'in_review', 'submitted', 'published', 'withdrawn'])
        assert.ok((await count(`/api/v1/reports?state=${state}`)) >= 1, `a report ${state}`);
      const stats = (await demo.api('GET', '/api/v1/stats/delegations')).json.items;
      const unga71 = stats.find((s) => s.forum === 'UNGA 71');
      assert.equal(unga71.ngos, 23);
      assert.ok((await count('/api/v1/incidents')) >= 3);
      const wg = (await demo.api('GET', '/api/v1/working-groups')).json.items[0];
      assert.match(wg.name, /heritage/i);
      assert.ok((await count(`/api/v1/working-groups/${wg.id}/sites`)) >= 5);
      assert.ok((await count(`/api/v1/working-groups/${wg.id}/members`)) >= 3);
      // The public sees the published transcript in both languages.
      const pub = await demo.api('GET', `/api/v1/documents/${transcript.id}/translations?lang=ru`, { token: null });
      assert.equal(pub.status, 200, pub.text);
      assert.match(pub.json.items[0].body, /Министр/);
    } finally {
      await demo.stop({ keepDir: true });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
