// Comments on a record (issue 17): the thread under the record's page, oldest first, each
// with its author and time; a box to add one for an officer, and for the representative
// of the organisation the record belongs to. An officer may mark a comment internal: the
// server then never shows it to the organisation (GET/POST /api/v1/comments).
import { h, clear, nextId } from '../dom.js';
import { api, resource, Problem } from '../api.js';
import { t, fmtDate } from '../i18n.js';
import { app } from '../state.js';
import { button, notice, problemNotice, errorMessage, loadInto } from '../ui.js';
import { mayWrite, owns } from './records.js';
import { keepDraft } from '../forms.js';

// Whether records of res take comments (the server's list of kinds).
export function commentable(res) {
  const c = resource('comments');
  return !!c && !!res && (c.field('about')?.enum || []).includes(res.name);
}

function mayComment(res, rec) {
  if (!mayWrite('/api/v1/comments', 'post')) return false;
  return app.me?.role !== 'ngo' || owns(res, rec);
}

export function commentsSection(res, rec) {
  const comments = resource('comments');
  const titleId = nextId('cm');
  const list = h('div', { class: 'comment-list' });
  const box = h('section', { class: 'panel comments', 'aria-labelledby': titleId }, h('h2', { id: titleId }, t('cm.title')), list);

  async function load() {
    const data = await loadInto(list, comments.path, { about: res.name, record_id: rec.id, limit: 500 });
    if (!data) return;
    const { items } = data;
    if (!items.length) {
      list.append(h('p', { class: 'muted' }, t('cm.none')));
      return;
    }
    list.append(
      h(
        'ol',
        { class: 'comment-thread' },
        items.map((c) =>
          h(
            'li',
            { class: ['comment', c.internal && 'comment-internal'] },
            h(
              'p',
              { class: 'comment-meta' },
              h('span', { class: 'comment-author' }, c.author_name || c.author || t('audit.system')),
              ' · ',
              h('time', { datetime: c.created_at }, fmtDate(c.created_at)),
              c.internal ? [' · ', h('span', { class: 'badge st-internal' }, t('cm.internal_badge'))] : null,
            ),
            String(c.text)
              .split(/\n{2,}/)
              .map((para) => h('p', { class: 'comment-text' }, para)),
          ),
        ),
      ),
    );
  }

  if (mayComment(res, rec)) box.append(commentForm(comments, res, rec, load));
  load();
  return box;
}

function commentForm(comments, res, rec, onAdded) {
  const ids = { text: nextId('cmt'), internal: nextId('cmi'), err: nextId('cme') };
  const text = h('textarea', { id: ids.text, name: 'text', rows: 3, required: true, maxlength: '4000' });
  const err = h('p', { id: ids.err, class: 'field-error', hidden: true });
  const internal = app.me?.role === 'ngo' ? null : h('input', { type: 'checkbox', id: ids.internal, name: 'internal' });
  const status = h('div', { class: 'comment-status', 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'comment-form',
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(status);
          err.hidden = true;
          text.removeAttribute('aria-invalid');
          text.removeAttribute('aria-describedby');
          const body = { about: res.name, record_id: rec.id, text: text.value };
          if (internal?.checked) body.internal = true;
          try {
            await api('POST', comments.path, { body });
          } catch (p) {
            const at = p instanceof Problem ? p.errors.find((x) => x.field === 'text') : null;
            if (at) {
              err.textContent = errorMessage(at);
              err.hidden = false;
              text.setAttribute('aria-invalid', 'true');
              text.setAttribute('aria-describedby', ids.err);
              text.focus();
            } else status.append(problemNotice(p));
            return;
          }
          text.value = '';
          if (internal) internal.checked = false;
          draft.dirty = false;
          status.append(notice('ok', t('cm.added')));
          onAdded();
        },
      },
    },
    h('div', { class: 'field' }, h('label', { for: ids.text }, t('cm.new')), text, err),
    internal ? h('div', { class: 'field field-check' }, internal, h('label', { for: ids.internal }, t('cm.internal'))) : null,
    h('div', { class: 'form-actions' }, button(t('cm.add'), null, { kind: 'primary', type: 'submit' })),
    status,
  );
  // A comment being typed when the session ends is kept for after signing in again.
  const draft = keepDraft(form, `comment:${res.name}:${rec.id}`, status);
  return form;
}
