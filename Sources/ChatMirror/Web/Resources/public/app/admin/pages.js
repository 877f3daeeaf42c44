// Every console page and sidebar entry. Pages whose API does not exist yet (dashboard, plans, bindings,
// alerts, audit log, settings) are added here once it does.
import { addRoute, addNavItem } from './router.js';
import { renderUsersPage } from './users-page.js';
import { renderUsersCreatePage } from './users-create.js';
import { renderUserPage } from './user-page.js';
import { renderAccountsPage } from './accounts-page.js';
import { renderAccountPage } from './account-page.js';
import { renderAccountsImportPage } from './accounts-import.js';

/** Registers the routes and the navigation. */
export function registerPages() {
  addNavItem('users', 'admin.nav.users', '/admin/users');
  addNavItem('accounts', 'admin.nav.accounts', '/admin/accounts');

  addRoute('/admin', 'users', renderUsersPage);
  addRoute('/admin/users', 'users', renderUsersPage);
  addRoute('/admin/users/new', 'users', renderUsersCreatePage);
  addRoute('/admin/users/:id', 'users', renderUserPage);
  addRoute('/admin/accounts', 'accounts', renderAccountsPage);
  addRoute('/admin/accounts/new', 'accounts', renderAccountPage);
  addRoute('/admin/accounts/import', 'accounts', renderAccountsImportPage);
  addRoute('/admin/accounts/:id', 'accounts', renderAccountPage);
}
