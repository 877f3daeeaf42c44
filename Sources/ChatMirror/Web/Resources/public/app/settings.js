// The Settings dialog: language, theme, password, and personal API keys when the server offers them.
import { api } from '../common/api.js';
import { h } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { t, getLang, setLang, languages, showText } from '../common/i18n.js';
import { getTheme, setTheme } from '../common/theme.js';
import { describeError } from './errors.js';
import { initApiKeys, loadApiKeys } from './api-keys.js';

const byId = (id) => document.getElementById(id);

/** Fills every language <select> (settings and login page) and keeps them in step. */
export function initLanguageSelects() {
  for (const select of document.querySelectorAll('.lang-select')) {
    select.replaceChildren(...languages().map(({ code, name }) => h('option', { value: code, text: name })));
    select.value = getLang();
    select.addEventListener('change', () => {
      setLang(select.value);
      for (const other of document.querySelectorAll('.lang-select')) other.value = select.value;
    });
  }
}

/** Shows `text` (a function of the language) under the password form. */
function passwordMessage(text, kind) {
  const el = byId('password-message');
  showText(el, text);
  el.className = `form-message form-message-${kind}`;
  el.hidden = !el.textContent;
}

async function changePassword(event) {
  event.preventDefault();
  const current = byId('current-password').value;
  const next = byId('new-password').value;
  if (next.length < 8) return passwordMessage(() => t('settings.password_too_short'), 'error');
  if (next !== byId('confirm-password').value) return passwordMessage(() => t('settings.password_mismatch'), 'error');
  try {
    await api.put('/api/me/password', { current_password: current, new_password: next });
    event.target.reset();
    return passwordMessage(() => t('settings.password_changed'), 'success');
  } catch (error) {
    const text = () => (error.code === 'invalid_credentials' ? t('settings.password_wrong') : describeError(error));
    return passwordMessage(text, 'error');
  }
}

/** Wires the dialog. */
export function initSettings() {
  const dialog = byId('settings-dialog');
  byId('settings-close').append(icon('close'));
  byId('settings-theme').addEventListener('change', (event) => setTheme(event.target.value));
  byId('password-form').addEventListener('submit', changePassword);
  initApiKeys();
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
}

/** Opens the dialog with current values. */
export function openSettings() {
  byId('settings-theme').value = getTheme();
  byId('settings-lang').value = getLang();
  passwordMessage('', 'info');
  byId('api-key-created').hidden = true;
  loadApiKeys();
  byId('settings-dialog').showModal();
}
