// The command line as a user meets it: exit status 0 / 1 (one line on stderr) / 2 (usage),
// --help on every command, --db and CIVDESK_DB, password rules, tokens, disabling users,
// and refusing a database with a newer schema.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, cliOk, tempDir, addUser, createToken, launch, PASSWORD, assertProblem } from './lib/server.mjs';

const dir = await tempDir();
after(() => rm(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = async () => {
  const db = join(dir, `db${++n}.db`);
  await cliOk(['init', '--db', db]);
  return db;
};

// Exit 1 and exactly one line on stderr, which says who speaks; returns that line.
function userError(r, re) {
  assert.equal(r.code, 1, `exit ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.length);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^civdesk/);
  if (re) assert.match(lines[0], re);
  return lines[0];
}

function usageError(r) {
  assert.equal(r.code, 2, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.match(r.stderr, /civdesk/, 'says what is wrong on stderr');
  assert.equal(r.stdout, '', 'nothing on stdout');
}

describe('exit codes and help', { concurrency: true }, () => {
  test('no arguments: usage on stderr, exit 2', async () => {
    usageError(await cli([]));
  });

  test('--help, -h and help: usage on stdout, exit 0', async () => {
    for (const h of ['--help', '-h', 'help']) {
      const r = await cli([h]);
      assert.equal(r.code, 0, h);
      assert.match(r.stdout, /^usage: civdesk COMMAND/);
      assert.equal(r.stderr, '');
    }
  });

  test('an unknown command: exit 2', async () => {
    usageError(await cli(['frobnicate']));
    usageError(await cli(['user', 'explode']));
  });

  test('--help on every command listed, exit 0, nothing else done', async () => {
    const top = await cli(['--help']);
    // Each line of the command list starts with the command's words, then its options.
    const section = top.stdout.split(/^commands:\n/m)[1].split('\n\n')[0];
    const names = section
      .split('\n')
      .map((l) => {
        const words = [];
        for (const w of l.trim().split(/\s+/)) {
          if (!/^[a-z][a-z-]*$/.test(w)) break;
          words.push(w);
        }
        return words.join(' ');
      })
      .filter(Boolean);
    assert.equal(new Set(names).size, names.length, `command names parsed once each: ${names}`);
    for (const want of ['init', 'serve', 'demo', 'user add', 'user list', 'user disable', 'token create'])
      assert.ok(names.includes(want), `--help lists ${want} (got ${names})`);
    const cwd = await tempDir();
    const rs = await Promise.all(names.map((name) => cli([...name.split(' '), '--help'], { cwd })));
    names.forEach((name, i) => {
      const r = rs[i];
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: civdesk ${name}\\b`), `${name} --help`);
      assert.equal(r.stderr, '', `${name} --help`);
    });
    assert.ok(!existsSync(join(cwd, 'civdesk.db')), '--help did not create a database');
    await rm(cwd, { recursive: true, force: true });
  });

  test('an unknown option, an option the command does not take, a stray argument: exit 2', async () => {
    const db = join(dir, 'never.db');
    usageError(await cli(['init', '--db', db, '--bogus']));
    usageError(await cli(['init', '--db', db, '--email', 'a@b.org']));
    usageError(await cli(['init', '--db', db, 'extra']));
    usageError(await cli(['user', 'list', '--db']));
    assert.ok(!existsSync(db), 'a usage error did nothing');
  });

  test('a missing required option is a usage error', async () => {
    const db = await freshDb();
    usageError(await cli(['user', 'add', '--db', db, '--role', 'officer'], { input: PASSWORD + '\n' }));
    usageError(await cli(['user', 'add', '--db', db, '--email', 'x@test.example'], { input: PASSWORD + '\n' }));
    usageError(await cli(['user', 'add', '--db', db, '--email', 'x@test.example', '--role', 'boss'], { input: PASSWORD + '\n' }));
    usageError(await cli(['token', 'create', '--db', db]));
    usageError(await cli(['user', 'disable', '--db', db]));
    usageError(await cli(['serve', '--db', db, '--threads', '0']));
  });

  test('init creates, reports the schema, and is idempotent', async () => {
    const db = join(dir, 'init.db');
    const a = await cliOk(['init', '--db', db]);
    assert.match(a.stdout, /schema version \d+/);
    assert.ok(existsSync(db));
    await cliOk(['init', '--db', db]);
  });

  test('a user error: exit 1 and one line on stderr (missing database, unknown user)', async () => {
    userError(await cli(['user', 'list', '--db', join(dir, 'missing', 'x.db')]), /init/);
    userError(await cli(['serve', '--db', join(dir, 'missing.db'), '--listen', '127.0.0.1:0']));
    const db = await freshDb();
    const r = await cli(['token', 'create', '--db', db, '--email', 'nobody@test.example']);
    userError(r, /nobody@test\.example/);
    assert.equal(r.stdout, '');
    userError(await cli(['user', 'disable', '--db', db, '--email', 'nobody@test.example']));
  });

  test('serve on a file that is not a database: exit 1, one line', async () => {
    const f = join(dir, 'garbage.db');
    await writeFile(f, 'this is not an SQLite file, not even close\n'.repeat(100));
    userError(await cli(['serve', '--db', f, '--listen', '127.0.0.1:0']));
    userError(await cli(['user', 'list', '--db', f]));
  });

  test(
    'serve on a file that is not a database says so (not "no database at")',
    async () => {
      const f = join(dir, 'garbage2.db');
      await writeFile(f, 'this is not an SQLite file, not even close\n'.repeat(100));
      const line = userError(await cli(['user', 'list', '--db', f]));
      assert.doesNotMatch(line, /no database at/);
    },
  );

  test(
    'serve on a port already in use: exit 1, one line',
    async () => {
    const db = await freshDb();
    const srv = await launch(db, dir, 2);
    try {
      const other = await freshDb();
      const r = await cli(['serve', '--db', other, '--listen', `127.0.0.1:${srv.port}`], { timeoutMs: 3000 });
      assert.notEqual(r.signal, 'SIGKILL', `the second serve was still running after 3 s; it printed: ${r.stdout}`);
      userError(r, /listen|use/);
    } finally {
      await srv.stop({ keepDir: true });
    }
    },
  );
});

describe('--db and CIVDESK_DB', { concurrency: true }, () => {
  test('CIVDESK_DB is used when --db is not given', async () => {
    const cwd = await tempDir();
    const envDb = join(cwd, 'from-env.db');
    const env = { CIVDESK_DB: envDb };
    await cliOk(['init'], { cwd, env });
    assert.ok(existsSync(envDb), 'created at CIVDESK_DB');
    assert.ok(!existsSync(join(cwd, 'civdesk.db')), 'not at the default');
    await cliOk(['user', 'add', '--email', 'env@test.example', '--role', 'officer'], { cwd, env, input: PASSWORD + '\n' });
    const list = await cliOk(['user', 'list'], { cwd, env });
    assert.match(list.stdout, /env@test\.example/);
    const tok = await cliOk(['token', 'create', '--email', 'env@test.example'], { cwd, env });
    assert.match(tok.stdout, /^\S+\n$/);
    await rm(cwd, { recursive: true, force: true });
  });

  test('--db wins over CIVDESK_DB', async () => {
    const cwd = await tempDir();
    const envDb = join(cwd, 'env.db');
    const flagDb = join(cwd, 'flag.db');
    await cliOk(['init', '--db', flagDb], { cwd, env: { CIVDESK_DB: envDb } });
    assert.ok(existsSync(flagDb));
    assert.ok(!existsSync(envDb));
    await rm(cwd, { recursive: true, force: true });
  });

  test('without either, ./civdesk.db', async () => {
    const cwd = await tempDir();
    await cliOk(['init'], { cwd, env: { CIVDESK_DB: '' } });
    assert.ok(existsSync(join(cwd, 'civdesk.db')));
    await rm(cwd, { recursive: true, force: true });
  });
});

describe('users and passwords', { concurrency: true }, () => {
  const add = (db, email, password, role = 'officer', extra = []) =>
    cli(['user', 'add', '--db', db, '--email', email, '--role', role, ...extra], { input: password === null ? '' : password + '\n' });

  test('a strong password is accepted; the user is listed as active', async () => {
    const db = await freshDb();
    const r = await add(db, 'strong@test.example', PASSWORD);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /strong@test\.example/);
    const l = await cliOk(['user', 'list', '--db', db]);
    assert.match(l.stdout, /strong@test\.example\s+officer\s+-\s+active/);
  });

  for (const [what, pw, re] of [
    ['a dictionary-weak password ("password123456")', 'password123456', /weak|password/],
    ['a short password', 'Xq7#vB2', /12|short/],
    ['an 11-character password', 'Xq7#vB2$kLm', /12|short/],
    ['a password containing the e-mail', 'weak@test.example 123', /weak|user/],
    ['a password over 1024 bytes', 'Zq8!'.repeat(300), /1024|long/],
    ['no password at all', null, /password/],
    ['an empty line', '', /password|12/],
  ]) {
    test(`user add refuses ${what}: exit 1, one line, no user`, async () => {
      const db = await freshDb();
      userError(await add(db, 'weak@test.example', pw), re);
      const l = await cliOk(['user', 'list', '--db', db]);
      assert.doesNotMatch(l.stdout, /weak@test\.example/);
    });
  }

  test('the password never appears in output', async () => {
    const db = await freshDb();
    const r = await add(db, 'quiet@test.example', PASSWORD);
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
    const l = await cliOk(['user', 'list', '--db', db]);
    assert.ok(!l.stdout.includes(PASSWORD));
  });

  test('a duplicate e-mail (any case) is refused', async () => {
    const db = await freshDb();
    assert.equal((await add(db, 'dup@test.example', PASSWORD)).code, 0);
    userError(await add(db, 'dup@test.example', PASSWORD));
    userError(await add(db, 'DUP@Test.Example', PASSWORD));
  });

  test('a bad e-mail, an ngo without --org, --org on a non-ngo, an unknown organisation', async () => {
    const db = await freshDb();
    userError(await add(db, 'not-an-email', PASSWORD), /e-mail/);
    userError(await add(db, 'ngo1@test.example', PASSWORD, 'ngo'), /--org/);
    userError(await add(db, 'off@test.example', PASSWORD, 'officer', ['--org', '1']), /--org/);
    userError(await add(db, 'ngo2@test.example', PASSWORD, 'ngo', ['--org', '424242']), /424242/);
    const l = await cliOk(['user', 'list', '--db', db]);
    assert.doesNotMatch(l.stdout, /ngo1|off@|ngo2/);
  });

  // The options are checked before the password is asked for: a wrong --email or --org is
  // said at once, not after a prompt (here: with no password given at all).
  test('a bad e-mail or --org is named before any password is read', async () => {
    const db = await freshDb();
    userError(await add(db, 'not-an-email', null), /--email/);
    userError(await add(db, 'ngo1@test.example', null, 'ngo'), /--org/);
  });

  // One account rule for the CLI and the API (issue 18): a name is at most 200 characters,
  // not bytes — 200 Cyrillic letters (400 bytes) are a name, 201 are not.
  test('--name is limited in characters, like the API: 200 Cyrillic letters pass, 201 do not', async () => {
    const db = await freshDb();
    assert.equal((await add(db, 'long@test.example', PASSWORD, 'officer', ['--name', 'Ж'.repeat(200)])).code, 0);
    userError(await add(db, 'longer@test.example', PASSWORD, 'officer', ['--name', 'Ж'.repeat(201)]), /--name/);
    const l = await cliOk(['user', 'list', '--db', db]);
    assert.match(l.stdout, /long@test\.example/);
    assert.doesNotMatch(l.stdout, /longer@test\.example/);
  });
});

describe('tokens and disabling', { concurrency: true }, () => {
  test('token create prints exactly one line, the token, and each token differs', async () => {
    const db = await freshDb();
    await addUser(db, 'tok@test.example', 'officer');
    const a = await cliOk(['token', 'create', '--db', db, '--email', 'tok@test.example']);
    const b = await cliOk(['token', 'create', '--db', db, '--email', 'tok@test.example', '--label', 'ci']);
    for (const r of [a, b]) {
      assert.match(r.stdout, /^[A-Za-z0-9_-]{20,}\n$/, `stdout: ${JSON.stringify(r.stdout)}`);
      assert.equal(r.stderr, '');
    }
    assert.notEqual(a.stdout, b.stdout);
  });

  test('disabling a user makes their token 401 at once; a new token is refused', async () => {
    const db = await freshDb();
    await addUser(db, 'soon-gone@test.example', 'officer');
    await addUser(db, 'stays@test.example', 'officer');
    const tok = await createToken(db, 'soon-gone@test.example');
    const other = await createToken(db, 'stays@test.example');
    const srv = await launch(db, dir, 2);
    try {
      const me = await srv.api('GET', '/api/v1/me', { token: tok });
      assert.equal(me.status, 200);
      assert.equal(me.json.email, 'soon-gone@test.example');
      const r = await cliOk(['user', 'disable', '--db', db, '--email', 'soon-gone@test.example']);
      assert.match(r.stdout, /disabled/);
      assertProblem(await srv.api('GET', '/api/v1/me', { token: tok }), 401);
      assertProblem(await srv.api('GET', '/api/v1/organisations', { token: tok }), 401);
      assert.equal((await srv.api('GET', '/api/v1/me', { token: other })).status, 200, 'others unaffected');
      userError(await cli(['token', 'create', '--db', db, '--email', 'soon-gone@test.example']), /disabled/);
      const l = await cliOk(['user', 'list', '--db', db]);
      assert.match(l.stdout, /soon-gone@test\.example.*disabled/);
    } finally {
      await srv.stop({ keepDir: true });
    }
  });

  // One audit image for the CLI and the API (issue 18): the account as the users API
  // shows it (never the password), before and after, whoever made the change.
  test('user add and user disable audit the same image of the account as the API', async () => {
    const db = await freshDb();
    await cliOk(['user', 'add', '--db', db, '--email', 'admin@image.example', '--role', 'admin', '--name', 'Анна Админ'], { input: PASSWORD + '\n' });
    await addUser(db, 'gone@image.example', 'officer');
    await cliOk(['user', 'disable', '--db', db, '--email', 'gone@image.example']);
    const srv = await launch(db, dir, 2);
    try {
      const token = await createToken(db, 'admin@image.example');
      const created = await srv.api('GET', '/api/v1/audit?resource=users&action=create', { token });
      const admin = created.json.items.find((e) => e.after.email === 'admin@image.example');
      assert.deepEqual(admin.after, { id: admin.record_id, email: 'admin@image.example', name: 'Анна Админ', role: 'admin', organisation_id: null, disabled: false });
      const disabled = await srv.api('GET', '/api/v1/audit?resource=users&action=disable', { token });
      assert.equal(disabled.json.items.length, 1);
      assert.equal(disabled.json.items[0].before.disabled, false);
      assert.equal(disabled.json.items[0].after.disabled, true);
      assert.equal(disabled.json.items[0].after.email, 'gone@image.example');
      assert.ok(!created.text.includes('argon2') && !created.text.includes(PASSWORD));
      const deep = await srv.api('GET', '/api/v1/audit/verify?deep=true', { token });
      assert.equal(deep.json.ok, true, deep.text);
    } finally {
      await srv.stop({ keepDir: true });
    }
  });

  test('a token works for the role it was made for', async () => {
    const db = await freshDb();
    await addUser(db, 'role@test.example', 'officer');
    const srv = await launch(db, dir, 2);
    try {
      const me = await srv.api('GET', '/api/v1/me', { token: await createToken(db, 'role@test.example') });
      assert.equal(me.json.role, 'officer');
    } finally {
      await srv.stop({ keepDir: true });
    }
  });
});

describe('schema versions', { concurrency: true }, () => {
  const sqlite = promisify(execFile);

  test('serve refuses a database with a newer schema: exit 1, one line, no listening', async () => {
    const db = await freshDb();
    await sqlite('sqlite3', [db, 'PRAGMA user_version=99']);
    const r = await cli(['serve', '--db', db, '--listen', '127.0.0.1:0'], { timeoutMs: 10000 });
    assert.equal(r.signal, null, 'exited by itself');
    const line = userError(r, /99/);
    assert.match(line, /newer/);
    assert.doesNotMatch(r.stdout, /serving/);
  });

  test('init and the other commands refuse it too', async () => {
    const db = await freshDb();
    await sqlite('sqlite3', [db, 'PRAGMA user_version=99']);
    userError(await cli(['init', '--db', db]), /99/);
    userError(await cli(['user', 'list', '--db', db]), /99/);
    userError(await cli(['token', 'create', '--db', db, '--email', 'x@test.example']), /99/);
    const { stdout } = await sqlite('sqlite3', [db, 'PRAGMA user_version']);
    assert.equal(stdout.trim(), '99', 'left untouched');
  });

  test('serve refuses an empty SQLite file that was never initialised', async () => {
    const db = join(dir, 'blank.db');
    await sqlite('sqlite3', [db, 'CREATE TABLE t(x)']);
    userError(await cli(['serve', '--db', db, '--listen', '127.0.0.1:0']), /init/);
  });
});
