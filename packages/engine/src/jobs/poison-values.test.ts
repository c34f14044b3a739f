import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterEach, describe, expect, it } from 'vitest';
import type { Recommender } from 'kindred';
import { KeyRing } from '../api/auth.js';
import { installErrorHandler } from '../api/errors.js';
import { adminRoutes } from '../api/routes/admin.js';
import type { Engine } from '../engine.js';
import type { App } from '../server.js';
import { EngineMetrics } from '../api/metrics.js';
import { validateConfig } from '../config.js';
import type { FeedbackRecord, ModelRecord, Storage } from '../storage/port.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { MemoryStorage } from './memory-storage.case.js';
import { syntheticFeedback } from './training-host.case.js';
import { TrainingManager, type TrainingHost } from './training-manager.js';

// Issue 12, must fix 1: a stored `rating` of 1e308 (accepted before ingestion checked values) made every later ALS run
// fail with non-finite factors. Training must leave such rows out, count them, and still produce a finite model.

const FILL = { createUsers: true, createItems: true };
const managers: TrainingManager[] = [];
const stores: Storage[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function host(storage: Storage): TrainingHost & { swaps: { model: Recommender; record: ModelRecord }[] } {
  const config = validateConfig({ server: { logLevel: 'silent' } });
  config.training.params = { factors: 8, iterations: 5 };
  const swaps: { model: Recommender; record: ModelRecord }[] = [];
  stores.push(storage);
  return {
    config,
    storage,
    metrics: new EngineMetrics(),
    swaps,
    serving: { swapModel: (model, record) => void swaps.push({ model, record }) },
  };
}

// A pair of its own (its rating is the pair's latest, so it is what training would use).
const poison: FeedbackRecord = { userId: 'u1', itemId: 'poisoned', type: 'rating', value: 1e308, timestamp: 5_000_000 };

describe.each([
  ['SqliteStorage (column scan)', () => SqliteStorage.open(':memory:')],
  ['a row-scan store', () => new MemoryStorage()],
])('training over stored poison values: %s', (_name, open) => {
  it('a stored 1e308 rating trains ALS to finite factors and the run reports 1 dropped event', async () => {
    const h = host(open());
    await h.storage.insertFeedback(syntheticFeedback({ users: 120, items: 60, seed: 3 }), FILL);
    // Straight into the store, as a store written before the range check may hold it (the route rejects it now).
    await h.storage.insertFeedback([poison], FILL);
    const warnings: object[] = [];
    const logger = { info() {}, warn: (obj: object) => void warnings.push(obj), error() {} };
    const manager = new TrainingManager(h, { logger });
    managers.push(manager);
    const out = await manager.trainNow();
    expect(out.status === 'failed' ? out.error : out.status).toBe('activated');
    if (out.status !== 'activated') return;
    // Visible to an operator: the saved version's metrics (GET /api/models, POST /api/train?wait=true) and the log.
    expect(out.model.metrics.droppedEvents).toBe(1);
    expect(warnings).toContainEqual(expect.objectContaining({ droppedEvents: 1 }));
    expect((await h.storage.listModels())[0].metrics.droppedEvents).toBe(1);
    const model = h.swaps[0].model;
    for (const user of ['u1', 'u2', 'u50']) {
      const { scores } = model.recommend(user, { k: 10 });
      expect(scores.length).toBe(10);
      for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    }
  });
});

describe('over HTTP: the admin routes show the dropped count', () => {
  it('POST /api/train?wait=true and GET /api/models report metrics.droppedEvents', async () => {
    const h = host(SqliteStorage.open(':memory:'));
    await h.storage.insertFeedback(syntheticFeedback({ users: 60, items: 40, seed: 5 }), FILL);
    await h.storage.insertFeedback([poison, { ...poison, itemId: 'poisoned-2', value: -Infinity }], FILL);
    const training = new TrainingManager(h, { logger: { info() {}, warn() {}, error() {} } });
    managers.push(training);
    const engine = { ...h, keys: new KeyRing({}), training } as unknown as Engine;
    const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
    installErrorHandler(app);
    await app.register(async (scope) => adminRoutes(scope as App, engine));
    try {
      const run = await app.inject({ method: 'POST', url: '/api/train?wait=true' });
      expect(run.statusCode).toBe(200);
      expect(run.json()).toMatchObject({ status: 'activated', model: { metrics: { droppedEvents: 2 } } });
      const models = (await app.inject('/api/models')).json() as { metrics: Record<string, number> }[];
      expect(models[0].metrics.droppedEvents).toBe(2);
    } finally {
      await app.close();
    }
  });
});
