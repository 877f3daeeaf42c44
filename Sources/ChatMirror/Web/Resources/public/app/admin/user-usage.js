// What a user used in the last 30 days, by model.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { table } from './page-parts.js';
import { emptyRow } from './format.js';
import { describeError } from './errors.js';

/** The usage table for `user`. */
export function renderUserUsage(user) {
  const tbody = h('tbody', { id: 'user-usage-rows' });
  const box = h('div', { class: 'stack' }, table([t('admin.usage.model'), t('admin.dash.requests'), t('admin.dash.tokens')], tbody));
  api.get(`/api/admin/users/${user.id}/usage`).then(({ by_model: rows }) => {
    tbody.replaceChildren(...(rows.length ? rows.map((row) => h('tr', {},
      h('td', { class: 'mono', text: row.model }), h('td', { class: 'num', text: String(row.requests) }),
      h('td', { class: 'num', text: String(row.tokens) }))) : [emptyRow(3, t('admin.dash.no_usage'))]));
  }, (error) => box.append(h('p', { class: 'form-error', role: 'alert', text: describeError(error) })));
  return box;
}
