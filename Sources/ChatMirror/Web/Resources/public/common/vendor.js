// The browser libraries vendored from Debian's packages (public/vendor/, refreshed by scripts/refresh-vendor.sh).
// Their browser builds are classic scripts that set globals; the pages load them with deferred <script src> tags
// before their own modules, and this module hands them on so the rest of the app imports them like its own.

function required(name) {
  const library = globalThis[name];
  if (!library) throw new Error(`${name} is not loaded: the page needs <script defer src="/vendor/…"> for it`);
  return library;
}

/** marked (Markdown to HTML), its module object: `{ Marked, ... }`. */
export const markedLib = required('marked');
/** DOMPurify (HTML sanitiser). */
export const DOMPurify = required('DOMPurify');
/** highlight.js (syntax highlighting). */
export const hljs = required('hljs');
/** KaTeX (TeX math). */
export const katex = required('katex');
