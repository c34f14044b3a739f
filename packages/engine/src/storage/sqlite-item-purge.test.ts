import { setImmediate } from 'node:timers';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadEventLog, type FeedbackTypes } from '../jobs/dataset.js';
import { UnknownReferenceError } from './errors.js';
import type { FeedbackColumns, FeedbackRecord } from './port.js';
import { SqliteStorage } from './sqlite.js';
import { both, fb, tempStores } from './feedback-rows.case.js';

const { tempPath, open } = tempStores('kindred-purge-');

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What is physically stored, read through a second connection: [seq, item id or null] per feedback row. */
function rawRows(path: string): { seqs: number[]; byItemKey: Map<number, number>; queued: number[] } {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, item_key FROM feedback ORDER BY seq').raw(true).all() as [number, number][];
    const byItemKey = new Map<number, number>();
    for (const [, k] of rows) byItemKey.set(k, (byItemKey.get(k) ?? 0) + 1);
    const queued = db.prepare('SELECT item_key FROM deleted_items ORDER BY item_key').pluck().all() as number[];
    return { seqs: rows.map((r) => r[0]), byItemKey, queued };
  } finally {
    db.close();
  }
}
function itemKeyOf(path: string, id: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT item_key FROM items WHERE id = ?').pluck().get(id) as number;
  } finally {
    db.close();
  }
}
function columnsAsPairs(c: FeedbackColumns): string[] {
  return Array.from({ length: c.length }, (_, r) => `${c.userIds[c.users[r]]}:${c.itemIds[c.items[r]]}`);
}

const TYPES: FeedbackTypes = { click: { weight: 1 }, like: { weight: 2 } };

describe('SqliteStorage: deleteItem with lazy purge', () => {
  it('hides the item from every read at once, then the purge deletes its rows', async () => {
    const path = tempPath();
    const s = open(path);
    await s.insertFeedback(
      [fb('a', 'x', 1), fb('a', 'y', 2), fb('b', 'y', 3), fb('b', 'y', 4, 'like'), fb('b', 'z', 5), fb('a', 'y', 6)],
      both,
    );
    const yKey = itemKeyOf(path, 'y');
    expect(await s.deleteItem('y')).toBe(true);
    // No turn of the event loop yet: the purge has not run, the rows are still stored...
    expect(rawRows(path).byItemKey.get(yKey)).toBe(4);
    expect(rawRows(path).queued).toEqual([yKey]);
    expect(s.pendingItemPurges).toBe(1);
    // ...and no read shows them.
    expect((await s.userFeedback('a')).map((r) => r.itemId)).toEqual(['x']);
    expect((await s.userFeedback('b')).map((r) => r.itemId)).toEqual(['z']);
    expect((await s.scanFeedback(0, 10)).map((r) => r.seq)).toEqual([1, 5]);
    expect(columnsAsPairs(await s.scanFeedbackColumns(0, 10))).toEqual(['a:x', 'b:z']);
    // LIMIT applies after the filter: a full batch when more live rows exist (a short one means "end of log").
    expect(columnsAsPairs(await s.scanFeedbackColumns(1, 1))).toEqual(['b:z']);
    expect(await s.feedbackCount()).toBe(2);
    expect(await s.positiveItemCounts(['click', 'like'])).toEqual(
      new Map([
        ['x', 1],
        ['z', 1],
      ]),
    );
    expect(await s.getItem('y')).toBeNull();
    expect(await s.deleteItem('y')).toBe(false);
    // Training through the column scan sees exactly what the row path sees, in any batch size.
    const rowPath = { scanFeedback: s.scanFeedback.bind(s), lastSeq: s.lastSeq.bind(s) };
    for (const batchSize of [1, 2, 100])
      expect(await loadEventLog(s, TYPES, { batchSize })).toEqual(await loadEventLog(rowPath, TYPES, { batchSize }));

    await s.whenItemsPurged();
    const after = rawRows(path);
    expect(after.byItemKey.has(yKey)).toBe(false);
    expect(after.seqs).toEqual([1, 5]);
    expect(after.queued).toEqual([]);
    expect(s.pendingItemPurges).toBe(0);
    expect(await s.feedbackCount()).toBe(2);
  });

  it('purges in seq chunks, and a key queued mid-pass is covered below where it joined (the pass wraps)', async () => {
    const path = tempPath();
    const s = open(path, { purgeChunkSeqs: 3 });
    const rows: FeedbackRecord[] = [];
    for (let k = 0; k < 30; k++) rows.push(fb(`u${k % 4}`, `i${k % 5}`, k));
    await s.insertFeedback(rows, both);
    await s.deleteItem('i0');
    // A few chunks (3 seqs each) into the pass, i1 joins; its rows at seqs 2, 7 are already behind the cursor.
    await turn();
    await turn();
    await turn();
    expect(s.pendingItemPurges).toBe(1);
    await s.deleteItem('i1');
    // More rows arrive for a live item while the purge runs.
    await s.insertFeedback([fb('u9', 'i2', 100), fb('u9', 'i3', 101)], both);
    await s.whenItemsPurged();
    const left = await s.scanFeedback(0, 100);
    expect(left.every((r) => r.itemId !== 'i0' && r.itemId !== 'i1')).toBe(true);
    expect(rawRows(path).seqs).toEqual(left.map((r) => r.seq));
    expect(left.length).toBe(20);
  });

  it('random interleavings of deletes, inserts and chunks purge exactly the deleted items rows', async () => {
    for (let seed = 1; seed <= 15; seed++) {
      // xorshift32: uniform enough in every bit (an LCG's low bits cycle).
      let x = Math.imul(seed, 2654435761) >>> 0 || 1;
      const rnd = (n: number) => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return Math.floor(((x >>> 0) / 4294967296) * n);
      };
      const path = tempPath();
      const s = open(path, { purgeChunkSeqs: 1 + rnd(7) });
      const deleted = new Set<number>();
      let ts = 0;
      for (let step = 0; step < 25; step++) {
        const op = rnd(4);
        if (op === 0) {
          const id = `i${rnd(8)}`;
          const key = itemKeyOf(path, id);
          if (await s.deleteItem(id)) deleted.add(key);
        } else if (op === 1) {
          await turn();
        } else {
          const batch: FeedbackRecord[] = [];
          for (let k = 1 + rnd(6); k > 0; k--) batch.push(fb(`u${rnd(5)}`, `i${rnd(8)}`, ts++));
          await s.insertFeedback(batch, both);
        }
        // Whatever is stored, every read agrees with "live items only".
        const live = await s.scanFeedback(0, 1000);
        expect(await s.feedbackCount()).toBe(live.length);
        expect((await s.scanFeedbackColumns(0, 1000)).length).toBe(live.length);
      }
      await s.whenItemsPurged();
      const raw = rawRows(path);
      for (const key of deleted) expect(raw.byItemKey.has(key)).toBe(false);
      expect(raw.seqs).toEqual((await s.scanFeedback(0, 1000)).map((r) => r.seq));
      expect(raw.queued).toEqual([]);
      await s.close();
    }
  });

  it('keeps the queue across close and reopen, and finishes the purge after reopening', async () => {
    const path = tempPath();
    const a = SqliteStorage.open(path);
    await a.insertFeedback([fb('a', 'x', 1), fb('a', 'y', 2), fb('b', 'y', 3)], both);
    const yKey = itemKeyOf(path, 'y');
    await a.deleteItem('y');
    const waiting = a.whenItemsPurged();
    await a.close();
    await expect(waiting).rejects.toThrow(/closed before the purge/);
    // Closed before any chunk ran: the rows and the queue entry are on disk.
    expect(rawRows(path).byItemKey.get(yKey)).toBe(2);
    expect(rawRows(path).queued).toEqual([yKey]);

    const b = open(path);
    expect(b.pendingItemPurges).toBe(1);
    expect(await b.feedbackCount()).toBe(1);
    expect(columnsAsPairs(await b.scanFeedbackColumns(0, 10))).toEqual(['a:x']);
    await b.whenItemsPurged();
    expect(rawRows(path).byItemKey.has(yKey)).toBe(false);
    expect(rawRows(path).queued).toEqual([]);
    expect(await b.feedbackCount()).toBe(1);
  });

  it('a new item with the id of a deleted one gets a new key and only its own feedback', async () => {
    const path = tempPath();
    const s = open(path);
    await s.insertFeedback([fb('a', 'x', 1), fb('b', 'x', 2), fb('a', 'w', 3)], both);
    const oldKey = itemKeyOf(path, 'x');
    await s.deleteItem('x');
    // Auto-creation off: the id is unknown now, the batch is rejected.
    await expect(s.insertFeedback([fb('a', 'x', 4)], { createUsers: true, createItems: false })).rejects.toBeInstanceOf(
      UnknownReferenceError,
    );
    await s.insertFeedback([fb('a', 'x', 5), fb('c', 'x', 6, 'like')], both);
    expect(itemKeyOf(path, 'x')).not.toBe(oldKey);
    expect((await s.userFeedback('a')).map((r) => [r.itemId, r.timestamp])).toEqual([
      ['x', 5],
      ['w', 3],
    ]);
    expect(await s.userFeedback('b')).toEqual([]);
    expect(columnsAsPairs(await s.scanFeedbackColumns(0, 10))).toEqual(['a:w', 'a:x', 'c:x']);
    expect((await s.positiveItemCounts(['click', 'like'])).get('x')).toBe(2);
    expect(await s.feedbackCount()).toBe(3);
    await s.whenItemsPurged();
    expect(rawRows(path).byItemKey.has(oldKey)).toBe(false);
    expect(columnsAsPairs(await s.scanFeedbackColumns(0, 10))).toEqual(['a:w', 'a:x', 'c:x']);
    expect(await s.feedbackCount()).toBe(3);
  });

  it('deleteUser and the feedback listing work while a purge is pending', async () => {
    const path = tempPath();
    const s = open(path);
    await s.insertFeedback([fb('a', 'x', 1), fb('a', 'y', 2), fb('b', 'y', 3), fb('b', 'x', 4)], both);
    await s.deleteItem('y');
    expect((await s.userFeedback('b', 1)).map((r) => r.itemId)).toEqual(['x']);
    expect(await s.deleteUser('a')).not.toBeNull();
    expect(await s.feedbackCount()).toBe(1);
    // deleteUser took a's rows of the deleted item too (by the user index); the purge finds the rest.
    expect(rawRows(path).seqs).toEqual([3, 4]);
    await s.whenItemsPurged();
    expect(rawRows(path).seqs).toEqual([4]);
    expect(await s.scanFeedback(0, 10)).toEqual([
      { seq: 4, userId: 'b', itemId: 'x', type: 'click', value: 1, timestamp: 4 },
    ]);
  });

  it('a second connection (a worker) sees deletions made after it opened, and purges only when asked to', async () => {
    const path = tempPath();
    const main = open(path);
    await main.insertFeedback([fb('a', 'x', 1), fb('a', 'y', 2), fb('b', 'y', 3), fb('b', 'z', 4)], both);
    const reader = open(path, { purgeDeletedItems: false });
    expect(columnsAsPairs(await reader.scanFeedbackColumns(0, 10))).toEqual(['a:x', 'a:y', 'b:y', 'b:z']);
    await main.deleteItem('y');
    expect(columnsAsPairs(await reader.scanFeedbackColumns(0, 10))).toEqual(['a:x', 'b:z']);
    expect(await reader.feedbackCount()).toBe(2);
    await main.whenItemsPurged();
    expect(rawRows(path).seqs).toEqual([1, 4]);
    // The reader queues its own deletion durably but leaves the purge to the next connection that runs it.
    await reader.deleteItem('z');
    await turn();
    await turn();
    expect(rawRows(path).seqs).toEqual([1, 4]);
    await expect(reader.whenItemsPurged()).rejects.toThrow(/does not run on this connection/);
    expect(await main.feedbackCount()).toBe(1);
    await main.close();
    await reader.close();
    const next = open(path);
    await next.whenItemsPurged();
    expect(rawRows(path)).toMatchObject({ seqs: [1], queued: [] });
  });

  it('a purge of an item with no feedback, and of an empty log, finishes', async () => {
    const path = tempPath();
    const s = open(path);
    await s.upsertItems([{ id: 'lonely', categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 }]);
    expect(await s.deleteItem('lonely')).toBe(true);
    await s.whenItemsPurged();
    await s.insertFeedback([fb('a', 'x', 1)], both);
    await s.upsertItems([{ id: 'lonely', categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 }]);
    expect(await s.deleteItem('lonely')).toBe(true);
    await s.whenItemsPurged();
    expect(rawRows(path)).toMatchObject({ seqs: [1], queued: [] });
  });
});
