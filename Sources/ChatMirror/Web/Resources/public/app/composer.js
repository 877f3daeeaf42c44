// The message box: grows with its text, Enter sends, Shift+Enter is a newline, IME input never sends.
import { icon } from '../common/icons.js';

let input;
let sendButton;
let stopButton;
let busy = false;
/** Why sending is not possible now (a used-up quota), or null. */
let blockedReason = null;
let composing = false;
let handlers = { submit: () => {}, stop: () => {}, change: () => {} };

function grow() {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 240)}px`;
}

function refreshButtons() {
  sendButton.hidden = busy;
  stopButton.hidden = !busy;
  sendButton.disabled = busy || Boolean(blockedReason) || input.value.trim() === '';
  if (blockedReason) sendButton.title = blockedReason;
  else sendButton.removeAttribute('title');
}

function submit() {
  if (busy || blockedReason || input.value.trim() === '') return;
  handlers.submit(input.value);
}

/** An IME (Chinese, Japanese ...) is composing: its Enter confirms a candidate, it must not send. */
const isImeEvent = (event) => composing || event.isComposing || event.keyCode === 229;

/** Wires the composer; `submit(text)`, `stop()`, `change(text)` are called on those user actions. */
export function initComposer(callbacks) {
  handlers = { ...handlers, ...callbacks };
  input = document.getElementById('composer-input');
  sendButton = document.getElementById('send-button');
  stopButton = document.getElementById('stop-button');
  sendButton.append(icon('send'));
  stopButton.append(icon('stop'));
  input.addEventListener('compositionstart', () => { composing = true; });
  input.addEventListener('compositionend', () => { composing = false; });
  input.addEventListener('input', () => {
    grow();
    refreshButtons();
    handlers.change(input.value);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.altKey || isImeEvent(event)) return;
    event.preventDefault();
    submit();
  });
  document.getElementById('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  stopButton.addEventListener('click', () => handlers.stop());
  refreshButtons();
}

/** Keeps Send off (Enter too) while `reason` holds, e.g. a used-up quota; null lets it send again. */
export function setComposerBlocked(reason) {
  if (!sendButton) return;
  blockedReason = reason || null;
  refreshButtons();
}

/** Shows Stop instead of Send while an answer streams. */
export function setComposerBusy(value) {
  const hadFocus = document.activeElement === stopButton;
  busy = value;
  refreshButtons();
  if (hadFocus && !busy) input.focus();
}

/** Current text. */
export const composerText = () => input.value;

/** Replaces the text (restoring a draft or a message that failed to send). */
export function setComposerText(text) {
  input.value = text;
  grow();
  refreshButtons();
}

/** Puts the caret in the message box. */
export function focusComposer() {
  input.focus({ preventScroll: true });
}
