import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../jobs/memory-storage.case.js';
import { UnknownReferenceError } from './errors.js';
import type { ItemRecord } from './port.js';
import { SqliteStorage, type SqliteOpenOptions } from './sqlite.js';
import { both, fb } from './feedback-rows.case.js';

const dirs: string[] = [];
const stores: SqliteStorage[] = [];
function openTemp(opts: SqliteOpenOptions = {}): { s: SqliteStorage; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-group-'));
  dirs.push(dir);
  const path = join(dir, 'k.db');
  const s = SqliteStorage.open(path, opts);
  stores.push(s);
  return { s, path };
}
afterEach(async () => {
  vi.useRealTimers();
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const item = (id: string): ItemRecord => ({
  id,
  categories: [],
  labels: {},
  timestamp: 0,
  hidden: false,
  updatedAt: 0,
});
const noItems = { createUsers: true, createItems: false };

describe('SqliteStorage: group commit of concurrent feedback batches', () => {
  it('one failing batch in a group: the others are stored and acknowledged, nothing of it is', async () => {
    const { s } = openTemp();
    await s.upsertItems([item('i1'), item('i2')]);
    const a = [fb('a', 'i1', 1), fb('a', 'i2', 2)];
    // Creates user "n", then fails on its unknown item: its savepoint must take the new user with it.
    const bad = [fb('n', 'i1', 3), fb('n', 'missing', 4)];
    // Names "n" too, after the failed batch in the same group: it must get a real (new) key, not the rolled-back one.
    const c = [fb('n', 'i2', 5), fb('c', 'i1', 6)];
    const results = await Promise.allSettled([
      s.insertFeedback(a, noItems),
      s.insertFeedback(bad, noItems),
      s.insertFeedback(c, noItems),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[1].status).toBe('rejected');
    const reason = (results[1] as PromiseRejectedResult).reason as UnknownReferenceError;
    expect(reason).toBeInstanceOf(UnknownReferenceError);
    expect(reason).toMatchObject({ kind: 'item', id: 'missing', index: 1 });
    // Seqs follow the call order; the failed batch holds none.
    expect(a.map((r) => r.seq)).toEqual([1, 2]);
    expect(c.map((r) => r.seq)).toEqual([3, 4]);
    expect(bad.map((r) => r.seq)).toEqual([undefined, undefined]);
    expect((await s.scanFeedback(0, 10)).map((r) => [r.seq, r.userId, r.itemId])).toEqual([
      [1, 'a', 'i1'],
      [2, 'a', 'i2'],
      [3, 'n', 'i2'],
      [4, 'c', 'i1'],
    ]);
    expect((await s.userFeedback('n')).map((r) => r.itemId)).toEqual(['i2']);
    expect(await s.getUser('n')).toMatchObject({ id: 'n' });
  });

  it('a failing first batch does not hold back the next, and the cache keeps no key it created', async () => {
    const { s } = openTemp();
    await s.upsertItems([item('i1')]);
    const [first, second] = await Promise.allSettled([
      s.insertFeedback([fb('x', 'i1', 1), fb('x', 'nope', 2)], noItems),
      s.insertFeedback([fb('y', 'i1', 3)], noItems),
    ]);
    expect(first.status).toBe('rejected');
    expect(second).toEqual({ status: 'fulfilled', value: 1 });
    expect(await s.getUser('x')).toBeNull();
    await s.insertFeedback([fb('x', 'i1', 5)], noItems);
    expect((await s.userFeedback('x')).map((r) => r.timestamp)).toEqual([5]);
    expect(await s.feedbackCount()).toBe(2);
  });

  it('orders seqs by call order across groups split by groupMaxEvents', async () => {
    const { s } = openTemp({ groupMaxEvents: 3 });
    const batches = [0, 1, 2, 3, 4].map((b) => [fb(`u${b}`, 'i', b * 10), fb(`u${b}`, 'j', b * 10 + 1)]);
    const counts = await Promise.all(batches.map((rows) => s.insertFeedback(rows, both)));
    expect(counts).toEqual([2, 2, 2, 2, 2]);
    expect(batches.flat().map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await s.scanFeedback(0, 20)).map((r) => r.timestamp)).toEqual([0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
  });

  it('numbers and stores every row of batches written by multi-row INSERTs (sizes around 100), a failing one between', async () => {
    const { s } = openTemp();
    await s.upsertItems([item('i1'), item('i2')]);
    const batch = (n: number, base: number) =>
      Array.from({ length: n }, (_, k) => ({
        ...fb(`u${(base + k) % 7}`, k % 3 ? 'i1' : 'i2', base + k),
        value: base + k,
      }));
    const a = batch(250, 0);
    // Fails on its last row, after two full 100-row statements: its savepoint must take all 200 rows back.
    const bad = [...batch(200, 1000), fb('z', 'missing', 9)];
    const c = batch(100, 2000);
    const d = batch(99, 3000);
    const results = await Promise.allSettled([a, bad, c, d].map((rows) => s.insertFeedback(rows, noItems)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const ok = [...a, ...c, ...d];
    expect(ok.map((r) => r.seq)).toEqual(ok.map((_, k) => k + 1));
    expect(bad.every((r) => r.seq === undefined)).toBe(true);
    const stored = await s.scanFeedback(0, 1000);
    expect(stored.map((r) => [r.seq, r.userId, r.itemId, r.value, r.timestamp])).toEqual(
      ok.map((r) => [r.seq, r.userId, r.itemId, r.value, r.timestamp]),
    );
    // The user index holds every stored row once.
    const perUser = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((u) => s.userFeedback(`u${u}`)));
    expect(perUser.reduce((n, rows) => n + rows.length, 0)).toBe(ok.length);
  });

  it('a seq counter that does not match the numbering fails the batch instead of misnumbering it', async () => {
    const { s, path } = openTemp();
    await s.insertFeedback(
      Array.from({ length: 5 }, (_, k) => fb('u', 'i', k)),
      both,
    );
    // Tampered from outside: AUTOINCREMENT then numbers from max(seq) + 1 = 6, not from the counter + 1 = 3.
    const other = new Database(path);
    other.prepare("UPDATE sqlite_sequence SET seq = 2 WHERE name = 'feedback'").run();
    other.close();
    for (const n of [1, 100]) {
      const rows = Array.from({ length: n }, (_, k) => fb('v', 'i', k));
      await expect(s.insertFeedback(rows, both)).rejects.toThrow(/not consecutive/);
      expect(rows.every((r) => r.seq === undefined)).toBe(true);
    }
    expect(await s.feedbackCount()).toBe(5);
  });

  it('settles a batch only after its commit: another connection sees the rows at once', async () => {
    const { s, path } = openTemp();
    const pending = s.insertFeedback([fb('u', 'i', 1), fb('u', 'j', 2)], both);
    const reader = new Database(path, { readonly: true });
    try {
      // Queued, not yet written: nothing is visible (and the caller has no answer yet).
      expect(reader.prepare('SELECT count(*) FROM feedback').pluck().get()).toBe(0);
      expect(await pending).toBe(2);
      expect(reader.prepare('SELECT count(*) FROM feedback').pluck().get()).toBe(2);
    } finally {
      reader.close();
    }
  });

  it('is not stalled by fake timers, and close() writes what is still queued', async () => {
    vi.useFakeTimers();
    const { s, path } = openTemp();
    expect(await s.insertFeedback([fb('u', 'i', 1)], both)).toBe(1);
    vi.useRealTimers();
    const queued = s.insertFeedback([fb('u', 'i', 2)], both);
    await s.close();
    expect(await queued).toBe(1);
    await expect(s.insertFeedback([fb('u', 'i', 3)], both)).rejects.toThrow(/not open/);
    const again = SqliteStorage.open(path);
    stores.push(again);
    expect(await again.feedbackCount()).toBe(2);
  });
});

describe('positiveItemCounts', () => {
  const rows = () => [
    fb('a', 'x', 1, 'click'),
    fb('a', 'y', 2, 'click'),
    fb('b', 'x', 3, 'purchase'),
    fb('b', 'z', 4, 'dislike'),
    fb('c', 'x', 5, 'click'),
    fb('c', 'y', 6, 'dislike'),
  ];

  it('counts events of the given types per item, in SQLite and in the test MemoryStorage alike', async () => {
    const { s } = openTemp();
    const mem = new MemoryStorage();
    for (const store of [s, mem]) {
      await store.insertFeedback(rows(), both);
      expect(await store.positiveItemCounts(['click', 'purchase'])).toEqual(
        new Map([
          ['x', 3],
          ['y', 1],
        ]),
      );
      expect(await store.positiveItemCounts(['dislike', 'dislike'])).toEqual(
        new Map([
          ['y', 1],
          ['z', 1],
        ]),
      );
      // Map order: each item's first counted event, as a scan of the log fills it (callers break ties by it).
      expect([...(await store.positiveItemCounts(['dislike', 'click'])).keys()]).toEqual(['x', 'y', 'z']);
      expect([...(await store.positiveItemCounts(['purchase', 'dislike'])).keys()]).toEqual(['x', 'z', 'y']);
      expect(await store.positiveItemCounts([])).toEqual(new Map());
      expect(await store.positiveItemCounts(['nothing'])).toEqual(new Map());
      // A deleted item's events go with it.
      await store.deleteItem('x');
      expect(await store.positiveItemCounts(['click', 'purchase'])).toEqual(new Map([['y', 1]]));
    }
  });

  it('counts across its seq chunks (rows far apart in seq, on the 500,000-row chunk edges)', async () => {
    const { s, path } = openTemp();
    await s.insertFeedback([fb('a', 'x', 1), fb('a', 'y', 2)], both);
    // Rows with seqs on and around the chunk edges, written behind the store's back (the API cannot skip seqs).
    const raw = new Database(path);
    try {
      raw.prepare(`INSERT INTO items (id, timestamp, updated_at) VALUES ('late', 0, 0)`).run();
      const lateKey = raw.prepare(`SELECT item_key FROM items WHERE id = 'late'`).pluck().get() as number;
      const ins = raw.prepare(
        `INSERT INTO feedback (seq, user_key, item_key, type, value, timestamp) VALUES (?, 1, ?, 'click', 1, 0)`,
      );
      for (const seq of [500_000, 500_001, 1_000_000, 1_234_567]) ins.run(seq, lateKey);
      ins.run(1_300_000, 1);
    } finally {
      raw.close();
    }
    expect(await s.positiveItemCounts(['click'])).toEqual(
      new Map([
        ['x', 2],
        ['y', 1],
        ['late', 4],
      ]),
    );
  });
});
