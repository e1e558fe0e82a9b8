// Keyset pagination over a few thousand organisations: every page walked to the end with
// several limits and sorts, checked against the order computed here (sort key, then id):
// no duplicates, no gaps, totals right, cursors bound to their sort.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem, pool } from './lib/server.mjs';

const N = 3000;
const ORGS = '/api/v1/organisations';
const srv = await startServer({ threads: 4 });
after(() => srv.stop());

const COUNTRIES = ['RU', 'FR', 'DE', 'BY', 'KZ', 'US', 'GB', 'IN', 'BR', 'CN', 'ZA', 'TR'];
const STEMS = ['Альянс', 'Фонд', 'Союз', 'Alliance', 'Fondation', 'Verein', 'Ёлка', 'Zenith', 'ассоциация', 'Åland'];

// Names repeat (each three times) so the id tie-break is exercised; name_en is missing on
// a third and founded_on on a fifth, so nullable sort keys are exercised too.
function orgFor(i) {
  const k = i % 1000;
  const o = {
    name: `${STEMS[k % STEMS.length]} ${String(k).padStart(4, '0')}`,
    country: COUNTRIES[i % COUNTRIES.length],
    areas: i % 7 === 0 ? ['culture', 'youth'] : ['health'],
  };
  if (i % 3 !== 0) o.name_en = `Org ${String((i * 7919) % N).padStart(5, '0')}`;
  if (i % 5 !== 0) o.founded_on = `${1950 + (i % 70)}-0${1 + (i % 9)}-1${i % 10}`;
  return o;
}

let all = []; // every record as created

before(async () => {
  const made = await pool(Array.from({ length: N }, (_, i) => i), 24, async (i) => {
    const r = await srv.api('POST', ORGS, { body: orgFor(i) });
    assert.equal(r.status, 201, `create #${i}: ${r.text}`);
    return r.json;
  });
  all = made;
});

// Byte order of the UTF-8 encoding, which is SQLite's BINARY collation.
const bytes = (s) => Buffer.from(s ?? '', 'utf8');
function expected(items, field, desc) {
  const cmp = (a, b) => {
    let c = 0;
    if (field === 'id') c = a.id - b.id;
    else c = Buffer.compare(bytes(a[field]), bytes(b[field])) || a.id - b.id;
    return desc ? -c : c;
  };
  return [...items].sort(cmp).map((o) => o.id);
}

// Walks the list to the end; returns the ids in the order served and the page count.
async function walk(query, limit) {
  const ids = [];
  let cursor = null;
  let pages = 0;
  let total;
  for (;;) {
    const qs = new URLSearchParams({ ...query, limit: String(limit), count: 'true' });
    if (cursor) qs.set('cursor', cursor);
    const r = await srv.api('GET', `${ORGS}?${qs}`);
    assert.equal(r.status, 200, `page ${pages + 1} of ${qs}: ${r.text}`);
    pages++;
    assert.ok(r.json.items.length <= limit, 'no page longer than the limit');
    ids.push(...r.json.items.map((o) => o.id));
    if (pages === 1) total = r.json.total;
    else assert.equal(r.json.total, total, 'the total is the same on every page');
    cursor = r.json.next_cursor;
    if (cursor === null) break;
    assert.equal(typeof cursor, 'string');
    assert.equal(r.json.items.length, limit, 'only the last page may be short');
    assert.ok(pages <= N, 'the walk ends');
  }
  walk.lastTotal = total;
  return { ids, pages };
}

function assertWalk(ids, want, what) {
  assert.equal(new Set(ids).size, ids.length, `${what}: duplicates`);
  const served = new Set(ids);
  const missing = want.filter((id) => !served.has(id));
  assert.deepEqual(missing.slice(0, 10), [], `${what}: gaps (${missing.length} missing)`);
  assert.equal(ids.length, want.length, `${what}: count`);
  const firstDiff = ids.findIndex((id, i) => id !== want[i]);
  assert.equal(firstDiff, -1, `${what}: order differs at position ${firstDiff}`);
}

describe('walk every page', () => {
  test('created them all', () => {
    assert.equal(all.length, N);
    assert.equal(new Set(all.map((o) => o.id)).size, N);
  });

  test('count=true gives the total, on every page', async () => {
    const r = await srv.api('GET', `${ORGS}?count=true&limit=1`);
    assert.equal(r.json.total, N);
    const f = await srv.api('GET', `${ORGS}?count=true&limit=1&country=RU`);
    assert.equal(f.json.total, all.filter((o) => o.country === 'RU').length);
  });

  test('default limit is 50, ordered by id', async () => {
    const r = await srv.api('GET', ORGS);
    assert.equal(r.json.items.length, 50);
    assert.deepEqual(r.json.items.map((o) => o.id), expected(all, 'id', false).slice(0, 50));
  });

  const walks = [
    [{}, 500, 'id', false], // 3000 / 500: the last page is full, and next_cursor is then null
    [{ sort: 'id' }, 37, 'id', false],
    [{ sort: '-id' }, 37, 'id', true],
    [{ sort: 'name' }, 500, 'name', false],
    [{ sort: 'name' }, 37, 'name', false],
    [{ sort: '-name' }, 37, 'name', true],
    [{ sort: 'name_en' }, 37, 'name_en', false],
    [{ sort: '-name_en' }, 41, 'name_en', true],
    [{ sort: '-founded_on' }, 37, 'founded_on', true],
    [{ sort: 'country' }, 500, 'country', false],
  ];
  for (const [query, limit, field, desc] of walks) {
    test(`sort=${query.sort ?? '(default)'} limit=${limit}`, async () => {
      const { ids, pages } = await walk(query, limit);
      assert.equal(pages, Math.ceil(N / limit), 'pages');
      assert.equal(walk.lastTotal, N, 'total');
      assertWalk(ids, expected(all, field, desc), `sort=${query.sort} limit=${limit}`);
    });
  }

  test('filtered walks: country=RU by -name, areas=culture by name, q=Фонд', async () => {
    for (const [query, pred, field, desc] of [
      [{ country: 'RU', sort: '-name' }, (o) => o.country === 'RU', 'name', true],
      [{ areas: 'culture', sort: 'name' }, (o) => o.areas.includes('culture'), 'name', false],
      // A fragment in any case and either script: "Фонд" also finds "Fondation" (fond).
      [{ q: 'Фонд', sort: 'name' }, (o) => /фонд|fond/i.test(o.name), 'name', false],
    ]) {
      const want = expected(all.filter(pred), field, desc);
      assert.ok(want.length > 37, 'enough rows for several pages');
      const { ids } = await walk(query, 37);
      assert.equal(walk.lastTotal, want.length);
      assertWalk(ids, want, JSON.stringify(query));
    }
  });

  test('limit=500 is the maximum page', async () => {
    const r = await srv.api('GET', `${ORGS}?limit=500`);
    assert.equal(r.json.items.length, 500);
    assertProblem(await srv.api('GET', `${ORGS}?limit=501`), 400, { fields: { limit: null } });
  });
});

describe('cursors', () => {
  test('a cursor reused with another sort (or direction) is 400', async () => {
    const byName = await srv.api('GET', `${ORGS}?sort=name&limit=10`);
    const c = byName.json.next_cursor;
    assert.ok(c);
    for (const sort of ['-name', 'id', 'name_en', 'country']) {
      const r = await srv.api('GET', `${ORGS}?sort=${sort}&limit=10&cursor=${c}`);
      assertProblem(r, 400, { detail: /cursor/ });
    }
    const byId = await srv.api('GET', `${ORGS}?limit=10`);
    assertProblem(await srv.api('GET', `${ORGS}?sort=name&cursor=${byId.json.next_cursor}`), 400);
    assertProblem(await srv.api('GET', `${ORGS}?sort=-id&cursor=${byId.json.next_cursor}`), 400);
    // Same sort: fine, and it continues where the first page ended.
    const next = await srv.api('GET', `${ORGS}?sort=name&limit=10&cursor=${c}`);
    assert.equal(next.status, 200);
    const want = expected(all, 'name', false);
    assert.deepEqual(next.json.items.map((o) => o.id), want.slice(10, 20));
  });

  test('a cursor survives a change of limit', async () => {
    const p1 = await srv.api('GET', `${ORGS}?sort=-name&limit=5`);
    const p2 = await srv.api('GET', `${ORGS}?sort=-name&limit=7&cursor=${p1.json.next_cursor}`);
    assert.deepEqual(p2.json.items.map((o) => o.id), expected(all, 'name', true).slice(5, 12));
  });

  test('a tampered or oversized cursor is 400, never 500', async () => {
    const r = await srv.api('GET', `${ORGS}?sort=name&limit=10`);
    const c = r.json.next_cursor;
    const decoded = JSON.parse(Buffer.from(c, 'base64url').toString());
    const forge = (arr) => Buffer.from(JSON.stringify(arr)).toString('base64url');
    for (const bad of [
      c.slice(0, -3),
      c + 'A',
      forge([decoded[0], decoded[1], decoded[2]]),
      forge([decoded[0], decoded[1], decoded[2], 'x']),
      forge({ a: 1 }),
      'A'.repeat(600),
    ]) {
      const res = await srv.api('GET', `${ORGS}?sort=name&limit=10&cursor=${encodeURIComponent(bad)}`);
      assertProblem(res, 400);
    }
    const forgeKey = (key) =>
      Buffer.from(`["name",false,${typeof key === 'bigint' ? String(key) : JSON.stringify(key)},5]`).toString('base64url');
    // A well-formed cursor with a key of an unexpected type is served or refused, not a 500.
    for (const key of [{ x: 1 }, [1], true, 5, 1.5, null, -9223372036854775807n]) {
      const res = await srv.api('GET', `${ORGS}?sort=name&limit=10&cursor=${encodeURIComponent(forgeKey(key))}`);
      assert.ok([200, 400].includes(res.status), `key ${String(key)}: ${res.status} ${res.text}`);
    }
    await srv.healthy();
  });

  test('rows added behind the cursor during a walk do not cause duplicates', async () => {
    const seen = [];
    let r = await srv.api('GET', `${ORGS}?limit=100`);
    seen.push(...r.json.items.map((o) => o.id));
    const extra = await srv.api('POST', ORGS, { body: { name: 'Late Arrival', country: 'FR' } });
    assert.equal(extra.status, 201);
    while (r.json.next_cursor) {
      r = await srv.api('GET', `${ORGS}?limit=100&cursor=${r.json.next_cursor}`);
      seen.push(...r.json.items.map((o) => o.id));
    }
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(seen.length, N + 1, 'the new row (highest id) is reached at the end');
    assert.equal((await srv.api('DELETE', `${ORGS}/${extra.json.id}`)).status, 204);
  });
});
