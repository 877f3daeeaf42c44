// A modal yes/no question built on <dialog>.
import { t } from '../common/i18n.js';

/** Asks the user; resolves true when they confirm. */
export function confirmDialog({ title, text, ok = t('action.delete') }) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = ok;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}
