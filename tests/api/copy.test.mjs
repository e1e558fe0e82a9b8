// civdesk copy (issue 20, part 1): a SQLite database filled through the API is moved to
// another store — the PostgreSQL test cluster in a PostgreSQL run (tests/pg/run.sh sets
// CIVDESK_TEST_PG), another SQLite file otherwise — and back; the target's check passes
// with the source's audit head, a server on it answers with the same records, ids are
// not reused; and every refusal is one line that changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm, mkdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cli, cliOk, addUser, createToken, launch, tempDir, newDatabase, sqlShell, request,
  ADMIN_EMAIL, OFFICER_EMAIL,
} from './lib/server.mjs';

const PG = Boolean(process.env.CIVDESK_TEST_PG);

let dir;
let source; // the SQLite file
let target; // a database of the cluster (PG) or a second file
let token;
const records = {}; // path → JSON as the source served it
let deletedId;
let newestId; // made and deleted on the target

// "head entry N HASH" as `civdesk check` reports it.
async function checkHead(db) {
  const r = await cliOk(['check', '--db', db]);
  const m = /head entry (\d+) ([0-9a-f]{64})/.exec(r.stdout);
  assert.ok(m, `check printed no head: ${r.stdout}`);
  return `${m[1]} ${m[2]}`;
}

// Rows per table from copy's closing table: {table: [source, target]}.
function countsOf(stdout) {
  const out = {};
  for (const line of stdout.split('\n')) {
    const m = /^(\w+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (m) out[m[1]] = [Number(m[2]), Number(m[3])];
  }
  return out;
}

function oneLine(r, re) {
  assert.equal(r.code, 1, `exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], re);
}

before(async () => {
  dir = await tempDir();
  source = join(dir, 'source.db');
  await cliOk(['init', '--db', source]);
  await addUser(source, ADMIN_EMAIL, 'admin');
  await addUser(source, OFFICER_EMAIL, 'officer');
  token = await createToken(source, ADMIN_EMAIL);
  await createToken(source, OFFICER_EMAIL);
  const srv = await launch(source, dir);
  try {
    const post = async (path, body) => {
      const r = await request(srv.url, 'POST', path, { body, token });
      assert.equal(r.status, 201, `${path}: ${r.text}`);
      return r.json;
    };
    const org = await post('/api/v1/organisations', { name: 'Фонд «Право»', country: 'RU', registration_no: 'C-1' });
    const gone = await post('/api/v1/organisations', { name: 'Удаляемая', country: 'RU' });
    const person = await post('/api/v1/people', { full_name: 'Анна Copy', organisation_id: org.id });
    const app = await post('/api/v1/applications', { organisation_id: org.id, body: 'ECOSOC', requested_status: 'special' });
    const t = await request(srv.url, 'POST', `/api/v1/applications/${app.id}/transitions`, { body: { to: 'submitted' }, token });
    assert.equal(t.status, 200, t.text);
    const acc = await post('/api/v1/accreditations', { organisation_id: org.id, body: 'UNESCO', status: 'consultative', granted_on: '2019-05-01' });
    const meeting = await post('/api/v1/meetings', { kind: 'consultation', title: 'Copy meeting', starts_at: '2026-03-01T10:00:00Z' });
    // The newest organisation deleted: its id must not come back on the target.
    const last = await post('/api/v1/organisations', { name: 'Последняя', country: 'FR' });
    for (const id of [gone.id, last.id]) {
      const d = await request(srv.url, 'DELETE', `/api/v1/organisations/${id}`, { token });
      assert.equal(d.status, 204, d.text);
    }
    deletedId = last.id;
    const csv = join(dir, 'orgs.csv');
    await writeFile(csv, 'name,country,city\nИмпорт один,RU,Казань\nImport two,DE,Berlin\n');
    await cliOk(['import', 'organisations', csv, '--db', source]);
    for (const path of [
      `/api/v1/organisations/${org.id}`, `/api/v1/people/${person.id}`, `/api/v1/applications/${app.id}`,
      `/api/v1/accreditations/${acc.id}`, `/api/v1/meetings/${meeting.id}`, '/api/v1/organisations?limit=50',
      '/api/v1/users', '/api/v1/audit?limit=100',
    ]) {
      const r = await request(srv.url, 'GET', path, { token });
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      records[path] = r.json;
    }
  } finally {
    await srv.stop({ keepDir: true });
  }
  await mkdir(join(dir, 'target'));
  target = await newDatabase(join(dir, 'target'));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`copy SQLite → ${PG ? 'PostgreSQL' : 'SQLite'}: counts, audit head, the same records served`, { timeout: 120000 }, async () => {
  const head = await checkHead(source);
  const r = await cliOk(['copy', '--from', source, '--to', target]);
  // Progress on stderr, table by table; the counts on both sides on stdout.
  assert.match(r.stderr, /copy: organisations: 3 of 3 rows/);
  assert.match(r.stderr, /copy: audit: \d+ of \d+ rows/);
  const counts = countsOf(r.stdout);
  for (const t of ['organisations', 'people', 'users', 'tokens', 'audit', 'applications', 'transitions', 'accreditations', 'meetings', 'bodies', 'settings'])
    assert.ok(counts[t], `no count for ${t}:\n${r.stdout}`);
  for (const [t, [s, d]] of Object.entries(counts)) assert.equal(d, s, `${t}: ${s} → ${d}`);
  assert.equal(counts.organisations[0], 3); // 3 made, 2 of them deleted, 2 imported
  assert.equal(counts.tokens[0], 2);
  assert.match(r.stdout, new RegExp(`audit head: source entry ${head.replace(' ', ' ')}, target entry ${head}`));

  assert.equal(await checkHead(target), head);

  const srv = await launch(target, join(dir, 'serve-target'));
  try {
    srv.tokens.admin = token; // the source's token works on the copy
    for (const [path, json] of Object.entries(records)) {
      const got = await srv.api('GET', path);
      assert.equal(got.status, 200, `${path}: ${got.text}`);
      assert.deepEqual(got.json, json, path);
    }
    const gone = await srv.api('GET', `/api/v1/organisations/${deletedId}`);
    assert.equal(gone.status, 404);
    // Found by the search index the copy rebuilt.
    const found = await srv.api('GET', '/api/v1/search?q=' + encodeURIComponent('Импорт'));
    assert.equal(found.status, 200, found.text);
    assert.ok(found.json.items.some((i) => /Импорт один/.test(JSON.stringify(i))), found.text);
    // A new record does not take the deleted newest one's id.
    const fresh = await srv.api('POST', '/api/v1/organisations', { body: { name: 'После копии', country: 'RU' } });
    assert.equal(fresh.status, 201, fresh.text);
    assert.ok(fresh.json.id > deletedId, `id ${fresh.json.id} after a deleted ${deletedId}`);
    // Deleted again on the copy: the way back must not hand its id out either.
    const d = await srv.api('DELETE', `/api/v1/organisations/${fresh.json.id}`);
    assert.equal(d.status, 204, d.text);
    newestId = fresh.json.id;
  } finally {
    await srv.stop({ keepDir: true });
  }
  assert.notEqual(await checkHead(target), head); // the new record was audited on the copy

  // And back: the target (PostgreSQL in a PostgreSQL run) to a new SQLite file.
  const back = join(dir, 'back.db');
  const headNow = await checkHead(target);
  const b = await cliOk(['copy', '--from', target, '--to', back]);
  for (const [t, [s, d]] of Object.entries(countsOf(b.stdout))) assert.equal(d, s, `back: ${t}`);
  assert.equal(await checkHead(back), headNow);
  assert.equal(countsOf(b.stdout).organisations[1], 3);
  const seq = await sqlShell(back, "SELECT seq FROM sqlite_sequence WHERE name = 'organisations';");
  assert.equal(seq.out.trim(), String(newestId), 'the high-water mark came back with the rows');
});

test('copy refuses a target that is not empty, and changes nothing', { timeout: 60000 }, async () => {
  const before = await checkHead(target);
  const r = await cli(['copy', '--from', source, '--to', target]);
  oneLine(r, /^civdesk: copy: the target .* is not empty \(\w+ has \d+ rows\): copy needs an empty database$/);
  assert.equal(await checkHead(target), before);
  assert.equal(r.stdout, '');
});

test('copy refuses a target at another schema version, naming both', { timeout: 60000 }, async () => {
  const other = join(dir, 'other.db');
  await cliOk(['init', '--db', other]);
  const v = Number((await sqlShell(other, 'PRAGMA user_version;')).out.trim());
  assert.ok(v > 1);
  await sqlShell(other, `PRAGMA user_version = ${v - 1};`);
  const r = await cli(['copy', '--from', source, '--to', other]);
  oneLine(r, new RegExp(`schema version ${v - 1} and the source ${v}: copy needs an empty target at version ${v}`));
  assert.equal((await sqlShell(other, 'PRAGMA user_version;')).out.trim(), String(v - 1));
  assert.equal((await sqlShell(other, 'SELECT count(*) FROM audit;')).out.trim(), '0');
});

test('copy refuses a source that is not at this version: run civdesk init on it', { timeout: 60000 }, async () => {
  const old = join(dir, 'old.db');
  await cliOk(['init', '--db', old]);
  const v = Number((await sqlShell(old, 'PRAGMA user_version;')).out.trim());
  await sqlShell(old, `PRAGMA user_version = ${v - 1};`);
  const fresh = join(dir, 'fresh-for-old.db');
  const r = await cli(['copy', '--from', old, '--to', fresh]);
  oneLine(r, new RegExp(`schema version ${v - 1}, this civdesk needs ${v}: run \`civdesk init\``));
  await assert.rejects(access(fresh), 'the target was not created');
  const missing = await cli(['copy', '--from', join(dir, 'nothing.db'), '--to', fresh]);
  oneLine(missing, /no database at .*nothing\.db/);
});

test('copy refuses a source holding a table it does not know how to copy, and writes nothing', { timeout: 60000 }, async () => {
  const extra = join(dir, 'extra.db');
  await cliOk(['init', '--db', extra]);
  await sqlShell(extra, 'CREATE TABLE later_feature (id INTEGER PRIMARY KEY, note TEXT);');
  const fresh = join(dir, 'fresh-for-extra.db');
  const r = await cli(['copy', '--from', extra, '--to', fresh]);
  oneLine(r, /does not know how to copy \(later_feature\): nothing was copied$/);
  await assert.rejects(access(fresh), 'the target was not created');
});

test('copy refuses an unreachable target, and a missing option', { timeout: 60000 }, async () => {
  const r = await cli(['copy', '--from', source, '--to', 'postgresql://civdesk@127.0.0.1:1/nowhere?connect_timeout=5']);
  oneLine(r, /^civdesk: copy: cannot reach postgresql:\/\/civdesk@127\.0\.0\.1:1\/nowhere/);
  const u = await cli(['copy', '--from', source]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /needs --from DB and --to DB/);
});

test('copy refuses a PostgreSQL target at another schema version', { skip: !PG && 'PostgreSQL only', timeout: 60000 }, async () => {
  await mkdir(join(dir, 'pgother'));
  const other = await newDatabase(join(dir, 'pgother'));
  await cliOk(['init', '--db', other]);
  const v = Number((await sqlShell(other, 'SELECT max(version) FROM civdesk_schema;')).out.trim());
  await sqlShell(other, `UPDATE civdesk_schema SET version = ${v + 1};`);
  const r = await cli(['copy', '--from', source, '--to', other]);
  oneLine(r, new RegExp(`schema version ${v + 1} and the source ${v}`));
  assert.equal((await sqlShell(other, 'SELECT count(*) FROM organisations;')).out.trim(), '0');
});

test('a target that civdesk init has just made counts as empty; one user in it does not', { timeout: 90000 }, async () => {
  await mkdir(join(dir, 'inited'));
  const inited = await newDatabase(join(dir, 'inited'));
  await cliOk(['init', '--db', inited]);
  const r = await cliOk(['copy', '--from', source, '--to', inited]);
  for (const [t, [s, d]] of Object.entries(countsOf(r.stdout))) assert.equal(d, s, `${t}: ${s} → ${d}`);
  assert.equal(await checkHead(inited), await checkHead(source));

  await mkdir(join(dir, 'used'));
  const used = await newDatabase(join(dir, 'used'));
  await cliOk(['init', '--db', used]);
  await addUser(used, 'someone@test.example', 'officer');
  const headBefore = await checkHead(used);
  const refused = await cli(['copy', '--from', source, '--to', used]);
  oneLine(refused, /is not empty \(users has 1 rows\)/);
  assert.equal(await checkHead(used), headBefore);
});
