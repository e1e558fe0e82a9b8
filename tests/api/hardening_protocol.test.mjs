// Hardening (issue 16, item 10): protocol edges. Too many query parameters, a request
// without Host, two different Content-Length headers each get a 400 problem at once;
// /metrics answers only administrators, or anyone on the separate --metrics-listen address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, request, BIN } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

function problemOf(r) {
  const at = r.body.indexOf('{');
  return at >= 0 ? JSON.parse(r.body.slice(at)) : null;
}

test('a thousand query parameters are refused with 400 at once, and the server stays up', async () => {
  const q = Array.from({ length: 1000 }, (_, i) => `a${i}=1`).join('&');
  for (const path of ['/healthz', '/api/v1/organisations']) {
    const r = await srv.raw(`GET ${path}?${q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeoutMs: 8000 });
    assert.equal(r.timedOut, false, `${path}: answered`);
    assert.equal(r.status, 400, `${path}: ${r.raw?.slice?.(0, 300)}`);
    assert.match(problemOf(r).detail, /query parameters/);
  }
  // Repeating & with nothing between is no way around it.
  const amp = '&'.repeat(3000);
  const r = await srv.raw(`GET /healthz?${amp} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeoutMs: 8000 });
  assert.equal(r.status, 400);
  // A modest number is still served.
  const ok = await srv.api('GET', '/healthz?' + Array.from({ length: 20 }, (_, i) => `b${i}=1`).join('&'));
  assert.equal(ok.status, 200);
  await srv.healthy();
});

test('HTTP/1.1 without Host, or with two, is 400; HTTP/1.0 without Host is served', async () => {
  let r = await srv.raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400);
  assert.match(problemOf(r).detail, /Host/);
  r = await srv.raw('GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400);
  r = await srv.raw('GET /healthz HTTP/1.0\r\n\r\n');
  assert.equal(r.status, 200);
});

test('two different Content-Length headers are 400 and nothing is written', async () => {
  const body = JSON.stringify({ name: 'Smuggled', country: 'FR' });
  const r = await srv.raw(
    `POST /api/v1/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\nConnection: close\r\n\r\n${body}`,
  );
  assert.equal(r.status, 400);
  assert.match(problemOf(r).detail, /Content-Length/);
  const te = await srv.raw(
    `POST /api/v1/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
  );
  assert.equal(te.status, 400);
  // The same Content-Length twice is one value: accepted.
  const same = await srv.raw(
    `POST /api/v1/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  assert.equal(same.status, 201);
  const list = await srv.api('GET', '/api/v1/organisations?q=Smuggled&count=true');
  assert.equal(list.json.total, 1, 'only the well-framed request wrote');
});

test('/metrics: administrators only on the main address', async () => {
  assert.equal((await request(srv.url, 'GET', '/metrics')).status, 401);
  assert.equal((await srv.api('GET', '/metrics', { token: srv.tokens.ngo })).status, 403);
  assert.equal((await srv.api('GET', '/metrics', { token: srv.tokens.officer })).status, 403);
  const r = await srv.api('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.text, /^civdesk_http_in_flight /m);
});

test('--metrics-listen serves /metrics to anyone there, and nothing else', async () => {
  const child = spawn(BIN, ['serve', '--db', srv.db, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const urls = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no metrics URL in 15 s: ${out}`)), 15000);
      child.stdout.setEncoding('utf8').on('data', (d) => {
        out += d;
        const m = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out);
        const s = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m && s) {
          clearTimeout(timer);
          resolve({ metrics: m[1], main: s[1] });
        }
      });
      child.on('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
    });
    const m = await request(urls.metrics, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /^civdesk_http_in_flight /m);
    assert.equal((await request(urls.metrics, 'GET', '/api/v1/organisations')).status, 404);
    assert.equal((await request(urls.metrics, 'GET', '/healthz')).status, 404);
    assert.equal((await request(urls.main, 'GET', '/metrics')).status, 401, 'still closed on the main address');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
  }
});
