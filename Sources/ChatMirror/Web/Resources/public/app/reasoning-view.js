// The thinking of a reasoning model above its answer: a toggle over muted Markdown, open while only thoughts
// arrive, closed once the answer has text, unless the reader chose otherwise.
import { h } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { t } from '../common/i18n.js';
import { renderMarkdown } from '../common/markdown.js';

/** The reader's own choice (true = open) per message id: kept while the answer streams and is redrawn. */
const chosen = new Map();
/** The text each section's body was drawn from, so a frame without new thoughts leaves it alone. */
const drawnText = new WeakMap();
let sequence = 0;

/** The thinking of `message`, or '' when it has none worth showing. */
export function reasoningOf(message) {
  const text = message.reasoning;
  return typeof text === 'string' && text.trim() ? text : '';
}

/** Still thinking: the answer streams and has no text yet. */
const isThinking = (message) => message.status === 'streaming' && !message.content;

function setOpen(section, open) {
  section.querySelector('.reasoning-toggle').setAttribute('aria-expanded', String(open));
  section.querySelector('.reasoning-body').hidden = !open;
}

function fill(section, message) {
  section.dataset.messageId = message.id;
  section.classList.toggle('live', isThinking(message));
  section.querySelector('.reasoning-label').textContent =
    t(isThinking(message) ? 'chat.reasoning_live' : 'chat.reasoning_done');
  const text = reasoningOf(message);
  const body = section.querySelector('.reasoning-body');
  if (drawnText.get(body) !== text) {
    body.replaceChildren(renderMarkdown(text));
    drawnText.set(body, text);
  }
  // Without a choice of the reader's, the thoughts stay open until there is an answer to read instead.
  setOpen(section, chosen.get(message.id) ?? !message.content);
}

function build() {
  sequence += 1;
  const bodyId = `reasoning-${sequence}`;
  const toggle = h('button', { type: 'button', class: 'reasoning-toggle', 'aria-controls': bodyId,
    'aria-expanded': 'false' }, h('span', { class: 'reasoning-label' }), icon('right', 'reasoning-chevron'));
  const section = h('div', { class: 'msg-reasoning' }, toggle, h('div', { class: 'reasoning-body md', id: bodyId }));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    chosen.set(section.dataset.messageId, open);
    setOpen(section, open);
  });
  return section;
}

/** The thinking section of `message`, or null when it has no thinking (the answer then looks as before). */
export function reasoningSection(message) {
  if (!reasoningOf(message)) return null;
  const section = build();
  fill(section, message);
  return section;
}

/** Brings the thinking section at the top of `inner` up to date with the streaming `message`, adding it when
 *  the first thoughts arrive. */
export function refreshReasoning(inner, message) {
  let section = inner.querySelector(':scope > .msg-reasoning');
  if (!reasoningOf(message)) {
    if (section) section.remove();
    return;
  }
  if (!section) {
    section = build();
    inner.prepend(section);
  }
  fill(section, message);
}
