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
