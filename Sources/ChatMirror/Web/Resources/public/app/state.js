// The app's shared state and a small event bus between modules.

/** Signed-in user, models offered, the chosen model. */
export const state = {
  me: null,
  models: [],
  model: null,
};

const bus = new EventTarget();

/** Announces `name` with `detail` to every `on(name)` listener. */
export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

/** Listens to `name`; the listener receives the event's detail. */
export function on(name, fn) {
  bus.addEventListener(name, (event) => fn(event.detail));
}
