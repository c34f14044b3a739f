import type { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { UnknownReferenceError } from './errors.js';
import { both, fb, tempStores } from './feedback-rows.case.js';
import { SqliteStorage } from './sqlite.js';
import { ThreadedSqliteStorage } from './sqlite-threaded.js';

const { tempPath } = tempStores('kindred-threaded-');
const item = (id: string) => ({ id, categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 });
const noItems = { createUsers: true, createItems: false };

describe('ThreadedSqliteStorage: writes on the writer thread, reads here', () => {
  it('concurrent batches: seqs in call order, a failing one rejected alone with its own error class', async () => {
    const s = await ThreadedSqliteStorage.open(tempPath());
    try {
      await s.upsertItems([item('i1'), item('i2')]);
      const batches = [
        [fb('a', 'i1', 1), fb('a', 'i2', 2)],
        [fb('b', 'i1', 3), fb('b', 'missing', 4)],
        [fb('c', 'i2', 5)],
        Array.from({ length: 150 }, (_, k) => fb(`u${k % 9}`, 'i1', 100 + k)),
      ];
      const results = await Promise.allSettled(batches.map((rows) => s.insertFeedback(rows, noItems)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const err = (results[1] as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(UnknownReferenceError);
      expect(err).toMatchObject({ kind: 'item', id: 'missing', index: 1 });
      const ok = [...batches[0], ...batches[2], ...batches[3]];
      expect(ok.map((r) => r.seq)).toEqual(ok.map((_, k) => k + 1));
      // Read-your-writes: each acknowledged row is visible to this thread's connection at once.
      expect(await s.feedbackCount()).toBe(ok.length);
      expect(await s.getUser('b')).toBeNull();
      expect((await s.userFeedback('a')).map((r) => r.timestamp)).toEqual([2, 1]);
    } finally {
      await s.close();
    }
  });

  it('close() writes what is in flight; later writes reject; the rows are there after reopening', async () => {
    const path = tempPath();
    const s = await ThreadedSqliteStorage.open(path);
    const writes = Array.from({ length: 20 }, (_, b) => s.insertFeedback([fb(`u${b}`, 'i', b)], both));
    await s.close();
    expect(await Promise.all(writes)).toEqual(Array(20).fill(1));
    await expect(s.insertFeedback([fb('late', 'i', 1)], both)).rejects.toThrow(/not open/);
    const again = SqliteStorage.open(path);
    try {
      expect(await again.feedbackCount()).toBe(20);
    } finally {
      await again.close();
    }
  });

  it("the writer purges a deleted item's rows; this thread's reads skip them from the delete on", async () => {
    const s = await ThreadedSqliteStorage.open(tempPath(), { purgeChunkSeqs: 2 });
    try {
      await s.insertFeedback([fb('a', 'x', 1), fb('a', 'y', 2), fb('b', 'x', 3), fb('b', 'y', 4)], both);
      expect(await s.deleteItem('x')).toBe(true);
      expect((await s.scanFeedback(0, 10)).map((r) => r.itemId)).toEqual(['y', 'y']);
      expect(await s.feedbackCount()).toBe(2);
      await s.whenItemsPurged();
      expect(await s.pendingItemPurges()).toBe(0);
      expect((await s.userFeedback('a')).map((r) => r.itemId)).toEqual(['y']);
    } finally {
      await s.close();
    }
  });

  it('a writer thread that dies fails its pending writes with a clear error; reads go on; a new writer takes over', async () => {
    const s = await ThreadedSqliteStorage.open(tempPath());
    try {
      await s.insertFeedback([fb('a', 'x', 1)], both);
      expect(s.writeFailure()).toBeNull();
      const worker = (s as unknown as { worker: Worker }).worker;
      const pending = s.insertFeedback([fb('a', 'y', 2)], both);
      await worker.terminate();
      await expect(pending).rejects.toThrow(/writer thread exited/);
      await expect(s.upsertItems([item('z')])).rejects.toThrow(/writer thread exited/);
      expect(s.writeFailure()).toMatch(/writer thread exited/);
      expect((await s.userFeedback('a')).length).toBeGreaterThanOrEqual(1);
      // Restarted after 0.1 s: writes work again, on the same numbering.
      await vi.waitFor(() => expect(s.writeFailure()).toBeNull(), { timeout: 10_000, interval: 20 });
      const rows = [fb('a', 'z', 3)];
      expect(await s.insertFeedback(rows, both)).toBe(1);
      expect(rows[0].seq).toBe(await s.lastSeq());
      expect((await s.userFeedback('a')).map((r) => r.itemId)).toContain('z');
    } finally {
      await s.close();
    }
  });
});
