// Follows the answer while the reader is at the bottom; never moves the view once they scroll up.
import { icon } from '../common/icons.js';

const STICK_PX = 48;
const BUTTON_PX = 160;
let scroller;
let button;
let stick = true;

const distanceFromBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;

function updateButton() {
  button.hidden = distanceFromBottom() <= BUTTON_PX;
}

/** Wires the scroll area, the content it follows and the scroll-to-bottom button. */
export function initScroll() {
  scroller = document.getElementById('scroller');
  button = document.getElementById('scroll-bottom');
  button.append(icon('down'));
  scroller.addEventListener('scroll', () => {
    stick = distanceFromBottom() <= STICK_PX;
    updateButton();
  }, { passive: true });
  // An instant jump: a smooth scroll would pass through "not at the bottom" and stop following.
  button.addEventListener('click', scrollToBottom);
  // Content grows while an answer streams: follow it only if the reader is at the bottom.
  new ResizeObserver(() => {
    if (stick) scroller.scrollTop = scroller.scrollHeight;
    updateButton();
  }).observe(document.getElementById('messages'));
}

/** Jumps to the bottom and follows from now on (after sending, when opening a conversation). */
export function scrollToBottom() {
  stick = true;
  scroller.scrollTop = scroller.scrollHeight;
  updateButton();
}

/** Runs `fn` (which rebuilds the DOM) keeping the reader's position. */
export function keepingPosition(fn) {
  const top = scroller.scrollTop;
  const wasStuck = stick;
  fn();
  scroller.scrollTop = wasStuck ? scroller.scrollHeight : top;
  updateButton();
}
