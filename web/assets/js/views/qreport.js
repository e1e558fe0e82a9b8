// A quadrennial report and the Committee's questions on it (/accreditation-reports/{id}):
// the report, its outcome, each question with its answer; the organisation's
// representatives (and the ministry) answer there, the ministry records new questions.
// Notices of questions link here (docs/notifications.md). Also the page of all the
// user's notifications (/notifications), where a daily digest cut short sends the rest.
import { h, clear } from '../dom.js';
import { api, resource, Problem, roleAtLeast, minRole } from '../api.js';
import { t, fmtDate, fmtNumber, displayName } from '../i18n.js';
import { app } from '../state.js';
import { pageHeader, section, notice, problemNotice, loading, loadInto, button, badge, fieldList, deleteButton } from '../ui.js';
import { inlineForm } from '../forms.js';
import { titleOf } from '../config.js';

// May the signed-in user call this route (the server's least role for it)?
const mayWrite = (path, method) => {
  const min = minRole(path, method);
  return !!min && roleAtLeast(app.me?.role, min);
};

// The UI's page of a record of `type` (a resource name): "/accreditation-reports/7".
// Top-level collections have their segment; a report (a sub-record) has its own page.
export function recordHref(type, id) {
  const r = resource(type);
  return `/${r?.seg || String(type).replace(/_/g, '-')}/${id}`;
}

// Sub-records with a page of their own: the generic sub-record table links each row there.
export const SUB_PAGES = {
  accreditation_reports: { href: (r) => `/accreditation-reports/${r.id}`, label: (r) => t('qr.crumb', { period: `${r.period_start}–${r.period_end}` }) },
};

const QPATH = (id) => `/api/v1/accreditation-reports/${id}/questions`;
// The outcomes under which the Committee still asks (the server says so too).
const CONSIDERING = ['pending', 'deferred'];

export async function reportView({ main, params }) {
  const id = Number(params.id);
  main.append(loading());
  let rep, acc, questions, org;
  try {
    ({ data: rep } = await api('GET', `/api/v1/accreditation-reports/${id}`));
    [{ data: acc }, { data: questions }] = await Promise.all([
      api('GET', `/api/v1/accreditations/${rep.accreditation_id}`),
      api('GET', QPATH(id), { query: { limit: 200 } }),
    ]);
    org = await api('GET', `/api/v1/organisations/${acc.organisation_id}`).then(({ data }) => data, () => null);
  } catch (p) {
    clear(main).append(pageHeader(t('qr.unavailable')), p instanceof Problem && p.status === 404 ? notice('error', t('err.404')) : problemNotice(p));
    return;
  }
  const period = `${rep.period_start}–${rep.period_end}`;
  const me = app.me;
  const own = me?.role === 'ngo' && me.organisation_id === acc.organisation_id;
  const staff = roleAtLeast(me?.role, 'officer');
  const mayAnswer = (own || staff) && mayWrite(`${QPATH('{id}')}/{subid}`, 'patch');
  const mayAsk = staff && CONSIDERING.includes(rep.outcome) && mayWrite(QPATH('{id}'), 'post');
  const qRes = resource('report_questions');
  const repRes = resource('accreditation_reports');

  clear(main);
  const orgHref = `/organisations/${acc.organisation_id}`;
  const crumbs = [
    [own ? t('nav.my_org') : org ? displayName(org) : t('qr.organisation'), orgHref],
    [titleOf('accreditations', acc), `/accreditations/${acc.id}`],
    [t('qr.crumb', { period })],
  ];
  main.append(
    pageHeader(t('qr.title', { period }), {
      crumbs,
      sub: h('span', null, titleOf('accreditations', acc), ' · ', t('f.outcome'), ': ', badge(rep.outcome)),
    }),
  );
  const status = h('div', { 'aria-live': 'polite' });
  main.append(status);
  main.append(h('div', { class: 'panel' }, repRes ? fieldList(repRes, rep, ['period_start', 'period_end', 'submitted_on', 'outcome', 'notes']) : null));

  const list = h('div', { class: 'questions' });
  const formBox = h('div', { class: 'inline-form' });
  const qs = section(t('qr.questions'), formBox, list);
  main.append(qs);
  const reload = async () => {
    const { data } = await api('GET', QPATH(id), { query: { limit: 200 } });
    questions = data;
    draw();
  };
  const openForm = (q, fields, title, after) =>
    inlineForm(formBox, qRes, { record: q, path: QPATH(id), fields, title, back: after, submitLabel: q ? t('qr.save_answer') : t('qr.ask'), onSaved: reload });
  if (mayAsk) {
    const add = button(t('qr.add'), () => openForm(null, ['question', 'asked_on', 'asked_at_session'], t('qr.add'), add), { kind: 'small' });
    qs.querySelector('h2').after(h('div', { class: 'panel-actions' }, add));
  }

  function draw() {
    const open = questions.items.filter((q) => !q.answer).length;
    clear(status);
    if (rep.outcome === 'deferred' && open) status.append(notice('warn', t('qr.open', { n: fmtNumber(open) })));
    clear(list);
    if (!questions.items.length) {
      list.append(h('p', { class: 'muted' }, t('qr.none')));
      return;
    }
    list.append(
      h(
        'ol',
        { class: 'question-list' },
        questions.items.map((q, i) => {
          const asked = [t('qr.asked_on', { date: fmtDate(q.asked_on) })];
          if (q.session) asked.push(t(q.session.part === 'resumed' ? 'qr.at_resumed' : 'qr.at_regular', { year: String(q.session.year) }));
          const answerBtn = mayAnswer ? button(q.answer ? t('qr.change_answer') : t('qr.answer'), () => openForm(q, ['answer'], t('qr.answer_to', { n: i + 1 }), answerBtn), { kind: q.answer ? 'small' : 'primary' }) : null;
          const del = staff && mayWrite(`${QPATH('{id}')}/{subid}`, 'delete') ? deleteButton(QPATH(id), q, { onDone: reload, errorBox: list }) : null;
          return h(
            'li',
            { class: ['question', q.answer ? 'answered' : 'unanswered'], id: `q-${q.id}` },
            h('h3', null, t('qr.question_n', { n: i + 1 })),
            h('p', { class: 'question-text' }, q.question),
            h('p', { class: 'muted' }, asked.join(' · ')),
            q.answer
              ? h('div', { class: 'answer' }, h('h4', null, t('f.answer')), h('p', null, q.answer), q.answered_on ? h('p', { class: 'muted' }, t('qr.answered_on', { date: fmtDate(q.answered_on) })) : null)
              : h('p', null, badge('unanswered')),
            answerBtn || del ? h('div', { class: 'row-actions' }, answerBtn, del) : null,
          );
        }),
      ),
    );
  }
  draw();
}

/* ---- every notification of the signed-in user ---------------------------------------- */

export async function notificationsView({ main }) {
  main.append(pageHeader(t('notif.title')));
  const box = h('div');
  main.append(box);
  const pages = [null]; // cursors of the pages seen
  async function load(page) {
    const data = await loadInto(box, 'notifications', { limit: 50, cursor: pages[page] || undefined });
    if (!data) return;
    if (!data.items.length) {
      box.append(h('p', { class: 'muted' }, t('notif.none')));
      return;
    }
    pages[page + 1] = data.next_cursor;
    box.append(
      h('p', { class: 'muted' }, t('notif.unread', { n: fmtNumber(data.unread) })),
      h(
        'ul',
        { class: 'notification-list' },
        data.items.map((n) =>
          h(
            'li',
            { class: n.read ? 'read' : 'unread' },
            h('a', { href: n.link || '/', on: { click: () => (n.read ? null : api('POST', `notifications/${n.id}/read`).catch(() => {})) } }, n.title),
            n.read ? null : [' ', badge('unread')],
            n.detail ? h('p', null, n.detail) : null,
            h('p', { class: 'muted' }, fmtDate(n.created_at), n.due_on ? [' · ', t('notif.due', { date: fmtDate(n.due_on) })] : null),
          ),
        ),
      ),
      h(
        'nav',
        { class: 'pager', 'aria-label': t('list.pages') },
        page > 0 ? button(t('list.prev'), () => load(page - 1)) : null,
        data.next_cursor ? button(t('list.next'), () => load(page + 1)) : null,
      ),
    );
  }
  await load(0);
}
