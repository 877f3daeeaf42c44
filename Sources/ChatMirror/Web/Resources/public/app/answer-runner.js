// Runs one answer: opens its stream, follows it across dropped connections (generation goes on on the
// server; we re-attach with GET .../stream), stops it on request, and syncs with the store at the end.
import { api } from '../common/api.js';
import { updateStreaming } from './chat-view.js';
import { setComposerBusy, composerText } from './composer.js';
import { saveDraft } from './drafts.js';
import { refreshConversations } from './sidebar.js';
import { dismissNotice } from './notices.js';
import { refreshQuota } from './quota.js';
import { scrollToBottom } from './scroll.js';
import { consumeAnswer, pause } from './answer-stream.js';
import { findMessage } from './tree.js';
import { fromServer, renameMessage } from './conversation-model.js';
import { chat, ended, renderCurrent, setTitle, showSendError } from './chat-state.js';

let wake = null;

/** The API path of a conversation (plus `suffix`). */
export const convPath = (id, suffix = '') => `/api/conversations/${encodeURIComponent(id)}${suffix}`;

function streamHandlers(conversation, answer, user) {
  const show = () => { if (chat.current === conversation) renderCurrent(); };
  return {
    meta(meta) {
      if (user && meta.user_message_id) renameMessage(conversation, user.id, meta.user_message_id);
      if (!answer.parent_id && meta.user_message_id) answer.parent_id = meta.user_message_id;
      renameMessage(conversation, answer.id, meta.assistant_message_id);
      if (meta.model) answer.model = meta.model;
      answer.status = 'streaming';
      answer.reconnecting = false;
      // A re-attach starts with the thinking so far in one reasoning event (if there is any) and all the
      // answer so far in one delta: each replaces what we have.
      answer.replaceOnNextDelta = !user && answer.reattaching;
      answer.replaceOnNextReasoning = answer.replaceOnNextDelta;
      if (user && !composerText()) {
        saveDraft(conversation.id, '');
        saveDraft(null, '');
      }
      show();
    },
    reasoning(text) {
      answer.reasoning = answer.replaceOnNextReasoning ? text : (answer.reasoning || '') + text;
      answer.replaceOnNextReasoning = false;
      if (chat.current === conversation) updateStreaming(answer);
    },
    delta(text) {
      answer.content = answer.replaceOnNextDelta ? text : answer.content + text;
      answer.replaceOnNextDelta = false;
      if (chat.current === conversation) updateStreaming(answer);
    },
    done(data) {
      answer.status = data.status || 'complete';
      answer.finish_reason = data.finish_reason ?? null;
      ended.add(answer.id);
    },
    error(data) {
      answer.status = data.status === 'incomplete' ? 'incomplete' : 'error';
      answer.error = { code: data.code, message: data.message };
      answer.finish_reason = answer.finish_reason || data.code || null;
      ended.add(answer.id);
    },
  };
}

function begin(conversation) {
  const session = { conversation, controller: new AbortController(), stopping: false };
  chat.live = session;
  setComposerBusy(true);
  return session;
}

/**
 * Shows `user` (optional) and `answer` (a placeholder) and streams the answer from `open(signal)`. Resolves
 * false when the server refused before streaming (the placeholders are removed again).
 */
export async function runAnswer(conversation, { user, answer, open }) {
  const previousLeaf = conversation.leafId;
  if (user) conversation.messages.push(user);
  conversation.messages.push(answer);
  conversation.leafId = answer.id;
  const session = begin(conversation);
  dismissNotice('send');
  renderCurrent();
  scrollToBottom();
  let response;
  try {
    response = await open(session.controller.signal);
  } catch (error) {
    if (chat.live === session) {
      chat.live = null;
      setComposerBusy(false);
    }
    conversation.messages = conversation.messages.filter((m) => m !== user && m !== answer);
    conversation.leafId = previousLeaf;
    if (chat.current === conversation) renderCurrent();
    showSendError(error);
    if (error.code === 'quota_exceeded') refreshQuota();
    if (error.status !== 401 && error.status !== 0) sync(conversation);
    return false;
  }
  let outcome = response
    ? await consumeAnswer(response, streamHandlers(conversation, answer, user), session.controller.signal)
    : 'dropped';
  if (outcome === 'dropped' && !session.stopping && chat.live === session) {
    outcome = await follow(conversation, session, answer);
  }
  finish(session);
  return true;
}

/** Re-attaches to the answer in progress, retrying while the server is unreachable. */
async function follow(conversation, session, answer) {
  let attempt = 0;
  const { signal } = session.controller;
  answer.reattaching = true;
  while (!signal.aborted) {
    let response;
    try {
      response = await api.stream('GET', convPath(conversation.id, '/stream'), undefined, { signal });
    } catch (error) {
      if (signal.aborted || error.name === 'AbortError') return 'aborted';
      if (error.status !== 0) return 'failed';
      answer.reconnecting = true;
      if (chat.current === conversation) renderCurrent();
      await new Promise((resolve) => {
        wake = resolve;
        pause(Math.min(1000 * 2 ** attempt, 10000), signal).then(resolve);
      });
      attempt += 1;
      continue;
    }
    if (!response) return 'ended'; // 204: it finished while we were away; sync() shows the result
    attempt = 0;
    const outcome = await consumeAnswer(response, streamHandlers(conversation, answer, null), signal);
    if (outcome !== 'dropped' || session.stopping) return outcome;
    await pause(300, signal);
  }
  return 'aborted';
}

function finish(session) {
  if (chat.live !== session) return; // detached: another conversation is shown
  chat.live = null;
  setComposerBusy(false);
  if (chat.current === session.conversation) renderCurrent();
  refreshConversations();
  refreshQuota();
  sync(session.conversation);
}

/** Re-reads a conversation so the page shows what is stored (ids, titles, statuses). */
async function sync(conversation) {
  let data;
  try {
    data = await api.get(convPath(conversation.id));
  } catch {
    return;
  }
  if (chat.current !== conversation || chat.live) return;
  const fresh = fromServer(data);
  for (const message of fresh.messages) {
    const local = findMessage(conversation.messages, message.id);
    if (local && message.status === 'streaming' && ended.has(message.id)) {
      Object.assign(message, { content: local.content, reasoning: local.reasoning ?? message.reasoning,
        status: local.status, finish_reason: local.finish_reason, error: local.error });
    }
  }
  if (findMessage(fresh.messages, conversation.leafId)) fresh.leafId = conversation.leafId;
  chat.current = fresh;
  setTitle(fresh.title);
  renderCurrent();
  if (fresh.activeId && !ended.has(fresh.activeId)) reattach(fresh, fresh.activeId);
}

/** Follows the answer `assistantId` of `conversation` that is being generated on the server. */
export async function reattach(conversation, assistantId) {
  if (chat.live) return;
  let answer = findMessage(conversation.messages, assistantId);
  if (!answer) {
    answer = { id: assistantId, role: 'assistant', parent_id: null, content: '', status: 'streaming' };
    conversation.messages.push(answer);
    conversation.leafId = assistantId;
  }
  answer.status = 'streaming';
  const session = begin(conversation);
  if (chat.current === conversation) renderCurrent();
  await follow(conversation, session, answer);
  finish(session);
}

/** Stops following the live answer locally (the server keeps generating it). */
export function detach() {
  if (!chat.live) return;
  const session = chat.live;
  chat.live = null;
  session.controller.abort();
  setComposerBusy(false);
}

/** Retries a re-attach now instead of waiting for the next attempt. */
export function retryNow() {
  if (wake) wake();
}

/** Asks the server to stop the answer; the stream then ends with the partial text saved. */
export async function stopAnswer() {
  if (!chat.live || chat.live.stopping) return;
  const session = chat.live;
  session.stopping = true;
  try {
    await api.post(convPath(session.conversation.id, '/stop'), {});
  } catch (error) {
    showSendError(error);
  }
  // Normally the stream ends by itself right after; do not wait on a server that does not end it.
  setTimeout(() => { if (chat.live === session) session.controller.abort(); }, 4000);
}
