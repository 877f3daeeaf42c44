// Dismissable messages above the conversation: errors, "server unreachable" with Retry, information.
import { h } from '../common/dom.js';
import { iconButton } from '../common/icons.js';
import { t } from '../common/i18n.js';

const shown = new Map();

/**
 * Shows (or replaces) the notice `id`. Options: `kind` ('error' | 'warning' | 'info'), `action`
 * ({label, run}) for a button, `timeout` in ms to hide by itself.
 */
export function showNotice(id, message, { kind = 'error', action = null, timeout = 0 } = {}) {
  dismissNotice(id);
  const region = document.getElementById('notices');
  const el = h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { notice: id } },
    h('span', { class: 'notice-text', text: message }),
    action && h('button', { type: 'button', class: 'btn btn-small notice-action', text: action.label,
      onclick: () => { dismissNotice(id); action.run(); } }),
    iconButton('close', t('action.dismiss'), () => dismissNotice(id), 'notice-close'));
  region.append(el);
  const timer = timeout ? setTimeout(() => dismissNotice(id), timeout) : null;
  shown.set(id, { el, timer });
}

/** Hides the notice `id` if shown. */
export function dismissNotice(id) {
  const entry = shown.get(id);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.el.remove();
  shown.delete(id);
}
