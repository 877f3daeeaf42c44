// Paths the app understands: "/", "/login", "/settings" and "/c/<conversation-id>".

/** The route for the current address. */
export function currentRoute() {
  const match = /^\/c\/([^/]+)\/?$/.exec(location.pathname);
  if (match) return { name: 'chat', id: decodeURIComponent(match[1]) };
  if (location.pathname === '/login') return { name: 'login' };
  if (location.pathname === '/settings') return { name: 'settings' };
  return { name: 'home' };
}

/** Changes the address without reloading; `replace` keeps the history length. */
export function navigate(path, { replace = false } = {}) {
  if (location.pathname + location.search === path) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
}

/** The address of one conversation. */
export const conversationPath = (id) => `/c/${encodeURIComponent(id)}`;

/** Calls `fn(route)` when the user goes back or forward. */
export function onRouteChange(fn) {
  window.addEventListener('popstate', () => fn(currentRoute()));
}
