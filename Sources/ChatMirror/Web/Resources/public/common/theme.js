// Light, dark or follow the system; persisted, applied as <html data-theme="light|dark">.

const STORAGE_KEY = 'cm-theme';
const CHOICES = ['system', 'light', 'dark'];
const media = window.matchMedia('(prefers-color-scheme: dark)');

/** The stored choice: 'system', 'light' or 'dark'. */
export function getTheme() {
  const saved = localStorage.getItem(STORAGE_KEY);
  return CHOICES.includes(saved) ? saved : 'system';
}

function apply() {
  const choice = getTheme();
  const resolved = choice === 'system' ? (media.matches ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = resolved;
  document.documentElement.style.colorScheme = resolved;
}

/** Stores and applies a choice. */
export function setTheme(choice) {
  if (!CHOICES.includes(choice)) return;
  localStorage.setItem(STORAGE_KEY, choice);
  apply();
}

/** Applies the stored choice now and follows system changes while the choice is 'system'. */
export function initTheme() {
  apply();
  media.addEventListener('change', apply);
}
