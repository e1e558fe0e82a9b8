// The calendar as a calendar program reads it: a meeting is an event at its time (UTC, as
// stored) and place, a delegation spans its days, a deadline is a day. Both /calendar.ics
// and the per-user feed /calendar/feed.ics, parsed property by property (RFC 5545 §3.1:
// unfolded, parameters split from the value, TEXT unescaped).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const srv = await startServer();
after(() => srv.stop());
const officer = (m, p, o = {}) => srv.api(m, p, { token: srv.tokens.officer, ...o });

async function created(path, body) {
  const r = await officer('POST', path, { body });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

// The VEVENTs of an iCalendar text, each a map from property name to
// { params: {NAME: value}, value } (the last one of a name wins; none here repeat).
function parseEvents(text) {
  assert.ok(!/(^|[^\r])\n/.test(text), 'every line ends in CRLF');
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
  const events = [];
  let ev = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') ev = {};
    else if (line === 'END:VEVENT') {
      events.push(ev);
      ev = null;
    } else if (ev) {
      const m = /^([A-Z-]+)((?:;[A-Z-]+=[^;:]*)*):(.*)$/.exec(line);
      assert.ok(m, `a content line: ${line}`);
      const params = {};
      for (const p of m[2].split(';').slice(1)) {
        const [k, v] = p.split('=');
        params[k] = v;
      }
      const value = m[3].replace(/\\([\\;,nN])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));
      ev[m[1]] = { params, value };
    }
  }
  assert.equal(ev, null, 'every VEVENT ends');
  return events;
}

const byUid = (events, re) => {
  const found = events.filter((e) => re.test(e.UID.value));
  assert.equal(found.length, 1, `one event with a UID like ${re}: ${events.map((e) => e.UID.value).join(', ')}`);
  return found[0];
};

// A date-time in UTC form (RFC 5545 §3.3.5 form #2), never floating or all-day.
function assertUtc(prop, expected, what) {
  assert.ok(prop, `${what} is there`);
  assert.equal(prop.params.VALUE, undefined, `${what} is a date-time, not a date`);
  assert.equal(prop.params.TZID, undefined, `${what} is in UTC, without a zone`);
  assert.equal(prop.value, expected, what);
}

function assertDay(prop, expected, what) {
  assert.ok(prop, `${what} is there`);
  assert.equal(prop.params.VALUE, 'DATE', `${what} is a day`);
  assert.equal(prop.value, expected, what);
}

const ymd = (d) => d.toISOString().slice(0, 10);
const compact = (s) => s.replace(/[-:]/g, '');

describe('calendar.ics', () => {
  test('a meeting has its start, end and place; a meeting without an end starts at its time', async () => {
    const m = await created('/api/v1/meetings', {
      kind: 'annual_ministerial',
      title: 'Встреча Министра с НКО',
      starts_at: '2031-12-13T10:00:00Z',
      ends_at: '2031-12-13T13:30:00Z',
      location: 'МИД России, Смоленская-Сенная пл., 32/34; зал 2',
    });
    // Given with an offset: stored (and served) in UTC.
    const late = await created('/api/v1/meetings', {
      kind: 'consultation',
      title: 'Consultation',
      starts_at: '2031-12-14T23:30:00+03:00',
    });
    assert.equal(late.starts_at, '2031-12-14T20:30:00Z');
    const r = await officer('GET', '/calendar.ics?from=2031-12-01&to=2031-12-31');
    assert.equal(r.status, 200, r.text);
    const events = parseEvents(r.text);
    const ev = byUid(events, new RegExp(`^meeting-${m.id}-`));
    assertUtc(ev.DTSTART, '20311213T100000Z', 'DTSTART');
    assertUtc(ev.DTEND, '20311213T133000Z', 'DTEND');
    assert.equal(ev.LOCATION?.value, 'МИД России, Смоленская-Сенная пл., 32/34; зал 2');
    assert.equal(ev.SUMMARY.value, 'Встреча Министра с НКО');
    assert.equal(ev.TRANSP.value, 'OPAQUE', 'a meeting takes the time');

    const ev2 = byUid(events, new RegExp(`^meeting-${late.id}-`));
    assertUtc(ev2.DTSTART, '20311214T203000Z', 'DTSTART of a meeting given with an offset');
    assert.equal(ev2.DTEND, undefined, 'no end invented');
    assert.equal(ev2.DURATION, undefined, 'no duration invented');
    assert.equal(ev2.LOCATION, undefined, 'no place: no LOCATION');
  });

  test('deadlines stay days; a delegation spans its days', async () => {
    const m = await created('/api/v1/meetings', { kind: 'departmental', title: 'Dept', starts_at: '2032-03-02T09:00:00Z' });
    const act = await created(`/api/v1/meetings/${m.id}/actions`, { text: 'Подготовить реестр', due_on: '2032-03-10' });
    const rep = await created('/api/v1/reports', { kind: 'upr_submission', title: 'UPR 2032', deadline_on: '2032-03-15' });
    const del = await created('/api/v1/delegations', { forum: 'UNHRC 49', body: 'UNHRC', starts_on: '2032-03-20', ends_on: '2032-03-31' });
    const r = await officer('GET', '/calendar.ics?from=2032-03-01&to=2032-03-31');
    assert.equal(r.status, 200, r.text);
    const events = parseEvents(r.text);
    const a = byUid(events, new RegExp(`^action_due-${act.id}-`));
    assertDay(a.DTSTART, '20320310', 'an action item due');
    assertDay(a.DTEND, '20320311', 'its end, the day after');
    assert.equal(a.TRANSP.value, 'TRANSPARENT');
    const d = byUid(events, new RegExp(`^report_deadline-${rep.id}-`));
    assertDay(d.DTSTART, '20320315', 'a report deadline');
    assertDay(d.DTEND, '20320316', 'its end');
    const g = byUid(events, new RegExp(`^delegation-${del.id}-`));
    assertDay(g.DTSTART, '20320320', 'a delegation starts');
    assertDay(g.DTEND, '20320401', 'and ends after its last day (DTEND is exclusive)');
    // The body's filing deadline (a ledger item) is a day too.
    const body = await officer('GET', '/calendar.ics?from=2032-06-01&to=2032-06-01');
    const f = parseEvents(body.text).find((e) => /^filing_deadline-/.test(e.UID.value));
    assert.ok(f, 'a filing deadline on 1 June');
    assertDay(f.DTSTART, '20320601', 'a filing deadline');
  });
});

describe('calendar/feed.ics', () => {
  test('the subscription feed has the meeting at its time and place too', async () => {
    const start = new Date(Date.now() + 20 * 86400e3);
    const day = ymd(start);
    const m = await created('/api/v1/meetings', {
      kind: 'dialogue',
      title: 'Диалог',
      starts_at: `${day}T07:15:00Z`,
      ends_at: `${day}T08:45:00Z`,
      location: 'Geneva, Palais des Nations',
    });
    const k = await officer('POST', '/api/v1/me/calendar');
    assert.equal(k.status, 201, k.text);
    const feed = await srv.api('GET', k.json.url, { token: null });
    assert.equal(feed.status, 200, feed.text);
    const ev = byUid(parseEvents(feed.text), new RegExp(`^meeting-${m.id}-`));
    assertUtc(ev.DTSTART, `${compact(day)}T071500Z`, 'DTSTART');
    assertUtc(ev.DTEND, `${compact(day)}T084500Z`, 'DTEND');
    assert.equal(ev.LOCATION?.value, 'Geneva, Palais des Nations');
  });
});
