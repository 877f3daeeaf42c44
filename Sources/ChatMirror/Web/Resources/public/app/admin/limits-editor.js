// Editing a list of quota limits (a plan's, the site's, one user's overrides): one row per limit with its window
// (rolling like 15m / 3h / 24h, or calendar hour / day / week / month), request and token caps, model pattern and
// per-model weights. Controls are named `limits[i].<field>` so the server's "limits[1].window ..." lands there.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { field, textInput, select, showFieldError } from './fields.js';

const CALENDAR = ['hour', 'day', 'week', 'month'];
const ROLLING = /^\d+[smhd]$/;

/** "o1*=5, gpt-4o=2" ⇄ {"o1*": 5, "gpt-4o": 2}. */
const weightsText = (weights) => Object.entries(weights || {}).map(([k, v]) => `${k}=${v}`).join(', ');

function parseWeights(text) {
  const weights = {};
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const match = /^(.+?)\s*=\s*(\d+)$/.exec(part);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 1000) return null;
    weights[match[1]] = Number(match[2]);
  }
  return Object.keys(weights).length ? weights : undefined;
}

/** One line in words: "100 requests / 3h (rolling)". */
export function describeLimit(limit) {
  const caps = [];
  if (limit.max_requests != null) caps.push(t('admin.limits.n_requests', { count: limit.max_requests }));
  if (limit.max_tokens != null) caps.push(t('admin.limits.n_tokens', { count: limit.max_tokens }));
  const window = CALENDAR.includes(limit.window) ? t(`admin.limits.per_${limit.window}`)
    : t('admin.limits.per_rolling', { window: limit.window });
  const model = limit.model_pattern ? ` · ${limit.model_pattern}` : '';
  return `${caps.join(' + ')} ${window}${model}`;
}

/** A limit from the API as the editor's strings. */
const fromLimit = (limit) => ({ window: limit.window, max_requests: limit.max_requests ?? '', max_tokens: limit.max_tokens ?? '',
  model_pattern: limit.model_pattern || '', weights: weightsText(limit.model_weights) });

function limitRow(limit, index, remove) {
  const name = (key) => `limits[${index}].${key}`;
  const kind = CALENDAR.includes(limit.window) ? 'calendar' : 'rolling';
  const kindSelect = select([['rolling', 'admin.limits.rolling'], ['calendar', 'admin.limits.calendar']], kind);
  const rolling = textInput(kind === 'rolling' ? limit.window : '3h', { class: 'mono', placeholder: '3h', maxlength: 10 });
  const calendar = select(CALENDAR.map((w) => [w, `admin.limits.window_${w}`]), kind === 'calendar' ? limit.window : 'day');
  const rollingField = field(name('window'), 'admin.limits.window', rolling, 'admin.limits.window_hint');
  const calendarField = field(`${name('window')}#calendar`, 'admin.limits.window', calendar);
  const showKind = () => {
    rollingField.hidden = kindSelect.value !== 'rolling';
    calendarField.hidden = kindSelect.value !== 'calendar';
  };
  kindSelect.addEventListener('change', showKind);
  showKind();
  const number = (value) => textInput(value ?? '', { inputmode: 'numeric', placeholder: '–' });
  const row = h('fieldset', { class: 'limit-row', dataset: { limitIndex: index } },
    h('legend', { text: t('admin.limits.limit_n', { n: index + 1 }) }),
    h('div', { class: 'limit-grid' },
      field(name('window_kind'), 'admin.limits.kind', kindSelect),
      rollingField, calendarField,
      field(name('max_requests'), 'admin.limits.max_requests', number(limit.max_requests)),
      field(name('max_tokens'), 'admin.limits.max_tokens', number(limit.max_tokens)),
      field(name('model_pattern'), 'admin.limits.model_pattern',
        textInput(limit.model_pattern || '', { class: 'mono', placeholder: t('admin.limits.all_models'), maxlength: 200 }),
        'admin.limits.model_hint'),
      field(name('model_weights'), 'admin.limits.model_weights',
        textInput(limit.weights, { class: 'mono', placeholder: 'o1*=5' }), 'admin.limits.weights_hint')),
    h('span', { class: 'field-error', role: 'alert', hidden: true, dataset: { errorFor: `limits[${index}]` } }),
    h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-small btn-danger',
      text: t('admin.limits.remove'), onclick: remove })));
  row.readRaw = () => ({
    window: kindSelect.value === 'calendar' ? calendar.value : rolling.value.trim(),
    max_requests: row.querySelector(`[name="${name('max_requests')}"]`).value.trim(),
    max_tokens: row.querySelector(`[name="${name('max_tokens')}"]`).value.trim(),
    model_pattern: row.querySelector(`[name="${name('model_pattern')}"]`).value.trim(),
    weights: row.querySelector(`[name="${name('model_weights')}"]`).value.trim(),
  });
  return row;
}

function toLimit(raw) {
  const limit = { window: raw.window };
  if (raw.max_requests !== '') limit.max_requests = Number(raw.max_requests);
  if (raw.max_tokens !== '') limit.max_tokens = Number(raw.max_tokens);
  if (raw.model_pattern) limit.model_pattern = raw.model_pattern;
  const weights = parseWeights(raw.weights);
  if (weights) limit.model_weights = weights;
  return limit;
}

/** The editor for `limits`: {element, read(form)}; `read` shows what is wrong and throws, else returns the limits. */
export function limitsEditor(limits = []) {
  const list = h('div', { class: 'limit-list' });
  const empty = h('p', { class: 'muted', text: t('admin.limits.none') });
  const raws = () => Array.from(list.children).map((row) => row.readRaw());
  const draw = (values) => {
    list.replaceChildren(...values.map((value, i) => limitRow(value, i, () => draw(raws().filter((_, j) => j !== i)))));
    empty.hidden = values.length > 0;
  };
  const add = h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'limit-add' }, text: t('admin.limits.add'),
    onclick: () => draw([...raws(), fromLimit({ window: '3h' })]) });
  draw(limits.map(fromLimit));

  function read(form) {
    let ok = true;
    const fail = (name, key) => { ok = showFieldError(form, name, t(key)) && false; };
    const result = raws().map((raw, i) => {
      if (!(CALENDAR.includes(raw.window) || ROLLING.test(raw.window))) fail(`limits[${i}].window`, 'admin.limits.bad_window');
      for (const key of ['max_requests', 'max_tokens']) {
        if (raw[key] !== '' && !/^\d+$/.test(raw[key])) fail(`limits[${i}].${key}`, 'admin.error.whole_number');
      }
      if (raw.max_requests === '' && raw.max_tokens === '') fail(`limits[${i}]`, 'admin.limits.needs_cap');
      if (raw.weights && !parseWeights(raw.weights)) fail(`limits[${i}].model_weights`, 'admin.limits.bad_weights');
      return toLimit(raw);
    });
    if (!ok) throw new Error('invalid');
    return result;
  }
  return { element: h('div', { class: 'stack' }, empty, list, h('div', {}, add)), read };
}
