// Every route's query parameters are declared on its row (src/http/routes.c) and checked
// once, before the handler runs (issue 18, item 2). Driven by /api/v1/openapi.json, which
// is written from the same rows: for each GET that declares its parameters, an unknown
// parameter, a repeated one and a value of the wrong type are each a 400 problem naming
// the parameter, and a missing required one too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

let srv;
let ops;
before(async () => {
  srv = await startServer();
  const spec = (await srv.api('GET', '/api/v1/openapi.json')).json;
  ops = [];
  for (const [path, byMethod] of Object.entries(spec.paths)) {
    const op = byMethod.get;
    if (!op || op['x-list-query']) continue;
    const query = op.parameters.filter((p) => p.in === 'query');
    if (!query.length && !op['x-route']) continue;
    ops.push({ path: path.replace('{id}', '1').replace('{subid}', '1'), op, query });
  }
});
after(() => srv?.stop());

// A value its schema refuses, or null when any text would do.
function badValue(schema) {
  if (schema.anyOf) return 'soon';
  if (schema.enum) return '__not_one_of_them';
  if (schema.type === 'integer') return '0';
  if (schema.type === 'boolean') return 'maybe';
  if (schema.format === 'date') return '2017-02-30';
  if (schema.format === 'iso3166-1-alpha-2') return 'XX';
  if (schema.format === 'iso639-1') return 'xx';
  return null;
}

// A value its schema accepts.
function goodValue(schema) {
  if (schema.anyOf) return goodValue(schema.anyOf[0]);
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'integer') return '1';
  if (schema.type === 'boolean') return 'true';
  return { date: '2017-01-01', 'iso3166-1-alpha-2': 'FR', 'iso639-1': 'en' }[schema.format] || 'x';
}

// The required parameters, with values their types accept.
function requiredQuery(query) {
  const q = new URLSearchParams();
  for (const p of query) if (p.required) q.set(p.name, goodValue(p.schema));
  return q;
}

const url = (path, q) => (q.toString() ? `${path}?${q}` : path);

test('an unknown query parameter is a 400 naming it, where the route declares its own', async () => {
  let checked = 0;
  for (const { path, op, query } of ops) {
    if (!query.length && !op.parameters) continue;
    const q = requiredQuery(query);
    q.set('no_such_parameter', '1');
    const r = await srv.api('GET', url(path, q));
    if (op['x-other-query-ignored'] || !op['x-route'] || !declares(op)) {
      assert.notEqual(r.status, 400, `${path}: ${r.text}`);
      continue;
    }
    assertProblem(r, 400, { fields: { no_such_parameter: /is not a parameter here/ } });
    checked++;
  }
  assert.ok(checked >= 10, `${checked} routes checked`);
});

// Whether the operation's route declares its query parameters (an empty list included):
// routes that read none and ignore what they get publish no query parameters and are not
// in docs/api.md's "query" column; the pipeline's empty list is strict.
function declares(op) {
  return op.parameters.some((p) => p.in === 'query') || op['x-route'] === '/api/v1/stats/pipeline';
}

test('a value of the wrong type, a repeated parameter and a missing required one are 400s naming it', async () => {
  let checked = 0;
  for (const { path, query } of ops) {
    for (const p of query) {
      const bad = badValue(p.schema);
      if (bad !== null) {
        const q = requiredQuery(query);
        q.set(p.name, bad);
        assertProblem(await srv.api('GET', url(path, q)), 400, { fields: { [p.name]: /./ } });
        checked++;
      }
      const twice = requiredQuery(query);
      twice.delete(p.name);
      twice.append(p.name, goodValue(p.schema));
      twice.append(p.name, goodValue(p.schema));
      assertProblem(await srv.api('GET', url(path, twice)), 400, { fields: { [p.name]: /given twice/ } });
      if (p.required) {
        const q = requiredQuery(query);
        q.delete(p.name);
        assertProblem(await srv.api('GET', url(path, q)), 400, { fields: { [p.name]: /is required/ } });
      }
    }
  }
  assert.ok(checked >= 15, `${checked} typed values checked`);
});

test('the success status each route declares (its one 2xx) is the one it answers', async () => {
  const spec = (await srv.api('GET', '/api/v1/openapi.json')).json;
  const declared = (path, method) => Object.keys(spec.paths[path][method].responses).filter((s) => /^2/.test(s));
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Status Check', country: 'FR' } });
  assert.deepEqual(declared('/api/v1/organisations', 'post'), [String(org.status)]);
  const prop = await srv.api('POST', '/api/v1/proposals', { body: { title: 'T', organisation_ids: [org.json.id] } });
  const moved = await srv.api('POST', `/api/v1/proposals/${prop.json.id}/transitions`, { body: { to: 'under_review' } });
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(declared('/api/v1/proposals/{id}/transitions', 'post'), ['200']);
  const key = await srv.api('POST', '/api/v1/me/calendar');
  assert.deepEqual(declared('/api/v1/me/calendar', 'post'), [String(key.status)]);
  const gone = await srv.api('DELETE', `/api/v1/proposals/${prop.json.id}`);
  assert.deepEqual(declared('/api/v1/proposals/{id}', 'delete'), [String(gone.status)]);
  assert.equal(gone.status, 204);
});
