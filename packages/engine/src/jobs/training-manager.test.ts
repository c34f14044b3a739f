import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from 'kindred';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite.js';
import { TrainingManager } from './training-manager.js';
import { syntheticFeedback, testHost, type TestHost } from './training-host.case.js';

const FILL = { createUsers: true, createItems: true };
const GOOD = { algorithm: 'als', params: { factors: 8, iterations: 5 } };

async function filledHost(training: Parameters<typeof testHost>[0] = GOOD): Promise<TestHost> {
  const host = testHost(training);
  await host.storage.insertFeedback(syntheticFeedback({ users: 150, items: 80, seed: 1 }), FILL);
  return host;
}

/** Count of observations in the training histogram for one outcome label. */
async function runs(host: TestHost, outcome: string): Promise<number> {
  const m = await host.metrics.trainingDuration.get();
  return m.values.find((v) => v.metricName?.endsWith('_count') && v.labels.outcome === outcome)?.value ?? 0;
}

const managers: TrainingManager[] = [];
function manager(host: TestHost): TrainingManager {
  const m = new TrainingManager(host);
  managers.push(m);
  return m;
}
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

describe('TrainingManager', () => {
  it('trains synthetic feedback into an active version with finite metrics, swapped into serving', async () => {
    const host = await filledHost();
    const out = await manager(host).trainNow();
    expect(out.status).toBe('activated');
    if (out.status !== 'activated') return;
    const { model } = out;
    expect(model.version).toBe(1);
    expect(model.active).toBe(true);
    expect(model.algorithm).toBe('als');
    expect(model.params).toMatchObject({ factors: 8, iterations: 5, regularization: 0.01 }); // ALS's default filled in;
    expect(model.trainedThroughSeq).toBe(await host.storage.lastSeq());
    for (const k of ['ndcg@10', 'precision@10', 'recall@10']) {
      expect(Number.isFinite(model.metrics[k])).toBe(true);
      expect(model.metrics[k]).toBeGreaterThan(0);
    }
    expect(model.metrics.holdoutUsers).toBeGreaterThan(100);
    expect(model.metrics).toMatchObject({ trainUsers: 150, negativePairs: 0 });
    expect(model.fitSeconds).toBeGreaterThan(0);
    expect(model.sizeBytes).toBeGreaterThan(1000);
    expect((await host.storage.activeModel())?.version).toBe(1);
    // Serving got a loaded, working model and the active record.
    expect(host.swaps).toHaveLength(1);
    expect(host.swaps[0].record.version).toBe(1);
    expect(host.swaps[0].model.recommend('u1', { k: 5 }).ids).toHaveLength(5);
    expect((await host.metrics.modelVersion.get()).values[0].value).toBe(1);
    expect(await runs(host, 'activated')).toBe(1);
  });

  it('a failing run (invalid param, diverging SGD) keeps the previous version serving and reports failed', async () => {
    const host = await filledHost();
    const m = manager(host);
    expect((await m.trainNow()).status).toBe('activated');

    host.config.training.params = { factors: 16, bogus: 1 };
    const bad = await m.trainNow();
    expect(bad.status).toBe('failed');
    if (bad.status === 'failed') expect(bad.error).toMatch(/bogus/);

    host.config.training.algorithm = 'svd';
    host.config.training.params = { learningRate: 1e6 };
    const diverged = await m.trainNow();
    expect(diverged.status).toBe('failed');
    if (diverged.status === 'failed') expect(diverged.error).toMatch(/diverged|non-finite/);

    expect(await host.storage.listModels()).toHaveLength(1); // nothing saved for failed runs
    expect((await host.storage.activeModel())?.version).toBe(1);
    expect(host.swaps).toHaveLength(1);
    expect((await host.metrics.modelVersion.get()).values[0].value).toBe(1);
    expect(await runs(host, 'failed')).toBe(2);
    expect(m.lastOutcome?.status).toBe('failed');
  });

  it('rejects a worse version by the margin rule, keeps it stored inactive, and activate() rolls forward and back', async () => {
    const host = await filledHost({ ...GOOD, maxRegression: 0.01 });
    const m = manager(host);
    const good = await m.trainNow();
    expect(good.status).toBe('activated');

    // Random scores (the normal predictor ranks at random): far below ALS on the same holdout.
    host.config.training.algorithm = 'normal';
    host.config.training.params = {};
    const worse = await m.trainNow();
    expect(worse.status).toBe('rejected');
    if (worse.status !== 'rejected' || good.status !== 'activated') return;
    expect(worse.model.version).toBe(2);
    expect(worse.model.metrics['ndcg@10']).toBeLessThan(good.model.metrics['ndcg@10'] - 0.01);
    expect(worse.reason).toMatch(/worse: ndcg@10 .* vs active v1/);
    const stored = await host.storage.listModels();
    expect(stored.map((r) => [r.version, r.active])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(host.swaps).toHaveLength(1);
    expect(await runs(host, 'rejected')).toBe(1);

    // Roll forward to the rejected one, then back.
    const fwd = await m.activate(2);
    expect(fwd?.version).toBe(2);
    expect((await host.storage.activeModel())?.version).toBe(2);
    expect(host.swaps.at(-1)?.model.name).toBe('normal');
    const back = await m.activate(1);
    expect(back?.active).toBe(true);
    expect((await host.storage.activeModel())?.version).toBe(1);
    expect(host.swaps.at(-1)?.model.name).toBe('als');
    expect((await host.metrics.modelVersion.get()).values[0].value).toBe(1);
    expect(await m.activate(99)).toBeNull();
  });

  it('a version within the margin replaces the active one', async () => {
    const host = await filledHost({ ...GOOD, maxRegression: 0.5 });
    const m = manager(host);
    await m.trainNow();
    host.config.training.algorithm = 'normal';
    host.config.training.params = {};
    const out = await m.trainNow();
    expect(out.status).toBe('activated');
    expect((await host.storage.activeModel())?.algorithm).toBe('normal');
  });

  it('concurrent trainNow calls share one run', async () => {
    const host = await filledHost();
    const m = manager(host);
    const a = m.trainNow();
    const b = m.trainNow();
    expect(m.running).toBe(true);
    expect(b).toBe(a);
    await a;
    expect(m.running).toBe(false);
    expect(await host.storage.listModels()).toHaveLength(1);
  });

  it('skips with no positive feedback, and timer runs skip when nothing changed', async () => {
    const empty = testHost(GOOD);
    expect((await manager(empty).trainNow()).status).toBe('skipped');

    const host = await filledHost();
    const m = manager(host);
    await m.trainNow();
    const timer = await m.trainNow({ trigger: 'timer' });
    expect(timer).toEqual({ status: 'skipped', reason: 'no new feedback since v1' });
    await host.storage.insertFeedback(syntheticFeedback({ users: 20, items: 40, seed: 9 }), FILL);
    expect((await m.trainNow({ trigger: 'timer' })).status).not.toBe('skipped');
  });

  it('stop() ends a running worker at once; the run fails and nothing is stored', async () => {
    // A fit far longer than the test timeout (minutes): if stop() waited for the worker, the test would time out.
    const host = testHost({ algorithm: 'svdpp', params: { epochs: 5000, factors: 20 } });
    await host.storage.insertFeedback(syntheticFeedback({ users: 1000, items: 400, seed: 1 }), FILL);
    let online!: () => void;
    const workerOnline = new Promise<void>((resolve) => (online = resolve));
    const m = new TrainingManager(host, { onWorkerOnline: () => online() });
    managers.push(m);
    const run = m.trainNow();
    // The explicit signal that the worker thread runs the fit (no sleep, no wall-clock bound).
    await workerOnline;
    await m.stop();
    const out = await run;
    expect(out.status).toBe('failed');
    if (out.status === 'failed') expect(out.error).toMatch(/shutting down/);
    expect(await host.storage.listModels()).toHaveLength(0);
    expect((await m.trainNow()).status).toBe('skipped'); // stopped managers do not start new runs
  });

  it('start() trains after fitAfterEvents noted events', async () => {
    const host = await filledHost({ ...GOOD, fitAfterEvents: 100, fitPeriodSeconds: 0 });
    const m = manager(host);
    m.noteEvents(500); // not started: no run
    expect(m.running).toBe(false);
    m.start();
    expect(m.running).toBe(true); // 500 pending ≥ 100
    m.noteEvents(50);
    await waitFor(() => m.lastOutcome !== null);
    expect(m.lastOutcome?.status).toBe('activated');
  });
});

describe('TrainingManager over SqliteStorage', () => {
  it('versions survive a reopen: the active one, its metrics and loadable bytes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kindred-train-')), 'kindred.db');
    const base = testHost(GOOD);
    let store = SqliteStorage.open(path);
    await store.insertFeedback(syntheticFeedback({ users: 200, items: 100, seed: 4 }), FILL);
    const host = { ...base, storage: store };
    const m = new TrainingManager(host);
    const first = await m.trainNow();
    host.config.training.algorithm = 'normal';
    host.config.training.params = {};
    const second = await m.trainNow();
    expect([first.status, second.status]).toEqual(['activated', 'rejected']);
    await m.stop();
    await store.close();

    store = SqliteStorage.open(path);
    try {
      const models = await store.listModels();
      expect(models.map((r) => [r.version, r.active, r.algorithm])).toEqual([
        [1, true, 'als'],
        [2, false, 'normal'],
      ]);
      expect(models[0].metrics['ndcg@10']).toBeGreaterThan(0);
      expect(models[0].trainedThroughSeq).toBe(await store.lastSeq());
      const bytes = await store.modelBytes(1);
      expect(loadModel(bytes!).recommend('u3', { k: 3 }).ids).toHaveLength(3);
      const again = new TrainingManager({ ...base, storage: store });
      expect((await again.activate(2))?.active).toBe(true);
      expect((await store.activeModel())?.version).toBe(2);
    } finally {
      await store.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
