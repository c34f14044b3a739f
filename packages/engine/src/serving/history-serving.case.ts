// Shared setup of the tests of serving HistoryScorer models (a .case.ts file: imported by tests only): a real SQLite
// store with a catalogue and click feedback, a model saved and activated through the store, and a service whose
// pipeline keeps only the model's candidates, so a served list can be compared exactly with the model's own ranking of
// the history the engine should have handed it. Also a small ordered HistoryScorer (`NextItems`) for the unit of the
// engine's ordering path; the ordered suite runs against every entry of ORDERED_SCORERS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InteractionsBuilder,
  Recommender,
  createModel,
  registerModel,
  saveModel,
  type HistoryScorer,
  type Interactions,
  type ModelState,
  type Params,
} from 'kindred';
import { afterEach, expect } from 'vitest';
import { validateConfig } from '../config.js';
import type { FeedbackRecord, Storage } from '../storage/port.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { ServingService, type ServedList } from './service.js';

export const N_ITEMS = 60;
export const T0 = Date.UTC(2024, 0, 1);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** 30 users u0..u29 with 8 clicks each on a band of items (user u: items 2u, 2u+3, …, 2u+21), in time order. */
export function trainingClicks(): FeedbackRecord[] {
  const rows: FeedbackRecord[] = [];
  for (let u = 0; u < 30; u++)
    for (let k = 0; k < 8; k++)
      rows.push({
        userId: `u${u}`,
        itemId: `i${(2 * u + 3 * k) % N_ITEMS}`,
        type: 'click',
        value: 1,
        timestamp: T0 + k * 1000,
      });
  return rows;
}

/** Interactions of stored rows as the engine trains on them (one pair per user and item, summed weights). */
export function interactionsOf(rows: readonly FeedbackRecord[]): Interactions {
  const b = new InteractionsBuilder();
  for (const r of rows) b.add(r.userId, r.itemId, 1, r.timestamp);
  return b.build('sum');
}

/** A click event of `userId` on item `k` at T0 + `t` seconds. */
export const click = (userId: string, k: number, t: number): FeedbackRecord => ({
  userId,
  itemId: `i${k}`,
  type: 'click',
  value: 1,
  timestamp: T0 + t * 1000,
});

/** The only generator left is the model's (and its request-time state), so lists are the model's ranking. */
export const MODEL_ONLY = {
  candidates: { itemToItem: { n: 0 }, popular: { n: 0 }, latest: { n: 0 }, category: { n: 0 } },
};

/**
 * A store with the catalogue ("Item k") and the training clicks, `fit(data)` saved and activated through it, and a
 * reloaded service whose lists are the model's ranking alone (`MODEL_ONLY`; diversity off).
 *
 * @example
 * const { service, storage, model } = await historyServed((d) => createModel('mult-vae', TINY_VAE).fit(d));
 */
export async function historyServed(
  fit: (data: Interactions) => Recommender & HistoryScorer,
  opts: { precompute?: boolean; pipeline?: object } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-history-'));
  const dbPath = join(dir, 'kindred.db');
  const storage: Storage = SqliteStorage.open(dbPath);
  const config = validateConfig({
    dataDir: dir,
    serving: { diversityLambda: 1, freshnessHalfLifeDays: 0, precomputeUsers: opts.precompute ? 1000 : 0 },
  });
  const service = new ServingService(
    { config, storage, ...(opts.precompute ? { dbPath } : {}) },
    { pipeline: opts.pipeline ?? MODEL_ONLY },
  );
  cleanups.push(async () => {
    await service.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await storage.upsertItems(
    Array.from({ length: N_ITEMS }, (_, k) => ({
      id: `i${k}`,
      categories: [k % 2 === 0 ? 'even' : 'odd'],
      labels: { title: `Item ${k}` },
      timestamp: Date.UTC(2000, 0, 1),
      hidden: false,
      updatedAt: T0,
    })),
  );
  const rows = trainingClicks();
  await storage.insertFeedback(rows, { createUsers: true, createItems: false });
  const model = fit(interactionsOf(rows));
  const saved = await storage.saveModel(
    {
      algorithm: model.name,
      params: { ...model.getParams() },
      createdAt: T0,
      metrics: {},
      trainedThroughSeq: await storage.lastSeq(),
      fitSeconds: 0,
    },
    saveModel(model),
  );
  expect(await storage.activateModel(saved.version)).toBe(true);
  await service.reload();
  return { storage, service, model, record: saved, config };
}

/** Stores feedback and notifies serving, as POST /api/feedback does (notification after the commit). */
export async function postFeedback(storage: Storage, service: ServingService, rows: FeedbackRecord[]): Promise<void> {
  await storage.insertFeedback(rows, { createUsers: true, createItems: false });
  service.onFeedback(rows.filter((r) => r.seq !== undefined));
}

/**
 * The history the engine must hand a HistoryScorer for these events (the spec, written independently of the
 * engine): click events by time, ties in the order given (the log's seq order), as model item indices (items the
 * model has no rows for dropped), each item once at its newest event unless the model reads order, the newest
 * `historyLimit`. `ordered` overrides the model's `historyOrdered` (to show what the other reading would give).
 */
export function expectedHistory(
  model: Recommender & HistoryScorer,
  events: readonly FeedbackRecord[],
  ordered = model.historyOrdered,
): number[] {
  const byTime = events
    .map((e, k) => ({ e, k }))
    .sort((a, b) => a.e.timestamp - b.e.timestamp || a.k - b.k)
    .map(({ e }) => model.training.itemIds.get(e.itemId))
    .filter((i) => i >= 0 && model.knownItem(i));
  let items = byTime;
  if (!ordered) {
    const last = new Map<number, number>();
    byTime.forEach((i, k) => last.set(i, k));
    items = byTime.filter((i, k) => last.get(i) === k);
  }
  return items.slice(Math.max(0, items.length - model.historyLimit));
}

/** The model's ranking of `history` (score descending, ties by index), without `exclude`d ids: the first `n` ids. */
export function modelRanking(
  model: Recommender & HistoryScorer,
  history: readonly number[],
  exclude: ReadonlySet<string>,
  n: number,
): string[] {
  const scores = new Float32Array(model.training.nItems);
  model.scoreHistory(Int32Array.from(history), scores);
  const ids = model.training.itemIds;
  return Array.from({ length: scores.length }, (_, i) => i)
    .filter((i) => scores[i] > -Infinity && !exclude.has(String(ids.id(i))))
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, n)
    .map((i) => String(ids.id(i)));
}

/**
 * Every served item is explained, and the model's items (source: the model's name, as the API shows it) name items
 * of the history: "Because you recently clicked Item k". Returns how many model items there were.
 */
export function expectHistoryExplained(list: ServedList, historyIds: ReadonlySet<string>, modelName: string): number {
  let models = 0;
  for (const it of list.items) {
    expect(it.explanation, `${it.id} has no explanation`).not.toBe('');
    if (it.reason.source !== modelName) continue;
    models++;
    expect(it.explanation).toMatch(/^Because you recently clicked Item \d+$/);
    expect(it.reason.because.length).toBeGreaterThan(0);
    for (const id of it.reason.because) expect(historyIds.has(String(id)), `${id} is not in the history`).toBe(true);
  }
  return models;
}

/** Tiny Mult-VAE settings: a few seconds of CPU at most. */
export const TINY_VAE: Params = { epochs: 40, hidden: 16, latent: 8, batchSize: 10, learningRate: 0.01, seed: 1 };

/**
 * A small ordered HistoryScorer for the unit of the engine's ordering path: every history item points at its five
 * successors (item h + d scores 6 − d), and position k of the history (oldest 0) weighs 2^k, so newer items count
 * more and every position and repeat moves scores; it reads the newest `limit` items. Not a model of
 * anything: the engine's ordered path is also run against real sequential models (ORDERED_SCORERS).
 */
export class NextItems extends Recommender<{ limit: number }> implements HistoryScorer {
  readonly name = 'test-next-items';
  readonly task = 'ranking' as const;
  readonly historyOrdered = true;
  get historyLimit(): number {
    return this.params.limit;
  }

  constructor(opts: Partial<{ limit: number }> = {}) {
    super(
      'test-next-items',
      { limit: 3 },
      { limit: { description: 'history length read', min: 1, integer: true } },
      opts,
    );
  }

  protected fitModel(): void {}

  scoreHistory(items: Int32Array, out: Float32Array): void {
    const s = this.training;
    const n = s.nItems;
    for (let i = 0; i < n; i++) out[i] = s.itemCounts[i] > 0 ? 0 : -Infinity;
    const from = Math.max(0, items.length - this.historyLimit);
    for (let k = from; k < items.length; k++) {
      const h = items[k];
      if (h < 0) continue;
      const w = 2 ** (k - from);
      for (let d = 1; d <= 5; d++) if (out[(h + d) % n] > -Infinity) out[(h + d) % n] += w * (6 - d);
    }
  }

  score(u: number, i: number): number {
    const out = new Float32Array(this.training.nItems);
    this.scoreItems(u, out);
    return out[i];
  }

  override scoreItems(u: number, out: Float32Array): void {
    const s = this.training;
    this.scoreHistory(s.seenIndices.subarray(s.seenIndptr[u], s.seenIndptr[u + 1]), out);
  }

  protected saveState(): ModelState {
    return { meta: {}, arrays: {} };
  }

  protected loadState(): void {}
}

registerModel({
  name: 'test-next-items',
  description: 'test-only ordered history scorer',
  task: 'ranking',
  defaults: { limit: 3 },
  docs: { limit: { description: 'history length read', min: 1, integer: true } },
  create: (p) => new NextItems(p as Partial<{ limit: number }>),
});

/**
 * Every ordered HistoryScorer the engine's ordering tests run against: the fake above and the real sequential models
 * at tiny sizes (each test first checks that reversing, re-tying or deduplicating the history changes the model's
 * ranking, so a model too untrained to read order would fail loudly rather than pass vacuously). Add new sequential
 * models here (gru4rec, bert4rec, ...).
 */
export const ORDERED_SCORERS: { name: string; fit: (d: Interactions) => Recommender & HistoryScorer }[] = [
  { name: 'test-next-items', fit: (d) => new NextItems({ limit: 4 }).fit(d) },
  {
    name: 'sasrec',
    fit: (d) =>
      createModel('sasrec', {
        epochs: 10,
        hidden: 16,
        blocks: 1,
        maxLength: 4,
        learningRate: 0.01,
        batchSize: 10,
        dropout: 0,
        seed: 1,
      }).fit(d) as Recommender & HistoryScorer,
  },
];

/** Mult-VAE fitted on `d` with TINY_VAE (through the registry, as the engine creates models). */
export const tinyVae = (d: Interactions) => createModel('mult-vae', TINY_VAE).fit(d) as Recommender & HistoryScorer;
