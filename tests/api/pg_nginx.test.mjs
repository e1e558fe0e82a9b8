// Two civdesk servers on one PostgreSQL database behind nginx, configured by
// contrib/nginx-civdesk-servers.conf itself (issue 20, part 6): its upstream and proxy
// settings, with the TLS lines taken out and the two test servers' ports put in. A
// session made on one server works on the other (so no sticky sessions are needed), and
// when one server is killed nginx sends every request to the other.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import net from 'node:net';
import { startServer, launch, request, ADMIN_EMAIL, PASSWORD } from './lib/server.mjs';

const PG = process.env.CIVDESK_TEST_PG;
const NGINX = '/usr/sbin/nginx';
const haveNginx = spawnSync(NGINX, ['-v']).status === 0;
const skip = !PG ? 'two servers share a database on PostgreSQL only (CIVDESK_TEST_PG)' : !haveNginx && 'no nginx (apt-get install nginx-light)';

let a;
let b;
let nginx;
after(async () => {
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGQUIT');
    await new Promise((r) => nginx.once('exit', r));
  }
  if (b && b.child.exitCode === null && b.child.signalCode === null) await b.stop({ keepDir: true });
  if (a) await a.stop();
});

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// contrib's site for this test: plain HTTP on port, the upstream's servers these two.
async function siteConf(port, ports, dir) {
  let conf = await readFile(new URL('../../contrib/nginx-civdesk-servers.conf', import.meta.url), 'utf8');
  conf = conf.replace(/server\s*\{\s*listen 80;[\s\S]*?\n\}\n/, ''); // the redirect to HTTPS
  conf = conf.replace(/^\s*listen \[::\]:443.*$/m, '');
  conf = conf.replace(/^\s*listen 443 ssl http2;$/m, `    listen 127.0.0.1:${port};`);
  conf = conf.replace(/^\s*ssl_.*$/gm, '');
  // Served on a port other than 443 here: the Host civdesk compares Origin with must keep
  // the port ($host drops it).
  conf = conf.replace(/\$host\b/g, '$http_host');
  const servers = [...conf.matchAll(/^\s*server 127\.0\.0\.1:\d+ (.*);$/gm)];
  assert.equal(servers.length, 2, 'contrib names two servers');
  conf = conf.replace(/^\s*server 127\.0\.0\.1:\d+ (.*);$/gm, (m, rest) => `    server 127.0.0.1:${ports.shift()} ${rest};`);
  return [
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log;`,
    'events {}',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    conf,
    '}',
  ].join('\n');
}

test('behind nginx: a session from one server works on the other, and a killed server is routed around', { skip, timeout: 120000 }, async () => {
  a = await startServer({ threads: 2 });
  b = await launch(a.db, a.dir, 2);
  const dir = join(a.dir, 'nginx');
  await mkdir(dir);
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), await siteConf(port, [a.port, b.port], dir));
  const t = spawnSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const front = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await request(front, 'GET', '/healthz').then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  // Signed in through nginx: the session is in the database, so either server knows it.
  const s = await request(front, 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL, password: PASSWORD } });
  assert.equal(s.status, 201, s.text);
  const cookie = s.headers.getSetCookie()[0].split(';')[0];
  for (const srv of [a, b]) {
    const me = await request(srv.url, 'GET', '/api/v1/me', { headers: { cookie } });
    assert.equal(me.status, 200, `${srv.url}: ${me.text}`);
    assert.equal(me.json.email, ADMIN_EMAIL);
    // A cookie-authenticated write with the CSRF token the sign-in returned, on either.
    const w = await request(srv.url, 'POST', '/api/v1/organisations', {
      body: { name: `Через ${srv.port}`, country: 'RU' },
      headers: { cookie, 'x-csrf-token': s.json.csrf_token, origin: srv.url },
    });
    assert.equal(w.status, 201, `${srv.url}: ${w.text}`);
  }
  // Through nginx, many requests at once: both servers answer some (least_conn).
  const seen = (srv) => srv.stderr().split('\n').filter((l) => l.includes('"/api/v1/me"')).length;
  const before = [seen(a), seen(b)];
  const many = await Promise.all(Array.from({ length: 40 }, () => request(front, 'GET', '/api/v1/me', { headers: { cookie } })));
  assert.ok(many.every((r) => r.status === 200), many.map((r) => r.status).join(','));
  for (let i = 0; i < 50 && !(seen(a) > before[0] && seen(b) > before[1]); i++)
    await new Promise((r) => setTimeout(r, 100)); // request lines are written in batches
  assert.ok(seen(a) > before[0] && seen(b) > before[1], `requests per server: ${seen(a) - before[0]}, ${seen(b) - before[1]}`);

  // One server killed: every request still answered, by the other.
  b.child.kill('SIGKILL');
  await new Promise((r) => b.child.once('exit', r));
  const after = [];
  for (let i = 0; i < 20; i++) after.push(await request(front, 'GET', '/api/v1/me', { headers: { cookie } }));
  assert.ok(after.every((r) => r.status === 200), after.map((r) => r.status).join(','));
  const write = await request(front, 'POST', '/api/v1/organisations', {
    body: { name: 'После отказа', country: 'RU' },
    headers: { cookie, 'x-csrf-token': s.json.csrf_token, origin: front },
  });
  assert.equal(write.status, 201, write.text);
});
