// Computed members are declared beside the stored fields (issue 18, item 5): on the demo
// database, every member a record's JSON carries is declared in its schema in
// /api/v1/openapi.json (stored, computed, or metadata), and every computed member the
// schema declares is on the record — on a list item unless it is x-detail (one record
// only), and always unless it is x-optional.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, cliOk, tempDir, addUser, createToken } from './lib/server.mjs';

let srv;
before(async () => {
  const dir = await tempDir();
  const db = join(dir, 'civdesk.db');
  await cliOk(['demo', '--db', db], { timeoutMs: 120000 });
  await addUser(db, 'schema-admin@test.example', 'admin');
  const token = await createToken(db, 'schema-admin@test.example');
  srv = await launch(db, dir, 2);
  srv.tokens.admin = token;
});
after(() => srv?.stop());

const META = ['id', 'created_at', 'updated_at', 'version'];

test('every member of a record is declared, and every declared computed member is there', async () => {
  const spec = (await srv.api('GET', '/api/v1/openapi.json')).json;
  let checked = 0;
  for (const [path, ops] of Object.entries(spec.paths)) {
    const name = ops.get?.['x-resource'];
    if (!/^\/api\/v1\/[^/{}]+$/.test(path) || !name || ops.get['x-route'] !== '/api/v1/{collection}') continue;
    const schema = spec.components.schemas[name];
    const props = schema.properties;
    const computed = Object.entries(props).filter(([, p]) => p['x-computed']);
    const list = await srv.api('GET', `${path}?limit=5`);
    assert.equal(list.status, 200, `${path}: ${list.text}`);
    for (const item of list.json.items) {
      for (const k of Object.keys(item)) assert.ok(props[k] || META.includes(k), `${name}: "${k}" is not declared`);
      for (const [k, p] of computed)
        if (!p['x-detail'] && !p['x-optional']) assert.ok(k in item, `${name}: a list item lacks computed "${k}"`);
    }
    if (!list.json.items.length) continue;
    const one = await srv.api('GET', `${path}/${list.json.items[0].id}`);
    assert.equal(one.status, 200, one.text);
    for (const k of Object.keys(one.json)) assert.ok(props[k] || META.includes(k), `${name}: "${k}" is not declared`);
    for (const [k, p] of computed) if (!p['x-optional']) assert.ok(k in one.json, `${name} ${one.json.id} lacks computed "${k}"`);
    for (const [k, p] of computed) {
      assert.equal(p.readOnly, true, `${name}.${k} is read-only`);
      assert.ok(p.description, `${name}.${k} says what it is`);
    }
    checked++;
  }
  assert.ok(checked >= 10, `records of ${checked} resources were checked`);
  // the ones the issue names
  const s = spec.components.schemas;
  assert.equal(s.accreditations.properties.report_due_on.format, 'date');
  assert.equal(s.accreditations.properties.overdue.type, 'boolean');
  assert.equal(s.applications.properties.history['x-detail'], true);
  assert.ok(s.reports.properties.word_count && s.documents.properties.titles && s.document_attachments.properties.content_url);
});
