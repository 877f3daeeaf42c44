// The upstream account list: status, masked key, models, weight, concurrency, pool; enable, disable, delete.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { pageHeader, table, linkButton } from './page-parts.js';
import { badge, emptyRow } from './format.js';
import { confirmDialog } from './dialog.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

function modelsCell(models) {
  const shown = models.slice(0, 3).map((m) => h('code', { class: 'chip', text: m }));
  return h('td', { class: 'models-cell' }, ...shown, models.length > 3
    ? h('span', { class: 'muted', text: t('admin.accounts.more_models', { count: models.length - 3 }) }) : null);
}

/** Draws the page. */
export function renderAccountsPage(container) {
  const tbody = h('tbody', { id: 'account-rows' });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (error) => { message.textContent = describeError(error); message.hidden = false; };

  async function setStatus(account, status) {
    try {
      await api.patch(`/api/admin/accounts/${account.id}`, { status });
      toast(t(status === 'active' ? 'admin.accounts.enabled_done' : 'admin.accounts.disabled_done', { name: account.name }));
      load();
    } catch (error) { fail(error); }
  }

  async function remove(account) {
    if (!await confirmDialog({ title: t('admin.accounts.delete_title', { name: account.name }),
      text: t('admin.accounts.delete_text') })) return;
    try {
      await api.delete(`/api/admin/accounts/${account.id}`);
      toast(t('admin.accounts.deleted', { name: account.name }));
      load();
    } catch (error) { fail(error); }
  }

  function row(account) {
    const disabled = account.status === 'disabled';
    return h('tr', { dataset: { accountId: account.id, name: account.name } },
      h('td', {}, h('a', { href: `/admin/accounts/${account.id}`, class: 'row-link', text: account.name })),
      h('td', { text: t(`admin.value.${account.provider}`) }),
      h('td', { class: 'mono url-cell', text: account.base_url, title: account.base_url }),
      h('td', { class: 'mono', text: account.api_key_masked || t('admin.accounts.no_key') }),
      modelsCell(account.models),
      h('td', { class: 'num', text: String(account.weight) }),
      h('td', { class: 'num', text: account.max_concurrency ? String(account.max_concurrency) : '∞' }),
      h('td', { text: t(`admin.value.${account.pool}`) }),
      h('td', {}, badge(account.status, account.status_reason || null),
        account.status_reason ? h('div', { class: 'status-reason', text: account.status_reason }) : null),
      h('td', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn btn-small', text: t(disabled ? 'admin.accounts.enable' : 'admin.accounts.disable'),
          onclick: () => setStatus(account, disabled ? 'active' : 'disabled') }),
        h('button', { type: 'button', class: 'btn btn-small btn-danger', text: t('action.delete'),
          onclick: () => remove(account) })));
  }

  async function load() {
    try {
      const data = await api.get('/api/admin/accounts');
      tbody.replaceChildren(...(data.accounts.length ? data.accounts.map(row) : [emptyRow(10, t('admin.accounts.none'))]));
      message.hidden = true;
    } catch (error) { fail(error); }
  }

  container.append(
    pageHeader({ title: t('admin.nav.accounts'), actions: [
      linkButton('/admin/accounts/import', t('admin.accounts.import')),
      linkButton('/admin/accounts/new', t('admin.accounts.create'), 'btn-primary')] }),
    message,
    table([t('admin.accounts.name'), t('admin.accounts.provider'), t('admin.accounts.base_url'), t('admin.accounts.key'),
      t('admin.accounts.models'), t('admin.accounts.weight'), t('admin.accounts.max_concurrency_short'),
      t('admin.accounts.pool'), t('admin.accounts.status'), ''], tbody, { id: 'accounts-table' }));
  load();
}
