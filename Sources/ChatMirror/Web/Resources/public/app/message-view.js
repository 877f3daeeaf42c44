// One message on screen: its text (Markdown for answers, below the model's thinking), its status and its
// action buttons.
import { h } from '../common/dom.js';
import { icon, iconButton } from '../common/icons.js';
import { t } from '../common/i18n.js';
import { renderMarkdown } from '../common/markdown.js';
import { copyText } from '../common/clipboard.js';
import { describeError } from './errors.js';
import { reasoningOf, reasoningSection, refreshReasoning } from './reasoning-view.js';

function versionSwitcher(message, versions, handlers, busy) {
  if (!versions || versions.count < 2) return null;
  const prev = iconButton('left', t('chat.previous_version'), () => handlers.switchVersion(message, -1), 'version-prev');
  const next = iconButton('right', t('chat.next_version'), () => handlers.switchVersion(message, 1), 'version-next');
  prev.disabled = busy || versions.index === 0;
  next.disabled = busy || versions.index === versions.count - 1;
  return h('div', { class: 'version-switcher', role: 'group', 'aria-label': t('chat.versions') },
    prev, h('span', { class: 'version-label', text: `${versions.index + 1} / ${versions.count}` }), next);
}

function copyButton(getText) {
  const button = iconButton('copy', t('action.copy'), async () => {
    const ok = await copyText(getText());
    button.classList.toggle('done', ok);
    button.replaceChildren(icon(ok ? 'check' : 'copy'));
    button.setAttribute('aria-label', ok ? t('action.copied') : t('error.copy_failed'));
    setTimeout(() => {
      button.classList.remove('done');
      button.replaceChildren(icon('copy'));
      button.setAttribute('aria-label', t('action.copy'));
    }, 1500);
  }, 'msg-copy');
  return button;
}

function userElement(message, ctx) {
  const { handlers, busy } = ctx;
  const bubble = h('div', { class: 'user-bubble', text: message.content });
  const edit = iconButton('edit', t('action.edit'), () => startEdit(article, message, handlers), 'msg-edit');
  edit.disabled = busy;
  const actions = h('div', { class: 'msg-actions' },
    versionSwitcher(message, ctx.versions, handlers, busy), copyButton(() => message.content), edit);
  const unanswered = ctx.isLast && !busy
    ? h('div', { class: 'msg-note msg-note-error' }, h('span', { text: t('chat.no_answer') }),
      h('button', { type: 'button', class: 'btn btn-small msg-retry', text: t('action.retry'),
        onclick: () => handlers.regenerate(message) }))
    : null;
  const article = h('article', { class: 'msg msg-user', dataset: { id: message.id, role: 'user' } },
    h('div', { class: 'msg-inner' }, bubble, actions, unanswered));
  return article;
}

/** Replaces a user message's bubble with an editor; sending creates a new version of that message. */
function startEdit(article, message, handlers) {
  const inner = article.querySelector('.msg-inner');
  const saved = [...inner.childNodes];
  const area = h('textarea', { class: 'edit-input', 'aria-label': t('chat.edit_label'), rows: '3' });
  area.value = message.content;
  const cancel = () => inner.replaceChildren(...saved);
  const submit = () => {
    const text = area.value;
    if (!text.trim()) return;
    handlers.editAndResend(message, text);
  };
  area.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.preventDefault(); cancel(); }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  const grow = () => { area.style.height = 'auto'; area.style.height = `${area.scrollHeight}px`; };
  area.addEventListener('input', grow);
  inner.replaceChildren(h('div', { class: 'edit-box' }, area,
    h('div', { class: 'edit-actions' },
      h('button', { type: 'button', class: 'btn', text: t('action.cancel'), onclick: cancel }),
      h('button', { type: 'button', class: 'btn btn-primary edit-send', text: t('action.send'), onclick: submit }))));
  grow();
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

function noteFor(message, ctx) {
  const { handlers, busy } = ctx;
  if (message.status === 'streaming' && message.reconnecting) {
    return h('div', { class: 'msg-note' }, h('span', { text: t('chat.reconnecting') }));
  }
  if (message.status === 'incomplete') {
    const buttons = ctx.isLast && !busy ? [
      h('button', { type: 'button', class: 'btn btn-small msg-continue', text: t('action.continue'),
        onclick: () => handlers.continueAnswer(message) }),
      h('button', { type: 'button', class: 'btn btn-small msg-regenerate-note', text: t('action.regenerate'),
        onclick: () => handlers.regenerate(message) }),
    ] : [];
    const why = message.finish_reason === 'cancelled' ? t('chat.stopped') : t('chat.interrupted');
    return h('div', { class: 'msg-note msg-note-warning interrupted-marker', role: 'note' },
      icon('alert'), h('span', { text: why }), ...buttons);
  }
  if (message.status === 'error') {
    const text = message.error ? describeError(message.error) : t('chat.failed');
    return h('div', { class: 'msg-note msg-note-error', role: 'note' }, icon('alert'), h('span', { text }),
      ctx.isLast && !busy ? h('button', { type: 'button', class: 'btn btn-small msg-retry', text: t('action.retry'),
        onclick: () => handlers.regenerate(message) }) : null);
  }
  return null;
}

const thinkingDots = () => h('span', { class: 'thinking', role: 'img', 'aria-label': t('chat.thinking') },
  h('span'), h('span'), h('span'));

/** The answer text each body was last drawn from: a frame that only brought thoughts leaves the answer alone. */
const drawnText = new WeakMap();

function fillAssistantBody(body, message) {
  if (message.status === 'streaming' && !message.content) {
    // Once thoughts arrive, their section says the model is thinking: no dots below it.
    if (reasoningOf(message)) body.replaceChildren();
    else body.replaceChildren(thinkingDots());
    drawnText.delete(body);
    return;
  }
  if (drawnText.get(body) === message.content) return;
  body.replaceChildren(renderMarkdown(message.content));
  drawnText.set(body, message.content);
}

function assistantElement(message, ctx) {
  const streaming = message.status === 'streaming';
  // Only the answer being written is a live region: re-rendering the thread must not re-read it all.
  const body = h('div', { class: 'msg-body md', 'aria-live': streaming ? 'polite' : null });
  fillAssistantBody(body, message);
  const article = h('article', { class: `msg msg-assistant${streaming ? ' streaming' : ''}`,
    dataset: { id: message.id, role: 'assistant', status: message.status || 'complete' } },
  h('div', { class: 'msg-inner' }, reasoningSection(message), body, noteFor(message, ctx), actionsFor(message, ctx)));
  return article;
}

function actionsFor(message, ctx) {
  if (message.status === 'streaming') return h('div', { class: 'msg-actions msg-actions-placeholder' });
  const regenerate = iconButton('regenerate', t('action.regenerate'), () => ctx.handlers.regenerate(message),
    'msg-regenerate');
  regenerate.disabled = ctx.busy;
  return h('div', { class: 'msg-actions' }, versionSwitcher(message, ctx.versions, ctx.handlers, ctx.busy),
    message.content ? copyButton(() => message.content) : null, regenerate,
    message.model ? h('span', { class: 'msg-model', text: message.model }) : null);
}

/**
 * Builds the element of `message`. `ctx`: {versions: {index, count}, isLast, busy, handlers:
 * {switchVersion, editAndResend, regenerate, continueAnswer}}.
 */
export function messageElement(message, ctx) {
  return message.role === 'user' ? userElement(message, ctx) : assistantElement(message, ctx);
}

/** Refreshes a streaming answer's thoughts and text in place (the rest of the element is rebuilt when it ends). */
export function updateStreamingBody(article, message) {
  refreshReasoning(article.querySelector('.msg-inner'), message);
  fillAssistantBody(article.querySelector('.msg-body'), message);
}
