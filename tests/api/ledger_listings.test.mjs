// Listings and representation, the calendar and its iCalendar feed, through the real
// binary: `civdesk import listing` (a bad row names its line and field and imports
// nothing; the same body and date again replaces), the representation figures on a
// listing of 4,507 organisations with 64 from one country (API and `civdesk stats
// representation`), and the deadlines as JSON and as RFC 5545 text.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, assertProblem, cli, cliOk } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const today = () => new Date().toISOString().slice(0, 10);
const year = () => Number(today().slice(0, 4));

// A listing of `total` rows, `ours` from RU and the rest spread over other countries with
// known counts; returns the CSV text and the expected counts per country.
function listing(total, ours, { header = 'name,country,status' } = {}) {
  const others = [['US', 0.25], ['GB', 0.1], ['FR', 0.08], ['IN', 0.08], ['CH', 0.05], ['DE', 0.04], ['KE', 0.03], ['BR', 0.02]];
  const counts = { RU: ours };
  const rows = [];
  for (let i = 0; i < ours; i++) rows.push([`Общество «Диалог», № ${i}`, 'RU', i % 5 === 0 ? 'roster' : 'special']);
  let left = total - ours;
  const small = ['AM', 'BY', 'KZ', 'RS', 'AR', 'MX'];
  for (const [c, share] of others) {
    const n = Math.round((total - ours) * share);
    counts[c] = n;
    left -= n;
    for (let i = 0; i < n; i++) rows.push([`Organisation "${c}" ${i}`, c, i % 10 === 0 ? 'general' : 'special']);
  }
  // the remainder over small countries, each below RU
  let k = 0;
  while (left > 0) {
    const c = small[k % small.length];
    const n = Math.min(left, 40);
    counts[c] = (counts[c] || 0) + n;
    for (let i = 0; i < n; i++) rows.push([`Org ${c} ${k}-${i}`, c, 'special']);
    left -= n;
    k++;
  }
  const cols = header.split(',');
  const cell = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [header];
  for (const [name, country, status] of rows) {
    const rec = { name, country, status };
    lines.push(cols.map((c) => cell(rec[c])).join(','));
  }
  return { text: lines.join('\r\n') + '\r\n', counts };
}

function rankOf(counts, code) {
  return 1 + Object.values(counts).filter((n) => n > counts[code]).length;
}

async function importListing(file, asOf, body = 'ECOSOC') {
  return cli(['import', 'listing', '--body', body, '--as-of', asOf, file, '--db', srv.db]);
}

describe('listings import', () => {
  test('a bad row names its line and field, and nothing is imported', async () => {
    const { text } = listing(200, 10);
    const lines = text.split('\r\n');
    lines[42] = lines[42].replace(/,(RU|US|GB|FR|IN|CH|DE|KE|BR|AM|BY|KZ|RS|AR|MX),/, ',ZZ,');
    const file = join(srv.dir, 'bad.csv');
    await writeFile(file, lines.join('\r\n'));
    const r = await importListing(file, '2017-09-01');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^civdesk: line 43, field country: .*nothing was imported\n$/);
    const statusLines = text.split('\r\n');
    statusLines[7] = statusLines[7].replace(/,(special|roster|general)$/, ',observer');
    await writeFile(file, statusLines.join('\r\n'));
    const r2 = await importListing(file, '2017-09-01');
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /line 8, field status: must be one of general, special, roster/);
    const count = await officer('GET', '/api/v1/listings?count=true&limit=1');
    assert.equal(count.json.total, 0);
  });

  test('header and file problems are one-line errors with the line', async () => {
    const file = join(srv.dir, 'hdr.csv');
    await writeFile(file, 'name,country,colour\nx,RU,red\n');
    let r = await importListing(file, '2017-09-01');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 1: unknown column 'colour'/);
    await writeFile(file, 'name,country,status\n"unclosed,RU,special\n');
    r = await importListing(file, '2017-09-01');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 2: .*quote/);
    await writeFile(file, 'name,country,status\nx,RU\n');
    r = await importListing(file, '2017-09-01');
    assert.match(r.stderr, /line 2: 2 fields where the header has 3/);
    r = await importListing(file, '2017-13-01');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--as-of/);
    r = await cli(['import', 'listing', '--body', 'NOPE', '--as-of', '2017-09-01', join(srv.dir, 'none.csv'), '--db', srv.db]);
    assert.equal(r.code, 1);
    r = await cli(['import', 'listing', '--as-of', '2017-09-01', '--db', srv.db]);
    assert.equal(r.code, 2, 'the file is a required argument');
  });
});

describe('representation on 4,507 organisations', () => {
  let counts;

  before(async () => {
    // the year before: 4,300 with 60 from RU, columns in another order
    const prev = listing(4300, 60, { header: 'status,name,country' });
    await writeFile(join(srv.dir, '2016.csv'), prev.text);
    await cliOk(['import', 'listing', '--body', 'ECOSOC', '--as-of', '2016-09-01', join(srv.dir, '2016.csv'), '--db', srv.db]);
    const cur = listing(4507, 64);
    counts = cur.counts;
    await writeFile(join(srv.dir, '2017.csv'), cur.text);
    const r = await cliOk(['import', 'listing', '--body', 'ECOSOC', '--as-of', '2017-09-01', join(srv.dir, '2017.csv'), '--db', srv.db]);
    assert.match(r.stdout, /imported 4,507 organisations into the ECOSOC listing as of 2017-09-01/);
  });

  test('64 from RU: count, share and rank, per status, and the change since 2016', async () => {
    const r = await ngo('GET', '/api/v1/stats/representation?body=ECOSOC');
    assert.equal(r.status, 200, r.text);
    const s = r.json;
    assert.equal(s.as_of, '2017-09-01');
    assert.equal(s.total, 4507);
    assert.equal(s.statuses.general + s.statuses.special + s.statuses.roster, 4507);
    assert.deepEqual(s.previous, { as_of: '2016-09-01', total: 4300, total_change: 207 });
    const ru = s.countries.find((c) => c.country === 'RU');
    assert.equal(ru.count, 64);
    assert.equal(ru.name, 'Russian Federation');
    assert.equal(ru.share, 0.0142); // 64 / 4507, to six places: 0.014200
    assert.equal(ru.rank, rankOf(counts, 'RU'));
    assert.deepEqual(ru.statuses, { general: 0, special: 51, roster: 13 });
    assert.equal(ru.previous.count, 60);
    assert.equal(ru.previous.count_change, 4);
    // ranks follow counts, ties share a rank
    for (let i = 1; i < s.countries.length; i++) {
      const [a, b] = [s.countries[i - 1], s.countries[i]];
      assert.ok(a.count >= b.count);
      if (a.count === b.count) assert.equal(a.rank, b.rank);
      else assert.equal(b.rank, i + 1);
    }
    assert.equal(s.countries.reduce((n, c) => n + c.count, 0), 4507);
  });

  test('?country= gives that one country, ranked among all; ?as_of= the older listing', async () => {
    const r = await officer('GET', '/api/v1/stats/representation?body=ECOSOC&country=RU');
    assert.equal(r.json.countries.length, 1);
    assert.equal(r.json.countries[0].count, 64);
    assert.equal(r.json.countries[0].rank, rankOf(counts, 'RU'));
    const none = await officer('GET', '/api/v1/stats/representation?body=ECOSOC&country=JP');
    assert.deepEqual([none.json.countries[0].count, none.json.countries[0].rank], [0, null]);
    const old = await officer('GET', '/api/v1/stats/representation?body=ECOSOC&as_of=2016-09-01');
    assert.equal(old.json.total, 4300);
    assert.equal(old.json.previous, null);
    assert.equal(old.json.countries.find((c) => c.country === 'RU').count, 60);
  });

  test('bad or unknown parameters: 400; no such body or listing: 404', async () => {
    assertProblem(await officer('GET', '/api/v1/stats/representation'), 400, { fields: { body: /required/ } });
    assertProblem(await officer('GET', '/api/v1/stats/representation?body=ECOSOC&as_of=2017-02-30'), 400, {
      fields: { as_of: /date/ },
    });
    assertProblem(await officer('GET', '/api/v1/stats/representation?body=ECOSOC&sort=x'), 400, { fields: { sort: /not a parameter/ } });
    assertProblem(await officer('GET', '/api/v1/stats/representation?body=UNESCO'), 404, { detail: /no listing/ });
    assertProblem(await officer('GET', '/api/v1/stats/representation?body=NOPE'), 404, { detail: /no body/ });
    assertProblem(await officer('GET', '/api/v1/stats/representation?body=ECOSOC&as_of=2015-01-01'), 404);
    assert.equal((await srv.api('GET', '/api/v1/stats/representation?body=ECOSOC', { token: null })).status, 401);
  });

  test('importing the same body and date again replaces that listing', async () => {
    const small = listing(1000, 20);
    await writeFile(join(srv.dir, 'again.csv'), small.text);
    const r = await cliOk(['import', 'listing', '--body', 'ECOSOC', '--as-of', '2017-09-01', join(srv.dir, 'again.csv'), '--db', srv.db]);
    assert.match(r.stdout, /replacing the 4,507 imported before/);
    const s = (await officer('GET', '/api/v1/stats/representation?body=ECOSOC&country=RU')).json;
    assert.equal(s.total, 1000);
    assert.equal(s.countries[0].count, 20);
    await cliOk(['import', 'listing', '--body', 'ECOSOC', '--as-of', '2017-09-01', join(srv.dir, '2017.csv'), '--db', srv.db]);
  });

  test('civdesk stats representation prints the same as a table', async () => {
    const r = await cliOk(['stats', 'representation', '--body', 'ECOSOC', '--db', srv.db]);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^ECOSOC listing as of 2017-09-01: 4,507 organisations \(4,300 as of 2016-09-01, \+207\)$/);
    const ru = lines.find((l) => / RU  Russian Federation/.test(l));
    assert.ok(ru, r.stdout);
    const cells = ru.trim().split(/\s+/);
    assert.equal(Number(cells[0]), rankOf(counts, 'RU'));
    assert.ok(ru.includes(' 64 ') && ru.includes('1.42%'), ru);
    assert.match(ru, /\+4/);
    const bad = await cli(['stats', 'representation', '--db', srv.db]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--body is required/);
    const none = await cli(['stats', 'representation', '--body', 'UNESCO', '--db', srv.db]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no listing of UNESCO/);
  });
});

describe('calendar', () => {
  let acc, app;

  before(async () => {
    await officer('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { founded_on: '2000-01-01' } });
    const r = await officer('POST', '/api/v1/accreditations', {
      body: { organisation_id: srv.orgId, body: 'ECOSOC', status: 'special', granted_on: `${year() - 2}-03-01` },
    });
    assert.equal(r.status, 201, r.text);
    acc = r.json;
    const other = (await officer('POST', '/api/v1/organisations', { body: { name: 'Чужая НКО', country: 'RU' } })).json;
    await officer('POST', '/api/v1/accreditations', {
      body: { organisation_id: other.id, body: 'ECOSOC', status: 'general', granted_on: `${year() - 2}-05-01` },
    });
    // associate: UNESCO's 30 November deadline binds associate requests only (issue 14)
    app = (await ngo('POST', '/api/v1/applications', { body: { body: 'UNESCO', requested_status: 'associate' } })).json;
  });

  const range = () => `from=${year()}-01-01&to=${year() + 4}-12-31`;

  test('report due dates, filing deadlines (bodies and pending applications), with links', async () => {
    const r = await officer('GET', `/api/v1/calendar?${range()}`);
    assert.equal(r.status, 200, r.text);
    const items = r.json.items;
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].date <= items[i].date);
    const due = items.filter((i) => i.kind === 'report_due');
    assert.equal(due.length, 2);
    const mine = due.find((i) => i.record.id === acc.id);
    assert.equal(mine.date, `${year() + 2}-06-01`); // granted Y-2: covers Y-2..Y+1 (issue 14)
    assert.equal(mine.date, acc.report_due_on);
    assert.equal(mine.link, `/api/v1/accreditations/${acc.id}`);
    assert.equal(mine.uid, `report_due-accreditations-${acc.id}-${mine.date}@civdesk`);
    const deadlines = items.filter((i) => i.kind === 'filing_deadline' && i.record.type === 'bodies');
    assert.ok(deadlines.some((d) => d.body === 'ECOSOC' && d.date === `${year() + 1}-06-01`));
    assert.ok(deadlines.some((d) => d.body === 'UNESCO' && d.date === `${year() + 1}-11-30`));
    const appItem = items.find((i) => i.record.type === 'applications' && i.record.id === app.id);
    assert.equal(appItem.kind, 'filing_deadline');
    assert.equal(appItem.date, app.filing_deadline);
  });

  test('an NGO sees its own deadlines and the bodies', async () => {
    const r = await ngo('GET', `/api/v1/calendar?${range()}`);
    const due = r.json.items.filter((i) => i.kind === 'report_due');
    assert.deepEqual(due.map((i) => i.record.id), [acc.id]);
    assert.ok(r.json.items.every((i) => i.organisation_id === null || i.organisation_id === srv.orgId));
  });

  test('defaults to a year from today; bad ranges are 400', async () => {
    const r = await officer('GET', '/api/v1/calendar');
    assert.equal(r.json.from, today());
    assert.ok(r.json.to > r.json.from);
    assertProblem(await officer('GET', '/api/v1/calendar?from=2027-02-30'), 400, { fields: { from: /date/ } });
    assertProblem(await officer('GET', '/api/v1/calendar?from=2027-01-02&to=2027-01-01'), 400, { fields: { to: /before/ } });
    assertProblem(await officer('GET', '/api/v1/calendar?from=2000-01-01&to=2030-01-01'), 400, { fields: { to: /days/ } });
    assertProblem(await officer('GET', '/api/v1/calendar?when=now'), 400);
    assert.equal((await srv.api('GET', '/api/v1/calendar', { token: null })).status, 401);
  });

  test('the calendar pages: limit and next_cursor walk the same items in the same order', async () => {
    const all = await officer('GET', `/api/v1/calendar?${range()}`);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.next_cursor, null);
    const n = all.json.items.length;
    assert.ok(n >= 5, `only ${n} items`);
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const r = await officer('GET', `/api/v1/calendar?${range()}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length >= 1 && r.json.items.length <= 2);
      seen.push(...r.json.items);
      cursor = r.json.next_cursor;
      pages++;
      assert.ok(pages <= n, 'the pages do not end');
    } while (cursor);
    assert.equal(pages, Math.ceil(n / 2));
    assert.deepEqual(seen.map((i) => i.uid), all.json.items.map((i) => i.uid));
    // the default page is 500 items; more is refused, as is a cursor it did not give
    assertProblem(await officer('GET', `/api/v1/calendar?${range()}&limit=501`), 400, { fields: { limit: /1 to 500/ } });
    assertProblem(await officer('GET', `/api/v1/calendar?${range()}&limit=0`), 400, { fields: { limit: /whole number/ } });
    assertProblem(await officer('GET', `/api/v1/calendar?${range()}&cursor=bm90LWEtY3Vyc29y`), 400, { fields: { cursor: /cursor/ } });
    assertProblem(await officer('GET', `/api/v1/calendar?${range()}&cursor=%%%`), 400, { fields: { cursor: /cursor/ } });
    // calendar.ics is one document: it takes no page parameters
    assert.equal((await srv.api('GET', `/calendar.ics?${range()}&limit=2`, { token: srv.tokens.officer })).status, 400);
  });

  test('calendar.ics: valid iCalendar, CRLF lines of at most 75 octets, stable UIDs', async () => {
    const get = () => srv.api('GET', `/calendar.ics?${range()}`, { token: srv.tokens.officer });
    const r = await get();
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/calendar/);
    const bytes = Buffer.from(r.text, 'utf8');
    assert.ok(r.text.startsWith('BEGIN:VCALENDAR\r\n'));
    assert.ok(r.text.endsWith('END:VCALENDAR\r\n'));
    assert.match(r.text, /\r\nVERSION:2\.0\r\n/);
    assert.match(r.text, /\r\nPRODID:/);
    for (const line of r.text.split('\r\n').slice(0, -1)) {
      assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `line too long: ${line}`);
      assert.ok(!line.includes('\n') && !line.includes('\r'));
    }
    assert.ok(!bytes.includes(Buffer.from('\uFFFD')), 'a fold split a UTF-8 sequence');
    const unfolded = r.text.replace(/\r\n /g, '');
    const events = unfolded.split('BEGIN:VEVENT').length - 1;
    const json = await officer('GET', `/api/v1/calendar?${range()}`);
    assert.equal(events, json.json.items.length);
    assert.match(unfolded, new RegExp(`UID:report_due-accreditations-${acc.id}-${year() + 2}-06-01@civdesk\r\n`));
    assert.match(unfolded, new RegExp(`DTSTART;VALUE=DATE:${year() + 2}0601\r\n`));
    assert.match(unfolded, /DTSTAMP:\d{8}T\d{6}Z\r\n/);
    // commas and semicolons in text are escaped
    assert.match(unfolded, /DESCRIPTION:Report due\\, ECOSOC\.\\nRecord: \/api\/v1\/accreditations\//);
    const uids = (t) => t.replace(/\r\n /g, '').match(/^UID:.*$/gm).sort();
    assert.deepEqual(uids((await get()).text), uids(r.text));
    assert.equal((await srv.api('GET', '/calendar.ics', { token: null })).status, 401);
  });
});
