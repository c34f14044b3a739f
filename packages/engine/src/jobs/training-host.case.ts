// Test helper (not shipped): a light engine for training tests, over the in-memory store.
import type { Recommender } from 'kindred';
import { synthetic, type SyntheticOptions } from 'kindred';
import { EngineMetrics } from '../api/metrics.js';
import { validateConfig, type EngineConfig } from '../config.js';
import type { FeedbackRecord, ModelRecord } from '../storage/port.js';
import { MemoryStorage } from './memory-storage.case.js';
import type { TrainingHost } from './training-manager.js';

/** A host whose serving records every swap. */
export interface TestHost extends TrainingHost {
  readonly config: EngineConfig;
  readonly storage: MemoryStorage;
  readonly swaps: { model: Recommender; record: ModelRecord }[];
}

/**
 * A test host: validated config (with `training` overrides), memory store, real metrics, recording serving.
 *
 * @example
 * const host = testHost({ algorithm: 'als', params: { factors: 8 } });
 */
export function testHost(training: Partial<EngineConfig['training']> = {}): TestHost {
  const config = validateConfig({ server: { logLevel: 'silent' }, training });
  // validateConfig merges the default params (ALS's) into given ones (TypeBox Value.Default on a record); tests
  // want exactly the params they name.
  if (training.params) config.training.params = { ...training.params };
  const swaps: TestHost['swaps'] = [];
  return {
    config,
    storage: new MemoryStorage(),
    metrics: new EngineMetrics(),
    swaps,
    serving: { swapModel: (model, record) => void swaps.push({ model, record }) },
  };
}

/**
 * Synthetic interactions as feedback rows: ratings become `rating` events (value = stars), timestamps in ms.
 *
 * @example
 * await host.storage.insertFeedback(syntheticFeedback({ users: 100, items: 50, seed: 1 }), { createUsers: true, createItems: true });
 */
export function syntheticFeedback(opts: SyntheticOptions & { type?: string } = {}): FeedbackRecord[] {
  const data = synthetic(opts);
  const rows: FeedbackRecord[] = [];
  for (let r = 0; r < data.length; r++)
    rows.push({
      userId: String(data.userIds.id(data.users[r])),
      itemId: String(data.itemIds.id(data.items[r])),
      type: opts.type ?? 'rating',
      value: data.values[r],
      timestamp: (data.timestamps ? data.timestamps[r] : r) * 1000,
    });
  return rows;
}
