// Reads one answer's SSE stream (meta, reasoning, delta, done, error) and says how it ended.
import { readEventStream } from '../common/sse.js';

const textOf = (data) => (typeof data === 'object' && data ? String(data.text ?? '') : '');

/**
 * Feeds the events of `response` to `on.meta(data)`, `on.reasoning(text)` (the model's thinking),
 * `on.delta(text)` (the answer), `on.done(data)`, `on.error(data)`.
 * Resolves to 'done', 'error', 'aborted' (our signal) or 'dropped' (the connection ended without an end
 * event, so the answer may still be running on the server).
 */
export async function consumeAnswer(response, on, signal) {
  let ending = null;
  try {
    await readEventStream(response, ({ event, data }) => {
      if (ending) return;
      if (event === 'meta' && data && typeof data === 'object') on.meta(data);
      else if (event === 'reasoning') on.reasoning(textOf(data));
      else if (event === 'delta') on.delta(textOf(data));
      else if (event === 'done') { ending = 'done'; on.done(typeof data === 'object' && data ? data : {}); }
      else if (event === 'error') { ending = 'error'; on.error(typeof data === 'object' && data ? data : {}); }
    }, signal);
  } catch {
    // A network error mid-stream: decided below.
  }
  if (ending) return ending;
  return signal && signal.aborted ? 'aborted' : 'dropped';
}

/** Waits `ms`, or less if `signal` aborts. */
export function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
