// A database whose search index was built by another version of civdesk (another tokenizer
// or other searchable fields), as an administrator meets it after an upgrade or when
// restoring an old backup (docs/search.md, docs/operations.md): a small index is rebuilt
// by whatever opens it; a large one is never rebuilt silently inside a command — commands
// refuse in one line naming `civdesk reindex`, check and backup work, init leaves a notice,
// reindex rebuilds it with progress, and serve rebuilds it before it listens.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, cli, cliOk, tempDir, request, PASSWORD } from './lib/server.mjs';

const REBUILD_AT_OPEN = 20000; // SEARCH_REBUILD_AT_OPEN, src/search/search.h
const OLD = 'civdesk-tokenizer-0 from an older civdesk';

const dir = await tempDir();
after(() => rm(dir, { recursive: true, force: true }));

function sqlite(db, sql) {
  return new Promise((resolve, reject) => {
    const c = spawn('sqlite3', [db, sql]);
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`sqlite3: ${err}`))));
  });
}

const fingerprint = (db) => sqlite(db, "SELECT value FROM search_meta WHERE key='fingerprint'");
const makeOld = (db) => sqlite(db, `UPDATE search_meta SET value='${OLD}' WHERE key='fingerprint'`);

// Exit 1 and exactly one line on stderr; returns it.
function refused(r) {
  assert.equal(r.code, 1, `exit ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.length);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  return lines[0];
}

// Copies of one database of REBUILD_AT_OPEN + 500 organisations whose index is out of date.
let large;
let n = 0;
const largeCopy = async () => {
  const db = join(dir, `large${++n}.db`);
  await copyFile(large, db);
  return db;
};

before(async () => {
  large = join(dir, 'large.db');
  await cliOk(['init', '--db', large]);
  const rows = ['name,country,description'];
  for (let i = 0; i < REBUILD_AT_OPEN + 500; i++) rows.push(`Организация номер ${i},RU,Описание ${i}`);
  rows.push('Фонд Чкалова,RU,Мониторинг');
  const csv = join(dir, 'orgs.csv');
  await writeFile(csv, rows.join('\n') + '\n');
  await cliOk(['import', 'organisations', csv, '--db', large], { timeoutMs: 300000 });
  await makeOld(large);
});

describe('a large out-of-date search index', { concurrency: true }, () => {
  test('a command refuses the database in one line naming civdesk reindex, and changes nothing', async () => {
    const db = await largeCopy();
    const r = await cli(['user', 'add', '--db', db, '--email', 'a@x.example', '--role', 'admin'], { input: PASSWORD + '\n' });
    const line = refused(r);
    assert.match(line, /^civdesk: the search index of .* was built by another version of civdesk/);
    assert.match(line, /`civdesk reindex`/);
    const count = Number(/for (\d+) records/.exec(line)?.[1]);
    assert.ok(count > REBUILD_AT_OPEN + 500, `the records to index are counted: ${line}`);
    assert.equal(await fingerprint(db), OLD);
    refused(await cli(['search', 'Чкалов', '--db', db]));
    refused(await cli(['export', 'organisations', '--db', db, '--filter', 'country=RU']));
    assert.equal(await sqlite(db, 'SELECT count(*) FROM users'), '0');
  });

  test('check and backup work on it as it is', async () => {
    const db = await largeCopy();
    const c = await cliOk(['check', '--db', db]);
    assert.doesNotMatch(c.stderr, /rebuild/);
    await cliOk(['backup', '--db', db, join(dir, `backup${n}.db`)]);
    assert.equal(await fingerprint(db), OLD);
    assert.equal(await fingerprint(join(dir, `backup${n}.db`)), OLD);
  });

  test('init migrates and leaves it, saying what will rebuild it', async () => {
    const db = await largeCopy();
    const r = await cliOk(['init', '--db', db]);
    assert.match(r.stderr, /search index must be rebuilt/);
    assert.match(r.stderr, /civdesk serve/);
    assert.match(r.stderr, /civdesk reindex/);
    assert.equal(await fingerprint(db), OLD);
  });

  test('reindex rebuilds it once; then every command works', async () => {
    const db = await largeCopy();
    const r = await cliOk(['reindex', '--db', db], { timeoutMs: 300000 });
    assert.match(r.stdout, /^civdesk: the search index of .* was rebuilt: \d+ entries\n$/);
    assert.doesNotMatch(r.stderr, /rebuilding the search index \(/, 'not rebuilt a second time at open');
    assert.notEqual(await fingerprint(db), OLD);
    const s = await cliOk(['search', 'Chkalov', '--db', db]);
    assert.match(s.stdout, /Фонд \[Чкалова\]/);
    await cliOk(['user', 'add', '--db', db, '--email', 'a@x.example', '--role', 'admin'], { input: PASSWORD + '\n' });
  });

  test('serve rebuilds it before it listens, with progress in the log', async () => {
    const db = await largeCopy();
    const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CIVDESK_DB: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    try {
      const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not listen in 240 s:\n${stderr}`)), 240000);
        child.stdout.setEncoding('utf8').on('data', (d) => {
          stdout += d;
          const m = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        exited.then((e) => {
          clearTimeout(timer);
          reject(new Error(`serve exited (${e.code ?? e.signal}) before listening:\n${stderr}`));
        });
      });
      // Before it listened: the rebuild, announced, its progress, its end.
      const log = stderr.split('\n');
      const start = log.findIndex((l) => /info search: rebuilding the search index \(\d+ records\)/.test(l));
      const progress = log.findIndex((l) => /info search: rebuilding the search index: 10000 of \d+ records \(\d+%\)/.test(l));
      const done = log.findIndex((l) => /info search: index built, \d+ entries/.test(l));
      assert.ok(start >= 0 && progress > start && done > progress, `the log:\n${stderr}`);
      assert.notEqual(await fingerprint(db), OLD);
      const h = await request(url, 'GET', '/healthz');
      assert.equal(h.status, 200);
    } finally {
      child.kill('SIGTERM');
      const e = await exited;
      assert.equal(e.code, 0, `serve stopped with ${e.code ?? e.signal}:\n${stderr.slice(-4000)}`);
    }
  });
});

test('a small out-of-date index is rebuilt by whatever opens the database', async () => {
  const db = join(dir, 'small.db');
  await cliOk(['init', '--db', db]);
  const csv = join(dir, 'small.csv');
  await writeFile(csv, 'name,country\nФонд Чкалова,RU\nMemorial,FR\n');
  await cliOk(['import', 'organisations', csv, '--db', db]);
  await makeOld(db);
  const r = await cliOk(['search', 'Chkalov', '--db', db]);
  assert.match(r.stdout, /Фонд \[Чкалова\]/);
  assert.match(r.stderr, /rebuilding the search index \(\d+ records\)/);
  assert.notEqual(await fingerprint(db), OLD);
});
