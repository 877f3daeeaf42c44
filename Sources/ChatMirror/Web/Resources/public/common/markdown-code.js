// Code in answers: fenced blocks highlighted by highlight.js, shown with their language and a copy button.
import { h } from './dom.js';
import { hljs } from './vendor.js';
import { t } from './i18n.js';
import { copyText } from './clipboard.js';
import { escapeHtml } from './safe-url.js';

/** The markup of a fenced block for the Markdown pass: highlight.js escapes the code and adds only spans. */
export function codeBlockHtml(code, info) {
  const lang = /^[\w+#.-]*/.exec(info || '')[0];
  const known = lang && hljs.getLanguage(lang);
  const body = known ? hljs.highlight(code, { language: lang, ignoreIllegals: true }).value : escapeHtml(code);
  const langClass = lang ? ` language-${escapeHtml(lang)}` : '';
  return `<pre><code class="hljs${langClass}">${body}</code></pre>`;
}

/** Wraps a rendered `<pre><code>` in the code block's frame: language label and copy button. */
export function frameCodeBlock(pre) {
  const code = pre.querySelector('code');
  const lang = /(?:^|\s)language-(\S+)/.exec(code.className)?.[1] || '';
  const copyButton = h('button', { type: 'button', class: 'code-copy', text: t('action.copy_code') });
  copyButton.addEventListener('click', async () => {
    const ok = await copyText(code.textContent);
    copyButton.textContent = ok ? t('action.copied') : t('error.copy_failed');
    setTimeout(() => { copyButton.textContent = t('action.copy_code'); }, 1500);
  });
  const block = h('div', { class: 'code-block' },
    h('div', { class: 'code-head' }, h('span', { class: 'code-lang', text: lang || t('code.plain') }), copyButton));
  pre.replaceWith(block);
  block.append(pre);
}
