// Delegations and their members: one person in two delegations with overlapping dates is a
// 409 naming the other delegation (on adding a member and on moving a delegation's dates),
// and GET /api/v1/stats/delegations counts members and distinct NGOs per forum — the
// speech's "23 NGOs at the 71st session".
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, pool } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const D = '/api/v1/delegations';

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

const orgs = [];
const experts = [];
let head, unga71, hrc33, unga72;
before(async () => {
  // 23 national NGOs, each with one expert; and a ministry official without organisation.
  const made = await pool(Array.from({ length: 23 }, (_, i) => i), 4, async (i) => {
    const o = await created('/api/v1/organisations', { name: `Организация ${i + 1}`, country: 'RU' });
    const p = await created('/api/v1/people', { full_name: `Эксперт ${i + 1}`, organisation_id: o.id });
    return [o.id, p.id];
  });
  for (const [o, p] of made) {
    orgs.push(o);
    experts.push(p);
  }
  head = (await created('/api/v1/people', { full_name: 'Глава делегации' })).id;
});

describe('delegations', () => {
  test('create delegations; dates in order; the body must exist', async () => {
    unga71 = await created(D, { forum: 'UNGA 71', body: 'UNGA', starts_on: '2016-09-13', ends_on: '2016-12-23' });
    hrc33 = await created(D, { forum: 'HRC 33', body: 'UNHRC', starts_on: '2016-09-13', ends_on: '2016-09-30' });
    unga72 = await created(D, { forum: 'UNGA 72', body: 'UNGA', starts_on: '2017-09-12', ends_on: '2017-12-22' });
    assertProblem(await officer('POST', D, { body: { forum: 'X', starts_on: '2017-01-02', ends_on: '2017-01-01' } }), 422, {
      fields: { ends_on: /before starts_on/ },
    });
    assertProblem(await officer('POST', D, { body: { forum: 'X', body: 'XYZ', starts_on: '2017-01-01', ends_on: '2017-01-01' } }), 422, {
      fields: { body: /no body/ },
    });
    assertProblem(await officer('POST', D, { body: { starts_on: '2017-01-01' } }), 422, {
      fields: { forum: /required/, ends_on: /required/ },
    });
  });

  test('members: the head and 23 NGO experts, each with the organisation they came from', async () => {
    const M = `${D}/${unga71.id}/members`;
    const h = await created(M, { person_id: head, role: 'head' });
    assert.equal(h.organisation_id, null);
    const added = await pool(experts, 4, (p) => created(M, { person_id: p, role: 'expert' }));
    assert.deepEqual(added.map((m) => m.organisation_id).sort(), [...orgs].sort());
    assertProblem(await officer('POST', M, { body: { person_id: experts[0], role: 'chief' } }), 422, { fields: { role: /allowed/ } });
    assertProblem(await officer('POST', M, { body: { person_id: experts[0], role: 'adviser' } }), 409);
    const list = await officer('GET', `${M}?limit=500&role=expert`);
    assert.equal(list.json.items.length, 23);
  });

  test('a person already in an overlapping delegation: 409 naming it', async () => {
    const r = await officer('POST', `${D}/${hrc33.id}/members`, { body: { person_id: experts[3], role: 'expert' } });
    const p = assertProblem(r, 409, { detail: /UNGA 71/ });
    assert.match(p.detail, new RegExp(`delegation ${unga71.id} "UNGA 71" \\(2016-09-13 to 2016-12-23\\)`));
    assert.match(p.detail, /Эксперт 4/);
    const none = await officer('GET', `${D}/${hrc33.id}/members`);
    assert.deepEqual(none.json.items, []);
    // Next year's session does not overlap.
    const ok = await officer('POST', `${D}/${unga72.id}/members`, { body: { person_id: experts[3], role: 'expert' } });
    assert.equal(ok.status, 201, ok.text);
  });

  test("moving a delegation's dates into an overlap is a 409 too, and changes nothing", async () => {
    const r = await officer('PATCH', `${D}/${unga72.id}`, { body: { starts_on: '2016-12-01' } });
    assertProblem(r, 409, { detail: /UNGA 71/ });
    const same = await officer('GET', `${D}/${unga72.id}`);
    assert.equal(same.json.starts_on, '2017-09-12');
    assert.equal(same.json.version, 1);
    const fine = await officer('PATCH', `${D}/${unga72.id}`, { body: { ends_on: '2017-12-23', notes: 'extended' } });
    assert.equal(fine.status, 200, fine.text);
  });

  test('changing a member to another person is checked the same way', async () => {
    // The head is in UNGA 71, which overlaps HRC 33.
    assertProblem(await officer('POST', `${D}/${hrc33.id}/members`, { body: { person_id: head, role: 'official' } }), 409, {
      detail: /Глава делегации/,
    });
    const free = (await created('/api/v1/people', { full_name: 'Свободный эксперт' })).id;
    const added = await created(`${D}/${hrc33.id}/members`, { person_id: free, role: 'adviser' });
    assertProblem(await officer('PATCH', `${D}/${hrc33.id}/members/${added.id}`, { body: { person_id: experts[5] } }), 409, {
      detail: /UNGA 71/,
    });
  });

  test('filters: forum, body, overlap with a date range, person', async () => {
    const ids = async (q) => (await officer('GET', `${D}?${q}`)).json.items.map((d) => d.id).sort((a, b) => a - b);
    assert.deepEqual(await ids('forum=UNGA%2071'), [unga71.id]);
    assert.deepEqual(await ids('body=UNGA'), [unga71.id, unga72.id]);
    assert.deepEqual(await ids('from=2016-10-01&to=2016-10-31'), [unga71.id]);
    assert.deepEqual(await ids('from=2016-09-30&to=2016-09-30'), [unga71.id, hrc33.id]);
    assert.deepEqual(await ids(`person_id=${experts[3]}`), [unga71.id, unga72.id]);
  });

  test('GET /api/v1/stats/delegations: members and distinct NGOs per forum', async () => {
    const r = await officer('GET', '/api/v1/stats/delegations');
    assert.equal(r.status, 200, r.text);
    const by = Object.fromEntries(r.json.items.map((x) => [x.forum, x]));
    assert.deepEqual(by['UNGA 71'], {
      forum: 'UNGA 71',
      body: 'UNGA',
      starts_on: '2016-09-13',
      ends_on: '2016-12-23',
      delegations: 1,
      members: 24,
      experts: 23,
      ngos: 23,
    });
    assert.equal(by['UNGA 72'].members, 1);
    assert.equal(by['UNGA 72'].ngos, 1);
    assert.equal(by['HRC 33'].ngos, 0);
    assert.equal(r.json.items[0].forum, 'UNGA 72'); // newest first
    const only = await officer('GET', '/api/v1/stats/delegations?body=UNHRC');
    assert.deepEqual(only.json.items.map((x) => x.forum), ['HRC 33']);
    assertProblem(await officer('GET', `/api/v1/stats/delegations?body=${'x'.repeat(40)}`), 400);
    const n = await srv.api('GET', '/api/v1/stats/delegations', { token: srv.tokens.ngo });
    assertProblem(n, 403);
    assertProblem(await srv.api('GET', '/api/v1/stats/delegations', { token: null }), 401);
  });

  test('delegations are not shown to ngo users or anonymous callers', async () => {
    const r = await srv.api('GET', `${D}/${unga71.id}`, { token: srv.tokens.ngo });
    assertProblem(r, 403); // the whole collection is refused to the role, whatever the id
    assertProblem(await srv.api('GET', D, { token: null }), 401);
  });
});
