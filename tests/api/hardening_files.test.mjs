// Hardening (issue 16, item 7): the database holds password, session and token hashes,
// so it, its -wal and -shm files and its backups are created readable by the owner only
// (0600), whatever the umask (the default 022 would make them 0644).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cliOk, tempDir, launch, addUser, createToken } from './lib/server.mjs';

const mode = async (p) => (await stat(p)).mode & 0o777;

test('init, serve and backup create every database file 0600 under umask 022', async () => {
  const old = process.umask(0o022);
  const dir = await tempDir();
  try {
    const db = join(dir, 'civdesk.db');
    await cliOk(['init', '--db', db]);
    assert.equal((await mode(db)).toString(8), '600', 'the database after init');
    await addUser(db, 'admin@test.example', 'admin');
    const token = await createToken(db, 'admin@test.example');
    const srv = await launch(db, dir);
    srv.tokens.admin = token;
    const r = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Perm', country: 'FR' } });
    assert.equal(r.status, 201, r.text);
    for (const f of [db, `${db}-wal`, `${db}-shm`])
      assert.equal((await mode(f)).toString(8), '600', f);
    const backup = join(dir, 'copy.db');
    await cliOk(['backup', backup, '--db', db]);
    assert.equal((await mode(backup)).toString(8), '600', 'the backup');
    await srv.stop({ keepDir: true });
    const demo = join(dir, 'demo.db');
    await cliOk(['demo', '--db', demo]);
    assert.equal((await mode(demo)).toString(8), '600', 'the demo database');
  } finally {
    process.umask(old);
    await rm(dir, { recursive: true, force: true });
  }
});
