// Hardening (issue 16, item 10): text that would mislead a reader. Attachment names with
// NUL, a right-to-left override or other control or format characters, and CR/LF in
// single-line fields (names, titles, cities) are refused with 422 naming the field; the
// long text fields keep their line breaks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ ngo: true });
});
after(() => srv?.stop());

const DOCS = '/api/v1/documents';
const pdf = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1');

test('attachment names with NUL, bidi overrides or other control and format characters are 422', async () => {
  const doc = await srv.api('POST', DOCS, { body: { kind: 'letter' } });
  assert.equal(doc.status, 201, doc.text);
  const at = `${DOCS}/${doc.json.id}/attachments`;
  const bad = [
    'report\u0000.exe.pdf',
    'invoice\u202Efdp.exe', // shows as "invoiceexe.pdf"
    'a\u2066b.pdf',
    'zero\u200Bwidth.pdf',
    'bom\uFEFF.pdf',
    'c1\u0085.pdf',
    'line\nbreak.pdf',
    'tab\there.pdf',
  ];
  for (const name of bad) {
    const r = await srv.api('POST', `${at}?filename=${encodeURIComponent(name)}`, {
      rawBody: pdf,
      headers: { 'content-type': 'application/pdf' },
    });
    assertProblem(r, 422, { fields: { filename: /character|line break/ } });
  }
  // Through Content-Disposition too.
  const cd = await srv.api('POST', at, {
    rawBody: pdf,
    headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('x\u202Etxt.pdf')}` },
  });
  assertProblem(cd, 422, { fields: { filename: /character/ } });
  const list = await srv.api('GET', `${at}?limit=500`);
  assert.equal(list.json.items.length, 0, 'nothing stored');
  const ok = await srv.api('POST', `${at}?filename=${encodeURIComponent('Письмо МИД № 5 (final).pdf')}`, {
    rawBody: pdf,
    headers: { 'content-type': 'application/pdf' },
  });
  assert.equal(ok.status, 201, ok.text);
});

test('CR or LF in a single-line field is 422; multi-line fields keep their line breaks', async () => {
  for (const [field, value] of [
    ['name', 'Line one\r\nInjected: header'],
    ['city', 'Moscow\nX'],
    ['acronym', 'AB\rC'],
    ['name', 'Para\u2029graph'],
  ]) {
    const r = await srv.api('POST', '/api/v1/organisations', { body: { name: 'Fine', country: 'FR', [field]: value } });
    assertProblem(r, 422, { fields: { [field]: /line/ } });
  }
  const patch = await srv.api('PATCH', `/api/v1/organisations/${srv.orgId}`, { body: { city: 'Paris\r\nEvil' } });
  assertProblem(patch, 422, { fields: { city: /line/ } });
  const ok = await srv.api('POST', '/api/v1/organisations', {
    body: { name: 'Multi', country: 'FR', description: 'First paragraph.\n\nSecond paragraph.' },
  });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.description, 'First paragraph.\n\nSecond paragraph.');
  // A C1 control character has no place in any text.
  const c1 = await srv.api('POST', '/api/v1/organisations', { body: { name: 'C1', country: 'FR', description: 'a\u0085b' } });
  assertProblem(c1, 422, { fields: { description: /control/ } });
});
