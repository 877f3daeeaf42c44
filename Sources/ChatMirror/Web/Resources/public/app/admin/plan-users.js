// Who uses a plan: users (their `plan_id`) and upstream accounts (the account's plan).
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { describeError } from './errors.js';

/** The users on plan `planId` (the list API pages by 200). */
async function usersOn(planId) {
  const users = [];
  for (let offset = 0; ; offset += 200) {
    const page = await api.get(`/api/admin/users?plan_id=${planId}&limit=200&offset=${offset}`);
    users.push(...page.users);
    if (users.length >= page.total || page.users.length === 0 || offset >= 10000) return users;
  }
}

function links(items, href, label, emptyKey) {
  if (!items.length) return h('p', { class: 'muted', text: t(emptyKey) });
  return h('ul', { class: 'chip-list' }, ...items.map((item) =>
    h('li', {}, h('a', { class: 'chip', href: href(item), text: label(item) }))));
}

/** The section listing who uses plan `planId`. */
export function planUsers(planId) {
  const body = h('div', { class: 'stack', id: 'plan-used-by' }, h('p', { class: 'muted', text: t('boot.loading') }));
  Promise.all([usersOn(planId), api.get('/api/admin/accounts')]).then(([users, { accounts }]) => {
    body.replaceChildren(
      h('h3', { class: 'sub-title', text: t('admin.plans.users') }),
      links(users, (u) => `/admin/users/${u.id}`, (u) => u.username, 'admin.plans.no_users'),
      h('h3', { class: 'sub-title', text: t('admin.plans.accounts') }),
      links(accounts.filter((a) => a.plan_id === planId), (a) => `/admin/accounts/${a.id}`, (a) => a.name, 'admin.plans.no_accounts'));
  }, (error) => body.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: describeError(error) })));
  return body;
}
