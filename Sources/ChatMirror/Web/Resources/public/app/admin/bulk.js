// All-or-nothing batches over an API that creates one thing per call: on the first failure, what this batch
// already created is deleted again, and every line is reported.

/**
 * Runs `create(item)` for each item in order. Resolves `{ok: true, results}` or, after undoing the ones
 * created, `{ok: false, failedIndex, error, results}` (results of the undone ones are kept for the report).
 * `undo(result)` deletes one created thing.
 */
export async function createAllOrNothing(items, create, undo, onProgress = () => {}) {
  const results = [];
  for (let i = 0; i < items.length; i += 1) {
    onProgress(i, items.length);
    try {
      results.push(await create(items[i]));
    } catch (error) {
      for (const done of results.slice().reverse()) {
        try {
          await undo(done);
        } catch {
          // Reported below as "could not undo": the admin must see it.
          done.undoFailed = true;
        }
      }
      return { ok: false, failedIndex: i, error, results };
    }
  }
  return { ok: true, results };
}
