// "Test connection": asks the server to list the upstream's models and shows the answer or the exact error.
import { api } from '/common/api.js';
import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { describeError } from './errors.js';

/** Tests account `id`: resolves the server's {ok, models, error, error_kind, status, latency_ms}. */
export async function testAccount(id) {
  try {
    return await api.post(`/api/admin/accounts/${id}/test`, {});
  } catch (error) {
    return { ok: false, error: describeError(error), error_kind: error.code, status: error.status };
  }
}

/** The result panel; `useModels(models)` is offered when the upstream listed models. */
export function testResult(result, useModels = null) {
  if (!result.ok) {
    const detail = [result.status ? t('admin.test.http_status', { status: result.status }) : null,
      result.error_kind || null, result.latency_ms != null ? t('admin.test.after', { ms: result.latency_ms }) : null]
      .filter(Boolean).join(' · ');
    return h('div', { class: 'test-result test-bad', role: 'alert', id: 'test-result', dataset: { ok: 'false' } },
      h('strong', { text: t('admin.test.failed') }),
      detail && h('span', { class: 'muted', text: ` (${detail})` }),
      h('pre', { class: 'test-error', text: result.error || '' }));
  }
  const models = result.models || [];
  return h('div', { class: 'test-result test-ok', role: 'status', id: 'test-result', dataset: { ok: 'true' } },
    h('strong', { text: t('admin.test.ok', { ms: result.latency_ms ?? '?' }) }), ' ',
    h('span', { text: t('admin.test.models', { count: models.length }) }),
    h('ul', { class: 'chip-list', id: 'test-models' }, ...models.map((m) => h('li', {}, h('code', { class: 'chip', text: m })))),
    useModels && models.length ? h('button', { type: 'button', class: 'btn btn-small', id: 'test-use-models',
      text: t('admin.test.use_models'), onclick: () => useModels(models) }) : null);
}
