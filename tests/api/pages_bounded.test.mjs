// No unbounded list (issue 21, target 3): GET /api/v1/tokens, /organisations/{id}/obligations
// and /stats/delegations page by limit and cursor like every other list — each item once,
// in the order of the whole list, no page longer than its limit — and refuse a bad limit,
// a bad cursor or an unknown parameter with problem JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, createToken } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

// Every page of path at this limit, checked; returns the items in page order.
async function pages(path, limit, token) {
  const sep = path.includes('?') ? '&' : '?';
  const items = [];
  let cursor = null;
  let n = 0;
  do {
    const r = await srv.api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token ? { token } : {});
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= limit, `${path}: ${r.json.items.length} items at limit ${limit}`);
    assert.ok('next_cursor' in r.json);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    assert.ok(++n < 100, 'the pages end');
  } while (cursor);
  return items;
}

async function assertPages(path, key, minimum) {
  const whole = await srv.api('GET', path);
  assert.equal(whole.status, 200, whole.text);
  assert.equal(whole.json.next_cursor, null, `${path}: the default page holds them all here`);
  const all = whole.json.items.map(key);
  assert.ok(all.length >= minimum, `${path}: ${all.length} items`);
  for (const limit of [1, 2, all.length, 500]) assert.deepEqual((await pages(path, limit)).map(key), all, `${path} at limit ${limit}`);
  const sep = path.includes('?') ? '&' : '?';
  assertProblem(await srv.api('GET', `${path}${sep}limit=0`), 400, { fields: { limit: /1 to 500/ } });
  assertProblem(await srv.api('GET', `${path}${sep}limit=501`), 400, { fields: { limit: /1 to 500/ } });
  assertProblem(await srv.api('GET', `${path}${sep}cursor=x`), 400, { fields: { cursor: /whole number/ } });
  assertProblem(await srv.api('GET', `${path}${sep}nope=1`), 400, { fields: { nope: /not a parameter/ } });
  // A cursor past the end is an empty last page.
  const past = await srv.api('GET', `${path}${sep}cursor=99999999`);
  assert.equal(past.status, 200, past.text);
  assert.deepEqual(past.json.items, []);
  assert.equal(past.json.next_cursor, null);
}

test('GET /api/v1/tokens pages; an NGO user pages its own only', async () => {
  for (let i = 0; i < 4; i++) await createToken(srv.db, 'officer@test.example');
  await assertPages('/api/v1/tokens', (t) => t.id, 7);
  const own = await pages('/api/v1/tokens', 1, srv.tokens.ngo);
  assert.deepEqual([...new Set(own.map((t) => t.email))], ['ngo@test.example']);
});

test('GET /api/v1/organisations/{id}/obligations pages', async () => {
  const o = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Owes a lot', country: 'FR', founded_on: '1990-01-01' } });
  assert.equal(o.status, 201, o.text);
  const acc = await srv.api('POST', '/api/v1/accreditations', {
    body: { organisation_id: o.json.id, body: 'ECOSOC', status: 'special', granted_on: '2013-07-25' },
  });
  assert.equal(acc.status, 201, acc.text);
  for (const [body, status] of [['ECOSOC', 'general'], ['UNESCO', 'consultative']]) {
    const a = await srv.api('POST', '/api/v1/applications', { body: { organisation_id: o.json.id, body, requested_status: status } });
    assert.equal(a.status, 201, a.text);
  }
  await assertPages(`/api/v1/organisations/${o.json.id}/obligations`, (x) => `${x.kind} ${x.record.type} ${x.record.id}`, 3);
  await assertPages(`/api/v1/organisations/${o.json.id}/obligations?lang=ru`, (x) => x.text, 3);
});

test('GET /api/v1/stats/delegations pages, by body too', async () => {
  for (const [forum, body, y] of [['UNGA 71', 'UNGA', 2016], ['UNGA 72', 'UNGA', 2017], ['HRC 33', 'UNHRC', 2016], ['UNGA 73', 'UNGA', 2018]]) {
    const d = await srv.api('POST', '/api/v1/delegations', { body: { forum, body, starts_on: `${y}-09-13`, ends_on: `${y}-09-26` } });
    assert.equal(d.status, 201, d.text);
  }
  await assertPages('/api/v1/stats/delegations', (x) => x.forum, 4);
  await assertPages('/api/v1/stats/delegations?body=UNGA', (x) => x.forum, 3);
});
