// Harness for the black-box API tests: runs the real civdesk binary on a temporary
// database, one server per test file, and talks to it over HTTP (fetch) or raw TCP.
//
//   import { startServer } from './lib/server.mjs';
//   const srv = await startServer({ ngo: true });
//   after(() => srv.stop());
//   const r = await srv.api('GET', '/api/v1/me');          // admin token by default
//   const r = await srv.api('GET', '/api/v1/me', { token: null }); // no credentials
//
// CIVDESK_BIN names the binary (the Makefile sets it); default build/civdesk.
// CIVDESK_TEST_PG, a libpq connection string of a PostgreSQL cluster (tests/pg/run.sh sets
// it), makes startServer run on a fresh database of that cluster instead of a SQLite file.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import assert from 'node:assert/strict';
import { check as checkAgainstOpenapi, takeMismatches } from './openapi_check.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.CIVDESK_BIN || resolve(here, '../../../build/civdesk');
// Tests that edit a SQLite file behind civdesk's back (tampering with the audit trail,
// schema versions) pass { skip: SQLITE_ONLY }: they do not apply to a PostgreSQL run.
export const SQLITE_ONLY = process.env.CIVDESK_TEST_PG ? 'edits the SQLite file behind civdesk: not in a PostgreSQL run' : false;
export const PASSWORD = 'correct horse battery staple 42';
export const ADMIN_EMAIL = 'admin@test.example';
export const OFFICER_EMAIL = 'officer@test.example';
export const NGO_EMAIL = 'ngo@test.example';

// What a sanitizer prints when it finds something; any of these in the server's stderr
// fails the file that ran the server.
const SANITIZER_MARKS = [
  'ERROR: AddressSanitizer',
  'ERROR: LeakSanitizer',
  'runtime error:',
  'WARNING: ThreadSanitizer',
];

/* ---- the command line ------------------------------------------------------------- */

// Runs civdesk with args; resolves {code, signal, stdout, stderr}. Never rejects on a
// non-zero exit (tests assert the code), only on a sanitizer report.
export function cli(args, { input, env, cwd, timeoutMs = 60000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(BIN, args, {
      cwd,
      env: { ...process.env, CIVDESK_DB: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // A sanitizer report fails the test whatever exit status it expected.
      if (SANITIZER_MARKS.some((m) => stderr.includes(m)))
        reject(new assert.AssertionError({ message: `civdesk ${args.join(' ')}: sanitizer report:\n${stderr}` }));
      else resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the command may exit before reading stdin
    child.stdin.end(input ?? '');
  });
}

// Like cli() but fails (with everything the command said) unless it exits 0.
export async function cliOk(args, opts) {
  const r = await cli(args, opts);
  assert.equal(
    r.code,
    0,
    `civdesk ${args.join(' ')} exited ${r.code} (${r.signal ?? 'no signal'}):\n${r.stderr}`,
  );
  return r;
}

// A new, empty database for one server: a SQLite file in dir, or (CIVDESK_TEST_PG) a
// database created in the test cluster, named after dir; its connection string.
export async function newDatabase(dir) {
  const pg = process.env.CIVDESK_TEST_PG;
  if (!pg) return join(dir, 'civdesk.db');
  const name = 'civdesk_' + dir.split('-').pop().toLowerCase().replace(/[^a-z0-9]/g, '_');
  await new Promise((res, rej) => {
    const c = spawn('createdb', ['--maintenance-db', `${pg} dbname=postgres`, '-T', 'template0', '-E', 'UTF8', '--lc-collate=C', '--lc-ctype=C.UTF-8', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`createdb ${name}: ${err}`))));
  });
  return `${pg} dbname=${name}`;
}

// Runs SQL on a test database behind civdesk's back: sqlite3 on a file, psql on a
// PostgreSQL database (a connection string). Resolves {code, out, err}.
export function sqlShell(db, sql) {
  const pg = process.env.CIVDESK_TEST_PG && !db.endsWith('.db');
  const [cmd, args] = pg ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', db]] : ['sqlite3', [db]];
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, out, err }));
    c.stdin.end(sql);
  });
}

export async function tempDir() {
  return mkdtemp(join(tmpdir(), 'civdesk-api-'));
}

export async function addUser(db, email, role, { org, password = PASSWORD } = {}) {
  const args = ['user', 'add', '--db', db, '--email', email, '--role', role];
  if (org !== undefined) args.push('--org', String(org));
  return cliOk(args, { input: password + '\n' });
}

export async function createToken(db, email) {
  const r = await cliOk(['token', 'create', '--db', db, '--email', email]);
  return r.stdout.trim();
}

/* ---- HTTP ------------------------------------------------------------------------- */

// One request. opts: token (Bearer), body (JSON-encoded, Content-Type application/json
// unless headers give one), rawBody (string or Buffer, sent as is), headers.
// Resolves {status, headers, text, json}; json is null when the body is not JSON.
// Every answer is checked against what /api/v1/openapi.json declares for its operation
// and status (openapi_check.mjs); a mismatch fails the server's stop(), or the file.
export async function request(base, method, path, { token, body, rawBody, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (rawBody !== undefined) {
    payload = rawBody;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
      h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let json = null;
  const ct = res.headers.get('content-type') || '';
  if (/json/.test(ct) && text.length) json = JSON.parse(text);
  const answer = { status: res.status, headers: res.headers, text, json };
  await checkAgainstOpenapi(base, method, path, answer);
  return answer;
}

// The answers that did not match the document, as a readable list ('' when none).
function openapiMismatches(base) {
  const m = [...new Set(takeMismatches(base))];
  return m.length ? `${m.length} answers do not match /api/v1/openapi.json:\n  ${m.join('\n  ')}` : '';
}

// Answers of servers never stopped (or checked after their stop) fail the file at exit.
const bases = new Set();
process.on('exit', () => {
  const all = [...bases].map(openapiMismatches).filter(Boolean);
  if (all.length) {
    process.stderr.write(all.join('\n') + '\n');
    process.exitCode = 1;
  }
});

// Sends raw bytes over one TCP connection and collects everything the server answers
// until it closes (or timeoutMs passes). Write errors (the server may close early, as it
// should for a too-large request) are recorded, not thrown. chunks: a Buffer/string or an
// array of them, written in order with back-pressure. end: false leaves the connection
// half-open after writing, as a client waiting for an answer does.
// Resolves {status, headers (lower-case map), body, raw, writeError, timedOut}.
export function rawRequest(port, chunks, { timeoutMs = 10000, end = true } = {}) {
  const parts = (Array.isArray(chunks) ? chunks : [chunks]).map((c) =>
    Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1'),
  );
  return new Promise((resolvePromise) => {
    const sock = net.connect(port, '127.0.0.1');
    const got = [];
    let writeError = null;
    let timedOut = false;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(got).toString('latin1');
      resolvePromise({ ...parseResponse(raw), raw, writeError, timedOut });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      finish();
    }, timeoutMs);
    sock.on('data', (d) => got.push(d));
    sock.on('error', (e) => {
      writeError = writeError || e.code || String(e);
    });
    sock.on('close', finish);
    sock.on('connect', async () => {
      for (const p of parts) {
        if (sock.destroyed || writeError) break;
        if (!sock.write(p)) {
          await new Promise((r) => {
            sock.once('drain', r);
            sock.once('close', r);
          });
        }
      }
      if (!sock.destroyed && end) sock.end(); // end: false keeps our side open (a client waiting)
    });
  });
}

function parseResponse(raw) {
  // Skip interim responses (100 Continue): the final one is what the test is about.
  while (/^HTTP\/1\.[01] 1\d\d[^\r\n]*\r\n/.test(raw) && raw.includes('\r\n\r\n'))
    raw = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(raw);
  if (!m) return { status: null, headers: {}, body: '' };
  const end = raw.indexOf('\r\n\r\n');
  const headers = {};
  const head = raw.slice(m[0].length, end < 0 ? raw.length : end);
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  // The body as bytes are decoded for problem JSON; chunked bodies are not expected here.
  const body = end < 0 ? '' : Buffer.from(raw.slice(end + 4), 'latin1').toString('utf8');
  return { status: Number(m[1]), headers, body };
}

/* ---- assertions ------------------------------------------------------------------- */

export const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'referrer-policy'];

// headers: a fetch Headers object or a plain lower-case map (rawRequest).
export function assertSecurityHeaders(headers, what = '') {
  const get = (n) => (typeof headers.get === 'function' ? headers.get(n) : headers[n]);
  const csp = get('content-security-policy');
  assert.ok(csp, `Content-Security-Policy missing ${what}`);
  assert.match(csp, /frame-ancestors 'none'/, `CSP without frame-ancestors ${what}`);
  assert.match(csp, /default-src/, `CSP without default-src ${what}`);
  assert.equal(get('x-content-type-options'), 'nosniff', `X-Content-Type-Options ${what}`);
  assert.ok(get('referrer-policy'), `Referrer-Policy missing ${what}`);
}

// Asserts an RFC 9457 problem response: content type, members, status, instance, and
// (for 422 and query errors) that each field named in `fields` has an error whose message
// matches, when a RegExp is given.
export function assertProblem(res, status, { path, fields, detail } = {}) {
  const ctx = `(${res.status} ${(res.text ?? res.raw ?? '').slice(0, 300)})`;
  assert.equal(res.status, status, `expected ${status} ${ctx}`);
  const headers = res.headers;
  const ct = typeof headers.get === 'function' ? headers.get('content-type') : headers['content-type'];
  assert.match(ct || '', /^application\/problem\+json/, `problem content type ${ctx}`);
  assertSecurityHeaders(headers, ctx);
  const p = res.json ?? JSON.parse(res.body);
  assert.equal(typeof p.type, 'string', `problem.type ${ctx}`);
  assert.ok(p.type.length > 0, `problem.type empty ${ctx}`);
  assert.equal(typeof p.title, 'string', `problem.title ${ctx}`);
  assert.ok(p.title.length > 0, `problem.title empty ${ctx}`);
  assert.equal(p.status, status, `problem.status ${ctx}`);
  assert.equal(typeof p.detail, 'string', `problem.detail ${ctx}`);
  assert.ok(p.detail.length > 0, `problem.detail empty ${ctx}`);
  if (path !== undefined) assert.equal(p.instance, path, `problem.instance ${ctx}`);
  else assert.equal(typeof p.instance, 'string', `problem.instance ${ctx}`);
  if (detail) assert.match(p.detail, detail, `problem.detail ${ctx}`);
  if (fields) {
    assert.ok(Array.isArray(p.errors), `problem.errors missing ${ctx}`);
    for (const e of p.errors) {
      assert.equal(typeof e.field, 'string', `errors[].field ${ctx}`);
      assert.equal(typeof e.message, 'string', `errors[].message ${ctx}`);
      assert.ok(e.message.length > 0, `errors[].message empty ${ctx}`);
    }
    for (const [field, re] of Object.entries(fields)) {
      const hit = p.errors.find((e) => e.field === field);
      assert.ok(hit, `no error for field '${field}' ${ctx}`);
      if (re) assert.match(hit.message, re, `message for '${field}' ${ctx}`);
    }
  }
  return p;
}

/* ---- the server ------------------------------------------------------------------- */

// Starts `civdesk serve` on a fresh database in a temp dir with an admin and an officer
// (and, with ngo: true, an organisation and an ngo user bound to it). Resolves an object:
//   url, port, dir, db, tokens {admin, officer, ngo}, orgId,
//   api(method, path, opts)   opts.token defaults to the admin token; null sends none
//   raw(chunks, opts)         rawRequest to this server
//   healthy()                 asserts GET /healthz answers 200 {"status":"ok"}
//   stop()                    SIGTERM, waits, removes the dir; fails on a bad exit or a
//                             sanitizer report
export async function startServer({ ngo = false, threads = 4, serve = {} } = {}) {
  const dir = await tempDir();
  const db = await newDatabase(dir);
  await cliOk(['init', '--db', db]);
  await addUser(db, ADMIN_EMAIL, 'admin');
  await addUser(db, OFFICER_EMAIL, 'officer');
  const tokens = {
    admin: await createToken(db, ADMIN_EMAIL),
    officer: await createToken(db, OFFICER_EMAIL),
  };
  const srv = await launch(db, dir, threads, serve);
  srv.tokens = tokens;
  if (ngo) {
    const r = await srv.api('POST', '/api/v1/organisations', {
      body: { name: 'Общество друзей тестов', country: 'RU', registration_no: 'NGO-HOME' },
    });
    assert.equal(r.status, 201, `creating the ngo's organisation: ${r.text}`);
    srv.orgId = r.json.id;
    await addUser(db, NGO_EMAIL, 'ngo', { org: srv.orgId });
    tokens.ngo = await createToken(db, NGO_EMAIL);
  }
  return srv;
}

// Runs `civdesk serve` on an existing database; resolves the same kind of object as
// startServer (without tokens).
// serve: {args: further options of serve, env: further environment} (notify tests).
export async function launch(db, dir, threads = 4, { args = [], env = {} } = {}) {
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', String(threads), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CIVDESK_DB: '', ...env },
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    // Keep the head (start-up problems) and the tail (sanitizer reports at exit).
    stderr = stderr.length > 400000 ? stderr.slice(0, 100000) + '\n[...]\n' + stderr.slice(-200000) + d : stderr + d;
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not announce a URL in 15 s:\n${stdout}\n${stderr}`)), 15000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const m = /^civdesk: serving (http:\/\/127\.0\.0\.1:(\d+)\/) with \d+ threads/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1].replace(/\/$/, ''));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  const port = Number(new URL(url).port);
  bases.add(url);
  const srv = {
    url,
    port,
    dir,
    db,
    child,
    tokens: {},
    orgId: null,
    stderr: () => stderr,
    api(method, path, opts = {}) {
      const token = opts.token === undefined ? srv.tokens.admin : opts.token;
      return request(url, method, path, { ...opts, token });
    },
    raw(chunks, opts) {
      return rawRequest(port, chunks, opts);
    },
    async healthy(what = '') {
      const r = await request(url, 'GET', '/healthz');
      assert.equal(r.status, 200, `server no longer healthy ${what}: ${r.status} ${r.text}`);
      assert.equal(r.json.status, 'ok');
      assertSecurityHeaders(r.headers, '/healthz');
    },
    async stop({ keepDir = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const { code, signal } = await exited;
      clearTimeout(killer);
      if (!keepDir) await rm(dir, { recursive: true, force: true });
      const report = SANITIZER_MARKS.some((m) => stderr.includes(m));
      const mismatches = openapiMismatches(url);
      assert.equal(mismatches, '', 'every answer matches the OpenAPI document');
      assert.ok(
        !report && code === 0,
        `civdesk serve stopped with ${code ?? signal}${report ? ' and a sanitizer report' : ''}:\n${stderr.slice(-20000)}`,
      );
    },
  };
  return srv;
}

export async function readText(path) {
  return readFile(path, 'utf8');
}

// Runs fn over items with at most n in flight; resolves results in order.
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
