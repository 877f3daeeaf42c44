// The admin sign-in form (same /api/auth/login as the chat app) and the "not an admin" page.
import { api, setCsrf } from '/common/api.js';
import { t } from '/common/i18n.js';
import { describeError } from './errors.js';

const byId = (id) => document.getElementById(id);
let onSignedIn = () => {};

function say(id, text) {
  const el = byId(id);
  el.textContent = text || '';
  el.hidden = !text;
}

function loginErrorText(error) {
  if (error.code === 'invalid_credentials') return t('login.invalid');
  if (error.code === 'account_disabled') return t('login.disabled');
  return describeError(error);
}

async function submit(event) {
  event.preventDefault();
  const username = byId('login-username').value.trim();
  const password = byId('login-password').value;
  if (!username || !password) {
    say('login-error', t('login.missing'));
    (username ? byId('login-password') : byId('login-username')).focus();
    return;
  }
  byId('login-submit').disabled = true;
  say('login-error', '');
  try {
    const data = await api.post('/api/auth/login', { username, password });
    setCsrf(data.csrf);
    byId('login-password').value = '';
    await onSignedIn();
  } catch (error) {
    say('login-error', loginErrorText(error));
    byId('login-password').select();
  } finally {
    byId('login-submit').disabled = false;
  }
}

/** Wires the form; `signedIn()` runs after a successful login. */
export function initLogin({ signedIn, switchUser }) {
  onSignedIn = signedIn;
  byId('login-form').addEventListener('submit', submit);
  byId('refused-switch').addEventListener('click', switchUser);
}

/** Shows only the sign-in form, with an optional information line. */
export function showLogin({ info = '' } = {}) {
  for (const id of ['boot', 'console', 'refused-view']) byId(id).hidden = true;
  byId('login-view').hidden = false;
  say('login-error', '');
  say('login-info', info);
  byId('login-username').focus();
}

/** Tells a signed-in non-admin that this is not for them. */
export function showRefused(me) {
  for (const id of ['boot', 'console', 'login-view']) byId(id).hidden = true;
  byId('refused-text').textContent = t('admin.refused.text', { name: me.display_name || me.username });
  byId('refused-view').hidden = false;
}
