// Tiny DOM helpers. Text always goes in as text nodes, never as markup.

/**
 * Creates an element. `attrs` keys: `class`, `text`, `dataset`, `on<event>` (listener), anything else
 * becomes an attribute (`true` = present, `null`/`false` = absent). Children: nodes or strings (as text).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  appendChildren(el, children);
  return el;
}

/** Appends nodes or strings (as text nodes), skipping null/false, flattening arrays. */
export function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** querySelector shorthand. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** querySelectorAll as an array. */
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
