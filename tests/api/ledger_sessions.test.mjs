// Issue 14 item 10: Committee sessions as data on input too — an application's
// committee_session and a question's asked_at_session take {"year", "part"} (stored as
// "YYYY regular|resumed", which is still accepted), and a bad one is a 422 naming the field.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const A = '/api/v1/applications';

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

async function reviewedApplication(name) {
  const o = await created('/api/v1/organisations', { name, country: 'RU', founded_on: '2001-01-01' });
  const app = await created(A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special' });
  for (const to of ['filed', 'under_review', 'deferred']) {
    const r = await officer('POST', `${A}/${app.id}/transitions`, { body: { to } });
    assert.equal(r.status, 200, r.text);
  }
  return app;
}

const bad = [
  [{ year: 1945, part: 'regular' }, /1946 to 2100/],
  [{ year: 2101, part: 'resumed' }, /1946 to 2100/],
  [{ year: '2017', part: 'regular' }, /whole number/],
  [{ year: 2017.5, part: 'regular' }, /whole number/],
  [{ part: 'regular' }, /whole number/],
  [{ year: 2017 }, /regular" or "resumed/],
  [{ year: 2017, part: 'winter' }, /regular" or "resumed/],
  [{ year: 2017, part: 'Regular' }, /regular" or "resumed/],
  [{ year: 2017, part: 'regular', month: 1 }, /only "year" and "part"/],
  [{}, /whole number/],
  ['2017 winter', /YYYY regular/],
  ['2101 regular', /YYYY regular/],
  ['1945 resumed', /YYYY regular/],
  [2017, /must be a string/],
  [['2017', 'regular'], /must be a string/],
];

test('an application takes its committee_session as {year, part}, stored and shown as before', async () => {
  const o = await created('/api/v1/organisations', { name: 'Session objects', country: 'RU', founded_on: '2001-01-01' });
  const app = await created(A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special', committee_session: { year: 2017, part: 'resumed' } });
  assert.equal(app.committee_session, '2017 resumed');
  assert.deepEqual(app.session, { year: 2017, part: 'resumed' });
  const p = await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: { year: 2018, part: 'regular' } } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.committee_session, '2018 regular');
  assert.deepEqual(p.json.session, { year: 2018, part: 'regular' });
  // the text form still works, and the filter finds either
  const t = await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: '2019 resumed' } });
  assert.deepEqual(t.json.session, { year: 2019, part: 'resumed' });
  const list = await officer('GET', `${A}?committee_session=${encodeURIComponent('2019 resumed')}`);
  assert.ok(list.json.items.some((x) => x.id === app.id));
  const edge = await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: { year: 1946, part: 'regular' } } });
  assert.equal(edge.json.committee_session, '1946 regular');
  const top = await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: { part: 'resumed', year: 2100 } } });
  assert.equal(top.json.committee_session, '2100 resumed');
  const cleared = await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: null } });
  assert.equal(cleared.json.session, null);
});

test('a bad committee_session is a 422 naming the field, on create and on patch', async () => {
  const o = await created('/api/v1/organisations', { name: 'Bad sessions', country: 'RU', founded_on: '2001-01-01' });
  const app = await created(A, { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special' });
  for (const [v, re] of bad) {
    assertProblem(await officer('POST', A, { body: { organisation_id: o.id, body: 'ECOSOC', requested_status: 'special', committee_session: v } }),
      422, { fields: { committee_session: re } });
    assertProblem(await officer('PATCH', `${A}/${app.id}`, { body: { committee_session: v } }), 422, { fields: { committee_session: re } });
  }
  assert.equal((await officer('GET', `${A}/${app.id}`)).json.committee_session, null);
});

test('a question takes asked_at_session as {year, part}; a bad one is a 422 naming the field', async () => {
  const app = await reviewedApplication('Question sessions');
  const Q = `${A}/${app.id}/questions`;
  const q = await created(Q, { question: 'Funding?', asked_on: '2016-02-01', asked_at_session: { year: 2016, part: 'regular' } });
  assert.equal(q.asked_at_session, '2016 regular');
  assert.deepEqual(q.session, { year: 2016, part: 'regular' });
  const p = await officer('PATCH', `${Q}/${q.id}`, { body: { asked_at_session: { year: 2016, part: 'resumed' } } });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(p.json.session, { year: 2016, part: 'resumed' });
  const t = await created(Q, { question: 'Members?', asked_at_session: '2017 resumed' });
  assert.deepEqual(t.session, { year: 2017, part: 'resumed' });
  for (const [v, re] of bad) {
    assertProblem(await officer('POST', Q, { body: { question: 'x', asked_at_session: v } }), 422, { fields: { asked_at_session: re } });
    assertProblem(await officer('PATCH', `${Q}/${q.id}`, { body: { asked_at_session: v } }), 422, { fields: { asked_at_session: re } });
  }
  // the closure rule reads the object form like the text: 2016 regular, open → due
  const a = (await officer('GET', `${A}/${app.id}`)).json;
  assert.equal(a.closure_due, true, JSON.stringify(a.warnings));
});
