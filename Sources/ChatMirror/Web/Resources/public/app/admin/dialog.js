// Modal questions on <dialog>, built through the DOM.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';

/** Asks a yes/no question; resolves true when confirmed. `danger` styles the confirm button red. */
export function confirmDialog({ title, text, ok = t('action.delete'), danger = true }) {
  const dialog = h('dialog', { class: 'dialog confirm-dialog', 'aria-labelledby': 'confirm-title' },
    h('form', { method: 'dialog', class: 'dialog-body' },
      h('h2', { id: 'confirm-title', text: title }),
      h('p', { text }),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'btn', text: t('action.cancel') }),
        h('button', { type: 'submit', value: 'ok', class: danger ? 'btn btn-danger' : 'btn btn-primary', text: ok,
          dataset: { testid: 'confirm-ok' } }))));
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    }, { once: true });
  });
}
