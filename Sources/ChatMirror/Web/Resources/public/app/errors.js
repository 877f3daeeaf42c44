// Turns API errors into plain words for people.
import { t, formatTime } from '../common/i18n.js';

/** When a limit resets, from a 429 body (`resets_at` anywhere we know of) or its Retry-After header. */
export function resetTimeOf(error) {
  const body = (error && error.body) || {};
  const candidates = [body.resets_at, body.details && body.details.resets_at, body.limit && body.limit.resets_at,
    body.quota && body.quota.resets_at];
  const found = candidates.find((v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)));
  if (found) return new Date(found);
  const retryAfter = error && error.headers && error.headers.get && error.headers.get('Retry-After');
  const seconds = retryAfter ? parseInt(retryAfter, 10) : NaN;
  return Number.isFinite(seconds) ? new Date(Date.now() + seconds * 1000) : null;
}

/** A sentence for the user about `error` ({status, code, message} from the API or an SSE error event). */
export function describeError(error) {
  const code = (error && error.code) || '';
  switch (code) {
    case 'network': return t('error.network');
    case 'quota_exceeded': {
      const reset = resetTimeOf(error);
      return reset ? t('error.quota_until', { time: formatTime(reset) }) : t('error.quota');
    }
    case 'too_many_attempts': {
      const reset = resetTimeOf(error);
      return reset ? t('error.too_many_attempts_until', { time: formatTime(reset) }) : t('error.too_many_attempts');
    }
    case 'no_upstream': return t('error.no_upstream');
    case 'upstream_unavailable':
    case 'upstream_error':
    case 'upstream_bad_response':
    case 'upstream_auth_failed': return t('error.upstream');
    case 'upstream_timeout': return t('error.upstream_timeout');
    case 'generation_in_progress': return t('error.in_progress');
    case 'payload_too_large': return t('error.too_long');
    case 'not_found': return t('error.not_found');
    case 'forbidden':
    case 'account_disabled': return t('error.forbidden');
    case 'unauthenticated':
    case 'session_expired': return t('error.session_expired');
    default:
      return (error && error.message) ? t('error.generic_with', { message: error.message }) : t('error.generic');
  }
}
