// make soak: a fixed mixed read/write rate against one server for SOAK_SECONDS (600),
// sampling the server's resident memory, open file descriptors and WAL size every
// 10 s. Passes when: no request failed, memory is flat after warm-up (the last sample
// within 10% + 4 MB of the one at the end of warm-up), descriptors other than sockets
// stable (within 2; sockets follow the client's connections and are only reported), and
// the WAL bounded (under 64 MB). Prints the samples and a verdict; exits non-zero
// on a miss. SOAK_RATE (requests per second, default 300) and SOAK_SECONDS size it.

import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { startServer, pool } from '../api/lib/server.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS || 600);
const RATE = Number(process.env.SOAK_RATE || 300);
const WARMUP = Math.min(120, Math.floor(SECONDS / 5));

const srv = await startServer({ threads: 2 });
const pid = srv.child.pid;

// A base of records to read and patch.
const ids = await pool(Array.from({ length: 500 }, (_, i) => i), 16, async (i) => {
  const r = await srv.api('POST', '/api/v1/organisations', {
    body: { name: `Soak ${i} «Долгий путь»`, country: ['RU', 'FR', 'IN'][i % 3], areas: ['soak'] },
  });
  if (r.status !== 201) throw new Error(`seed: ${r.status} ${r.text}`);
  return r.json.id;
});

async function sample() {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  // Descriptors other than sockets (database, WAL, shm, logs...): these must not grow.
  // Sockets come and go with the client's keep-alive connections; reported apart.
  let fds = 0;
  let sockets = 0;
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = await readlink(`/proc/${pid}/fd/${fd}`);
    } catch {}
    if (target.startsWith('socket:')) sockets++;
    else fds++;
  }
  let wal = 0;
  try {
    wal = (await stat(srv.db + '-wal')).size / 1048576;
  } catch {}
  return { t: 0, rss, fds, sockets, wal };
}

let failures = 0;
let done = 0;
const errors = new Map();
const ops = [
  // 70% reads of one record, 15% lists, 10% patches, 5% creates (then deletes)
  [70, async (k) => srv.api('GET', `/api/v1/organisations/${ids[k % ids.length]}`)],
  [15, async (k) => srv.api('GET', `/api/v1/organisations?country=${['RU', 'FR', 'IN'][k % 3]}&limit=50&sort=name`)],
  [10, async (k) => srv.api('PATCH', `/api/v1/organisations/${ids[k % ids.length]}`, { body: { city: `Город ${k}` } })],
  [5, async (k) => {
    const c = await srv.api('POST', '/api/v1/organisations', { body: { name: `Temp ${k}`, country: 'DE' } });
    if (c.status !== 201) return c;
    return srv.api('DELETE', `/api/v1/organisations/${c.json.id}`);
  }],
];
const total = ops.reduce((a, [w]) => a + w, 0);

const samples = [];
const t0 = Date.now();
let k = 0;
const tick = 50; // ms
while (Date.now() - t0 < SECONDS * 1000) {
  const started = Date.now();
  const batch = Math.round((RATE * tick) / 1000);
  const inflight = [];
  for (let i = 0; i < batch; i++, k++) {
    let pick = (k * 7919) % total;
    const op = ops.find(([w]) => (pick -= w) < 0)[1];
    inflight.push(
      op(k).then(
        (r) => {
          done++;
          if (r.status >= 400) {
            failures++;
            errors.set(r.status, (errors.get(r.status) || 0) + 1);
          }
        },
        (e) => {
          done++;
          failures++;
          errors.set(String(e.code || e), (errors.get(String(e.code || e)) || 0) + 1);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const elapsed = Date.now() - t0;
  if (samples.length === 0 || elapsed - samples[samples.length - 1].t >= 10000) {
    const s = await sample();
    s.t = elapsed;
    samples.push(s);
    console.log(
      `soak ${Math.round(elapsed / 1000)}s: ${done} requests, ${failures} failed, rss ${s.rss.toFixed(1)} MB, fds ${s.fds} (+${s.sockets} sockets), wal ${s.wal.toFixed(1)} MB`,
    );
  }
  const wait = tick - (Date.now() - started);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

const warm = samples.find((s) => s.t >= WARMUP * 1000) || samples[0];
const last = samples[samples.length - 1];
const misses = [];
if (failures) misses.push(`${failures} requests failed: ${JSON.stringify([...errors])}`);
if (last.rss > warm.rss * 1.1 + 4) misses.push(`memory grew from ${warm.rss.toFixed(1)} to ${last.rss.toFixed(1)} MB after warm-up`);
if (Math.abs(last.fds - warm.fds) > 2) misses.push(`file descriptors (not sockets) went from ${warm.fds} to ${last.fds}`);
const socketsMax = Math.max(...samples.map((s) => s.sockets));
const walMax = Math.max(...samples.map((s) => s.wal));
if (walMax > 64) misses.push(`WAL reached ${walMax.toFixed(1)} MB`);
await srv.stop();
console.log(
  `soak: ${SECONDS}s at ${RATE}/s asked, ${(done / SECONDS).toFixed(0)}/s done, ${done} requests, ${failures} failed; ` +
    `rss ${warm.rss.toFixed(1)} → ${last.rss.toFixed(1)} MB (max ${Math.max(...samples.map((x) => x.rss)).toFixed(1)}); ` +
    `fds ${warm.fds} → ${last.fds} (sockets at most ${socketsMax}); WAL max ${walMax.toFixed(1)} MB`,
);
if (misses.length) {
  console.log('soak: FAIL\n- ' + misses.join('\n- '));
  process.exit(1);
}
console.log('soak: PASS');
