// Reset a user's password: typed, or generated here and shown once. Their sessions end.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { copyText } from '/common/clipboard.js';
import { field, formMessage, clearErrors, showApiError } from './fields.js';
import { confirmDialog } from './dialog.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A 16-character password from the browser's secure random source. */
export function generatePassword(length = 16) {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** The secret shown once, with a copy button. */
export function secretBox(noteKey, secret, testid) {
  const value = h('input', { type: 'text', readonly: true, class: 'mono secret-input', value: secret,
    dataset: { testid }, 'aria-label': t(noteKey) });
  const copy = h('button', { type: 'button', class: 'btn btn-small', text: t('action.copy') });
  copy.addEventListener('click', async () => {
    copy.textContent = await copyText(secret) ? t('action.copied') : t('error.copy_failed');
  });
  return h('div', { class: 'secret-box' }, h('p', { text: t(noteKey) }), h('div', { class: 'secret-row' }, value, copy));
}

/** The reset form for `user`. */
export function renderPasswordReset(user) {
  const input = h('input', { type: 'text', autocomplete: 'new-password', spellcheck: 'false', class: 'mono',
    placeholder: t('admin.users.password_placeholder') });
  const result = h('div');
  const form = h('form', { class: 'stack', novalidate: true, id: 'password-reset-form' },
    formMessage(), field('password', 'admin.users.new_password', input, 'admin.users.password_hint'),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', text: t('admin.users.reset') })),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    result.replaceChildren();
    if (!await confirmDialog({ title: t('admin.users.reset_title', { name: user.username }),
      text: t('admin.users.reset_text'), ok: t('admin.users.reset') })) return;
    const password = input.value || generatePassword();
    try {
      await api.patch(`/api/admin/users/${user.id}`, { password });
      input.value = '';
      result.append(secretBox('admin.users.password_once', password, 'new-password'));
    } catch (error) {
      showApiError(form, error);
    }
  });
  return form;
}
