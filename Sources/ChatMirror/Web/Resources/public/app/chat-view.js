// The conversation pane: shows the chosen branch of the message tree, and streams text into it.
import { messageElement, updateStreamingBody } from './message-view.js';
import { pathTo, siblingsOf } from './tree.js';
import { keepingPosition } from './scroll.js';

let handlers = {};
const pending = new Map();
let frame = 0;

const messagesEl = () => document.getElementById('messages');

/** Sets the callbacks of the message buttons (see message-view.js). */
export function initChatView(messageHandlers) {
  handlers = messageHandlers;
}

/** Renders `conversation` ({messages, leafId}) or the empty state for null; `busy` while an answer runs. */
export function renderConversation(conversation, { busy = false } = {}) {
  const path = conversation ? pathTo(conversation.messages, conversation.leafId) : [];
  document.getElementById('empty-state').hidden = path.length > 0 || Boolean(conversation && conversation.loading);
  pending.clear();
  keepingPosition(() => {
    messagesEl().replaceChildren(...path.map((message, index) => {
      const versions = siblingsOf(conversation.messages, message);
      return messageElement(message, {
        versions: { index: versions.indexOf(message), count: versions.length },
        isLast: index === path.length - 1,
        busy,
        handlers,
      });
    }));
  });
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
