// The dashboard's charts from GET /api/admin/stats: per hour (24 h), per day (30 days), by model, top users.
import { h } from '/common/dom.js';
import { t, getLang } from '/common/i18n.js';
import { card } from './page-parts.js';
import { barChart, lineChart, rankChart } from './charts.js';

const HOUR = 3600000;
const DAY = 86400000;

/** `count` slots of `size` ms ending with the current one, filled from the API's sparse buckets. */
function slots(buckets, size, count, format) {
  const byStart = new Map(buckets.map((b) => [Math.floor(Date.parse(b.start) / size), b]));
  const last = Math.floor(Date.now() / size);
  return Array.from({ length: count }, (_, i) => {
    const key = last - count + 1 + i;
    const bucket = byStart.get(key) || { requests: 0, tokens: 0 };
    return { label: format(new Date(key * size)), requests: bucket.requests, tokens: bucket.tokens };
  });
}

const hourLabel = (date) => new Intl.DateTimeFormat(getLang(), { hour: '2-digit', hourCycle: 'h23' }).format(date);
const dayLabel = (date) => new Intl.DateTimeFormat(getLang(), { month: 'numeric', day: 'numeric', timeZone: 'UTC' }).format(date);

function pair(points, labelEvery, what) {
  const requests = points.map((p) => ({ label: p.label, value: p.requests,
    title: t('admin.dash.point_requests', { when: p.label, count: p.requests }) }));
  const tokens = points.map((p) => ({ label: p.label, value: p.tokens,
    title: t('admin.dash.point_tokens', { when: p.label, count: p.tokens }) }));
  return h('div', { class: 'chart-pair' },
    h('figure', { class: 'chart-figure' }, h('figcaption', { text: t('admin.dash.requests') }),
      barChart(requests, { label: `${what}: ${t('admin.dash.requests')}`, labelEvery })),
    h('figure', { class: 'chart-figure' }, h('figcaption', { text: t('admin.dash.tokens') }),
      lineChart(tokens, { label: `${what}: ${t('admin.dash.tokens')}`, labelEvery })));
}

function ranked(rows, empty, what) {
  if (!rows.length) return h('p', { class: 'muted', text: empty });
  return rankChart(rows.map((r) => ({ label: r.name, value: r.requests,
    title: t('admin.dash.rank_title', { name: r.name, requests: r.requests, tokens: r.tokens }) })), { label: what });
}

/** The chart cards for a stats answer. */
export function chartCards(stats) {
  const hourly = slots(stats.hourly || [], HOUR, 24, hourLabel);
  const daily = slots(stats.daily || [], DAY, 30, dayLabel);
  return [
    card(t('admin.dash.last_24h'), pair(hourly, 3, t('admin.dash.last_24h'))),
    card(t('admin.dash.last_30d'), pair(daily, 5, t('admin.dash.last_30d'))),
    h('div', { class: 'chart-pair' },
      card(t('admin.dash.by_model'), ranked(stats.by_model || [], t('admin.dash.no_usage'), t('admin.dash.by_model'))),
      card(t('admin.dash.top_users'), ranked(stats.top_users || [], t('admin.dash.no_usage'), t('admin.dash.top_users')))),
  ];
}
