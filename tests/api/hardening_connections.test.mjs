// Hardening (issue 16, item 2): one client cannot hold every connection. Connections
// from one address are capped (libmicrohttpd's per-IP limit), and a header trickled in a
// byte at a time has LIMIT_HEADER_SECONDS (10 s) in all, not 30 s per byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

const PER_IP = 256;

function open(localAddress) {
  return new Promise((resolve) => {
    const s = net.connect({ port: srv.port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.closedAt = null;
    s.on('close', () => (s.closedAt = Date.now()));
    s.on('error', () => {});
  });
}

async function waitFor(cond, ms, what) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A GET /healthz from a given local address over a fresh socket; resolves the status.
function healthFrom(localAddress) {
  return new Promise((resolve) => {
    const s = net.connect({ port: srv.port, host: '127.0.0.1', localAddress }, () =>
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    s.on('error', () => {});
  });
}

test('one address holding more than its share of connections: the excess is closed, others are served', async () => {
  const socks = [];
  for (let i = 0; i < PER_IP + 40; i++) {
    const s = await open('127.0.0.1');
    s.write('GET /healthz HTTP/1.1\r\n'); // a header begun, never finished
    socks.push(s);
  }
  try {
    // The excess is refused: at least 40 of them are closed by the server promptly.
    await waitFor(() => socks.filter((s) => s.closedAt).length >= 40, 15000, 'the excess connections to close');
    // Another address is still served.
    assert.equal(await healthFrom('127.0.0.2'), 200);
  } finally {
    socks.forEach((s) => s.destroy());
  }
});

test('a header trickled one line a second is cut off after the header deadline', async () => {
  const s = await open('127.0.0.1');
  const started = Date.now();
  s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  let i = 0;
  const timer = setInterval(() => {
    if (!s.closedAt) s.write(`X-Trickle-${i++}: y\r\n`);
  }, 1000);
  try {
    await waitFor(() => s.closedAt, 25000, 'the trickling connection to be closed');
    const took = s.closedAt - started;
    assert.ok(took >= 9000 && took < 20000, `closed after ${took} ms`);
  } finally {
    clearInterval(timer);
    s.destroy();
  }
  await srv.healthy('after the trickle');
});
