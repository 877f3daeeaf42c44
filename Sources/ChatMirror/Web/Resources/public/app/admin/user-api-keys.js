// A user's personal API keys: list and revoke (only the user can create them).
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { table } from './page-parts.js';
import { badge, emptyRow, formatDate } from './format.js';
import { confirmDialog } from './dialog.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

/** The section for `user`. */
export function renderUserApiKeys(user) {
  const tbody = h('tbody', { id: 'api-key-rows' });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (error) => { message.textContent = describeError(error); message.hidden = false; };

  async function revoke(key) {
    if (!await confirmDialog({ title: t('keys.revoke_title'), text: t('keys.revoke_text', { name: key.name }),
      ok: t('keys.revoke') })) return;
    try {
      await api.delete(`/api/admin/api-keys/${key.id}`);
      toast(t('admin.keys.revoked'));
      load();
    } catch (error) { fail(error); }
  }

  function row(key) {
    const revoked = Boolean(key.revoked_at);
    return h('tr', { dataset: { keyId: key.id } },
      h('td', { text: key.name }),
      h('td', {}, h('code', { text: `${key.prefix}…` })),
      h('td', { class: 'nowrap', text: formatDate(key.created_at) }),
      h('td', { class: 'nowrap', text: formatDate(key.last_used_at) }),
      h('td', {}, badge(revoked ? 'revoked' : 'active')),
      h('td', {}, revoked ? null : h('button', { type: 'button', class: 'btn btn-small btn-danger', text: t('keys.revoke'),
        onclick: () => revoke(key) })));
  }

  async function load() {
    try {
      const data = await api.get(`/api/admin/users/${user.id}/api-keys`);
      tbody.replaceChildren(...(data.api_keys.length ? data.api_keys.map(row) : [emptyRow(6, t('keys.none'))]));
      message.hidden = true;
    } catch (error) { fail(error); }
  }

  load();
  return h('div', { class: 'stack' }, h('p', { class: 'muted', text: t('admin.keys.help') }), message,
    table([t('keys.name'), t('admin.keys.prefix'), t('admin.links.created_at'), t('admin.links.last_used'),
      t('admin.links.state'), ''], tbody));
}
