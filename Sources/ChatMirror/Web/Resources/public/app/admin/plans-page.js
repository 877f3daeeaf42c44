// Plans (/admin/plans): every plan with its limits and how many users and accounts use it; the site-wide limits.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { pageHeader, card, table, linkButton } from './page-parts.js';
import { emptyRow } from './format.js';
import { describeLimit } from './limits-editor.js';
import { limitsForm } from './limits-form.js';
import { describeError } from './errors.js';

function planRow(plan) {
  return h('tr', { dataset: { planId: plan.id, name: plan.name } },
    h('td', {}, h('a', { href: `/admin/plans/${plan.id}`, class: 'row-link', text: plan.name }),
      plan.description ? h('div', { class: 'status-reason', text: plan.description }) : null),
    h('td', {}, plan.limits.length ? h('ul', { class: 'limit-summary' }, ...plan.limits.map((l) => h('li', { text: describeLimit(l) })))
      : h('span', { class: 'muted', text: t('admin.limits.unlimited') })),
    h('td', { class: 'num', text: String(plan.users) }),
    h('td', { class: 'num', text: String(plan.accounts) }));
}

/** Draws the page. */
export function renderPlansPage(container) {
  const tbody = h('tbody', { id: 'plan-rows' });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  container.append(
    pageHeader({ title: t('admin.nav.plans'), actions: [linkButton('/admin/plans/new', t('admin.plans.create'), 'btn-primary')] }),
    message,
    table([t('admin.plans.name'), t('admin.plans.limits'), t('admin.plans.users'), t('admin.plans.accounts')], tbody,
      { id: 'plans-table' }),
    card(t('admin.limits.global_title'), limitsForm('/api/admin/limits/global', 'global-limits-form', 'admin.limits.global_help')));
  api.get('/api/admin/plans').then(({ plans }) => {
    tbody.replaceChildren(...(plans.length ? plans.map(planRow) : [emptyRow(4, t('admin.plans.none'))]));
  }, (error) => { message.textContent = describeError(error); message.hidden = false; });
}
