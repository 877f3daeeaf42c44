// Small display helpers: dates, status badges, "never".
import { h } from '/common/dom.js';
import { t, getLang } from '/common/i18n.js';

/** A date and time in the current language, or the `empty` text. */
export function formatDate(value, empty = t('admin.never')) {
  if (!value) return empty;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return empty;
  return new Intl.DateTimeFormat(getLang(), { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit',
    minute: '2-digit' }).format(date);
}

const BADGE_KIND = { active: 'ok', disabled: 'off', cooling: 'warn', failing: 'bad', admin: 'info',
  revoked: 'off', expired: 'off', used_up: 'off' };

/** A pill for a status or role value, translated through `admin.value.<value>`. */
export function badge(value, title = null) {
  return h('span', { class: `badge badge-${BADGE_KIND[value] || 'plain'}`, title, dataset: { value },
    text: t(`admin.value.${value}`) });
}

/** Empty table body line spanning `columns`. */
export function emptyRow(columns, text) {
  return h('tr', {}, h('td', { colspan: columns, class: 'table-empty', text }));
}
