// Safe Markdown: model text is parsed here and every piece of it ends up in a text node. No HTML string
// from the model is ever parsed, so `<script>`, `<img onerror>` and the like stay visible, inert text.
import { h } from './dom.js';
import { highlight } from './highlight.js';
import { renderInline } from './markdown-inline.js';
import { t } from './i18n.js';
import { copyText } from './clipboard.js';

const FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])( +|$)(.*)$/;
const TABLE_DIVIDER = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;

const isBlank = (line) => /^\s*$/.test(line);
const indentOf = (line) => /^ */.exec(line)[0].length;

function listMarker(line) {
  const m = LIST_ITEM.exec(line);
  if (!m) return null;
  const ordered = /\d/.test(m[2]);
  const spaces = m[3].length > 4 || m[4] === '' ? 1 : m[3].length;
  return {
    indent: m[1].length, ordered, start: ordered ? parseInt(m[2], 10) : 1,
    contentIndent: m[1].length + m[2].length + spaces, text: m[4],
  };
}

function isTableStart(lines, i) {
  return i + 1 < lines.length && lines[i].includes('|') && TABLE_DIVIDER.test(lines[i + 1])
    && lines[i + 1].includes('-');
}

function startsBlock(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)
    || Boolean(listMarker(line)) || isTableStart(lines, i);
}

/** Splits a table row on unescaped pipes outside code spans. */
function splitRow(line) {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells = [];
  let cell = '';
  let inCode = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === '|') { cell += '|'; i += 1; continue; }
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) { cells.push(cell.trim()); cell = ''; continue; }
    cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

function codeBlock(code, lang) {
  const codeEl = h('code', { class: lang ? `language-${lang.replace(/[^\w+#-]/g, '')}` : null });
  codeEl.append(highlight(code, lang));
  const copyButton = h('button', { type: 'button', class: 'code-copy', text: t('action.copy_code') });
  copyButton.addEventListener('click', async () => {
    const ok = await copyText(code);
    copyButton.textContent = ok ? t('action.copied') : t('error.copy_failed');
    setTimeout(() => { copyButton.textContent = t('action.copy_code'); }, 1500);
  });
  return h('div', { class: 'code-block' },
    h('div', { class: 'code-head' }, h('span', { class: 'code-lang', text: lang || t('code.plain') }), copyButton),
    h('pre', {}, codeEl));
}

function table(lines, i, out) {
  const header = splitRow(lines[i]);
  const aligns = splitRow(lines[i + 1]).map((c) => {
    if (/^:-+:$/.test(c)) return 'center';
    if (/-+:$/.test(c)) return 'right';
    return null;
  });
  const cell = (tag, text, col) => {
    const el = h(tag, { class: aligns[col] ? `align-${aligns[col]}` : null });
    renderInline(text, el);
    return el;
  };
  const thead = h('thead', {}, h('tr', {}, header.map((c, col) => cell('th', c, col))));
  const tbody = h('tbody');
  let j = i + 2;
  while (j < lines.length && !isBlank(lines[j]) && lines[j].includes('|')) {
    const cells = splitRow(lines[j]);
    tbody.append(h('tr', {}, header.map((_, col) => cell('td', cells[col] || '', col))));
    j += 1;
  }
  out.append(h('div', { class: 'table-wrap' }, h('table', {}, thead, tbody)));
  return j;
}

function list(lines, i, out) {
  const first = listMarker(lines[i]);
  const el = h(first.ordered ? 'ol' : 'ul', { start: first.ordered && first.start !== 1 ? first.start : null });
  while (i < lines.length) {
    const item = listMarker(lines[i]);
    if (!item || item.ordered !== first.ordered || item.indent > first.indent + 3) break;
    const body = [item.text];
    i += 1;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        let j = i;
        while (j < lines.length && isBlank(lines[j])) j += 1;
        if (j < lines.length && indentOf(lines[j]) >= item.contentIndent) {
          body.push(...lines.slice(i, j).map(() => ''));
          i = j;
          continue;
        }
        break;
      }
      const indent = indentOf(line);
      const nested = listMarker(line);
      if (indent >= item.contentIndent || (nested && nested.indent > item.indent)) {
        // Models often nest with fewer spaces than the marker's width: still a child of this item.
        body.push(line.slice(Math.min(indent, item.contentIndent)));
        i += 1;
        continue;
      }
      if (nested || startsBlock(lines, i)) break;
      body.push(line.trim()); // lazy continuation of the item's paragraph
      i += 1;
    }
    const li = h('li');
    renderBlocks(body, li, true);
    el.append(li);
    // Blank lines between items of one list keep the list going.
    let j = i;
    while (j < lines.length && isBlank(lines[j])) j += 1;
    const next = j < lines.length ? listMarker(lines[j]) : null;
    if (j > i && next && next.ordered === first.ordered && next.indent <= first.indent + 3) i = j;
  }
  out.append(el);
  return i;
}

function renderBlocks(lines, out, tight = false) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) { i += 1; continue; }
    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent, marker, lang] = fence;
      const code = [];
      i += 1;
      while (i < lines.length) {
        const closing = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
        if (closing.test(lines[i])) { i += 1; break; }
        code.push(lines[i].slice(Math.min(indent.length, indentOf(lines[i]))));
        i += 1;
      }
      out.append(codeBlock(code.join('\n'), lang));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const el = h(`h${heading[1].length}`);
      renderInline(heading[2] || '', el);
      out.append(el);
      i += 1;
      continue;
    }
    if (RULE.test(line)) { out.append(h('hr')); i += 1; continue; }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && QUOTE.test(lines[i])) { inner.push(lines[i].replace(QUOTE, '')); i += 1; }
      const el = h('blockquote');
      renderBlocks(inner, el);
      out.append(el);
      continue;
    }
    if (isTableStart(lines, i)) { i = table(lines, i, out); continue; }
    if (listMarker(line)) { i = list(lines, i, out); continue; }
    const para = [line.trim()];
    i += 1;
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines, i)) { para.push(lines[i].trim()); i += 1; }
    const el = tight ? h('div', { class: 'md-tight' }) : h('p');
    renderInline(para.join('\n'), el);
    out.append(el);
  }
}

/** Renders Markdown `source` into a new DocumentFragment built only from elements and text nodes. */
export function renderMarkdown(source) {
  const fragment = document.createDocumentFragment();
  const lines = String(source ?? '').replace(/\t/g, '    ').split(/\r\n|\r|\n/);
  renderBlocks(lines, fragment);
  return fragment;
}
