// Every answer the API suite receives, checked against what /api/v1/openapi.json declares
// for its operation and status (issue 23): the status must be declared (or a default
// given), the Content-Type must be one the response declares (none for a bodiless one),
// and a JSON body must match the declared schema (ajv, JSON Schema 2020-12 as OpenAPI
// 3.1 uses). The harness (server.mjs) calls check() after each request it makes and
// fails a server's stop() on any mismatch, so the whole suite checks the document.
//
// A request whose method and path match no operation (an unknown path, a 405) is not
// an operation's answer: it is counted, not checked.

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { appendFileSync } from 'node:fs';

const docs = new Map(); // base URL -> Promise of {doc, ajv, ops}
const found = new Map(); // base URL -> [mismatch, …]
const counted = { checked: 0, bodies: 0, unmatched: 0 }; // answers of this process

// CIVDESK_OPENAPI_STATS=FILE: each test file appends how many answers it checked.
if (process.env.CIVDESK_OPENAPI_STATS)
  process.on('exit', () =>
    appendFileSync(process.env.CIVDESK_OPENAPI_STATS, JSON.stringify({ file: process.argv[1], ...counted }) + '\n'),
  );

// Compiles what is needed to look operations up and validate their answers.
function prepare(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('iso3166-1-alpha-2', /^[A-Z]{2}$/);
  ajv.addFormat('iso639-1', /^[a-z]{2}$/);
  ajv.addSchema(doc, 'civdesk-openapi');
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const segs = path.split('/');
    const literal = segs.filter((s) => !s.startsWith('{')).length;
    const re = new RegExp(
      '^' + segs.map((s) => (s.startsWith('{') ? '[0-9]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/') + '$',
    );
    for (const method of Object.keys(item)) {
      if (!['get', 'post', 'patch', 'delete', 'put', 'head'].includes(method)) continue;
      ops.push({ path, method, re, literal, op: item[method] });
    }
  }
  ops.sort((a, b) => b.literal - a.literal); // literal paths win, as in the router
  return { doc, ajv, ops, validators: new Map() };
}

function load(base) {
  if (!docs.has(base)) {
    docs.set(
      base,
      fetch(base + '/api/v1/openapi.json')
        .then((r) => r.json())
        .then(prepare),
    );
  }
  return docs.get(base);
}

const pointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// The operation a method and path (query string allowed) are answered by, or null.
export function findOperation(spec, method, path) {
  let p = path.split('?')[0].split('#')[0];
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  const m = method.toLowerCase();
  return spec.ops.find((o) => o.method === m && o.re.test(p)) ?? null;
}

// Checks one answer; records a mismatch (a string) for base when it does not conform.
// res: {status, headers (fetch Headers), text, json}. HEAD answers are not checked.
export async function check(base, method, path, res) {
  if (method.toUpperCase() === 'HEAD') return;
  let spec;
  try {
    spec = await load(base);
  } catch (e) {
    return; // the server is gone (a test that stops it); nothing to check against
  }
  const o = findOperation(spec, method, path);
  if (!o) {
    counted.unmatched++;
    return;
  }
  counted.checked++;
  const say = (what) => {
    if (!found.has(base)) found.set(base, []);
    found.get(base).push(`${method.toUpperCase()} ${path.slice(0, 120)} (${o.path}) ${res.status}: ${what}`);
  };
  const key = o.op.responses[String(res.status)] ? String(res.status) : o.op.responses.default ? 'default' : null;
  if (!key) return say(`status not declared (declared: ${Object.keys(o.op.responses).join(' ')})`);
  const declared = o.op.responses[key];
  const ct = (res.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  const content = declared.content ?? {};
  if (!Object.keys(content).length) {
    if (res.text.length) say(`a body (${ct}) where none is declared`);
    return;
  }
  const media = Object.keys(content).find(
    (k) => k === ct || k === '*/*' || (k.endsWith('/*') && ct.startsWith(k.slice(0, -1))),
  );
  if (!media) return say(`Content-Type ${ct || '(none)'} not declared (${Object.keys(content).join(', ')})`);
  if (!/json/.test(ct) || !content[media].schema) return;
  const ref = `civdesk-openapi#/paths/${pointer(o.path)}/${o.method}/responses/${key}/content/${pointer(media)}/schema`;
  let v = spec.validators.get(ref);
  if (!v) {
    v = spec.ajv.compile({ $ref: ref });
    spec.validators.set(ref, v);
  }
  let body = res.json;
  if (body === null) {
    try {
      body = JSON.parse(res.text);
    } catch {
      return say('the body is not JSON');
    }
  }
  counted.bodies++;
  if (!v(body)) {
    const errs = v.errors
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}${e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`)
      .join('; ');
    say(`body does not match the schema: ${errs}`);
  }
}

// The mismatches found for base so far (and forgets them).
export function takeMismatches(base) {
  const m = found.get(base) ?? [];
  found.delete(base);
  return m;
}
