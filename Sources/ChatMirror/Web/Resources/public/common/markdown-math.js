// Math in answers: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` displayed. The Markdown pass only marks the
// TeX source (so Markdown's backslash escapes cannot eat `\,` or `\{`); KaTeX then draws each mark as DOM
// nodes, never an HTML string, so its inline styles go through the CSSOM, which `style-src 'self'` allows.
import { DOMPurify, katex } from './vendor.js';
import { escapeHtml, SAFE_URL_PATTERN } from './safe-url.js';

// `$…$` follows Pandoc: no space just inside the dollars and no digit right after the closing one, so prices
// ("$5 and $10") stay text. `\$` is a literal dollar, inside math and out.
const INLINE = [
  { pattern: /^\$\$(?!\$)([\s\S]+?)\$\$/, display: true },
  { pattern: /^\\\[([\s\S]+?)\\\]/, display: true },
  { pattern: /^\\\(([\s\S]+?)\\\)/, display: false },
  { pattern: /^\$(?![\s$])((?:\\[^\n]|[^\\$\n])+?)(?<!\s)\$(?!\d)/, display: false },
];
const BLOCK = /^ {0,3}(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n+|$)/;

/**
 * KaTeX's settings: trust off (no \href, \url, \includegraphics, \htmlClass…), bounded sizes and expansion.
 * Errors are thrown and shown here: KaTeX's own error element, like the MathML of \pmb and \fcolorbox (hence
 * the two macros), would set a style attribute, which the CSP refuses.
 */
const KATEX_OPTIONS = { throwOnError: true, trust: false, strict: 'ignore', output: 'htmlAndMathml',
  maxSize: 10, maxExpand: 500 };
/** Copied for each formula: KaTeX stores `\gdef`s in this object, and one answer must not define another's. */
const MACROS = { '\\pmb': '\\boldsymbol{#1}', '\\fcolorbox': '\\@secondoftwo{#1}{\\colorbox{#2}{#3}}' };

/** What KaTeX's DOM may hold when it is checked once more: its HTML, SVG and MathML (with the TeX annotation). */
const KATEX_SANITIZER = { IN_PLACE: true, ADD_TAGS: ['semantics', 'annotation'], FORBID_TAGS: ['a', 'img'],
  ALLOWED_URI_REGEXP: SAFE_URL_PATTERN };

// Display math inside a paragraph is a span too (KaTeX's display output is a block of its own).
const mark = (tex, display, tag = 'span') =>
  `<${tag} class="math ${display ? 'math-display' : 'math-inline'}">${escapeHtml(tex)}</${tag}>`;

/** marked extensions that turn the four delimiters into marks holding the TeX source as text. */
export const mathExtensions = [
  {
    name: 'mathBlock',
    level: 'block',
    // marked asks where a paragraph must stop; only a line that opens with a delimiter stops it.
    start(src) {
      const m = /\n {0,3}(?:\$\$|\\\[)/.exec(src);
      return m ? m.index + 1 : undefined;
    },
    tokenizer(src) {
      const m = BLOCK.exec(src);
      if (!m) return undefined;
      return { type: 'mathBlock', raw: m[0], text: (m[1] ?? m[2]).trim() };
    },
    renderer(token) { return mark(token.text, true, 'div'); },
  },
  {
    name: 'math',
    level: 'inline',
    start(src) { return /\$|\\[([]/.exec(src)?.index; },
    tokenizer(src) {
      for (const { pattern, display } of INLINE) {
        const m = pattern.exec(src);
        if (m && m[1].trim()) return { type: 'math', raw: m[0], text: m[1].trim(), display };
      }
      return undefined;
    },
    renderer(token) { return mark(token.text, token.display); },
  },
];

/** Draws every math mark under `root` with KaTeX, then sanitises what KaTeX made (in place: its styles stay). */
export function renderMath(root) {
  for (const el of root.querySelectorAll('.math')) {
    const tex = el.textContent;
    try {
      const displayMode = el.classList.contains('math-display');
      katex.render(tex, el, { ...KATEX_OPTIONS, macros: { ...MACROS }, displayMode });
      DOMPurify.sanitize(el, KATEX_SANITIZER);
    } catch (error) {
      el.textContent = tex;
      el.classList.add('math-error');
      el.title = String(error?.message || error);
    }
  }
}
