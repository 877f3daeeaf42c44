// JSON over fetch for the /api routes: same-origin cookies, the CSRF header on writes, one error type.

/** An API failure: `status` 0 with code `network` means the server could not be reached. */
export class ApiError extends Error {
  constructor(status, code, message, body = null, headers = null) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

/** Emits `unauthorized` (a 401 outside the login call) and `reachable`/`unreachable`. */
export const apiEvents = new EventTarget();

let csrfToken = null;

/** Remembers the CSRF token from `/api/me` or the login answer. */
export function setCsrf(token) {
  csrfToken = token || null;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const err = body && typeof body.error === 'object' && body.error ? body.error : {};
  const code = err.code || `http_${response.status}`;
  return new ApiError(response.status, code, err.message || response.statusText, err, response.headers);
}

async function send(method, path, body, options = {}) {
  const headers = { Accept: options.accept || 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (cause) {
    if (cause && cause.name === 'AbortError') throw cause;
    apiEvents.dispatchEvent(new Event('unreachable'));
    throw new ApiError(0, 'network', 'server unreachable');
  }
  apiEvents.dispatchEvent(new Event('reachable'));
  if (response.ok) return response;
  const error = await errorFrom(response);
  if (response.status === 403 && error.code === 'csrf_failed' && !options.retried) {
    // The token can change when the session is renewed: fetch it again and retry once.
    await refreshCsrf();
    return send(method, path, body, { ...options, retried: true });
  }
  if (response.status === 401 && !path.startsWith('/api/auth/')) {
    apiEvents.dispatchEvent(new CustomEvent('unauthorized', { detail: error }));
  }
  throw error;
}

async function refreshCsrf() {
  try {
    const me = await (await send('GET', '/api/me', undefined, { retried: true })).json();
    setCsrf(me.csrf);
  } catch {
    // The retry will fail with the real error.
  }
}

async function json(method, path, body, options) {
  const response = await send(method, path, body, options);
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : null;
}

/** `api.get('/api/me')`, `api.post(path, body)` ...: resolve to parsed JSON (null for 204), reject with ApiError. */
export const api = {
  get: (path, options) => json('GET', path, undefined, options),
  post: (path, body = {}, options) => json('POST', path, body, options),
  put: (path, body = {}, options) => json('PUT', path, body, options),
  patch: (path, body = {}, options) => json('PATCH', path, body, options),
  delete: (path, options) => json('DELETE', path, undefined, options),
  /** Opens an SSE response (POST with a body, or GET): the Response, or null on 204; JSON errors reject. */
  async stream(method, path, body, options = {}) {
    const response = await send(method, path, body, { ...options, accept: 'text/event-stream' });
    return response.status === 204 ? null : response;
  },
};
