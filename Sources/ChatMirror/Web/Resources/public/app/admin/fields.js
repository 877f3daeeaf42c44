// Form fields with a label, an optional hint and an error line; API validation errors land next to their field.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { fieldOf, describeError } from './errors.js';

let counter = 0;

/** A labelled control. `name` is the API field the server names in its 400 messages. */
export function field(name, labelKey, control, hintKey = null) {
  const id = `f-${name}-${++counter}`;
  control.id = id;
  control.name = name;
  const hint = hintKey ? h('span', { class: 'field-hint', id: `${id}-hint`, text: t(hintKey) }) : null;
  const error = h('span', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true,
    dataset: { errorFor: name } });
  control.setAttribute('aria-describedby', [hint && hint.id, error.id].filter(Boolean).join(' '));
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { class: 'field-label', for: id, text: t(labelKey) }), control, hint, error);
}

/** A text input. */
export const textInput = (value = '', attrs = {}) => h('input', { type: 'text', value: value ?? '', ...attrs });

/** A <select> of `[value, labelKey]` pairs. */
export function select(options, value, attrs = {}) {
  const el = h('select', attrs, ...options.map(([v, key]) => h('option', { value: v, text: t(key) })));
  if (value != null) el.value = value;
  return el;
}

/** A <textarea>. */
export function textArea(value = '', attrs = {}) {
  const el = h('textarea', { rows: 4, ...attrs });
  el.value = value ?? '';
  return el;
}

/** The text fields among `names` whose trimmed value differs from `current` (absent counts as ''), as a body. */
export function changedText(form, names, current) {
  const body = {};
  for (const name of names) {
    const value = form.elements[name].value.trim();
    if (value !== (current[name] ?? '')) body[name] = value;
  }
  return body;
}

/** The form-level message line (errors that name no field, success notes). */
export function formMessage() {
  return h('div', { class: 'form-message', role: 'status', hidden: true, dataset: { formMessage: '' } });
}

/** Shows `text` in the form's message line. */
export function say(form, text, kind = 'error') {
  const el = form.querySelector('[data-form-message]');
  if (!el) return;
  el.textContent = text || '';
  el.className = `form-message form-message-${kind}`;
  el.hidden = !text;
}

/** Shows an error under the field `name`; false when the form has no such field. */
export function showFieldError(form, name, text) {
  const error = form.querySelector(`[data-error-for="${name}"]`);
  if (!error) return false;
  error.textContent = text;
  error.hidden = false;
  const control = form.querySelector(`[name="${name}"]`);
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
  return true;
}

/** Clears every field error and the message line. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-error-for]')) { el.hidden = true; el.textContent = ''; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  say(form, '');
}

/** Puts an API error next to the field it names, or in the message line. */
export function showApiError(form, error) {
  const name = fieldOf(error);
  if (name && showFieldError(form, name, error.message)) return;
  say(form, describeError(error), 'error');
}

/**
 * Reads an optional whole number from `form`'s field `name`: undefined when blank, else the number; shows
 * an error and throws when it is not a whole number.
 */
export function optionalInt(form, name) {
  const raw = form.elements[name].value.trim();
  if (raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    showFieldError(form, name, t('admin.error.whole_number'));
    throw new Error('invalid');
  }
  return Number(raw);
}
