// CSV for Excel (issue 17): bom=true starts the file with a UTF-8 byte order mark, so
// Excel reads Cyrillic names correctly; without it the CSV is as before.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());

test('bom=true puts a UTF-8 BOM before the header; the default has none', async () => {
  const c = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Фонд «Наследие»', country: 'RU' } });
  assert.equal(c.status, 201, c.text);
  const get = async (q) => {
    const res = await fetch(`${srv.url}/api/v1/organisations?format=csv${q}`, { headers: { authorization: `Bearer ${srv.tokens.admin}` } });
    assert.equal(res.status, 200);
    return Buffer.from(await res.arrayBuffer());
  };
  const withBom = await get('&bom=true');
  assert.deepEqual([...withBom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(withBom.subarray(3).toString('utf8'), /^id,name,/);
  assert.match(withBom.toString('utf8'), /Фонд «Наследие»/);
  const plain = await get('');
  assert.match(plain.toString('utf8'), /^id,name,/);
  // Only a CSV gets one: JSON stays JSON.
  const json = Buffer.from(await (await fetch(`${srv.url}/api/v1/organisations?format=json&bom=true`, { headers: { authorization: `Bearer ${srv.tokens.admin}` } })).arrayBuffer());
  assert.notEqual(json[0], 0xef);
  JSON.parse(json.toString('utf8'));
});
