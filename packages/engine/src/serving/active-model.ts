import { loadModel, type Recommender } from 'kindred';
import type { ModelRecord, Storage } from '../storage/port.js';

/**
 * The store's active model, loaded; or, when its bytes are missing or do not load, null and why (the service then
 * serves the fallbacks rather than refuse to start, and `ready()` reports the error).
 *
 * @example
 * const record = await storage.activeModel();
 * const { model, error } = record ? await loadActiveModel(storage, record) : { model: null, error: null };
 */
export async function loadActiveModel(
  storage: Storage,
  record: ModelRecord,
): Promise<{ model: Recommender | null; error: string | null }> {
  try {
    const bytes = await storage.modelBytes(record.version);
    if (!bytes) throw new Error(`the store has no bytes for v${record.version}`);
    return { model: loadModel(bytes), error: null };
  } catch (e) {
    // Serve the fallbacks rather than refuse to start; ready() reports it.
    return { model: null, error: `active model v${record.version} could not be loaded: ${(e as Error).message}` };
  }
}

/**
 * Model users the store no longer has (deleted after the model was trained): after a restart their trained rows
 * must not serve again, so they are found by comparing the model's users with the store's.
 *
 * @example
 * for (const id of await usersMissingFromStore(storage, model)) deletedUsers.add(id);
 */
export async function usersMissingFromStore(storage: Storage, model: Recommender): Promise<string[]> {
  const present = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await storage.listUsers(cursor, 10_000);
    for (const u of page.items) present.add(u.id);
    cursor = page.next;
  } while (cursor !== null);
  const missing: string[] = [];
  for (const id of model.training.userIds.ids()) if (!present.has(String(id))) missing.push(String(id));
  return missing;
}
