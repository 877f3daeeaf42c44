// Alerts (/admin/alerts): account status changes, newest first; open only or all; acknowledge one or all.
// New alerts appear as they are raised.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { setQuery } from './router.js';
import { pageHeader } from './page-parts.js';
import { select } from './fields.js';
import { onLive } from './live.js';
import { alertItem, acknowledge } from './alert-items.js';
import { setBadge } from './nav-badge.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

/** Draws the page; returns the cleanup. */
export function renderAlertsPage(container, _params, query) {
  const state = { show: query.get('show') === 'all' ? 'all' : 'open' };
  const filter = select([['open', 'admin.alerts.show_open'], ['all', 'admin.alerts.show_all']], state.show,
    { id: 'alerts-filter', 'aria-label': t('admin.alerts.show') });
  const ackAll = h('button', { type: 'button', class: 'btn', id: 'alerts-ack-all', text: t('admin.alerts.ack_all') });
  const list = h('ul', { class: 'alert-list alert-list-page', id: 'alerts-list' });
  const summary = h('p', { class: 'muted', id: 'alerts-summary' });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (error) => { message.textContent = describeError(error); message.hidden = false; };

  const onAck = async (alert) => {
    try { await acknowledge(alert.id); toast(t('admin.alerts.acked')); load(); } catch (error) { fail(error); }
  };

  async function load() {
    setQuery({ show: state.show === 'all' ? 'all' : '' });
    try {
      const data = await api.get(`/api/admin/alerts${state.show === 'open' ? '?open=true' : ''}`);
      message.hidden = true;
      setBadge('alerts', data.unacknowledged);
      summary.textContent = t('admin.alerts.summary', { count: data.unacknowledged });
      ackAll.disabled = data.unacknowledged === 0;
      list.replaceChildren(...(data.alerts.length ? data.alerts.map((a) => alertItem(a, onAck))
        : [h('li', { class: 'muted alert-none', text: t(state.show === 'open' ? 'admin.alerts.none_open' : 'admin.alerts.none') })]));
    } catch (error) { fail(error); }
  }

  filter.addEventListener('change', () => { state.show = filter.value; load(); });
  ackAll.addEventListener('click', async () => {
    try { await acknowledge(null); toast(t('admin.alerts.acked_all')); load(); } catch (error) { fail(error); }
  });
  container.append(
    pageHeader({ title: t('admin.nav.alerts'), actions: [ackAll] }),
    h('div', { class: 'toolbar' }, filter), summary, message,
    h('section', { class: 'card' }, list));
  load();
  return onLive('alert', () => load());
}
