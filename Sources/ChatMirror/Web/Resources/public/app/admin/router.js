// Paths under /admin: a table of routes (pattern → page) and the nav entries built from it.
// A new page = one `addRoute` (and one `addNavItem` if it belongs in the sidebar).

const routes = [];
const navItems = [];
const listeners = new Set();

/**
 * Registers a page. `pattern` is a path like '/admin/users/:id'; `render(container, params, query)` draws it
 * and may return a cleanup function; `section` names the nav entry to highlight.
 */
export function addRoute(pattern, section, render) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, section, render });
}

/** Adds a sidebar entry: `labelKey` is an i18n key, `path` where it leads. Order = call order. */
export function addNavItem(section, labelKey, path) {
  navItems.push({ section, labelKey, path });
}

/** The sidebar entries in order. */
export const navigation = () => navItems.slice();

/** The route for a path: {render, section, params}, or null. */
export function resolve(pathname) {
  for (const route of routes) {
    const match = route.regex.exec(pathname);
    if (!match) continue;
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    return { render: route.render, section: route.section, params };
  }
  return null;
}

/** Goes to `path` (with query) without reloading, then tells the listeners. */
export function navigate(path, { replace = false } = {}) {
  if (location.pathname + location.search !== path) history[replace ? 'replaceState' : 'pushState'](null, '', path);
  for (const fn of listeners) fn();
}

/** Replaces the query string of the current address, without re-rendering (for filters and paging). */
export function setQuery(params) {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null)).toString();
  history.replaceState(null, '', location.pathname + (search ? `?${search}` : ''));
}

/** Calls `fn()` after every navigation (links, back and forward). */
export function onNavigate(fn) {
  listeners.add(fn);
}

/** Makes same-origin links under /admin navigate in place; starts listening to back/forward. */
export function startRouter() {
  window.addEventListener('popstate', () => { for (const fn of listeners) fn(); });
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="/admin"]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
      || link.target) return;
    event.preventDefault();
    navigate(link.getAttribute('href'));
  });
}
