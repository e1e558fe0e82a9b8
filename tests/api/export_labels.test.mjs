// CSV for a person (issue 17): labels=en|ru heads a CSV export's columns with the field
// labels the web UI shows in that language (web/assets/js/strings.js, built in); without it
// the header row stays the field names that import reads, and such a file imports back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());

// The UI's label tables, read from the same source the build embeds.
const strings = await readFile(new URL('../../web/assets/js/strings.js', import.meta.url), 'utf8');
const label = (lang, name) => {
  const table = strings.slice(strings.indexOf(`const ${lang} = {`));
  return new RegExp(`'f\\.${name}': '([^']*)'`).exec(table.slice(0, table.indexOf('\n};')))[1];
};

async function csv(q) {
  const res = await fetch(`${srv.url}/api/v1/organisations?format=csv${q}`, { headers: { authorization: `Bearer ${srv.tokens.admin}` } });
  // Decoded by hand: Response.text() would drop a BOM.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  assert.equal(res.status, 200, text);
  return text;
}
const header = (text) => text.replace(/^\uFEFF/, '').split('\r\n')[0];

test('labels=ru and labels=en name the columns as the UI does; the default stays the field names', async () => {
  const c = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Фонд «Наследие», Москва', country: 'RU', city: 'Москва' } });
  assert.equal(c.status, 201, c.text);
  const raw = await csv('');
  assert.match(header(raw), /^id,name,name_en,name_ru,acronym,country,city,/);
  assert.match(header(raw), /,created_at,updated_at,version$/);

  const ru = await csv('&labels=ru&bom=true');
  assert.ok(ru.startsWith('\uFEFF'), 'the BOM still comes first');
  const ruCols = header(ru).split(',');
  assert.equal(ruCols.length, header(raw).split(',').length, 'one label per column');
  assert.equal(ruCols[1], label('ru', 'name'));
  assert.equal(ruCols[5], label('ru', 'country'));
  assert.equal(ruCols[6], label('ru', 'city'));
  assert.equal(ruCols[6], 'Город');
  assert.match(ru, /Фонд «Наследие», Москва/);
  // The rows are the same, only the header differs.
  assert.equal(ru.replace(/^\uFEFF/, '').split('\r\n').slice(1).join('\n'), raw.split('\r\n').slice(1).join('\n'));

  const en = header(await csv('&labels=en'));
  assert.equal(en.split(',')[1], 'Name');
  assert.equal(en.split(',')[4], label('en', 'acronym'));
  assert.notEqual(en, header(raw));
});

test('labels is checked: a UI language, with format=csv only', async () => {
  const api = (q) => srv.api('GET', `/api/v1/organisations?${q}`, { token: srv.tokens.admin });
  assertProblem(await api('format=csv&labels=de'), 400, { fields: { labels: /en or ru/ } });
  assertProblem(await api('format=json&labels=ru'), 400, { fields: { labels: /CSV/ } });
  assertProblem(await api('labels=ru'), 400, { fields: { labels: /CSV/ } });
});

// The command line (issue 17): `civdesk export --labels [--lang ru|en]` gives the same
// labelled header; without --labels the header stays the field names that import reads.
test('civdesk export --labels --lang ru|en: the UI\'s column names; checked like the API', async () => {
  const { cli, cliOk, tempDir } = await import('./lib/server.mjs');
  const { join } = await import('node:path');
  const { rm } = await import('node:fs/promises');
  const dir = await tempDir();
  try {
    const db = join(dir, 'labels.db');
    await cliOk(['init', '--db', db]);
    const src = join(dir, 'o.csv');
    await (await import('node:fs/promises')).writeFile(src, 'name,country,city\nФонд «Память»,RU,Самара\n');
    await cliOk(['import', 'organisations', src, '--db', db]);
    const head = (r) => r.stdout.split('\r\n')[0].split(',');
    const raw = head(await cliOk(['export', 'organisations', '--db', db]));
    assert.deepEqual(raw.slice(0, 3), ['id', 'name', 'name_en']);
    const ru = await cliOk(['export', 'organisations', '--labels', '--lang', 'ru', '--db', db]);
    assert.equal(head(ru).length, raw.length, 'one label per column');
    assert.equal(head(ru)[1], label('ru', 'name'));
    assert.equal(head(ru)[6], 'Город');
    assert.match(ru.stdout, /Фонд «Память»,,,,RU,Самара/);
    const en = await cliOk(['export', 'organisations', '--labels', '--db', db]);
    assert.equal(head(en)[1], 'Name', 'English unless --lang says otherwise');
    assert.equal(head(en)[6], label('en', 'city'));
    const en2 = await cliOk(['export', 'organisations', '--labels', '--lang', 'en', '--db', db]);
    assert.deepEqual(head(en2), head(en));

    let r = await cli(['export', 'organisations', '--labels', '--lang', 'de', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--lang must be en or ru/);
    assert.equal(r.stdout, '');
    r = await cli(['export', 'organisations', '--labels', '--format', 'json', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CSV export only/);
    r = await cli(['export', 'organisations', '--lang', 'ru', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--lang names the language of --labels/);
    r = await cli(['export', '--help']);
    assert.match(r.stdout, /--labels/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
