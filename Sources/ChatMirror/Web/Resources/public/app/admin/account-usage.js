// On an account's page: its plan, and the users bound to it with what they used there in 30 days.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { card, table } from './page-parts.js';
import { emptyRow } from './format.js';
import { planSelectForm } from './plan-select.js';
import { describeError } from './errors.js';

function boundUsers(account) {
  const tbody = h('tbody', { id: 'account-bound-rows' });
  const box = h('div', { class: 'stack' }, h('p', { class: 'muted', text: t('admin.bindings.account_help') }),
    table([t('admin.users.username'), t('admin.dash.requests'), t('admin.dash.tokens')], tbody));
  api.get(`/api/admin/accounts/${account.id}/bindings`).then(({ users }) => {
    tbody.replaceChildren(...(users.length ? users.map((u) => h('tr', { dataset: { userId: u.user_id } },
      h('td', {}, h('a', { class: 'row-link', href: `/admin/users/${u.user_id}`, text: u.username })),
      h('td', { class: 'num', text: String(u.requests_30d) }), h('td', { class: 'num', text: String(u.tokens_30d) })))
      : [emptyRow(3, t('admin.bindings.none'))]));
  }, (error) => box.append(h('p', { class: 'form-error', role: 'alert', text: describeError(error) })));
  return box;
}

/** The cards for an existing account. */
export function accountPlanCards(account) {
  return [
    card(t('admin.plans.account_plan'), planSelectForm({ path: `/api/admin/accounts/${account.id}/plan`, current: account.plan_id,
      id: 'account-plan-form', helpKey: 'admin.plans.account_plan_help' })),
    card(t('admin.bindings.bound_users'), boundUsers(account)),
  ];
}
