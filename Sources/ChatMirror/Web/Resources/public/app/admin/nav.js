// The sidebar: one link per registered nav entry, the current section marked, count badges where set.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { navigation } from './router.js';
import { badgeCount } from './nav-badge.js';

/** Draws the nav list with `section` marked as current. */
export function renderNav(section) {
  const list = document.getElementById('nav-list');
  list.replaceChildren(...navigation().map((item) => {
    const count = badgeCount(item.section);
    return h('li', {},
      h('a', { class: 'nav-link', href: item.path, 'aria-current': item.section === section ? 'page' : null,
        dataset: { nav: item.section } },
      h('span', { text: t(item.labelKey) }),
      h('span', { class: 'nav-badge', dataset: { badgeFor: item.section }, hidden: !count,
        'aria-label': t('admin.alerts.badge_label', { count }), text: count > 99 ? '99+' : String(count) })));
  }));
}
