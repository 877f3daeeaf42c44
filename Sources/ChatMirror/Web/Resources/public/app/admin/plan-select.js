// Choosing the plan of a user or an upstream account: a select of every plan (or none) and a save button.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { field, formMessage, say, clearErrors, showApiError } from './fields.js';
import { toast } from './toast.js';

/** The plans as <option>s, "no plan" first; `noneKey` names the empty choice. */
export async function planOptions(select, current, noneKey = 'admin.plans.no_plan') {
  const { plans } = await api.get('/api/admin/plans');
  select.replaceChildren(h('option', { value: '', text: t(noneKey) }),
    ...plans.map((plan) => h('option', { value: String(plan.id), text: plan.name })));
  select.value = current == null ? '' : String(current);
  return plans;
}

/** A form that PUTs `{plan_id}` to `path`; `current` is the plan id now set (or null). */
export function planSelectForm({ path, current, id, helpKey, onSaved = () => {} }) {
  const select = h('select', {});
  const form = h('form', { class: 'stack', novalidate: true, id }, h('p', { class: 'muted', text: t(helpKey) }), formMessage(),
    field('plan_id', 'admin.plans.plan', select),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: t('admin.save') })));
  planOptions(select, current).catch((error) => showApiError(form, error));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const planId = select.value === '' ? null : Number(select.value);
    try {
      const saved = await api.put(path, { plan_id: planId });
      toast(t('admin.saved'));
      say(form, t('admin.saved'), 'info');
      onSaved(saved);
    } catch (error) { showApiError(form, error); }
  });
  return form;
}
