// One user: profile (name, role, status, access mode), plan and own limits, bound accounts, usage, password reset,
// share links, API keys, delete.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { navigate } from './router.js';
import { pageHeader, card, columns, loadOrExplain } from './page-parts.js';
import { badge, formatDate } from './format.js';
import { field, textInput, select, formMessage, say, clearErrors, showApiError, changedText } from './fields.js';
import { ACCESS_MODES } from './users-create.js';
import { renderShareLinks } from './share-links.js';
import { renderUserApiKeys } from './user-api-keys.js';
import { renderPasswordReset } from './password-reset.js';
import { planSelectForm } from './plan-select.js';
import { limitsForm } from './limits-form.js';
import { renderUserBindings } from './user-bindings.js';
import { renderUserUsage } from './user-usage.js';
import { confirmDialog } from './dialog.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

function profileForm(user, saved) {
  const form = h('form', { class: 'stack', novalidate: true, id: 'user-profile-form' },
    formMessage(),
    field('display_name', 'admin.users.display_name', textInput(user.display_name, { maxlength: 100 })),
    h('div', { class: 'field-row' },
      field('role', 'admin.users.role', select([['user', 'admin.value.user'], ['admin', 'admin.value.admin']], user.role)),
      field('status', 'admin.users.status', select([['active', 'admin.value.active'],
        ['disabled', 'admin.value.disabled']], user.status), 'admin.users.status_hint'),
      field('access_mode', 'admin.users.access_mode', select(ACCESS_MODES, user.access_mode))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: t('admin.save') })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = changedText(form, ['display_name', 'role', 'status', 'access_mode'], user);
    if (Object.keys(body).length === 0) { say(form, t('admin.no_changes'), 'info'); return; }
    try {
      saved(await api.patch(`/api/admin/users/${user.id}`, body), body);
    } catch (error) {
      showApiError(form, error);
    }
  });
  return form;
}

function dangerZone(user, reload) {
  const disabled = user.status === 'disabled';
  const toggle = h('button', { type: 'button', class: disabled ? 'btn' : 'btn btn-danger', id: 'user-toggle-status',
    text: t(disabled ? 'admin.users.enable' : 'admin.users.disable') });
  const remove = h('button', { type: 'button', class: 'btn btn-danger', id: 'user-delete', text: t('admin.users.delete') });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (error) => { message.textContent = describeError(error); message.hidden = false; };
  toggle.addEventListener('click', async () => {
    if (!disabled && !await confirmDialog({ title: t('admin.users.disable_title', { name: user.username }),
      text: t('admin.users.disable_text'), ok: t('admin.users.disable') })) return;
    try {
      await api.patch(`/api/admin/users/${user.id}`, { status: disabled ? 'active' : 'disabled' });
      toast(t(disabled ? 'admin.users.enabled_done' : 'admin.users.disabled_done', { name: user.username }));
      reload();
    } catch (error) { fail(error); }
  });
  remove.addEventListener('click', async () => {
    if (!await confirmDialog({ title: t('admin.users.delete_title', { name: user.username }),
      text: t('admin.users.delete_text') })) return;
    try {
      await api.delete(`/api/admin/users/${user.id}`);
      toast(t('admin.users.deleted', { name: user.username }));
      navigate('/admin/users');
    } catch (error) { fail(error); }
  });
  return card(t('admin.users.danger'), message,
    h('div', { class: 'danger-row' }, h('p', { class: 'muted', text: t(disabled ? 'admin.users.enable_help'
      : 'admin.users.disable_help') }), toggle),
    h('div', { class: 'danger-row' }, h('p', { class: 'muted', text: t('admin.users.delete_help') }), remove));
}

/** Draws the page for user `params.id`. */
export async function renderUserPage(container, params) {
  const back = { href: '/admin/users', label: t('admin.nav.users') };
  const user = await loadOrExplain(container, `/api/admin/users/${encodeURIComponent(params.id)}`, back);
  if (!user) return;
  const reload = () => {
    container.replaceChildren();
    renderUserPage(container, params);
  };
  const subtitle = h('p', { class: 'page-subtitle' }, h('span', { class: 'mono', text: `@${user.username}` }), ' ',
    badge(user.role), ' ', badge(user.status), ' ',
    h('span', { class: 'muted', text: t('admin.users.last_login_at', { time: formatDate(user.last_login_at) }) }));
  container.append(
    pageHeader({ title: user.display_name, back, subtitle }),
    columns([
      card(t('admin.users.profile'), profileForm(user, (_updated, body) => {
        toast(body.status === 'disabled' ? t('admin.users.disabled_done', { name: user.username }) : t('admin.saved'));
        reload();
      })),
      card(t('admin.limits.user_title'), limitsForm(`/api/admin/users/${user.id}/limits`, 'user-limits-form',
        'admin.limits.user_help')),
      card(t('admin.bindings.title'), renderUserBindings(user)),
      card(t('admin.links.title'), renderShareLinks(user)),
      card(t('admin.keys.title'), renderUserApiKeys(user)),
    ], [
      card(t('admin.plans.user_plan'), planSelectForm({ path: `/api/admin/users/${user.id}/plan`, current: user.plan_id,
        id: 'user-plan-form', helpKey: 'admin.plans.user_plan_help' })),
      card(t('admin.usage.title'), renderUserUsage(user)),
      card(t('admin.users.password_reset'), renderPasswordReset(user)),
      dangerZone(user, reload),
    ]));
}
