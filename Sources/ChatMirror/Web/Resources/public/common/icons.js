// Line icons drawn as SVG through the DOM (no markup strings, no external files).
import { h } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  plus: 'M12 5v14M5 12h14',
  menu: 'M3 6h18M3 12h18M3 18h18',
  close: 'M18 6 6 18M6 6l12 12',
  send: 'M12 19V5M5 12l7-7 7 7',
  down: 'M12 5v14M19 12l-7 7-7-7',
  copy: 'M9 9h11v11H9zM5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1',
  edit: 'M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4Z',
  regenerate: 'M21 4v6h-6M3 20v-6h6M5.1 9a7.5 7.5 0 0 1 12.6-2.8L21 10M3 14l3.3 3.8A7.5 7.5 0 0 0 18.9 15',
  left: 'M15 18l-6-6 6-6',
  right: 'M9 18l6-6-6-6',
  more: 'M5 12h.01M12 12h.01M19 12h.01',
  search: 'M18 11a7 7 0 1 1-14 0 7 7 0 0 1 14 0zM21 21l-4.3-4.3',
  settings: 'M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6',
  logout: 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9',
  trash: 'M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6',
  check: 'M20 6 9 17l-5-5',
  alert: 'M12 9v4M12 17h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
  play: 'M6 4l14 8-14 8z',
  pin: 'M12 17v5M9 3h6l-1 6 4 3v2H6v-2l4-3z',
  archive: 'M3 4h18v4H3zM5 8v12h14V8M10 12h4',
  restore: 'M3 4h18v4H3zM5 8v12h14V8M12 18v-6M9 15l3-3 3 3',
};

/** Returns an <svg> icon (aria-hidden; the button around it carries the label). */
export function icon(name, extraClass = '') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name} ${extraClass}`.trim());
  if (name === 'stop') {
    const rect = document.createElementNS(SVG_NS, 'rect');
    for (const [k, v] of Object.entries({ x: 7, y: 7, width: 10, height: 10, rx: 1.5 })) rect.setAttribute(k, v);
    rect.setAttribute('class', 'icon-fill');
    svg.append(rect);
    return svg;
  }
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', PATHS[name] || PATHS.more);
  svg.append(path);
  return svg;
}

/** A button showing only an icon, with an accessible label and a tooltip. */
export function iconButton(name, label, onclick, extraClass = '') {
  return h('button', { type: 'button', class: `icon-btn ${extraClass}`.trim(), 'aria-label': label, title: label, onclick },
    icon(name));
}
