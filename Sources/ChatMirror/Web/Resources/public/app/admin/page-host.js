// Draws the page for the current address into #page, running the previous page's cleanup first.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { resolve, navigate } from './router.js';
import { renderNav } from './nav.js';

let cleanup = null;

/** Renders the route for location.pathname (unknown paths go to the dashboard). */
export function renderCurrentPage() {
  const route = resolve(location.pathname);
  if (!route) {
    navigate('/admin', { replace: true });
    return;
  }
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  // A fresh element per visit: a slow answer for the page we left lands in a detached node, not here.
  const container = h('div', { class: 'page-inner' });
  document.getElementById('page').replaceChildren(container);
  renderNav(route.section);
  try {
    cleanup = route.render(container, route.params, new URLSearchParams(location.search));
  } catch (error) {
    container.replaceChildren(h('p', { class: 'form-error', text: t('error.generic') }));
    throw error;
  }
}
