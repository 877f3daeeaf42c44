// A form around the limits editor for a place that has only limits: the site (global) or one user's overrides.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { formMessage, say, clearErrors, showApiError } from './fields.js';
import { limitsEditor } from './limits-editor.js';
import { toast } from './toast.js';

/** Loads `GET path` → {limits}, and saves with `PUT path`; `id` names the form for tests. */
export function limitsForm(path, id, helpKey) {
  const form = h('form', { class: 'stack', novalidate: true, id }, h('p', { class: 'muted', text: t(helpKey) }),
    formMessage(), h('p', { class: 'muted', text: t('boot.loading') }));
  api.get(path).then(({ limits }) => {
    const editor = limitsEditor(limits);
    form.lastChild.replaceWith(editor.element, h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('admin.limits.save') })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      let limits;
      try { limits = editor.read(form); } catch { return; }
      try {
        await api.put(path, { limits });
        toast(t('admin.saved'));
        say(form, t('admin.saved'), 'info');
      } catch (error) { showApiError(form, error); }
    });
  }, (error) => showApiError(form, error));
  return form;
}
