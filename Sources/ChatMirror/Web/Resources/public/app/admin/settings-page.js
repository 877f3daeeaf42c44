// Site settings (/admin/settings): name, what new users get (plan, access mode), the timezone of calendar
// windows, the alert webhook and the session lifetime. Saved in one request: all or nothing.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { pageHeader, card } from './page-parts.js';
import { field, textInput, select, formMessage, say, clearErrors, showApiError, optionalInt, changedText } from './fields.js';
import { planOptions } from './plan-select.js';
import { ACCESS_MODES } from './users-create.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

function timezoneList() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return h('datalist', { id: 'timezones' }, ...['UTC', ...zones].map((zone) => h('option', { value: zone })));
}

function settingsForm(settings) {
  const plan = h('select', {});
  const form = h('form', { class: 'stack', novalidate: true, id: 'settings-form' }, formMessage(),
    field('site_name', 'admin.settings.site_name', textInput(settings.site_name, { maxlength: 100 })),
    h('h3', { class: 'sub-title', text: t('admin.settings.new_users') }),
    h('div', { class: 'field-row' },
      field('default_plan_id', 'admin.settings.default_plan', plan, 'admin.settings.default_plan_hint'),
      field('default_access_mode', 'admin.settings.default_access_mode', select(ACCESS_MODES, settings.default_access_mode))),
    h('h3', { class: 'sub-title', text: t('admin.settings.limits_and_sessions') }),
    h('div', { class: 'field-row' },
      field('timezone', 'admin.settings.timezone', textInput(settings.timezone, { list: 'timezones', class: 'mono',
        autocomplete: 'off', spellcheck: 'false' }), 'admin.settings.timezone_hint'),
      field('session_lifetime_hours', 'admin.settings.session_lifetime', textInput(settings.session_lifetime_hours ?? '',
        { inputmode: 'numeric', placeholder: t('admin.settings.session_default') }), 'admin.settings.session_hint')),
    timezoneList(),
    h('h3', { class: 'sub-title', text: t('admin.settings.alerts') }),
    field('webhook_url', 'admin.settings.webhook_url', textInput(settings.webhook_url || '', { class: 'mono',
      placeholder: 'https://hooks.example.com/chatmirror' }), 'admin.settings.webhook_hint'),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'settings-save',
      text: t('admin.save') })));
  planOptions(plan, settings.default_plan_id, 'admin.settings.no_default_plan').catch((error) => showApiError(form, error));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = changedText(form, ['site_name', 'default_access_mode', 'timezone', 'webhook_url'], settings);
    const planId = plan.value === '' ? null : Number(plan.value);
    if (planId !== (settings.default_plan_id ?? null)) body.default_plan_id = planId;
    let hours;
    try { hours = optionalInt(form, 'session_lifetime_hours'); } catch { return; }
    if (hours !== undefined && hours !== settings.session_lifetime_hours) body.session_lifetime_hours = hours;
    if (!Object.keys(body).length) { say(form, t('admin.no_changes'), 'info'); return; }
    try {
      Object.assign(settings, await api.put('/api/admin/settings', body));
      toast(t('admin.saved'));
      say(form, t('admin.saved'), 'info');
    } catch (error) { showApiError(form, error); }
  });
  return form;
}

/** Draws the page. */
export async function renderSettingsPage(container) {
  container.append(pageHeader({ title: t('admin.nav.settings') }));
  try {
    container.append(card(null, settingsForm(await api.get('/api/admin/settings'))));
  } catch (error) {
    container.append(h('p', { class: 'form-error', role: 'alert', text: describeError(error) }));
  }
}
