// Proposals and reports: both state machines, every legal move and the illegal ones
// (409 listing the legal), history on the record, the ministry's response, and word limits
// counted in English and in Russian — a warning on the record, 422 on the move to
// "submitted".
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertProblem } from './lib/server.mjs';

const srv = await startServer({ ngo: true });
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });
const ngo = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.ngo, ...o });
const P = '/api/v1/proposals';
const R = '/api/v1/reports';

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}
const move = (path, to, who = officer) => who('POST', `${path}/transitions`, { body: { to, note: `to ${to}` } });

// n words: English ones, or Russian ones (each a Cyrillic word; punctuation is not a word).
const english = (n) => Array.from({ length: n }, (_, i) => (i % 12 === 11 ? 'rights.' : 'human')).join(' ');
const russian = (n) => Array.from({ length: n }, (_, i) => (i % 9 === 8 ? 'человека —' : 'права')).join(' ');

let org, org2, meeting;
before(async () => {
  org = srv.orgId;
  org2 = (await created('/api/v1/organisations', { name: 'Ассоциация «Диалог»', country: 'RU' })).id;
  // HRC written statements are submitted by organisations in ECOSOC status (issue 14)
  await created('/api/v1/accreditations', { organisation_id: org, body: 'ECOSOC', status: 'special', granted_on: '2012-07-01' });
  meeting = (await created('/api/v1/meetings', { kind: 'annual_ministerial', title: 'Annual', starts_at: '2016-12-13T10:00:00Z' })).id;
});

describe('proposals', () => {
  let p;
  test('a joint proposal raised at a meeting starts as received', async () => {
    p = await created(P, {
      title: 'Реестр мемориальных объектов за рубежом',
      text: 'Вести общий реестр вместе с посольствами.',
      organisation_ids: [org, org2],
      meeting_id: meeting,
      area: 'heritage',
      addressed_to: 'Департамент',
    });
    assert.equal(p.state, 'received');
    assert.deepEqual(p.organisation_ids, [org, org2]);
    assert.deepEqual(p.history, []);
    assertProblem(await officer('POST', P, { body: { title: 'x', organisation_ids: [org], state: 'accepted' } }), 422, {
      fields: { state: /set by the server/ },
    });
    assertProblem(await officer('POST', P, { body: { title: 'x', organisation_ids: [] } }), 422, {
      fields: { organisation_ids: /at least one/ },
    });
    assertProblem(await officer('POST', P, { body: { title: 'x', organisation_ids: [org, org] } }), 422, {
      fields: { organisation_ids: /twice/ },
    });
  });

  test('illegal moves are 409 listing the legal ones; state cannot be PATCHed', async () => {
    let r = await move(`${P}/${p.id}`, 'accepted');
    let prob = assertProblem(r, 409);
    assert.deepEqual(prob.allowed, ['under_review']);
    r = await move(`${P}/${p.id}`, 'implemented');
    assertProblem(r, 409);
    assertProblem(await move(`${P}/${p.id}`, 'no_such_state'), 409);
    assertProblem(await officer('PATCH', `${P}/${p.id}`, { body: { state: 'accepted' } }), 422, { fields: { state: /server/ } });
    r = await move(`${P}/${p.id}`, 'under_review');
    assert.equal(r.status, 200, r.text);
    r = await move(`${P}/${p.id}`, 'received');
    prob = assertProblem(r, 409);
    assert.deepEqual(prob.allowed.sort(), ['accepted', 'declined', 'partially_accepted']);
  });

  test('an answer needs the response on record; who answered and when are kept', async () => {
    assertProblem(await move(`${P}/${p.id}`, 'partially_accepted'), 422, { fields: { response: /response/ } });
    const got = await officer('GET', `${P}/${p.id}`);
    assert.equal(got.json.state, 'under_review');
    const patched = await officer('PATCH', `${P}/${p.id}`, {
      body: { response: 'Принято частично: реестр ведёт рабочая группа.', answered_by: 'Заместитель Министра' },
    });
    assert.equal(patched.status, 200, patched.text);
    const r = await move(`${P}/${p.id}`, 'partially_accepted');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.answered_by, 'Заместитель Министра');
    assert.match(r.json.answered_on, /^\d{4}-\d{2}-\d{2}$/);
    const done = await move(`${P}/${p.id}`, 'implemented');
    assert.equal(done.json.state, 'implemented');
    assert.deepEqual(
      done.json.history.map((h) => [h.from, h.to, h.note, h.by.email]),
      [
        ['received', 'under_review', 'to under_review', 'officer@test.example'],
        ['under_review', 'partially_accepted', 'to partially_accepted', 'officer@test.example'],
        ['partially_accepted', 'implemented', 'to implemented', 'officer@test.example'],
      ],
    );
    const prob = assertProblem(await move(`${P}/${p.id}`, 'declined'), 409);
    assert.deepEqual(prob.allowed, []);
  });

  test('every other legal path: accepted → implemented, declined (final)', async () => {
    const a = await created(P, { title: 'A', organisation_ids: [org2], response: 'Yes' });
    assert.equal((await move(`${P}/${a.id}`, 'under_review')).status, 200);
    assert.equal((await move(`${P}/${a.id}`, 'accepted')).status, 200);
    assert.equal((await move(`${P}/${a.id}`, 'implemented')).json.state, 'implemented');
    const d = await created(P, { title: 'D', organisation_ids: [org2], response: 'No' });
    await move(`${P}/${d.id}`, 'under_review');
    assert.equal((await move(`${P}/${d.id}`, 'declined')).json.state, 'declined');
    assertProblem(await move(`${P}/${d.id}`, 'implemented'), 409);
  });

  test('the ngo sees its own proposals only, and cannot answer them', async () => {
    const mine = (await ngo('GET', P)).json.items.map((x) => x.id);
    assert.ok(mine.includes(p.id));
    const others = (await officer('GET', `${P}?organisation_ids=${org2}`)).json.items.filter((x) => !x.organisation_ids.includes(org));
    assert.ok(others.length >= 2);
    for (const x of others) assert.ok(!mine.includes(x.id));
    const fresh = await created(P, { title: 'F', organisation_ids: [org] });
    const r = await move(`${P}/${fresh.id}`, 'under_review', ngo);
    // the move exists, but none is the ngo's to make: 409 listing what it may do (nothing)
    assertProblem(r, 409);
    assert.deepEqual(r.json.allowed, []);
    assert.equal((await officer('GET', `${P}/${fresh.id}`)).json.state, 'received');
  });
});

describe('reports', () => {
  test('the report state machine: draft → in_review → submitted → published, back to draft, withdrawn', async () => {
    const r1 = await created(R, { kind: 'monitoring', title: 'Monitoring', organisation_ids: [org], subject_country: 'EE' });
    assert.equal(r1.state, 'draft');
    assert.equal(r1.word_limit, null);
    assertProblem(await move(`${R}/${r1.id}`, 'submitted'), 409);
    assert.equal((await move(`${R}/${r1.id}`, 'in_review')).status, 200);
    assert.equal((await move(`${R}/${r1.id}`, 'draft')).status, 200);
    await move(`${R}/${r1.id}`, 'in_review');
    const sub = await move(`${R}/${r1.id}`, 'submitted');
    assert.equal(sub.status, 200, sub.text);
    assert.match(sub.json.submitted_on, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal((await move(`${R}/${r1.id}`, 'published')).json.state, 'published');
    const prob = assertProblem(await move(`${R}/${r1.id}`, 'withdrawn'), 409);
    assert.deepEqual(prob.allowed, []); // published is final
    const r2 = await created(R, { kind: 'other', title: 'To withdraw' });
    assert.equal((await move(`${R}/${r2.id}`, 'withdrawn')).json.state, 'withdrawn');
    assertProblem(await move(`${R}/${r2.id}`, 'draft'), 409);
    assertProblem(await officer('POST', R, { body: { kind: 'x', title: 'y', subject_country: 'XX' } }), 422, {
      fields: { kind: /allowed/, subject_country: /ISO 3166/ },
    });
    assertProblem(await officer('POST', R, { body: { kind: 'other', title: 'y', target_body: 'NOPE' } }), 422, {
      fields: { target_body: /no body with code NOPE/ },
    });
  });

  test('recommendations are a sub-resource with text and addressee', async () => {
    const rep = await created(R, { kind: 'human_rights', title: 'Доклад' });
    const rec = await created(`${R}/${rep.id}/recommendations`, { text: 'Обеспечить обучение на родном языке', addressee: 'Правительство' });
    assert.equal(rec.report_id, rep.id);
    assertProblem(await officer('POST', `${R}/${rep.id}/recommendations`, { body: { addressee: 'x' } }), 422, { fields: { text: /required/ } });
    const list = await officer('GET', `${R}/${rep.id}/recommendations`);
    assert.deepEqual(list.json.items.map((x) => x.addressee), ['Правительство']);
  });

  for (const [lang, words] of [['English', english], ['Russian', russian]]) {
    test(`HRC written statement in ${lang}: 1,500 words pass, 1,501 warn and cannot be submitted`, async () => {
      const rep = await created(R, {
        kind: 'written_statement',
        title: `Statement (${lang})`,
        target_body: 'UNHRC',
        organisation_ids: [org],
        text: words(1501),
      });
      assert.equal(rep.word_count, 1501);
      assert.equal(rep.word_limit, 1500);
      assert.match(rep.word_limit_rule, /2,000 words for organisations in ECOSOC general status, 1,500 otherwise/);
      assert.equal(rep.warnings.length, 1);
      assert.match(rep.warnings[0], /1501 words, over the limit of 1500/);
      await move(`${R}/${rep.id}`, 'in_review');
      assertProblem(await move(`${R}/${rep.id}`, 'submitted'), 422, { fields: { text: /1501 words, over the limit of 1500/ } });
      const still = await officer('GET', `${R}/${rep.id}`);
      assert.equal(still.json.state, 'in_review');
      assert.equal(still.json.submitted_on, null);
      const fixed = await officer('PATCH', `${R}/${rep.id}`, { body: { text: words(1500) } });
      assert.equal(fixed.json.word_count, 1500);
      assert.deepEqual(fixed.json.warnings, []);
      assert.equal((await move(`${R}/${rep.id}`, 'submitted')).status, 200);
    });
  }

  test('an author in ECOSOC general status has 2,000 words', async () => {
    const acc = await officer('POST', '/api/v1/accreditations', {
      body: { organisation_id: org2, body: 'ECOSOC', status: 'general', granted_on: '2010-07-01' },
    });
    assert.equal(acc.status, 201, acc.text);
    const rep = await created(R, { kind: 'written_statement', title: 'General', target_body: 'UNHRC', organisation_ids: [org2], text: russian(1900) });
    assert.equal(rep.word_count, 1900);
    assert.equal(rep.word_limit, 2000);
    assert.deepEqual(rep.warnings, []);
    await move(`${R}/${rep.id}`, 'in_review');
    assert.equal((await move(`${R}/${rep.id}`, 'submitted')).status, 200);
  });

  test('a written statement by an author without ECOSOC status cannot be submitted (422 naming it)', async () => {
    const none = (await created('/api/v1/organisations', { name: 'Без статуса', country: 'RU' })).id;
    const rep = await created(R, { kind: 'written_statement', title: 'Joint', target_body: 'UNHRC', organisation_ids: [org, none], text: english(100) });
    await move(`${R}/${rep.id}`, 'in_review');
    assertProblem(await move(`${R}/${rep.id}`, 'submitted'), 422, { fields: { organisation_ids: new RegExp(`organisation ${none} holds no active ECOSOC status`) } });
    assert.equal((await officer('GET', `${R}/${rep.id}`)).json.state, 'in_review');
    await officer('PATCH', `${R}/${rep.id}`, { body: { organisation_ids: [org] } });
    assert.equal((await move(`${R}/${rep.id}`, 'submitted')).status, 200);
  });

  test('the word limits are for written statements, not every report to the HRC', async () => {
    const rep = await created(R, { kind: 'human_rights', title: 'Long', target_body: 'UNHRC', organisation_ids: [org], text: english(3000) });
    assert.equal(rep.word_limit, null);
    assert.deepEqual(rep.warnings, []);
  });

  test('UPR submissions: 2,815 words alone, 5,630 jointly; recommendations count', async () => {
    const solo = await created(R, { kind: 'upr_submission', title: 'UPR solo', target_body: 'UNHRC', organisation_ids: [org], text: russian(2814) });
    assert.equal(solo.word_limit, 2815);
    assert.deepEqual(solo.warnings, []);
    await created(`${R}/${solo.id}/recommendations`, { text: 'Ratify it', addressee: 'Government' });
    const again = await officer('GET', `${R}/${solo.id}`);
    assert.equal(again.json.word_count, 2816);
    assert.equal(again.json.warnings.length, 1);
    await move(`${R}/${solo.id}`, 'in_review');
    assertProblem(await move(`${R}/${solo.id}`, 'submitted'), 422, { fields: { text: /2816 words/ } });
    const joint = await created(R, { kind: 'upr_submission', title: 'UPR joint', organisation_ids: [org, org2], text: english(5000) });
    assert.equal(joint.word_limit, 5630);
    assert.deepEqual(joint.warnings, []);
  });

  test('lists filter by state, kind, author and deadline range; the ngo sees its own', async () => {
    const d = await created(R, { kind: 'shadow_report', title: 'Deadline', organisation_ids: [org2], deadline_on: '2031-03-15' });
    let r = await officer('GET', `${R}?from=2031-03-01&to=2031-03-31`);
    assert.deepEqual(r.json.items.map((x) => x.id), [d.id]);
    r = await officer('GET', `${R}?kind=upr_submission&organisation_ids=${org2}`);
    assert.deepEqual(r.json.items.map((x) => x.title), ['UPR joint']);
    r = await officer('GET', `${R}?state=published`);
    assert.equal(r.json.items.length, 1);
    const own = (await ngo('GET', R)).json.items;
    assert.ok(own.length > 0);
    for (const x of own) assert.ok(x.organisation_ids.includes(org), JSON.stringify(x));
    assertProblem(await ngo('GET', `${R}/${d.id}`), 404);
  });
});
