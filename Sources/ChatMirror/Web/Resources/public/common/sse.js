// Server-sent events read over fetch, so that POST bodies and the CSRF header work (EventSource can't).

/**
 * Reads `response.body` as an event stream and calls `onEvent({event, data})` for each event; `data` is
 * parsed JSON when it parses, else the raw string. Comment lines (`: ping`) are ignored. Resolves when the
 * stream ends; rejects on a network error; `signal` aborts the read.
 */
export async function readEventStream(response, onEvent, signal) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const abort = () => reader.cancel().catch(() => {});
  if (signal) {
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
  }
  let buffer = '';
  let eventName = '';
  let dataLines = [];
  const dispatch = () => {
    if (dataLines.length > 0) {
      const raw = dataLines.join('\n');
      let data = raw;
      try {
        data = JSON.parse(raw);
      } catch {
        data = raw;
      }
      onEvent({ event: eventName || 'message', data });
    }
    eventName = '';
    dataLines = [];
  };
  const handleLine = (line) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') dataLines.push(value);
    return undefined;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      // A trailing "\r" may be the first half of "\r\n": keep it for the next chunk.
      const heldBack = buffer.endsWith('\r') ? '\r' : '';
      const lines = (heldBack ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      buffer = lines.pop() + heldBack;
      for (const line of lines) handleLine(line);
    }
    buffer += decoder.decode();
    for (const line of buffer.split(/\r\n|\r|\n/)) if (line) handleLine(line);
    dispatch();
  } finally {
    if (signal) signal.removeEventListener('abort', abort);
  }
}
