// The user list: search, role, status and plan filters, paging; the filters live in the address (?q=&role=...).
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { setQuery } from './router.js';
import { pageHeader, table, linkButton } from './page-parts.js';
import { badge, emptyRow, formatDate } from './format.js';
import { select } from './fields.js';
import { describeError } from './errors.js';
import { planOptions } from './plan-select.js';

const PAGE_SIZE = 50;

function userRow(user) {
  return h('tr', { dataset: { userId: user.id, username: user.username } },
    h('td', {}, h('a', { href: `/admin/users/${user.id}`, class: 'row-link', text: user.username })),
    h('td', { text: user.display_name }),
    h('td', {}, badge(user.role)),
    h('td', {}, badge(user.status)),
    h('td', { text: t(`admin.value.${user.access_mode}`) }),
    h('td', { class: 'nowrap', text: formatDate(user.last_login_at) }),
    h('td', { class: 'nowrap', text: formatDate(user.created_at) }));
}

/** Draws the page into `container`. */
export function renderUsersPage(container, _params, query) {
  const state = { q: query.get('q') || '', role: query.get('role') || '', status: query.get('status') || '',
    plan_id: query.get('plan_id') || '', page: Math.max(0, parseInt(query.get('page') || '0', 10) || 0) };
  const search = h('input', { type: 'search', value: state.q, class: 'toolbar-search', id: 'users-search',
    placeholder: t('admin.users.search'), 'aria-label': t('admin.users.search') });
  const role = select([['', 'admin.users.any_role'], ['user', 'admin.value.user'], ['admin', 'admin.value.admin']],
    state.role, { id: 'users-role', 'aria-label': t('admin.users.role') });
  const status = select([['', 'admin.users.any_status'], ['active', 'admin.value.active'],
    ['disabled', 'admin.value.disabled']], state.status, { id: 'users-status', 'aria-label': t('admin.users.status') });
  const plan = h('select', { id: 'users-plan', 'aria-label': t('admin.users.plan') });
  planOptions(plan, null, 'admin.users.any_plan').then(() => {
    plan.insertBefore(h('option', { value: 'none', text: t('admin.users.no_plan') }), plan.children[1] || null);
    plan.value = state.plan_id;
  }).catch(() => { plan.hidden = true; });
  const tbody = h('tbody', { id: 'users-rows' });
  const summary = h('span', { class: 'muted', id: 'users-summary' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', text: t('admin.paging.prev') });
  const next = h('button', { type: 'button', class: 'btn btn-small', text: t('admin.paging.next') });
  const message = h('div', { class: 'form-error', role: 'alert', hidden: true });

  container.append(
    pageHeader({ title: t('admin.nav.users'), actions: [linkButton('/admin/users/new', t('admin.users.create'), 'btn-primary')] }),
    h('div', { class: 'toolbar' }, search, role, status, plan),
    message,
    table([t('admin.users.username'), t('admin.users.display_name'), t('admin.users.role'), t('admin.users.status'),
      t('admin.users.access_mode'), t('admin.users.last_login'), t('admin.users.created')], tbody, { id: 'users-table' }),
    h('div', { class: 'pager' }, summary, prev, next));

  let generation = 0;
  async function load() {
    const mine = ++generation;
    setQuery({ q: state.q, role: state.role, status: state.status, plan_id: state.plan_id, page: state.page || '' });
    const params = new URLSearchParams({ limit: PAGE_SIZE, offset: state.page * PAGE_SIZE });
    for (const key of ['q', 'role', 'status', 'plan_id']) if (state[key]) params.set(key, state[key]);
    try {
      const data = await api.get(`/api/admin/users?${params}`);
      if (mine !== generation) return;
      message.hidden = true;
      tbody.replaceChildren(...(data.users.length ? data.users.map(userRow)
        : [emptyRow(7, state.q || state.role || state.status || state.plan_id ? t('admin.users.no_match') : t('admin.users.none'))]));
      const first = data.total === 0 ? 0 : state.page * PAGE_SIZE + 1;
      summary.textContent = t('admin.paging.summary', { first, last: state.page * PAGE_SIZE + data.users.length,
        total: data.total });
      prev.disabled = state.page === 0;
      next.disabled = (state.page + 1) * PAGE_SIZE >= data.total;
    } catch (error) {
      if (mine !== generation) return;
      message.textContent = describeError(error);
      message.hidden = false;
    }
  }

  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = search.value.trim(); state.page = 0; load(); }, 250);
  });
  role.addEventListener('change', () => { state.role = role.value; state.page = 0; load(); });
  status.addEventListener('change', () => { state.status = status.value; state.page = 0; load(); });
  plan.addEventListener('change', () => { state.plan_id = plan.value; state.page = 0; load(); });
  prev.addEventListener('click', () => { state.page = Math.max(0, state.page - 1); load(); });
  next.addEventListener('click', () => { state.page += 1; load(); });
  load();
  return () => clearTimeout(timer);
}
