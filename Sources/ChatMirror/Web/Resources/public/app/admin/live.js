// The console's one live feed: GET /api/admin/events (SSE) while an admin is signed in. Pages subscribe to its
// `stats` and `alert` events; the connection comes back after a drop (with a growing pause) until stopped.
import { api } from '/common/api.js';
import { readEventStream } from '/common/sse.js';

const listeners = { stats: new Set(), alert: new Set(), state: new Set() };
let controller = null;
let latest = null;
let retryTimer = null;

/** Calls `fn(data)` for each `kind` event ('stats', 'alert', or 'state' with 'live' | 'offline'); returns an unsubscribe. */
export function onLive(kind, fn) {
  listeners[kind].add(fn);
  return () => listeners[kind].delete(fn);
}

/** The last `stats` event, or null before the first. */
export const latestStats = () => latest;

function emit(kind, data) {
  if (kind === 'stats') latest = data;
  for (const fn of listeners[kind] || []) fn(data);
}

async function connect(delay) {
  const mine = new AbortController();
  controller = mine;
  try {
    const response = await api.stream('GET', '/api/admin/events', undefined, { signal: mine.signal });
    emit('state', 'live');
    delay = 1000;
    await readEventStream(response, ({ event, data }) => emit(event, data), mine.signal);
  } catch (error) {
    if (mine.signal.aborted || error.status === 401 || error.status === 403) return;
  }
  if (controller !== mine || mine.signal.aborted) return;
  emit('state', 'offline');
  retryTimer = setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
}

/** Opens the feed (once). */
export function startLive() {
  if (controller) return;
  connect(1000);
}

/** Closes the feed (sign-out). */
export function stopLive() {
  clearTimeout(retryTimer);
  if (controller) controller.abort();
  controller = null;
  latest = null;
}
