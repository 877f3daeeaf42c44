// The settings an upstream account has (used by the account form and the key import): fields and reading them.
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { field, textInput, select, textArea, showFieldError, optionalInt } from './fields.js';

export const PROVIDERS = [['openai', 'admin.value.openai'], ['anthropic', 'admin.value.anthropic']];
const POOLS = [['shared', 'admin.value.shared'], ['dedicated', 'admin.value.dedicated']];

/** Model names typed with commas or newlines. */
export const parseModels = (text) => [...new Set(text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean))];

/** "alias = upstream-model" lines into a map; `{bad: lineNumber}` when a line has no "=". */
export function parseAliases(text) {
  const map = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    if (!lines[i].trim()) continue;
    const at = lines[i].indexOf('=');
    const alias = at < 0 ? '' : lines[i].slice(0, at).trim();
    const model = at < 0 ? '' : lines[i].slice(at + 1).trim();
    if (!alias || !model) return { bad: i + 1 };
    map[alias] = model;
  }
  return { map };
}

const aliasText = (aliases) => Object.entries(aliases || {}).map(([a, m]) => `${a} = ${m}`).join('\n');

/** The fields for `account` (or defaults); `modelsExtra` is shown under the models box (fetch button). */
export function settingsFields(account = {}, modelsExtra = null) {
  const models = field('models', 'admin.accounts.models', textArea((account.models || []).join('\n'),
    { rows: 4, class: 'mono', spellcheck: 'false', placeholder: 'gpt-4o-mini\ngpt-4o' }), 'admin.accounts.models_hint');
  if (modelsExtra) models.append(modelsExtra);
  return [
    h('div', { class: 'field-row' },
      field('provider', 'admin.accounts.provider', select(PROVIDERS, account.provider || 'openai')),
      field('base_url', 'admin.accounts.base_url', textInput(account.base_url, { spellcheck: 'false', class: 'mono',
        placeholder: 'https://api.openai.com/v1' }), 'admin.accounts.base_url_hint')),
    models,
    field('model_aliases', 'admin.accounts.aliases', textArea(aliasText(account.model_aliases),
      { rows: 2, class: 'mono', spellcheck: 'false', placeholder: 'gpt-4 = gpt-4o' }), 'admin.accounts.aliases_hint'),
    h('div', { class: 'field-row' },
      field('weight', 'admin.accounts.weight', textInput(account.weight ?? '', { inputmode: 'numeric', placeholder: '1' }),
        'admin.accounts.weight_hint'),
      field('max_concurrency', 'admin.accounts.max_concurrency', textInput(account.max_concurrency ?? '',
        { inputmode: 'numeric', placeholder: '0' }), 'admin.accounts.max_concurrency_hint'),
      field('pool', 'admin.accounts.pool', select(POOLS, account.pool || 'shared'), 'admin.accounts.pool_hint')),
    field('proxy_url', 'admin.accounts.proxy_url', textInput(account.proxy_url, { spellcheck: 'false', class: 'mono',
      placeholder: 'http://proxy.internal:3128' }), 'admin.accounts.proxy_url_hint'),
  ];
}

/** Reads the settings into an API body; shows a field error and throws on a local mistake. */
export function readSettings(form) {
  const aliases = parseAliases(form.elements.model_aliases.value);
  if (aliases.bad) {
    showFieldError(form, 'model_aliases', t('admin.accounts.alias_bad', { line: aliases.bad }));
    throw new Error('invalid');
  }
  const body = {
    provider: form.elements.provider.value,
    base_url: form.elements.base_url.value.trim(),
    models: parseModels(form.elements.models.value),
    model_aliases: aliases.map,
    weight: optionalInt(form, 'weight'),
    max_concurrency: optionalInt(form, 'max_concurrency'),
    pool: form.elements.pool.value,
    proxy_url: form.elements.proxy_url.value.trim(),
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
