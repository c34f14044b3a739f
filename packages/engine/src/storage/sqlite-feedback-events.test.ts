import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from './port.js';
import { both, fb, tempStores } from './feedback-rows.case.js';
import { SQLITE_MIGRATIONS, migrate } from './sqlite-migrations.js';
import { MemoryStorage } from '../jobs/memory-storage.case.js';
import { ThreadedSqliteStorage } from './sqlite-threaded.js';

// Issue 12: deleting a single feedback event (keeping the two-level user index exact) and idempotent ingestion by
// eventId (schema v5), through SqliteStorage and through the writer thread of ThreadedSqliteStorage.

const { tempPath, open } = tempStores('kindred-feedback-events-');
const withId = (eventId: string, userId: string, itemId: string, timestamp: number): FeedbackRecord => ({
  ...fb(userId, itemId, timestamp),
  eventId,
});

/** Both index levels and the feedback table as sorted `user_key:timestamp:seq` strings. */
function physical(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const read = (sql: string) => (db.prepare(sql).raw(true).all() as number[][]).map((r) => r.join(':')).sort();
    return {
      main: read('SELECT user_key, timestamp, seq FROM feedback_by_user_main'),
      recent: read('SELECT user_key, timestamp, seq FROM feedback_by_user_recent'),
      rows: read('SELECT user_key, timestamp, seq FROM feedback'),
    };
  } finally {
    db.close();
  }
}

describe('SqliteStorage.deleteFeedback', () => {
  it('deletes one row by seq or eventId from whichever user-index level holds it; reads stay exact', async () => {
    const path = tempPath();
    const s = open(path, { userIndexMergeRows: 1_000_000 });
    await s.insertFeedback([fb('u', 'a', 10), withId('e-b', 'u', 'b', 20), fb('v', 'a', 30)], both);
    s.mergeUserIndex(); // these three now sit in the main level
    await s.insertFeedback([fb('u', 'c', 40), withId('e-d', 'u', 'd', 50)], both); // these two in the recent one
    expect(physical(path).main).toHaveLength(3);

    expect(await s.deleteFeedback({ seq: 1 })).toEqual({
      seq: 1,
      userId: 'u',
      itemId: 'a',
      type: 'click',
      value: 1,
      timestamp: 10,
    });
    expect(await s.deleteFeedback({ eventId: 'e-d' })).toMatchObject({ seq: 5, itemId: 'd', eventId: 'e-d' });
    expect(await s.deleteFeedback({ seq: 1 })).toBeNull();
    expect(await s.deleteFeedback({ eventId: 'e-d' })).toBeNull();
    expect(await s.deleteFeedback({ seq: 999 })).toBeNull();

    const after = physical(path);
    expect([...after.main, ...after.recent].sort()).toEqual(after.rows);
    expect(after.main).toHaveLength(2);
    expect(after.recent).toHaveLength(1);
    expect((await s.userFeedback('u')).map((r) => [r.seq, r.eventId])).toEqual([
      [4, undefined],
      [2, 'e-b'],
    ]);
    expect(await s.feedbackCount()).toBe(3);
    // A later merge finds nothing dangling.
    s.mergeUserIndex();
    const merged = physical(path);
    expect(merged.main).toEqual(merged.rows);
    // Seqs are never reused after a delete.
    await s.insertFeedback([fb('u', 'e', 60)], both);
    expect(await s.lastSeq()).toBe(6);
  });

  it("a deleted item's row (waiting for the purge) counts as gone", async () => {
    const s = open(tempPath(), { purgeDeletedItems: false });
    await s.insertFeedback([withId('x', 'u', 'gone', 1), fb('u', 'kept', 2)], both);
    await s.deleteItem('gone');
    expect(await s.deleteFeedback({ seq: 1 })).toBeNull();
    expect(await s.deleteFeedback({ eventId: 'x' })).toBeNull();
    expect(await s.deleteFeedback({ seq: 2 })).toMatchObject({ itemId: 'kept' });
  });
});

describe('idempotent ingestion by eventId', () => {
  it('skips rows whose eventId is stored or repeated, also across batches of one group commit', async () => {
    const s = open(tempPath());
    const batch = () => [withId('a', 'u', 'i1', 1), fb('u', 'i2', 2), withId('b', 'u', 'i3', 3)];
    const first = batch();
    expect(await s.insertFeedback(first, both)).toBe(3);
    expect(first.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Three copies queued in one turn: one group, one transaction; each batch sees the rows of those before it.
    const copies = [batch(), [withId('c', 'u', 'i1', 4), withId('c', 'u', 'i2', 5)], batch()];
    const stored = await Promise.all(copies.map((rows) => s.insertFeedback(rows, both)));
    expect(stored).toEqual([1, 1, 1]); // the row without an eventId, then 'c' once, then again the row without one
    expect(copies.map((rows) => rows.map((r) => r.seq))).toEqual([
      [undefined, 4, undefined],
      [5, undefined],
      [undefined, 6, undefined],
    ]);
    expect(await s.feedbackCount()).toBe(6);
    // A whole batch of duplicates stores nothing and indexes nothing.
    expect(await s.insertFeedback([withId('a', 'u', 'i1', 9)], both)).toBe(0);
    expect(await s.feedbackCount()).toBe(6);
    expect((await s.userFeedback('u')).length).toBe(6);
    // More than one multi-row INSERT's worth, with a duplicate in the middle: seqs stay consecutive.
    const big = Array.from({ length: 250 }, (_, k) => withId(k === 120 ? 'a' : `big-${k}`, `u${k % 7}`, 'i1', k));
    expect(await s.insertFeedback(big, both)).toBe(249);
    expect(big.filter((r) => r.seq !== undefined).map((r) => r.seq)).toEqual(
      Array.from({ length: 249 }, (_, k) => 7 + k),
    );
    expect((await s.scanFeedback(0, 1000)).find((r) => r.seq === 7)).toMatchObject({ eventId: 'big-0' });
  });

  it('through the writer thread: concurrent retries of a batch store it once', async () => {
    const s = await ThreadedSqliteStorage.open(tempPath());
    try {
      const batch = () => Array.from({ length: 120 }, (_, k) => withId(`e${k}`, `u${k % 5}`, `i${k % 9}`, k));
      const copies = [batch(), batch(), batch()];
      const stored = await Promise.all(copies.map((rows) => s.insertFeedback(rows, both)));
      expect(stored.reduce((a, b) => a + b, 0)).toBe(120);
      expect(await s.feedbackCount()).toBe(120);
      expect(copies.flat().filter((r) => r.seq !== undefined)).toHaveLength(120);
      expect(await s.deleteFeedback({ eventId: 'e7' })).toMatchObject({ eventId: 'e7', userId: 'u2' });
      expect(await s.deleteFeedback({ eventId: 'e7' })).toBeNull();
      expect(await s.feedbackCount()).toBe(119);
    } finally {
      await s.close();
    }
  });

  it('migrates a v4 database: old rows have no eventId and stay readable, new ones can carry one', async () => {
    const path = tempPath();
    const db = new Database(path);
    migrate(db, SQLITE_MIGRATIONS.slice(0, 4));
    db.exec(`INSERT INTO users (id, labels, updated_at) VALUES ('u', '{}', 0);
      INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES ('i', '[]', '{}', NULL, 0, 0, 0);
      INSERT INTO feedback (user_key, item_key, type, value, timestamp) VALUES (1, 1, 'click', 1, 5);
      INSERT INTO feedback_by_user_main (user_key, timestamp, seq) VALUES (1, 5, 1);`);
    db.close();
    const s = open(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.userFeedback('u')).toEqual([
      { seq: 1, userId: 'u', itemId: 'i', type: 'click', value: 1, timestamp: 5 },
    ]);
    expect(await s.insertFeedback([withId('new', 'u', 'i', 6), withId('new', 'u', 'i', 7)], both)).toBe(1);
  });
});

describe('the in-memory test store', () => {
  it('has the same contract', async () => {
    const m = new MemoryStorage();
    expect(await m.insertFeedback([withId('a', 'u', 'i', 1), withId('a', 'u', 'i', 2), fb('u', 'i', 3)], both)).toBe(2);
    expect(await m.deleteFeedback({ eventId: 'a' })).toMatchObject({ seq: 1, eventId: 'a' });
    expect(await m.deleteFeedback({ seq: 2 })).toMatchObject({ seq: 2 });
    expect(await m.deleteFeedback({ seq: 2 })).toBeNull();
  });
});
