// API errors in words for the admin: the server's own message for validation, plain words otherwise.
import { t } from '/common/i18n.js';
import { describeError as describeForUsers } from '/app/errors.js';

/** The field an API 400 names ("field 'base_url' must be ...", "limits[1].window must be ..."), or null. */
export function fieldOf(error) {
  if (!error || error.status !== 400) return null;
  const message = error.message || '';
  const match = /(?:field|query) '([a-z_]+)'/.exec(message) || /^(limits\[\d+\](?:\.[a-z_]+)?)/.exec(message);
  return match ? match[1] : null;
}

/** A sentence about `error`. */
export function describeError(error) {
  const code = (error && error.code) || '';
  if (code === 'invalid_request' || code === 'invalid_json') return error.message;
  if (code === 'conflict') return t('admin.error.conflict');
  if (code === 'forbidden') return t('admin.error.forbidden');
  return describeForUsers(error);
}
