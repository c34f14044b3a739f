import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Als, InteractionsBuilder } from 'kindred';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { SqliteStorage } from '../storage/sqlite.js';
import type { ModelRecord, Storage } from '../storage/port.js';
import { ServingService } from './service.js';

const NOW = Date.now();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(
  serving: Record<string, unknown> = {},
  opts: ConstructorParameters<typeof ServingService>[1] = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-service-'));
  const storage: Storage = SqliteStorage.open(join(dir, 'kindred.db'));
  cleanups.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = validateConfig({ dataDir: dir, serving: { diversityLambda: 1, ...serving } });
  const items = Array.from({ length: 20 }, (_, k) => ({
    id: `i${k}`,
    categories: [k < 10 ? 'a' : 'b'],
    labels: (k === 15 ? { promo: 'yes' } : {}) as Record<string, string>,
    timestamp: NOW - k * 1000,
    hidden: false,
    updatedAt: NOW,
  }));
  await storage.upsertItems(items);
  const rows = [];
  for (let u = 0; u < 20; u++)
    for (let k = 0; k < 5; k++)
      rows.push({
        userId: `u${u}`,
        itemId: `i${(u < 10 ? 0 : 10) + ((u + k * 3) % 10)}`,
        type: 'like',
        value: 1,
        timestamp: NOW,
      });
  await storage.insertFeedback(rows, { createUsers: true, createItems: false });
  const service = new ServingService({ config, storage }, opts);
  await service.reload();
  return { storage, service, rows };
}

function train(rows: { userId: string; itemId: string }[]): Als {
  const b = new InteractionsBuilder();
  for (const r of rows) b.add(r.userId, r.itemId, 2);
  return new Als({ factors: 4, iterations: 5, regularization: 0.05, seed: 3 }).fit(b.build('sum'));
}

const record = (version: number): ModelRecord => ({
  version,
  algorithm: 'als',
  params: {},
  createdAt: NOW,
  metrics: {},
  trainedThroughSeq: 100,
  fitSeconds: 0,
  active: true,
  sizeBytes: 0,
});

describe('ServingService', () => {
  it('serves the cached list until the user’s feedback, then recomputes it', async () => {
    const { service, rows } = await setup();
    service.swapModel(train(rows), record(1));
    const a = await service.recommend('u1', { n: 3 });
    expect(await service.recommend('u1', { n: 3 })).toEqual(a);
    service.onFeedback([{ userId: 'u1', itemId: a.items[0].id, type: 'read', value: 1, timestamp: NOW }]);
    const b = await service.recommend('u1', { n: 3 });
    expect(b.items.map((x) => x.id)).not.toContain(a.items[0].id);
    expect(b.items[0].id).toBe(a.items[1].id);
  });

  it('works with the user cache turned off (cacheSize 0): every request reads the store', async () => {
    const { service, storage } = await setup({ cacheSize: 0 });
    const a = await service.recommend('u2', { n: 3 });
    await storage.insertFeedback([{ userId: 'u2', itemId: a.items[0].id, type: 'read', value: 1, timestamp: NOW }], {
      createUsers: true,
      createItems: false,
    });
    expect((await service.recommend('u2', { n: 3 })).items.map((x) => x.id)).not.toContain(a.items[0].id);
  });

  it('keeps at most cacheSize users', async () => {
    const { service, rows } = await setup({ cacheSize: 3 });
    service.swapModel(train(rows), record(1));
    for (let u = 0; u < 10; u++) await service.recommend(`u${u}`, { n: 2 });
    const users = (service as unknown as { users: { size: number } }).users;
    expect(users.size).toBe(3);
  });

  it('pipeline options reach the pipeline; labels are kept for label rules', async () => {
    const { service } = await setup({}, { pipeline: { rerank: { boosts: [{ label: 'promo=yes', add: 10 }] } } });
    expect((await service.recommend('nobody', { n: 1 })).items[0].id).toBe('i15');
    const plain = await setup();
    expect((await plain.service.recommend('nobody', { n: 1 })).items[0].id).not.toBe('i15');
  });

  it('is not ready while the store cannot write (a dead writer thread), and says why', async () => {
    const { storage, service } = await setup();
    let failure: string | null = null;
    Object.assign(storage, { writeFailure: () => failure });
    expect(service.ready().ready).toBe(true);
    failure = 'the storage writer thread exited (code 1)';
    expect(service.ready()).toMatchObject({ ready: false, error: 'the storage writer thread exited (code 1)' });
  });

  it('a swap replaces model and catalogue in one step; the ready state names the version', async () => {
    const { service, rows } = await setup();
    expect(service.ready()).toEqual({
      ready: true,
      model: null,
      fallbacks: ['popular', 'latest'],
      precompute: { status: 'off', users: 0 },
    });
    expect((await service.recommend('u3', { n: 2 })).model).toBeNull();
    service.swapModel(train(rows), record(7));
    expect(service.ready().model).toEqual({ name: 'als', version: 7 });
    const r = await service.recommend('u3', { n: 2 });
    expect(r.model).toEqual({ name: 'als', version: 7 });
    expect(r.fallback).toBeNull();
  });
});
