// A modal yes/no question built on <dialog>.
import { t } from '../common/i18n.js';

/** Asks the user; resolves true when they confirm (`danger`: the OK button says it destroys something). */
export function confirmDialog({ title, text, ok = t('action.delete'), danger = true }) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  const button = document.getElementById('confirm-ok');
  button.textContent = ok;
  button.classList.toggle('btn-danger', danger);
  button.classList.toggle('btn-primary', !danger);
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}
