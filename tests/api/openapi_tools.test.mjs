// /api/v1/openapi.json checked by the tools an integrator uses (issue 23): swagger-parser
// validates it; @redocly/cli lints it with its recommended rules (redocly.yaml says which
// rule is off, and why); a client generated from it at test time (openapi-typescript
// types, type-checked by tsc, and openapi-fetch) runs a real flow against a real server:
// authenticate with a token, create an organisation, page a list, get a 422 problem.
// Every other answer of the suite is validated against the document by the harness
// (lib/openapi_check.mjs). `make openapi-check` runs this file alone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { startServer, request } from './lib/server.mjs';
import { check, takeMismatches } from './lib/openapi_check.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let srv;
let doc;
let dir;

before(async () => {
  srv = await startServer();
  const r = await request(srv.url, 'GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  doc = r.json;
  // Under build/ (ignored by git) so that the client's imports find node_modules.
  await mkdir(join(root, 'build'), { recursive: true });
  dir = await mkdtemp(join(root, 'build', 'openapi-client-'));
  await writeFile(join(dir, 'openapi.json'), JSON.stringify(doc));
});
after(async () => {
  await srv?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(cmd, args, opts = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, out }));
  });
}

test('swagger-parser validates the document (OpenAPI 3.1, every $ref resolves)', async () => {
  const api = await SwaggerParser.validate(structuredClone(doc));
  assert.equal(api.openapi, '3.1.0');
  // What the issue found missing: parameters, response schemas, security on operations.
  let ops = 0;
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      ops++;
      for (const name of path.match(/\{(\w+)\}/g) ?? [])
        assert.ok(
          op.parameters.some((p) => p.in === 'path' && `{${p.name}}` === name),
          `${method} ${path} declares ${name}`,
        );
      const ok = Object.keys(op.responses).find((s) => /^2/.test(s));
      assert.ok(ok, `${method} ${path} has a success`);
      if (ok !== '204') assert.ok(op.responses[ok].content, `${method} ${path} ${ok} says what it answers`);
      assert.ok(Array.isArray(op.security) && op.security.length, `${method} ${path} security`);
      assert.match(op.operationId, /^[a-z]+(_\w+)+$/);
    }
  assert.ok(ops > 140, `${ops} operations`);
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

test('the document declares queries, merge patches, problems and versions', () => {
  const search = doc.paths['/api/v1/search'].get;
  assert.deepEqual(
    search.parameters.filter((p) => p.required).map((p) => p.name),
    ['q'],
  );
  const list = doc.paths['/api/v1/organisations'].get;
  const names = list.parameters.map((p) => p.name);
  for (const n of ['limit', 'cursor', 'count', 'q', 'sort', 'country']) assert.ok(names.includes(n), n);
  assert.equal(list.parameters.find((p) => p.name === 'limit').schema.maximum, 500);
  const patch = doc.paths['/api/v1/organisations/{id}'].patch;
  const schema = patch.requestBody.content['application/merge-patch+json'].schema.$ref;
  assert.equal(schema, '#/components/schemas/organisations_patch');
  assert.equal(doc.components.schemas.organisations_patch.required, undefined, 'a patch requires nothing');
  assert.ok(patch.responses['412'] && patch.parameters.some((p) => p.in === 'header' && p.name === 'If-Match'));
  assert.ok(doc.paths['/api/v1/organisations/{id}'].get.responses['304']);
  assert.equal(
    patch.responses['422'].content['application/problem+json'].schema.$ref,
    '#/components/schemas/problem',
  );
  // A nullable enum lists null, or null fails its own schema (the seven fields).
  const legal = doc.components.schemas.organisations.properties.legal_form;
  assert.ok(legal.enum.includes(null) && legal.type.includes('null'));
  // Public routes need no credentials; others a token or the session (with CSRF to write).
  assert.ok(doc.paths['/api/v1/openapi.json'].get.security.some((s) => !Object.keys(s).length));
  assert.deepEqual(patch.security, [{ bearer: [] }, { session: [], csrf: [] }]);
});

test('the harness catches an answer that does not match the document', async () => {
  const h = (ct) => new Headers({ 'content-type': ct });
  const org = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Checked Society', country: 'SE' } });
  assert.equal(org.status, 201);
  assert.deepEqual(takeMismatches(srv.url), [], 'the real answers match');
  const bad = [
    ['GET', `/api/v1/organisations/${org.json.id}`, 200, 'application/json', { ...org.json, surprise: 1 }, /additional properties \(surprise\)/],
    ['GET', `/api/v1/organisations/${org.json.id}`, 200, 'application/json', { ...org.json, legal_form: 'pirate_ship' }, /allowed values/],
    ['GET', '/api/v1/organisations?limit=1', 200, 'application/json', { items: [] }, /next_cursor/],
    ['GET', '/api/v1/me', 200, 'text/html', {}, /Content-Type text\/html not declared/],
    ['DELETE', `/api/v1/organisations/${org.json.id}`, 200, 'application/json', {}, /not declared/],
    ['POST', '/api/v1/organisations', 422, 'application/problem+json', { type: 'x', title: 'y', status: 422 }, /required property 'detail'/],
  ];
  for (const [method, path, status, ct, body, want] of bad) {
    await check(srv.url, method, path, { status, headers: h(ct), text: JSON.stringify(body), json: body });
    const found = takeMismatches(srv.url);
    assert.equal(found.length, 1, `${method} ${path}: ${found.join('; ')}`);
    assert.match(found[0], want);
  }
});

test('@redocly/cli lint passes with the recommended rules', async () => {
  const r = await run(
    process.execPath,
    [join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', '--config', join(root, 'redocly.yaml'), join(dir, 'openapi.json')],
    { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /valid/);
});

test('a client generated from the document runs a real flow', async () => {
  // The types, as an integrator would generate them.
  const types = astToString(await openapiTS(doc));
  await writeFile(join(dir, 'api.d.ts'), types);
  const flow = `
import createClient from 'openapi-fetch';
import type { paths, components } from './api';

type Problem = components['schemas']['problem'];

export async function flow(baseUrl: string, token: string) {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${token}\` } });
  const created = await api.POST('/api/v1/organisations', {
    body: { name: 'Typed Client Society', country: 'NO', city: 'Oslo' },
  });
  if (!created.data) throw new Error('create failed: ' + JSON.stringify(created.error));
  const id: number = created.data.id as number;
  const one = await api.GET('/api/v1/organisations/{id}', { params: { path: { id } } });
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await api.GET('/api/v1/organisations', {
      params: { query: { limit: 1, count: true, country: 'NO', cursor } },
    });
    // A list answers a page, or with format= the whole list as a file: narrow to the page.
    if (!page.data || typeof page.data === 'string' || Array.isArray(page.data)) throw new Error('no page');
    for (const o of page.data.items) names.push(o.name);
    cursor = page.data.next_cursor ?? undefined;
    pages++;
  } while (cursor && pages < 10);
  const bad = await api.POST('/api/v1/organisations', { body: { name: 'No Such Country', country: 'ZZ' } });
  const problem: Problem | undefined = bad.error;
  return { status: created.response.status, id, etag: one.response.headers.get('etag'), names, pages,
           badStatus: bad.response.status, problem };
}
`;
  await writeFile(join(dir, 'flow.ts'), flow);
  // The flow type-checks against the generated types (strict)…
  const program = ts.createProgram([join(dir, 'flow.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
  });
  const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diags, [], 'the flow type-checks against the generated client');
  // …and runs against the server.
  const js = ts.transpileModule(flow, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  await writeFile(join(dir, 'flow.mjs'), js.outputText);
  await srv.api('POST', '/api/v1/organisations', { body: { name: 'Second Norwegian Society', country: 'NO' } });
  const { flow: runFlow } = await import(pathToFileURL(join(dir, 'flow.mjs')).href);
  const r = await runFlow(srv.url, srv.tokens.admin);
  assert.equal(r.status, 201);
  assert.match(r.etag, /^"1"$/);
  assert.deepEqual(r.names.sort(), ['Second Norwegian Society', 'Typed Client Society']);
  assert.equal(r.pages, 2);
  assert.equal(r.badStatus, 422);
  assert.equal(r.problem.status, 422);
  assert.ok(r.problem.errors.some((e) => e.field === 'country'), JSON.stringify(r.problem));
});
