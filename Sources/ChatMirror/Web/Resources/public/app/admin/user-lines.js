// Reads the "new users" box: one user a line, either `username` or CSV `username,display name,password`.
import { t } from '/common/i18n.js';

const USERNAME = /^[\p{L}\p{N}._\-@]{1,64}$/u;

/**
 * Parses `text` into `{line, username, display_name, password}` entries (blank lines skipped) and the
 * problems found per line (`{line, text}`), checked the way the server checks them.
 */
export function parseUserLines(text) {
  const entries = [];
  const problems = [];
  const seen = new Map();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (!raw.trim()) return;
    const [username = '', displayName = '', ...rest] = raw.split(',');
    // A password may itself contain commas: everything after the second comma belongs to it.
    const password = rest.join(',');
    const entry = { line, username: username.trim(), display_name: displayName.trim(), password: password.trim() };
    if (!USERNAME.test(entry.username)) problems.push({ line, text: t('admin.bulk.bad_username', { name: entry.username }) });
    else if (seen.has(entry.username.toLowerCase())) {
      problems.push({ line, text: t('admin.bulk.duplicate', { other: seen.get(entry.username.toLowerCase()) }) });
    }
    if (entry.display_name.length > 100) problems.push({ line, text: t('admin.bulk.long_name') });
    if (entry.password && (entry.password.length < 8 || entry.password.length > 256)) {
      problems.push({ line, text: t('admin.bulk.bad_password') });
    }
    seen.set(entry.username.toLowerCase(), line);
    entries.push(entry);
  });
  return { entries, problems };
}
