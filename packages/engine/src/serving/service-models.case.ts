// Shared setup of the ServingService tests that serve every model family (a .case.ts file: imported by tests only).
// The data is the library's seeded synthetic generator; models go through the store the way the engine activates
// them (saveModel → Storage.saveModel → activateModel → ServingService.reload loads the bytes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, saveModel, synthetic, type Interactions, type Params, type Recommender } from 'kindred';
import { afterEach, expect } from 'vitest';
import { validateConfig } from '../config.js';
import type { FeedbackRecord, ItemRecord, ModelRecord, Storage } from '../storage/port.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { ThreadedSqliteStorage } from '../storage/sqlite-threaded.js';
import { ServingService, type ServedList } from './service.js';

export const NOW = Date.now();
export const N_ITEMS = 80;

/** Every family the engine can train and serve (training is `createModel(name, params).fit(interactions)`). */
export const FAMILIES: { name: string; params: Params }[] = [
  { name: 'als', params: { factors: 4, iterations: 5 } },
  { name: 'bpr', params: { factors: 4, iterations: 10 } },
  { name: 'item-knn', params: {} },
  { name: 'user-knn', params: {} },
  { name: 'ease', params: {} },
  { name: 'svd', params: { factors: 4, epochs: 10 } },
  { name: 'lightfm', params: { noComponents: 4, epochs: 5 } },
  { name: 'popular', params: {} },
  // HistoryScorers: users unknown to the model, and fresh feedback, are scored from their history (history-scoring.ts).
  { name: 'mult-vae', params: { epochs: 5, hidden: 16, latent: 8, batchSize: 10, seed: 1 } },
  { name: 'mult-dae', params: { epochs: 5, hidden: 16, latent: 8, batchSize: 10, seed: 1 } },
  // A factor model (dot product of its towers' outputs) and a HistoryScorer (the user tower pools the history).
  { name: 'two-tower', params: { epochs: 5, dim: 8, hidden: 8, factors: 8, batchSize: 32, seed: 1 } },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Seeded synthetic ratings (users u0.., items i0..), small. */
export function data(seed = 11): Interactions {
  return synthetic({ users: 40, items: N_ITEMS, interactions: 400, kind: 'rating', seed });
}

/** The data as stored feedback rows (type 'rating': a positive type with its value). */
export function feedbackRows(d: Interactions): FeedbackRecord[] {
  const rows: FeedbackRecord[] = [];
  for (const r of d.records())
    rows.push({
      userId: String(r.user),
      itemId: String(r.item),
      type: 'rating',
      value: r.value,
      timestamp: NOW - 60_000,
    });
  return rows;
}

export const item = (id: string, over: Partial<ItemRecord> = {}): ItemRecord => ({
  id,
  categories: [Number(id.slice(1)) % 2 === 0 ? 'even' : 'odd'],
  labels: {},
  timestamp: NOW - 1000 * Number(id.slice(1) || 0),
  hidden: false,
  updatedAt: NOW,
  ...over,
});

/** Trains `name` on `d`, saves and activates it in the store; returns its record. */
export async function activate(
  storage: Storage,
  d: Interactions,
  family: { name: string; params: Params },
): Promise<{ model: Recommender; record: ModelRecord }> {
  const model = createModel(family.name, family.params).fit(d);
  const saved = await storage.saveModel(
    {
      algorithm: family.name,
      params: { ...model.getParams() },
      createdAt: NOW,
      metrics: {},
      trainedThroughSeq: await storage.lastSeq(),
      fitSeconds: 0,
    },
    saveModel(model),
  );
  expect(await storage.activateModel(saved.version)).toBe(true);
  return { model, record: { ...saved, active: true } };
}

/**
 * A store with the catalogue and the synthetic feedback, `family` active, and a reloaded service over it.
 *
 * @example
 * const { service, storage, d } = await served(FAMILIES[0]);
 */
export async function served(
  family: { name: string; params: Params },
  opts: { threaded?: boolean; serving?: Record<string, unknown> } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-served-'));
  const path = join(dir, 'kindred.db');
  const storage: Storage = opts.threaded ? await ThreadedSqliteStorage.open(path) : SqliteStorage.open(path);
  const config = validateConfig({ dataDir: dir, serving: { ...opts.serving } });
  const service = new ServingService({ config, storage });
  cleanups.push(async () => {
    await service.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const d = data();
  await storage.upsertItems(Array.from({ length: N_ITEMS }, (_, k) => item(`i${k}`)));
  await storage.insertFeedback(feedbackRows(d), { createUsers: true, createItems: false });
  const { record } = await activate(storage, d, family);
  await service.reload();
  return { storage, service, d, record, config, path };
}

/** A user with training rows (the most active one, so every family has something to go on). */
export function activeUser(d: Interactions): string {
  const counts = d.userCounts();
  let best = 0;
  for (let u = 1; u < counts.length; u++) if (counts[u] > counts[best]) best = u;
  return String(d.userIds.id(best));
}

/** Items the store says `userId` has feedback for (seen: never recommended). */
export async function seenInStore(storage: Storage, userId: string): Promise<Set<string>> {
  return new Set((await storage.userFeedback(userId, 10_000)).map((r) => r.itemId));
}

/** Stores feedback and notifies serving, as POST /api/feedback does (notification after the commit). */
export async function postFeedback(storage: Storage, service: ServingService, rows: FeedbackRecord[]): Promise<void> {
  await storage.insertFeedback(rows, { createUsers: true, createItems: false });
  service.onFeedback(rows.filter((r) => r.seq !== undefined));
}

/** What every served list must be: no duplicate, nothing hidden or deleted, nothing from `forbidden`. */
export async function expectConsistent(
  list: ServedList,
  storage: Storage,
  forbidden: ReadonlySet<string>,
  label = '',
): Promise<void> {
  const ids = list.items.map((x) => x.id);
  expect(new Set(ids).size, `${label} duplicates in ${ids}`).toBe(ids.length);
  for (const id of ids) {
    expect(forbidden.has(id), `${label} ${id} must not be served`).toBe(false);
    const stored = await storage.getItem(id);
    expect(stored, `${label} ${id} is not in the store`).not.toBeNull();
    expect(stored!.hidden, `${label} ${id} is hidden`).toBe(false);
  }
}
