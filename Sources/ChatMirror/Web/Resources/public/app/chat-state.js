// What the chat pane shows now, shared by the controller and the answer runner.
import { renderConversation } from './chat-view.js';
import { showNotice } from './notices.js';
import { describeError } from './errors.js';
import { siteName } from '../common/site.js';

/** `current`: the open conversation (null on a new chat); `live`: the answer streaming now. */
export const chat = { current: null, live: null };

/** Answers whose end event we saw (the store may lag the stream by a moment). */
export const ended = new Set();

/** Re-renders the open conversation. */
export function renderCurrent() {
  renderConversation(chat.current, { busy: Boolean(chat.live) });
}

let shownTitle = '';

/** Shows a conversation's title in the top bar and the tab (again, without `title`: after the site's name changed). */
export function setTitle(title = shownTitle) {
  shownTitle = title || '';
  document.getElementById('chat-title').textContent = shownTitle;
  document.title = shownTitle ? `${shownTitle} · ${siteName()}` : siteName();
}

/** Tells the user why sending failed (401 and "unreachable" have their own screens and notices). */
export function showSendError(error) {
  if (!error || error.name === 'AbortError' || error.status === 401 || error.status === 0) return;
  showNotice('send', () => describeError(error), { kind: error.code === 'quota_exceeded' ? 'warning' : 'error' });
}
