// Start-up: who is signed in (admin, someone else, nobody), then the routed pages.
import './register-strings.js';
import { api, apiEvents, setCsrf } from '/common/api.js';
import { applyTranslations, onLangChange, t } from '/common/i18n.js';
import { initTheme } from '/common/theme.js';
import { initLogin, showLogin, showRefused } from './login.js';
import { initLanguageSelects, initShell, showConsole } from './shell.js';
import { onNavigate, startRouter } from './router.js';
import { registerPages } from './pages.js';
import { renderCurrentPage } from './page-host.js';
import { onLive, startLive, stopLive } from './live.js';
import { setBadge } from './nav-badge.js';
import { toast } from './toast.js';

const byId = (id) => document.getElementById(id);
let signedInAs = null;

function showBoot(message, retry) {
  byId('boot').hidden = false;
  byId('boot-message').textContent = message;
  byId('boot-retry').hidden = !retry;
}

async function start() {
  showBoot(t('boot.loading'), false);
  let me;
  try {
    me = await api.get('/api/me');
  } catch (error) {
    if (error.status === 401) showLogin();
    else showBoot(t('boot.unreachable'), true);
    return;
  }
  setCsrf(me.csrf);
  signedInAs = me;
  if (me.role !== 'admin') {
    showRefused(me);
    return;
  }
  showConsole(me);
  renderCurrentPage();
  startLive();
}

async function logout() {
  try {
    await api.post('/api/auth/logout', {});
  } catch {
    // Signed out locally either way.
  }
  signedInAs = null;
  stopLive();
  showLogin();
}

function wire() {
  registerPages();
  startRouter();
  initLogin({ signedIn: start, switchUser: logout });
  initLanguageSelects();
  initShell({ logout });
  byId('boot-retry').addEventListener('click', start);
  // Leaving the page ends the feed now: a stream left to the browser can hold one of its few connections.
  window.addEventListener('pagehide', stopLive);
  onLive('stats', (stats) => setBadge('alerts', stats.alerts_unacknowledged || 0));
  onLive('alert', (alert) => toast(t('admin.alerts.raised', { message: alert.message }), 'info'));
  onNavigate(() => { if (signedInAs && signedInAs.role === 'admin') renderCurrentPage(); });
  onLangChange(() => {
    if (signedInAs && signedInAs.role === 'admin') renderCurrentPage();
    else if (signedInAs) showRefused(signedInAs);
  });
  apiEvents.addEventListener('unauthorized', () => {
    if (!signedInAs) return;
    signedInAs = null;
    stopLive();
    showLogin({ info: t('admin.session_ended') });
  });
}

initTheme();
applyTranslations();
wire();
start();
