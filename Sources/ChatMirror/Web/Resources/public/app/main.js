// Start-up and wiring: who is signed in, which screen to show, and the app-wide events.
import { api, apiEvents, setCsrf } from '../common/api.js';
import { applyTranslations, t, onLangChange } from '../common/i18n.js';
import { initTheme } from '../common/theme.js';
import { icon } from '../common/icons.js';
import { state } from './state.js';
import { currentRoute, navigate, onRouteChange } from './router.js';
import { initLogin, showLogin, hideLogin } from './login.js';
import { initSidebar, refreshConversations } from './sidebar.js';
import { initChatView } from './chat-view.js';
import { initComposer, focusComposer } from './composer.js';
import { initScroll } from './scroll.js';
import { initDrawer, closeDrawer } from './drawer.js';
import { initModelPicker, loadModels } from './model-picker.js';
import { initSettings, openSettings, initLanguageSelects } from './settings.js';
import { refreshQuota } from './quota.js';
import { showNotice, dismissNotice } from './notices.js';
import { clearDrafts } from './drafts.js';
import { confirmDialog } from './confirm.js';
import { setTitle } from './chat-state.js';
import { loadSiteName } from '../common/site.js';
import * as chat from './chat-controller.js';

const byId = (id) => document.getElementById(id);
let sessionExpired = false;

function takeLinkError() {
  const params = new URLSearchParams(location.search);
  if (params.get('error') !== 'invalid_link') return false;
  params.delete('error');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
  return true;
}

// A share link opened while signed in as someone else lands on /#switch=<token> (a fragment: no server sees it).
function takeSwitchToken() {
  const match = /^#switch=([A-Za-z0-9_-]{1,200})$/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return match[1];
}

const nameOf = (user) => user.display_name || user.username || '';

// Asks before switching this browser to the link's user; nothing changes unless the person agrees.
async function askToSwitch(token, me) {
  const refused = () => showNotice('link', () => t('login.invalid_link_signed_in'), { kind: 'warning', timeout: 10000 });
  let target;
  try {
    target = (await api.post('/api/auth/share-link/inspect', { token })).user;
  } catch {
    refused();
    return;
  }
  const names = { current: nameOf(me), target: nameOf(target) };
  const agreed = await confirmDialog({ title: t('login.switch_title'), text: t('login.switch_text', names),
                                       ok: t('login.switch_ok', names), danger: false });
  if (!agreed) return;
  try {
    await api.post('/api/auth/share-link/switch', { token });
  } catch {
    refused();
    return;
  }
  clearDrafts();
  location.replace('/');
}

function showBoot(message, { retry = false } = {}) {
  byId('boot').hidden = false;
  byId('boot-message').textContent = message;
  byId('boot-retry').hidden = !retry;
  if (retry) byId('boot-retry').focus();
}

function fillUser(me) {
  const name = me.display_name || me.username || '';
  byId('user-name').textContent = name;
  byId('user-avatar').textContent = name.slice(0, 1).toUpperCase();
  byId('open-admin').hidden = me.role !== 'admin';
}

function showRoute(route) {
  closeDrawer();
  if (route.name === 'chat') chat.openConversation(route.id, { fromHistory: true });
  else chat.newChat({ fromHistory: true });
}

async function enterApp(me, { linkError = false, switchToken = null } = {}) {
  setCsrf(me.csrf);
  state.me = me;
  fillUser(me);
  hideLogin();
  byId('boot').hidden = true;
  byId('app').hidden = false;
  if (linkError) showNotice('link', () => t('login.invalid_link_signed_in'), { kind: 'warning', timeout: 10000 });
  if (switchToken) askToSwitch(switchToken, me);
  await loadModels().catch(() => {});
  refreshConversations();
  refreshQuota();
  const route = currentRoute();
  if (route.name === 'login' || route.name === 'settings') navigate('/', { replace: true });
  showRoute(route);
  if (route.name === 'settings') openSettings();
}

async function start() {
  setTitle('');
  loadSiteName().then((changed) => { if (changed) setTitle(); });
  showBoot(t('boot.loading'));
  const linkError = takeLinkError();
  const switchToken = takeSwitchToken();
  let me;
  try {
    me = await api.get('/api/me');
  } catch (error) {
    if (error.status === 401 && switchToken) {
      // Signed out meanwhile: nobody to switch from, so the link signs in as usual.
      location.replace(`/s/${switchToken}`);
      return;
    }
    if (error.status === 401) {
      showLogin({ error: linkError ? () => t('login.invalid_link') : '' });
      return;
    }
    showBoot(t('boot.unreachable'), { retry: true });
    return;
  }
  await enterApp(me, { linkError, switchToken });
}

async function signedIn() {
  const me = await api.get('/api/me');
  if (state.me && state.me.id !== me.id) {
    // Someone else signed in on this tab: start clean rather than show the previous person's page.
    clearDrafts();
    location.replace('/');
    return;
  }
  if (!state.me) {
    await enterApp(me);
    return;
  }
  // The same person after an expired session: everything on the page (the composer text too) is kept.
  sessionExpired = false;
  setCsrf(me.csrf);
  hideLogin();
  byId('app').hidden = false;
  refreshConversations();
  refreshQuota();
  chat.reloadCurrent();
  focusComposer();
}

async function logout() {
  chat.suspend();
  try {
    await api.post('/api/auth/logout', {});
  } catch {
    // Signed out locally either way.
  }
  clearDrafts();
  location.replace('/login');
}

function wireUserMenu() {
  const button = byId('user-button');
  const menu = byId('user-menu');
  const items = () => [...menu.querySelectorAll('[role="menuitem"]:not([hidden])')];
  const setOpen = (open) => {
    menu.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) items()[0].focus();
  };
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    setOpen(menu.hidden);
  });
  document.addEventListener('click', (event) => { if (!menu.contains(event.target)) setOpen(false); });
  menu.addEventListener('keydown', (event) => {
    const shown = items();
    const index = shown.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') { event.preventDefault(); shown[(index + 1) % shown.length].focus(); }
    if (event.key === 'ArrowUp') { event.preventDefault(); shown[(index - 1 + shown.length) % shown.length].focus(); }
    if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); setOpen(false); button.focus(); }
  });
  byId('open-settings').addEventListener('click', () => { setOpen(false); closeDrawer(); openSettings(); });
  byId('logout').addEventListener('click', logout);
}

function wireApiEvents() {
  apiEvents.addEventListener('unauthorized', () => {
    if (!state.me || sessionExpired) return;
    sessionExpired = true;
    chat.suspend();
    showLogin({ info: () => t('login.session_expired') });
  });
  apiEvents.addEventListener('unreachable', () => {
    if (!state.me) return;
    showNotice('offline', () => t('error.network'), {
      action: {
        label: () => t('action.retry'),
        run: () => {
          chat.retryNow();
          refreshConversations();
          chat.reloadCurrent();
        },
      },
    });
  });
  apiEvents.addEventListener('reachable', () => dismissNotice('offline'));
}

function wire() {
  byId('new-chat-icon').append(icon('edit'));
  byId('search-icon').append(icon('search'));
  byId('topbar-new-chat').append(icon('edit'));
  const startNewChat = () => { closeDrawer(); chat.newChat(); };
  byId('new-chat').addEventListener('click', startNewChat);
  byId('topbar-new-chat').addEventListener('click', startNewChat);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === 'o' && state.me) {
      event.preventDefault();
      startNewChat();
    }
  });
  byId('boot-retry').addEventListener('click', start);
  document.addEventListener('cm:conversation-renamed', (event) => {
    chat.conversationRenamed(event.detail.id, event.detail.title);
  });
  initLogin({ signedIn });
  initSidebar({
    open: (id) => { closeDrawer(); chat.openConversation(id); },
    deleted: (id) => chat.conversationDeleted(id),
  });
  initChatView({
    switchVersion: chat.switchVersion,
    editAndResend: chat.editAndResend,
    regenerate: chat.regenerate,
    continueAnswer: chat.continueAnswer,
  });
  initComposer({ submit: chat.submitFromComposer, stop: chat.stopAnswer, change: chat.rememberDraft });
  initScroll();
  initDrawer();
  initModelPicker();
  initSettings();
  initLanguageSelects();
  wireUserMenu();
  wireApiEvents();
  onRouteChange((route) => { if (state.me && !sessionExpired) showRoute(route); });
  onLangChange(() => chat.rerender());
}

initTheme();
applyTranslations();
wire();
start();
