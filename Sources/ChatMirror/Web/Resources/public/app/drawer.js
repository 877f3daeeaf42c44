// On narrow screens the sidebar is a drawer: a button opens it, Escape or the backdrop closes it.
import { icon } from '../common/icons.js';

const NARROW = window.matchMedia('(max-width: 768px)');
const byId = (id) => document.getElementById(id);

/** True when the sidebar is a drawer (phone-sized screens). */
export const isNarrow = () => NARROW.matches;

function setInert(open) {
  // When closed on a phone, the drawer's links must not be reachable by Tab.
  byId('sidebar').inert = isNarrow() && !open;
}

/** Opens the drawer and moves focus into it. */
export function openDrawer() {
  byId('sidebar').classList.add('open');
  byId('drawer-backdrop').hidden = false;
  byId('drawer-open').setAttribute('aria-expanded', 'true');
  setInert(true);
  byId('new-chat').focus();
}

/** Closes the drawer (no-op on wide screens) and gives focus back to the menu button. */
export function closeDrawer({ restoreFocus = false } = {}) {
  const sidebar = byId('sidebar');
  if (!sidebar.classList.contains('open')) return;
  sidebar.classList.remove('open');
  byId('drawer-backdrop').hidden = true;
  byId('drawer-open').setAttribute('aria-expanded', 'false');
  setInert(false);
  if (restoreFocus) byId('drawer-open').focus();
}

/** Wires the buttons, the backdrop, Escape and screen-size changes. */
export function initDrawer() {
  byId('drawer-open').append(icon('menu'));
  byId('drawer-close').append(icon('close'));
  byId('drawer-open').addEventListener('click', openDrawer);
  byId('drawer-close').addEventListener('click', () => closeDrawer({ restoreFocus: true }));
  byId('drawer-backdrop').addEventListener('click', () => closeDrawer({ restoreFocus: true }));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && byId('sidebar').classList.contains('open')) closeDrawer({ restoreFocus: true });
  });
  NARROW.addEventListener('change', () => {
    closeDrawer();
    setInert(false);
  });
  setInert(false);
}
