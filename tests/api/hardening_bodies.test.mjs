// Hardening (issue 16, item 1): a body is not buffered before the caller is known. Who
// the caller is, and whether they may write there, is decided when the headers arrive;
// a refused upload is answered without its bytes being kept (drained, or not read at all
// when the client waits for "100 Continue"), so anonymous uploads cannot grow the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

const MiB = 1024 * 1024;
// Resets the process's peak resident memory (VmHWM) to its current size.
const resetPeak = (pid) => writeFileSync(`/proc/${pid}/clear_refs`, '5');
const status = (pid, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

function upload(path, size, { token, expect = false } = {}) {
  const head =
    `POST ${path} HTTP/1.1\r\nHost: x\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}` +
    `Content-Type: text/csv\r\nContent-Length: ${size}\r\n${expect ? 'Expect: 100-continue\r\n' : ''}Connection: close\r\n\r\n`;
  if (expect) return srv.raw(head, { timeoutMs: 5000, end: false });
  const line = 'full_name\n' + 'x'.repeat(1023) + '\n';
  const block = Buffer.from(line.repeat(Math.ceil(MiB / line.length)).slice(0, MiB));
  const chunks = [head];
  for (let sent = 0; sent < size; sent += MiB) chunks.push(sent + MiB <= size ? block : block.subarray(0, size - sent));
  return srv.raw(chunks, { timeoutMs: 120000 });
}

test('eight anonymous 60 MB imports are each refused 401, and the server does not hold them', async () => {
  const pid = srv.child.pid;
  resetPeak(pid);
  const before = status(pid, 'VmRSS');
  const rs = await Promise.all(Array.from({ length: 8 }, () => upload('/api/v1/people/import', 60 * MiB)));
  for (const r of rs) assert.ok(r.status === 401 || r.status === null, `answered ${r.status}`);
  assert.ok(rs.some((r) => r.status === 401), 'the refusal reaches the client');
  const peak = status(pid, 'VmHWM');
  assert.ok(peak - before < 64 * MiB, `peak resident memory grew by ${((peak - before) / MiB).toFixed(0)} MiB`);
  await srv.healthy('after the uploads');
});

test('a refused upload that waits for 100 Continue is answered at once, before any byte is sent', async () => {
  const r = await upload('/api/v1/people/import', 60 * MiB, { expect: true });
  assert.equal(r.status, 401);
  const ngo = await upload('/api/v1/people/import', 60 * MiB, { expect: true, token: srv.tokens.ngo });
  assert.equal(ngo.status, 403);
  assert.match(ngo.body, /ngo/);
});

test('an NGO posting a 30 MB import it may not make is refused 403 without its body held', async () => {
  const pid = srv.child.pid;
  resetPeak(pid);
  const before = status(pid, 'VmRSS');
  const rs = await Promise.all(Array.from({ length: 4 }, () => upload('/api/v1/people/import', 30 * MiB, { token: srv.tokens.ngo })));
  for (const r of rs) assert.ok(r.status === 403 || r.status === null, `answered ${r.status}`);
  const peak = status(pid, 'VmHWM');
  assert.ok(peak - before < 64 * MiB, `peak resident memory grew by ${((peak - before) / MiB).toFixed(0)} MiB`);
  // The administrator's import still reads its body.
  const ok = await srv.api('POST', '/api/v1/people/import', { rawBody: 'full_name\nAnna\n', headers: { 'content-type': 'text/csv' } });
  assert.equal(ok.status, 200, ok.text);
});
