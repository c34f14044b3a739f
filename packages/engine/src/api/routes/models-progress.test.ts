// GET /api/models during a training run: the run is listed first with the worker's per-epoch progress (a real
// worker thread training mult-vae, which reports its validation metric per epoch).
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import { KeyRing } from '../auth.js';
import { installErrorHandler } from '../errors.js';
import { adminRoutes } from './admin.js';
import { TrainingManager } from '../../jobs/training-manager.js';
import { syntheticFeedback, testHost } from '../../jobs/training-host.case.js';

const ADMIN = { 'x-api-key': 'admin-key-0001' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

type Listed = { status?: string; version?: number; algorithm: string; progress?: Record<string, unknown> | null };

describe('GET /api/models while training', () => {
  it('lists the running run first with its epoch, validation metric and best epoch', async () => {
    // Enough epochs that the run is still going when the list is read; the test ends it with stop().
    const host = testHost({
      algorithm: 'mult-vae',
      params: { epochs: 100_000, patience: 100_000, hidden: 8, latent: 4, batchSize: 20, seed: 1 },
    });
    await host.storage.insertFeedback(syntheticFeedback({ users: 60, items: 40, interactions: 900, seed: 2 }), {
      createUsers: true,
      createItems: true,
    });
    const training = new TrainingManager(host);
    const engine = {
      ...host,
      keys: new KeyRing({ adminKey: ADMIN['x-api-key'], readKey: 'read-key-00001' }),
      training,
    } as unknown as Engine;
    const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
    installErrorHandler(app);
    await app.register(async (scope) => adminRoutes(scope as App, engine));
    cleanups.push(async () => {
      await training.stop();
      await app.close();
    });
    const list = async () =>
      (await app.inject({ method: 'GET', url: '/api/models', headers: ADMIN })).json() as Listed[];
    expect(await list()).toEqual([]);

    const run = training.trainNow();
    // Poll (no sleep-and-hope): the first epoch with a validation metric, within a generous minute.
    let first: Listed | undefined;
    for (let t = 0; t < 1200; t++) {
      first = (await list())[0];
      if (first?.progress?.validation) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(first).toMatchObject({ status: 'training', algorithm: 'mult-vae' });
    expect(first!.progress).toMatchObject({
      phase: 'holdout',
      epochs: 100_000,
      validation: { metric: 'ndcg@10' },
    });
    const p = first!.progress!;
    expect(p.epoch as number).toBeGreaterThanOrEqual(1);
    expect(p.bestEpoch as number).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(p.loss)).toBe(true);

    await training.stop();
    expect((await run).status).toBe('failed'); // stopped: the active model (none) keeps serving
    expect(await list()).toEqual([]);
  }, 90_000);
});
