// The conversation list: pinned and recency groups, search (showing where it matched), the archived chats, and a
// per-conversation menu (rename, pin, archive or restore, delete).
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
import { highlighted } from './search-match.js';

const PAGE = 200;
let conversations = [];
let total = 0;
let query = '';
/** 'recent' (the sidebar) or 'archived' (the archived chats, to restore or delete). */
let view = 'recent';
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
  const archivedButton = document.getElementById('archived-button');
  archivedButton.prepend(icon('archive'));
  archivedButton.addEventListener('click', () => showView(view === 'archived' ? 'recent' : 'archived'));
  onLangChange(render);
}

function showView(next) {
  view = next;
  document.getElementById('archived-button').setAttribute('aria-pressed', String(view === 'archived'));
  loaded = false;
  refreshConversations();
}

/** Reloads the list from the server (with the current search). */
export async function refreshConversations({ append = false } = {}) {
  const seq = ++requestSeq;
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(append ? conversations.length : 0) });
  if (query) params.set('q', query);
  else if (view === 'archived') params.set('archived', 'true');
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
  if (query || view === 'archived' || conversation.archived) return; // not a list it belongs at the top of
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
  const archivedView = view === 'archived' && !query;
  const header = archivedView ? archivedHeader() : null;
  if (conversations.length === 0) {
    const empty = query ? 'sidebar.no_results' : archivedView ? 'sidebar.archived_empty' : 'sidebar.empty';
    list.replaceChildren(...[header, h('p', { class: 'list-empty', text: t(empty) })].filter(Boolean));
    return;
  }
  // The archived chats are one list under their own heading.
  const groups = archivedView ? [{ key: null, items: conversations }] : groupConversations(conversations);
  list.replaceChildren(...[header, ...groups.map((group) => h('section', { class: 'conv-group' },
    group.key ? h('h2', { class: 'conv-group-title', text: t(`group.${group.key}`) }) : null,
    h('ul', { class: 'conv-items' }, group.items.map(itemFor))))].filter(Boolean));
  if (conversations.length < total) {
    list.append(h('button', { type: 'button', class: 'btn btn-small load-more', text: t('sidebar.load_more'),
      onclick: () => refreshConversations({ append: true }) }));
  }
  setActiveConversation(activeId);
}

function archivedHeader() {
  return h('div', { class: 'archive-header' },
    h('button', { type: 'button', class: 'btn btn-small archive-back', onclick: () => showView('recent') },
      icon('left'), h('span', { text: t('sidebar.archived_back') })),
    h('h2', { class: 'archive-title', text: t('sidebar.archived') }));
}

// The server names a chat "New chat" until its first message titles it: shown in the page's language.
const shownTitle = (conversation) =>
  (conversation.title && conversation.title !== 'New chat' ? conversation.title : t('chat.untitled'));

function itemFor(conversation) {
  const title = shownTitle(conversation);
  const match = query ? conversation.match : null;
  const link = h('a', { class: 'conv-link', href: conversationPath(conversation.id), title,
    onclick: (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      callbacks.open(conversation.id);
    } },
  h('span', { class: 'conv-title-row' },
    query ? highlighted(title, query, 'conv-title') : h('span', { class: 'conv-title', text: title }),
    query && conversation.archived ? h('span', { class: 'conv-badge', text: t('sidebar.archived_badge') }) : null),
  match && match.in === 'message' ? highlighted(match.text, query, 'conv-match') : null);
  const menuButton = h('button', { type: 'button', class: 'icon-btn conv-menu-btn', 'aria-haspopup': 'menu',
    'aria-expanded': 'false', 'aria-label': t('sidebar.options_for', { title }), title: t('sidebar.options') },
  icon('more'));
  menuButton.addEventListener('click', (event) => {
    event.stopPropagation();
    openMenu(menuButton, menuFor(item, conversation));
  });
  const item = h('li', { class: 'conv-item', dataset: { id: conversation.id } }, link, menuButton);
  return item;
}

function menuFor(item, conversation) {
  const rename = { label: t('action.rename'), icon: 'edit', run: () => startRename(item, conversation) };
  const remove = { label: t('action.delete'), icon: 'trash', danger: true, run: () => removeWithConfirm(conversation) };
  if (conversation.archived) {
    return [{ label: t('action.restore'), icon: 'restore', run: () => setFlags(conversation, { archived: false }) }, remove];
  }
  return [
    rename,
    conversation.pinned
      ? { label: t('action.unpin'), icon: 'pin', run: () => setFlags(conversation, { pinned: false }) }
      : { label: t('action.pin'), icon: 'pin', run: () => setFlags(conversation, { pinned: true }) },
    { label: t('action.archive'), icon: 'archive', run: () => setFlags(conversation, { archived: true }) },
    remove,
  ];
}

/** Pins, unpins, archives or restores, then lists again in the server's order. */
async function setFlags(conversation, flags) {
  try {
    await api.patch(`/api/conversations/${encodeURIComponent(conversation.id)}`, flags);
  } catch (error) {
    showNotice('conversation-flags', () => describeError(error));
    return;
  }
  await refreshConversations();
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
