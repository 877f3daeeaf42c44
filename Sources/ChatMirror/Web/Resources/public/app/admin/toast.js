// Short messages in a corner ("Saved", "Link revoked"); errors stay until dismissed.
import { h } from '/common/dom.js';
import { iconButton } from '/common/icons.js';
import { t } from '/common/i18n.js';

/** Shows `text`; kind 'success' | 'error' | 'info'. */
export function toast(text, kind = 'success') {
  const region = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'toast-text', text }),
    iconButton('close', t('action.dismiss'), () => el.remove()));
  region.append(el);
  if (kind !== 'error') setTimeout(() => el.remove(), 4000);
}
