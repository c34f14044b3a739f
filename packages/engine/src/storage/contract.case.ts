// The Storage port's contract as one suite (a .case.ts file: imported by tests, never by the engine). Every store
// runs it — SqliteStorage, ThreadedSqliteStorage (the engine's default) and the in-memory test store — so a test that
// uses the memory store relies on the same behaviour the engine gets from SQLite.
import { describe, expect, it } from 'vitest';
import type { Storage } from './port.js';
import { InvalidCursorError, UnknownReferenceError } from './errors.js';
import { both, fb, item } from './feedback-rows.case.js';

/** Opens a fresh, empty store; the suite closes it at the end of each test. */
export type StoreFactory = () => Promise<Storage>;

/**
 * Runs the Storage contract against stores made by `open`.
 *
 * @example
 * storageContract('MemoryStorage', async () => new MemoryStorage());
 */
export function storageContract(name: string, open: StoreFactory): void {
  const withStore = (fn: (s: Storage) => Promise<void>) => async () => {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  describe(`${name}: Storage contract`, () => {
    it(
      'items: upsert replaces, get returns a copy, patch merges, delete reports existence',
      withStore(async (s) => {
        expect(await s.upsertItems([item('a', { text: 'hi', categories: ['x'], labels: { k: 'v' } }), item('b')])).toBe(
          2,
        );
        const got = await s.getItem('a');
        expect(got).toEqual(item('a', { text: 'hi', categories: ['x'], labels: { k: 'v' } }));
        // Mutating what the store returned must not change what it stores.
        got!.categories.push('mutated');
        expect((await s.getItem('a'))?.categories).toEqual(['x']);
        await s.upsertItems([item('a', { hidden: true })]);
        expect(await s.getItem('a')).toEqual(item('a', { hidden: true }));
        const patched = await s.patchItem('a', { categories: ['y'], text: 'new', updatedAt: 3000 });
        expect(patched).toEqual(item('a', { hidden: true, categories: ['y'], text: 'new', updatedAt: 3000 }));
        expect(await s.getItem('a')).toEqual(patched);
        await s.patchItem('a', { text: undefined });
        expect(await s.getItem('a')).not.toHaveProperty('text');
        expect(await s.patchItem('zz', { hidden: true })).toBeNull();
        expect(await s.deleteItem('a')).toBe(true);
        expect(await s.deleteItem('a')).toBe(false);
        expect(await s.getItem('a')).toBeNull();
        expect((await s.allItems()).map((i) => i.id)).toEqual(['b']);
      }),
    );

    it(
      'pages items and users by id with opaque cursors and rejects a cursor it did not issue',
      withStore(async (s) => {
        const ids = Array.from({ length: 13 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
        await s.upsertItems([...ids].reverse().map((id) => item(id)));
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await s.listItems(cursor, 5);
          seen.push(...page.items.map((i) => i.id));
          cursor = page.next;
        } while (cursor !== null);
        expect(seen).toEqual(ids);
        expect((await s.listItems(null, 13)).next).toBeNull();
        await s.upsertUsers(['c', 'a', 'b'].map((id) => ({ id, labels: { n: id }, updatedAt: 1 })));
        const p1 = await s.listUsers(null, 2);
        expect(p1.items.map((u) => u.id)).toEqual(['a', 'b']);
        expect(await s.listUsers(p1.next, 2)).toEqual({
          items: [{ id: 'c', labels: { n: 'c' }, updatedAt: 1 }],
          next: null,
        });
        // A raw id is not a cursor: a store that accepted it would let clients forge positions.
        await expect(s.listUsers('a', 2)).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(s.listItems('not-a-cursor', 2)).rejects.toBeInstanceOf(InvalidCursorError);
      }),
    );

    it(
      'users: upsert, patch, unknown ids',
      withStore(async (s) => {
        await s.upsertUsers([{ id: 'u', labels: { a: '1' }, updatedAt: 1 }]);
        expect(await s.patchUser('u', { labels: { b: '2' }, updatedAt: 5 })).toEqual({
          id: 'u',
          labels: { b: '2' },
          updatedAt: 5,
        });
        expect(await s.getUser('u')).toEqual({ id: 'u', labels: { b: '2' }, updatedAt: 5 });
        expect(await s.patchUser('nobody', { labels: {} })).toBeNull();
        expect(await s.getUser('nobody')).toBeNull();
        expect(await s.deleteUser('nobody')).toBeNull();
      }),
    );

    it(
      'feedback: increasing seqs, auto-creation, newest event first with seq breaking ties',
      withStore(async (s) => {
        const rows = [fb('u1', 'i1', 10), fb('u1', 'i2', 30), fb('u2', 'i1', 20), fb('u1', 'i3', 20)];
        expect(await s.insertFeedback(rows, both)).toBe(4);
        expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
        expect(await s.getUser('u2')).toMatchObject({ id: 'u2', labels: {} });
        expect(await s.getItem('i3')).toMatchObject({ id: 'i3', categories: [], hidden: false });
        // Ordered by event time, not by insertion: i3 (t=20, seq 4) comes before i1 (t=10, seq 1).
        expect((await s.userFeedback('u1')).map((r) => r.itemId)).toEqual(['i2', 'i3', 'i1']);
        expect(await s.userFeedback('u1', 1)).toEqual([
          { seq: 2, userId: 'u1', itemId: 'i2', type: 'click', value: 1, timestamp: 30 },
        ]);
        await s.insertFeedback([fb('u1', 'i1', 20)], both);
        expect((await s.userFeedback('u1')).map((r) => r.seq)).toEqual([2, 5, 4, 1]);
        const page = await s.userFeedbackPage('u1', null, 2);
        expect(page.items.map((r) => r.seq)).toEqual([2, 5]);
        expect((await s.userFeedbackPage('u1', page.next, 10)).items.map((r) => r.seq)).toEqual([4, 1]);
        expect(await s.userFeedbackPage('nobody', null, 5)).toEqual({ items: [], next: null });
        expect(await s.userFeedback('nobody')).toEqual([]);
        expect((await s.scanFeedback(1, 2)).map((r) => r.seq)).toEqual([2, 3]);
        expect(await s.scanFeedback(5, 10)).toEqual([]);
        expect(await s.feedbackCount()).toBe(5);
        expect(await s.lastSeq()).toBe(5);
        expect(await s.recentUsers(5)).toEqual(['u1', 'u2']);
      }),
    );

    it(
      'feedback: a batch naming an unknown user or item (auto-creation off) is rejected whole',
      withStore(async (s) => {
        await s.upsertItems([item('i1')]);
        await s.insertFeedback([fb('u1', 'i1', 1)], both);
        const rows = [fb('u1', 'i1', 2), fb('new-user', 'i1', 3), fb('u1', 'missing', 4)];
        const err = await s.insertFeedback(rows, { createUsers: true, createItems: false }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnknownReferenceError);
        expect(err).toMatchObject({ kind: 'item', id: 'missing', index: 2 });
        // Nothing of the batch stays: not the rows before the bad one, not the user it would have created.
        expect(await s.getUser('new-user')).toBeNull();
        expect(await s.feedbackCount()).toBe(1);
        await expect(
          s.insertFeedback([fb('ghost', 'i1', 5)], { createUsers: false, createItems: false }),
        ).rejects.toMatchObject({ kind: 'user', id: 'ghost', index: 0 });
        expect(await s.getUser('ghost')).toBeNull();
        expect(await s.feedbackCount()).toBe(1);
        // A rejected batch uses no seq.
        const ok = [fb('u1', 'i1', 6)];
        await s.insertFeedback(ok, { createUsers: false, createItems: false });
        expect(ok[0].seq).toBe(2);
      }),
    );

    it(
      'feedback: eventIds make ingestion idempotent, within and across batches',
      withStore(async (s) => {
        const a = [{ ...fb('u', 'x', 1), eventId: 'e1' }, { ...fb('u', 'y', 2), eventId: 'e1' }, fb('u', 'z', 3)];
        expect(await s.insertFeedback(a, both)).toBe(2);
        expect(a.map((r) => r.seq)).toEqual([1, undefined, 2]);
        expect(await s.insertFeedback([{ ...fb('u', 'y', 4), eventId: 'e1' }], both)).toBe(0);
        expect(await s.feedbackCount()).toBe(2);
        expect(await s.deleteFeedback({ eventId: 'e1' })).toMatchObject({ itemId: 'x', seq: 1 });
        expect(await s.deleteFeedback({ eventId: 'e1' })).toBeNull();
        expect(await s.deleteFeedback({ seq: 2 })).toMatchObject({ itemId: 'z' });
        expect(await s.feedbackCount()).toBe(0);
      }),
    );

    it(
      'deleteUser and deleteItem take their feedback with them; seqs are never reused',
      withStore(async (s) => {
        await s.insertFeedback([fb('a', 'x', 1), fb('b', 'x', 2), fb('a', 'y', 3), fb('b', 'y', 4)], both);
        // The removed rows come back newest first (serving subtracts them from popularity).
        expect((await s.deleteUser('a'))?.map((r) => [r.itemId, r.seq])).toEqual([
          ['y', 3],
          ['x', 1],
        ]);
        expect(await s.getUser('a')).toBeNull();
        expect(await s.deleteItem('y')).toBe(true);
        expect((await s.scanFeedback(0, 10)).map((r) => r.seq)).toEqual([2]);
        expect(await s.userFeedback('b')).toHaveLength(1);
        expect(await s.positiveItemCounts(['click'])).toEqual(new Map([['x', 1]]));
        const more = [fb('b', 'x', 9)];
        await s.insertFeedback(more, both);
        expect(more[0].seq).toBe(5);
      }),
    );

    it(
      'models: versions from 1, one active at a time, bytes copied, the active one cannot be deleted',
      withStore(async (s) => {
        const meta = {
          algorithm: 'als',
          params: { factors: 8 },
          createdAt: 1,
          metrics: { 'ndcg@10': 0.3 },
          trainedThroughSeq: 7,
          fitSeconds: 0.5,
        };
        const bytes = new Uint8Array([1, 2, 3]);
        const m1 = await s.saveModel(meta, bytes);
        bytes[0] = 42;
        const m2 = await s.saveModel({ ...meta, createdAt: 2 }, new Uint8Array(new ArrayBuffer(10), 2, 4).fill(9));
        expect(m1).toEqual({ ...meta, version: 1, active: false, sizeBytes: 3 });
        expect(m2.version).toBe(2);
        expect(Array.from((await s.modelBytes(1))!)).toEqual([1, 2, 3]);
        expect(await s.activeModel()).toBeNull();
        expect(await s.activateModel(1)).toBe(true);
        expect(await s.activateModel(2)).toBe(true);
        expect(await s.activateModel(99)).toBe(false);
        expect((await s.listModels()).map((m) => [m.version, m.active, m.sizeBytes])).toEqual([
          [1, false, 3],
          [2, true, 4],
        ]);
        expect(await s.deleteModel(2)).toBe(false);
        expect(await s.deleteModel(1)).toBe(true);
        expect(await s.modelBytes(1)).toBeNull();
        const m3 = await s.saveModel(meta, new Uint8Array([7]));
        expect(m3.version).toBe(3);
      }),
    );
  });
}
