// Where a search matched: the server's snippet as text nodes, with the searched words marked (never HTML).
import { h } from '../common/dom.js';

/** The parts of `text` split around each case-insensitive occurrence of `query`, as [text, isMatch] pairs. */
export function splitOnMatches(text, query) {
  const needle = query.toLocaleLowerCase();
  const haystack = text.toLocaleLowerCase();
  // Lower-casing can change a string's length (rare letters): then mark nothing rather than the wrong place.
  if (!needle || haystack.length !== text.length) return [[text, false]];
  const parts = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, from)) {
    if (at > from) parts.push([text.slice(from, at), false]);
    parts.push([text.slice(at, at + needle.length), true]);
    from = at + needle.length;
  }
  if (from < text.length) parts.push([text.slice(from), false]);
  return parts;
}

/** `text` as a span, its matches of `query` in <mark>. */
export function highlighted(text, query, className) {
  return h('span', { class: className },
    splitOnMatches(text, query).map(([part, match]) => (match ? h('mark', { text: part }) : part)));
}
