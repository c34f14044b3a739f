import type { Storage } from '../storage/port.js';

/**
 * Deletes stored model versions beyond the `keep` newest, never the active one (it may be an old version after a
 * rollback; it then stays besides the `keep` newest). Each saved version holds a whole model (megabytes), so without
 * pruning the store grows by one model per training run forever. Returns the deleted versions, oldest first.
 *
 * @example
 * await pruneVersions(engine.storage, 10); // e.g. [1, 2] once v12 is saved
 */
export async function pruneVersions(storage: Storage, keep: number): Promise<number[]> {
  const models = (await storage.listModels()).sort((a, b) => b.version - a.version);
  const deleted: number[] = [];
  for (const m of models.slice(Math.max(0, keep))) {
    if (m.active) continue;
    if (await storage.deleteModel(m.version)) deleted.push(m.version);
  }
  return deleted.reverse();
}
