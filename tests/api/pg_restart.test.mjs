// PostgreSQL restarted under a working civdesk (issue 20, faults): writers keep posting
// through a server while the cluster is stopped (pg_ctl -m fast, then -m immediate) and
// started again. During the outage every answer is a 503 problem with Retry-After —
// never a 500, never a dropped connection, never a wait beyond a bound; the server
// reconnects by itself once the cluster is back; every acknowledged (201) write is
// present and exact afterwards, and `civdesk check` passes.
//
// The test stops PostgreSQL, so it makes a cluster of its own (the files running beside it
// keep tests/pg/run.sh's), with the binaries and user run.sh exports (CIVDESK_TEST_PG_BIN,
// CIVDESK_TEST_PG_AS), and synchronous_commit on: run.sh's cluster has it off, and an
// immediate stop would then lose commits PostgreSQL had already acknowledged to civdesk.
// On SQLite there is no database server to restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, cliOk, tempDir, addUser, createToken, launch, ADMIN_EMAIL } from './lib/server.mjs';

const PG = process.env.CIVDESK_TEST_PG;
const PGBIN = process.env.CIVDESK_TEST_PG_BIN;
const skip =
  (!PG && 'restarts the database server: PostgreSQL only (CIVDESK_TEST_PG)') ||
  (!PGBIN && 'makes a cluster of its own with the binaries tests/pg/run.sh names (CIVDESK_TEST_PG_BIN)');

const BOUND_MS = 10000; // no answer may take longer, outage or not

let srv;
let dir;
let token;
after(async () => {
  if (srv) await srv.stop({ keepDir: true });
  if (dir) {
    await pgCtl(['-m', 'immediate', 'stop']).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});

function run(prog, args) {
  const as = process.env.CIVDESK_TEST_PG_AS;
  const argv = [join(PGBIN, prog), ...args];
  const [cmd, ...rest] = as ? ['runuser', '-u', as, '--', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${prog} ${args.join(' ')}: ${code}\n${err}`))));
  });
}
const pgCtl = (args) => run('pg_ctl', ['-D', join(dir, 'data'), '-w', ...args]);
const stopCluster = (mode) => pgCtl(['-m', mode, 'stop']);
const startCluster = () =>
  pgCtl(['-l', join(dir, 'server.log'), '-o', `-c listen_addresses='' -k ${dir} -p 5432 -c fsync=off -c max_connections=100`, 'start']);

async function makeCluster() {
  dir = await tempDir();
  if (process.env.CIVDESK_TEST_PG_AS) await cliProg('chown', [process.env.CIVDESK_TEST_PG_AS, dir]);
  await run('initdb', ['-D', join(dir, 'data'), '-U', 'civdesk', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  await startCluster();
  await run('createdb', ['-h', dir, '-p', '5432', '-U', 'civdesk', 'civdesk']);
  return `host=${dir} port=5432 user=civdesk dbname=civdesk`;
}

function cliProg(cmd, args) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${code}`))));
  });
}

function payload(k) {
  return {
    name: `Организация «Рестарт» ${k}`,
    name_en: `Restart Organisation ${k}`,
    country: ['RU', 'FR', 'DE', 'KZ'][k % 4],
    registration_no: `RESTART-${k}`,
    areas: ['culture', `k${k % 5}`],
    public: k % 2 === 0,
  };
}

// One request with a bound: a hang fails the test instead of stalling it.
async function call(method, path, body) {
  const t0 = Date.now();
  const res = await fetch(srv.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(BOUND_MS),
  });
  const text = await res.text();
  const ms = Date.now() - t0;
  return { status: res.status, headers: res.headers, text, json: /json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : null, ms };
}

function assertUnavailable(r, what) {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/problem\+json/, what);
  assert.equal(r.json.status, 503, what);
  assert.match(r.headers.get('retry-after') || '', /^\d+$/, `${what}: no Retry-After`);
}

test('PostgreSQL stopped and started under writers: 503 with Retry-After, reconnection, nothing acknowledged lost', { skip, timeout: 180000 }, async () => {
  const db = await makeCluster();
  await cliOk(['init', '--db', db]);
  await addUser(db, ADMIN_EMAIL, 'admin');
  token = await createToken(db, ADMIN_EMAIL);
  srv = await launch(db, dir, 4);
  const acked = new Map(); // key -> id
  const tally = { 201: 0, 503: 0 };
  let nextKey = 1;
  let running = true;
  let failure = null;
  const writer = async () => {
    while (running && !failure) {
      const k = nextKey++;
      try {
        const r = await call('POST', '/api/v1/organisations', payload(k));
        if (r.status === 201) acked.set(k, r.json.id);
        else assertUnavailable(r, `write ${k}`);
        tally[r.status]++;
        if (r.status === 503) await new Promise((res) => setTimeout(res, 20));
      } catch (e) {
        failure = failure || e;
      }
    }
  };
  const reader = async () => {
    while (running && !failure) {
      try {
        const r = await call('GET', '/api/v1/organisations?limit=5');
        if (r.status !== 200) assertUnavailable(r, 'list');
      } catch (e) {
        failure = failure || e;
      }
      await new Promise((res) => setTimeout(res, 30));
    }
  };
  const clients = [...Array.from({ length: 6 }, writer), reader(), reader()];
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  // Acknowledged writes after a point: the server is back once some arrive.
  const backAfter = async (what) => {
    const before = tally[201];
    const t0 = Date.now();
    while (tally[201] < before + 10) {
      if (failure) throw failure;
      assert.ok(Date.now() - t0 < 20000, `${what}: no write acknowledged 20 s after PostgreSQL came back`);
      await pause(50);
    }
  };

  for (const mode of ['fast', 'immediate']) {
    await pause(400);
    const okBefore = tally[201];
    await stopCluster(mode);
    const seen503 = tally[503];
    await pause(1500);
    if (failure) throw failure;
    assert.ok(tally[503] > seen503, `stop -m ${mode}: no 503 during the outage`);
    // A direct look during the outage, too: a read and a write.
    assertUnavailable(await call('GET', '/api/v1/organisations'), `list during the ${mode} outage`);
    assertUnavailable(await call('POST', '/api/v1/organisations', payload(0)), `write during the ${mode} outage`);
    await startCluster();
    await backAfter(`stop -m ${mode}`);
    assert.ok(okBefore > 0, 'writes were acknowledged before the outage');
  }
  running = false;
  await Promise.all(clients);
  if (failure) throw failure;

  // Every acknowledged write, exact.
  for (const [k, id] of acked) {
    const r = await call('GET', `/api/v1/organisations/${id}`);
    assert.equal(r.status, 200, `acknowledged write ${k} (id ${id}) is gone: ${r.text}`);
    for (const [f, v] of Object.entries(payload(k))) assert.deepEqual(r.json[f], v, `field ${f} of write ${k}`);
  }
  const v = await call('GET', '/api/v1/audit/verify');
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.ok, true, v.text);
  await srv.healthy('after two restarts of PostgreSQL');
  const check = await cli(['check', '--db', srv.db]);
  assert.equal(check.code, 0, `civdesk check after the restarts:\n${check.stdout}${check.stderr}`);
  console.log(`pg_restart: ${acked.size} writes acknowledged and verified exact, ${tally[503]} answered 503 during the outages`);
});
