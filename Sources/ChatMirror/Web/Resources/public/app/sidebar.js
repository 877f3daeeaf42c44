// The conversation list: recency groups, search, and a per-conversation menu (rename, delete).
import { api } from '../common/api.js';
import { h } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { t, onLangChange } from '../common/i18n.js';
import { groupConversations } from './conversation-groups.js';
import { conversationPath } from './router.js';
import { confirmDialog } from './confirm.js';
import { showNotice } from './notices.js';
import { describeError } from './errors.js';
import { closeMenus, openMenu } from './menu.js';

const PAGE = 200;
let conversations = [];
let total = 0;
let query = '';
let activeId = null;
let loaded = false;
let callbacks = { open: () => {}, deleted: () => {} };
let requestSeq = 0;

const listEl = () => document.getElementById('conversation-list');

/** Wires the search box; `open(id)` opens a conversation, `deleted(id)` follows a deletion. */
export function initSidebar({ open, deleted }) {
  callbacks = { open, deleted };
  const search = document.getElementById('search-input');
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = search.value.trim();
      refreshConversations();
    }, 250);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && search.value) {
      search.value = '';
      query = '';
      refreshConversations();
    }
  });
  onLangChange(render);
}

/** Reloads the list from the server (with the current search). */
export async function refreshConversations({ append = false } = {}) {
  const seq = ++requestSeq;
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(append ? conversations.length : 0) });
  if (query) params.set('q', query);
  try {
    const data = await api.get(`/api/conversations?${params}`);
    if (seq !== requestSeq) return;
    const page = (data && data.conversations) || [];
    conversations = append ? [...conversations, ...page] : page;
    total = data && typeof data.total === 'number' ? data.total : conversations.length;
    loaded = true;
    render();
  } catch (error) {
    if (error.status === 401) return;
    if (!loaded) listEl().replaceChildren(h('p', { class: 'list-empty', text: describeError(error) }));
  }
}

/** Puts a new or changed conversation at the top without a round trip. */
export function upsertConversation(conversation) {
  if (query) return; // a search result list is not ours to reorder
  const rest = conversations.filter((c) => c.id !== conversation.id);
  const existing = conversations.find((c) => c.id === conversation.id) || {};
  if (!conversations.some((c) => c.id === conversation.id)) total += 1;
  conversations = [{ ...existing, ...conversation }, ...rest];
  render();
}

/** Marks the open conversation (null for a new chat). */
export function setActiveConversation(id) {
  activeId = id;
  for (const el of listEl().querySelectorAll('.conv-item')) {
    const active = el.dataset.id === id;
    el.classList.toggle('active', active);
    const link = el.querySelector('.conv-link');
    if (link) {
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }
}

/** The title we know for a conversation, if it is in the list. */
export const knownTitle = (id) => (conversations.find((c) => c.id === id) || {}).title;

function render() {
  const list = listEl();
  if (!loaded) return;
  if (conversations.length === 0) {
    list.replaceChildren(h('p', { class: 'list-empty', text: query ? t('sidebar.no_results') : t('sidebar.empty') }));
    return;
  }
  const groups = groupConversations(conversations);
  list.replaceChildren(...groups.map((group) => h('section', { class: 'conv-group' },
    h('h2', { class: 'conv-group-title', text: t(`group.${group.key}`) }),
    h('ul', { class: 'conv-items' }, group.items.map(itemFor)))));
  if (conversations.length < total) {
    list.append(h('button', { type: 'button', class: 'btn btn-small load-more', text: t('sidebar.load_more'),
      onclick: () => refreshConversations({ append: true }) }));
  }
  setActiveConversation(activeId);
}

// The server names a chat "New chat" until its first message titles it: shown in the page's language.
const shownTitle = (conversation) =>
  (conversation.title && conversation.title !== 'New chat' ? conversation.title : t('chat.untitled'));

function itemFor(conversation) {
  const title = shownTitle(conversation);
  const link = h('a', { class: 'conv-link', href: conversationPath(conversation.id), title,
    onclick: (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      callbacks.open(conversation.id);
    } }, h('span', { class: 'conv-title', text: title }));
  const menuButton = h('button', { type: 'button', class: 'icon-btn conv-menu-btn', 'aria-haspopup': 'menu',
    'aria-expanded': 'false', 'aria-label': t('sidebar.options_for', { title }), title: t('sidebar.options') },
  icon('more'));
  menuButton.addEventListener('click', (event) => {
    event.stopPropagation();
    openMenu(menuButton, [
      { label: t('action.rename'), icon: 'edit', run: () => startRename(item, conversation) },
      { label: t('action.delete'), icon: 'trash', danger: true, run: () => removeWithConfirm(conversation) },
    ]);
  });
  const item = h('li', { class: 'conv-item', dataset: { id: conversation.id } }, link, menuButton);
  return item;
}

function startRename(item, conversation) {
  closeMenus();
  const input = h('input', { type: 'text', class: 'conv-rename', maxlength: '200',
    'aria-label': t('sidebar.rename_label') });
  input.value = conversation.title || '';
  const link = item.querySelector('.conv-link');
  link.hidden = true;
  item.insertBefore(input, link);
  input.focus();
  input.select();
  let finished = false;
  const finish = async (save) => {
    if (finished) return;
    finished = true;
    const title = input.value.trim();
    input.remove();
    link.hidden = false;
    if (!save || !title || title === conversation.title) { link.focus(); return; }
    try {
      const updated = await api.patch(`/api/conversations/${encodeURIComponent(conversation.id)}`, { title });
      conversations = conversations.map((c) => (c.id === conversation.id ? { ...c, ...(updated || { title }) } : c));
      render();
      document.dispatchEvent(new CustomEvent('cm:conversation-renamed', { detail: { id: conversation.id, title } }));
    } catch (error) {
      showNotice('rename', () => describeError(error));
    }
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing && event.keyCode !== 229) { event.preventDefault(); finish(true); }
    if (event.key === 'Escape') { event.preventDefault(); finish(false); }
  });
  input.addEventListener('blur', () => finish(true));
}

async function removeWithConfirm(conversation) {
  const ok = await confirmDialog({
    title: t('sidebar.delete_title'),
    text: t('sidebar.delete_text', { title: shownTitle(conversation) }),
  });
  if (!ok) return;
  try {
    await api.delete(`/api/conversations/${encodeURIComponent(conversation.id)}`);
  } catch (error) {
    if (error.status !== 404) { showNotice('delete', () => describeError(error)); return; }
  }
  conversations = conversations.filter((c) => c.id !== conversation.id);
  total = Math.max(0, total - 1);
  render();
  callbacks.deleted(conversation.id);
}
