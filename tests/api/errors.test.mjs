// Every error status the API promises, provoked at least once, with the RFC 9457 problem
// shape and the security headers asserted; after every test the server must still answer
// /healthz (a malformed request never breaks it).
import { test, describe, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, assertSecurityHeaders } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
afterEach(() => srv.healthy('after the previous test'));

const ORGS = '/api/v1/organisations';
const org = (over = {}) => ({ name: 'Fondation Test', country: 'FR', ...over });

async function newOrg(over) {
  const r = await srv.api('POST', ORGS, { body: org(over) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// A raw HTTP/1.1 request with a body; Content-Length unless chunks are given.
function rawPost(path, body, { token = srv.tokens.admin, type = 'application/json', extra = '' } = {}) {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: ${type}\r\nContent-Length: ${b.length}\r\nConnection: close\r\n${extra}\r\n`;
  return srv.raw([head, b]);
}

describe('200 and security headers', () => {
  test('GET /healthz is public, JSON, with every security header', async () => {
    const r = await srv.api('GET', '/healthz', { token: null });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.json.status, 'ok');
    assert.equal(typeof r.json.schema, 'number');
    assertSecurityHeaders(r.headers);
  });

  test('security headers on success, list, 401, 404, 405 and 422 alike', async () => {
    const rs = [
      await srv.api('GET', '/api/v1/me'),
      await srv.api('GET', ORGS),
      await srv.api('GET', '/api/v1/me', { token: null }),
      await srv.api('GET', '/api/v1/nope'),
      await srv.api('PUT', ORGS),
      await srv.api('POST', ORGS, { body: {} }),
    ];
    for (const r of rs) assertSecurityHeaders(r.headers, `on a ${r.status}`);
    assert.deepEqual(rs.map((r) => r.status), [200, 200, 401, 404, 405, 422]);
  });

  test('API responses are not cached', async () => {
    const r = await srv.api('GET', '/api/v1/me');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });
});

describe('400 bad request', () => {
  test('malformed JSON', async () => {
    const r = await srv.api('POST', ORGS, { rawBody: '{"name": "x", ', headers: { 'content-type': 'application/json' } });
    assertProblem(r, 400, { path: ORGS, detail: /JSON/ });
  });

  test('empty body', async () => {
    const r = await srv.api('POST', ORGS, { rawBody: '', headers: { 'content-type': 'application/json' } });
    assertProblem(r, 400, { path: ORGS });
  });

  test('duplicate keys in a JSON object', async () => {
    const r = await srv.api('POST', ORGS, {
      rawBody: '{"name":"a","name":"b","country":"FR"}',
      headers: { 'content-type': 'application/json' },
    });
    assertProblem(r, 400, { path: ORGS });
  });

  test('invalid UTF-8 inside a JSON string (raw socket)', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"Fond'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","country":"FR"}')]);
    const r = await rawPost(ORGS, body);
    assertProblem(r, 400, { path: ORGS });
    const none = await srv.api('GET', `${ORGS}?q=Fond`);
    assert.equal(none.json.items.length, 0, 'nothing was created');
  });

  test('overlong UTF-8 encoding and a lone surrogate escape are refused', async () => {
    // C0 AF is an overlong "/", ED A0 80 an encoded surrogate: both invalid UTF-8.
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([Buffer.from('{"name":"x'), Buffer.from(bad), Buffer.from('","country":"FR"}')]);
      const r = await rawPost(ORGS, body);
      assertProblem(r, 400, { path: ORGS });
    }
  });

  test('JSON nested 10,000 deep (raw socket) is refused without a crash', async () => {
    const deep = '{"a":'.repeat(5000) + '['.repeat(5000) + ']'.repeat(5000) + '}'.repeat(5000);
    const r = await rawPost(ORGS, deep);
    assertProblem(r, 400, { path: ORGS, detail: /deep|nest/i });
  });

  test('depth 32 is allowed (then refused as a field error), depth 33 is 400', async () => {
    const nest = (n) => '{"name":"x","country":"FR","description":' + '['.repeat(n - 1) + ']'.repeat(n - 1) + '}';
    const ok = await srv.api('POST', ORGS, { rawBody: nest(32), headers: { 'content-type': 'application/json' } });
    assertProblem(ok, 422, { fields: { description: /string/ } });
    const deep = await srv.api('POST', ORGS, { rawBody: nest(33), headers: { 'content-type': 'application/json' } });
    assertProblem(deep, 400, { path: ORGS });
  });

  test('brackets inside strings do not count as depth', async () => {
    const r = await srv.api('POST', ORGS, { body: org({ name: '[[[[' + '{'.repeat(100) + '"\\', registration_no: 'BRACKETS' }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, '[[[[' + '{'.repeat(100) + '"\\');
  });

  test('unknown query parameter', async () => {
    const r = await srv.api('GET', `${ORGS}?colour=red`);
    assertProblem(r, 400, { path: ORGS, fields: { colour: /not a filter/ } });
  });

  test('limit out of range or not a number', async () => {
    for (const v of ['0', '501', '-1', 'abc', '1.5', '']) {
      const r = await srv.api('GET', `${ORGS}?limit=${v}`);
      assertProblem(r, 400, { path: ORGS, fields: { limit: /1 to 500/ } });
    }
  });

  test('sort by a field outside the allow-list', async () => {
    for (const v of ['email', '-description', 'nope', '--name']) {
      const r = await srv.api('GET', `${ORGS}?sort=${v}`);
      assertProblem(r, 400, { fields: { sort: /allowed/ } });
    }
  });

  test('count must be true or false', async () => {
    assertProblem(await srv.api('GET', `${ORGS}?count=yes`), 400, { fields: { count: /true or false/ } });
  });

  test('a garbage cursor', async () => {
    for (const c of ['zzz', 'not*base64', 'W10', Buffer.from('[1,2,3,4]').toString('base64url')]) {
      assertProblem(await srv.api('GET', `${ORGS}?cursor=${c}`), 400, { path: ORGS });
    }
  });

  test('a filter value of the wrong kind', async () => {
    assertProblem(await srv.api('GET', `${ORGS}?country=XX`), 400, { fields: { country: /ISO 3166/ } });
    assertProblem(await srv.api('GET', `${ORGS}?public=maybe`), 400, { fields: { public: /true or false/ } });
    assertProblem(await srv.api('GET', `${ORGS}?legal_form=gang`), 400, { fields: { legal_form: /allowed/ } });
  });

  test('a query parameter given twice', async () => {
    assertProblem(await srv.api('GET', `${ORGS}?limit=1&limit=2`), 400, { path: ORGS });
  });

  test('invalid UTF-8 in a query value', async () => {
    assertProblem(await srv.api('GET', `${ORGS}?q=%C3%28`), 400, { fields: { q: /UTF-8/ } });
  });

  // One reader of the query string for every hand-written endpoint (issue 18): an unknown
  // key is named with the allowed ones, a key given twice is named, a value that is not
  // UTF-8 is refused.
  test('endpoints outside the generic lists read the query string alike', async () => {
    for (const [path, key, value] of [['/api/v1/users', 'limit', '1'], ['/api/v1/audit', 'limit', '1'], ['/api/v1/search', 'limit', '1'], ['/api/v1/calendar', 'from', '2026-01-01']]) {
      assertProblem(await srv.api('GET', `${path}?colour=red`), 400, { path, fields: { colour: /not a parameter here; allowed: / } });
      assertProblem(await srv.api('GET', `${path}?${key}=${value}&${key}=${value}`), 400, { path, fields: { [key]: /twice/ } });
    }
    for (const path of ['/api/v1/users?role=%C3%28', '/api/v1/search?q=%C3%28', '/api/v1/audit?action=%C3%28'])
      assertProblem(await srv.api('GET', path), 400, { fields: { [/\?(\w+)=/.exec(path)[1]]: /UTF-8/ } });
  });

  test('invalid UTF-8 in the path', async () => {
    const r = await srv.raw('GET /api/v1/organisations/%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assertProblem(r, 400, { detail: /UTF-8/ });
  });

  test(
    'problem JSON stays valid UTF-8 when the request path or a query key is not',
    async () => {
      for (const target of ['/api/v1/%FF%FE', `${ORGS}?%FF%FE=1`]) {
        const r = await srv.raw(
          `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(r.status, 400);
        const bytes = Buffer.from(r.raw.slice(r.raw.indexOf('\r\n\r\n') + 4), 'latin1');
        assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), `response to ${target} is not UTF-8: ${bytes.toString('hex')}`);
      }
    },
  );
});

describe('401 unauthenticated', () => {
  test('no credentials on every /api/v1 route', async () => {
    for (const [m, p] of [['GET', '/api/v1/me'], ['GET', '/api/v1/people'], ['GET', '/api/v1/people/1'], ['DELETE', `${ORGS}/1`], ['PATCH', `${ORGS}/1`]]) {
      const r = await srv.api(m, p, { token: null });
      assertProblem(r, 401, { path: p });
      assert.match(r.headers.get('www-authenticate') || '', /^Bearer/);
    }
    const post = await srv.api('POST', ORGS, { token: null, body: org() });
    assertProblem(post, 401);
  });

  test('anonymous callers see public organisations only (DESIGN §4), and cannot write', async () => {
    const pub = await newOrg({ name: 'Open Society Test', registration_no: 'PUB-1', public: true });
    const hidden = await newOrg({ name: 'Closed Society Test', registration_no: 'PRIV-1' });
    const list = await srv.api('GET', `${ORGS}?limit=500`, { token: null });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.items.every((o) => o.public === true), 'only public records');
    assert.ok(list.json.items.some((o) => o.id === pub.id));
    assert.ok(!list.json.items.some((o) => o.id === hidden.id));
    assert.equal((await srv.api('GET', `${ORGS}/${pub.id}`, { token: null })).status, 200);
    assertProblem(await srv.api('GET', `${ORGS}/${hidden.id}`, { token: null }), 404);
    assertProblem(await srv.api('PATCH', `${ORGS}/${pub.id}`, { token: null, body: { city: 'x' } }), 401);
  });

  test('a token that does not exist', async () => {
    const r = await srv.api('GET', '/api/v1/me', { token: 'cdt_' + 'A'.repeat(43) });
    assertProblem(r, 401, { detail: /token/ });
  });

  test('a token with one character changed', async () => {
    const t = srv.tokens.admin;
    const bad = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
    assertProblem(await srv.api('GET', '/api/v1/me', { token: bad }), 401);
  });

  test('a scheme other than Bearer, and an empty bearer', async () => {
    for (const h of ['Basic YWRtaW46cGFzcw==', 'Bearer', 'Bearer ', 'Token abc', srv.tokens.admin]) {
      const r = await srv.api('GET', '/api/v1/me', { token: null, headers: { authorization: h } });
      assertProblem(r, 401);
    }
  });

  test('a very long token', async () => {
    assertProblem(await srv.api('GET', '/api/v1/me', { token: 'x'.repeat(8000) }), 401);
  });

  test('GET /api/v1/me answers who the token belongs to', async () => {
    const a = await srv.api('GET', '/api/v1/me');
    assert.equal(a.status, 200);
    assert.equal(a.json.email, 'admin@test.example');
    assert.equal(a.json.role, 'admin');
    assert.equal(a.json.organisation_id, null);
    const n = await srv.api('GET', '/api/v1/me', { token: srv.tokens.ngo });
    assert.equal(n.json.role, 'ngo');
    assert.equal(n.json.organisation_id, srv.orgId);
  });
});

describe('403 and 404 for roles', () => {
  test('an ngo user cannot create organisations, nor touch one it cannot see (404, not 403)', async () => {
    const t = srv.tokens.ngo;
    const hidden = await newOrg({ name: 'Not Yours', registration_no: 'HIDDEN-1' });
    const pub = await newOrg({ name: 'Public Not Yours', registration_no: 'PUBLIC-2', public: true });
    const c = await srv.api('POST', ORGS, { token: t, body: org({ name: 'Ngo Made', registration_no: 'NGO-MADE' }) });
    // the collection is no secret: the role may not create organisations (403)
    assertProblem(c, 403);
    assertProblem(await srv.api('PATCH', `${ORGS}/${hidden.id}`, { token: t, body: { city: 'Kazan' } }), 404);
    assertProblem(await srv.api('DELETE', `${ORGS}/${hidden.id}`, { token: t }), 404);
    const p = await srv.api('PATCH', `${ORGS}/${pub.id}`, { token: t, body: { city: 'Kazan' } });
    // a record the ngo can see (public) but not change: 403, as its existence is no secret
    assertProblem(p, 403);
    for (const o of [hidden, pub]) {
      const now = await srv.api('GET', `${ORGS}/${o.id}`);
      assert.equal(now.json.city, null, 'the ngo write changed nothing');
      assert.equal(now.json.version, 1);
    }
    const made = await srv.api('GET', `${ORGS}?registration_no=NGO-MADE&country=FR`);
    assert.deepEqual(made.json.items, [], 'nothing was created');
  });

  test('an ngo user sees its own organisation and not another', async () => {
    const other = await newOrg({ name: 'Someone Else', registration_no: 'OTHER-1' });
    const t = srv.tokens.ngo;
    const own = await srv.api('GET', `${ORGS}/${srv.orgId}`, { token: t });
    assert.equal(own.status, 200);
    assert.equal(own.json.id, srv.orgId);
    assertProblem(await srv.api('GET', `${ORGS}/${other.id}`, { token: t }), 404);
    const list = await srv.api('GET', `${ORGS}?limit=500&count=true`, { token: t });
    assert.equal(list.status, 200);
    const ids = list.json.items.map((o) => o.id);
    assert.ok(ids.includes(srv.orgId), 'its own organisation is listed');
    assert.ok(!ids.includes(other.id), 'another, not public, is not');
    assert.ok(list.json.items.every((o) => o.id === srv.orgId || o.public === true), 'only its own and public ones');
    assert.equal(list.json.total, list.json.items.length, 'total counts what it may see');
  });

  test('an ngo user sees only people of its own organisation', async () => {
    const other = await newOrg({ name: 'People Elsewhere', registration_no: 'OTHER-2' });
    const mine = await srv.api('POST', '/api/v1/people', { body: { full_name: 'Анна Иванова', organisation_id: srv.orgId } });
    const theirs = await srv.api('POST', '/api/v1/people', { body: { full_name: 'Jean Dupont', organisation_id: other.id } });
    const loose = await srv.api('POST', '/api/v1/people', { body: { full_name: 'No Organisation' } });
    for (const r of [mine, theirs, loose]) assert.equal(r.status, 201, r.text);
    const t = srv.tokens.ngo;
    assert.equal((await srv.api('GET', `/api/v1/people/${mine.json.id}`, { token: t })).status, 200);
    assertProblem(await srv.api('GET', `/api/v1/people/${theirs.json.id}`, { token: t }), 404);
    assertProblem(await srv.api('GET', `/api/v1/people/${loose.json.id}`, { token: t }), 404);
    const list = await srv.api('GET', '/api/v1/people?limit=500', { token: t });
    assert.deepEqual(list.json.items.map((p) => p.id), [mine.json.id]);
    // A filter for another organisation does not widen the scope.
    const sneaky = await srv.api('GET', `/api/v1/people?organisation_id=${other.id}`, { token: t });
    assert.deepEqual(sneaky.json.items, []);
  });

  test('an officer gets 403 on an admin-only collection (/api/v1/users); an admin does not', async () => {
    assertProblem(await srv.api('GET', '/api/v1/users', { token: srv.tokens.officer }), 403, { path: '/api/v1/users' });
    const ngo = await srv.api('GET', '/api/v1/users', { token: srv.tokens.ngo });
    assertProblem(ngo, 403, { path: '/api/v1/users' });
    assert.equal((await srv.api('GET', '/api/v1/users')).status, 200);
  });
});

describe('404 not found', () => {
  test('unknown paths', async () => {
    for (const p of ['/api/nope', '/api/v1/nothing', '/api/v2/organisations', '/api/v1', '/api/v1/organisations/1/extra', '/api/v1/organisations//1']) {
      assertProblem(await srv.api('GET', p), 404, { path: p });
    }
  });

  test('ids that are not ids', async () => {
    for (const id of ['abc', '0', '-1', '1.0', '99999999999999999999', '1e3', '%20']) {
      assertProblem(await srv.api('GET', `${ORGS}/${id}`), 404);
    }
  });

  test('a record that does not exist, for GET, PATCH and DELETE', async () => {
    const p = `${ORGS}/987654321`;
    assertProblem(await srv.api('GET', p), 404, { path: p });
    assertProblem(await srv.api('PATCH', p, { body: { city: 'Lyon' } }), 404, { path: p });
    assertProblem(await srv.api('DELETE', p), 404, { path: p });
    assertProblem(await srv.api('GET', '/api/v1/people/987654321'), 404);
  });

  test('a trailing slash names the same collection', async () => {
    const r = await srv.api('GET', `${ORGS}/`);
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json.items));
  });
});

describe('405 method not allowed', () => {
  test('wrong method on a collection, a record and /healthz: 405 with Allow', async () => {
    const cases = [
      ['PUT', ORGS, ['GET', 'POST']],
      ['DELETE', ORGS, ['GET', 'POST']],
      ['PATCH', '/api/v1/people', ['GET', 'POST']],
      ['POST', `${ORGS}/1`, ['GET', 'PATCH', 'DELETE']],
      ['PUT', `${ORGS}/1`, ['GET', 'PATCH', 'DELETE']],
      ['POST', '/healthz', ['GET']],
      ['DELETE', '/api/v1/me', ['GET']],
    ];
    for (const [m, p, want] of cases) {
      const r = await srv.api(m, p, { body: m === 'DELETE' ? undefined : {} });
      assertProblem(r, 405, { path: p });
      const allow = (r.headers.get('allow') || '').split(/,\s*/).filter(Boolean);
      for (const w of want) assert.ok(allow.includes(w), `${m} ${p}: Allow '${allow}' lacks ${w}`);
      assert.ok(!allow.includes(m), `${m} ${p}: Allow '${allow}' lists the refused method`);
    }
  });

  test('an unknown method', async () => {
    const r = await srv.raw('BREW /api/v1/organisations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.ok([400, 405, 501].includes(r.status), `BREW answered ${r.status}`);
  });

  test('HEAD works where GET does', async () => {
    const r = await srv.api('HEAD', '/healthz');
    assert.equal(r.status, 200);
    assertSecurityHeaders(r.headers);
  });
});

describe('409 conflict', () => {
  test('duplicate (country, registration_no); another country is fine', async () => {
    await newOrg({ registration_no: 'W751234567' });
    const dup = await srv.api('POST', ORGS, { body: org({ name: 'Copycat', registration_no: 'W751234567' }) });
    assertProblem(dup, 409, { path: ORGS });
    const elsewhere = await srv.api('POST', ORGS, { body: org({ country: 'BE', registration_no: 'W751234567' }) });
    assert.equal(elsewhere.status, 201, elsewhere.text);
  });

  test('a PATCH onto another organisation\'s registration_no', async () => {
    await newOrg({ registration_no: 'TAKEN-1' });
    const b = await newOrg({ registration_no: 'FREE-1' });
    const r = await srv.api('PATCH', `${ORGS}/${b.id}`, { body: { registration_no: 'TAKEN-1' } });
    assertProblem(r, 409);
    const again = await srv.api('GET', `${ORGS}/${b.id}`);
    assert.equal(again.json.registration_no, 'FREE-1');
    assert.equal(again.json.version, 1);
  });

  test('deleting an organisation people still point at', async () => {
    const o = await newOrg({ registration_no: 'WITH-PEOPLE' });
    const p = await srv.api('POST', '/api/v1/people', { body: { full_name: 'Marie Curie', organisation_id: o.id } });
    assert.equal(p.status, 201, p.text);
    assertProblem(await srv.api('DELETE', `${ORGS}/${o.id}`), 409, { path: `${ORGS}/${o.id}` });
    assert.equal((await srv.api('GET', `${ORGS}/${o.id}`)).status, 200, 'still there');
    assert.equal((await srv.api('DELETE', `/api/v1/people/${p.json.id}`)).status, 204);
    assert.equal((await srv.api('DELETE', `${ORGS}/${o.id}`)).status, 204);
  });
});

describe('412 precondition failed', () => {
  test('If-Match that does not match, on PATCH and DELETE', async () => {
    const o = await newOrg({ registration_no: 'ETAG-1' });
    const p = `${ORGS}/${o.id}`;
    assertProblem(await srv.api('PATCH', p, { body: { city: 'Nice' }, headers: { 'if-match': '"7"' } }), 412, { path: p });
    assertProblem(await srv.api('DELETE', p, { headers: { 'if-match': '"2"' } }), 412, { path: p });
    const now = await srv.api('GET', p);
    assert.equal(now.json.version, 1);
    assert.equal(now.json.city, null);
  });

  test('malformed If-Match', async () => {
    const o = await newOrg({ registration_no: 'ETAG-2' });
    for (const h of ['abc', '"x"', '""', '"0"', '"-1"', '"1', 'W/"abc"']) {
      const r = await srv.api('PATCH', `${ORGS}/${o.id}`, { body: { city: 'Nice' }, headers: { 'if-match': h } });
      assertProblem(r, 412);
    }
    assert.equal((await srv.api('GET', `${ORGS}/${o.id}`)).json.version, 1);
  });

  test('matching If-Match (strong, weak, bare, *) is accepted', async () => {
    const o = await newOrg({ registration_no: 'ETAG-3' });
    const p = `${ORGS}/${o.id}`;
    let r = await srv.api('PATCH', p, { body: { city: 'A' }, headers: { 'if-match': '"1"' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('etag'), '"2"');
    r = await srv.api('PATCH', p, { body: { city: 'B' }, headers: { 'if-match': 'W/"2"' } });
    assert.equal(r.status, 200, r.text);
    r = await srv.api('PATCH', p, { body: { city: 'C' }, headers: { 'if-match': '*' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.version, 4);
  });
});

describe('413 content too large', () => {
  test('exactly 1 MiB is read (and judged on its content)', async () => {
    const head = '{"name":"x","country":"FR","description":"';
    const tail = '"}';
    const body = head + 'd'.repeat(1024 * 1024 - head.length - tail.length) + tail;
    assert.equal(Buffer.byteLength(body), 1024 * 1024);
    const r = await srv.api('POST', ORGS, { rawBody: body, headers: { 'content-type': 'application/json' } });
    assertProblem(r, 422, { fields: { description: /too long/ } });
  });

  test('a body over 1 MiB never makes the server misbehave (fetch, raw with and without Content-Length)', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    try {
      await srv.api('POST', ORGS, { rawBody: big, headers: { 'content-type': 'application/json' } });
    } catch {
      // the connection may be closed under the upload; what matters is the next request
    }
    await srv.healthy('after a 2 MiB body via fetch');
    await rawPost(ORGS, big);
    await srv.healthy('after a 2 MiB body with Content-Length');
    const chunks = [
      `POST ${ORGS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    ];
    for (let i = 0; i < 24; i++) chunks.push(`10000\r\n${'a'.repeat(0x10000)}\r\n`);
    chunks.push('0\r\n\r\n');
    await srv.raw(chunks);
    await srv.healthy('after a 1.5 MiB chunked body');
  });

  test('a body over 1 MiB is answered 413 problem JSON (fetch)', async () => {
    const r = await srv.api('POST', ORGS, {
      rawBody: Buffer.alloc(1024 * 1024 + 1, 'a'),
      headers: { 'content-type': 'application/json' },
    });
    assertProblem(r, 413, { path: ORGS });
  });

  test('a 2 MiB body with Content-Length is answered 413 (raw socket)', async () => {
    const r = await rawPost(ORGS, Buffer.alloc(2 * 1024 * 1024, 'a'));
    assertProblem(r, 413, { path: ORGS });
  });

  test('a chunked body over 1 MiB (no Content-Length) is answered 413 (raw socket)', async () => {
    const chunks = [
      `POST ${ORGS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    ];
    for (let i = 0; i < 17; i++) chunks.push(`10000\r\n${'a'.repeat(0x10000)}\r\n`);
    chunks.push('0\r\n\r\n');
    const r = await srv.raw(chunks);
    assertProblem(r, 413);
  });

  test('nothing of a too-large body is stored', async () => {
    const name = 'Huge ' + 'x'.repeat(100);
    const body = JSON.stringify({ name, country: 'FR', description: 'd'.repeat(1024 * 1024) });
    const r = await srv.api('POST', ORGS, { rawBody: body, headers: { 'content-type': 'application/json' } });
    assertProblem(r, 413);
    const q = await srv.api('GET', `${ORGS}?q=${encodeURIComponent(name)}`);
    assert.deepEqual(q.json.items, []);
  });

  test(
    'Content-Length over 1 MiB is answered 413 at once, not "100 Continue" (raw socket, Expect: 100-continue)',
    async () => {
      const head =
        `POST ${ORGS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
      const r = await srv.raw(head, { timeoutMs: 1500, end: false });
      assertProblem(r, 413);
    },
  );

  test(
    'a declared 20 MiB body (over the 8 MiB drain bound) still gets a 413 (raw socket)',
    async () => {
      const big = Buffer.alloc(20 * 1024 * 1024, 'a');
      const r = await rawPost(ORGS, big);
      assertProblem(r, 413);
    },
  );
});

describe('414 and 431: oversized request lines and headers', () => {
  test('a path over 4 KiB is 414 problem JSON', async () => {
    const p = '/api/v1/' + 'a'.repeat(5000);
    assertProblem(await srv.api('GET', p), 414);
  });

  test('a header block over 32 KiB (raw socket) is refused and the server keeps serving', async () => {
    const r = await srv.raw(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    assert.ok(r.status === null || (r.status >= 400 && r.status < 500), `answered ${r.status}`);
    assert.notEqual(r.status, 200);
    const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: abcdefghij\r\n`).join('');
    const r2 = await srv.raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}Connection: close\r\n\r\n`);
    assert.ok(r2.status === null || (r2.status >= 400 && r2.status < 500), `answered ${r2.status}`);
  });

  test(
    'an oversized header block gets problem JSON with the security headers',
    async () => {
      const r = await srv.raw(
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\nConnection: close\r\n\r\n`,
      );
      assertProblem(r, 431);
    },
  );
});

describe('415 unsupported media type', () => {
  test('wrong or missing Content-Type on POST and PATCH', async () => {
    const o = await newOrg({ registration_no: 'CT-1' });
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json']) {
      assertProblem(await srv.api('POST', ORGS, { rawBody: JSON.stringify(org()), headers: { 'content-type': ct } }), 415, { path: ORGS });
      assertProblem(await srv.api('PATCH', `${ORGS}/${o.id}`, { rawBody: '{"city":"x"}', headers: { 'content-type': ct } }), 415);
    }
    // fetch sends text/plain for a string body without a type; a raw request sends none.
    const none = await srv.raw(
      `POST ${ORGS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.admin}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    assertProblem(none, 415);
    assert.equal((await srv.api('GET', `${ORGS}/${o.id}`)).json.city, null);
  });

  test('application/json with parameters and merge-patch+json are accepted', async () => {
    const r = await srv.api('POST', ORGS, {
      rawBody: JSON.stringify(org({ registration_no: 'CT-2' })),
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
    });
    assert.equal(r.status, 201, r.text);
    const p = await srv.api('PATCH', `${ORGS}/${r.json.id}`, {
      rawBody: '{"city":"Metz"}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.city, 'Metz');
  });
});

describe('422 validation', () => {
  test('a top-level array is not an object', async () => {
    for (const body of ['[]', '[{"name":"x","country":"FR"}]']) {
      const r = await srv.api('POST', ORGS, { rawBody: body, headers: { 'content-type': 'application/json' } });
      assertProblem(r, 422, { path: ORGS, detail: /object/ });
    }
  });

  test('a top-level scalar (valid JSON) is 422, not "malformed JSON"', async () => {
    for (const body of ['"text"', '42', 'null', 'true']) {
      const r = await srv.api('POST', ORGS, { rawBody: body, headers: { 'content-type': 'application/json' } });
      assertProblem(r, 422, { path: ORGS, detail: /object/ });
    }
  });

  test('unknown fields and server-set fields', async () => {
    const r = await srv.api('POST', ORGS, { body: org({ colour: 'red', id: 5, version: 3, created_at: 'x' }) });
    assertProblem(r, 422, {
      fields: { colour: /not a field/, id: /server/, version: /server/, created_at: /server/ },
    });
  });

  test('required fields missing, null or blank', async () => {
    assertProblem(await srv.api('POST', ORGS, { body: {} }), 422, { fields: { name: /required/, country: /required/ } });
    assertProblem(await srv.api('POST', ORGS, { body: { name: null, country: 'FR' } }), 422, { fields: { name: /required/ } });
    assertProblem(await srv.api('POST', ORGS, { body: { name: '   ', country: 'FR' } }), 422, { fields: { name: null } });
  });

  test('wrong JSON types per field', async () => {
    const r = await srv.api('POST', ORGS, {
      body: { name: 5, country: 'FR', public: 'yes', areas: 'culture', founded_on: 20200101 },
    });
    assertProblem(r, 422, { fields: { name: /string/, public: /true or false/, areas: /array/, founded_on: /string/ } });
  });

  test('nothing is written when validation fails', async () => {
    const before = await srv.api('GET', `${ORGS}?count=true&limit=1`);
    await srv.api('POST', ORGS, { body: org({ country: 'XX' }) });
    const afterList = await srv.api('GET', `${ORGS}?count=true&limit=1`);
    assert.equal(afterList.json.total, before.json.total);
  });
});
