// A user's dedicated accounts: tick the upstream accounts bound to them (used in dedicated and mixed access).
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { badge } from './format.js';
import { formMessage, say, clearErrors, showApiError } from './fields.js';
import { toast } from './toast.js';

/** The bindings form for `user`. */
export function renderUserBindings(user) {
  const list = h('div', { class: 'check-list' }, h('p', { class: 'muted', text: t('boot.loading') }));
  const form = h('form', { class: 'stack', novalidate: true, id: 'user-bindings-form' },
    h('p', { class: 'muted', text: t(user.access_mode === 'shared' ? 'admin.bindings.shared_note' : 'admin.bindings.help') }),
    formMessage(), list,
    h('span', { class: 'field-error', role: 'alert', hidden: true, dataset: { errorFor: 'account_ids' } }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'user-bindings-save',
      text: t('admin.bindings.save') })));
  Promise.all([api.get('/api/admin/accounts'), api.get(`/api/admin/users/${user.id}/bindings`)]).then(([{ accounts }, { account_ids: bound }]) => {
    list.replaceChildren(...(accounts.length ? accounts.map((account) => h('label', { class: 'check-row', dataset: { accountId: account.id } },
      h('input', { type: 'checkbox', name: 'account_ids', value: String(account.id), checked: bound.includes(account.id) }),
      h('span', { class: 'check-name', text: account.name }),
      h('span', { class: 'muted', text: t(`admin.value.${account.pool}`) }), badge(account.status)))
      : [h('p', { class: 'muted', text: t('admin.accounts.none') })]));
  }, (error) => showApiError(form, error));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const ids = Array.from(form.querySelectorAll('input[name="account_ids"]:checked')).map((box) => Number(box.value));
    try {
      await api.put(`/api/admin/users/${user.id}/bindings`, { account_ids: ids });
      toast(t('admin.bindings.saved', { count: ids.length }));
      say(form, t('admin.bindings.saved', { count: ids.length }), 'info');
    } catch (error) { showApiError(form, error); }
  });
  return form;
}
