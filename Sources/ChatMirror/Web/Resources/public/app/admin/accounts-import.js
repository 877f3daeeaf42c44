// Import many API keys at once (one per line) as accounts with the same settings; all or nothing.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { pageHeader, card, table } from './page-parts.js';
import { field, textInput, select, textArea, formMessage, say, clearErrors, showApiError, showFieldError } from './fields.js';
import { settingsFields, readSettings } from './account-fields.js';
import { createAllOrNothing } from './bulk.js';
import { describeError, fieldOf } from './errors.js';
import { toast } from './toast.js';

/** One key a line: `{entries: [{line, key}], problems: [{line, text}]}`. */
export function parseKeyLines(text) {
  const entries = [];
  const problems = [];
  const seen = new Map();
  text.split(/\r?\n/).forEach((raw, index) => {
    const key = raw.trim();
    if (!key) return;
    const line = index + 1;
    if (/\s/.test(key)) problems.push({ line, text: t('admin.import.key_spaces') });
    else if (seen.has(key)) problems.push({ line, text: t('admin.bulk.duplicate', { other: seen.get(key) }) });
    seen.set(key, line);
    entries.push({ line, key });
  });
  return { entries, problems };
}

const nameFor = (prefix, key) => `${prefix} …${key.slice(-4)}`;

function report(items) {
  return h('ul', { class: 'line-report', id: 'bulk-report' }, ...items.map((p) => h('li', { class: 'line-bad' },
    h('strong', { text: t('admin.bulk.line', { line: p.line }) }), ' ', p.text)));
}

/** Draws the page. */
export function renderAccountsImportPage(container) {
  const keys = textArea('', { rows: 6, class: 'mono', spellcheck: 'false', autocomplete: 'off', placeholder: 'sk-...\nsk-...' });
  const form = h('form', { class: 'stack', novalidate: true, id: 'accounts-import-form' },
    formMessage(),
    field('keys', 'admin.import.keys', keys, 'admin.import.keys_hint'),
    field('name', 'admin.import.name_prefix', textInput('', { maxlength: 90, placeholder: 'OpenAI' }), 'admin.import.name_hint'),
    ...settingsFields({}),
    field('status', 'admin.accounts.status', select([['active', 'admin.value.active'], ['disabled', 'admin.value.disabled']], 'active')),
    h('div', { class: 'form-actions' },
      h('a', { class: 'btn', href: '/admin/accounts', text: t('action.cancel') }),
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'import-submit', text: t('admin.import.submit') })));
  const output = h('div', { class: 'narrow' });
  container.append(
    pageHeader({ title: t('admin.import.title'), back: { href: '/admin/accounts', label: t('admin.nav.accounts') } }),
    card(null, form), output);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    output.replaceChildren();
    const { entries, problems } = parseKeyLines(keys.value);
    if (!entries.length) { showFieldError(form, 'keys', t('admin.import.none')); return; }
    const prefix = form.elements.name.value.trim();
    if (!prefix) { showFieldError(form, 'name', t('admin.import.name_required')); return; }
    if (problems.length) {
      say(form, t('admin.bulk.nothing_saved'));
      output.append(card(t('admin.bulk.report'), report(problems)));
      return;
    }
    let shared;
    try { shared = { ...readSettings(form), status: form.elements.status.value }; } catch { return; }
    const button = form.querySelector('#import-submit');
    button.disabled = true;
    const outcome = await createAllOrNothing(entries,
      (e) => api.post('/api/admin/accounts', { ...shared, name: nameFor(prefix, e.key), api_key: e.key }),
      (created) => api.delete(`/api/admin/accounts/${created.id}`),
      (i, n) => { button.textContent = t('admin.bulk.progress', { done: i, total: n }); });
    button.disabled = false;
    button.textContent = t('admin.import.submit');
    if (!outcome.ok) {
      // A setting every line shares is wrong: show it next to that field.
      if (fieldOf(outcome.error) && fieldOf(outcome.error) !== 'api_key') showApiError(form, outcome.error);
      say(form, t('admin.bulk.nothing_saved'));
      output.append(card(t('admin.bulk.report'), report(entries.map((e, i) => ({ line: e.line,
        text: i === outcome.failedIndex ? describeError(outcome.error)
          : i < outcome.failedIndex ? t(outcome.results[i].undoFailed ? 'admin.bulk.undo_failed' : 'admin.bulk.undone')
            : t('admin.bulk.not_tried') })))));
      return;
    }
    keys.value = '';
    toast(t('admin.import.done', { count: outcome.results.length }));
    output.append(card(t('admin.import.created'), table([t('admin.accounts.name'), t('admin.accounts.key')],
      h('tbody', {}, ...outcome.results.map((a) => h('tr', {},
        h('td', {}, h('a', { href: `/admin/accounts/${a.id}`, text: a.name })),
        h('td', { class: 'mono', text: a.api_key_masked || '' })))))));
  });
}
