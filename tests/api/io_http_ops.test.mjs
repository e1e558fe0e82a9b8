// Running civdesk as a service (issue 8, parts 3 and 4): /metrics is valid Prometheus text
// whose counters follow the requests made; one JSON access-log line per request with no
// secret in it; SIGTERM while requests are in flight loses nothing that was acknowledged,
// finishes what was under way, and exits 0.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, launch, request, assertProblem, ADMIN_EMAIL } from './lib/server.mjs';

/* ---- the Prometheus text format (exposition format 0.0.4) --------------------------- */

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

// Parses an exposition, failing on any line that is not valid. Returns
// {types: name -> type, samples: Map("name{labels}" -> number), families: [names in order]}.
function parseMetrics(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line break');
  const types = new Map();
  const samples = new Map();
  const seen = new Set(); // families whose samples have started
  const lines = text.slice(0, -1).split('\n');
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') continue;
    let m;
    if ((m = TYPE.exec(line))) {
      assert.ok(!types.has(m[1]), `${where}: a second TYPE for ${m[1]}`);
      assert.ok(!seen.has(m[1]), `${where}: TYPE after the family's samples`);
      types.set(m[1], m[2]);
      continue;
    }
    if (HELP.test(line) || (line.startsWith('#') && !line.startsWith('# TYPE') && !line.startsWith('# HELP'))) continue;
    m = SAMPLE.exec(line);
    assert.ok(m, `${where}: not a valid sample line`);
    const [, name, labels = '', value] = m;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `${where}: sample of ${name} without a TYPE`);
    if (name !== family) assert.equal(types.get(family), 'histogram', `${where}: _bucket/_sum/_count of a ${types.get(family)}`);
    seen.add(family);
    const key = `${name}{${labels.replace(/,$/, '')}}`;
    assert.ok(!samples.has(key), `${where}: the same series twice`);
    samples.set(key, Number(value.replace('Inf', 'Infinity')));
  }
  return { types, samples };
}

// The histogram's buckets are cumulative and end in +Inf = _count.
function checkHistogram(m, name) {
  const buckets = [...m.samples].filter(([k]) => k.startsWith(`${name}_bucket{`));
  assert.ok(buckets.length >= 2, `${name} has buckets`);
  let last = -1;
  let prevLe = -Infinity;
  for (const [k, v] of buckets) {
    const le = /le="([^"]+)"/.exec(k)[1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    assert.ok(bound > prevLe, `${k}: bounds increase`);
    assert.ok(v >= last, `${k}: cumulative`);
    prevLe = bound;
    last = v;
  }
  assert.equal(prevLe, Infinity, `${name}: the last bucket is +Inf`);
  assert.equal(last, m.samples.get(`${name}_count{}`), `${name}: +Inf bucket equals _count`);
  assert.ok(m.samples.get(`${name}_sum{}`) >= 0);
}

const series = (m, key) => m.samples.get(key) ?? 0;
const requests = (method, route, status) => `civdesk_http_requests_total{method="${method}",route="${route}",status="${status}"}`;

// The access-log lines (JSON) written so far. They are buffered and flushed each second:
// waits (up to 3 s) until `done(lines)` holds, then returns them either way.
async function accessLog(srv, done) {
  const lines = () =>
    srv
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  let got = lines();
  for (let waited = 0; !done(got) && waited < 3000; waited += 50) {
    await new Promise((res) => setTimeout(res, 50));
    got = lines();
  }
  return got;
}

async function metrics(srv) {
  const r = await srv.api('GET', '/metrics'); // administrators only (issue 16)
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return parseMetrics(r.text);
}

test('/metrics: every line is Prometheus text, and the counters follow the requests made', async () => {
  const srv = await startServer({ ngo: true });
  try {
    const m0 = await metrics(srv);
    for (const [name, type] of [
      ['civdesk_http_requests_total', 'counter'],
      ['civdesk_http_request_duration_seconds', 'histogram'],
      ['civdesk_http_in_flight', 'gauge'],
      ['civdesk_login_failures_total', 'counter'],
      ['civdesk_db_bytes', 'gauge'],
      ['civdesk_db_wal_bytes', 'gauge'],
      ['civdesk_db_writer_waiting', 'gauge'],
    ])
      assert.equal(m0.types.get(name), type, name);
    // The SQLite file's size; PostgreSQL's database has none civdesk can stat (issue 19:
    // pg_database_size() is still to be reported there).
    if (!process.env.CIVDESK_TEST_PG) assert.ok(series(m0, 'civdesk_db_bytes{}') > 0);
    assert.ok(series(m0, 'civdesk_http_in_flight{}') >= 1, 'the scrape itself is in flight');
    checkHistogram(m0, 'civdesk_http_request_duration_seconds');

    for (let i = 0; i < 5; i++) await srv.healthy();
    const created = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Counted', country: 'RU' } });
    assert.equal(created.status, 201);
    assertProblem(await srv.api('POST', '/api/v1/organisations', { body: { name: 'No country' } }), 422);
    assertProblem(await srv.api('GET', '/api/v1/people', { token: null }), 401);
    assertProblem(await srv.api('GET', '/api/v1/nothing-here'), 404);
    assertProblem(await srv.api('DELETE', '/api/v1/nothing-here'), 404);
    assertProblem(await srv.api('DELETE', '/api/v1/nothing-here/either'), 404);
    assert.equal((await srv.api('OPTIONS', '/api/v1/nothing-here')).status, 404);
    const bad = await request(srv.url, 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL, password: 'not the password at all' } });
    assert.equal(bad.status, 401);
    await srv.api('GET', '/api/v1/organisations?format=csv');

    const m1 = await metrics(srv);
    const delta = (k) => series(m1, k) - series(m0, k);
    assert.equal(delta(requests('GET', '/healthz', 200)), 5);
    assert.equal(delta(requests('POST', '/api/v1/{collection}', 201)), 1);
    assert.equal(delta(requests('POST', '/api/v1/{collection}', 422)), 1);
    assert.equal(delta(requests('GET', '/api/v1/{collection}', 401)), 1);
    assert.equal(delta(requests('GET', '/api/v1/{collection}', 200)), 1, 'the export counts once, as its route');
    assert.equal(delta(requests('POST', '/api/v1/session', 401)), 1);
    assert.equal(delta(requests('GET', '/metrics', 200)), 1, 'the first scrape counted');
    // Requests that matched no route, by their method (issue 23): never method="".
    assert.equal(delta('civdesk_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
    assert.equal(delta('civdesk_http_requests_total{method="DELETE",route="unmatched",status="404"}'), 2);
    assert.equal(delta('civdesk_http_requests_total{method="OTHER",route="unmatched",status="404"}'), 1);
    assert.ok(![...m1.samples.keys()].some((k) => k.includes('method=""')), 'no series without a method');
    assert.equal(delta('civdesk_login_failures_total{}'), 1);
    assert.ok(delta('civdesk_http_request_duration_seconds_count{}') >= 12);
    assert.ok(delta('civdesk_http_request_duration_seconds_sum{}') > 0);
    checkHistogram(m1, 'civdesk_http_request_duration_seconds');
    // Counters never go down between scrapes.
    for (const [k, v] of m0.samples) if (m0.types.get(k.replace(/\{.*$/, '')) === 'counter') assert.ok(series(m1, k) >= v, k);
  } finally {
    await srv.stop();
  }
});

test('access log: one JSON line per request, with its id, route, status, duration and user, never a secret', async () => {
  const srv = await startServer();
  try {
    const secret = 'zebra-secret-query-word';
    const r = await srv.api('GET', `/api/v1/organisations?q=${secret}`);
    assert.equal(r.status, 200);
    const id = Number(r.headers.get('x-request-id'));
    assert.ok(id > 0);
    const anon = await request(srv.url, 'GET', '/api/v1/people');
    const anonId = Number(anon.headers.get('x-request-id'));
    const login = await request(srv.url, 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL, password: 'wrong password, logged nowhere' } });
    assert.equal(login.status, 401);
    const loginId = Number(login.headers.get('x-request-id'));
    // The lines are written after the answer, buffered, and flushed each second: they
    // must arrive without any further request.
    const lines = await accessLog(srv, (ls) => ls.some((l) => l.id === loginId));
    const line = lines.find((l) => l.id === id);
    assert.ok(line, `no access-log line for request ${id}`);
    assert.deepEqual(Object.keys(line).sort(), ['id', 'method', 'ms', 'route', 'status', 't', 'user']);
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/api/v1/{collection}');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
    assert.ok(line.ms >= 0);
    assert.match(line.t, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(typeof line.user, 'number');
    const a = lines.find((l) => l.id === anonId);
    assert.equal(a.status, 401);
    assert.equal(a.user, null);
    assert.equal(new Set(lines.map((l) => l.id)).size, lines.length, 'one line per request');
    const log = srv.stderr();
    for (const s of [secret, srv.tokens.admin, srv.tokens.officer, 'wrong password', 'logged nowhere']) assert.ok(!log.includes(s), `the log holds ${s.slice(0, 12)}…`);
  } finally {
    await srv.stop();
  }
});

/* ---- SIGTERM ------------------------------------------------------------------------- */

// One HTTP/1.1 request on its own connection, written in two parts: `head` (with the
// start of the body) now, `rest` when send() is called; the answer is read until the
// server closes. read: false keeps the socket paused (a slow reader) until resume().
function slowRequest(port, head, rest = '', { read = true } = {}) {
  const sock = net.connect(port, '127.0.0.1');
  const got = [];
  let error = null;
  sock.on('data', (d) => got.push(d));
  sock.on('error', (e) => (error = e.code || String(e)));
  const done = new Promise((resolve) => sock.on('close', () => resolve({ raw: Buffer.concat(got), error })));
  const connected = new Promise((resolve) => sock.on('connect', resolve));
  connected.then(() => {
    if (!read) sock.pause();
    sock.write(head);
  });
  return {
    connected,
    send: () => sock.write(rest),
    resume: () => sock.resume(),
    done,
  };
}

// Status, headers and body (de-chunked) of a raw HTTP/1.1 answer.
function parseAnswer(raw) {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete answer: ${raw.toString('latin1').slice(0, 200)}`);
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0])[1]);
  const headers = {};
  for (const l of head.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts = [];
    let p = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', p);
      assert.ok(eol > 0, 'chunk size line');
      const size = parseInt(body.subarray(p, eol).toString('latin1'), 16);
      if (size === 0) break; // the last chunk: the body is complete
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      p = eol + 2 + size + 2;
      assert.ok(p <= body.length, 'the body was cut short');
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    assert.equal(body.length, Number(headers['content-length']), 'the body was cut short');
  }
  return { status, headers, text: body.toString('utf8') };
}

test('SIGTERM while requests are in flight: they finish, every acknowledged write survives, exit 0', async () => {
  const srv = await startServer({ threads: 4 });
  const auth = `Authorization: Bearer ${srv.tokens.admin}\r\n`;
  try {
    // Enough records (10 MB as CSV) that the export outlasts the socket buffers of a paused
    // reader (Linux lets a sender's grow to 4 MiB): it is under way when the signal comes.
    const lines = ['name,country,description'];
    for (let i = 0; i < 6000; i++) lines.push(`Before ${i},FR,${'x'.repeat(1600)}`);
    const seed = await srv.api('POST', '/api/v1/organisations/import', { rawBody: lines.join('\n'), headers: { 'content-type': 'text/csv' } });
    assert.equal(seed.status, 200, seed.text);

    // 1. A create whose body is half sent.
    const body = JSON.stringify({ name: 'Slow upload', country: 'DE', description: 'y'.repeat(4000) });
    const slowCreate = slowRequest(
      srv.port,
      `POST /api/v1/organisations HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 100)}`,
      body.slice(100),
    );
    // 2. An import whose file is half sent.
    const csv = 'name,country\n' + Array.from({ length: 300 }, (_, i) => `Imported late ${i},AM`).join('\n') + '\n';
    const slowImport = slowRequest(
      srv.port,
      `POST /api/v1/organisations/import?filename=late.csv HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: text/csv\r\nContent-Length: ${Buffer.byteLength(csv)}\r\nConnection: close\r\n\r\n${csv.slice(0, 500)}`,
      csv.slice(500),
    );
    // 3. A long export read by a client that is not reading yet.
    const slowExport = slowRequest(srv.port, `GET /api/v1/organisations?format=csv&country=FR HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, '', { read: false });
    await Promise.all([slowCreate.connected, slowImport.connected, slowExport.connected]);
    // 4. A burst of creates, some answered before the signal and some under way at it.
    const acknowledged = [];
    const burst = Array.from({ length: 40 }, (_, i) =>
      srv
        .api('POST', '/api/v1/organisations', { body: { name: `Burst ${i}`, country: 'IT' } })
        .then((r) => {
          if (r.status === 201) acknowledged.push(r.json);
          else assert.fail(`burst ${i}: ${r.status} ${r.text}`);
        })
        .catch((e) => (e.code === 'ERR_ASSERTION' ? Promise.reject(e) : null)), // refused after the signal: never acknowledged
    );
    await new Promise((res) => setTimeout(res, 300)); // the partial requests have reached the handlers' doors
    const exited = new Promise((res) => srv.child.on('exit', (code, signal) => res({ code, signal })));
    srv.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 300));
    // No new connections once stopping.
    const late = await new Promise((res) => {
      const s = net.connect(srv.port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), res('connected')));
      s.on('error', (e) => res(e.code));
    });
    assert.equal(late, 'ECONNREFUSED');
    slowCreate.send();
    slowImport.send();
    slowExport.resume();
    await Promise.all(burst);

    const created = parseAnswer((await slowCreate.done).raw);
    assert.equal(created.status, 201, created.text);
    const createdId = JSON.parse(created.text).id;
    const imported = parseAnswer((await slowImport.done).raw);
    assert.equal(imported.status, 200, imported.text);
    assert.equal(JSON.parse(imported.text).imported, 300);
    const exported = parseAnswer((await slowExport.done).raw);
    assert.equal(exported.status, 200);
    const rows = exported.text.trimEnd().split('\r\n');
    assert.equal(rows.length, 6001, 'the whole export arrived');
    assert.match(rows[6000], /^\d+,Before 5999,/);

    const { code, signal } = await exited;
    assert.equal(code, 0, `exit ${code ?? signal}:\n${srv.stderr().slice(-3000)}`);
    // The three were under way at the signal: their log lines come after it.
    const log = srv.stderr();
    const signalAt = log.indexOf('finishing requests in flight');
    assert.ok(signalAt > 0, 'the stop was graceful');
    const after = log
      .slice(signalAt)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    for (const [method, route, status] of [['POST', '/api/v1/{collection}', 201], ['POST', '/api/v1/{collection}/import', 200], ['GET', '/api/v1/{collection}', 200]])
      assert.ok(after.some((l) => l.method === method && l.route === route && l.status === status && !l.aborted), `${method} ${route} finished after the signal`);

    // Restarted on the same database: everything acknowledged is there.
    const again = await launch(srv.db, srv.dir);
    again.tokens = srv.tokens;
    srv.child = again.child; // stop() below stops the new one
    srv.stop = again.stop;
    const get = async (path) => (await again.api('GET', path)).json;
    assert.equal((await get(`/api/v1/organisations/${createdId}`)).name, 'Slow upload');
    assert.equal((await get('/api/v1/organisations?country=AM&count=true&limit=1')).total, 300);
    const italians = (await get('/api/v1/organisations?country=IT&limit=500')).items;
    const stored = new Map(italians.map((o) => [o.id, o.name]));
    assert.ok(acknowledged.length > 0);
    for (const o of acknowledged) assert.equal(stored.get(o.id), o.name, `acknowledged ${o.name} (#${o.id}) is missing`);
    assert.equal((await again.api('GET', '/api/v1/audit/verify')).status, 200);
  } finally {
    await srv.stop();
  }
});

/* ---- streamed exports and clients that go away ---------------------------------------- */

test('a client that leaves in the middle of a streamed export: the export is let go, the server carries on', async () => {
  const srv = await startServer({ threads: 2 });
  try {
    const lines = ['name,country,description'];
    for (let i = 0; i < 6000; i++) lines.push(`Long ${i},FR,${'z'.repeat(1600)}`);
    const seed = await srv.api('POST', '/api/v1/organisations/import', { rawBody: lines.join('\n'), headers: { 'content-type': 'text/csv' } });
    assert.equal(seed.status, 200, seed.text);
    for (let round = 0; round < 3; round++) {
      // Read the first bytes of a 10 MB export, then hang up.
      const gone = await new Promise((resolve) => {
        const sock = net.connect(srv.port, '127.0.0.1', () =>
          sock.write(`GET /api/v1/organisations?format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n\r\n`),
        );
        let got = 0;
        sock.on('data', (d) => {
          got += d.length;
          if (got > 100000) {
            sock.destroy();
            resolve(got);
          }
        });
        sock.on('error', () => resolve(got));
      });
      assert.ok(gone > 100000);
    }
    // HEAD: the headers of the file, no body.
    const head = await fetch(`${srv.url}/api/v1/organisations?format=csv`, { method: 'HEAD', headers: { authorization: `Bearer ${srv.tokens.admin}` } });
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-disposition'), /attachment/);
    const abortedOf = (ls) => ls.filter((l) => l.route === '/api/v1/{collection}' && l.aborted);
    const aborted = abortedOf(await accessLog(srv, (ls) => abortedOf(ls).length >= 3));
    assert.equal(aborted.length, 3, 'each abandoned export is logged as aborted');
    // Nothing is held: writes go through (no snapshot pins the writer), exports still work.
    await srv.healthy('after abandoned exports');
    const w = await srv.api('POST', '/api/v1/organisations', { body: { name: 'After', country: 'FR' } });
    assert.equal(w.status, 201);
    const again = await srv.api('GET', '/api/v1/organisations?format=csv&country=FR');
    assert.equal(again.text.trimEnd().split('\r\n').length, 6002);
    const m = await srv.api('GET', '/metrics');
    assert.match(m.text, /^civdesk_http_in_flight 1$/m, 'only the scrape is in flight');
  } finally {
    await srv.stop(); // under ASan+UBSan: fails on a leaked export or connection
  }
});

/* ---- the manual ---------------------------------------------------------------------- */

test('man/civdesk.1 describes every command `civdesk --help` lists', async () => {
  const { cliOk } = await import('./lib/server.mjs');
  const { readFile } = await import('node:fs/promises');
  const help = (await cliOk(['--help'])).stdout;
  const listed = help
    .slice(help.indexOf('commands:'))
    .split('\n')
    .slice(1)
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/\s+/))
    // "user add --email E", "import listing --body B", "stats representation": two words
    // when the second is a plain lower-case word; "import KIND FILE": one.
    .map(([a, b]) => (b && /^[a-z]+$/.test(b) ? `${a} ${b}` : a));
  assert.ok(listed.length >= 10, listed.join(', '));
  const roff = await readFile(new URL('../../man/civdesk.1', import.meta.url), 'utf8');
  // The tag line after each .TP, as a reader sees it: fonts and escapes removed.
  const tags = roff
    .split('\n')
    .map((l, i, all) => (all[i - 1] === '.TP' ? l : null))
    .filter(Boolean)
    .map((l) => l.replace(/^\.(B|BI|BR|IB|I)\s+/, '').replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/"/g, '').trim());
  for (const cmd of listed) assert.ok(tags.some((t) => t === cmd || t.startsWith(`${cmd} `)), `man/civdesk.1 has no entry for "civdesk ${cmd}"`);
});
