// Export and import over the API (issue 8): any list as CSV, JSON or XLSX with the list's
// own filters and access rules, streamed across keyset pages; an admin's CSV upload
// answered with the import report (every bad row named with its line and field); an
// export that re-imports to the same data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { startServer, assertProblem, addUser, createToken } from './lib/server.mjs';

const ORGS = '/api/v1/organisations';
const IMPORT = `${ORGS}/import`;
const COUNTRIES = ['RU', 'FR', 'DE'];
const N_ORGS = 2200; // RU and not public alone spans two keyset pages of 500

let srv;
let other; // a second organisation with a user of its own
let otherToken;

/* ---- helpers ------------------------------------------------------------------------ */

// A raw upload as the admin (or opts.token): CSV unless a content type is given.
function upload(path, body, { token, type = 'text/csv', query = '' } = {}) {
  return srv.api('POST', `${path}${query ? `?${query}` : ''}`, {
    token,
    rawBody: body,
    headers: { 'content-type': type },
  });
}

// GET as bytes, for files.
async function download(path, { token = srv.tokens.admin, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(srv.url + path, { headers: h });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
}

// Every item of a JSON list, page by page (limit 500).
async function listAll(path, token = srv.tokens.admin) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await srv.api('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
  } while (cursor);
  return items;
}

// RFC 4180 records of a CSV text (CRLF or LF; quotes doubled inside quoted cells).
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

// A JSON value as the CSV export writes it.
function csvCell(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((s) => String(s).replace(/[\\|]/g, '\\$&')).join('|');
  return String(v);
}

// The ZIP entries of an XLSX file (central directory; stored or deflated).
function unzip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, 'not a ZIP file');
  const files = {};
  let p = buf.readUInt32LE(end + 16);
  for (let n = buf.readUInt16LE(end + 10); n > 0; n--) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files[name] = method === 8 ? inflateRawSync(data) : data;
    p += 46 + skip;
  }
  return files;
}

const xmlText = (s) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// The first sheet's rows: arrays of {t: type, v: value}.
function sheet(files) {
  const shared = [];
  const sst = files['xl/sharedStrings.xml'];
  if (sst) for (const m of sst.toString('utf8').matchAll(/<si>(.*?)<\/si>/gs)) shared.push([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((x) => xmlText(x[1])).join(''));
  const rows = [];
  for (const row of files['xl/worksheets/sheet1.xml'].toString('utf8').matchAll(/<row [^>]*>(.*?)<\/row>/gs)) {
    const cells = [];
    for (const c of row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const col = [...c[1]].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const t = (/t="(\w+)"/.exec(c[2]) || [])[1] || 'n';
      const inner = c[3] || '';
      const v = (/<v>(.*?)<\/v>/s.exec(inner) || [])[1];
      let value;
      if (t === 'inlineStr' || t === 'str') value = xmlText((/<t[^>]*>(.*?)<\/t>/s.exec(inner) || [])[1] ?? v ?? '');
      else if (t === 's') value = shared[Number(v)];
      else if (t === 'b') value = v === '1';
      else value = Number(v);
      cells[col] = { t, v: value };
    }
    rows.push(cells);
  }
  return rows;
}

// An Excel serial number (1900 system, UTC) as ISO text of the given length.
const excelIso = (serial, len) => new Date(Math.round((serial - 25569) * 86400000)).toISOString().slice(0, len);

// What the XLSX export should hold for one JSON value of the named field.
function assertXlsxCell(cell, want, name, where) {
  if (want === null || want === undefined || (Array.isArray(want) && !want.length && !cell)) return assert.equal(cell, undefined, `${where}: ${name} should be empty`);
  if (typeof want === 'number') return assert.equal(cell.v, want, `${where}: ${name}`);
  if (typeof want === 'boolean') return assert.deepEqual([cell.t, cell.v], ['b', want], `${where}: ${name}`);
  if (Array.isArray(want)) return assert.equal(cell.v, csvCell(want), `${where}: ${name}`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(want)) return assert.equal(excelIso(cell.v, 19) + 'Z', want, `${where}: ${name} (a date-time)`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(want) && want >= '1900') {
    assert.equal(cell.t, 'n', `${where}: ${name} is a date, not text`);
    return assert.equal(excelIso(cell.v, 10), want, `${where}: ${name}`);
  }
  return assert.equal(cell.v, want, `${where}: ${name}`);
}

// A record without what the server sets, for comparing across databases.
const data = ({ id, created_at, updated_at, version, ...rest }) => rest;

/* ---- fixture: organisations through the import itself ------------------------------ */

function orgRow(i) {
  const country = COUNTRIES[i % 3];
  const name = i % 7 === 0 ? `Фонд «Память» № ${i}` : `Organisation ${i}, "Quoted"`;
  const areas = i % 5 === 0 ? 'health|a\\|b' : i % 5 === 1 ? 'education' : '';
  const founded = i % 11 === 0 ? '1899-12-31' : `19${String(50 + (i % 50)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 9}`;
  const description = i % 13 === 0 ? '"Line one\nline two, ""quoted"""' : '';
  const pub = i % 4 === 0 ? 'true' : 'false';
  return [`"${name.replace(/"/g, '""')}"`, country, `REG-${i}`, founded, areas, description, pub, i % 6 === 0 ? `info${i}@example.org` : ''].join(',');
}

const HEADER = 'name,country,registration_no,founded_on,areas,description,public,email';

before(async () => {
  srv = await startServer({ ngo: true });
  const lines = [HEADER];
  for (let i = 0; i < N_ORGS; i++) lines.push(orgRow(i));
  const r = await upload(IMPORT, lines.join('\r\n') + '\r\n', { query: 'filename=fixture.csv' });
  assert.equal(r.status, 200, r.text);
  // A second ngo, so that "only its own" has something to leave out.
  const o = await srv.api('POST', ORGS, { body: { name: 'Другая организация', country: 'RU' } });
  assert.equal(o.status, 201, o.text);
  other = o.json.id;
  await addUser(srv.db, 'other@test.example', 'ngo', { org: other });
  otherToken = await createToken(srv.db, 'other@test.example');
  for (const [org, who] of [[srv.orgId, 'own'], [other, 'other']]) {
    for (let k = 0; k < 3; k++) {
      const p = await srv.api('POST', '/api/v1/people', { body: { full_name: `Person ${who} ${k}`, organisation_id: org, languages: ['ru', 'en'] } });
      assert.equal(p.status, 201, p.text);
    }
  }
});

after(async () => {
  if (srv) await srv.stop();
});

/* ---- import ------------------------------------------------------------------------- */

test('an admin uploads a CSV: 200 with the report, the rows in the list, one audit entry naming the file', async () => {
  const r = await srv.api('GET', `${ORGS}?count=true&limit=1`);
  assert.equal(r.json.total, N_ORGS + 2); // the ngo's own, the fixture, the other ngo
  const audit = await srv.api('GET', '/api/v1/audit?action=import&resource=organisations');
  assert.equal(audit.status, 200, audit.text);
  const entry = audit.json.items.find((e) => (e.after?.source ?? '') === 'fixture.csv');
  assert.ok(entry, JSON.stringify(audit.json.items).slice(0, 500));
  assert.equal(entry.after.created, N_ORGS);
  assert.equal(entry.after.rows, N_ORGS);

  const csv = 'name,country,city\nImported One,AM,Yerevan\nImported Two,KZ,Almaty\n';
  const up = await upload(IMPORT, csv, { query: 'filename=two.csv' });
  assert.equal(up.status, 200, up.text);
  assert.match(up.headers.get('content-type'), /^application\/json/);
  assert.equal(up.json.committed, true);
  assert.equal(up.json.rows, 2);
  assert.equal(up.json.imported, 2);
  assert.deepEqual(up.json.errors, []);
  assert.equal(typeof up.json.seconds, 'number');
  const two = await srv.api('GET', `${ORGS}?country=KZ`);
  assert.deepEqual(two.json.items.map((o) => [o.name, o.city]), [['Imported Two', 'Almaty']]);
  const entries = (await srv.api('GET', '/api/v1/audit?action=import&resource=organisations')).json.items;
  const e2 = entries.find((e) => e.after?.source === 'two.csv');
  assert.equal(e2.after.sha256, createHash('sha256').update(csv).digest('hex'));
  assert.equal(e2.actor, 'admin@test.example');
});

test('a CSV with bad rows: 422 naming each line and field, and nothing imported', async () => {
  const before = (await srv.api('GET', `${ORGS}?count=true&limit=1`)).json.total;
  const csv = [
    'name,country,founded_on,public,areas,email',
    'Good row,RU,2001-02-03,true,a|b,ok@example.org', // 2
    'Bad country,XX,,,,', // 3
    ',FR,,,,', // 4: name missing
    'Bad date,FR,2001-02-30,,,', // 5
    '"Quoted over', // 6: a record over two lines ...
    'two lines",DE,,maybe,,', // ... with a bad yes/no
    'Ragged,DE', // 8
    'Bad mail,DE,,,,not-an-address', // 9
  ].join('\n') + '\n';
  const r = await upload(IMPORT, csv);
  const p = assertProblem(r, 422, { path: IMPORT, detail: /nothing was imported: 6 of 7 rows are not valid/ });
  assert.equal(p.committed, false);
  assert.equal(p.imported, 0);
  assert.equal(p.invalid, 6);
  const got = p.errors.map((e) => `${e.line} ${e.field}: ${e.message}`);
  const want = [
    /^3 country: must be an ISO 3166-1 alpha-2 country code/,
    /^4 name: is required$/,
    /^5 founded_on: must be a date that exists/,
    /^6 name: contains a line break/, // a name is one line (issue 16)
    /^6 public: must be true or false$/,
    /^8 : has 2 cells where the header has 6$/,
    /^9 email: must be an e-mail address$/,
  ];
  assert.equal(got.length, want.length, got.join('\n'));
  want.forEach((re, i) => assert.match(got[i], re));
  assert.equal((await srv.api('GET', `${ORGS}?count=true&limit=1`)).json.total, before);
  assert.equal((await srv.api('GET', `${ORGS}?q=Good%20row`)).json.items.length, 0);

  // A file that cannot be read at all: a header naming no field.
  const bad = await upload(IMPORT, 'nom,pays\nA,RU\n');
  const q = assertProblem(bad, 422, { detail: /nothing was imported/ });
  assert.match(q.errors[0].message, /is not a field of organisation/);
  assert.equal(q.errors[0].line, 1);
});

test('skip_invalid=true imports the good rows and returns the bad ones with an error column', async () => {
  const csv = 'name,country\nSkip A,RU\nSkip B,XX\nSkip C,FR\n,DE\n';
  const r = await upload(IMPORT, csv, { query: 'skip_invalid=true' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.imported, 2);
  assert.equal(r.json.invalid, 2);
  assert.deepEqual(r.json.errors.map((e) => [e.line, e.field]), [[3, 'country'], [5, 'name']]);
  assert.equal(
    r.json.rejects,
    'name,country,error\r\nSkip B,XX,"country: must be an ISO 3166-1 alpha-2 country code, such as RU or FR"\r\n,DE,name: is required\r\n',
  );
  const names = (await srv.api('GET', `${ORGS}?q=Skip`)).json.items.map((o) => o.name).sort();
  assert.deepEqual(names, ['Skip A', 'Skip C']);
  // Every row bad: nothing imported is a 422, with the same report.
  const none = await upload(IMPORT, 'name,country\nX,XX\n', { query: 'skip_invalid=true' });
  const p = assertProblem(none, 422, { detail: /nothing was imported: 1 of 1 rows/ });
  assert.equal(p.imported, 0);
  assert.match(p.rejects, /^name,country,error\r\nX,XX,/);
});

test('possible duplicates: refused by default, skipped or updated when asked', async () => {
  const first = await upload(IMPORT, 'name,country,registration_no,city\nДубль Общество,AM,D-1,Yerevan\n');
  assert.equal(first.status, 200, first.text);
  const id = (await srv.api('GET', `${ORGS}?registration_no=D-1`)).json.items[0].id;
  const again = 'name,country,registration_no,city\nOther name,AM,D-1,Gyumri\n«ДУБЛЬ» общество,AM,,Vanadzor\n';
  const r = await upload(IMPORT, again);
  const p = assertProblem(r, 422);
  assert.deepEqual(
    p.errors.map((e) => `${e.line} ${e.field}: ${e.message}`),
    [
      `2 registration_no: possible duplicate of organisation ${id} (same country and registration number)`,
      `3 name: possible duplicate of organisation ${id} (same country and a similar name)`,
    ],
  );
  const skip = await upload(IMPORT, again, { query: 'on_duplicate=skip' });
  assert.equal(skip.status, 200, skip.text);
  assert.equal(skip.json.skipped, 2);
  assert.equal(skip.json.imported, 0);
  assert.equal(skip.json.duplicate_rows.length, 2);
  assert.match(skip.json.duplicate_rows[0].message, /^skipped: possible duplicate/);
  const upd = await upload(IMPORT, 'name,country,registration_no,city\nДубль Общество,AM,D-1,Dilijan\n', { query: 'on_duplicate=update' });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.json.updated, 1);
  const rec = await srv.api('GET', `${ORGS}/${id}`);
  assert.equal(rec.json.city, 'Dilijan');
  assert.equal(rec.json.version, 2);
});

test('imports are for admins, as text/csv or JSON, with known parameters, within the size limit', async () => {
  const csv = 'name,country\nNot allowed,RU\n';
  assertProblem(await upload(IMPORT, csv, { token: srv.tokens.officer }), 403);
  assertProblem(await upload(IMPORT, csv, { token: srv.tokens.ngo }), 403);
  assertProblem(await upload(IMPORT, csv, { token: null }), 401);
  assert.equal((await srv.api('GET', `${ORGS}?q=${encodeURIComponent('Not allowed')}`)).json.items.length, 0);
  assertProblem(await upload(IMPORT, csv, { type: 'application/vnd.ms-excel' }), 415, { detail: /text\/csv/ });
  assertProblem(await upload(IMPORT, csv, { query: 'on_duplicate=merge' }), 400, { fields: { on_duplicate: /error, skip or update/ } });
  assertProblem(await upload(IMPORT, csv, { query: 'skip_invalid=yes' }), 400, { fields: { skip_invalid: /true or false/ } });
  assertProblem(await upload(IMPORT, csv, { query: 'dry_run=true' }), 400, { fields: { dry_run: /not a parameter/ } });
  assertProblem(await upload('/api/v1/unicorns/import', csv), 404);
  assertProblem(await srv.api('GET', IMPORT), 405);
  // Over LIMIT_CSV_UPLOAD (64 MiB), announced: refused before the body is sent.
  const big = await srv.raw(
    `POST ${IMPORT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\nContent-Type: text/csv\r\n` +
      `Content-Length: ${65 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
    { end: false, timeoutMs: 5000 },
  );
  assert.equal(big.status, 413, big.raw.slice(0, 300));
  assert.match(JSON.parse(big.body).detail, /64 MiB/);
  // A JSON array of records is an import too.
  const js = await upload(IMPORT, JSON.stringify([{ name: 'From JSON', country: 'GE' }]), { type: 'application/json' });
  assert.equal(js.status, 200, js.text);
  assert.equal(js.json.imported, 1);
  // Empty: the file has no header.
  const empty = await upload(IMPORT, '');
  assertProblem(empty, 422);
});

/* ---- export ------------------------------------------------------------------------- */

test('CSV, JSON and XLSX exports of a filtered list hold exactly the JSON list\'s items', async () => {
  const filter = 'country=RU&public=false';
  const items = await listAll(`${ORGS}?${filter}`);
  assert.ok(items.length > 500, `only ${items.length}: the export should span pages`);

  const csv = await download(`${ORGS}?${filter}&format=csv`);
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8; header=present');
  assert.match(csv.headers.get('content-disposition'), /^attachment; filename="organisations-\d{4}-\d{2}-\d{2}\.csv"$/);
  assert.equal(csv.headers.get('transfer-encoding'), 'chunked', 'a long export is streamed, not sized in advance');
  assert.equal(csv.headers.get('x-content-type-options'), 'nosniff');
  const rows = parseCsv(csv.text);
  const header = rows.shift();
  assert.deepEqual(header, Object.keys(items[0]));
  assert.equal(rows.length, items.length);
  items.forEach((it, i) => assert.deepEqual(rows[i], header.map((k) => csvCell(it[k])), `row ${i + 1}`));

  // The same through Accept, and with sort/limit/cursor ignored (an export is the whole list).
  const viaAccept = await download(`${ORGS}?${filter}&limit=3&sort=-name`, { headers: { accept: 'text/csv' } });
  assert.equal(viaAccept.status, 200);
  assert.equal(viaAccept.text, csv.text);
  const json = await download(`${ORGS}?${filter}&format=json`);
  assert.equal(json.headers.get('content-type'), 'application/json');
  assert.match(json.headers.get('content-disposition'), /filename="organisations-[\d-]+\.json"/);
  assert.deepEqual(JSON.parse(json.text), items);

  const xlsx = await download(`${ORGS}?${filter}&format=xlsx`);
  assert.equal(xlsx.status, 200, xlsx.text.slice(0, 300));
  assert.equal(xlsx.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(xlsx.headers.get('content-disposition'), /filename="organisations-[\d-]+\.xlsx"/);
  assert.equal(Number(xlsx.headers.get('content-length')), xlsx.body.length);
  const cells = sheet(unzip(xlsx.body));
  assert.deepEqual(cells[0].map((c) => c.v), header);
  assert.equal(cells.length, items.length + 1);
  items.forEach((it, i) => header.forEach((k, col) => assertXlsxCell(cells[i + 1][col], it[k], k, `row ${i + 1}`)));

  // Text search narrows exports as it does lists.
  const q = await listAll(`${ORGS}?q=${encodeURIComponent('Память')}&country=FR`);
  assert.ok(q.length > 0);
  assert.deepEqual(JSON.parse((await download(`${ORGS}?q=${encodeURIComponent('Память')}&country=FR&format=json`)).text), q);
  // A short export is complete at once: sized, not chunked.
  const small = await download(`${ORGS}?country=KZ&format=csv`);
  assert.equal(Number(small.headers.get('content-length')), small.body.length);
});

test('an export with no records is a header row, an empty array, an empty sheet', async () => {
  const csv = await download(`${ORGS}?country=NZ&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.text, /^id,name,.*,version\r\n$/);
  assert.equal((await download(`${ORGS}?country=NZ&format=json`)).text.trim(), '[]');
  const x = await download(`${ORGS}?country=NZ&format=xlsx`);
  assert.equal(sheet(unzip(x.body)).length, 1);
});

test('bad export requests are problems: an unknown format, a filter that is not one', async () => {
  assertProblem(await srv.api('GET', `${ORGS}?format=pdf`), 400, { fields: { format: /csv, json or xlsx/ } });
  assertProblem(await srv.api('GET', `${ORGS}?format=csv&colour=red`), 400, { fields: { colour: /not a filter/ } });
  assertProblem(await srv.api('GET', `${ORGS}?format=csv&country=Russia`), 400, { fields: { country: /ISO 3166/ } });
  // JSON first in Accept keeps the usual page; a file type first gets the file.
  const page = await download(`${ORGS}?limit=2`, { headers: { accept: 'application/json, text/csv' } });
  assert.equal(JSON.parse(page.text).items.length, 2);
  const file = await download(`${ORGS}?country=KZ`, { headers: { accept: 'text/csv;q=0.9, application/json;q=0.5' } });
  assert.match(file.text, /^id,name,/);
  const refused = await download(`${ORGS}?limit=1`, { headers: { accept: 'text/csv;q=0, application/json' } });
  assert.equal(JSON.parse(refused.text).items.length, 1);
});

test('an NGO\'s export holds what its list shows it and nothing else; anonymous callers get public records', async () => {
  for (const [token, org] of [[srv.tokens.ngo, srv.orgId], [otherToken, other]]) {
    const people = await listAll('/api/v1/people', token);
    assert.equal(people.length, 3);
    assert.ok(people.every((p) => p.organisation_id === org));
    const rows = parseCsv((await download('/api/v1/people?format=csv', { token })).text);
    assert.deepEqual(rows.slice(1).map((r) => Number(r[0])), people.map((p) => p.id));
    assert.deepEqual(JSON.parse((await download('/api/v1/people?format=json', { token })).text), people);
    const x = sheet(unzip((await download('/api/v1/people?format=xlsx', { token })).body));
    assert.deepEqual(x.slice(1).map((r) => r[0].v), people.map((p) => p.id));
    // Organisations: its own and the public ones, as the list says.
    const orgs = await listAll(ORGS, token);
    assert.ok(orgs.some((o) => o.id === org));
    assert.ok(orgs.every((o) => o.id === org || o.public));
    assert.deepEqual(JSON.parse((await download(`${ORGS}?format=json`, { token })).text), orgs);
  }
  // A filter naming another organisation's records does not reach them.
  const sneaky = await download(`/api/v1/people?organisation_id=${other}&format=json`, { token: srv.tokens.ngo });
  assert.deepEqual(JSON.parse(sneaky.text), []);
  const anon = await download(`${ORGS}?format=csv`, { token: null });
  assert.equal(anon.status, 200);
  const pub = parseCsv(anon.text);
  const col = pub[0].indexOf('public');
  assert.ok(pub.length > 100);
  assert.ok(pub.slice(1).every((r) => r[col] === 'true'));
  assertProblem(await srv.api('GET', '/api/v1/people?format=csv', { token: null }), 401);
});

test('a sub-collection exports its parent\'s records only, and only when the parent is visible', async () => {
  const mk = async (title, published) => {
    const m = await srv.api('POST', '/api/v1/meetings', { body: { kind: 'consultation', title, starts_at: '2026-03-01T10:00:00Z', published } });
    assert.equal(m.status, 201, m.text);
    for (let k = 0; k < 3; k++) {
      const a = await srv.api('POST', `/api/v1/meetings/${m.json.id}/actions`, { body: { text: `${title} action ${k}, "with quotes"`, due_on: `2026-04-0${k + 1}` } });
      assert.equal(a.status, 201, a.text);
    }
    return m.json.id;
  };
  const open = await mk('Open consultation', true);
  const closed = await mk('Closed consultation', false);
  const path = `/api/v1/meetings/${open}/actions`;
  const items = await listAll(path);
  assert.equal(items.length, 3);
  const csv = await download(`${path}?format=csv`);
  assert.match(csv.headers.get('content-disposition'), new RegExp(`filename="meetings-${open}-actions-[\\d-]+\\.csv"`));
  const rows = parseCsv(csv.text);
  assert.deepEqual(rows.slice(1).map((r) => Number(r[0])), items.map((i) => i.id));
  assert.ok(rows.slice(1).every((r) => r[rows[0].indexOf('meeting_id')] === String(open)));
  assert.deepEqual(JSON.parse((await download(`${path}?format=json&done=false`)).text), await listAll(`${path}?done=false`));
  // The ngo sees the published meeting's actions, not the other's.
  assert.equal((await download(`${path}?format=csv`, { token: srv.tokens.ngo })).status, 200);
  assertProblem(await srv.api('GET', `/api/v1/meetings/${closed}/actions?format=csv`, { token: srv.tokens.ngo }), 404);
});

test('an export re-imports to the same data (CSV and JSON, into a new database)', async () => {
  const csv = await download(`${ORGS}?country=DE&format=csv`);
  const json = await download(`${ORGS}?country=DE&format=json`);
  const want = JSON.parse(json.text).map(data);
  assert.ok(want.length > 500);
  const fresh = await startServer();
  try {
    const up = await fresh.api('POST', IMPORT, { rawBody: csv.body, headers: { 'content-type': 'text/csv' } });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.imported, want.length);
    const back = await fresh.api('GET', `${ORGS}?format=json`);
    assert.deepEqual(back.json.map(data), want);
    // The JSON file into another collection's twin: a second fresh database.
    const fresh2 = await startServer();
    try {
      const upj = await fresh2.api('POST', IMPORT, { rawBody: json.body, headers: { 'content-type': 'application/json' } });
      assert.equal(upj.status, 200, upj.text);
      assert.deepEqual((await fresh2.api('GET', `${ORGS}?format=json`)).json.map(data), want);
    } finally {
      await fresh2.stop();
    }
  } finally {
    await fresh.stop();
  }
});
