// E-mail over TLS to a relay whose certificate comes from the organisation's own CA
// (--smtp-ca FILE, CIVDESK_SMTP_CA): python3-aiosmtpd offering STARTTLS, and speaking TLS
// from the start (smtps://), with certificates this test makes with openssl. The message
// arrives over TLS when the relay's certificate chains to the given CA; a certificate the
// CA did not sign is refused — the message stays queued and the error shows in the outbox.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, addUser, cli, cliOk } from './lib/server.mjs';
import { smtpSink } from './lib/smtp.mjs';

const run = promisify(execFile);
const srv = await startServer({ ngo: true });
const sinks = [];
after(async () => {
  for (const s of sinks) await s.remove();
  await srv.stop();
});
const FROM = 'civdesk@mfa.example';
const TODAY = '2026-01-10'; // nothing is due: only account notices are in the outbox
let clock = 0; // seconds the CLI's clock is moved on, past a failed message's backoff

// A CA (certificate and key) named `name`, and a certificate for 127.0.0.1 it signs.
async function makeCa(name) {
  const ca = join(srv.dir, `${name}-ca.pem`), caKey = join(srv.dir, `${name}-ca.key`);
  const cert = join(srv.dir, `${name}-relay.pem`), key = join(srv.dir, `${name}-relay.key`);
  const csr = join(srv.dir, `${name}-relay.csr`), ext = join(srv.dir, `${name}-ext.cnf`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', `/CN=${name} CA`]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { ca, cert, key };
}

const outbox = async (state) => (await srv.api('GET', `/api/v1/outbox?state=${state}&limit=500`)).json.items;

async function send(url, { ca, env = {} } = {}) {
  const args = ['notify', 'run', '--db', srv.db, '--today', TODAY, '--smtp', url, '--mail-from', FROM];
  if (ca) args.push('--smtp-ca', ca);
  return cliOk(args, { env: { CIVDESK_TEST_CLOCK_OFFSET: String(clock), ...env } });
}

let ours, rogue;
before(async () => {
  ours = await makeCa('ministry');
  rogue = await makeCa('rogue');
});

for (const mode of ['starttls', 'tls']) {
  describe(mode === 'tls' ? 'smtps:// (TLS from the start)' : 'smtp:// with STARTTLS', () => {
    let sink;
    before(async () => {
      sink = await smtpSink({ tls: { mode, cert: ours.cert, key: ours.key } });
      sinks.push(sink);
      // one account notice waiting to go
      await addUser(srv.db, `${mode}@test.example`, 'ngo', { org: srv.orgId });
    });

    test('a certificate the given CA did not sign is refused: the mail waits, the error shows', async () => {
      const r = await send(sink.url, { ca: rogue.ca });
      assert.match(r.stdout, /0 sent, 1 to retry/);
      assert.deepEqual(await sink.messages(), [], 'nothing reached the relay');
      const tried = (await outbox('queued')).filter((o) => o.attempts > 0 && o.last_error);
      assert.ok(tried.length >= 1);
      assert.match(tried.at(-1).last_error, /certificate|SSL|verif/i);
    });

    test('the system CAs do not know the ministry CA either', async () => {
      clock += 3600;
      const r = await send(sink.url);
      assert.match(r.stdout, /0 sent, 1 to retry/);
      assert.deepEqual(await sink.messages(), []);
    });

    test('with --smtp-ca (or CIVDESK_SMTP_CA) naming its CA, every message arrives over TLS', async () => {
      clock += 86400; // past every backoff
      const r = mode === 'tls'
        ? await send(sink.url, { env: { CIVDESK_SMTP_CA: ours.ca } })
        : await send(sink.url, { ca: ours.ca });
      assert.match(r.stdout, / 0 to retry/);
      const msgs = await sink.messages();
      assert.ok(msgs.length >= 1);
      assert.ok(msgs.every((m) => m.tls === true), 'over TLS');
      assert.ok(msgs.some((m) => m.rcpt_tos[0] === `${mode}@test.example`));
      assert.deepEqual(await outbox('queued'), []);
    });
  });
}

describe('--smtp-ca on the command line', () => {
  test('bad values are one-line errors naming the option', async () => {
    const base = ['notify', 'run', '--db', srv.db, '--smtp', 'smtp://127.0.0.1:1', '--mail-from', FROM];
    let r = await cli([...base, '--smtp-ca', join(srv.dir, 'missing.pem')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^civdesk: --smtp-ca: cannot read/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    r = await cli([...base, '--smtp-ca', ours.key]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--smtp-ca: .* holds no PEM certificate/);
    r = await cli(['notify', 'run', '--db', srv.db, '--smtp-ca', ours.ca]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--smtp-ca needs --smtp/);
    r = await cli(['serve', '--db', srv.db, '--smtp-ca', ours.ca]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--smtp-ca needs --smtp/);
  });
});
