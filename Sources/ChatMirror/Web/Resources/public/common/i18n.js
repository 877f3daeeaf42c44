// The one string table (en, zh-CN), the current language and a tiny translator.
import { STRINGS } from './strings.js';

const STORAGE_KEY = 'cm-lang';
const SUPPORTED = ['en', 'zh-CN'];
const listeners = new Set();

function detect() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (SUPPORTED.includes(saved)) return saved;
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const lang of langs) {
    if (/^zh\b/i.test(lang || '')) return 'zh-CN';
    if (/^en\b/i.test(lang || '')) return 'en';
  }
  return 'en';
}

let current = detect();

/** The active language code: 'en' or 'zh-CN'. */
export const getLang = () => current;

/** The languages offered, with their own names. */
export const languages = () => SUPPORTED.map((code) => ({ code, name: STRINGS[code]['lang.name'] }));

/** Values every string may use (`{site}`: the site's name), set with setSharedParam. */
const shared = {};

/** Sets a value every string may use and re-translates static markup. */
export function setSharedParam(name, value) {
  shared[name] = value;
  applyTranslations();
}

/** Translates `key`, filling `{name}` placeholders from `params`. Unknown keys fall back to English. */
export function t(key, params = {}) {
  const template = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? shared[name] ?? `{${name}}`));
}

/** Elements showing a message made by a function, made again after each language switch (see showText). */
const liveTexts = new Map();

/**
 * Shows `text` in `el`. A function is called now and again after every language switch, so a message on screen
 * follows the language; a string (user content, or nothing) stays as it is.
 */
export function showText(el, text) {
  if (typeof text === 'function') liveTexts.set(el, text);
  else liveTexts.delete(el);
  el.textContent = (typeof text === 'function' ? text() : text) || '';
}

/** Switches language, persists it, re-translates static markup and messages, and notifies listeners. */
export function setLang(code) {
  if (!SUPPORTED.includes(code)) return;
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  applyTranslations();
  for (const [el, make] of liveTexts) {
    if (el.isConnected) el.textContent = make() || '';
    else liveTexts.delete(el);
  }
  for (const fn of listeners) fn(code);
}

/** Calls `fn(code)` after every language switch. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Fills static markup: `data-i18n="key"` sets text; `data-i18n-attr="placeholder:key;aria-label:key"`
 * sets attributes. Also sets `<html lang>`.
 */
export function applyTranslations(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Formats a time of day (or date and time when not today) in the current language. */
export function formatTime(date) {
  const d = date instanceof Date ? date : new Date(date);
  const sameDay = d.toDateString() === new Date().toDateString();
  const opts = sameDay ? { hour: '2-digit', minute: '2-digit' }
    : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(current, opts).format(d);
}
