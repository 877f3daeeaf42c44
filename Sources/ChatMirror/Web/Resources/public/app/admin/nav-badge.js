// Count badges on sidebar entries (unacknowledged alerts), kept across the nav's redraws.
const counts = new Map();

/** The count shown for `section` (0 = no badge). */
export const badgeCount = (section) => counts.get(section) || 0;

/** Sets the count for `section` and updates the badge in the sidebar, if drawn. */
export function setBadge(section, count) {
  counts.set(section, count);
  const el = document.querySelector(`[data-badge-for="${section}"]`);
  if (!el) return;
  el.textContent = count > 99 ? '99+' : String(count);
  el.hidden = !count;
}
