// The message tree: edits and regenerations are siblings (same parent_id); one path is shown at a time.

/** Messages whose parent is `parentId` (null for first messages), oldest first. */
export function childrenOf(messages, parentId) {
  return messages.filter((m) => (m.parent_id ?? null) === (parentId ?? null));
}

/** The message with `id`, or undefined. */
export const findMessage = (messages, id) => messages.find((m) => m.id === id);

/** The versions of `message` (itself included), oldest first. */
export const siblingsOf = (messages, message) => childrenOf(messages, message.parent_id);

/** The newest leaf below `id` (following the newest child at each level), or `id` itself. */
export function deepestLeaf(messages, id) {
  let leaf = id;
  for (let guard = 0; guard < messages.length + 1; guard += 1) {
    const kids = childrenOf(messages, leaf);
    if (kids.length === 0) return leaf;
    leaf = kids[kids.length - 1].id;
  }
  return leaf;
}

/** The leaf to show when the server names none: the newest branch from the newest first message. */
export function defaultLeaf(messages) {
  const roots = childrenOf(messages, null);
  return roots.length ? deepestLeaf(messages, roots[roots.length - 1].id) : null;
}

/** Messages from the first one down to `leafId`. */
export function pathTo(messages, leafId) {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const path = [];
  let cursor = byId.get(leafId);
  while (cursor && path.length <= messages.length) {
    path.unshift(cursor);
    cursor = cursor.parent_id ? byId.get(cursor.parent_id) : null;
  }
  return path;
}
