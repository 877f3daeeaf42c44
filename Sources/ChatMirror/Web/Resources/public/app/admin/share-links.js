// A user's share links: create (optional expiry and use limit), copy the URL once, list, revoke.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { table } from './page-parts.js';
import { badge, emptyRow, formatDate } from './format.js';
import { field, textInput, formMessage, clearErrors, showApiError, optionalInt } from './fields.js';
import { secretBox } from './password-reset.js';
import { confirmDialog } from './dialog.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

function linkState(link) {
  if (link.revoked_at) return 'revoked';
  if (link.active !== false) return 'active';
  return link.expires_at && Date.parse(link.expires_at) <= Date.now() ? 'expired' : 'used_up';
}

function linkRow(link, revoke) {
  const state = linkState(link);
  return h('tr', { dataset: { linkId: link.id, state } },
    h('td', { class: 'nowrap', text: formatDate(link.created_at) }),
    h('td', { class: 'nowrap', text: formatDate(link.expires_at, t('admin.links.no_expiry')) }),
    h('td', { text: link.max_uses ? `${link.uses} / ${link.max_uses}` : String(link.uses) }),
    h('td', { class: 'nowrap', text: formatDate(link.last_used_at) }),
    h('td', {}, badge(state)),
    h('td', {}, state === 'active' ? h('button', { type: 'button', class: 'btn btn-small btn-danger',
      text: t('admin.links.revoke'), onclick: () => revoke(link) }) : null));
}

/** The section for `user`. */
export function renderShareLinks(user) {
  const created = h('div', { id: 'share-link-created' });
  const tbody = h('tbody', { id: 'share-link-rows' });
  const listError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'stack', novalidate: true, id: 'share-link-form' },
    formMessage(),
    h('div', { class: 'field-row' },
      field('expires_in_hours', 'admin.links.expires_in_hours', textInput('', { inputmode: 'numeric',
        placeholder: t('admin.links.optional') }), 'admin.links.expires_hint'),
      field('max_uses', 'admin.links.max_uses', textInput('', { inputmode: 'numeric',
        placeholder: t('admin.links.optional') }), 'admin.links.max_uses_hint')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'share-link-create',
      text: t('admin.links.create') })));

  async function load() {
    try {
      const data = await api.get(`/api/admin/users/${user.id}/share-links`);
      const links = data.share_links.slice().reverse();
      tbody.replaceChildren(...(links.length ? links.map((l) => linkRow(l, revoke)) : [emptyRow(6, t('admin.links.none'))]));
      listError.hidden = true;
    } catch (error) {
      listError.textContent = describeError(error);
      listError.hidden = false;
    }
  }

  async function revoke(link) {
    if (!await confirmDialog({ title: t('admin.links.revoke_title'), text: t('admin.links.revoke_text'),
      ok: t('admin.links.revoke') })) return;
    try {
      await api.delete(`/api/admin/share-links/${link.id}`);
      toast(t('admin.links.revoked'));
      load();
    } catch (error) {
      listError.textContent = describeError(error);
      listError.hidden = false;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    created.replaceChildren();
    let body;
    try {
      body = { expires_in_hours: optionalInt(form, 'expires_in_hours'), max_uses: optionalInt(form, 'max_uses') };
    } catch {
      return;
    }
    try {
      const link = await api.post(`/api/admin/users/${user.id}/share-links`, JSON.parse(JSON.stringify(body)));
      created.append(secretBox('admin.links.created', link.url, 'share-url'));
      form.reset();
      load();
    } catch (error) {
      showApiError(form, error);
    }
  });

  load();
  return h('div', { class: 'stack' }, h('p', { class: 'muted', text: t('admin.links.help') }), form, created, listError,
    table([t('admin.links.created_at'), t('admin.links.expires'), t('admin.links.uses'), t('admin.links.last_used'),
      t('admin.links.state'), ''], tbody, { id: 'share-links-table' }));
}
