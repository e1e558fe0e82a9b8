// A real SMTP server for the mail tests: Debian's python3-aiosmtpd (tests/api/lib/smtp_sink.py)
// on a free port, writing each message it receives, parsed, into a directory.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Debian's interpreter, which has python3-aiosmtpd, whatever python3 is first on PATH.
const PYTHON = process.env.CIVDESK_TEST_PYTHON || '/usr/bin/python3';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Resolves {port, url, dir, messages(), start(), stop(), remove()}; started.
// tls: {mode: 'starttls' | 'tls', cert, key} (PEM files) offers STARTTLS (and requires
// it) or speaks TLS from the start (url smtps://).
export async function smtpSink({ tls = null } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'civdesk-smtp-'));
  const port = await freePort();
  let child = null;
  const sink = {
    port,
    dir,
    url: `${tls?.mode === 'tls' ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    async start() {
      const extra = tls ? [tls.mode, tls.cert, tls.key] : [];
      child = spawn(PYTHON, [join(here, 'smtp_sink.py'), String(port), dir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`smtp sink did not start:\n${err}`)), 15000);
        child.stdout.setEncoding('utf8').on('data', (d) => {
          if (d.includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`smtp sink exited ${code}:\n${err}`));
        });
      });
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = null;
      const exited = new Promise((r) => c.on('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
    // Every message received so far, oldest first.
    async messages() {
      const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
      return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8'))));
    },
    // Forgets the messages received so far.
    async clear() {
      for (const n of await readdir(dir)) await rm(join(dir, n), { force: true });
    },
    async remove() {
      await sink.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await sink.start();
  return sink;
}
