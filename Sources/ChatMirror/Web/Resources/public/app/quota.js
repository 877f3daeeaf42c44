// What is left of the user's quota, near the composer. Hidden unless GET /api/me/quota answers with limits.
// Shows the limit closest to running out, in messages or in tokens, with its window in the page's language; at 0
// left (a limit on every model) the Send button waits until the window resets.
import { api } from '../common/api.js';
import { t, formatTime, onLangChange } from '../common/i18n.js';
import { setComposerBlocked } from './composer.js';

const WARN_RATIO = 0.8;
let lastLimits = [];
let resetTimer = null;

const el = () => document.getElementById('quota');
const count = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Each limit's request and token parts as {unit, max, used, remaining}; the server's names (docs/api.md, "Quota"). */
function parts(limit) {
  const out = [];
  for (const unit of ['requests', 'tokens']) {
    const max = count(limit[`max_${unit}`]);
    if (max === null || max <= 0) continue;
    const used = count(limit[`used_${unit}`]) ?? count(unit === 'requests' ? limit.used : null);
    const remaining = count(limit[`remaining_${unit}`]) ?? count(unit === 'requests' ? limit.remaining : null);
    out.push({ ...limit, unit, max, used: used ?? max - (remaining ?? 0), remaining: remaining ?? max - (used ?? 0) });
  }
  return out;
}

/** "in any 3 hours", "today", ...: a window in the page's language. */
export function windowText(window) {
  if (['hour', 'day', 'week', 'month'].includes(window)) return t(`quota.window_${window}`);
  const match = /^(\d+)([smhd])$/.exec(String(window || ''));
  if (!match) return window ? t('quota.window_other', { window }) : '';
  const n = Number(match[1]);
  return t('quota.window_rolling', { n, unit: t(`quota.unit_${match[2]}${n === 1 ? '_one' : ''}`) });
}

function render() {
  const node = el();
  const all = lastLimits.filter((l) => l && typeof l === 'object').flatMap(parts);
  clearTimeout(resetTimer);
  if (all.length === 0) {
    node.hidden = true;
    setComposerBlocked(null);
    return;
  }
  // The part closest to running out; when as close, messages before tokens, then the one with fewer left.
  const unitRank = (l) => (l.unit === 'requests' ? 0 : 1);
  const limit = all.sort((a, b) => (a.remaining / a.max) - (b.remaining / b.max)
    || unitRank(a) - unitRank(b) || a.remaining - b.remaining)[0];
  const window = limit.window ? t('quota.window', { window: windowText(limit.window) }) : '';
  const key = limit.unit === 'tokens' ? 'quota.left_tokens' : 'quota.left';
  let text = t(key, { remaining: Math.max(0, limit.remaining), max: limit.max, window });
  const resets = limit.resets_at && !Number.isNaN(Date.parse(limit.resets_at)) ? Date.parse(limit.resets_at) : null;
  if (resets) text += ` · ${t('quota.resets', { time: formatTime(limit.resets_at) })}`;
  const warn = Boolean(limit.warning) || limit.used / limit.max >= WARN_RATIO;
  node.textContent = text;
  node.classList.toggle('quota-warning', warn && limit.remaining > 0);
  node.classList.toggle('quota-exhausted', limit.remaining <= 0);
  node.hidden = false;
  // Used up on every model: Send waits (and the quota is read again when the window resets).
  const blocked = all.find((l) => l.remaining <= 0 && !l.model_pattern);
  setComposerBlocked(blocked ? text : null);
  if (blocked && resets) resetTimer = setTimeout(refreshQuota, Math.min(Math.max(1000, resets - Date.now() + 500), 2 ** 31 - 1));
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
