// Dismissable messages above the conversation: errors, "server unreachable" with Retry, information.
import { h } from '../common/dom.js';
import { iconButton } from '../common/icons.js';
import { t, showText } from '../common/i18n.js';

const shown = new Map();

/** An element showing `text` (see showText: a function follows the language). */
function textElement(tag, attrs, text) {
  const el = h(tag, attrs);
  showText(el, text);
  return el;
}

/**
 * Shows (or replaces) the notice `id`; `message` is a function of the language (or a string). Options: `kind`
 * ('error' | 'warning' | 'info'), `action` ({label, run}; label likewise) for a button, `timeout` in ms to hide
 * by itself.
 */
export function showNotice(id, message, { kind = 'error', action = null, timeout = 0 } = {}) {
  dismissNotice(id);
  const region = document.getElementById('notices');
  const close = iconButton('close', t('action.dismiss'), () => dismissNotice(id), 'notice-close');
  close.dataset.i18nAttr = 'aria-label:action.dismiss;title:action.dismiss';
  const el = h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { notice: id } },
    textElement('span', { class: 'notice-text' }, message),
    action && textElement('button', { type: 'button', class: 'btn btn-small notice-action',
      onclick: () => { dismissNotice(id); action.run(); } }, action.label),
    close);
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
