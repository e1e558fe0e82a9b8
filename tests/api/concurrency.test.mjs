// Optimistic concurrency under real parallel requests: with the same If-Match exactly one
// writer wins, the others get 412, and no update is lost or applied twice.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, pool } from './lib/server.mjs';

const srv = await startServer({ threads: 8 });
after(() => srv.stop());
const ORGS = '/api/v1/organisations';

async function newOrg(body) {
  const r = await srv.api('POST', ORGS, { body: { country: 'FR', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

describe('same If-Match, many writers', () => {
  test('10 concurrent PATCHes with If-Match "1": exactly one 200, nine 412, version 2', async () => {
    const o = await newOrg({ name: 'Contended' });
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        srv.api('PATCH', `${ORGS}/${o.id}`, { body: { city: `City ${i}` }, headers: { 'if-match': '"1"' } }),
      ),
    );
    const ok = rs.filter((r) => r.status === 200);
    const lost = rs.filter((r) => r.status === 412);
    assert.equal(ok.length, 1, `statuses: ${rs.map((r) => r.status)}`);
    assert.equal(lost.length, 9, `statuses: ${rs.map((r) => r.status)}`);
    for (const r of lost) assertProblem(r, 412);
    const now = await srv.api('GET', `${ORGS}/${o.id}`);
    assert.equal(now.json.version, 2);
    assert.equal(now.headers.get('etag'), '"2"');
    assert.equal(now.json.city, ok[0].json.city, 'the winner is what is stored');
  });

  test('repeated rounds: each round exactly one winner, versions advance by one', async () => {
    const o = await newOrg({ name: 'Rounds' });
    for (let v = 1; v <= 5; v++) {
      const rs = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          srv.api('PATCH', `${ORGS}/${o.id}`, { body: { phone: `${v}-${i}` }, headers: { 'if-match': `"${v}"` } }),
        ),
      );
      assert.deepEqual(
        rs.map((r) => r.status).sort(),
        [200, 412, 412, 412, 412, 412, 412, 412],
        `round ${v}`,
      );
      assert.equal(rs.find((r) => r.status === 200).json.version, v + 1);
    }
    assert.equal((await srv.api('GET', `${ORGS}/${o.id}`)).json.version, 6);
  });

  test('PATCHes without If-Match all apply, one after the other: no update lost', async () => {
    const o = await newOrg({ name: 'Unconditional' });
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => srv.api('PATCH', `${ORGS}/${o.id}`, { body: { phone: String(i) } })),
    );
    assert.ok(rs.every((r) => r.status === 200), `statuses: ${rs.map((r) => r.status)}`);
    assert.deepEqual(rs.map((r) => r.json.version).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 2));
    assert.equal((await srv.api('GET', `${ORGS}/${o.id}`)).json.version, 21);
  });

  test('concurrent DELETEs with the same If-Match: one 204, the others 412 or 404', async () => {
    const o = await newOrg({ name: 'Deleted Once' });
    const rs = await Promise.all(
      Array.from({ length: 6 }, () => srv.api('DELETE', `${ORGS}/${o.id}`, { headers: { 'if-match': '"1"' } })),
    );
    const codes = rs.map((r) => r.status);
    assert.equal(codes.filter((c) => c === 204).length, 1, `statuses: ${codes}`);
    assert.ok(codes.every((c) => [204, 404, 412].includes(c)), `statuses: ${codes}`);
    assert.equal((await srv.api('GET', `${ORGS}/${o.id}`)).status, 404);
  });

  test('a PATCH racing a DELETE: both cannot win with the same version', async () => {
    const o = await newOrg({ name: 'Race' });
    const [p, d] = await Promise.all([
      srv.api('PATCH', `${ORGS}/${o.id}`, { body: { city: 'Won' }, headers: { 'if-match': '"1"' } }),
      srv.api('DELETE', `${ORGS}/${o.id}`, { headers: { 'if-match': '"1"' } }),
    ]);
    const won = [p.status === 200, d.status === 204].filter(Boolean).length;
    assert.equal(won, 1, `PATCH ${p.status}, DELETE ${d.status}`);
  });
});

describe('uniqueness and parallel load', () => {
  test('10 concurrent creates with the same (country, registration_no): one 201, nine 409', async () => {
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        srv.api('POST', ORGS, { body: { name: `Twin ${i}`, country: 'DE', registration_no: 'VR 12345' } }),
      ),
    );
    const codes = rs.map((r) => r.status);
    assert.equal(codes.filter((c) => c === 201).length, 1, `statuses: ${codes}`);
    assert.equal(codes.filter((c) => c === 409).length, 9, `statuses: ${codes}`);
    for (const r of rs.filter((x) => x.status === 409)) assertProblem(r, 409);
    const list = await srv.api('GET', `${ORGS}?registration_no=${encodeURIComponent('VR 12345')}&count=true`);
    assert.equal(list.json.total, 1);
  });

  test('reads and writes in parallel: every request answered, nothing 5xx', async () => {
    const o = await newOrg({ name: 'Busy' });
    const jobs = Array.from({ length: 300 }, (_, i) => i);
    const codes = await pool(jobs, 32, async (i) => {
      const kind = i % 4;
      if (kind === 0) return (await srv.api('PATCH', `${ORGS}/${o.id}`, { body: { phone: String(i) } })).status;
      if (kind === 1) return (await srv.api('GET', `${ORGS}/${o.id}`, { token: srv.tokens.officer })).status;
      if (kind === 2) return (await srv.api('GET', `${ORGS}?sort=-name&limit=20&count=true`)).status;
      return (await srv.api('POST', ORGS, { body: { name: `Load ${i}`, country: 'IT' } })).status;
    });
    assert.deepEqual([...new Set(codes)].sort(), [200, 201]);
    const final = await srv.api('GET', `${ORGS}/${o.id}`);
    assert.equal(final.json.version, 1 + 75, 'every unconditional PATCH counted once');
  });

  test('many idle connections do not stop the server answering', async () => {
    const net = await import('node:net');
    const socks = await Promise.all(
      Array.from({ length: 100 }, () => new Promise((r) => {
        const s = net.connect(srv.port, '127.0.0.1', () => r(s));
        s.on('error', () => r(s));
      })),
    );
    // Half of them send a partial request line and stall.
    socks.slice(0, 50).forEach((s) => s.write('GET /heal'));
    await srv.healthy('with 100 idle connections open');
    const r = await srv.api('GET', ORGS);
    assert.equal(r.status, 200);
    socks.forEach((s) => s.destroy());
  });
});
