// Conditional requests and compression (issue 23), as an HTTP client sees them on the
// wire: node:http, which neither adds Accept-Encoding nor decodes, so every byte and
// header is the server's own. If-None-Match → 304 without a body for records,
// attachments and the calendars; gzip for JSON, CSV and ICS of 1 KiB or more, streamed
// exports included, decoded with Node's zlib and compared with the identity answer.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync, createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());

// One request; resolves {status, headers, body: Buffer} with nothing decoded.
function raw(method, path, headers = {}, { token = srv.tokens.officer, body } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(srv.url + path, { method, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
const gzip = { 'accept-encoding': 'gzip' };
const json = (r) => JSON.parse(r.body.toString('utf8'));

async function created(path, body) {
  const r = await srv.api('POST', path, { token: srv.tokens.officer, body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

// What RFC 9110 15.4.5 asks of a 304: no content, the validator and cache fields of the
// 200, no representation metadata; Content-Length, if any, that of the 200.
function assert304(r, { etag, length }) {
  assert.equal(r.status, 304);
  assert.equal(r.body.length, 0, 'a 304 has no body');
  assert.equal(r.headers.etag, etag);
  assert.equal(r.headers['content-type'], undefined);
  assert.equal(r.headers['content-disposition'], undefined);
  assert.equal(r.headers['content-encoding'], undefined);
  if (r.headers['content-length'] !== undefined) assert.equal(Number(r.headers['content-length']), length);
}

describe('If-None-Match', () => {
  let org, path, first;
  before(async () => {
    org = await created('/api/v1/organisations', { name: 'Условные запросы', country: 'RU' });
    path = `/api/v1/organisations/${org.id}`;
    first = await raw('GET', path);
    assert.equal(first.status, 200);
    assert.equal(first.headers.etag, '"1"');
  });

  test('a record: the current ETag, in every form RFC 9110 13.1.2 allows, gives 304', async () => {
    for (const inm of ['"1"', 'W/"1"', '"7", "1"', '"7",W/"1" , "9"', '*']) {
      const r = await raw('GET', path, { 'if-none-match': inm });
      assert304(r, { etag: '"1"', length: first.body.length });
      assert.equal(r.headers['cache-control'], 'no-store', inm);
      assert.equal(r.headers.vary, 'Accept-Encoding', inm);
    }
  });

  test('another ETag, a malformed field or another method: the full answer', async () => {
    for (const inm of ['"2"', '1', '"1', 'W/1', '"11"', '']) {
      const r = await raw('GET', path, { 'if-none-match': inm });
      assert.equal(r.status, 200, `If-None-Match: ${inm}`);
      assert.deepEqual(json(r), json(first));
    }
    // A change makes the old ETag stale.
    const p = await raw('PATCH', path, { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' }, { body: '{"city":"Тверь"}' });
    assert.equal(p.status, 200);
    const r = await raw('GET', path, { 'if-none-match': '"1"' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, '"2"');
    assert.equal(json(r).city, 'Тверь');
    assert304(await raw('GET', path, { 'if-none-match': '"2"' }), { etag: '"2"', length: r.body.length });
    // Not found stays not found, whatever the validator.
    assertProblem(await srv.api('GET', '/api/v1/organisations/999999', { headers: { 'if-none-match': '*' } }), 404);
  });

  test('HEAD: 304 as GET gives it; otherwise the headers of the GET', async () => {
    const cur = await raw('GET', path);
    assert304(await raw('HEAD', path, { 'if-none-match': cur.headers.etag }), { etag: cur.headers.etag, length: cur.body.length });
    const h = await raw('HEAD', path);
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    assert.equal(h.headers.etag, cur.headers.etag);
    assert.equal(Number(h.headers['content-length']), cur.body.length);
  });

  test('sub-records, users and settings carry a validator that If-None-Match honours', async () => {
    const m = await created('/api/v1/meetings', { kind: 'consultation', title: 'Встреча', starts_at: '2031-03-01T10:00:00Z' });
    const a = await created(`/api/v1/meetings/${m.id}/actions`, { text: 'Подготовить справку' });
    const me = await raw('GET', '/api/v1/me', {}, { token: srv.tokens.admin });
    const uid = json(me).id ?? json(me).user?.id;
    for (const [p, token] of [
      [`/api/v1/meetings/${m.id}`, srv.tokens.officer],
      [`/api/v1/meetings/${m.id}/actions/${a.id}`, srv.tokens.officer],
      [`/api/v1/users/${uid}`, srv.tokens.admin],
      ['/api/v1/settings', srv.tokens.officer],
    ]) {
      const r = await raw('GET', p, {}, { token });
      assert.equal(r.status, 200, p);
      assert.match(r.headers.etag ?? '', /^"\d+"$/, `${p} has a version ETag`);
      assert304(await raw('GET', p, { 'if-none-match': r.headers.etag }, { token }), { etag: r.headers.etag, length: r.body.length });
    }
  });

  test('an attachment: its SHA-256 as ETag; 304 without the file, its name or its digest', async () => {
    const doc = await created('/api/v1/documents', { kind: 'transcript' });
    const text = Buffer.from('Стенограмма заседания. '.repeat(200)); // compressible, > 1 KiB
    const up = await raw('POST', `/api/v1/documents/${doc.id}/attachments?filename=t.txt`, { 'content-type': 'text/plain' }, { body: text });
    assert.equal(up.status, 201, up.body.toString());
    const url = json(up).content_url;
    const sha = createHash('sha256').update(text).digest('hex');
    const r = await raw('GET', url, gzip);
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, `"${sha}"`);
    assert.equal(r.headers['content-encoding'], undefined, 'attachments go out as stored');
    assert.ok(r.body.equals(text));
    const c = await raw('GET', url, { 'if-none-match': `"${sha}"` });
    assert304(c, { etag: `"${sha}"`, length: text.length });
    assert.equal(c.headers['repr-digest'], undefined);
    assert.equal((await raw('GET', url, { 'if-none-match': '"0000"' })).status, 200);
  });

  test('the calendars: an ETag over the content, stable from one second to the next', async () => {
    await created('/api/v1/meetings', { kind: 'dialogue', title: 'Диалог о календаре', starts_at: '2031-05-05T07:00:00Z' });
    const ics = '/calendar.ics?from=2031-01-01&to=2031-12-31';
    const a = await raw('GET', ics);
    assert.equal(a.status, 200);
    assert.match(a.headers.etag, /^"[0-9a-f]{32}"$/);
    assert.match(a.body.toString(), /DTSTAMP:/);
    await new Promise((r) => setTimeout(r, 1100)); // DTSTAMP moves on; the ETag must not
    const b = await raw('GET', ics);
    assert.equal(b.headers.etag, a.headers.etag);
    assert304(await raw('GET', ics, { 'if-none-match': a.headers.etag }), { etag: a.headers.etag, length: a.body.length });
    await created('/api/v1/meetings', { kind: 'dialogue', title: 'Ещё один', starts_at: '2031-05-06T07:00:00Z' });
    const c = await raw('GET', ics, { 'if-none-match': a.headers.etag });
    assert.equal(c.status, 200, 'a new meeting is a new calendar');
    assert.notEqual(c.headers.etag, a.headers.etag);
    // The subscription feed, and the calendar as JSON.
    const k = await srv.api('POST', '/api/v1/me/calendar', { token: srv.tokens.officer });
    assert.equal(k.status, 201, k.text);
    const feedPath = new URL(k.json.url, srv.url).pathname + new URL(k.json.url, srv.url).search;
    const f = await raw('GET', feedPath, {}, { token: null });
    assert.equal(f.status, 200);
    assert304(await raw('GET', feedPath, { 'if-none-match': f.headers.etag }, { token: null }), { etag: f.headers.etag, length: f.body.length });
    const j = await raw('GET', '/api/v1/calendar?from=2031-01-01&to=2031-12-31');
    assert.equal(j.status, 200);
    assert304(await raw('GET', '/api/v1/calendar?from=2031-01-01&to=2031-12-31', { 'if-none-match': j.headers.etag }), { etag: j.headers.etag, length: j.body.length });
  });

  test('the web UI files use the same matcher', async () => {
    const a = await raw('GET', '/assets/app.css', {}, { token: null });
    assert.equal(a.status, 200);
    assert304(await raw('GET', '/assets/app.css', { 'if-none-match': `"x", ${a.headers.etag}` }, { token: null }), { etag: a.headers.etag, length: a.body.length });
  });
});

test('Accept-Patch on a PATCH answered 415', async () => {
  const org = await created('/api/v1/organisations', { name: 'Accept-Patch', country: 'FR' });
  const r = await raw('PATCH', `/api/v1/organisations/${org.id}`, { 'content-type': 'text/plain' }, { body: 'city=Lyon' });
  assert.equal(r.status, 415);
  assert.equal(r.headers['accept-patch'], 'application/merge-patch+json');
  const post = await raw('POST', '/api/v1/organisations', { 'content-type': 'text/plain' }, { body: 'x' });
  assert.equal(post.status, 415);
  assert.equal(post.headers['accept-patch'], undefined, 'a POST is not a patch');
});

describe('gzip', () => {
  before(async () => {
    for (let i = 0; i < 40; i++)
      await created('/api/v1/organisations', { name: `Сжатие ${i}`, country: 'DE', city: 'Berlin', description: 'Описание организации. '.repeat(10) });
  });
  const LIST = '/api/v1/organisations?country=DE&limit=40';

  test('a JSON list: gzip when asked, the same JSON once decoded, Vary either way', async () => {
    const id = await raw('GET', LIST);
    assert.equal(id.status, 200);
    assert.equal(id.headers['content-encoding'], undefined);
    assert.equal(id.headers.vary, 'Accept-Encoding');
    const z = await raw('GET', LIST, gzip);
    assert.equal(z.status, 200);
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.equal(z.headers.vary, 'Accept-Encoding');
    assert.equal(z.headers['content-type'], 'application/json');
    assert.equal(Number(z.headers['content-length']), z.body.length);
    assert.ok(gunzipSync(z.body).equals(id.body), 'decoded, the identity bytes');
    assert.ok(z.body.length * 3 < id.body.length, `compressed ${id.body.length} → ${z.body.length}`);
    // HEAD: the headers GET would give, no body.
    const h = await raw('HEAD', LIST, gzip);
    assert.equal(h.headers['content-encoding'], 'gzip');
    assert.equal(Number(h.headers['content-length']), z.body.length);
    assert.equal(h.body.length, 0);
  });

  test('Accept-Encoding as RFC 9110 12.5.3 reads it: q-values, identity, *', async () => {
    const cases = [
      ['gzip', 'gzip'],
      ['GZIP;Q=1.0', 'gzip'],
      ['x-gzip', 'gzip'],
      ['deflate, gzip;q=0.8, br', 'gzip'],
      ['*', 'gzip'],
      ['gzip;q=0', undefined],
      ['*;q=0, identity', undefined],
      ['gzip;q=0.5, identity;q=1', undefined],
      ['gzip;q=0.5, identity;q=0.5', 'gzip'],
      ['br, deflate', undefined],
      ['identity', undefined],
      ['', undefined],
      ['gzip;q=2', undefined], // not a qvalue: the member is ignored
    ];
    for (const [ae, want] of cases) {
      const r = await raw('GET', LIST, { 'accept-encoding': ae });
      assert.equal(r.status, 200, ae);
      assert.equal(r.headers['content-encoding'], want, `Accept-Encoding: ${ae}`);
      assert.equal(r.headers.vary, 'Accept-Encoding', ae);
    }
  });

  test('small answers stay as they are, unless identity is refused', async () => {
    const org = await created('/api/v1/organisations', { name: 'Мало', country: 'AM' });
    const path = `/api/v1/organisations/${org.id}`;
    const small = await raw('GET', path, gzip);
    assert.ok(small.body.length < 1024);
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers.vary, 'Accept-Encoding', 'it could have been compressed');
    assert.equal(small.headers.etag, '"1"');
    const forced = await raw('GET', path, { 'accept-encoding': 'gzip, identity;q=0' });
    assert.equal(forced.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(forced.body)), json(small));
  });

  test('a gzipped record: a weak ETag, which If-None-Match and If-Match both accept', async () => {
    const org = await created('/api/v1/organisations', { name: 'Большая', country: 'KZ', description: 'Длинное описание. '.repeat(100) });
    const path = `/api/v1/organisations/${org.id}`;
    const id = await raw('GET', path);
    const z = await raw('GET', path, gzip);
    assert.equal(id.headers.etag, '"1"');
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.equal(z.headers.etag, 'W/"1"', 'the gzip bytes are another representation (RFC 9110 8.8.3)');
    assert.ok(gunzipSync(z.body).equals(id.body));
    // Either validator revalidates either representation (weak comparison).
    assert304(await raw('GET', path, { ...gzip, 'if-none-match': '"1"' }), { etag: 'W/"1"', length: z.body.length });
    assert304(await raw('GET', path, { 'if-none-match': 'W/"1"' }), { etag: '"1"', length: id.body.length });
    const p = await raw('PATCH', path, { 'content-type': 'application/merge-patch+json', 'if-match': z.headers.etag }, { body: '{"city":"Алматы"}' });
    assert.equal(p.status, 200, p.body.toString());
  });

  test('not compressed: attachments (above), XLSX, the UI files', async () => {
    const x = await raw('GET', '/api/v1/organisations?format=xlsx', gzip);
    assert.equal(x.status, 200);
    assert.equal(x.headers['content-encoding'], undefined);
    assert.equal(x.headers.vary, undefined);
    assert.equal(x.body.subarray(0, 2).toString(), 'PK');
    const js = await raw('GET', '/assets/app.css', gzip, { token: null });
    assert.equal(js.headers['content-encoding'], undefined);
  });

  test('ICS and a short CSV export: gzip, the same bytes decoded', async () => {
    for (const p of ['/calendar.ics?from=2031-01-01&to=2031-12-31', '/api/v1/organisations?format=csv&country=DE']) {
      const id = await raw('GET', p);
      const z = await raw('GET', p, gzip);
      assert.equal(z.status, 200, p);
      assert.ok(id.body.length >= 1024, `${p} is large enough (${id.body.length})`);
      assert.equal(z.headers['content-encoding'], 'gzip', p);
      assert.equal(z.headers.vary, 'Accept-Encoding', p);
      const plain = gunzipSync(z.body).toString();
      // The ICS carries the time of the answer: compare it without.
      const strip = (s) => s.replace(/^DTSTAMP:.*$/gm, '');
      assert.equal(strip(plain), strip(id.body.toString()), p);
    }
  });
});

test('a streamed CSV export of 100,000 rows, gzipped as it goes', async () => {
  const lines = ['name,country,registration_no,city'];
  for (let i = 0; i < 100000; i++) lines.push(`Streamed organisation ${i},BR,S-${i},Rio de Janeiro`);
  const imp = await raw('POST', '/api/v1/organisations/import', { 'content-type': 'text/csv' }, { token: srv.tokens.admin, body: lines.join('\n') + '\n' });
  assert.equal(imp.status, 200, imp.body.toString().slice(0, 500));
  const path = '/api/v1/organisations?format=csv&country=BR';
  const id = await raw('GET', path);
  assert.equal(id.status, 200);
  assert.equal(id.headers['transfer-encoding'], 'chunked', 'streamed');
  // Decoded as it arrives, as a client with little memory would.
  const z = await new Promise((resolve, reject) => {
    const req = http.request(srv.url + path, { headers: { ...gzip, authorization: `Bearer ${srv.tokens.officer}` } }, (res) => {
      let wire = 0;
      const out = [];
      res.on('data', (c) => (wire += c.length));
      const gz = res.pipe(createGunzip());
      gz.on('data', (c) => out.push(c));
      gz.on('end', () => resolve({ headers: res.headers, wire, body: Buffer.concat(out) }));
      gz.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(z.headers['content-encoding'], 'gzip');
  assert.equal(z.headers['transfer-encoding'], 'chunked');
  assert.equal(z.headers.vary, 'Accept-Encoding');
  assert.equal(z.headers['content-length'], undefined);
  assert.ok(z.body.equals(id.body), 'decoded, byte for byte the identity export');
  assert.equal(z.body.toString().trimEnd().split('\r\n').length, 100001);
  assert.ok(z.wire * 4 < id.body.length, `compressed ${id.body.length} → ${z.wire} bytes`);
  // HEAD of the same: the headers, no body — and not even the last chunk, which
  // libmicrohttpd 0.9.75 used to send after a streamed HEAD's headers, so that the next
  // answer on the kept-alive connection failed to parse ("Expected HTTP/").
  for (const ae of [gzip, {}]) {
    const h = await raw('HEAD', path, ae);
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-encoding'], ae === gzip ? 'gzip' : undefined);
    assert.equal(h.body.length, 0);
    assert.equal((await raw('GET', '/healthz', {}, { token: null })).status, 200);
  }
  // A client that hangs up in the middle of a gzipped export: the stream and its zlib
  // state are let go (the ASan build's leak check sees this), the server carries on.
  const left = await new Promise((resolve, reject) => {
    const req = http.request(srv.url + path, { headers: { ...gzip, authorization: `Bearer ${srv.tokens.officer}` } }, (res) => {
      let got = 0;
      res.on('data', (c) => {
        got += c.length;
        if (got > 50000) {
          req.destroy();
          resolve(got);
        }
      });
      res.on('error', () => resolve(got));
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
    req.end();
  });
  assert.ok(left > 50000);
  await srv.healthy('after an abandoned gzip export');
  // And as JSON.
  const jz = await raw('GET', '/api/v1/organisations?format=json&country=BR', gzip);
  assert.equal(jz.headers['content-encoding'], 'gzip');
  assert.equal(JSON.parse(gunzipSync(jz.body)).length, 100000);
});
