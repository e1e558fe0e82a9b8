// The authorisation matrix (issue 5, part 8): every route the server has, as listed by
// GET /api/v1/openapi.json (generated from routes[] and the resource declarations, with
// each operation's x-route pattern and x-access rule), is called with every method by
// anonymous, NGO A, NGO B, an officer and an admin, against records owned by A and by B
// (in every state of a state machine), public and private ones, and their sub-records.
// Every answer is compared with what the policy below expects; the test fails on any
// mismatch, and on any route that has no access rule.
//
// The policy is written here independently of src/auth/rules.c: it is what the issue
// asks. The declarations (owner, public flag, parent, states) come from the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cliOk, addUser, createToken, launch, tempDir, request } from './lib/server.mjs';

// The policy of the issue for the routes it names: grant per role
// [anonymous, ngo, officer, admin]. Routes other helpers add are checked against their
// declared rule (x-access) for enforcement; these are checked against the issue too.
const POLICY = {
  'GET /healthz': ['all', 'all', 'all', 'all'],
  'GET /api/v1/openapi.json': ['all', 'all', 'all', 'all'],
  'GET /api/v1/me': ['none', 'all', 'all', 'all'],
  'POST /api/v1/session': ['all', 'all', 'all', 'all'],
  'GET /api/v1/session': ['none', 'all', 'all', 'all'],
  'DELETE /api/v1/session': ['none', 'all', 'all', 'all'],
  'GET /api/v1/users': ['none', 'none', 'none', 'all'],
  'POST /api/v1/users': ['none', 'none', 'none', 'all'],
  'GET /api/v1/users/{id}': ['none', 'none', 'none', 'all'],
  'PATCH /api/v1/users/{id}': ['none', 'none', 'none', 'all'],
  'GET /api/v1/audit': ['none', 'none', 'all', 'all'],
  'GET /api/v1/audit/verify': ['none', 'none', 'none', 'all'],
  'GET /api/v1/{collection}': ['public', 'own', 'all', 'all'],
  'POST /api/v1/{collection}': ['none', 'own', 'all', 'all'],
  'GET /api/v1/{collection}/{id}': ['public', 'own', 'all', 'all'],
  'PATCH /api/v1/{collection}/{id}': ['none', 'own', 'all', 'all'],
  'DELETE /api/v1/{collection}/{id}': ['none', 'own', 'all', 'all'],
  'POST /api/v1/{collection}/{id}/transitions': ['none', 'own', 'all', 'all'],
  'GET /api/v1/{collection}/{id}/{sub}': ['public', 'own', 'all', 'all'],
  'POST /api/v1/{collection}/{id}/{sub}': ['none', 'own', 'all', 'all'],
  'GET /api/v1/{collection}/{id}/{sub}/{subid}': ['public', 'own', 'all', 'all'],
  'PATCH /api/v1/{collection}/{id}/{sub}/{subid}': ['none', 'own', 'all', 'all'],
  'DELETE /api/v1/{collection}/{id}/{sub}/{subid}': ['none', 'own', 'all', 'all'],
  // a sub-resource of a sub-resource (x-parent-path): the generic sub-resource rules
  'GET /api/v1/accreditation-reports/{id}': ['public', 'own', 'all', 'all'],
  'GET /api/v1/accreditation-reports/{id}/questions': ['public', 'own', 'all', 'all'],
  'POST /api/v1/accreditation-reports/{id}/questions': ['none', 'own', 'all', 'all'],
  'GET /api/v1/accreditation-reports/{id}/questions/{subid}': ['public', 'own', 'all', 'all'],
  'PATCH /api/v1/accreditation-reports/{id}/questions/{subid}': ['none', 'own', 'all', 'all'],
  'DELETE /api/v1/accreditation-reports/{id}/questions/{subid}': ['none', 'own', 'all', 'all'],
};
const ROLE_NAMES = ['anonymous', 'ngo', 'officer', 'admin'];
const GENERIC = new Set(Object.keys(POLICY).filter((k) => k.includes('{collection}')));

// Field values the declarations' own checks insist on (a body's code, a status it grants).
// Accreditations are unique per organisation and body, and a granted application creates
// one: they use another body than applications do.
let bodies = []; // [{code, status}] from the server's reference data
const bodyOf = (m) => bodies[m.name === 'accreditations' && bodies.length > 1 ? 1 : 0];
const VALUE_FOR = {
  body: (m) => bodyOf(m).code,
  requested_status: (m) => bodyOf(m).status,
  status: (m) => bodyOf(m).status,
  country: 'RU',
  subject_country: 'FR',
  lang: 'en',
  code: () => `T${++serial}`,
  period_start: 2013, // quadrennial reports (issue 14): a four-year period that has ended
  period_end: 2016,
};
let serial = 0;
let day = 0; // each record gets its own date, so no two delegations overlap

let srv;
let S; // schemas by resource name
const who = {}; // role key -> {key, role, token, org}
let publicOrg = null; // organisation P's id: its records with x-public-via are public
const fixtures = []; // every record the matrix is run against
const support = {}; // resource -> id of a record other bodies may reference
const mismatches = [];

const ROLE_KEYS = ['anonymous', 'ngoA', 'ngoB', 'officer', 'admin'];

function note(what, got, want) {
  mismatches.push(`${what}: got ${got}, expected ${want}`);
}

async function call(roleKey, method, path, body, headers) {
  const token = who[roleKey].token;
  return request(srv.url, method, path, { token, body, headers });
}

async function officer(method, path, body) {
  const r = await call('officer', method, path, body);
  if (r.status >= 300)
    throw new Error(`setup: officer ${method} ${path} ${JSON.stringify(body)} -> ${r.status} ${r.text}`);
  return r.json;
}

/* ---- what the declarations say --------------------------------------------------- */

function meta(name) {
  const s = S[name];
  return {
    name,
    owner: s['x-owner'] ?? null,
    publicFlag: s['x-public-flag'] ?? null,
    publicVia: s['x-public-via'] ?? null,
    parent: s['x-parent'] ?? null,
    parentField: s['x-parent-field'] ?? null,
    path: s['x-path'] ?? null,
    parentPath: s['x-parent-path'] ?? null,
    stateField: s['x-state-field'] ?? null,
    reference: !!s['x-reference'],
    ownerReadsOnly: !!s['x-owner-reads-only'],
    ownerAddsOnly: !!s['x-owner-adds-only'], // comments: added by the owner, never changed
    adminWrites: !!s['x-admin-writes'],
    transitions: s['x-transitions'] ?? [],
    schema: s,
  };
}

function initialState(m) {
  return m.schema.properties[m.stateField].enum.filter((v) => v !== null)[0];
}

function isFinal(m, state) {
  return !m.transitions.some((t) => t.from === state);
}

function legal(m, from, to, role) {
  const rank = { anonymous: 0, ngo: 1, officer: 2, admin: 3 };
  return m.transitions.some(
    (t) =>
      t.to === to &&
      rank[role] >= rank[t.min_role] &&
      (t.from === from || (t.from === '*' && !isFinal(m, from))),
  );
}

function ngoMovesFrom(m, state) {
  return m.transitions.some((t) => t.from === state && t.min_role === 'ngo');
}

/* ---- the policy, applied to one record ------------------------------------------- */

function grantOf(roleKey, key) {
  const role = roleKey.startsWith('ngo') ? 'ngo' : roleKey;
  return POLICY[key][ROLE_NAMES.indexOf(role)];
}

function reaches(grant, m) {
  const parent = m.parent ? meta(m.parent) : null;
  if (grant === 'all') return true;
  if (grant === 'public') return !!m.publicFlag || !!m.publicVia || (parent ? reaches(grant, parent) : false);
  if (grant === 'own')
    return !!m.publicFlag || !!m.owner || m.reference || (parent ? reaches(grant, parent) : false);
  return false;
}

function orgOf(roleKey) {
  return who[roleKey].org ?? null;
}

function visible(roleKey, fx) {
  if (roleKey === 'officer' || roleKey === 'admin') return true;
  if (fx.pub || fx.viaPublic) return true;
  if (fx.parentFx) return visible(roleKey, fx.parentFx);
  if (roleKey === 'anonymous') return false;
  return fx.m.reference || (fx.owner !== null && fx.owner === orgOf(roleKey));
}

function owns(roleKey, fx) {
  if (fx.parentFx) return owns(roleKey, fx.parentFx);
  return fx.owner !== null && fx.owner === orgOf(roleKey);
}

// Expected status of a read: refused by the rule, out of reach, hidden, or shown.
function expectRead(roleKey, key, fx) {
  const g = grantOf(roleKey, key);
  const refused = roleKey === 'anonymous' ? 401 : 403;
  if (g === 'none' || !reaches(g, fx.m) || (fx.parentFx && !reaches(g, fx.parentFx.m))) return refused;
  return visible(roleKey, fx) ? 200 : 404;
}

// Expected status of PATCH / DELETE / transition of an existing record.
function expectChange(roleKey, key, fx, what) {
  const g = grantOf(roleKey, key);
  const refused = roleKey === 'anonymous' ? 401 : 403;
  if (g === 'none' || !reaches(g, fx.m) || (fx.parentFx && !reaches(g, fx.parentFx.m))) return refused;
  if (fx.m.adminWrites && roleKey !== 'admin') return visible(roleKey, fx) ? 403 : 404;
  if (g === 'all') return 'ok';
  if (!visible(roleKey, fx)) return 404;
  if (fx.parentFx && !visible(roleKey, fx.parentFx)) return 404;
  if (!owns(roleKey, fx) || fx.m.ownerReadsOnly || fx.m.ownerAddsOnly) return 403;
  if (what === 'delete' && fx.m.owner === 'id') return 403;
  if (what !== 'transition' && fx.m.stateField && !ngoMovesFrom(fx.m, fx.state)) return 403;
  return 'ok';
}

/* ---- bodies and fixtures ----------------------------------------------------------- */

function valueFor(m, name, prop, date) {
  if (name in VALUE_FOR) return typeof VALUE_FOR[name] === 'function' ? VALUE_FOR[name](m) : VALUE_FOR[name];
  const type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
  if (prop.enum) return prop.enum.find((v) => v !== null);
  if (type === 'array') return prop['x-references'] ? [support[prop['x-references']]] : ['x'];
  if (prop['x-references']) return support[prop['x-references']];
  if (type === 'integer') return 1;
  if (type === 'number') return 1.5;
  if (type === 'boolean') return false;
  switch (prop.format) {
    case 'date': return date;
    case 'date-time': return `${date}T10:00:00Z`;
    case 'iso3166-1-alpha-2': return 'RU';
    case 'iso639-1': return 'en';
    case 'email': return 'someone@example.org';
    case 'uri': return 'https://example.org/';
  }
  return `${m.name} ${++serial}`;
}

// A valid body for a new record of m, owned by org (an id or null), public or not.
function bodyFor(m, { org = null, pub = false } = {}) {
  const body = {};
  const date = new Date(Date.UTC(2001, 0, 1) + ++day * 2 * 86400000).toISOString().slice(0, 10);
  const required = new Set(m.schema.required ?? []);
  for (const [name, prop] of Object.entries(m.schema.properties)) {
    if (prop.readOnly) continue;
    if (name === m.parentField) continue; // from the URL
    if (name === m.owner) {
      if (org !== null) {
        const t = Array.isArray(prop.type) ? prop.type[0] : prop.type;
        body[name] = t === 'array' ? [org] : org;
      } else if (required.has(name)) {
        body[name] = valueFor(m, name, prop, date);
      }
      continue;
    }
    if (name === m.publicFlag) {
      body[name] = pub;
      continue;
    }
    if (required.has(name)) body[name] = valueFor(m, name, prop, date);
  }
  // A comment belongs to the organisations of the record it is about (issue 17): about
  // the owner itself, or about a meeting, which no organisation owns.
  if (m.name === 'comments') Object.assign(body, org !== null ? { about: 'organisations', record_id: org } : { about: 'meetings', record_id: support.meetings });
  return body;
}

function collectionPath(m, parentFx) {
  if (parentFx && m.parentPath) return `/api/v1/${m.parentPath}/${parentFx.id}/${m.path}`;
  return parentFx ? `/api/v1/${parentFx.m.name}/${parentFx.id}/${m.path}` : `/api/v1/${m.name}`;
}

function recordPath(fx) {
  return `${collectionPath(fx.m, fx.parentFx)}/${fx.id}`;
}

// The fields a 422 names that the declaration has and a client may set.
function namedFields(m, r) {
  return (r.json?.errors ?? []).filter((e) => {
    const prop = m.schema.properties[e.field];
    return prop && !prop.readOnly && e.field !== m.parentField && e.field !== m.owner;
  });
}

// A 422 whose errors are the declaration's own rules about the data (questions are
// asked by the ministry), not about ownership: the access rules let the request through.
function declined(m, r) {
  return r.status === 422 && r.json?.errors?.length > 0 && !r.json.errors.some((e) => e.field === m.owner);
}

// POST as a role; when the declaration's own checks ask for optional fields (a
// participant is a person or an organisation), give them and try once more. The answer
// to compare is the last one.
async function postAs(roleKey, m, path, body) {
  let r = await call(roleKey, 'POST', path, body);
  const named = r.status === 422 ? namedFields(m, r) : [];
  if (named.length) {
    for (const e of named) body[e.field] = valueFor(m, e.field, m.schema.properties[e.field], '2021-03-01');
    r = await call(roleKey, 'POST', path, body);
  }
  return r;
}

// Creates a record as the officer. Attachments go through their upload route (raw bytes).
async function createRecord(m, { org = null, pub = false, parentFx = null } = {}) {
  if (m.name === 'document_attachments') {
    const r = await request(srv.url, 'POST', `${collectionPath(m, parentFx)}?filename=matrix.txt`, {
      token: who.officer.token,
      rawBody: 'matrix test file\n',
      headers: { 'content-type': 'text/plain' },
    });
    if (r.status !== 201) throw new Error(`setup: upload -> ${r.status} ${r.text}`);
    return r.json;
  }
  const path = collectionPath(m, parentFx);
  const body = bodyFor(m, { org, pub });
  const staff = m.adminWrites ? 'admin' : 'officer';
  const r = await postAs(staff, m, path, body);
  if (r.status >= 300)
    throw new Error(`setup: ${staff} POST ${path} ${JSON.stringify(body)} -> ${r.status} ${r.text}`);
  return r.json;
}

// Walks a new record of a state machine to `path` (a list of states) as the officer.
async function walk(fx, path) {
  for (const to of path) {
    let r = await call('officer', 'POST', `${recordPath(fx)}/transitions`, { to, note: 'matrix' });
    if (r.status === 422 && r.json.errors?.length) {
      // A move that wants data first (a response before "accepted"): give it, once.
      const date = '2021-03-01';
      const patch = {};
      for (const e of r.json.errors) {
        const prop = fx.m.schema.properties[e.field];
        if (prop && !prop.readOnly) patch[e.field] = valueFor(fx.m, e.field, prop, date);
      }
      await officer('PATCH', recordPath(fx), patch);
      r = await call('officer', 'POST', `${recordPath(fx)}/transitions`, { to, note: 'matrix' });
    }
    if (r.status !== 200) throw new Error(`setup: ${fx.m.name} ${fx.id} -> ${to}: ${r.status} ${r.text}`);
    fx.state = to;
  }
}

// Every state reachable from the initial one, with the shortest path to it.
function statePaths(m) {
  const start = initialState(m);
  const paths = new Map([[start, []]]);
  const queue = [start];
  const states = m.schema.properties[m.stateField].enum.filter((v) => v !== null);
  while (queue.length) {
    const s = queue.shift();
    for (const to of states)
      if (!paths.has(to) && legal(m, s, to, 'officer')) {
        paths.set(to, [...paths.get(s), to]);
        queue.push(to);
      }
  }
  return paths;
}

// A new organisation nobody signs in for: the owner of officers' throwaway records.
async function throwawayOrg() {
  return (await officer('POST', '/api/v1/organisations', { name: `Spare ${++serial}`, country: 'RU' })).id;
}

async function makeFixture(m, kind, parentFx = null) {
  const org = kind.owner === 'A' ? who.ngoA.org : kind.owner === 'B' ? who.ngoB.org : kind.owner === 'P' ? publicOrg
    : kind.owner === 'X' ? await throwawayOrg() : null;
  // One current accreditation per organisation and body: a fresh one replaces the last
  // (withdrawn, as a body would), so that its sub-records (quadrennial reports, issue 14)
  // can have fresh parents of the same kind.
  if (m.name === 'accreditations' && org) {
    const cur = await call('officer', 'GET', `/api/v1/accreditations?organisation_id=${org}&body=${bodyOf(m).code}&limit=500`);
    for (const a of (cur.json?.items ?? []).filter((x) => x.state !== 'withdrawn'))
      await call('officer', 'PATCH', `/api/v1/accreditations/${a.id}`, { state: 'withdrawn' });
  }
  const rec = await createRecord(m, { org, pub: kind.pub, parentFx });
  const fx = {
    m,
    id: rec.id,
    owner: m.parent ? null : org,
    pub: !!kind.pub && !!m.publicFlag,
    viaPublic: kind.owner === 'P' && !!m.publicVia,
    parentFx,
    state: m.stateField ? rec[m.stateField] : null,
    label: `${m.name}#${rec.id} (${kind.label}${parentFx ? ` under ${parentFx.label}` : ''})`,
    kind,
  };
  if (kind.path) await walk(fx, kind.path);
  return fx;
}

// The kinds of record a resource gets in the matrix, from its declaration.
function kindsOf(m) {
  if (m.owner && m.owner !== 'id') {
    const k = [
      { owner: 'A', label: 'of A' },
      { owner: 'B', label: 'of B' },
    ];
    if (m.publicFlag) k.push({ owner: 'B', pub: true, label: 'of B, public' });
    if (m.publicVia) k.push({ owner: 'P', label: 'of the public organisation P' });
    return k;
  }
  if (m.publicFlag) return [{ label: 'private' }, { pub: true, label: 'public' }];
  return [{ label: 'unowned' }];
}

/* ---- setup ------------------------------------------------------------------------- */

before(async () => {
  const dir = await tempDir();
  const db = join(dir, 'civdesk.db');
  await cliOk(['init', '--db', db]);
  await addUser(db, 'admin@matrix.example', 'admin');
  await addUser(db, 'officer@matrix.example', 'officer');
  srv = await launch(db, dir);
  who.anonymous = { key: 'anonymous', token: null, org: null };
  who.admin = { key: 'admin', token: await createToken(db, 'admin@matrix.example'), org: null };
  who.officer = { key: 'officer', token: await createToken(db, 'officer@matrix.example'), org: null };
  srv.tokens.admin = who.admin.token;

  const doc = (await request(srv.url, 'GET', '/api/v1/openapi.json')).json;
  const bl = await call('officer', 'GET', '/api/v1/bodies?limit=500');
  bodies = bl.status === 200 ? bl.json.items.filter((b) => b.statuses?.length).map((b) => ({ code: b.code, status: (b.national_statuses ?? b.statuses)[0] })) : [];
  srv.openapi = doc;
  // The resources' schemas (beside them: patches, the problem, fixed answers' shapes).
  S = Object.fromEntries(Object.entries(doc.components.schemas).filter(([, s]) => s['x-resource'] === true));

  // Organisations A and B (private) and P (public), and a user of each of A and B.
  const mOrg = meta('organisations');
  const orgs = {};
  for (const [k, pub] of [['A', false], ['B', false], ['P', true]]) {
    const rec = await officer('POST', '/api/v1/organisations', { name: `Org ${k}`, country: 'RU', public: pub });
    orgs[k] = { m: mOrg, id: rec.id, owner: rec.id, pub, parentFx: null, state: null, label: `organisation ${k}`, kind: { label: k } };
  }
  await addUser(db, 'a@matrix.example', 'ngo', { org: orgs.A.id });
  await addUser(db, 'b@matrix.example', 'ngo', { org: orgs.B.id });
  who.ngoA = { key: 'ngoA', token: await createToken(db, 'a@matrix.example'), org: orgs.A.id };
  who.ngoB = { key: 'ngoB', token: await createToken(db, 'b@matrix.example'), org: orgs.B.id };
  fixtures.push(orgs.A, orgs.B, orgs.P);
  publicOrg = orgs.P.id;

  // Records others may point at (a person for delegation members, ...): owned by A.
  const top = Object.keys(S).map(meta).filter((m) => !m.parent);
  for (const name of ['people', 'bodies', 'meetings', 'reports', 'applications', 'delegations', 'working-groups', 'documents']) {
    if (!S[name]) continue;
    const m = meta(name);
    support[name] = (await createRecord(m, { org: who.ngoA.org })).id;
  }
  support.organisations = orgs.A.id;

  for (const m of top) {
    if (m.name === 'organisations') continue;
    for (const kind of kindsOf(m)) {
      fixtures.push(await makeFixture(m, kind));
      if (!m.stateField || !kind.owner) continue;
      // The same owner's record in every other state the machine reaches.
      for (const [state, path] of statePaths(m)) {
        if (!path.length) continue;
        fixtures.push(await makeFixture(m, { ...kind, path, label: `${kind.label}, ${state}` }));
      }
    }
  }
  // One sub-record under each record of its parent, in every state that takes one (the
  // declaration may refuse some: questions exist only while the body reviews).
  // Sub-records of sub-records (x-parent-path) after their parents.
  const subs = Object.keys(S).map(meta).filter((m) => m.parent)
    .sort((a, b) => !!a.parentPath - !!b.parentPath);
  for (const m of subs) {
    const parents = fixtures.filter((f) => f.m.name === m.parent && (!f.parentFx || m.parentPath));
    let made = 0;
    for (const p of parents) {
      try {
        fixtures.push(await makeFixture(m, { label: 'sub' }, p));
        made++;
      } catch (e) {
        if (!/ -> 422 /.test(e.message) || !e.message.includes(`"field":"${m.parentField}"`)) throw e;
      }
    }
    assert.ok(made > 0, `no ${m.name} could be made under any ${m.parent}`);
  }
});

after(async () => {
  if (srv) await srv.stop();
});

/* ---- the walk ---------------------------------------------------------------------- */

test('every route has an access rule, and the issue\'s routes have the issue\'s rule', () => {
  const seen = new Set();
  for (const [path, ops] of Object.entries(srv.openapi.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const key = `${method.toUpperCase()} ${op['x-route']}`;
      seen.add(key);
      if (!op['x-access']) {
        note(`${key} (${path})`, 'no access rule', 'a rule in src/auth/rules.c');
        continue;
      }
      if (POLICY[key]) {
        const got = ROLE_NAMES.map((r) => op['x-access'][r]);
        if (got.join() !== POLICY[key].join()) note(`rule of ${key}`, got.join('/'), POLICY[key].join('/'));
      }
    }
  }
  for (const key of Object.keys(POLICY))
    if (!seen.has(key) && !key.includes('transitions')) note(key, 'no such route', 'a route');
  assert.deepEqual(mismatches.splice(0), []);
});

test('reads: lists and single records, top level and sub-resources', async () => {
  for (const roleKey of ROLE_KEYS) {
    // Lists: status, and which of the fixtures appear.
    const lists = new Map();
    for (const fx of fixtures) {
      const path = collectionPath(fx.m, fx.parentFx);
      if (!lists.has(path)) lists.set(path, []);
      lists.get(path).push(fx);
    }
    for (const [path, fxs] of lists) {
      const sub = !!fxs[0].parentFx;
      const key = sub ? 'GET /api/v1/{collection}/{id}/{sub}' : 'GET /api/v1/{collection}';
      // A sub-list answers as its parent record does; a top-level list 200 when in reach.
      const g = grantOf(roleKey, key);
      const inReach = g !== 'none' && reaches(g, fxs[0].m);
      const refused = roleKey === 'anonymous' ? 401 : 403;
      const wantStatus = !inReach ? refused : sub ? (visible(roleKey, fxs[0].parentFx) ? 200 : 404) : 200;
      const r = await call(roleKey, 'GET', `${path}?limit=500`);
      if (r.status !== wantStatus) {
        note(`${roleKey} GET ${path}`, r.status, wantStatus);
        continue;
      }
      if (r.status !== 200) continue;
      const ids = new Set(r.json.items.map((i) => i.id));
      for (const fx of fxs) {
        const shown = ids.has(fx.id);
        const should = visible(roleKey, fx);
        if (shown !== should) note(`${roleKey} GET ${path}: ${fx.label}`, shown ? 'listed' : 'not listed', should ? 'listed' : 'not listed');
      }
    }
    // One record.
    for (const fx of fixtures) {
      const key = fx.parentFx ? 'GET /api/v1/{collection}/{id}/{sub}/{subid}' : 'GET /api/v1/{collection}/{id}';
      const want = expectRead(roleKey, key, fx);
      const r = await call(roleKey, 'GET', recordPath(fx));
      if (r.status !== want) note(`${roleKey} GET ${fx.label}`, r.status, want);
      if (r.status === 404 && r.text.includes(fx.label)) note(`${roleKey} GET ${fx.label}`, 'detail names the record', 'nothing');
    }
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('changes: PATCH of every record by every role', async () => {
  for (const roleKey of ROLE_KEYS) {
    for (const fx of fixtures) {
      const key = fx.parentFx ? 'PATCH /api/v1/{collection}/{id}/{sub}/{subid}' : 'PATCH /api/v1/{collection}/{id}';
      const want = expectChange(roleKey, key, fx, 'update');
      const r = await call(roleKey, 'PATCH', recordPath(fx), {});
      const wantStatus = want === 'ok' ? 200 : want;
      if (r.status !== wantStatus) note(`${roleKey} PATCH ${fx.label}`, `${r.status} ${r.json?.detail ?? ''}`, wantStatus);
    }
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('fields a role may not set: an ngo giving a record to another organisation is 422', async () => {
  for (const fx of fixtures.filter((f) => !f.parentFx && f.m.owner && f.m.owner !== 'id' && f.owner === who.ngoA.org)) {
    if (expectChange('ngoA', 'PATCH /api/v1/{collection}/{id}', fx, 'update') !== 'ok') continue;
    const prop = fx.m.schema.properties[fx.m.owner];
    const t = Array.isArray(prop.type) ? prop.type[0] : prop.type;
    const r = await call('ngoA', 'PATCH', recordPath(fx), { [fx.m.owner]: t === 'array' ? [who.ngoB.org] : who.ngoB.org });
    if (r.status !== 422 || !r.json.errors?.some((e) => e.field === fx.m.owner))
      note(`ngoA PATCH ${fx.label} ${fx.m.owner}=B`, `${r.status} ${r.text.slice(0, 120)}`, '422 naming the field');
    const back = await call('officer', 'GET', recordPath(fx));
    const v = back.json[fx.m.owner];
    if (!(Array.isArray(v) ? v.includes(who.ngoA.org) : v === who.ngoA.org)) note(`${fx.label} owner after refused PATCH`, JSON.stringify(v), 'unchanged');
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('creation: top-level and sub-records, own and another organisation\'s', async () => {
  const tops = [...new Set(fixtures.filter((f) => !f.parentFx).map((f) => f.m.name))].map(meta);
  for (const roleKey of ROLE_KEYS) {
    for (const m of tops) {
      const key = 'POST /api/v1/{collection}';
      const g = grantOf(roleKey, key);
      const refused = roleKey === 'anonymous' ? 401 : 403;
      const own = orgOf(roleKey);
      let want;
      if (g === 'none' || !reaches(g, m)) want = refused;
      else if (m.adminWrites && roleKey !== 'admin') want = 403;
      else if (g === 'all') want = 201;
      else if (!m.owner || m.owner === 'id' || m.ownerReadsOnly) want = 403;
      else want = 201;
      const body = bodyFor(m, { org: own ?? (m.owner && m.owner !== 'id' ? await throwawayOrg() : null) });
      const r = await postAs(roleKey, m, `/api/v1/${m.name}`, body);
      if (want === 201 && declined(m, r)) continue;
      if (r.status !== want) note(`${roleKey} POST /api/v1/${m.name}`, `${r.status} ${r.json?.detail ?? ''} ${JSON.stringify(r.json?.errors ?? '')}`, want);
      if (roleKey.startsWith('ngo') && want === 201) {
        // For another organisation: refused and named, never silently taken as its own.
        const other = roleKey === 'ngoA' ? who.ngoB.org : who.ngoA.org;
        const r2 = await call(roleKey, 'POST', `/api/v1/${m.name}`, bodyFor(m, { org: other }));
        const ownerField = m.name === 'comments' ? 'record_id' : m.owner; // comments: the record names the owner
        if (r2.status !== 422 || !r2.json.errors?.some((e) => e.field === ownerField)) note(`${roleKey} POST /api/v1/${m.name} for another organisation`, `${r2.status} ${r2.text.slice(0, 160)}`, `422 on ${m.owner}`);
      }
    }
    // Sub-records under every plain parent.
    for (const fx of fixtures.filter((f) => f.parentFx)) {
      const key = 'POST /api/v1/{collection}/{id}/{sub}';
      const p = fx.parentFx;
      const g = grantOf(roleKey, key);
      const refused = roleKey === 'anonymous' ? 401 : 403;
      let want;
      if (g === 'none' || !reaches(g, fx.m) || !reaches(g, p.m)) want = refused;
      else if (g === 'all') want = 201;
      else if (!visible(roleKey, p)) want = 404;
      else if (!owns(roleKey, p) || fx.m.ownerReadsOnly) want = 403;
      else want = 201;
      // A success adds a record: under a fresh parent of the same kind, so that rules
      // between records (one person once per delegation) do not interfere.
      const parent = want === 201 ? await makeFixture(p.m, p.kind, p.parentFx) : p;
      let r;
      if (fx.m.name === 'document_attachments') {
        r = await request(srv.url, 'POST', `${collectionPath(fx.m, parent)}?filename=m.txt`, { token: who[roleKey].token, rawBody: 'x\n', headers: { 'content-type': 'text/plain' } });
      } else {
        r = await postAs(roleKey, fx.m, collectionPath(fx.m, parent), bodyFor(fx.m, {}));
      }
      if (want === 201 && declined(fx.m, r)) continue;
      if (r.status !== want) note(`${roleKey} POST ${collectionPath(fx.m, p)} (${p.label})`, `${r.status} ${r.json?.detail ?? ''} ${JSON.stringify(r.json?.errors ?? '')}`, want);
    }
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('state machines: which role may move which record where', async () => {
  const stateful = fixtures.filter((f) => !f.parentFx && f.m.stateField);
  for (const roleKey of ROLE_KEYS) {
    for (const fx of stateful) {
      const key = 'POST /api/v1/{collection}/{id}/transitions';
      const states = fx.m.schema.properties[fx.m.stateField].enum.filter((v) => v !== null);
      const gate = expectChange(roleKey, key, fx, 'transition');
      const role = roleKey.startsWith('ngo') ? 'ngo' : roleKey;
      let staffMoves = 0; // officers may make every move: one success per state shows it
      for (const to of states) {
        const ok = gate === 'ok' && legal(fx.m, fx.state, to, role);
        if (ok && role !== 'ngo' && staffMoves++ > 0) continue;
        if (ok) {
          // A success changes the record: try it on a fresh one in the same state.
          const fresh = await makeFixture(fx.m, { ...fx.kind, path: statePaths(fx.m).get(fx.state) });
          let r = await call(roleKey, 'POST', `${recordPath(fresh)}/transitions`, { to, note: 'matrix' });
          const named = r.status === 422 ? namedFields(fx.m, r) : [];
          if (named.length) {
            // The move wants data first (the ministry's response): the officer gives it.
            const patch = {};
            for (const e of named) patch[e.field] = valueFor(fx.m, e.field, fx.m.schema.properties[e.field], '2021-03-01');
            await officer('PATCH', recordPath(fresh), patch);
            r = await call(roleKey, 'POST', `${recordPath(fresh)}/transitions`, { to, note: 'matrix' });
          }
          if (r.status !== 200) note(`${roleKey} ${fx.label} -> ${to}`, `${r.status} ${r.json?.detail ?? ''}`, 200);
          continue;
        }
        const want = gate === 'ok' ? 409 : gate;
        const r = await call(roleKey, 'POST', `${recordPath(fx)}/transitions`, { to, note: 'matrix' });
        if (r.status !== want) note(`${roleKey} ${fx.label} -> ${to}`, `${r.status} ${r.json?.detail ?? ''}`, want);
      }
    }
  }
  // The issue names it: an ngo moves its own application only draft -> submitted and to withdrawn.
  if (S.applications) {
    const m = meta('applications');
    const moves = [];
    for (const from of m.schema.properties[m.stateField].enum.filter((v) => v !== null))
      for (const to of m.schema.properties[m.stateField].enum.filter((v) => v !== null)) if (legal(m, from, to, 'ngo')) moves.push(`${from}->${to}`);
    assert.ok(moves.includes('draft->submitted'), moves.join(' '));
    assert.ok(moves.every((mv) => mv === 'draft->submitted' || mv.endsWith('->withdrawn')), moves.join(' '));
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('deletion: refused where the policy says, and done on fresh copies where it allows', async () => {
  for (const roleKey of ROLE_KEYS) {
    for (const fx of fixtures) {
      const key = fx.parentFx ? 'DELETE /api/v1/{collection}/{id}/{sub}/{subid}' : 'DELETE /api/v1/{collection}/{id}';
      const want = expectChange(roleKey, key, fx, 'delete');
      if (want !== 'ok') {
        const r = await call(roleKey, 'DELETE', recordPath(fx));
        if (r.status !== want) note(`${roleKey} DELETE ${fx.label}`, `${r.status} ${r.json?.detail ?? ''}`, want);
        continue;
      }
      if (fx.kind.path || fx.m.name === 'organisations') {
        if (fx.m.name === 'organisations' && (roleKey === 'officer' || roleKey === 'admin')) {
          const fresh = await officer('POST', '/api/v1/organisations', { name: `Doomed ${++serial}`, country: 'RU' });
          const r = await call(roleKey, 'DELETE', `/api/v1/organisations/${fresh.id}`);
          if (r.status !== 204) note(`${roleKey} DELETE a fresh organisation`, r.status, 204);
        }
        continue; // officers delete in any state; one state is enough
      }
      const staff = roleKey === 'officer' || roleKey === 'admin';
      const kind = staff && fx.kind.owner ? { ...fx.kind, owner: 'X' } : fx.kind;
      const parent = fx.parentFx ? await makeFixture(fx.parentFx.m, fx.parentFx.kind, fx.parentFx.parentFx) : null;
      const fresh = await makeFixture(fx.m, kind, parent);
      const r = await call(roleKey, 'DELETE', recordPath(fresh));
      if (r.status !== 204) note(`${roleKey} DELETE ${fresh.label}`, `${r.status} ${r.json?.detail ?? ''}`, 204);
      const gone = await call('officer', 'GET', recordPath(fresh));
      if (gone.status !== 404) note(`${fresh.label} after DELETE`, gone.status, 404);
    }
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('other routes: each role gets what the route\'s rule says', async () => {
  const rank = { anonymous: 0, ngoA: 1, ngoB: 1, officer: 2, admin: 3 };
  const byName = (n) => fixtures.find((f) => f.m.name === n && !f.parentFx && f.pub) ?? fixtures.find((f) => f.m.name === n && !f.parentFx && f.owner === who.ngoA.org);
  for (const [path, ops] of Object.entries(srv.openapi.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const route = op['x-route'];
      const key = `${method.toUpperCase()} ${route}`;
      if (GENERIC.has(key) || route.includes('{collection}') || !op['x-access']) continue;
      if (route.startsWith('/api/v1/users') || route.startsWith('/api/v1/session')) continue; // own tests
      // Literal routes with ids: the record of the collection before {id}.
      let concrete = route;
      let fx = null;
      const m = /^\/api\/v1\/([^/]+)\/\{id\}/.exec(route);
      if (m) {
        fx = byName(m[1]);
        if (!fx) continue;
        concrete = concrete.replace('{id}', fx.id);
        if (concrete.includes('{subid}')) {
          const child = fixtures.find((f) => f.parentFx === fx && route.includes(`/${f.m.path}/`));
          if (!child) continue;
          concrete = concrete.replace('{subid}', child.id);
        }
      }
      for (const roleKey of ROLE_KEYS) {
        const grant = op['x-access'][roleKey.startsWith('ngo') ? 'ngo' : roleKey];
        const opts = method === 'get' ? {} : { rawBody: 'x\n', headers: { 'content-type': 'text/plain' } };
        const url = method === 'get' ? concrete : `${concrete}?filename=m.txt`;
        const r = await request(srv.url, method.toUpperCase(), url, { token: who[roleKey].token, ...opts });
        if (grant === 'none') {
          const want = roleKey === 'anonymous' ? 401 : 403;
          if (r.status !== want) note(`${roleKey} ${method.toUpperCase()} ${concrete}`, r.status, want);
        } else if (r.status === 401 || (r.status === 403 && (!fx || (visible(roleKey, fx) && (method === 'get' || owns(roleKey, fx) || rank[roleKey] >= 2))))) {
          note(`${roleKey} ${method.toUpperCase()} ${concrete} (rule: ${grant})`, r.status, 'not refused');
        } else if (r.status >= 500) {
          note(`${roleKey} ${method.toUpperCase()} ${concrete}`, r.status, 'no 5xx');
        }
      }
    }
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('every path refuses the methods it has no route for with 405, whoever asks', async () => {
  const all = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'];
  for (const [path, ops] of Object.entries(srv.openapi.paths)) {
    let concrete = path;
    const m = /^\/api\/v1\/([^/]+)\/\{id\}/.exec(path);
    if (m) {
      const fx = fixtures.find((f) => f.m.name === m[1] && !f.parentFx);
      if (!fx) continue;
      concrete = concrete.replace('{id}', fx.id);
      const sm = /\/([^/]+)\/\{subid\}/.exec(concrete);
      if (sm) {
        const child = fixtures.find((f) => f.parentFx === fx && f.m.path === sm[1]);
        if (!child) continue;
        concrete = concrete.replace('{subid}', child.id);
      }
    }
    const routed = new Set(Object.keys(ops).map((k) => k.toUpperCase()));
    for (const method of all) {
      if (routed.has(method)) continue;
      for (const roleKey of ['anonymous', 'ngoB', 'admin']) {
        const r = await call(roleKey, method, concrete, method === 'GET' ? undefined : {});
        if (r.status !== 405) note(`${roleKey} ${method} ${concrete}`, r.status, 405);
        else if (!r.headers.get('allow')) note(`${roleKey} ${method} ${concrete}`, 'no Allow header', 'Allow');
      }
    }
  }
  assert.deepEqual(mismatches.splice(0), []);
});

test('the matrix covered every resource the server declares', () => {
  for (const name of Object.keys(S)) {
    if (!fixtures.some((f) => f.m.name === name)) note(`resource ${name}`, 'no record in the matrix', 'records');
  }
  assert.ok(fixtures.length > 40, `only ${fixtures.length} records`);
  assert.deepEqual(mismatches.splice(0), []);
});
