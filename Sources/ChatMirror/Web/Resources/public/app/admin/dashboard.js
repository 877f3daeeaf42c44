// The dashboard (/admin): live counters and account tiles from the event feed, open alerts as they are raised,
// and usage charts (redrawn when new requests have been counted).
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { pageHeader, card, linkButton } from './page-parts.js';
import { badge } from './format.js';
import { onLive, latestStats } from './live.js';
import { chartCards } from './dashboard-charts.js';
import { alertItem, acknowledge } from './alert-items.js';
import { describeError } from './errors.js';
import { compact } from './charts.js';

const COUNTERS = [
  ['streams_in_flight', 'admin.dash.streams', (v) => String(v)],
  ['requests_last_minute', 'admin.dash.rpm', (v) => String(v)],
  ['error_rate_today', 'admin.dash.error_rate', (v) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`],
  ['tokens_today', 'admin.dash.tokens_today', compact],
  ['users_active_today', 'admin.dash.users_today', (v) => String(v)],
];

function counters() {
  return h('div', { class: 'stat-grid', id: 'dash-counters' }, ...COUNTERS.map(([key, label]) =>
    h('div', { class: 'stat card', dataset: { stat: key } },
      h('span', { class: 'stat-label', text: t(label) }),
      h('strong', { class: 'stat-value', text: '–' }))));
}

function updateCounters(root, stats) {
  for (const [key, , format] of COUNTERS) {
    const el = root.querySelector(`[data-stat="${key}"] .stat-value`);
    if (el && stats[key] != null) el.textContent = format(stats[key]);
  }
}

function tile(account) {
  const cap = account.max_concurrency ? ` / ${account.max_concurrency}` : '';
  return h('a', { class: `tile tile-${account.status}`, href: `/admin/accounts/${account.id}`, dataset: { accountId: account.id } },
    h('div', { class: 'tile-head' }, h('strong', { class: 'tile-name', text: account.name }), badge(account.status)),
    h('dl', { class: 'tile-facts' },
      h('dt', { text: t('admin.dash.in_flight') }), h('dd', { class: 'tile-in-flight', text: `${account.in_flight}${cap}` }),
      h('dt', { text: t('admin.dash.latency') }),
      h('dd', { text: account.last_latency_ms == null ? '–' : t('admin.dash.ms', { ms: account.last_latency_ms }) })),
    account.status_reason ? h('p', { class: 'tile-error', title: account.status_reason,
      text: t('admin.dash.last_error', { text: account.status_reason }) }) : null);
}

function renderTiles(root, accounts) {
  root.replaceChildren(...(accounts.length ? accounts.map(tile)
    : [h('p', { class: 'muted', text: t('admin.accounts.none') })]));
}

function alertsCard() {
  const list = h('ul', { class: 'alert-list', id: 'dash-alerts' });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const onAck = async (alert) => {
    try {
      await acknowledge(alert.id);
      list.querySelector(`[data-alert-id="${alert.id}"]`)?.remove();
      if (!list.children.length) load();
    } catch (error) { message.textContent = describeError(error); message.hidden = false; }
  };
  const show = (alerts) => list.replaceChildren(...(alerts.length ? alerts.slice(0, 5).map((a) => alertItem(a, onAck))
    : [h('li', { class: 'muted alert-none', text: t('admin.alerts.none_open') })]));
  async function load() {
    try { show((await api.get('/api/admin/alerts?open=true')).alerts); } catch (error) {
      message.textContent = describeError(error); message.hidden = false;
    }
  }
  const add = (alert) => {
    list.querySelector('.alert-none')?.remove();
    list.prepend(alertItem(alert, onAck));
    while (list.children.length > 5) list.lastChild.remove();
  };
  load();
  return { section: card(t('admin.dash.open_alerts'), message, list,
    h('div', { class: 'form-actions form-actions-start' }, linkButton('/admin/alerts', t('admin.alerts.all'), 'btn-small'))), add };
}

/** Draws the page; returns the cleanup that drops its live subscriptions. */
export function renderDashboard(container) {
  const status = h('span', { class: 'live-state', id: 'live-state', text: t('admin.dash.connecting') });
  const tiles = h('div', { class: 'tile-grid', id: 'dash-tiles' });
  const charts = h('div', { class: 'cards', id: 'dash-charts' });
  const alerts = alertsCard();
  const counterRoot = counters();
  container.append(
    pageHeader({ title: t('admin.nav.dashboard'), subtitle: h('p', { class: 'page-subtitle' }, status) }),
    counterRoot,
    h('div', { class: 'columns' },
      h('div', { class: 'cards' }, card(t('admin.dash.accounts'), tiles)),
      h('div', { class: 'cards' }, alerts.section)),
    charts);

  let countedRequests = null;
  let chartTimer = null;
  let chartsDue = 0;
  async function loadCharts() {
    chartsDue = Date.now() + 5000;
    try {
      const stats = await api.get('/api/admin/stats');
      countedRequests = stats.requests_today;
      charts.replaceChildren(...chartCards(stats));
      if (!latestStats()) { updateCounters(counterRoot, stats); renderTiles(tiles, stats.accounts); }
    } catch (error) {
      charts.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: describeError(error) }));
    }
  }
  const onStats = (stats) => {
    updateCounters(counterRoot, stats);
    renderTiles(tiles, stats.accounts || []);
    if (countedRequests != null && stats.requests_today !== countedRequests && !chartTimer) {
      chartTimer = setTimeout(() => { chartTimer = null; loadCharts(); }, Math.max(0, chartsDue - Date.now()));
    }
  };
  const onState = (state) => {
    status.textContent = t(state === 'live' ? 'admin.dash.live' : 'admin.dash.offline');
    status.dataset.state = state;
  };
  const unsubscribe = [onLive('stats', onStats), onLive('alert', alerts.add), onLive('state', onState)];
  if (latestStats()) { onStats(latestStats()); onState('live'); }
  loadCharts();
  return () => { unsubscribe.forEach((fn) => fn()); clearTimeout(chartTimer); };
}
