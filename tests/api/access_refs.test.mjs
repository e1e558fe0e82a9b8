// References do not leak existence: an NGO naming a record it may not see gets the same
// answer as for a record that does not exist.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(async () => {
  await srv?.stop();
});

test('a proposal naming an unpublished meeting is refused like one naming no meeting', async () => {
  const hidden = await srv.api('POST', '/api/v1/meetings', {
    token: srv.tokens.officer,
    body: { kind: 'departmental', title: 'Internal planning', starts_at: '2026-12-01T10:00:00Z', published: false },
  });
  assert.equal(hidden.status, 201, hidden.text);
  const shown = await srv.api('POST', '/api/v1/meetings', {
    token: srv.tokens.officer,
    body: { kind: 'annual_ministerial', title: 'Annual meeting', starts_at: '2026-12-13T10:00:00Z', published: true },
  });
  assert.equal(shown.status, 201, shown.text);

  const propose = (meeting_id) =>
    srv.api('POST', '/api/v1/proposals', {
      token: srv.tokens.ngo,
      body: { title: 'Joint proposal', text: 'Text', organisation_ids: [srv.orgId], meeting_id },
    });
  const missing = assertProblem(await propose(999999), 422, { fields: { meeting_id: /no meeting with id 999999/ } });
  const secret = assertProblem(await propose(hidden.json.id), 422, { fields: { meeting_id: /^no meeting with id \d+$/ } });
  assert.equal(secret.errors[0].message, missing.errors[0].message.replace('999999', String(hidden.json.id)));
  // An officer may reference it; the NGO may reference what it can see.
  assert.equal((await propose(shown.json.id)).status, 201);
  const officer = await srv.api('POST', '/api/v1/proposals', {
    token: srv.tokens.officer,
    body: { title: 'Staff', organisation_ids: [srv.orgId], meeting_id: hidden.json.id },
  });
  assert.equal(officer.status, 201, officer.text);
});

test('bodies are reference data: everyone signed in reads them, only administrators change them', async () => {
  const list = await srv.api('GET', '/api/v1/bodies?code=ECOSOC', { token: srv.tokens.ngo });
  assert.equal(list.status, 200);
  const ecosoc = list.json.items[0];
  assert.ok(ecosoc, 'ECOSOC is seeded');
  const patch = (token) =>
    srv.api('PATCH', `/api/v1/bodies/${ecosoc.id}`, { token, body: { name: ecosoc.name + ' ' } });
  assertProblem(await patch(srv.tokens.officer), 403, { detail: /only administrators/ });
  assertProblem(await patch(srv.tokens.ngo), 403);
  assertProblem(
    await srv.api('POST', '/api/v1/bodies', { token: srv.tokens.officer, body: { code: 'XX_TEST', name: 'Test body' } }),
    403,
  );
  const ok = await patch(srv.tokens.admin);
  assert.equal(ok.status, 200, ok.text);
});
