// The model picker: only the models this user may use (GET /api/models); the last choice is remembered.
import { api } from '../common/api.js';
import { h } from '../common/dom.js';
import { t, onLangChange } from '../common/i18n.js';
import { state } from './state.js';

const STORAGE_KEY = 'cm-model';
const select = () => document.getElementById('model-select');

function fill() {
  const el = select();
  const chosen = el.value;
  if (state.models.length === 0) {
    el.replaceChildren(h('option', { value: '', text: t('chat.no_models') }));
    el.disabled = true;
    return;
  }
  el.disabled = false;
  el.replaceChildren(...state.models.map((id) => h('option', { value: id, text: id })));
  if (state.models.includes(chosen)) el.value = chosen;
}

/** Loads the models and selects the remembered one (or the first). */
export async function loadModels() {
  try {
    const data = await api.get('/api/models');
    const list = (data && (data.models || data.data)) || [];
    state.models = list.map((m) => (typeof m === 'string' ? m : m.id)).filter(Boolean);
  } catch (error) {
    state.models = [];
    if (error.status === 401) throw error;
  }
  fill();
  selectPreferredModel();
}

/** The model to use for the next message, or null when none is available. */
export const currentModel = () => select().value || null;

/** Selects a conversation's model when it is still offered. */
export function selectModelFor(model) {
  if (model && state.models.includes(model)) select().value = model;
}

/** Selects the remembered model (for a new chat). */
export function selectPreferredModel() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && state.models.includes(saved)) select().value = saved;
  else if (state.models.length) select().value = state.models[0];
}

/** Wires the picker. */
export function initModelPicker() {
  select().addEventListener('change', () => localStorage.setItem(STORAGE_KEY, select().value));
  onLangChange(fill);
  fill();
}
