// Loaded as a classic (blocking) script in <head> so a stored light/dark choice applies before first paint.
// theme.js takes over once the modules run.
(function applyStoredTheme() {
  try {
    var choice = localStorage.getItem('cm-theme');
    if (choice === 'light' || choice === 'dark') document.documentElement.setAttribute('data-theme', choice);
  } catch (e) {
    // Storage disabled: the CSS follows the system preference.
  }
}());
