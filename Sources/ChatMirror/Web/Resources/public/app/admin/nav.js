// The sidebar: one link per registered nav entry, the current section marked.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { navigation } from './router.js';

/** Draws the nav list with `section` marked as current. */
export function renderNav(section) {
  const list = document.getElementById('nav-list');
  list.replaceChildren(...navigation().map((item) => h('li', {},
    h('a', { class: 'nav-link', href: item.path, 'aria-current': item.section === section ? 'page' : null,
      text: t(item.labelKey) }))));
}
