// The dashboard's counts are kept as the data changes (issue 21, migration 0016): after
// creates, state changes, moves of the due date, deletes and a CSV import, GET
// /api/v1/stats/pipeline equals a recount made from the lists themselves, and `civdesk
// check` agrees; a kept count edited behind civdesk's back is named by `civdesk check`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, cli, cliOk, sqlShell } from './lib/server.mjs';

let srv;
const api = (m, p, o) => srv.api(m, p, o);
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

// SQL behind civdesk's back, on either store (sqlite3 or psql).
async function sqlite(db, sql) {
  const r = await sqlShell(db, sql);
  if (r.code !== 0) throw new Error(r.err);
}

async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const r = await api('GET', `${path}?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
  } while (cursor);
  return items;
}

function tally(items, key) {
  const m = new Map();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return Object.fromEntries([...m].sort());
}

// The pipeline's figures against the same figures counted from every record.
async function assertPipelineIsRecount(what) {
  const p = await api('GET', '/api/v1/stats/pipeline');
  assert.equal(p.status, 200, p.text);
  const apps = await all('/api/v1/applications');
  const accs = await all('/api/v1/accreditations');
  const got = (rows, key) => Object.fromEntries(rows.map((x) => [key(x), x.count]).sort());
  assert.deepEqual(got(p.json.applications, (x) => `${x.body}/${x.state}`), tally(apps, (x) => `${x.body}/${x.state}`), what);
  assert.deepEqual(
    got(p.json.accreditations, (x) => `${x.body}/${x.status}/${x.state}`),
    tally(accs, (x) => `${x.body}/${x.status}/${x.state}`),
    what,
  );
  const late = accs.filter((x) => x.overdue);
  assert.deepEqual(got(p.json.overdue_reports.by_body, (x) => x.body), tally(late, (x) => x.body), what);
  assert.equal(p.json.overdue_reports.total, late.length, what);
  // The dashboard's totals (?count=true), which the kept counts answer too.
  const total = async (path) => {
    const r = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=1&count=true`);
    assert.equal(r.status, 200, r.text);
    return r.json.total;
  };
  assert.equal(await total('/api/v1/organisations'), (await all('/api/v1/organisations')).length, what);
  assert.equal(await total('/api/v1/applications'), apps.length, what);
  assert.equal(await total('/api/v1/accreditations'), accs.length, what);
  assert.equal(await total('/api/v1/accreditations?state=active'), accs.filter((x) => x.state === 'active').length, what);
  assert.equal(
    await total('/api/v1/accreditations?body=ECOSOC&status=special'),
    accs.filter((x) => x.body === 'ECOSOC' && x.status === 'special').length,
    what,
  );
  assert.equal(
    await total('/api/v1/applications?state=draft&body=ECOSOC'),
    apps.filter((x) => x.state === 'draft' && x.body === 'ECOSOC').length,
    what,
  );
  // An NGO user's total is of what it may see, not the kept count.
  const mine = await api('GET', '/api/v1/accreditations?limit=1&count=true', { token: srv.tokens.ngo });
  assert.equal(mine.json.total, accs.filter((x) => x.organisation_id === srv.orgId).length, what);
  const c = await cliOk(['check', '--db', srv.db]);
  assert.match(c.stdout, /counts match a recount/, what);
  return p.json;
}

test('kept counts equal a recount after creates, changes, deletes and an import', async () => {
  const orgs = [];
  for (let i = 0; i < 6; i++) {
    const o = await api('POST', '/api/v1/organisations', { body: { name: `Counted ${i}`, country: i % 2 ? 'FR' : 'DE' } });
    assert.equal(o.status, 201, o.text);
    orgs.push(o.json.id);
  }
  await assertPipelineIsRecount('empty');

  // Accreditations: special (reports every four years; granted long ago: overdue),
  // roster (exempt), UNESCO.
  const acc = [];
  const add = async (body) => {
    const r = await api('POST', '/api/v1/accreditations', { body });
    assert.equal(r.status, 201, r.text);
    acc.push(r.json);
    return r.json;
  };
  await add({ organisation_id: orgs[0], body: 'ECOSOC', status: 'special', granted_on: '2001-07-01', state: 'active' });
  await add({ organisation_id: orgs[1], body: 'ECOSOC', status: 'special', granted_on: '2001-07-01', state: 'active' });
  await add({ organisation_id: orgs[2], body: 'ECOSOC', status: 'roster', granted_on: '2010-07-01', state: 'active' });
  await add({ organisation_id: orgs[3], body: 'ECOSOC', status: 'general', granted_on: '2024-07-01', state: 'active' });
  await add({ organisation_id: orgs[0], body: 'UNESCO', status: 'consultative', granted_on: '2015-01-01', state: 'active' });
  const before = await assertPipelineIsRecount('after creates');
  assert.ok(before.overdue_reports.total >= 2, JSON.stringify(before.overdue_reports));

  // Applications through their state machine.
  const app = await api('POST', '/api/v1/applications', {
    body: { organisation_id: orgs[4], body: 'ECOSOC', requested_status: 'special' },
  });
  assert.equal(app.status, 201, app.text);
  const app2 = await api('POST', '/api/v1/applications', {
    body: { organisation_id: orgs[5], body: 'ECOSOC', requested_status: 'roster' },
  });
  assert.equal(app2.status, 201, app2.text);
  for (const to of ['filed', 'under_review', 'deferred']) {
    const t = await api('POST', `/api/v1/applications/${app.json.id}/transitions`, { body: { to } });
    assert.equal(t.status, 200, t.text);
  }
  await assertPipelineIsRecount('after transitions');

  // State changes and due dates moving: suspended, withdrawn, reported (no longer overdue),
  // the status reclassified.
  const patch = async (a, body) => {
    const r = await api('PATCH', `/api/v1/accreditations/${a.id}`, { body });
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  await patch(acc[0], { state: 'suspended' });
  await patch(acc[1], { last_report_period_end: new Date().getUTCFullYear() - 1 });
  await patch(acc[2], { status: 'special' });
  await patch(acc[3], { state: 'withdrawn' });
  await assertPipelineIsRecount('after updates');

  // Deletes (an organisation with nothing attached, too).
  const gone = await api('POST', '/api/v1/organisations', { body: { name: 'Short-lived', country: 'IT' } });
  assert.equal((await api('DELETE', `/api/v1/organisations/${gone.json.id}`)).status, 204);
  assert.equal((await api('DELETE', `/api/v1/accreditations/${acc[2].id}`)).status, 204);
  assert.equal((await api('DELETE', `/api/v1/applications/${app2.json.id}`)).status, 204);
  await assertPipelineIsRecount('after deletes');

  // An import of accreditations from CSV (the bulk path).
  const csv = join(srv.dir, 'acc.csv');
  await writeFile(
    csv,
    'organisation_id,body,status,granted_on,state\n' +
      `${orgs[4]},ECOSOC,special,2005-07-01,active\n` +
      `${orgs[5]},ECOSOC,general,2023-07-01,active\n` +
      `${orgs[5]},UNESCO,consultative,2020-01-01,suspended\n`,
  );
  await cliOk(['import', 'accreditations', csv, '--db', srv.db]);
  const end = await assertPipelineIsRecount('after an import');
  assert.ok(end.accreditations.some((x) => x.body === 'UNESCO' && x.state === 'suspended'));
});

test('a kept count edited outside civdesk is named by civdesk check', async () => {
  await sqlite(srv.db, "UPDATE count_accreditations SET n = n + 5 WHERE body = 'ECOSOC' AND status = 'special' AND state = 'active';");
  const r = await cli(['check', '--db', srv.db]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /1 kept counts differ from a recount, first count_accreditations \["ECOSOC","special","active"\] holds \d+ where a recount gives \d+/);
  await sqlite(srv.db, "UPDATE count_accreditations SET n = n - 5 WHERE body = 'ECOSOC' AND status = 'special' AND state = 'active';");
  await cliOk(['check', '--db', srv.db]);
});
