import { setImmediate } from 'node:timers';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from './port.js';
import { both, fb, tempStores } from './feedback-rows.case.js';

const { tempPath, open } = tempStores('kindred-user-index-');

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A seeded stream of events: `n` rows over `users` users and 40 items, timestamps with ties. */
function events(n: number, users: number, seed: number): FeedbackRecord[] {
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const rows: FeedbackRecord[] = [];
  for (let i = 0; i < n; i++)
    rows.push(fb(`u${Math.floor(next() * users)}`, `i${Math.floor(next() * 40)}`, Math.floor(next() * 50)));
  return rows;
}

/** The index entries of both levels and the feedback rows, as sorted `user_key:timestamp:seq` strings. */
function physical(path: string): { main: string[]; recent: string[]; rows: string[] } {
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

/** Every row is indexed exactly once, in one level or the other, and nothing else is. */
function expectIndexExact(path: string): { main: number; recent: number } {
  const { main, recent, rows } = physical(path);
  expect([...main, ...recent].sort()).toEqual(rows);
  return { main: main.length, recent: recent.length };
}

/** userFeedback by definition: the user's stored rows, newest event first, arrival order breaking ties. */
function expected(stored: FeedbackRecord[], userId: string): number[] {
  return stored
    .filter((r) => r.userId === userId)
    .sort((a, b) => b.timestamp - a.timestamp || (b.seq as number) - (a.seq as number))
    .map((r) => r.seq as number);
}

describe('SqliteStorage: the two-level user index', () => {
  it('merges the recent level into the main level in chunks while batches keep arriving, reads unchanged', async () => {
    const path = tempPath();
    const s = open(path, { userIndexMergeRows: 60, userIndexChunkRows: 7 });
    const stored: FeedbackRecord[] = [];
    for (let b = 0; b < 12; b++) {
      const rows = events(25, 15, b + 1);
      await s.insertFeedback(rows, both);
      stored.push(...rows);
      await turn(); // a merge chunk may run between batches
      for (const u of ['u0', 'u3', 'u14'])
        expect((await s.userFeedback(u)).map((r) => r.seq)).toEqual(expected(stored, u));
    }
    await s.whenUserIndexMerged();
    const { main, recent } = expectIndexExact(path);
    expect(main).toBeGreaterThanOrEqual(240); // at least four passes' worth was moved
    expect(recent).toBe(s.userIndexPending);
    expect(recent).toBeLessThan(60);
    for (let u = 0; u < 15; u++)
      expect((await s.userFeedback(`u${u}`)).map((r) => r.seq)).toEqual(expected(stored, `u${u}`));
    // The limit applies across both levels.
    expect((await s.userFeedback('u3', 4)).map((r) => r.seq)).toEqual(expected(stored, 'u3').slice(0, 4));
  });

  it('stays bounded when batches arrive faster than one background chunk per turn', async () => {
    const path = tempPath();
    const s = open(path, { userIndexMergeRows: 50, userIndexChunkRows: 5 });
    const stored: FeedbackRecord[] = [];
    // 30 batches of 100 without a turn in between for the background chunks: only the pay-as-you-go merge runs.
    for (let b = 0; b < 30; b++) {
      const rows = events(100, 20, 100 + b);
      stored.push(...rows);
      s.insertFeedback(rows, both).catch(() => undefined);
    }
    await s.insertFeedback([fb('u0', 'i0', 99)], both);
    const { main, recent } = expectIndexExact(path);
    expect(main + recent).toBe(3001);
    expect(recent).toBeLessThanOrEqual(2 * 50 + 100 + 5);
    for (let u = 0; u < 20; u += 7)
      expect((await s.userFeedback(`u${u}`)).length).toBe(
        stored.filter((r) => r.userId === `u${u}`).length + (u === 0 ? 1 : 0),
      );
  });

  it('a user with more entries than a chunk moves whole, and mergeNow empties the recent level', async () => {
    const path = tempPath();
    const s = open(path, { userIndexMergeRows: 1_000, userIndexChunkRows: 5 });
    const rows = [...Array.from({ length: 40 }, (_, k) => fb('heavy', `i${k}`, k)), fb('a', 'i1', 1), fb('b', 'i2', 2)];
    await s.insertFeedback(rows, both);
    expect(s.userIndexPending).toBe(42);
    s.mergeUserIndex();
    expect(s.userIndexPending).toBe(0);
    expect(expectIndexExact(path)).toEqual({ main: 42, recent: 0 });
    expect((await s.userFeedback('heavy')).map((r) => r.timestamp)).toEqual(
      Array.from({ length: 40 }, (_, k) => 39 - k),
    );
  });

  it('deleting a user mid-merge removes their entries from both levels', async () => {
    const path = tempPath();
    const s = open(path, { userIndexMergeRows: 10_000, userIndexChunkRows: 3 });
    await s.insertFeedback(events(60, 8, 7), both);
    s.mergeUserIndex(); // u* entries now in main
    await s.insertFeedback(events(30, 8, 8), both); // and some in recent
    expect(await s.deleteUser('u2')).not.toBeNull();
    expect(await s.userFeedback('u2')).toEqual([]);
    expectIndexExact(path);
    s.mergeUserIndex();
    expectIndexExact(path);
  });

  it('recentUsers orders by the newest event over both levels', async () => {
    const s = open(tempPath(), { userIndexMergeRows: 10_000 });
    await s.insertFeedback([fb('a', 'x', 1), fb('b', 'x', 1), fb('c', 'x', 1)], both);
    s.mergeUserIndex();
    await s.insertFeedback([fb('a', 'y', 2)], both); // a's newest entry is in recent, b's and c's in main
    expect(await s.recentUsers(10)).toEqual(['a', 'c', 'b']);
    expect(await s.recentUsers(2)).toEqual(['a', 'c']);
    expect(await s.recentUsers(0)).toEqual([]);
  });

  it("the purge of a deleted item removes its rows' entries from both levels", async () => {
    const path = tempPath();
    const s = open(path, { userIndexMergeRows: 10_000 });
    await s.insertFeedback([...events(80, 6, 3), fb('u1', 'gone', 5), fb('u2', 'gone', 6)], both);
    s.mergeUserIndex();
    await s.insertFeedback([...events(40, 6, 4), fb('u1', 'gone', 7), fb('u3', 'gone', 8)], both);
    expect(await s.deleteItem('gone')).toBe(true);
    await s.whenItemsPurged();
    const { main, recent } = expectIndexExact(path);
    expect([main, recent]).toEqual([80, 40]); // the two rows of each level are gone
  });

  it('a restart finds the recent level where it was, and the next commits start the merge', async () => {
    const path = tempPath();
    const a = open(path, { userIndexMergeRows: 50 });
    await a.insertFeedback(events(40, 5, 9), both);
    expect(a.userIndexPending).toBe(40);
    await a.close();
    const b = open(path, { userIndexMergeRows: 50 });
    expect(b.userIndexPending).toBe(40);
    await b.insertFeedback(events(15, 5, 10), both);
    await b.whenUserIndexMerged();
    expect(expectIndexExact(path)).toEqual({ main: 55, recent: 0 });
  });
});
