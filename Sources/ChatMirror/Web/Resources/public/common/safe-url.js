// Which link targets model output may have: web pages and mail addresses, nothing that runs or embeds.

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

/**
 * The sanitiser's own check of attribute values (after safeHref's): DOMPurify's default pattern with only the
 * http(s) and mailto schemes. Values without a scheme ("left", "application/x-tex") pass, as by default.
 */
export const SAFE_URL_PATTERN = /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i;

/** `text` with the five HTML-special characters escaped, for markup the Markdown pass builds. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
