// Inline Markdown (emphasis, code, links) rendered into text nodes and a few safe elements.

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;

/**
 * Returns a normalised absolute URL when `raw` is an http(s) or mailto link, else null. Everything else
 * (javascript:, data:, vbscript:, relative paths, protocol-relative //host) is refused.
 */
export function safeHref(raw) {
  const text = String(raw || '').trim();
  // Control characters and whitespace inside a URL are a classic way to smuggle a scheme past filters.
  if (!text || /[\u0000-\u0020\u007f-\u009f]/.test(text)) return null;
  if (!/^(https?:\/\/[^/]|mailto:)/i.test(text)) return null;
  try {
    const url = new URL(text);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function link(href, children) {
  const a = document.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.append(...children);
  return a;
}

function runLength(src, i) {
  let n = 0;
  while (src[i + n] === src[i]) n += 1;
  return n;
}

/** Finds the closing delimiter run for an emphasis opened at `from`; -1 when there is none. */
function findClosing(src, from, ch, n) {
  let k = from;
  while (k < src.length) {
    if (src[k] === '\\') { k += 2; continue; }
    if (src[k] === '`') {
      const run = runLength(src, k);
      const end = src.indexOf('`'.repeat(run), k + run);
      k = end === -1 ? k + run : end + run;
      continue;
    }
    if (src[k] === ch) {
      const run = runLength(src, k);
      const before = src[k - 1] || ' ';
      const after = src[k + run] || ' ';
      const rightFlanking = !/\s/.test(before);
      const intraword = ch === '_' && WORD.test(after);
      if (run === n && rightFlanking && !intraword && k > from) return k;
      k += run;
      continue;
    }
    k += 1;
  }
  return -1;
}

/** Finds the `]` matching the `[` at `open`, skipping escapes and nested brackets. */
function findBracket(src, open) {
  let depth = 0;
  for (let k = open; k < src.length; k += 1) {
    if (src[k] === '\\') { k += 1; continue; }
    if (src[k] === '[') depth += 1;
    else if (src[k] === ']') {
      depth -= 1;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Parses `(url "title")` at `open`; returns {url, end} or null. */
function parseDestination(src, open) {
  if (src[open] !== '(') return null;
  let depth = 0;
  for (let k = open; k < src.length; k += 1) {
    if (src[k] === '\\') { k += 1; continue; }
    if (src[k] === '(') depth += 1;
    else if (src[k] === ')') {
      depth -= 1;
      if (depth === 0) {
        let inner = src.slice(open + 1, k).trim();
        inner = inner.replace(/\s+("[^"]*"|'[^']*')$/, '');
        if (inner.startsWith('<') && inner.endsWith('>')) inner = inner.slice(1, -1);
        return { url: inner, end: k + 1 };
      }
    } else if (src[k] === '\n') return null;
  }
  return null;
}

function trimUrl(url) {
  let out = url.replace(/[.,;:!?'"*_~]+$/, '');
  // Drop an unbalanced closing parenthesis, as in "(see https://x.org/a)".
  while (out.endsWith(')') && (out.match(/\(/g) || []).length < (out.match(/\)/g) || []).length) {
    out = out.slice(0, -1);
  }
  return out;
}

/** Appends the inline content of `src` to `parent`. Newlines become <br>, as in chat apps. */
export function renderInline(src, parent) {
  let text = '';
  const flush = () => {
    if (text) parent.append(document.createTextNode(text));
    text = '';
  };
  const put = (node) => {
    flush();
    parent.append(node);
  };
  const wrap = (tag, inner) => {
    const el = document.createElement(tag);
    renderInline(inner, el);
    return el;
  };
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '\\' && src[i + 1] === '\n') { put(document.createElement('br')); i += 2; continue; }
    if (ch === '\\' && PUNCTUATION.test(src[i + 1] || '')) { text += src[i + 1]; i += 2; continue; }
    if (ch === '\n') { put(document.createElement('br')); i += 1; continue; }
    if (ch === '`') {
      const run = runLength(src, i);
      const end = src.indexOf('`'.repeat(run), i + run);
      if (end !== -1 && src[end + run] !== '`') {
        let code = src.slice(i + run, end).replace(/\n/g, ' ');
        if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1);
        const el = document.createElement('code');
        el.textContent = code;
        put(el);
        i = end + run;
        continue;
      }
      text += '`'.repeat(run);
      i += run;
      continue;
    }
    if (ch === '*' || ch === '_' || ch === '~') {
      const run = runLength(src, i);
      const n = ch === '~' ? 2 : Math.min(run, 3);
      const next = src[i + run] || ' ';
      const prev = src[i - 1] || ' ';
      const opens = !/\s/.test(next) && !(ch === '_' && WORD.test(prev)) && (ch !== '~' || run === 2);
      const close = opens && run === n ? findClosing(src, i + n, ch, n) : -1;
      if (close !== -1) {
        const inner = src.slice(i + n, close);
        let el;
        if (ch === '~') el = wrap('del', inner);
        else if (n === 1) el = wrap('em', inner);
        else if (n === 2) el = wrap('strong', inner);
        else { el = document.createElement('strong'); el.append(wrap('em', inner)); }
        put(el);
        i = close + n;
        continue;
      }
      text += src.slice(i, i + run);
      i += run;
      continue;
    }
    if (ch === '[' || (ch === '!' && src[i + 1] === '[')) {
      const open = ch === '!' ? i + 1 : i;
      const close = findBracket(src, open);
      const dest = close === -1 ? null : parseDestination(src, close + 1);
      if (dest) {
        const href = safeHref(dest.url);
        const label = src.slice(open + 1, close);
        if (href) {
          // Images are never loaded from model output: they become a link to the picture.
          const content = document.createElement('span');
          renderInline(ch === '!' ? (label || dest.url) : label, content);
          put(link(href, [...content.childNodes]));
        } else {
          text += src.slice(i, dest.end); // an unsafe link stays visible as plain text
        }
        i = dest.end;
        continue;
      }
    }
    if (ch === '<') {
      const m = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(src.slice(i));
      const href = m && safeHref(m[1]);
      if (href) { put(link(href, [document.createTextNode(m[1])])); i += m[0].length; continue; }
    }
    if ((ch === 'h' || ch === 'H') && !WORD.test(src[i - 1] || '')) {
      const m = /^https?:\/\/[^\s<>()]*(\([^\s<>()]*\)[^\s<>()]*)*/i.exec(src.slice(i));
      const url = m && trimUrl(m[0]);
      const href = url && safeHref(url);
      if (href) { put(link(href, [document.createTextNode(url)])); i += url.length; continue; }
    }
    text += ch;
    i += 1;
  }
  flush();
}
