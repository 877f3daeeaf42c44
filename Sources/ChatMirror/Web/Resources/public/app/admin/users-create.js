// Create one or many users: one per line or CSV; nothing is kept unless every line succeeds; generated
// passwords are shown once.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { copyText } from '/common/clipboard.js';
import { pageHeader, card, table } from './page-parts.js';
import { field, select, textArea, formMessage, say, clearErrors, showFieldError } from './fields.js';
import { parseUserLines } from './user-lines.js';
import { createAllOrNothing } from './bulk.js';
import { describeError, fieldOf } from './errors.js';
import { toast } from './toast.js';

const ROLES = [['user', 'admin.value.user'], ['admin', 'admin.value.admin']];
export const ACCESS_MODES = [['shared', 'admin.value.shared'], ['dedicated', 'admin.value.dedicated'],
  ['mixed', 'admin.value.mixed']];

async function takenUsernames(entries) {
  const taken = [];
  for (const entry of entries) {
    const data = await api.get(`/api/admin/users?${new URLSearchParams({ q: entry.username, limit: 200 })}`);
    if (data.users.some((u) => u.username.toLowerCase() === entry.username.toLowerCase())) taken.push(entry);
  }
  return taken;
}

function problemList(problems) {
  return h('ul', { class: 'line-report', id: 'bulk-report' },
    ...problems.map((p) => h('li', { class: p.ok ? 'line-ok' : 'line-bad' },
      h('strong', { text: t('admin.bulk.line', { line: p.line }) }), ' ', p.text)));
}

function createdTable(results, entries) {
  const rows = results.map((created, i) => h('tr', { dataset: { username: created.user.username } },
    h('td', {}, h('a', { href: `/admin/users/${created.user.id}`, text: created.user.username })),
    h('td', { text: created.user.display_name }),
    h('td', {}, created.password
      ? h('code', { class: 'secret', dataset: { generatedPassword: created.user.username }, text: created.password })
      : h('span', { class: 'muted', text: entries[i].password ? t('admin.users.password_given') : '' }))));
  return table([t('admin.users.username'), t('admin.users.display_name'), t('admin.users.password')], h('tbody', {}, rows),
    { id: 'created-users' });
}

function csvOf(results, entries) {
  return results.map((c, i) => [c.user.username, c.user.display_name, c.password || entries[i].password].join(','))
    .join('\n');
}

/** Draws the page. */
export function renderUsersCreatePage(container) {
  const lines = textArea('', { rows: 8, class: 'mono', spellcheck: 'false',
    placeholder: 'alice\nbob,Bob Li\ncarol,Carol,her-own-password' });
  const form = h('form', { class: 'stack', novalidate: true, id: 'users-create-form' },
    formMessage(),
    field('lines', 'admin.users.lines', lines, 'admin.users.lines_hint'),
    h('div', { class: 'field-row' },
      field('role', 'admin.users.role', select(ROLES, 'user')),
      field('access_mode', 'admin.users.access_mode', select(ACCESS_MODES, 'shared'), 'admin.users.access_mode_hint')),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'users-create-submit', text: t('admin.users.create_submit') })));
  const output = h('div', { id: 'users-create-output', class: 'narrow' });
  container.append(
    pageHeader({ title: t('admin.users.create_title'), back: { href: '/admin/users', label: t('admin.nav.users') } }),
    card(null, form), output);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    output.replaceChildren();
    const { entries, problems } = parseUserLines(lines.value);
    if (entries.length === 0) { showFieldError(form, 'lines', t('admin.users.lines_empty')); return; }
    if (problems.length) {
      say(form, t('admin.bulk.nothing_saved'));
      output.append(card(t('admin.bulk.report'), problemList(problems)));
      return;
    }
    const button = form.querySelector('#users-create-submit');
    button.disabled = true;
    try {
      const taken = await takenUsernames(entries);
      if (taken.length) {
        say(form, t('admin.bulk.nothing_saved'));
        output.append(card(t('admin.bulk.report'), problemList(taken.map((e) => ({ line: e.line,
          text: t('admin.bulk.taken', { name: e.username }) })))));
        return;
      }
      const shared = { role: form.elements.role.value, access_mode: form.elements.access_mode.value };
      const outcome = await createAllOrNothing(entries,
        (e) => api.post('/api/admin/users', { username: e.username, ...shared,
          ...(e.display_name ? { display_name: e.display_name } : {}), ...(e.password ? { password: e.password } : {}) }),
        (created) => api.delete(`/api/admin/users/${created.user.id}`),
        (i, n) => { button.textContent = t('admin.bulk.progress', { done: i, total: n }); });
      if (!outcome.ok) {
        const name = fieldOf(outcome.error);
        if (name === 'role' || name === 'access_mode') showFieldError(form, name, outcome.error.message);
        say(form, t('admin.bulk.nothing_saved'));
        output.append(card(t('admin.bulk.report'), problemList(entries.map((e, i) => ({ line: e.line,
          text: i === outcome.failedIndex ? describeError(outcome.error)
            : i < outcome.failedIndex ? t(outcome.results[i].undoFailed ? 'admin.bulk.undo_failed' : 'admin.bulk.undone')
              : t('admin.bulk.not_tried') })))));
        return;
      }
      lines.value = '';
      toast(t('admin.users.created_n', { count: outcome.results.length }));
      const copy = h('button', { type: 'button', class: 'btn btn-small', text: t('admin.users.copy_csv'),
        onclick: async () => toast(await copyText(csvOf(outcome.results, entries)) ? t('action.copied')
          : t('error.copy_failed'), 'info') });
      output.append(card(t('admin.users.created_title'),
        h('p', { class: 'form-message form-message-info', text: t('admin.users.passwords_once') }),
        createdTable(outcome.results, entries), h('div', { class: 'form-actions' }, copy)));
    } catch (error) {
      say(form, describeError(error));
    } finally {
      button.disabled = false;
      button.textContent = t('admin.users.create_submit');
    }
  });
}
