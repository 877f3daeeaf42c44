// The console frame around the pages: who is signed in, language and theme choices, log out.
import { h } from '/common/dom.js';
import { getLang, setLang, languages } from '/common/i18n.js';
import { getTheme, setTheme } from '/common/theme.js';

const byId = (id) => document.getElementById(id);

/** Fills every language <select> (sign-in and console) and keeps them in step. */
export function initLanguageSelects() {
  for (const select of document.querySelectorAll('.lang-select')) {
    select.replaceChildren(...languages().map(({ code, name }) => h('option', { value: code, text: name })));
    select.value = getLang();
    select.addEventListener('change', () => {
      setLang(select.value);
      for (const other of document.querySelectorAll('.lang-select')) other.value = select.value;
    });
  }
}

/** Wires the theme choice and the log-out button. */
export function initShell({ logout }) {
  const theme = byId('console-theme');
  theme.value = getTheme();
  theme.addEventListener('change', () => setTheme(theme.value));
  byId('logout').addEventListener('click', logout);
}

/** Shows the console for `me`. */
export function showConsole(me) {
  for (const id of ['boot', 'login-view', 'refused-view']) byId(id).hidden = true;
  byId('me-name').textContent = me.display_name || me.username;
  byId('console').hidden = false;
}
