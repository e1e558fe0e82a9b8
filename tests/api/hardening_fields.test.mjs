// Hardening (issue 16, item 8): fields that are the ministry's or the Committee's to
// record — an application's decided_on and committee_session, a document's published —
// are declared so; an NGO setting them gets 403 naming the field, and nothing changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

const ngo = (m, p, o = {}) => srv.api(m, p, { ...o, token: srv.tokens.ngo });
const officer = (m, p, o = {}) => srv.api(m, p, { ...o, token: srv.tokens.officer });

test("an NGO may not set its application's decided_on or committee_session (create or patch)", async () => {
  const A = '/api/v1/applications';
  const c = await ngo('POST', A, { body: { body: 'ECOSOC', requested_status: 'special', decided_on: '2026-07-01' } });
  assertProblem(c, 403, { fields: { decided_on: /ministry/ } });
  const app = await ngo('POST', A, { body: { body: 'ECOSOC', requested_status: 'special' } });
  assert.equal(app.status, 201, app.text);
  const etag = app.headers.get('etag');
  const p = await ngo('PATCH', `${A}/${app.json.id}`, { body: { committee_session: '2027 regular', notes: 'x' }, headers: { 'if-match': etag } });
  assertProblem(p, 403, { fields: { committee_session: /ministry/ } });
  const now = await ngo('GET', `${A}/${app.json.id}`);
  assert.equal(now.json.committee_session, null);
  assert.equal(now.json.notes, null, 'nothing of the refused patch was applied');
  // Sending the value it already has is no change, and is accepted.
  const same = await ngo('PATCH', `${A}/${app.json.id}`, { body: { committee_session: null, notes: 'ok' }, headers: { 'if-match': etag } });
  assert.equal(same.status, 200, same.text);
  // The ministry records them.
  const o = await officer('PATCH', `${A}/${app.json.id}`, { body: { committee_session: '2027 regular' } });
  assert.equal(o.status, 200, o.text);
  assert.equal(o.json.committee_session, '2027 regular');
});

test('an NGO may not publish or unpublish a document; the ministry does', async () => {
  const D = '/api/v1/documents';
  const c = await ngo('POST', D, { body: { kind: 'statement', published: true } });
  assertProblem(c, 403, { fields: { published: /ministry/ } });
  const doc = await ngo('POST', D, { body: { kind: 'statement' } });
  assert.equal(doc.status, 201, doc.text);
  assertProblem(await ngo('PATCH', `${D}/${doc.json.id}`, { body: { published: true } }), 403, { fields: { published: /ministry/ } });
  const pub = await officer('PATCH', `${D}/${doc.json.id}`, { body: { published: true } });
  assert.equal(pub.status, 200, pub.text);
  const un = await ngo('PATCH', `${D}/${doc.json.id}`, { body: { published: false } });
  assert.ok(un.status === 403, `${un.status} ${un.text}`);
  assert.equal((await officer('GET', `${D}/${doc.json.id}`)).json.published, true);
  // The OpenAPI document says who writes them.
  const spec = (await srv.api('GET', '/api/v1/openapi.json')).json;
  const schemas = spec.components.schemas;
  assert.equal(schemas.documents.properties.published['x-writers'], 'staff');
  assert.equal(schemas.applications.properties.decided_on['x-writers'], 'staff');
});
