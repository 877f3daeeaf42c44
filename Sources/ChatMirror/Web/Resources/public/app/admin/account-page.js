// Create or edit one upstream account; on an existing one: test the connection, fetch its models, enable or
// disable it, delete it, choose its plan, see who is bound to it. The key is write-only: blank keeps the stored one.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { navigate } from './router.js';
import { pageHeader, card, columns, loadOrExplain } from './page-parts.js';
import { badge, formatDate } from './format.js';
import { field, textInput, select, formMessage, say, clearErrors, showApiError } from './fields.js';
import { settingsFields, readSettings, parseModels } from './account-fields.js';
import { testAccount, testResult } from './account-test.js';
import { accountPlanCards } from './account-usage.js';
import { confirmDialog } from './dialog.js';
import { describeError } from './errors.js';
import { toast } from './toast.js';

function accountForm(account) {
  const isNew = !account;
  const fetchButton = h('button', { type: 'button', class: 'btn btn-small', id: 'fetch-models',
    text: t('admin.accounts.fetch_models'), disabled: isNew, title: isNew ? t('admin.accounts.save_first') : null });
  const [connection, ...rest] = settingsFields(account || {}, h('div', { class: 'field-extra' }, fetchButton,
    isNew ? h('span', { class: 'field-hint', text: t('admin.accounts.save_first') }) : null));
  const fields = [
    field('name', 'admin.accounts.name', textInput(account && account.name, { maxlength: 100 })),
    connection,
    field('api_key', 'admin.accounts.api_key', h('input', { type: 'password', autocomplete: 'off', class: 'mono',
      placeholder: isNew ? t('admin.accounts.api_key_new') : t('admin.accounts.api_key_keep',
        { masked: account.api_key_masked || t('admin.accounts.no_key') }) }), 'admin.accounts.api_key_hint'),
    ...rest,
  ];
  if (isNew) {
    fields.push(field('status', 'admin.accounts.status', select([['active', 'admin.value.active'],
      ['disabled', 'admin.value.disabled']], 'active')));
  }
  return h('form', { class: 'stack', novalidate: true, id: 'account-form' }, formMessage(), ...fields,
    h('div', { class: 'form-actions' },
      h('a', { class: 'btn', href: '/admin/accounts', text: t('action.cancel') }),
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'account-save',
        text: t(isNew ? 'admin.accounts.create_submit' : 'admin.save') })));
}

function readForm(form, isNew) {
  const body = { name: form.elements.name.value.trim(), ...readSettings(form) };
  const key = form.elements.api_key.value.trim();
  if (key) body.api_key = key;
  if (isNew) body.status = form.elements.status.value;
  return body;
}

function testCard(account, form) {
  const output = h('div', { id: 'test-output' });
  const button = h('button', { type: 'button', class: 'btn', id: 'test-connection', text: t('admin.test.run') });
  const useModels = (models) => {
    form.elements.models.value = models.join('\n');
    say(form, t('admin.test.models_filled'), 'info');
    form.elements.models.focus();
  };
  const run = async () => {
    button.disabled = true;
    output.replaceChildren(h('p', { class: 'muted', role: 'status', text: t('admin.test.running') }));
    const result = await testAccount(account.id);
    output.replaceChildren(testResult(result, useModels));
    button.disabled = false;
    return result;
  };
  button.addEventListener('click', run);
  form.querySelector('#fetch-models').addEventListener('click', async () => {
    const result = await run();
    if (result.ok && result.models && result.models.length) {
      const typed = parseModels(form.elements.models.value);
      useModels([...new Set([...typed, ...result.models])]);
    }
  });
  const section = card(t('admin.test.title'), h('p', { class: 'muted', text: t('admin.test.help') }),
    h('div', { class: 'form-actions form-actions-start' }, button), output);
  return { section, run };
}

function statusCard(account, reload) {
  const disabled = account.status === 'disabled';
  const toggle = h('button', { type: 'button', class: 'btn', id: 'account-toggle-status',
    text: t(disabled ? 'admin.accounts.enable' : 'admin.accounts.disable') });
  const remove = h('button', { type: 'button', class: 'btn btn-danger', id: 'account-delete', text: t('action.delete') });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });
  toggle.addEventListener('click', async () => {
    try {
      await api.patch(`/api/admin/accounts/${account.id}`, { status: disabled ? 'active' : 'disabled' });
      toast(t(disabled ? 'admin.accounts.enabled_done' : 'admin.accounts.disabled_done', { name: account.name }));
      reload();
    } catch (error) { message.textContent = describeError(error); message.hidden = false; }
  });
  remove.addEventListener('click', async () => {
    if (!await confirmDialog({ title: t('admin.accounts.delete_title', { name: account.name }),
      text: t('admin.accounts.delete_text') })) return;
    try {
      await api.delete(`/api/admin/accounts/${account.id}`);
      toast(t('admin.accounts.deleted', { name: account.name }));
      navigate('/admin/accounts');
    } catch (error) { message.textContent = describeError(error); message.hidden = false; }
  });
  return card(t('admin.accounts.state'), message,
    h('p', {}, badge(account.status), account.status_reason ? ` ${account.status_reason}` : '',
      h('span', { class: 'muted', text: ` · ${t('admin.accounts.last_check', { time: formatDate(account.last_check_at) })}` })),
    h('div', { class: 'form-actions form-actions-start' }, toggle, remove));
}

/** Draws `/admin/accounts/new` (no `params.id`) or `/admin/accounts/:id`. */
export async function renderAccountPage(container, params, query) {
  const back = { href: '/admin/accounts', label: t('admin.nav.accounts') };
  const path = `/api/admin/accounts/${encodeURIComponent(params.id)}`;
  const account = params.id ? await loadOrExplain(container, path, back) : null;
  if (params.id && !account) return;
  const isNew = !account;
  const form = accountForm(account);
  const reload = () => { container.replaceChildren(); renderAccountPage(container, params, new URLSearchParams()); };
  const test = isNew ? null : testCard(account, form);
  container.append(
    pageHeader({ title: isNew ? t('admin.accounts.create_title') : account.name, back }),
    isNew ? card(null, form) : columns([card(null, form)], [test.section, statusCard(account, reload),
      ...accountPlanCards(account)]));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    let body;
    try { body = readForm(form, isNew); } catch { return; }
    try {
      if (isNew) {
        const created = await api.post('/api/admin/accounts', body);
        toast(t('admin.accounts.created', { name: created.name }));
        navigate(`/admin/accounts/${created.id}?test=1`);
      } else {
        await api.patch(`/api/admin/accounts/${account.id}`, body);
        toast(t('admin.saved'));
        reload();
      }
    } catch (error) {
      showApiError(form, error);
    }
  });
  // Just created: check the connection straight away, so the admin sees whether the settings work.
  if (test && query.get('test') === '1') {
    history.replaceState(null, '', location.pathname);
    test.run();
  }
}
