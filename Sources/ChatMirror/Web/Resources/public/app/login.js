// The sign-in page: password login, the share-link error landing, and re-login after a session ends.
import { api, setCsrf } from '../common/api.js';
import { t, formatTime, showText } from '../common/i18n.js';
import { describeError, resetTimeOf } from './errors.js';

const byId = (id) => document.getElementById(id);
let onSignedIn = () => {};

/** Shows `text` (a function of the language, or '') in the line `id`; hides the line when it is empty. */
function say(id, text) {
  const el = byId(id);
  showText(el, text);
  el.hidden = !el.textContent;
}

function loginErrorText(error) {
  if (error.code === 'invalid_credentials') return t('login.invalid');
  if (error.code === 'account_disabled') return t('login.disabled');
  if (error.code === 'too_many_attempts') {
    const reset = resetTimeOf(error);
    return reset ? t('error.too_many_attempts_until', { time: formatTime(reset) }) : t('error.too_many_attempts');
  }
  return describeError(error);
}

async function submit(event) {
  event.preventDefault();
  const username = byId('login-username').value.trim();
  const password = byId('login-password').value;
  if (!username || !password) {
    say('login-error', () => t('login.missing'));
    (username ? byId('login-password') : byId('login-username')).focus();
    return;
  }
  const button = byId('login-submit');
  button.disabled = true;
  say('login-error', '');
  try {
    const data = await api.post('/api/auth/login', { username, password });
    setCsrf(data && data.csrf);
    byId('login-password').value = '';
    say('login-info', '');
    await onSignedIn(data && data.user);
  } catch (error) {
    say('login-error', () => loginErrorText(error));
    byId('login-password').select();
  } finally {
    button.disabled = false;
  }
}

/** Wires the form; `signedIn(user)` runs after a successful login. */
export function initLogin({ signedIn }) {
  onSignedIn = signedIn;
  byId('login-form').addEventListener('submit', submit);
}

/** Shows the sign-in page with an optional error or information line (functions of the language). */
export function showLogin({ error = '', info = '' } = {}) {
  byId('app').hidden = true;
  byId('boot').hidden = true;
  byId('login-view').hidden = false;
  say('login-error', error);
  say('login-info', info);
  const username = byId('login-username');
  (username.value ? byId('login-password') : username).focus();
}

/** Hides the sign-in page. */
export function hideLogin() {
  byId('login-view').hidden = true;
}
