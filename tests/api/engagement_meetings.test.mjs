// Meetings with their participants and action items, as a desk officer records the
// minister's yearly meeting: validation, the sub-resources, filters by kind, date range
// and organisation taking part, and who sees what (published meetings are public).
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const M = '/api/v1/meetings';

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

let org, other, person, annual, dept;
before(async () => {
  org = srv.orgId;
  other = (await created('/api/v1/organisations', { name: 'Союз журналистов', country: 'RU' })).id;
  person = (await created('/api/v1/people', { full_name: 'Ольга Смирнова', organisation_id: other })).id;
});

describe('meetings', () => {
  test('create the annual ministerial meeting: 201, times normalised to UTC, agenda kept', async () => {
    const r = await officer('POST', M, {
      body: {
        kind: 'annual_ministerial',
        title: 'Ежегодная встреча Министра с НКО',
        starts_at: '2016-12-13T13:00:00+03:00',
        ends_at: '2016-12-13T16:00:00+03:00',
        location: 'Москва',
        chair: 'Министр иностранных дел',
        department: 'Департамент по связям с гражданским обществом',
        agenda: ['Итоги года', 'Предложения НКО'],
        published: true,
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('location'), /^\/api\/v1\/meetings\/\d+$/);
    annual = r.json;
    assert.equal(annual.starts_at, '2016-12-13T10:00:00Z');
    assert.deepEqual(annual.agenda, ['Итоги года', 'Предложения НКО']);
    dept = await created(M, { kind: 'departmental', title: 'Consultations', starts_at: '2017-03-14T09:00:00Z' });
  });

  test('validation: unknown kind, end before start, missing title, unknown field → 422 naming each', async () => {
    const r = await officer('POST', M, {
      body: { kind: 'party', starts_at: '2017-01-02T10:00:00Z', ends_at: '2017-01-01T10:00:00Z', colour: 'red' },
    });
    assertProblem(r, 422, { fields: { kind: /allowed/, title: /required/, colour: /not a field/ } });
    const r2 = await officer('POST', M, {
      body: { kind: 'other', title: 'x', starts_at: '2017-01-02T10:00:00Z', ends_at: '2017-01-01T10:00:00Z' },
    });
    assertProblem(r2, 422, { fields: { ends_at: /before starts_at/ } });
    assertProblem(await officer('POST', M, { body: { kind: 'other', title: 'x', starts_at: '13.12.2016' } }), 422, {
      fields: { starts_at: /RFC 3339/ },
    });
  });

  test('participants: person (organisation taken from the person), organisation alone, neither → 422, twice → 409', async () => {
    const P = `${M}/${annual.id}/participants`;
    const a = await officer('POST', P, { body: { person_id: person, role: 'speaker', attended: true } });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.organisation_id, other);
    assert.equal(a.json.meeting_id, annual.id);
    assert.match(a.headers.get('location'), new RegExp(`^${P}/\\d+$`));
    const b = await officer('POST', P, { body: { organisation_id: org } });
    assert.equal(b.status, 201, b.text);
    assert.equal(b.json.role, 'participant');
    assert.equal(b.json.attended, false);
    assertProblem(await officer('POST', P, { body: { role: 'observer' } }), 422, { fields: { person_id: /person or the organisation/ } });
    assertProblem(await officer('POST', P, { body: { person_id: person } }), 409);
    assertProblem(await officer('POST', P, { body: { person_id: 999999 } }), 422, { fields: { person_id: /no person/ } });
    const list = await officer('GET', P);
    assert.equal(list.json.items.length, 2);
    const patched = await officer('PATCH', `${P}/${b.json.id}`, { body: { attended: true } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.attended, true);
    assertProblem(await officer('PATCH', `${P}/${b.json.id}`, { body: { meeting_id: dept.id } }), 422, {
      fields: { meeting_id: /cannot be changed/ },
    });
    // A participant of another meeting is not found under this one.
    assertProblem(await officer('GET', `${M}/${dept.id}/participants/${b.json.id}`), 404);
  });

  test('action items: create, list by due date range and done, mark done', async () => {
    const A = `${M}/${annual.id}/actions`;
    const x = await created(A, { text: 'Report in writing on every proposal', owner: 'Department', due_on: '2017-02-01' });
    await created(A, { text: 'Invite NGO experts to UNGA 72', due_on: '2017-06-30' });
    assertProblem(await officer('POST', A, { body: { text: '', due_on: '2017-02-30' } }), 422, {
      fields: { text: /empty|short/, due_on: /date that exists/ },
    });
    let r = await officer('GET', `${A}?from=2017-01-01&to=2017-03-01`);
    assert.deepEqual(r.json.items.map((i) => i.id), [x.id]);
    r = await officer('PATCH', `${A}/${x.id}`, { body: { done: true } });
    assert.equal(r.json.done, true);
    r = await officer('GET', `${A}?done=false`);
    assert.equal(r.json.items.length, 1);
    assert.equal(r.json.items[0].text, 'Invite NGO experts to UNGA 72');
  });

  test('filters: kind, from/to on the start, organisation taking part (direct or through a person)', async () => {
    const ids = async (q) => (await officer('GET', `${M}?${q}`)).json.items.map((m) => m.id).sort();
    assert.deepEqual(await ids('kind=annual_ministerial'), [annual.id]);
    assert.deepEqual(await ids('from=2016-12-13&to=2016-12-13'), [annual.id]);
    assert.deepEqual(await ids('from=2017-01-01'), [dept.id]);
    assert.deepEqual(await ids('to=2016-12-12'), []);
    assert.deepEqual(await ids(`organisation_id=${org}`), [annual.id]);
    assert.deepEqual(await ids(`organisation_id=${other}`), [annual.id]);
    assert.deepEqual(await ids(`person_id=${person}`), [annual.id]);
    assert.deepEqual(await ids(`organisation_id=${other}&kind=departmental`), []);
    assertProblem(await officer('GET', `${M}?from=2016-13-01`), 400, { fields: { from: /date/ } });
    assertProblem(await officer('GET', `${M}?organisation_id=abc`), 400, { fields: { organisation_id: /id/ } });
    assertProblem(await officer('GET', `${M}?chair=x`), 400, { fields: { chair: /not a filter/ } });
  });

  test('published meetings are public; unpublished ones are not found by anonymous or ngo callers', async () => {
    let r = await srv.api('GET', `${M}/${annual.id}`, { token: null });
    assert.equal(r.status, 200, r.text);
    assertProblem(await srv.api('GET', `${M}/${dept.id}`, { token: null }), 404);
    assertProblem(await srv.api('GET', `${M}/${dept.id}`, { token: srv.tokens.ngo }), 404);
    r = await srv.api('GET', M, { token: srv.tokens.ngo });
    assert.deepEqual(r.json.items.map((m) => m.id), [annual.id]);
    // An ngo user may not record meetings.
    const w = await srv.api('POST', M, { token: srv.tokens.ngo, body: { kind: 'other', title: 'x', starts_at: '2017-01-01T00:00:00Z' } });
    assertProblem(w, 403);
  });

  test("a published meeting's participants are public without the ministry's notes on them", async () => {
    const P = `${M}/${annual.id}/participants`;
    const p = await created(P, { organisation_id: other, notes: 'internal: seat away from the press' });
    for (const token of [null, srv.tokens.ngo]) {
      const one = await srv.api('GET', `${P}/${p.id}`, { token });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.json.organisation_id, other);
      assert.equal('notes' in one.json, false);
      const list = await srv.api('GET', P, { token });
      assert.equal(list.status, 200, list.text);
      assert.ok(list.json.items.some((x) => x.id === p.id));
      assert.ok(list.json.items.every((x) => !('notes' in x)));
      const file = await srv.api('GET', `${P}?format=csv`, { token });
      assert.equal(file.status, 200, file.text);
      assert.doesNotMatch(file.text, /seat away/);
    }
    assert.equal((await officer('GET', `${P}/${p.id}`)).json.notes, 'internal: seat away from the press');
    assert.equal((await officer('DELETE', `${P}/${p.id}`, { headers: { 'if-match': `"${p.version}"` } })).status, 204);
  });

  test('a meeting with participants cannot be deleted until they are', async () => {
    assertProblem(await officer('DELETE', `${M}/${annual.id}`), 409);
    const r = await officer('DELETE', `${M}/${dept.id}`);
    assert.equal(r.status, 204);
  });
});
