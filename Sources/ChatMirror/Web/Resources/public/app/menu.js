// A small popup menu anchored to a button: arrow keys move, Escape closes and returns focus.
import { h } from '../common/dom.js';
import { icon } from '../common/icons.js';

let openState = null;

/** Closes the open popup menu, if any. */
export function closeMenus({ restoreFocus = false } = {}) {
  if (!openState) return;
  const { el, anchor } = openState;
  openState = null;
  el.remove();
  anchor.setAttribute('aria-expanded', 'false');
  if (restoreFocus) anchor.focus();
}

/** Opens a menu under `anchor` with items `{label, icon?, danger?, run}`. */
export function openMenu(anchor, items) {
  const wasOpenHere = openState && openState.anchor === anchor;
  closeMenus();
  if (wasOpenHere) return;
  const buttons = items.map((item) => h('button', { type: 'button', role: 'menuitem', tabindex: '-1',
    class: `menu-item${item.danger ? ' menu-item-danger' : ''}`,
    onclick: () => { closeMenus(); item.run(); } }, item.icon ? icon(item.icon) : null, h('span', { text: item.label })));
  const el = h('div', { class: 'menu popup-menu', role: 'menu' }, buttons);
  document.body.append(el);
  const rect = anchor.getBoundingClientRect();
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  // CSSOM positioning (allowed by the CSP, unlike style attributes).
  el.style.left = `${Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8))}px`;
  el.style.top = `${rect.bottom + height + 8 > window.innerHeight ? rect.top - height - 4 : rect.bottom + 4}px`;
  anchor.setAttribute('aria-expanded', 'true');
  openState = { el, anchor };
  buttons[0].focus();
  el.addEventListener('keydown', (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') { event.preventDefault(); buttons[(index + 1) % buttons.length].focus(); }
    if (event.key === 'ArrowUp') { event.preventDefault(); buttons[(index - 1 + buttons.length) % buttons.length].focus(); }
    if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); closeMenus({ restoreFocus: true }); }
    if (event.key === 'Tab') closeMenus();
  });
}

document.addEventListener('click', (event) => {
  if (openState && !openState.el.contains(event.target) && !openState.anchor.contains(event.target)) closeMenus();
});
window.addEventListener('resize', () => closeMenus());
