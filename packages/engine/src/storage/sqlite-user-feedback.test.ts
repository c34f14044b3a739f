import { describe, expect, it } from 'vitest';
import { encodeCursor, InvalidCursorError } from './errors.js';
import { decodeFeedbackCursor, encodeFeedbackCursor } from './feedback-cursor.js';
import { both, fb, tempStores } from './feedback-rows.case.js';
import type { FeedbackRecord, Storage } from './port.js';
import { ThreadedSqliteStorage } from './sqlite-threaded.js';
import { MemoryStorage } from '../jobs/memory-storage.case.js';

const { tempPath, open } = tempStores('kindred-user-pages-');

/** Every page of `userId`'s feedback, `n` rows at a time, with the pages' sizes. */
async function allPages(s: Storage, userId: string, n: number) {
  const rows: FeedbackRecord[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page = await s.userFeedbackPage(userId, cursor, n);
    rows.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.next;
  } while (cursor !== null);
  return { rows, sizes };
}

/** 25 events of user a (ties on timestamp included) and some of b, over both levels of the user index. */
async function seed(s: Storage, merge: () => void | Promise<void>) {
  const first = Array.from({ length: 12 }, (_, k) => fb('a', `i${k % 5}`, 1000 + Math.floor(k / 3)));
  await s.insertFeedback([...first, fb('b', 'i1', 5000)], both);
  await merge(); // these entries are now in feedback_by_user_main
  const later = Array.from({ length: 13 }, (_, k) => fb('a', `i${k % 5}`, 1002 + Math.floor(k / 4)));
  await s.insertFeedback([...later, fb('b', 'i2', 1)], both); // these stay in feedback_by_user_recent
}

describe('userFeedbackPage: keyset pages of a user history', () => {
  it('reads both levels of the user index in the order of userFeedback, no row twice, to next: null', async () => {
    const s = open(tempPath());
    await seed(s, () => s.mergeUserIndex());
    expect(s.userIndexPending).toBeGreaterThan(0);
    const whole = await s.userFeedback('a');
    expect(whole).toHaveLength(25);
    for (const n of [1, 7, 25, 100]) {
      const { rows, sizes } = await allPages(s, 'a', n);
      expect(rows).toEqual(whole);
      expect(sizes.slice(0, -1).every((k) => k === n)).toBe(true);
    }
    // The first page is what userFeedback(limit) answers.
    expect((await s.userFeedbackPage('a', null, 10)).items).toEqual(await s.userFeedback('a', 10));
    expect(await s.userFeedbackPage('nobody', null, 10)).toEqual({ items: [], next: null });
  });

  it('is stable under concurrent inserts: every row stored before the first page comes exactly once', async () => {
    const s = open(tempPath());
    await seed(s, () => s.mergeUserIndex());
    const before = new Set((await s.userFeedback('a')).map((r) => r.seq));
    const seen: number[] = [];
    let cursor: string | null = null;
    let t = 0;
    do {
      const page = await s.userFeedbackPage('a', cursor, 4);
      seen.push(...page.items.map((r) => r.seq ?? 0));
      cursor = page.next;
      // Between pages: a newer event, an older one, and one tied with the rows just read.
      await s.insertFeedback([fb('a', 'i9', 9000 + t), fb('a', 'i9', 10 + t), fb('a', 'i9', 1002)], both);
      t++;
    } while (cursor !== null);
    const old = seen.filter((q) => before.has(q));
    expect(old).toHaveLength(before.size);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("skips deleted items' rows not yet purged (a short page still has a cursor) and lists hidden items' rows", async () => {
    const s = open(tempPath(), { purgeDeletedItems: false });
    await s.upsertItems([{ id: 'h', categories: [], labels: {}, timestamp: 0, hidden: true, updatedAt: 0 }]);
    // 3,000 newest events are of an item about to be deleted: more than one page may examine for n = 2.
    const gone = Array.from({ length: 3000 }, (_, k) => fb('a', 'gone', 10_000 + k));
    await s.insertFeedback([fb('a', 'h', 1), fb('a', 'x', 2), fb('a', 'x', 3), ...gone], both);
    expect(await s.deleteItem('gone')).toBe(true);
    expect(s.pendingItemPurges).toBe(1);
    const first = await s.userFeedbackPage('a', null, 2);
    expect(first.items.length).toBeLessThan(2);
    expect(first.next).not.toBeNull();
    const { rows } = await allPages(s, 'a', 2);
    expect(rows.map((r) => [r.itemId, r.timestamp])).toEqual([
      ['x', 3],
      ['x', 2],
      ['h', 1],
    ]);
    expect(rows).toEqual(await s.userFeedback('a'));
  });

  it('refuses cursors it did not issue', async () => {
    const s = open(tempPath());
    await s.insertFeedback([fb('a', 'i', 1), fb('a', 'i', 2)], both);
    const good = (await s.userFeedbackPage('a', null, 1)).next!;
    expect(decodeFeedbackCursor(good)).toEqual({ timestamp: 2, seq: 2 });
    const bad = [
      'garbage',
      encodeCursor('a'), // an item/user list cursor
      good + 'x',
      Buffer.from('f1:2:0').toString('base64url'),
      Buffer.from('f1:2:1.5').toString('base64url'),
      Buffer.from('f1::1').toString('base64url'),
      Buffer.from('f1:NaN:1').toString('base64url'),
    ];
    for (const c of bad) await expect(s.userFeedbackPage('a', c, 1), c).rejects.toBeInstanceOf(InvalidCursorError);
    // Validated whether or not the user exists.
    await expect(s.userFeedbackPage('nobody', 'garbage', 1)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(encodeFeedbackCursor({ timestamp: -5, seq: 3 })).not.toBe(good);
  });

  it('the threaded store (reads on its own connection) and the in-memory test store give the same pages', async () => {
    const sqlite = open(tempPath());
    await seed(sqlite, () => sqlite.mergeUserIndex());
    const expected = await allPages(sqlite, 'a', 6);
    const threaded = await ThreadedSqliteStorage.open(tempPath());
    try {
      await seed(threaded, () => threaded.mergeUserIndex());
      expect(await allPages(threaded, 'a', 6)).toEqual(expected);
    } finally {
      await threaded.close();
    }
    const memory = new MemoryStorage();
    await seed(memory, () => undefined);
    expect(await allPages(memory, 'a', 6)).toEqual(expected);
  });
});
