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
