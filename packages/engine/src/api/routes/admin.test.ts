import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import { KeyRing } from '../auth.js';
import { installErrorHandler } from '../errors.js';
import { healthRoutes } from './health.js';
import { adminRoutes } from './admin.js';
import { TrainingManager, type TrainingManagerOptions } from '../../jobs/training-manager.js';
import { trainWorkerUrl } from '../../jobs/train-thread.js';
import { syntheticFeedback, testHost, type TestHost } from '../../jobs/training-host.case.js';

const ADMIN = { 'x-api-key': 'admin-key-0001' };
const READ = { 'x-api-key': 'read-key-00001' };
const FILL = { createUsers: true, createItems: true };

/** The admin and health routes over a test host, with the server's validation options (no type coercion). */
async function appFor(
  host: TestHost,
  opts: TrainingManagerOptions = {},
): Promise<{ app: App; training: TrainingManager }> {
  const training = new TrainingManager(host, opts);
  const engine = {
    ...host,
    keys: new KeyRing({ adminKey: ADMIN['x-api-key'], readKey: READ['x-api-key'] }),
    training,
    serving: { ...host.serving, ready: () => ({ ready: true, model: null, fallbacks: [] }) },
  } as unknown as Engine;
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  installErrorHandler(app);
  await app.register(async (scope) => healthRoutes(scope as App, engine));
  await app.register(async (scope) => adminRoutes(scope as App, engine));
  cleanups.push(async () => {
    await training.stop();
    await app.close();
  });
  return { app, training };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('admin routes', () => {
  it('need the admin key', async () => {
    const { app } = await appFor(testHost());
    expect((await app.inject({ method: 'GET', url: '/api/models' })).statusCode).toBe(401);
    const r = await app.inject({ method: 'GET', url: '/api/models', headers: READ });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('FORBIDDEN');
    expect((await app.inject({ method: 'POST', url: '/api/train', headers: READ })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/models/1/activate', headers: READ })).statusCode).toBe(403);
  });

  it('train (202 then wait), list versions, activate a version, 404 and 400 on bad versions', async () => {
    const host = testHost({ algorithm: 'als', params: { factors: 8, iterations: 5 } });
    await host.storage.insertFeedback(syntheticFeedback({ users: 200, items: 100, seed: 2 }), FILL);
    const { app, training } = await appFor(host);

    const started = await app.inject({ method: 'POST', url: '/api/train', headers: ADMIN });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toEqual({ status: 'started', alreadyRunning: false, startedAt: training.runStartedAt });
    expect(training.running).toBe(true);
    // A second call during the run joins it: "running", not a second "started" (before: "started" with a flag).
    const joined = await app.inject({ method: 'POST', url: '/api/train', headers: ADMIN });
    expect(joined.statusCode).toBe(202);
    expect(joined.json()).toEqual({ status: 'running', alreadyRunning: true, startedAt: started.json().startedAt });
    // A waiting call during the run shares it.
    const waited = await app.inject({ method: 'POST', url: '/api/train?wait=true', headers: ADMIN });
    expect(waited.statusCode).toBe(200);
    const first = waited.json();
    expect(first.status).toBe('activated');
    expect(first.model.version).toBe(1);
    expect(first.model.metrics['ndcg@10']).toBeGreaterThan(0);

    host.config.training.algorithm = 'normal';
    host.config.training.params = {};
    const second = (await app.inject({ method: 'POST', url: '/api/train?wait=1', headers: ADMIN })).json();
    expect(second.status).toBe('rejected');
    expect(second.reason).toMatch(/worse/);

    const list = await app.inject({ method: 'GET', url: '/api/models', headers: ADMIN });
    expect(list.statusCode).toBe(200);
    const versions = list.json();
    expect(versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(Object.keys(versions[1]).sort()).toEqual(
      [
        'active',
        'algorithm',
        'createdAt',
        'fitSeconds',
        'metrics',
        'params',
        'sizeBytes',
        'trainedThroughSeq',
        'version',
      ].sort(),
    );
    expect(versions[1].params.factors).toBe(8);

    const act = await app.inject({ method: 'POST', url: '/api/models/2/activate', headers: ADMIN });
    expect(act.statusCode).toBe(200);
    expect(act.json()).toMatchObject({ version: 2, active: true, algorithm: 'normal' });
    expect(host.swaps.at(-1)?.record.version).toBe(2);
    const back = await app.inject({ method: 'POST', url: '/api/models/1/activate', headers: ADMIN });
    expect(back.json()).toMatchObject({ version: 1, active: true });
    expect((await host.storage.activeModel())?.version).toBe(1);

    const missing = await app.inject({ method: 'POST', url: '/api/models/7/activate', headers: ADMIN });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({ code: 'NOT_FOUND', message: 'no model version 7', path: 'params.version' });
    for (const bad of ['0', '-1', 'abc', '1.5', 'NaN'])
      expect(
        (await app.inject({ method: 'POST', url: `/api/models/${bad}/activate`, headers: ADMIN })).statusCode,
      ).toBe(400);
    const badQuery = await app.inject({ method: 'POST', url: '/api/train?wait=yes', headers: ADMIN });
    expect(badQuery.statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/train?extra=1', headers: ADMIN })).statusCode).toBe(400);
  });

  it('a failed run answers 500 TRAINING_FAILED in the error envelope and nothing is stored', async () => {
    const host = testHost({ algorithm: 'svd', params: { learningRate: 1e6 } });
    await host.storage.insertFeedback(syntheticFeedback({ users: 100, items: 50, seed: 3 }), FILL);
    const { app } = await appFor(host);
    const r = await app.inject({ method: 'POST', url: '/api/train?wait=true', headers: ADMIN });
    // Before: 200 {"status":"failed"}, which a client checking the status code took for success.
    expect(r.statusCode).toBe(500);
    expect(Object.keys(r.json())).toEqual(['error']);
    expect(r.json().error.code).toBe('TRAINING_FAILED');
    expect(r.json().error.message).toMatch(/^training failed: .*diverged/);
    expect((await app.inject({ method: 'GET', url: '/api/models', headers: ADMIN })).json()).toEqual([]);
  });

  it('training never blocks requests: the event loop stays responsive and requests are answered during the fit', async () => {
    // SVD++ (Koren 2008) is the slowest model here. No minimum run time is required: the checks below compare the
    // main thread's stalls with this run's own duration and look for answers inside the worker's lifetime.
    const host = testHost({ algorithm: 'svdpp', params: { epochs: 80, factors: 20 } });
    await host.storage.insertFeedback(syntheticFeedback({ users: 1000, items: 400, seed: 1 }), FILL);
    let workerOnlineAt = Infinity;
    const { app, training } = await appFor(host, {
      onWorkerOnline: () => (workerOnlineAt = performance.now()),
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    // Warm-ups that are not training: fetch's lazy client setup, and (from sources only) the worker bundle build.
    await (await fetch(`${base}/health/live`)).json();
    await trainWorkerUrl();

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = performance.now();
    const run = training.trainNow();
    let endedAt = Infinity;
    void run.then(() => (endedAt = performance.now()));
    const answeredAt: number[] = [];
    while (endedAt === Infinity) {
      const res = await fetch(`${base}/health/live`);
      expect(res.status).toBe(200);
      await res.json();
      answeredAt.push(performance.now());
    }
    delay.disable();
    const runMs = endedAt - t0;
    expect((await run).status).toBe('activated');
    // The fit really ran in a worker while requests were served: answers between its start and end signals.
    expect(workerOnlineAt).toBeLessThan(endedAt);
    expect(answeredAt.filter((t) => t > workerOnlineAt && t < endedAt).length).toBeGreaterThan(0);
    // A fit on the main thread would stall the loop for about the whole fit. The bound is relative to the run (no
    // absolute speed assumed), with a floor for the OS stalls a loaded 2-core machine gives any thread (tens of ms).
    const maxStallMs = delay.max / 1e6;
    expect(maxStallMs).toBeLessThan(Math.max(500, runMs / 2));
  });
});
