// Black-box tests of `civdesk import` and `civdesk export`: the real binary on temporary
// databases. What a user sees: exit codes, `line N, field F: message` on stderr, what is
// (and is not) in the database afterwards, and files that re-import to the same data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { cli, cliOk, tempDir } from './lib/server.mjs';

let dir;
let n = 0;

before(async () => {
  dir = await tempDir();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A new empty database; returns its path.
async function newDb() {
  const db = join(dir, `io-${++n}.db`);
  await cliOk(['init', '--db', db]);
  return db;
}

async function file(name, content) {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

async function exportJson(db, kind = 'organisations', extra = []) {
  const r = await cliOk(['export', kind, '--format', 'json', '--db', db, ...extra]);
  return JSON.parse(r.stdout);
}

// Records without what the server sets, for comparing across databases.
function data(records) {
  return records.map(({ id, created_at, updated_at, version, ...rest }) => rest);
}

test('a file with every kind of bad row: each named with its line, nothing imported', async () => {
  const db = await newDb();
  const csv = await file(
    'bad.csv',
    [
      'name,country,founded_on,legal_form,public,areas,email,website',
      'Good one,RU,2001-02-03,foundation,true,a|b,info@good.example,https://good.example', // 2
      'Bad country,XX,,,,,,', // 3
      ',RU,,,,,,', // 4: required name missing
      'Bad date,FR,2001-02-30,,,,,', // 5
      'Bad enum,FR,,charity,,,,', // 6
      'Bad bool,FR,,,maybe,,,', // 7
      '"Two', // 8: a quoted name over two lines ...
      'lines",DE,,,,a||b,,', // ... with an empty list item
      'Ragged,DE', // 10
      'Bad mail,DE,,,,,not-an-email,', // 11
      'Bad url,DE,,,,,,ftp://x.example', // 12
      'Future,DE,2999-01-01,,,,,', // 13
      'good one,RU,,,,,,', // 14: same country, similar name as line 2
    ].join('\n') + '\n',
  );
  const r = await cli(['import', 'organisations', csv, '--db', db]);
  assert.equal(r.code, 1, r.stderr);
  const expect = [
    /^line 3, field country: must be an ISO 3166-1 alpha-2 country code/m,
    /^line 4, field name: is required$/m,
    /^line 5, field founded_on: must be a date that exists/m,
    /^line 6, field legal_form: is not one of the allowed values$/m,
    /^line 7, field public: must be true or false$/m,
    /^line 8, field areas: has an empty item/m,
    /^line 10: has 2 cells where the header has 8$/m,
    /^line 11, field email: must be an e-mail address$/m,
    /^line 12, field website: must be an http:\/\/ or https:\/\/ address$/m,
    /^line 13, field founded_on: is in the future$/m,
    /^line 14, field name: possible duplicate of line 2 \(same country and a similar name\)$/m,
    /^civdesk: 11 of 12 rows are invalid; nothing was imported/m,
  ];
  for (const re of expect) assert.match(r.stderr, re);
  assert.deepEqual(await exportJson(db), []);
});

test('unknown and missing columns are named, and the file is refused', async () => {
  const db = await newDb();
  const csv = await file('cols.csv', 'name,contry\nA,RU\n');
  const r = await cli(['import', 'organisations', csv, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^line 1, field contry: is not a field of organisation \(its fields: name, /m);
  assert.match(r.stderr, /^line 1, field country: is required: the header needs it$/m);
});

test('BOM, semicolons and quoted newlines are read as a spreadsheet writes them', async () => {
  const db = await newDb();
  const csv = await file(
    'excel.csv',
    '\uFEFFname;country;description;areas;public\r\n' +
      '"Memorial; Society";RU;"first line\r\nsecond line";human rights|history;TRUE\r\n' +
      '"Say ""hi""";FR;;;FALSE\r\n',
  );
  const r = await cliOk(['import', 'organisations', csv, '--db', db]);
  assert.match(r.stdout, /imported 2 organisations/);
  const orgs = await exportJson(db);
  assert.equal(orgs.length, 2);
  assert.equal(orgs[0].name, 'Memorial; Society');
  assert.equal(orgs[0].description, 'first line\r\nsecond line');
  assert.deepEqual(orgs[0].areas, ['human rights', 'history']);
  assert.equal(orgs[0].public, true);
  assert.equal(orgs[1].name, 'Say "hi"');
  assert.equal(orgs[1].public, false);
});

test('invalid UTF-8 and malformed quoting are reported with their line', async () => {
  const db = await newDb();
  const bad = await file('latin1.csv', Buffer.from('name,country\nCaf\xe9,FR\n', 'latin1'));
  let r = await cli(['import', 'organisations', bad, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^line 2, field name: is not valid UTF-8 text$/m);
  const quote = await file('quote.csv', 'name,country\nA,RU\nB "the second",FR\n');
  r = await cli(['import', 'organisations', quote, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^line 3: a quote inside an unquoted cell/m);
  const open = await file('open.csv', 'name,country\nA,RU\n"B,FR\nC,DE\n');
  r = await cli(['import', 'organisations', open, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^line 3: a quoted cell is never closed/m);
  assert.deepEqual(await exportJson(db), []);
});

test('--skip-invalid imports the good rows and writes the bad ones with an error column', async () => {
  const db = await newDb();
  const csv = await file('mixed.csv', 'name,country\nA,RU\nB,XX\nC,FR\n,DE\n');
  const rejects = join(dir, 'rejects.csv');
  const r = await cliOk(['import', 'organisations', csv, '--skip-invalid', rejects, '--db', db]);
  assert.match(r.stdout, /imported 2 organisations, set aside 2 invalid rows in /);
  assert.deepEqual(
    (await exportJson(db)).map((o) => o.name),
    ['A', 'C'],
  );
  const text = await readFile(rejects, 'utf8');
  assert.equal(
    text,
    'name,country,error\r\n' +
      'B,XX,"country: must be an ISO 3166-1 alpha-2 country code, such as RU or FR"\r\n' +
      ',DE,name: is required\r\n',
  );
  // Fixed, the rejects file imports as it is: its error column is ignored.
  await writeFile(rejects, text.replace('B,XX', 'B,DE').replace(',DE,name', 'D,DE,name'));
  await cliOk(['import', 'organisations', rejects, '--db', db]);
  assert.equal((await exportJson(db)).length, 4);
});

test('--skip-invalid leaves no rejects file when every row is good', async () => {
  const db = await newDb();
  const csv = await file('good.csv', 'name,country\nA,RU\n');
  const rejects = join(dir, 'none.csv');
  await cliOk(['import', 'organisations', csv, '--skip-invalid', rejects, '--db', db]);
  await assert.rejects(stat(rejects), { code: 'ENOENT' });
});

test('possible duplicates: error by default, skipped or updated on request', async () => {
  const db = await newDb();
  await cliOk([
    'import', 'organisations',
    await file('first.csv', 'name,country,registration_no,city\nMemorial Society,RU,77-1,Moscow\n'),
    '--db', db,
  ]);
  const again = await file(
    'again.csv',
    'name,country,registration_no,city\n' +
      'Other Name,RU,77-1,Perm\n' + // same registration number
      '«MEMORIAL» society,RU,,Tula\n' + // similar name
      'Memorial Society,DE,,Berlin\n', // another country: not a duplicate
  );
  let r = await cli(['import', 'organisations', again, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^line 2, field registration_no: possible duplicate of organisation 1 \(same country and registration number\)$/m);
  assert.match(r.stderr, /^line 3, field name: possible duplicate of organisation 1 \(same country and a similar name\)$/m);

  r = await cliOk(['import', 'organisations', again, '--on-duplicate', 'skip', '--db', db]);
  assert.match(r.stdout, /imported 1 organisations, skipped 2 possible duplicates/);
  assert.match(r.stderr, /^line 2, field registration_no: skipped: possible duplicate of organisation 1/m);

  const update = await file('update.csv', 'name,country,registration_no,city\nMemorial Society,RU,77-1,Kazan\n');
  r = await cliOk(['import', 'organisations', update, '--on-duplicate', 'update', '--db', db]);
  assert.match(r.stdout, /imported 0 organisations, updated 1/);
  const orgs = await exportJson(db, 'organisations', ['--filter', 'country=RU']);
  assert.equal(orgs.length, 1);
  assert.equal(orgs[0].city, 'Kazan');
  assert.equal(orgs[0].version, 2);

  r = await cli(['import', 'organisations', update, '--on-duplicate', 'merge', '--db', db]);
  assert.equal(r.code, 2);
});

test('people import checks references and languages', async () => {
  const db = await newDb();
  await cliOk(['import', 'organisations', await file('o.csv', 'name,country\nA,RU\n'), '--db', db]);
  const csv = await file('p.csv', 'full_name,organisation_id,languages\nAnna,1,ru|en\nBoris,42,\nClara,1,xx\n');
  const r = await cli(['import', 'people', csv, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^line 3, field organisation_id: no organisation with id 42$/m);
  assert.match(r.stderr, /^line 4, field languages: /m);
  const ok = await file('p2.csv', 'full_name,organisation_id,languages\nAnna,1,ru|en\n');
  await cliOk(['import', 'people', ok, '--db', db]);
  const people = await exportJson(db, 'people');
  assert.deepEqual(people[0].languages, ['ru', 'en']);
});

test('100,000 rows import in one go, with progress lines when stderr is not a terminal', async () => {
  const db = await newDb();
  const countries = ['RU', 'FR', 'DE', 'US', 'GB', 'IT', 'ES', 'KZ', 'AM', 'BR'];
  const lines = ['name,country,registration_no,city,areas,public'];
  for (let i = 0; i < 100000; i++) {
    lines.push(`Organisation number ${i},${countries[i % 10]},R-${i},City ${i % 97},education|health,${i % 2 ? 'true' : 'false'}`);
  }
  const csv = await file('big.csv', lines.join('\n') + '\n');
  const r = await cli(['import', 'organisations', csv, '--db', db], { timeoutMs: 300000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 100,000 organisations \(100,000 rows in [\d.]+ s, \d+ rows\/s\)/);
  assert.match(r.stderr, /^civdesk: import: 50,\d{3} rows read \(\d+%\), \d+ rows\/s$/m);
  assert.doesNotMatch(r.stderr, /\r/); // no terminal bar in a pipe
  const out = join(dir, 'big-out.csv');
  const e = await cliOk(['export', 'organisations', '-o', out, '--db', db], { timeoutMs: 300000 });
  assert.match(e.stderr, /exported 100,000 organisations/);
  const text = await readFile(out, 'utf8');
  assert.equal(text.trimEnd().split('\r\n').length, 100001);
  // The same file again: every row a duplicate, nothing half-imported.
  const again = await cli(['import', 'organisations', csv, '--db', db], { timeoutMs: 300000 });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^\.\.\. and 99,900 more errors$/m);
  assert.match(again.stderr, /100,000 of 100,000 rows are invalid; nothing was imported/);
});

const SAMPLE =
  'name,name_en,country,city,legal_form,registration_no,founded_on,website,email,phone,areas,description,public\n' +
  '"Мемориал","Memorial",RU,Москва,public_association,1027700433771,1989-01-28,https://memo.example,info@memo.example,+7 495 000,human rights|history,"Multi\nline, with ""quotes""",true\n' +
  'Green Future,,FR,Lyon,association,,1999-12-31,,,,"environment|a\\|b",,false\n' +
  'Old Society,,GB,,,,1860-05-01,,,,,,false\n';

test('CSV export re-imports to the same data', async () => {
  const db1 = await newDb();
  await cliOk(['import', 'organisations', await file('sample.csv', SAMPLE), '--db', db1]);
  const out = join(dir, 'round.csv');
  await cliOk(['export', 'organisations', '--format', 'csv', '-o', out, '--db', db1]);
  const db2 = await newDb();
  await cliOk(['import', 'organisations', out, '--db', db2]);
  const a = await exportJson(db1);
  const b = await exportJson(db2);
  assert.equal(a.length, 3);
  assert.deepEqual(data(b), data(a));
  assert.deepEqual(a[1].areas, ['environment', 'a|b']);
});

test('JSON export re-imports to the same data', async () => {
  const db1 = await newDb();
  await cliOk(['import', 'organisations', await file('sample2.csv', SAMPLE), '--db', db1]);
  const out = join(dir, 'round.json');
  await cliOk(['export', 'organisations', '-o', out, '--db', db1]); // format from the name
  const db2 = await newDb();
  const r = await cliOk(['import', 'organisations', out, '--db', db2]);
  assert.match(r.stdout, /imported 3 organisations \(3 items/);
  assert.deepEqual(data(await exportJson(db2)), data(await exportJson(db1)));
});

// ---- XLSX read back: a minimal ZIP reader and the sheet's cells ------------------------

function unzip(buf) {
  const files = {};
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    files[name] = method === 8 ? inflateRawSync(raw) : raw;
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const unescapeXml = (s) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// Rows of the first sheet as arrays of {type, value, style}; shared strings resolved.
function sheetRows(files) {
  const shared = [];
  if (files['xl/sharedStrings.xml']) {
    for (const m of files['xl/sharedStrings.xml'].toString('utf8').matchAll(/<si>(.*?)<\/si>/gs))
      shared.push([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => unescapeXml(t[1])).join(''));
  }
  const xml = files['xl/worksheets/sheet1.xml'].toString('utf8');
  const rows = [];
  for (const row of xml.matchAll(/<row [^>]*>(.*?)<\/row>/gs)) {
    const cells = [];
    for (const c of row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const col = [...c[1]].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const type = (c[2].match(/t="(\w+)"/) || [])[1] || 'n';
      const style = Number((c[2].match(/s="(\d+)"/) || [])[1] || 0);
      const body = c[3] || '';
      let value;
      if (type === 'inlineStr') value = unescapeXml((body.match(/<t[^>]*>(.*?)<\/t>/s) || [])[1] || '');
      else if (type === 's') value = shared[Number(body.match(/<v>(.*?)<\/v>/)[1])];
      else if (type === 'b') value = body.includes('<v>1</v>');
      else value = Number(body.match(/<v>(.*?)<\/v>/)[1]);
      cells[col] = { type, value, style };
    }
    rows.push(cells);
  }
  return { rows, xml };
}

// An Excel serial date (1900 system) as YYYY-MM-DD.
function excelDate(serial) {
  const ms = Math.round((serial - 25569) * 86400000);
  return new Date(ms).toISOString().slice(0, 10);
}

test('XLSX export: header row, widths, typed cells, dates as dates; reads back to the same data', async () => {
  const db = await newDb();
  await cliOk(['import', 'organisations', await file('sample3.csv', SAMPLE), '--db', db]);
  const out = join(dir, 'orgs.xlsx');
  const r = await cliOk(['export', 'organisations', '--format', 'xlsx', '-o', out, '--db', db]);
  assert.match(r.stderr, /exported 3 organisations to /);
  const files = unzip(await readFile(out));
  const { rows, xml } = sheetRows(files);
  assert.match(xml, /<cols>/);
  assert.match(xml, /<pane [^>]*ySplit="1"/);
  const header = rows[0].map((c) => c.value);
  assert.equal(header[0], 'id');
  assert.deepEqual(header.slice(-3), ['created_at', 'updated_at', 'version']);
  const json = await exportJson(db);
  assert.equal(rows.length, json.length + 1);
  const styles = files['xl/styles.xml'].toString('utf8');
  assert.match(styles, /formatCode="yyyy-mm-dd"/);
  for (let i = 0; i < json.length; i++) {
    const rec = json[i];
    const cells = rows[i + 1];
    header.forEach((name, col) => {
      const cell = cells[col];
      const want = rec[name];
      if (want === null) return assert.equal(cell, undefined, `${name} should be empty`);
      if (name === 'founded_on' && want >= '1900') {
        assert.equal(cell.type, 'n', 'a date is a number with a date format');
        assert.ok(cell.style > 0);
        return assert.equal(excelDate(cell.value), want);
      }
      if (name === 'created_at' || name === 'updated_at')
        return assert.equal(excelDate(cell.value), want.slice(0, 10));
      if (Array.isArray(want))
        return assert.equal(cell.value, want.map((s) => s.replace(/[\\|]/g, '\\$&')).join('|'));
      assert.equal(cell.value, want, `${name} of row ${i + 1}`);
    });
  }
  // 1860 is before Excel's first date: kept as text.
  assert.equal(rows[3][header.indexOf('founded_on')].value, '1860-05-01');
});

test('export filters, formats and usage errors', async () => {
  const db = await newDb();
  await cliOk(['import', 'organisations', await file('f.csv', 'name,country\nA,RU\nB,FR\nC,RU\n'), '--db', db]);
  const ru = await exportJson(db, 'organisations', ['--filter', 'country=RU']);
  assert.deepEqual(ru.map((o) => o.name), ['A', 'C']);
  const csv = await cliOk(['export', 'organisations', '--filter', 'country=FR', '--db', db]);
  assert.match(csv.stdout, /^id,name,/);
  assert.equal(csv.stdout.trimEnd().split('\r\n').length, 2);
  let r = await cli(['export', 'organisations', '--filter', 'colour=red', '--db', db]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /colour is not a filter of organisations/);
  r = await cli(['export', 'organisations', '--filter', 'country=Russia', '--db', db]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /country: must be an ISO 3166-1/);
  r = await cli(['export', 'organisations', '--format', 'pdf', '--db', db]);
  assert.equal(r.code, 2);
  r = await cli(['export', 'unicorns', '--db', db]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown kind 'unicorns'; kinds: organisations, people/);
  r = await cli(['import', 'organisations', join(dir, 'missing.csv'), '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read .*missing\.csv/);
});

test('a failed export leaves no half-written file behind', async () => {
  const db = await newDb();
  const out = join(dir, 'nowhere', 'x.csv');
  const r = await cli(['export', 'organisations', '-o', out, '--db', db]);
  assert.equal(r.code, 1);
  await assert.rejects(stat(out), { code: 'ENOENT' });
});

test('an import is one audit entry and the chain still verifies', async () => {
  const db = await newDb();
  await cliOk(['import', 'organisations', await file('a.csv', 'name,country\nA,RU\nB,FR\n'), '--db', db]);
  const r = await cli(['check', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
});
