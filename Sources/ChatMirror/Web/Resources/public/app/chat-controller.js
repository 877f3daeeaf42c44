// What the user does with conversations: open one, start a new chat, send, regenerate, edit and resend,
// continue, switch versions. Streaming itself is answer-runner.js.
import { api } from '../common/api.js';
import { t } from '../common/i18n.js';
import { setComposerText, composerText, focusComposer } from './composer.js';
import { loadDraft, saveDraft } from './drafts.js';
import { navigate, conversationPath } from './router.js';
import { upsertConversation, setActiveConversation, knownTitle, refreshConversations } from './sidebar.js';
import { showNotice, dismissNotice } from './notices.js';
import { describeError } from './errors.js';
import { scrollToBottom } from './scroll.js';
import { deepestLeaf, findMessage, siblingsOf } from './tree.js';
import { currentModel, selectModelFor, selectPreferredModel } from './model-picker.js';
import { fromServer, parentForNew, tmpId } from './conversation-model.js';
import { chat, ended, renderCurrent, setTitle, showSendError } from './chat-state.js';
import { convPath, detach, reattach, runAnswer } from './answer-runner.js';

export { stopAnswer, retryNow } from './answer-runner.js';

let openSeq = 0;

/** The id of the open conversation, or null on a new chat. */
export const currentConversationId = () => (chat.current ? chat.current.id : null);

/** Shows an empty new chat. */
export function newChat({ replace = false, fromHistory = false } = {}) {
  detach();
  openSeq += 1;
  chat.current = null;
  if (!fromHistory) navigate('/', { replace });
  setActiveConversation(null);
  setTitle('');
  selectPreferredModel();
  dismissNotice('send');
  renderCurrent();
  setComposerText(loadDraft(null));
  focusComposer();
}

/** Loads and shows a conversation, re-attaching to its answer in progress if there is one. */
export async function openConversation(id, { replace = false, fromHistory = false } = {}) {
  detach();
  openSeq += 1;
  const seq = openSeq;
  if (!fromHistory) navigate(conversationPath(id), { replace });
  setActiveConversation(id);
  dismissNotice('send');
  if (!chat.current || chat.current.id !== id) {
    chat.current = { id, title: knownTitle(id), messages: [], leafId: null, loading: true };
    setTitle(chat.current.title);
    renderCurrent();
    setComposerText(loadDraft(id));
  }
  let data;
  try {
    data = await api.get(convPath(id));
  } catch (error) {
    if (seq !== openSeq) return;
    if (error.status === 404) {
      showNotice('open', () => t('error.conversation_missing'), { kind: 'warning', timeout: 6000 });
      newChat({ replace: true });
    } else if (error.status !== 401) {
      showNotice('open', () => describeError(error), {
        action: { label: () => t('action.retry'), run: () => openConversation(id, { fromHistory: true }) },
      });
    }
    return;
  }
  if (seq !== openSeq) return;
  dismissNotice('open');
  chat.current = fromServer(data);
  setTitle(chat.current.title);
  selectModelFor(chat.current.model);
  renderCurrent();
  scrollToBottom();
  if (chat.current.activeId && !ended.has(chat.current.activeId)) reattach(chat.current, chat.current.activeId);
}

/** Re-reads the open conversation (after a re-login, or when the server is back). */
export function reloadCurrent() {
  if (chat.current && !chat.live) openConversation(chat.current.id, { fromHistory: true });
}

/** Sends the composer's text; puts it back if it could not be sent. */
export async function submitFromComposer(text) {
  setComposerText('');
  const ok = await send(text, {});
  if (!ok && !composerText()) {
    setComposerText(text);
    saveDraft(currentConversationId(), text);
  }
}

/** Keeps the composer's text as the draft of the open conversation. */
export function rememberDraft(text) {
  saveDraft(currentConversationId(), text);
}

async function createConversation(model, text) {
  const created = await api.post('/api/conversations', { model });
  chat.current = { id: created.id, title: created.title, model: created.model ?? model, messages: [], leafId: null };
  saveDraft(created.id, text);
  navigate(conversationPath(created.id));
  upsertConversation(created);
  setActiveConversation(created.id);
  setTitle(created.title);
}

async function send(text, { parentId } = {}) {
  if (chat.live) return false;
  const model = currentModel();
  if (!model) {
    showNotice('send', () => t('error.no_model'));
    return false;
  }
  const createdNow = !chat.current;
  if (createdNow) {
    try {
      await createConversation(model, text);
    } catch (error) {
      showSendError(error);
      return false;
    }
  }
  const conversation = chat.current;
  const parent = parentId !== undefined ? parentId : parentForNew(conversation);
  const user = { id: tmpId('u'), role: 'user', parent_id: parent, content: text, status: 'complete' };
  const answer = { id: tmpId('a'), role: 'assistant', parent_id: user.id, content: '', status: 'streaming', model };
  const accepted = await runAnswer(conversation, {
    user,
    answer,
    open: (signal) => api.stream('POST', convPath(conversation.id, '/messages'),
      { content: text, model, parent_id: parent }, { signal }),
  });
  if (!accepted && createdNow && conversation.messages.length === 0) await discardEmpty(conversation);
  return accepted;
}

// A first message the server refused (a quota, no upstream) leaves no empty chat behind: the conversation made
// for it goes again, and the page is a new chat with the refusal still shown.
async function discardEmpty(conversation) {
  if (chat.current === conversation) {
    chat.current = null;
    navigate('/', { replace: true });
    setActiveConversation(null);
    setTitle('');
    renderCurrent();
  }
  try {
    await api.delete(convPath(conversation.id));
  } catch {
    // It stays, empty, until deleted by hand.
  }
  refreshConversations();
}

/** Answers `message`'s question again (an answer, or an unanswered question), as a new version. */
export function regenerate(message) {
  const conversation = chat.current;
  if (chat.live || !conversation) return;
  const question = message.role === 'user' ? message : findMessage(conversation.messages, message.parent_id);
  if (!question) return;
  const answer = { id: tmpId('a'), role: 'assistant', parent_id: question.id, content: '', status: 'streaming',
    model: currentModel() };
  runAnswer(conversation, {
    answer,
    open: (signal) => api.stream('POST', convPath(conversation.id, '/regenerate'), { message_id: question.id },
      { signal }),
  });
}

/** Sends an edited copy of a user message as a new version (a sibling) of it. */
export function editAndResend(message, text) {
  if (!chat.live) send(text, { parentId: message.parent_id ?? null });
}

/** Asks the model to go on after an interrupted answer. */
export function continueAnswer(message) {
  if (!chat.live) send(t('chat.continue_prompt'), { parentId: message.id });
}

/** Shows the previous (-1) or next (+1) version of a message and remembers the choice on the server. */
export function switchVersion(message, step) {
  const conversation = chat.current;
  if (chat.live || !conversation) return;
  const versions = siblingsOf(conversation.messages, message);
  const target = versions[versions.indexOf(message) + step];
  if (!target) return;
  conversation.leafId = deepestLeaf(conversation.messages, target.id);
  renderCurrent();
  // Keep keyboard focus on the switcher that was used, now in the re-rendered message.
  const article = document.querySelector(`#messages article[data-id="${CSS.escape(target.id)}"]`);
  const buttons = article ? [...article.querySelectorAll('.version-switcher button')] : [];
  const same = buttons.find((b) => b.classList.contains(step < 0 ? 'version-prev' : 'version-next'));
  const focusable = same && !same.disabled ? same : buttons.find((b) => !b.disabled);
  if (focusable) focusable.focus();
  api.patch(convPath(conversation.id), { current_leaf_id: conversation.leafId }).catch((error) => {
    if (error.status !== 401) showNotice('branch', () => describeError(error), { timeout: 6000 });
  });
}

/** Follows a deletion: a deleted open conversation gives way to a new chat. */
export function conversationDeleted(id) {
  if (chat.current && chat.current.id === id) newChat({ replace: true });
}

/** Follows a rename from the sidebar. */
export function conversationRenamed(id, title) {
  if (chat.current && chat.current.id === id) {
    chat.current.title = title;
    setTitle(title);
  }
}

/** Draws the conversation again (after a language switch). */
export function rerender() {
  renderCurrent();
}

/** Stops following any answer (logout, session expired). */
export function suspend() {
  detach();
}
