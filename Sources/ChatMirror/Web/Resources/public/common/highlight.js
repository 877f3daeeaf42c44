// Light syntax highlighting: a small scanner per language family that only creates text nodes and spans.

const C_LIKE_COMMENTS = { line: ['//'], block: [['/*', '*/']] };
const HASH_COMMENTS = { line: ['#'], block: [] };

const words = (s) => new Set(s.split(/\s+/).filter(Boolean));

const LITERALS = words('true false null undefined nil None True False NaN Infinity self this super');

const FAMILIES = {
  js: {
    ...C_LIKE_COMMENTS, quotes: ['"', "'", '`'],
    keywords: words(`async await break case catch class const continue debugger default delete do else export
      extends finally for from function if import in instanceof let new of return static switch throw try
      typeof var void while with yield interface type enum implements private public protected readonly as`),
  },
  python: {
    ...HASH_COMMENTS, quotes: ['"""', "'''", '"', "'"],
    keywords: words(`and as assert async await break class continue def del elif else except finally for from
      global if import in is lambda nonlocal not or pass raise return try while with yield match case print`),
  },
  shell: {
    ...HASH_COMMENTS, quotes: ['"', "'"], variables: true,
    keywords: words(`if then else elif fi for while until do done case esac in function return export local
      echo cd sudo apt apt-get pip npm git curl swift make exit set unset source`),
  },
  json: { line: [], block: [], quotes: ['"'], keywords: new Set() },
  swift: {
    ...C_LIKE_COMMENTS, quotes: ['"'],
    keywords: words(`actor associatedtype async await break case catch class continue default defer do else
      enum extension fallthrough fileprivate for func guard if import in init inout internal let nonisolated
      open operator private protocol public repeat rethrows return some any static struct subscript switch
      throw throws try typealias var where while`),
  },
  go: {
    ...C_LIKE_COMMENTS, quotes: ['"', "'", '`'],
    keywords: words(`break case chan const continue default defer else fallthrough for func go goto if import
      interface map package range return select struct switch type var`),
  },
  rust: {
    ...C_LIKE_COMMENTS, quotes: ['"'],
    keywords: words(`as async await break const continue crate dyn else enum extern fn for if impl in let loop
      match mod move mut pub ref return static struct trait type unsafe use where while`),
  },
  c: {
    ...C_LIKE_COMMENTS, quotes: ['"', "'"],
    keywords: words(`auto break case char const continue default do double else enum extern float for goto if
      int long register return short signed sizeof static struct switch typedef union unsigned void volatile
      while class public private protected namespace template typename new delete using virtual override
      final import package extends implements interface boolean byte throws try catch finally fun val var
      object when string bool include define`),
  },
  sql: {
    line: ['--'], block: [['/*', '*/']], quotes: ["'", '"'], caseInsensitive: true,
    keywords: words(`select from where and or not insert into values update set delete create table index
      drop alter add primary key foreign references join left right inner outer on group by order having
      limit offset as distinct union all null is in like between exists case when then else end returning
      with default unique integer text varchar boolean timestamp`),
  },
  css: { ...C_LIKE_COMMENTS, line: [], quotes: ['"', "'"], keywords: new Set() },
  markup: { line: [], block: [['<!--', '-->']], quotes: ['"', "'"], keywords: new Set(), tags: true },
  yaml: { ...HASH_COMMENTS, quotes: ['"', "'"], keywords: new Set() },
};

const ALIASES = {
  js: 'js', javascript: 'js', jsx: 'js', mjs: 'js', ts: 'js', typescript: 'js', tsx: 'js',
  py: 'python', python: 'python', python3: 'python',
  sh: 'shell', bash: 'shell', shell: 'shell', zsh: 'shell', console: 'shell',
  json: 'json', jsonc: 'json', swift: 'swift', go: 'go', golang: 'go', rs: 'rust', rust: 'rust',
  c: 'c', h: 'c', cpp: 'c', 'c++': 'c', cc: 'c', java: 'c', kotlin: 'c', kt: 'c', cs: 'c', csharp: 'c',
  sql: 'sql', css: 'css', scss: 'css', html: 'markup', xml: 'markup', svg: 'markup', vue: 'markup',
  yaml: 'yaml', yml: 'yaml', toml: 'yaml', ini: 'yaml',
};

/** True when `lang` (a fence's info word) has a highlighter. */
export const canHighlight = (lang) => Boolean(ALIASES[(lang || '').toLowerCase()]);

function span(cls, text) {
  const el = document.createElement('span');
  el.className = `tok-${cls}`;
  el.textContent = text;
  return el;
}

function readString(code, i, quote) {
  let j = i + quote.length;
  const multiline = quote.length === 3 || quote === '`';
  while (j < code.length) {
    if (code[j] === '\\') { j += 2; continue; }
    if (code.startsWith(quote, j)) return j + quote.length;
    if (code[j] === '\n' && !multiline) return j;
    j += 1;
  }
  return code.length;
}

/** Returns a DocumentFragment of text nodes and `tok-*` spans for `code` in `lang`. */
export function highlight(code, lang) {
  const fragment = document.createDocumentFragment();
  const family = FAMILIES[ALIASES[(lang || '').toLowerCase()]];
  if (!family) {
    fragment.append(document.createTextNode(code));
    return fragment;
  }
  let plain = '';
  const flush = () => {
    if (plain) fragment.append(document.createTextNode(plain));
    plain = '';
  };
  const emit = (cls, text) => {
    flush();
    fragment.append(span(cls, text));
  };
  let i = 0;
  let afterTagOpen = false;
  while (i < code.length) {
    const ch = code[i];
    const line = family.line.find((p) => code.startsWith(p, i));
    // In shell, '#' starts a comment only at the start of a word ("$#" and "a#b" are not comments).
    if (line && !(family.variables && i > 0 && !/\s/.test(code[i - 1]))) {
      const end = code.indexOf('\n', i);
      const stop = end === -1 ? code.length : end;
      emit('com', code.slice(i, stop));
      i = stop;
      continue;
    }
    const block = family.block.find(([open]) => code.startsWith(open, i));
    if (block) {
      const end = code.indexOf(block[1], i + block[0].length);
      const stop = end === -1 ? code.length : end + block[1].length;
      emit('com', code.slice(i, stop));
      i = stop;
      continue;
    }
    const quote = family.quotes.find((q) => code.startsWith(q, i));
    if (quote) {
      const stop = readString(code, i, quote);
      const text = code.slice(i, stop);
      // A JSON string followed by ':' is a key.
      emit(family === FAMILIES.json && /^\s*:/.test(code.slice(stop, stop + 3)) ? 'key' : 'str', text);
      i = stop;
      continue;
    }
    if (family.variables && ch === '$' && /[\w{]/.test(code[i + 1] || '')) {
      const m = /^\$(\{[^}]*\}|\w+)/.exec(code.slice(i));
      emit('var', m[0]);
      i += m[0].length;
      continue;
    }
    if (/\d/.test(ch) && !/[\w$]/.test(code[i - 1] || '')) {
      const m = /^(0x[\da-f]+|\d[\d_]*(\.\d+)?(e[+-]?\d+)?)/i.exec(code.slice(i));
      emit('num', m[0]);
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_@$]/.test(ch)) {
      const m = /^[@$]?[A-Za-z_][\w-]*/.exec(code.slice(i)) || [ch];
      let word = m[0];
      // Hyphens belong to words only in markup, CSS and YAML (elsewhere "a-b" is a subtraction).
      if (!family.tags && family !== FAMILIES.css && family !== FAMILIES.yaml) word = word.split('-')[0] || word;
      const key = family.caseInsensitive ? word.toLowerCase() : word;
      if (family.tags && afterTagOpen) emit('kw', word);
      else if (family.keywords.has(key)) emit('kw', word);
      else if (LITERALS.has(word)) emit('lit', word);
      else if (word.startsWith('@')) emit('fn', word);
      else if (code[i + word.length] === '(') emit('fn', word);
      else plain += word;
      afterTagOpen = false;
      i += word.length;
      continue;
    }
    afterTagOpen = family.tags && (ch === '<' || (ch === '/' && code[i - 1] === '<'));
    plain += ch;
    i += 1;
  }
  flush();
  return fragment;
}
