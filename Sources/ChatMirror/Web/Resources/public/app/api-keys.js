// Personal API keys in Settings, shown only when GET /api/me/api-keys answers 200.
import { api } from '../common/api.js';
import { h } from '../common/dom.js';
import { t, formatTime, showText, onLangChange } from '../common/i18n.js';
import { copyText } from '../common/clipboard.js';
import { describeError } from './errors.js';
import { confirmDialog } from './confirm.js';

const byId = (id) => document.getElementById(id);

/** Shows `text` (a function of the language, or '') above the keys. */
function message(text, kind = 'error') {
  const el = byId('api-keys-message');
  showText(el, text);
  el.className = `form-message form-message-${kind}`;
  el.hidden = !el.textContent;
}

/** The keys shown last, drawn again in the new language after a switch. */
let shownKeys = [];

// The exact shapes are not in docs/api.md yet: accept {api_keys: [...]}, {keys: [...]} or a bare list.
const keysFrom = (data) => (Array.isArray(data) ? data : (data && (data.api_keys || data.keys || data.data)) || []);
const secretFrom = (data) => data && (data.key || data.api_key || data.secret || data.token);

function renderKeys(keys) {
  shownKeys = keys;
  const list = byId('api-key-list');
  if (keys.length === 0) {
    list.replaceChildren(h('li', { class: 'muted', text: t('keys.none') }));
    return;
  }
  list.replaceChildren(...keys.filter((k) => !k.revoked_at).map((key) => h('li', { class: 'key-item' },
    h('div', { class: 'key-meta' },
      h('strong', { text: key.name || t('keys.unnamed') }),
      h('code', { text: `${key.prefix || ''}…` }),
      h('span', { class: 'muted', text: key.last_used_at
        ? t('keys.last_used', { time: formatTime(key.last_used_at) }) : t('keys.never_used') })),
    h('button', { type: 'button', class: 'btn btn-small btn-danger', text: t('keys.revoke'),
      onclick: () => revoke(key) }))));
}

async function revoke(key) {
  const ok = await confirmDialog({ title: t('keys.revoke_title'), text: t('keys.revoke_text', { name: key.name || '' }),
    ok: t('keys.revoke') });
  if (!ok) return;
  try {
    await api.delete(`/api/me/api-keys/${encodeURIComponent(key.id)}`);
    await loadApiKeys();
  } catch (error) {
    message(() => describeError(error));
  }
}

/** Shows the section and its keys when the API exists; hides it otherwise. */
export async function loadApiKeys() {
  const section = byId('api-keys-section');
  try {
    const data = await api.get('/api/me/api-keys');
    renderKeys(keysFrom(data));
    section.hidden = false;
  } catch {
    section.hidden = true;
  }
}

/** Wires the create form and the copy button. */
export function initApiKeys() {
  onLangChange(() => renderKeys(shownKeys));
  byId('api-key-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = byId('api-key-name').value.trim();
    message('');
    try {
      const created = await api.post('/api/me/api-keys', { name: name || t('keys.default_name') });
      const secret = secretFrom(created);
      byId('api-key-value').textContent = secret || '';
      byId('api-key-created').hidden = !secret;
      byId('api-key-name').value = '';
      await loadApiKeys();
    } catch (error) {
      message(() => describeError(error));
    }
  });
  byId('api-key-copy').addEventListener('click', async () => {
    const ok = await copyText(byId('api-key-value').textContent);
    message(() => (ok ? t('action.copied') : t('error.copy_failed')), ok ? 'success' : 'error');
  });
}
