// Sorting conversations into Pinned / Today / Yesterday / Previous 7 days / Previous 30 days / Older.

const DAY = 24 * 60 * 60 * 1000;

function startOfDay(date) {
  const d = new Date(date);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** The group key ('today' | 'yesterday' | 'week' | 'month' | 'older') of a timestamp. */
export function groupOf(timestamp, now = new Date()) {
  const day = startOfDay(timestamp);
  const today = startOfDay(now);
  if (day >= today) return 'today';
  if (day >= today - DAY) return 'yesterday';
  if (day >= today - 7 * DAY) return 'week';
  if (day >= today - 30 * DAY) return 'month';
  return 'older';
}

/** Groups conversations (newest first): the pinned ones first, the others by their `updated_at`. */
export function groupConversations(conversations, now = new Date()) {
  const order = ['pinned', 'today', 'yesterday', 'week', 'month', 'older'];
  const groups = new Map(order.map((key) => [key, []]));
  const sorted = [...conversations].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
  for (const conv of sorted) {
    groups.get(conv.pinned ? 'pinned' : groupOf(conv.updated_at || conv.created_at, now)).push(conv);
  }
  return order.filter((key) => groups.get(key).length).map((key) => ({ key, items: groups.get(key) }));
}
