// The audit log (/admin/audit): who did what, when, from where, with the recorded details; filtered by actor,
// action and dates (kept in the address), 50 a page.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { setQuery } from './router.js';
import { pageHeader, table } from './page-parts.js';
import { emptyRow, formatDate } from './format.js';
import { field, textInput, select, formMessage, clearErrors, showApiError } from './fields.js';

const PAGE_SIZE = 50;
const ACTIONS = ['user.', 'share_link.', 'api_key.', 'account.', 'plan.', 'limits.', 'settings.', 'alert.'];

function targetCell(target) {
  const match = /^(user|account|plan):(\d+)$/.exec(target || '');
  if (!match) return h('td', { class: 'mono', text: target || '–' });
  return h('td', {}, h('a', { class: 'mono', href: `/admin/${match[1]}s/${match[2]}`, text: target }));
}

const shown = (value) => (value == null ? '–' : typeof value === 'string' ? value : JSON.stringify(value));

/** One recorded detail; `changes` entries show as "field: before → after". */
function detailRows([key, value]) {
  if (key === 'changes' && value && typeof value === 'object') {
    return Object.entries(value).flatMap(([field, change]) => [
      h('dt', { text: field }),
      h('dd', { class: 'mono audit-change' }, h('del', { text: shown(change && change.before) }), ' → ',
        h('ins', { text: shown(change && change.after) }))]);
  }
  return [h('dt', { text: key }), h('dd', { class: 'mono', text: shown(value) })];
}

function detailsCell(details) {
  if (!details || typeof details !== 'object' || !Object.keys(details).length) return h('td', { class: 'muted', text: '–' });
  return h('td', {}, h('dl', { class: 'audit-details' }, ...Object.entries(details).flatMap(detailRows)));
}

function entryRow(entry) {
  return h('tr', { dataset: { action: entry.action } },
    h('td', { class: 'nowrap', text: formatDate(entry.created_at) }),
    h('td', { text: entry.actor || '–' }),
    h('td', { class: 'mono', text: entry.action }),
    targetCell(entry.target),
    h('td', { class: 'mono nowrap', text: entry.ip || '–' }),
    detailsCell(entry.details));
}

/** Draws the page. */
export function renderAuditPage(container, _params, query) {
  const state = { actor: query.get('actor') || '', action: query.get('action') || '', from: query.get('from') || '',
    to: query.get('to') || '', page: Math.max(0, parseInt(query.get('page') || '0', 10) || 0) };
  const form = h('form', { class: 'filter-form', novalidate: true, id: 'audit-filters' },
    field('actor', 'admin.audit.actor', textInput(state.actor, { placeholder: t('admin.audit.anyone') })),
    field('action', 'admin.audit.action', select([['', 'admin.audit.any_action'],
      ...ACTIONS.map((a) => [a, `admin.audit.action_${a.slice(0, -1)}`])], state.action)),
    field('from', 'admin.audit.from', h('input', { type: 'date', value: state.from })),
    field('to', 'admin.audit.to', h('input', { type: 'date', value: state.to })),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: t('admin.audit.apply') })),
    formMessage());
  const tbody = h('tbody', { id: 'audit-rows' });
  const summary = h('span', { class: 'muted' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', text: t('admin.paging.prev') });
  const next = h('button', { type: 'button', class: 'btn btn-small', text: t('admin.paging.next') });
  container.append(pageHeader({ title: t('admin.nav.audit') }), form,
    table([t('admin.audit.when'), t('admin.audit.who'), t('admin.audit.action'), t('admin.audit.target'), t('admin.audit.ip'),
      t('admin.audit.details')], tbody, { id: 'audit-table' }),
    h('div', { class: 'pager' }, summary, prev, next));

  async function load() {
    clearErrors(form);
    setQuery({ actor: state.actor, action: state.action, from: state.from, to: state.to, page: state.page || '' });
    const params = new URLSearchParams({ limit: PAGE_SIZE, offset: state.page * PAGE_SIZE });
    for (const key of ['actor', 'action', 'from', 'to']) if (state[key]) params.set(key, state[key]);
    try {
      const { entries } = await api.get(`/api/admin/audit?${params}`);
      tbody.replaceChildren(...(entries.length ? entries.map(entryRow) : [emptyRow(6, t('admin.audit.none'))]));
      summary.textContent = t('admin.audit.page', { page: state.page + 1 });
      prev.disabled = state.page === 0;
      next.disabled = entries.length < PAGE_SIZE;
    } catch (error) { showApiError(form, error); }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const key of ['actor', 'action', 'from', 'to']) state[key] = form.elements[key].value.trim();
    state.page = 0;
    load();
  });
  prev.addEventListener('click', () => { state.page = Math.max(0, state.page - 1); load(); });
  next.addEventListener('click', () => { state.page += 1; load(); });
  load();
}
