import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../storage/port.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { ThreadedSqliteStorage } from '../storage/sqlite-threaded.js';
import { MemoryStorage } from './memory-storage.case.js';
import { pruneVersions } from './prune-versions.js';
import { TrainingManager } from './training-manager.js';
import { syntheticFeedback, testHost } from './training-host.case.js';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const META = { algorithm: 'als', params: {}, createdAt: 1, metrics: {}, trainedThroughSeq: 0, fitSeconds: 0 };

const stores: [string, () => Promise<Storage>][] = [
  ['memory', async () => new MemoryStorage()],
  ['sqlite', async () => SqliteStorage.open(':memory:')],
  [
    'sqlite, writer thread',
    async () => {
      const d = mkdtempSync(join(tmpdir(), 'kindred-prune-'));
      dirs.push(d);
      return ThreadedSqliteStorage.open(join(d, 'kindred.db'));
    },
  ],
];

describe.each(stores)('deleteModel and pruneVersions (%s)', (_name, open) => {
  it('keeps the newest versions and the active one, never reuses a version number', async () => {
    const store = await open();
    closers.push(() => store.close());
    for (let v = 1; v <= 5; v++) await store.saveModel(META, new Uint8Array([v]));
    await store.activateModel(2); // a rollback: the active version is an old one
    expect(await store.deleteModel(2)).toBe(false);
    expect(await store.deleteModel(99)).toBe(false);

    expect(await pruneVersions(store, 2)).toEqual([1, 3]);
    expect((await store.listModels()).map((m) => m.version).sort()).toEqual([2, 4, 5]);
    expect(await store.modelBytes(1)).toBeNull();
    expect((await store.activeModel())?.version).toBe(2);
    expect((await store.saveModel(META, new Uint8Array([6]))).version).toBe(6);
  });
});

describe('training.keepVersions', () => {
  it('each run deletes the versions beyond the configured count', async () => {
    // Before: every run's version stayed in the store forever.
    const host = testHost({ algorithm: 'als', params: { factors: 4, iterations: 2 }, keepVersions: 2 });
    await host.storage.insertFeedback(syntheticFeedback({ users: 60, items: 30, seed: 4 }), {
      createUsers: true,
      createItems: true,
    });
    const training = new TrainingManager(host);
    closers.push(() => training.stop());
    for (let k = 0; k < 4; k++) expect(['activated', 'rejected']).toContain((await training.trainNow()).status);
    const left = await host.storage.listModels();
    const active = left.find((m) => m.active)!.version;
    const expected = new Set([3, 4, active]);
    expect(left.map((m) => m.version).sort()).toEqual([...expected].sort());
  });
});
