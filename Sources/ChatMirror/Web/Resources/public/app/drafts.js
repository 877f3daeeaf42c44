// Unsent composer text, per conversation, kept for the tab's life (survives reloads and re-login).

const PREFIX = 'cm-draft:';
const keyFor = (conversationId) => PREFIX + (conversationId || 'new');

/** The saved draft of a conversation ('' when none). */
export function loadDraft(conversationId) {
  try {
    return sessionStorage.getItem(keyFor(conversationId)) || '';
  } catch {
    return '';
  }
}

/** Saves (or, for empty text, forgets) the draft of a conversation. */
export function saveDraft(conversationId, text) {
  try {
    if (text) sessionStorage.setItem(keyFor(conversationId), text);
    else sessionStorage.removeItem(keyFor(conversationId));
  } catch {
    // Storage full or disabled: the text is still in the composer.
  }
}

/** Forgets every draft (on logout, so the next person on this tab sees none). */
export function clearDrafts() {
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
  } catch {
    // Nothing to clear.
  }
}
