// Pieces every page uses: the header with title and actions, cards, tables, loading a detail page's object.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { describeError } from './errors.js';

/** The page header: optional back link, title, optional subtitle node, actions on the right. */
export function pageHeader({ title, back = null, subtitle = null, actions = [] }) {
  return h('header', { class: 'page-header' },
    h('div', { class: 'page-heading' },
      back && h('a', { class: 'back-link', href: back.href, text: `← ${back.label}` }),
      h('h1', { class: 'page-title', text: title }),
      subtitle),
    actions.length ? h('div', { class: 'page-actions' }, ...actions) : null);
}

/** A titled card section. */
export function card(titleText, ...children) {
  return h('section', { class: 'card' }, titleText && h('h2', { class: 'card-title', text: titleText }), ...children);
}

/** A table with a header row from `headings` (already translated) and the given body. */
export function table(headings, tbody, attrs = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table', ...attrs },
      h('thead', {}, h('tr', {}, ...headings.map((text) => h('th', { scope: 'col', text })))),
      tbody));
}

/** A link styled as a button. */
export const linkButton = (href, text, extra = '') => h('a', { class: `btn ${extra}`.trim(), href, text });

/** Two columns on wide screens (main, then a narrower aside), one below the other on narrow ones. */
export function columns(main, aside) {
  return h('div', { class: 'columns' }, h('div', { class: 'cards' }, ...main), h('div', { class: 'cards' }, ...aside));
}

/**
 * Loads the object a detail page shows; when that fails, draws the header (back link, section title) and the
 * error, and resolves to null.
 */
export async function loadOrExplain(container, path, back) {
  try {
    return await api.get(path);
  } catch (error) {
    container.append(pageHeader({ title: back.label, back }),
      h('p', { class: 'form-error', role: 'alert', text: describeError(error) }));
    return null;
  }
}
