// Pure helpers over a conversation as the page holds it: {id, title, model, messages, leafId, activeId}.
import { deepestLeaf, defaultLeaf, findMessage } from './tree.js';

let tmpCounter = 0;

/** A local id for a message the server has not named yet. */
export const tmpId = (kind) => `tmp-${kind}-${(tmpCounter += 1)}`;

/** The page's form of GET /api/conversations/{id}: the shown leaf is the answer in progress, if any. */
export function fromServer(data) {
  const messages = Array.isArray(data.messages) ? data.messages.map((m) => ({ ...m })) : [];
  const has = (id) => id && messages.some((m) => m.id === id);
  const activeId = (data.active_generation && data.active_generation.assistant_message_id) || null;
  let leafId = has(data.current_leaf_id) ? deepestLeaf(messages, data.current_leaf_id) : defaultLeaf(messages);
  if (has(activeId)) leafId = activeId;
  return { id: data.id, title: data.title, model: data.model, messages, leafId, activeId };
}

/** Gives a message the id the server assigned, fixing its children and the shown leaf. */
export function renameMessage(conversation, oldId, newId) {
  if (!newId || oldId === newId) return;
  conversation.messages = conversation.messages.filter((m) => m.id !== newId);
  for (const m of conversation.messages) {
    if (m.id === oldId) m.id = newId;
    if (m.parent_id === oldId) m.parent_id = newId;
  }
  if (conversation.leafId === oldId) conversation.leafId = newId;
}

/** Where a new message goes: after the shown answer, a failed one too (the failed question and its error stay
 * in the chat, as on ChatGPT; the server leaves an answer with no text out of what the model sees). A question
 * the server never took (refused, so its answer has no server id) is replaced. */
export function parentForNew(conversation) {
  const leaf = findMessage(conversation.messages, conversation.leafId);
  if (!leaf) return null;
  if (leaf.role === 'assistant' && !String(leaf.id).startsWith('tmp-')) return leaf.id;
  const question = leaf.role === 'user' ? leaf : findMessage(conversation.messages, leaf.parent_id);
  return question ? question.parent_id ?? null : null;
}
