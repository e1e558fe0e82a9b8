// No unbounded calendar (issue 21, target 3): a day with many reports due pages through
// GET /api/v1/calendar by cursor — every item once, in order, each page within its limit —
// and /calendar.ics (like the subscription feed, which shares its code) carries a body's crowded day as one event with
// the count and where to find every report, not one event per report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, cliOk } from './lib/server.mjs';

let srv;
const N = 45; // reports due to ECOSOC on 1 June 2028 (more than the ICS's 20 a day)
const FROM = '2028-05-01';
const TO = '2028-06-30';
before(async () => {
  srv = await startServer({ ngo: true });
  // N organisations in special status since 2024: each owes a report on 2024–2027, due 1 June 2028.
  const orgs = join(srv.dir, 'orgs.csv');
  await writeFile(orgs, 'name,country\n' + Array.from({ length: N }, (_, i) => `Crowded ${i},FR\n`).join(''));
  await cliOk(['import', 'organisations', orgs, '--db', srv.db]);
  const list = await srv.api('GET', '/api/v1/organisations?q=Crowded&limit=500');
  const ids = list.json.items.filter((o) => o.name.startsWith('Crowded')).map((o) => o.id);
  assert.equal(ids.length, N);
  const acc = join(srv.dir, 'acc.csv');
  await writeFile(
    acc,
    'organisation_id,body,status,granted_on,state\n' + ids.map((id) => `${id},ECOSOC,special,2024-07-01,active\n`).join(''),
  );
  await cliOk(['import', 'accreditations', acc, '--db', srv.db]);
  // One more, due the same day, that belongs to the NGO user's organisation.
  const own = await srv.api('POST', '/api/v1/accreditations', {
    body: { organisation_id: srv.orgId, body: 'ECOSOC', status: 'general', granted_on: '2024-07-01', state: 'active' },
  });
  assert.equal(own.status, 201, own.text);
});
after(() => srv?.stop());

test('the JSON calendar pages a crowded day by cursor: each item once, in order, within the limit', async () => {
  const whole = await srv.api('GET', `/api/v1/calendar?from=${FROM}&to=${TO}`);
  assert.equal(whole.status, 200, whole.text);
  const all = whole.json.items;
  assert.equal(all.filter((x) => x.kind === 'report_due' && x.date === '2028-06-01').length, N + 1);
  for (const limit of [2, 7, 46, 500]) {
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const q = `/api/v1/calendar?from=${FROM}&to=${TO}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await srv.api('GET', q);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= limit);
      assert.ok(r.json.items.length > 0 || seen.length === 0);
      seen.push(...r.json.items);
      cursor = r.json.next_cursor;
      pages++;
      assert.ok(pages <= all.length + 1, 'the pages end');
    } while (cursor);
    assert.deepEqual(
      seen.map((x) => x.uid),
      all.map((x) => x.uid),
      `limit ${limit}: the pages hold the calendar, once each, in its order`,
    );
  }
  const bad = await srv.api('GET', `/api/v1/calendar?from=${FROM}&to=${TO}&cursor=bm90IGEgY3Vyc29y`);
  assert.equal(bad.status, 400);
});

test('an NGO user pages its own reports only', async () => {
  const r = await srv.api('GET', `/api/v1/calendar?from=${FROM}&to=${TO}&limit=1`, { token: srv.tokens.ngo });
  assert.equal(r.status, 200, r.text);
  const reports = [];
  let page = r.json;
  for (;;) {
    reports.push(...page.items.filter((x) => x.kind === 'report_due'));
    if (!page.next_cursor) break;
    page = (await srv.api('GET', `/api/v1/calendar?from=${FROM}&to=${TO}&limit=1&cursor=${page.next_cursor}`, { token: srv.tokens.ngo })).json;
  }
  assert.deepEqual(
    reports.map((x) => x.organisation_id),
    [srv.orgId],
  );
});

function events(text) {
  return text
    .replace(/\r\n[ \t]/g, '')
    .split('BEGIN:VEVENT')
    .slice(1)
    .map((e) => Object.fromEntries(e.split('\r\n').filter((l) => /^[A-Z-]+[;:]/.test(l)).map((l) => [l.split(/[;:]/)[0], l.slice(l.indexOf(':') + 1)])));
}

test('ICS: a body\'s crowded day is one event with the count and the way to every report', async () => {
  const r = await srv.api('GET', `/calendar.ics?from=${FROM}&to=${TO}`);
  assert.equal(r.status, 200, r.text);
  const evs = events(r.text);
  const due = evs.filter((e) => e.DTSTART.endsWith('20280601') && /Report due/.test(e.CATEGORIES));
  assert.equal(due.length, 1, r.text);
  assert.equal(due[0].SUMMARY, `${N + 1} reports due to ECOSOC`);
  assert.equal(due[0].UID, 'report_due-ECOSOC-2028-06-01@civdesk');
  assert.match(due[0].DESCRIPTION, /\/api\/v1\/calendar\?from=2028-06-01&to=2028-06-01/);
  assert.ok(r.text.length < 20000, `${r.text.length} bytes`);

  // The NGO user's own report stays its own event.
  const mine = await srv.api('GET', `/calendar.ics?from=${FROM}&to=${TO}`, { token: srv.tokens.ngo });
  const own = events(mine.text).filter((e) => /Report due/.test(e.CATEGORIES || ''));
  assert.equal(own.length, 1);
  assert.match(own[0].UID, /^report_due-accreditations-\d+-2028-06-01@civdesk$/);
});
