// Bulk work on lists (issue 17): a selection of records by id=1,2,3 on any list and
// export, bounded and validated; the NGO's scope still applies to a selection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());

const ids = [];
for (const [name, country] of [['Альфа', 'RU'], ['Beta', 'FR'], ['Гамма', 'RU'], ['Delta', 'DE']]) {
  const r = await srv.api('POST', '/api/v1/organisations', { body: { name, country } });
  assert.equal(r.status, 201, r.text);
  ids.push(r.json.id);
}

test('id=1,2,3 lists exactly the selection, with other filters, paging and count', async () => {
  const sel = `${ids[0]},${ids[2]},${ids[3]}`;
  const r = await srv.api('GET', `/api/v1/organisations?id=${sel}&count=true`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((o) => o.name), ['Альфа', 'Гамма', 'Delta']);
  assert.equal(r.json.total, 3);
  const ru = await srv.api('GET', `/api/v1/organisations?id=${sel}&country=RU`);
  assert.deepEqual(ru.json.items.map((o) => o.name), ['Альфа', 'Гамма']);
  const p1 = await srv.api('GET', `/api/v1/organisations?id=${sel}&limit=2&sort=-name`);
  assert.equal(p1.json.items.length, 2);
  const p2 = await srv.api('GET', `/api/v1/organisations?id=${sel}&limit=2&sort=-name&cursor=${p1.json.next_cursor}`);
  assert.equal(p2.json.items.length, 1);
  assert.equal(p2.json.next_cursor, null);
  // One id still works as before, and a repeated id counts once.
  const one = await srv.api('GET', `/api/v1/organisations?id=${ids[1]}`);
  assert.deepEqual(one.json.items.map((o) => o.name), ['Beta']);
  const twice = await srv.api('GET', `/api/v1/organisations?id=${ids[1]},${ids[1]}&count=true`);
  assert.equal(twice.json.total, 1);
});

test('the selection exports as CSV, JSON and XLSX, and from the command line', async () => {
  const res = await fetch(`${srv.url}/api/v1/organisations?format=csv&labels=ru&id=${ids[1]},${ids[2]}`, {
    headers: { authorization: `Bearer ${srv.tokens.officer}` },
  });
  assert.equal(res.status, 200);
  const lines = (await res.text()).trimEnd().split('\r\n');
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0], /^№,Название,/);
  assert.match(lines[1], /,Beta,/);
  assert.match(lines[2], /,Гамма,/);
  const json = await srv.api('GET', `/api/v1/organisations?format=json&id=${ids[0]},${ids[3]}`);
  assert.deepEqual(JSON.parse(json.text).map((o) => o.name), ['Альфа', 'Delta']);
  const x = await fetch(`${srv.url}/api/v1/organisations?format=xlsx&id=${ids[0]}`, {
    headers: { authorization: `Bearer ${srv.tokens.officer}` },
  });
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const { cliOk } = await import('./lib/server.mjs');
  const out = await cliOk(['export', 'organisations', '--format', 'json', '--filter', `id=${ids[2]},${ids[3]}`, '--db', srv.db]);
  assert.deepEqual(JSON.parse(out.stdout).map((o) => o.name), ['Гамма', 'Delta']);
});

test('a bad selection is a 400 naming id, and the CLI a usage error', async () => {
  const api = (q) => srv.api('GET', `/api/v1/organisations?${q}`);
  for (const bad of ['id=', 'id=1,', 'id=,1', 'id=1,x', 'id=0', 'id=-3', 'id=1;2', 'id=1,,2', 'id=99999999999999999999']) {
    assertProblem(await api(bad), 400, { fields: { id: /must be an id/ } });
  }
  const many = Array.from({ length: 501 }, (_, i) => i + 1).join(',');
  assertProblem(await api(`id=${many}`), 400, { fields: { id: /too many records \(at most 500\)/ } });
  const ok = await api(`id=${Array.from({ length: 500 }, (_, i) => i + 1).join(',')}&count=true`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.total, ids.length + 1, 'every organisation there is, the NGO\'s own included');
  assertProblem(await srv.api('GET', `/api/v1/organisations?format=csv&id=${many}`), 400, { fields: { id: /too many/ } });
  const { cli } = await import('./lib/server.mjs');
  const r = await cli(['export', 'organisations', '--filter', 'id=1,x', '--db', srv.db]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /id: must be an id/);
});

test('an NGO\'s selection is still only what it may see', async () => {
  const r = await srv.api('GET', `/api/v1/organisations?id=${ids.join(',')},${srv.orgId}`, { token: srv.tokens.ngo });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((o) => o.id), [srv.orgId]);
});

// Bulk changes: POST /api/v1/{collection}/bulk. The desk's own fields on an organisation
// (migration 0015): officer (an officer's account e-mail) and tags.
const bulk = (body, token = srv.tokens.officer) => srv.api('POST', '/api/v1/organisations/bulk', { body, token });
const get = async (id, token = srv.tokens.officer) => (await srv.api('GET', `/api/v1/organisations/${id}`, { token })).json;

test('assign to an officer and tag a selection: every record changed, each audited as its own update', async () => {
  const officer = 'officer@test.example';
  const before = await srv.api('GET', '/api/v1/audit?limit=500');
  const r = await bulk({ ids: [ids[0], ids[1]], set: { officer: officer.toUpperCase().replace('TEST.EXAMPLE', 'test.example') }, add: { tags: ['ECOSOC 2027', 'priority'] } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { changed: 2, unchanged: 0, ids: [ids[0], ids[1]] });
  for (const id of [ids[0], ids[1]]) {
    const o = await get(id);
    assert.deepEqual(o.tags, ['ECOSOC 2027', 'priority']);
    assert.equal(o.version, 2);
  }
  // Adding again a tag one of them has, and removing one: only what changes is written.
  const again = await bulk({ ids: [ids[0], ids[2]], add: { tags: ['priority'] } });
  assert.deepEqual([again.json.changed, again.json.unchanged], [1, 1]);
  assert.deepEqual((await get(ids[2])).tags, ['priority']);
  assert.equal((await get(ids[0])).version, 2, 'unchanged record not written');
  const rm = await bulk({ ids: [ids[0], ids[1], ids[2]], remove: { tags: ['priority'] } });
  assert.equal(rm.json.changed, 3, rm.text);
  assert.deepEqual((await get(ids[1])).tags, ['ECOSOC 2027']);
  assert.deepEqual((await get(ids[2])).tags, []);

  const after = await srv.api('GET', '/api/v1/audit?limit=500');
  const fresh = after.json.items.filter((e) => !before.json.items.some((b) => b.id === e.id));
  const updates = fresh.filter((e) => e.action === 'update' && e.resource === 'organisations');
  assert.equal(updates.length, 6, 'one audit entry per record written');
  assert.ok(updates.every((e) => e.actor === 'officer@test.example'), JSON.stringify(updates[0]));
  const v = await srv.api('GET', '/api/v1/audit/verify');
  assert.equal(v.json.ok, true, v.text);
  // The officer's own organisations, by filter and sort.
  const mine = await srv.api('GET', `/api/v1/organisations?officer=${officer}&sort=officer`, { token: srv.tokens.officer });
  assert.deepEqual(mine.json.items.map((o) => o.id).sort(), [ids[0], ids[1]].sort());
  const tagged = await srv.api('GET', '/api/v1/organisations?tags=ECOSOC%202027', { token: srv.tokens.officer });
  assert.equal(tagged.json.items.length, 2);
});

test('all or none: one refusing record leaves every record as it was', async () => {
  const v0 = (await get(ids[3])).version;
  const v1 = (await get(ids[1])).version;
  // The second record is gone: the whole change is refused.
  let r = await bulk({ ids: [ids[3], 999999], add: { tags: ['x'] } });
  const p = assertProblem(r, 422, { fields: { ids: /no organisation with id 999999/ } });
  assert.match(p.detail, /nothing was changed/);
  assert.equal((await get(ids[3])).version, v0);
  // Not an officer's account.
  r = await bulk({ ids: [ids[3], ids[1]], set: { officer: 'nobody@test.example' } });
  assertProblem(r, 422, { fields: { officer: /not the e-mail of an officer's account/ } });
  assert.equal(r.json.errors[0].code, 'not_officer');
  r = await bulk({ ids: [ids[3], ids[1]], set: { officer: 'ngo@test.example' } });
  assertProblem(r, 422, { fields: { officer: /officer's account/ } });
  // A value one record refuses, after another accepted it.
  r = await bulk({ ids: [ids[3], ids[1]], add: { tags: ['y'] }, set: { founded_on: '2099-01-01' } });
  assertProblem(r, 422, { fields: { founded_on: /future/ } });
  r = await bulk({ ids: [ids[3], ids[1]], add: { tags: ['z'.repeat(201)] } });
  assertProblem(r, 422, { fields: { tags: /too long/ } });
  assert.equal((await get(ids[3])).version, v0);
  assert.equal((await get(ids[1])).version, v1);
  assert.deepEqual((await get(ids[3])).tags ?? null, null);
});

test('a bad bulk request is a 422 naming what is wrong', async () => {
  const cases = [
    [{}, 'ids'],
    [{ ids: [], add: { tags: ['a'] } }, 'ids'],
    [{ ids: [1, 'x'], add: { tags: ['a'] } }, 'ids'],
    [{ ids: [0], add: { tags: ['a'] } }, 'ids'],
    [{ ids: [ids[0], ids[0]], add: { tags: ['a'] } }, 'ids'],
    [{ ids: Array.from({ length: 501 }, (_, i) => i + 1), add: { tags: ['a'] } }, 'ids'],
    [{ ids: [ids[0]] }, ''],
    [{ ids: [ids[0]], set: 3 }, 'set'],
    [{ ids: [ids[0]], add: { name: ['x'] } }, 'add.name'],
    [{ ids: [ids[0]], add: { tags: 'x' } }, 'add.tags'],
    [{ ids: [ids[0]], add: [] }, 'add'],
    [{ ids: [ids[0]], remove: { nonsense: [] } }, 'remove.nonsense'],
    [{ ids: [ids[0]], set: { id: 3 } }, 'id'],
    [{ ids: [ids[0]], set: { colour: 'red' } }, 'colour'],
    [{ ids: [ids[0]], set: { country: 'SU' } }, 'country'],
    [{ ids: [ids[0]], tags: ['x'] }, 'tags'],
  ];
  for (const [body, field] of cases) {
    const r = await bulk(body);
    assertProblem(r, 422, { fields: { [field]: null } });
  }
  assertProblem(await srv.api('POST', '/api/v1/organisations/bulk', { raw: '{"ids": [1', token: srv.tokens.officer, headers: { 'content-type': 'application/json' } }), 400);
  assertProblem(await srv.api('POST', '/api/v1/unicorns/bulk', { body: { ids: [1], add: { tags: ['a'] } }, token: srv.tokens.officer }), 404);
});

test('an NGO may not bulk-change, and never sees the desk\'s fields, nor filters by them', async () => {
  await bulk({ ids: [srv.orgId], set: { officer: 'officer@test.example' }, add: { tags: ['watch'] } });
  assert.deepEqual((await get(srv.orgId)).tags, ['watch']);
  assertProblem(await bulk({ ids: [srv.orgId], add: { tags: ['mine'] } }, srv.tokens.ngo), 403);
  const own = await get(srv.orgId, srv.tokens.ngo);
  assert.equal(own.name, 'Общество друзей тестов');
  assert.ok(!('tags' in own) && !('officer' in own), JSON.stringify(own));
  const list = await srv.api('GET', '/api/v1/organisations', { token: srv.tokens.ngo });
  assert.ok(list.json.items.every((o) => !('tags' in o) && !('officer' in o)));
  const csv = await srv.api('GET', '/api/v1/organisations?format=csv', { token: srv.tokens.ngo });
  assert.equal(csv.status, 200);
  assert.doesNotMatch(csv.text, /watch|officer@test/);
  assertProblem(await srv.api('GET', '/api/v1/organisations?tags=watch', { token: srv.tokens.ngo }), 403);
  assertProblem(await srv.api('GET', '/api/v1/organisations?sort=officer', { token: srv.tokens.ngo }), 403);
  // An NGO saving its profile keeps the desk's fields as they were.
  const patch = await srv.api('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { city: 'Тверь' }, token: srv.tokens.ngo });
  assert.equal(patch.status, 200, patch.text);
  assert.ok(!('tags' in patch.json));
  assert.deepEqual((await get(srv.orgId)).tags, ['watch']);
  assertProblem(await srv.api('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { tags: [] }, token: srv.tokens.ngo }), 403, { fields: { tags: /ministry/ } });
  // The public registry shows neither.
  await srv.api('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { public: true } });
  const pub = await srv.api('GET', `/api/v1/organisations/${srv.orgId}`, { token: null });
  assert.equal(pub.status, 200, pub.text);
  assert.ok(!('tags' in pub.json) && !('officer' in pub.json));
  const publist = await srv.api('GET', '/api/v1/organisations', { token: null });
  assert.ok(publist.json.items.every((o) => !('tags' in o) && !('officer' in o)));
});
