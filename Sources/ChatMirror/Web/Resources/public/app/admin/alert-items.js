// Alerts as list items, and acknowledging them (one or all); the nav badge follows the server's count.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { badge, formatDate } from './format.js';
import { setBadge } from './nav-badge.js';

/** Acknowledges alert `id` (or all when null); resolves to the new unacknowledged count. */
export async function acknowledge(id) {
  await api.post(id == null ? '/api/admin/alerts/ack' : `/api/admin/alerts/${id}/ack`, {});
  const { unacknowledged } = await api.get('/api/admin/alerts?open=true');
  setBadge('alerts', unacknowledged);
  return unacknowledged;
}

/** One alert: when, the status change, the message, and an acknowledge button while open. */
export function alertItem(alert, onAck) {
  const open = !alert.acknowledged_at;
  const item = h('li', { class: `alert-item${open ? ' alert-open' : ''}`, dataset: { alertId: alert.id } },
    h('div', { class: 'alert-head' },
      alert.from_status ? badge(alert.from_status) : null,
      alert.from_status ? h('span', { class: 'muted', text: '→' }) : null,
      alert.to_status ? badge(alert.to_status) : null,
      h('time', { class: 'muted alert-time', datetime: alert.created_at, text: formatDate(alert.created_at) })),
    h('p', { class: 'alert-message', text: alert.message }),
    open ? h('button', { type: 'button', class: 'btn btn-small alert-ack', text: t('admin.alerts.ack'),
      onclick: () => onAck(alert) })
      : h('span', { class: 'muted alert-acked', text: t('admin.alerts.acked_at', { time: formatDate(alert.acknowledged_at) }) }));
  return item;
}
