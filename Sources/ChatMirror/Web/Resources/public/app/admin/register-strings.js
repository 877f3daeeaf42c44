// Adds the admin console's strings to the shared table, so common/i18n.js's t() and data-i18n find them.
// common/i18n.js has no registration call yet: its table is the object strings.js exports, so we extend it.
import { STRINGS } from '/common/strings.js';
import { ADMIN_STRINGS } from './strings.js';

for (const [lang, table] of Object.entries(ADMIN_STRINGS)) {
  STRINGS[lang] = Object.assign(STRINGS[lang] || {}, table);
}
