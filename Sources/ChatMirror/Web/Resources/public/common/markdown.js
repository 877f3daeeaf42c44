// Answers as Markdown, through maintained libraries: marked parses (GFM, with math marks), DOMPurify turns the
// HTML into DOM nodes while keeping only the elements marked makes, then the nodes are finished here (links
// open in a new tab, code gets its frame, KaTeX draws the math). Raw HTML in model text is shown as text, links
// and images go only to http(s) or mailto, and images are never loaded: they become links to the picture.
import { markedLib, DOMPurify } from './vendor.js';
import { escapeHtml, safeHref, SAFE_URL_PATTERN } from './safe-url.js';
import { mathExtensions, renderMath } from './markdown-math.js';
import { codeBlockHtml, frameCodeBlock } from './markdown-code.js';

const textWithBreaks = (text) => escapeHtml(text).replace(/\n/g, '<br>');

const renderer = {
  html({ text, block }) {
    return block ? `<p>${textWithBreaks(text.replace(/\n+$/, ''))}</p>` : escapeHtml(text);
  },
  code({ text, lang }) {
    return codeBlockHtml(text.replace(/\n$/, ''), lang);
  },
  link({ href, title, tokens, raw }) {
    const url = safeHref(href);
    if (!url) return escapeHtml(raw); // an unsafe link stays visible as plain text
    const label = this.parser.parseInline(tokens);
    return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${label}</a>`;
  },
  image({ href, text, raw }) {
    const url = safeHref(href);
    return url ? `<a href="${escapeHtml(url)}">${escapeHtml(text || href)}</a>` : escapeHtml(raw);
  },
};

const markdown = new markedLib.Marked({ gfm: true, breaks: true, renderer, extensions: mathExtensions });

/** The elements and attributes marked makes with the renderer above; anything else is dropped. */
const SANITIZER = {
  ALLOWED_TAGS: ['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'input',
    'pre', 'code', 'span', 'div', 'em', 'strong', 'del', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  ALLOWED_ATTR: ['href', 'title', 'class', 'start', 'align', 'type', 'checked', 'disabled'],
  ALLOWED_URI_REGEXP: SAFE_URL_PATTERN,
  RETURN_DOM_FRAGMENT: true,
};

/** Drops the newlines marked writes between block elements: they are layout of the HTML text, not content. */
function dropBlockSeparators(fragment) {
  for (const parent of [fragment, ...fragment.querySelectorAll('ul, ol, li, blockquote, table, thead, tbody, tr')]) {
    for (const node of [...parent.childNodes]) {
      if (node.nodeType === Node.TEXT_NODE && node.data.includes('\n') && !node.data.trim()) node.remove();
    }
  }
}

function finish(fragment) {
  dropBlockSeparators(fragment);
  for (const a of fragment.querySelectorAll('a')) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
  }
  for (const input of fragment.querySelectorAll('input')) {
    if (input.type === 'checkbox') input.disabled = true;
    else input.remove();
  }
  for (const cell of fragment.querySelectorAll('th[align], td[align]')) {
    cell.classList.add(`align-${cell.getAttribute('align')}`);
    cell.removeAttribute('align');
  }
  for (const table of fragment.querySelectorAll('table')) {
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    table.replaceWith(wrap);
    wrap.append(table);
  }
  for (const pre of fragment.querySelectorAll('pre')) frameCodeBlock(pre);
  renderMath(fragment);
  return fragment;
}

/** Renders Markdown `source` into a new DocumentFragment of sanitised elements. */
export function renderMarkdown(source) {
  const html = markdown.parse(String(source ?? ''));
  return finish(DOMPurify.sanitize(html, SANITIZER));
}
