// The conversation pane: shows the chosen branch of the message tree, and streams text into it.
import { messageElement, updateStreamingBody } from './message-view.js';
import { pathTo, siblingsOf } from './tree.js';
import { keepingPosition } from './scroll.js';
import { getLang } from '../common/i18n.js';

let handlers = {};
/** What each drawn message element was drawn from, so an unchanged message keeps its element (and the reader's
 *  text selection, an open editor, focus) when the conversation is drawn again. */
const drawnFrom = new WeakMap();
const pending = new Map();
let frame = 0;

const messagesEl = () => document.getElementById('messages');

let shown = null;

/** The message with `message`'s id in the conversation drawn last: a kept element may have been drawn from an
 *  older copy of it (before the conversation was read back from the server). */
const latest = (message) => (shown && shown.messages.find((m) => m.id === message.id)) || message;

/** Sets the callbacks of the message buttons (see message-view.js); each gets the message as drawn now. */
export function initChatView(messageHandlers) {
  handlers = Object.fromEntries(Object.entries(messageHandlers)
    .map(([name, fn]) => [name, (message, ...rest) => fn(latest(message), ...rest)]));
}

/** What of a message its element shows (see message-view.js), and how, as text. */
function describe(message, ctx) {
  const { error } = message;
  return JSON.stringify([message.id, message.role, message.content, message.reasoning, message.status,
    message.finish_reason, message.model, Boolean(message.reconnecting),
    error ? [error.code, error.message, error.status] : null, ctx, getLang()]);
}

/** Renders `conversation` ({messages, leafId}) or the empty state for null; `busy` while an answer runs. */
export function renderConversation(conversation, { busy = false } = {}) {
  shown = conversation;
  const path = conversation ? pathTo(conversation.messages, conversation.leafId) : [];
  document.getElementById('empty-state').hidden = path.length > 0 || Boolean(conversation && conversation.loading);
  pending.clear();
  const list = messagesEl();
  const drawn = new Map([...list.children].map((element) => [element.dataset.id, element]));
  const elements = path.map((message, index) => {
    const versions = siblingsOf(conversation.messages, message);
    const ctx = { versions: { index: versions.indexOf(message), count: versions.length }, isLast: index === path.length - 1, busy };
    const source = describe(message, ctx);
    const old = drawn.get(message.id);
    if (old && drawnFrom.get(old) === source) return old;
    const element = messageElement(message, { ...ctx, handlers });
    drawnFrom.set(element, source);
    return element;
  });
  const unchanged = elements.length === list.children.length && elements.every((element, i) => list.children[i] === element);
  if (unchanged) return;
  const focusedToggle = document.activeElement && document.activeElement.closest('#messages .reasoning-toggle');
  const focusedIn = focusedToggle ? focusedToggle.closest('article').dataset.id : null;
  keepingPosition(() => list.replaceChildren(...elements));
  // An answer redrawn when it ends gets a new thinking toggle: a keyboard user keeps their place on it.
  if (focusedIn && !list.contains(focusedToggle)) {
    const toggle = list.querySelector(`article[data-id="${CSS.escape(focusedIn)}"] .reasoning-toggle`);
    if (toggle) toggle.focus();
  }
}

/** Shows new text of a streaming answer, at most once per frame. */
export function updateStreaming(message) {
  pending.set(message.id, message);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const msg of pending.values()) {
      const article = messagesEl().querySelector(`article[data-id="${CSS.escape(msg.id)}"]`);
      if (article) updateStreamingBody(article, msg);
    }
    pending.clear();
  });
}
