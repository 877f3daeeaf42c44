// The site's name an admin chose (GET /api/site, no sign-in needed). It is remembered for the next visit, so a
// page starts with it instead of flashing the default; strings show it as `{site}`.
import { api } from './api.js';
import { setSharedParam } from './i18n.js';

const STORAGE_KEY = 'cm-site-name';
let name = localStorage.getItem(STORAGE_KEY) || 'ChatMirror';
setSharedParam('site', name);

/** The site's name. */
export const siteName = () => name;

/** Reads the site's name from the server; resolves true when it changed (the page then shows the new one). */
export async function loadSiteName() {
  let fresh;
  try {
    fresh = (await api.get('/api/site')).site_name;
  } catch {
    return false; // the remembered (or default) name stays
  }
  if (!fresh || fresh === name) return false;
  name = fresh;
  localStorage.setItem(STORAGE_KEY, name);
  setSharedParam('site', name);
  return true;
}
