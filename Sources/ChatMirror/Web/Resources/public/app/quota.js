// What is left of the user's quota, near the composer. Hidden unless GET /api/me/quota answers with limits.
import { api } from '../common/api.js';
import { t, formatTime, onLangChange } from '../common/i18n.js';

const WARN_RATIO = 0.8;
let lastLimits = [];

const el = () => document.getElementById('quota');

/** The limit closest to running out (the one worth showing). */
function tightest(limits) {
  return [...limits].sort((a, b) => (a.remaining / (a.max_requests || 1)) - (b.remaining / (b.max_requests || 1)))[0];
}

function render() {
  const node = el();
  const limits = lastLimits.filter((l) => l && typeof l.max_requests === 'number' && l.max_requests > 0);
  if (limits.length === 0) {
    node.hidden = true;
    return;
  }
  // The server reports used_requests / remaining_requests (docs/api.md, "Quota").
  const limit = tightest(limits.map((l) => {
    const used = typeof l.used_requests === 'number' ? l.used_requests : l.used;
    const remaining = typeof l.remaining_requests === 'number' ? l.remaining_requests : l.remaining;
    return {
      ...l,
      used: typeof used === 'number' ? used : l.max_requests - (remaining ?? 0),
      remaining: typeof remaining === 'number' ? remaining : l.max_requests - (used ?? 0),
    };
  }));
  const window = limit.window ? t('quota.window', { window: limit.window }) : '';
  let text = t('quota.left', { remaining: Math.max(0, limit.remaining), max: limit.max_requests, window });
  if (limit.resets_at && !Number.isNaN(Date.parse(limit.resets_at))) {
    text += ` · ${t('quota.resets', { time: formatTime(limit.resets_at) })}`;
  }
  const warn = Boolean(limit.warning) || limit.used / limit.max_requests >= WARN_RATIO;
  node.textContent = text;
  node.classList.toggle('quota-warning', warn && limit.remaining > 0);
  node.classList.toggle('quota-exhausted', limit.remaining <= 0);
  node.hidden = false;
}

/** Reloads the quota; any failure (no quota API yet, no limits) hides the element. */
export async function refreshQuota() {
  try {
    const data = await api.get('/api/me/quota');
    lastLimits = (data && Array.isArray(data.limits)) ? data.limits : [];
  } catch {
    lastLimits = [];
  }
  render();
}

onLangChange(render);
