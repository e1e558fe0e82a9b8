// The JSON API client: one function for every call, problem details as exceptions, the
// session (cookie + CSRF token) and what the server offers (its OpenAPI document).

const CSRF_KEY = 'civdesk.csrf';

// An RFC 9457 problem from the server (or a network failure, status 0).
export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.title = body?.title || '';
    this.detail = body?.detail || '';
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
    this.allowed = Array.isArray(body?.allowed) ? body.allowed : null;
    this.body = body || {};
  }
}

function csrf() {
  try {
    return sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

export function setCsrf(value) {
  try {
    if (value) sessionStorage.setItem(CSRF_KEY, value);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    /* storage disabled: writes will fail with 403 and say so */
  }
}

// Builds "/api/v1/x?a=1&b=2" from a path and a query object (empty values left out).
export function url(path, query) {
  const base = path.startsWith('/') ? path : `/api/v1/${path}`;
  if (!query) return base;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

// api('GET', 'organisations', {query}) → {data, etag, status}. Throws Problem.
// raw + type: a body sent as it is (a File for an import) with that Content-Type.
export async function api(method, path, { query, body, raw, type, etag, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (raw !== undefined) headers['Content-Type'] = type;
  if (method !== 'GET' && method !== 'HEAD') {
    const c = csrf();
    if (c) headers['X-CSRF-Token'] = c;
  }
  if (etag) headers['If-Match'] = etag;
  let res;
  try {
    res = await fetch(url(path, query), {
      method,
      headers,
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new Problem(0, { title: 'network', detail: '' });
  }
  let data = null;
  const ct = res.headers.get('Content-Type') || '';
  if (res.status !== 204 && /json/.test(ct)) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && onUnauthenticated && !path.endsWith('session')) onUnauthenticated();
    throw new Problem(res.status, data);
  }
  if (onActivity) onActivity();
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

let onUnauthenticated = null;
export function whenUnauthenticated(fn) {
  onUnauthenticated = fn;
}

// Called after every answered request: the server counts it as activity of the session.
let onActivity = null;
export function whenActive(fn) {
  onActivity = fn;
}

/* ---- what the server offers ------------------------------------------------------- */

let spec = null;

// Loads the OpenAPI document once; every page reads the resources' fields, filters,
// sort keys, states and sub-resources from it, so a resource that lands on the server
// appears in the UI without UI changes. Resolves false when it cannot be had.
export async function loadSpec() {
  if (spec) return true;
  try {
    const { data } = await api('GET', '/api/v1/openapi.json');
    spec = data;
    return true;
  } catch {
    spec = { paths: {}, components: { schemas: {} } };
    return false;
  }
}

// True if the server has this route (pattern as in the OpenAPI paths, e.g.
// "/api/v1/stats/pipeline") for the method.
export function has(path, method = 'get') {
  return !!spec?.paths?.[path]?.[method];
}

// Is the route public (callable without signing in)?
export function isPublic(path, method = 'get') {
  return !!spec?.paths?.[path]?.[method]?.['x-public'];
}

export function minRole(path, method = 'get') {
  return spec?.paths?.[path]?.[method]?.['x-min-role'] || null;
}

const segCache = new Map();

// The URL segment of a top-level collection ("working_groups" → "working-groups").
export function segmentOf(resource) {
  if (segCache.has(resource)) return segCache.get(resource);
  let seg = null;
  for (const [p, ops] of Object.entries(spec?.paths || {})) {
    const m = /^\/api\/v1\/([^/{}]+)$/.exec(p);
    if (m && Object.values(ops).some((o) => o['x-resource'] === resource)) seg = m[1];
  }
  segCache.set(resource, seg);
  return seg;
}

// A resource's declaration: {name, seg, fields: [{name, ...schema}], computed (the
// read-only members the server computes, x-computed), required, transitions,
// subs: [{seg, resource}], canCreate, ...}; null when the server has no such resource.
export function resource(name) {
  const sch = spec?.components?.schemas?.[name];
  if (!sch) return null;
  const seg = segmentOf(name);
  const props = Object.entries(sch.properties || {}).map(([fname, f]) => ({
    name: fname,
    ...f,
    nullable: Array.isArray(f.type) && f.type.includes('null'),
    base: Array.isArray(f.type) ? f.type.find((t) => t !== 'null') : f.type,
  }));
  const fields = props.filter((f) => !f['x-computed']);
  const computed = props.filter((f) => f['x-computed']);
  const subs = [];
  if (seg) {
    for (const [p, ops] of Object.entries(spec.paths)) {
      const m = new RegExp(`^/api/v1/${seg}/\\{id\\}/([^/{}]+)$`).exec(p);
      if (!m || m[1] === 'transitions') continue;
      const op = ops.get || ops.post;
      if (op?.['x-resource']) subs.push({ seg: m[1], resource: op['x-resource'] });
    }
  }
  return {
    name,
    seg,
    schema: sch,
    fields,
    field: (n) => fields.find((f) => f.name === n) || null,
    computed,
    computedField: (n) => computed.find((f) => f.name === n) || null,
    required: sch.required || [],
    transitions: sch['x-transitions'] || null,
    subs,
    path: seg ? `/api/v1/${seg}` : null,
  };
}

// Every top-level collection the server has, in the server's order.
export function collections() {
  const out = [];
  for (const [p, ops] of Object.entries(spec?.paths || {})) {
    const m = /^\/api\/v1\/([^/{}]+)$/.exec(p);
    const r = ops.get?.['x-resource'];
    if (m && r && !out.includes(r)) out.push(r);
  }
  return out;
}

const RANK = { anonymous: 0, ngo: 1, officer: 2, admin: 3 };
export function roleAtLeast(role, min) {
  return (RANK[role] ?? 0) >= (RANK[min] ?? 99);
}

// The legal moves from `state` for a user of `role`, from the declared state machine
// ("*" = any state that is not final; a state is final when no explicit row leaves it).
export function legalMoves(res, state, role) {
  const ts = res?.transitions;
  if (!ts) return [];
  const final = !ts.some((t) => t.from === state);
  const out = [];
  for (const t of ts) {
    const applies = t.from === state || (t.from === '*' && !final);
    if (applies && roleAtLeast(role, t.min_role) && t.to !== state && !out.includes(t.to)) out.push(t.to);
  }
  return out;
}

export function isFinalState(res, state) {
  const ts = res?.transitions;
  return !!ts && !ts.some((t) => t.from === state);
}

// The resource served at a top-level URL segment ("working-groups" → its name), or null.
export function segToResource(seg) {
  for (const r of collections()) if (segmentOf(r) === seg) return r;
  return null;
}

// A declaration for an endpoint that is not a generic resource (e.g. /api/v1/users), so
// the same forms serve it. fields: [{name, base, format, enum, x-references}].
export function pseudoResource(name, path, fields, required = []) {
  const fs = fields.map((f) => ({ ...f, base: f.base || 'string' }));
  return { name, seg: name, path, schema: {}, fields: fs, field: (n) => fs.find((f) => f.name === n) || null, required, transitions: null, subs: [] };
}
