// One plan (/admin/plans/new, /admin/plans/:id): name, description and limits, saved all at once; who uses it;
// delete.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { navigate } from './router.js';
import { pageHeader, card, columns, loadOrExplain } from './page-parts.js';
import { field, textInput, textArea, formMessage, clearErrors, showApiError, showFieldError } from './fields.js';
import { limitsEditor } from './limits-editor.js';
import { planUsers } from './plan-users.js';
import { confirmDialog } from './dialog.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

function planForm(plan) {
  const editor = limitsEditor(plan ? plan.limits : [{ window: '3h', max_requests: 40 }]);
  const form = h('form', { class: 'stack', novalidate: true, id: 'plan-form' }, formMessage(),
    field('name', 'admin.plans.name', textInput(plan && plan.name, { maxlength: 100 })),
    field('description', 'admin.plans.description', textArea(plan && plan.description, { rows: 2, maxlength: 1000 })),
    h('h3', { class: 'sub-title', text: t('admin.plans.limits') }),
    h('p', { class: 'muted', text: t('admin.plans.limits_help') }),
    editor.element,
    h('div', { class: 'form-actions' },
      h('a', { class: 'btn', href: '/admin/plans', text: t('action.cancel') }),
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'plan-save',
        text: t(plan ? 'admin.save' : 'admin.plans.create_submit') })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const name = form.elements.name.value.trim();
    let limits;
    try { limits = editor.read(form); } catch { return; }
    if (!name) { showFieldError(form, 'name', t('admin.plans.name_required')); return; }
    const body = { name, description: form.elements.description.value.trim(), limits };
    try {
      const saved = plan ? await api.patch(`/api/admin/plans/${plan.id}`, body) : await api.post('/api/admin/plans', body);
      toast(t(plan ? 'admin.saved' : 'admin.plans.created', { name: saved.name }));
      navigate(`/admin/plans/${saved.id}`, { replace: !plan });
    } catch (error) {
      if (error.code === 'conflict') showFieldError(form, 'name', t('admin.plans.name_taken'));
      else showApiError(form, error);
    }
  });
  return form;
}

function deleteCard(plan) {
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const remove = h('button', { type: 'button', class: 'btn btn-danger', id: 'plan-delete', text: t('admin.plans.delete') });
  remove.addEventListener('click', async () => {
    if (!await confirmDialog({ title: t('admin.plans.delete_title', { name: plan.name }), text: t('admin.plans.delete_text') })) return;
    try {
      await api.delete(`/api/admin/plans/${plan.id}`);
      toast(t('admin.plans.deleted', { name: plan.name }));
      navigate('/admin/plans');
    } catch (error) { message.textContent = describeError(error); message.hidden = false; }
  });
  return card(t('admin.plans.delete'), message, h('p', { class: 'muted', text: t('admin.plans.delete_help') }), remove);
}

/** Draws the page for `params.id`, or the new-plan form. */
export async function renderPlanPage(container, params) {
  const back = { href: '/admin/plans', label: t('admin.nav.plans') };
  const plan = params.id ? await loadOrExplain(container, `/api/admin/plans/${encodeURIComponent(params.id)}`, back) : null;
  if (params.id && !plan) return;
  const form = planForm(plan);
  container.append(
    pageHeader({ title: plan ? plan.name : t('admin.plans.create_title'), back }),
    plan ? columns([card(null, form)], [card(t('admin.plans.used_by'), planUsers(plan.id)), deleteCard(plan)])
      : card(null, form));
}
