// Every console page and sidebar entry.
import { addRoute, addNavItem } from './router.js';
import { renderDashboard } from './dashboard.js';
import { renderUsersPage } from './users-page.js';
import { renderUsersCreatePage } from './users-create.js';
import { renderUserPage } from './user-page.js';
import { renderAccountsPage } from './accounts-page.js';
import { renderAccountPage } from './account-page.js';
import { renderAccountsImportPage } from './accounts-import.js';
import { renderPlansPage } from './plans-page.js';
import { renderPlanPage } from './plan-page.js';
import { renderAlertsPage } from './alerts-page.js';
import { renderAuditPage } from './audit-page.js';
import { renderSettingsPage } from './settings-page.js';

/** Registers the routes and the navigation. */
export function registerPages() {
  addNavItem('dashboard', 'admin.nav.dashboard', '/admin');
  addNavItem('users', 'admin.nav.users', '/admin/users');
  addNavItem('accounts', 'admin.nav.accounts', '/admin/accounts');
  addNavItem('plans', 'admin.nav.plans', '/admin/plans');
  addNavItem('alerts', 'admin.nav.alerts', '/admin/alerts');
  addNavItem('audit', 'admin.nav.audit', '/admin/audit');
  addNavItem('settings', 'admin.nav.settings', '/admin/settings');

  addRoute('/admin', 'dashboard', renderDashboard);
  addRoute('/admin/users', 'users', renderUsersPage);
  addRoute('/admin/users/new', 'users', renderUsersCreatePage);
  addRoute('/admin/users/:id', 'users', renderUserPage);
  addRoute('/admin/accounts', 'accounts', renderAccountsPage);
  addRoute('/admin/accounts/new', 'accounts', renderAccountPage);
  addRoute('/admin/accounts/import', 'accounts', renderAccountsImportPage);
  addRoute('/admin/accounts/:id', 'accounts', renderAccountPage);
  addRoute('/admin/plans', 'plans', renderPlansPage);
  addRoute('/admin/plans/new', 'plans', renderPlanPage);
  addRoute('/admin/plans/:id', 'plans', renderPlanPage);
  addRoute('/admin/alerts', 'alerts', renderAlertsPage);
  addRoute('/admin/audit', 'audit', renderAuditPage);
  addRoute('/admin/settings', 'settings', renderSettingsPage);
}
