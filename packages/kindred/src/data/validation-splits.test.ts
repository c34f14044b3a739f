import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { Interactions } from './interactions.js';
import type { Split } from './split.js';
import { leaveLastOut } from './splitters.js';
import { synthetic } from './synthetic.js';
import { leaveLastOutValidTest, perUserRatioSplit, recboleSplitSizes } from './validation-splits.js';

/** "user item" of every row of a part, sorted (the fixtures have no duplicate pairs). */
function pairs(data: Interactions | undefined): string[] {
  return [...data!.records()].map((r) => `${r.user}${r.item}`).sort();
}

/** The three parts are disjoint, cover the data, and share its id maps. */
function expectThreeWayPartition(data: Interactions, s: Split): void {
  const all = [...pairs(s.train), ...pairs(s.validation), ...pairs(s.test)];
  expect(all.length).toBe(data.length);
  expect(new Set(all).size).toBe(data.length);
  for (const part of [s.train, s.validation!, s.test]) {
    expect(part.userIds).toBe(data.userIds);
    expect(part.itemIds).toBe(data.itemIds);
  }
}

/*
 * Worked example for leave-last-out (RecBole LS valid_and_test, order TO). Rows are interleaved across users so that
 * "row order" means the input's order, not an order within a user.
 *   a: 1@10, 2@30, 3@20, 4@30  → by time 1, 3, 2, 4 (2 and 4 tie at 30; 4 is the later row) → test 4, valid 2
 *   b: 1@5, 2@1                 → by time 2, 1 → test 1, no validation (RecBole: min(2, n − 1) = 1 held out)
 *   c: 1@7                      → a single interaction stays in train
 *   d: 1@9, 2@9, 3@9            → all tied, row order → test 3, valid 2, train 1
 */
const timed = () =>
  Interactions.fromRecords([
    { user: 'a', item: 1, timestamp: 10 },
    { user: 'd', item: 1, timestamp: 9 },
    { user: 'a', item: 2, timestamp: 30 },
    { user: 'b', item: 1, timestamp: 5 },
    { user: 'd', item: 2, timestamp: 9 },
    { user: 'a', item: 3, timestamp: 20 },
    { user: 'c', item: 1, timestamp: 7 },
    { user: 'b', item: 2, timestamp: 1 },
    { user: 'd', item: 3, timestamp: 9 },
    { user: 'a', item: 4, timestamp: 30 },
  ]);

describe('leaveLastOutValidTest (RecBole LS valid_and_test, order TO)', () => {
  it('gives the last interaction by time to test and the second-to-last to validation; ties by row order', () => {
    const d = timed();
    const [s] = leaveLastOutValidTest()(d);
    expect(pairs(s.test)).toEqual(['a4', 'b1', 'd3']);
    expect(pairs(s.validation)).toEqual(['a2', 'd2']);
    expect(pairs(s.train)).toEqual(['a1', 'a3', 'b2', 'c1', 'd1']);
    expectThreeWayPartition(d, s);
  });

  it('differs from the test-only leave-last-out exactly by the validation items, which that one trains on', () => {
    const d = timed();
    const [three] = leaveLastOutValidTest()(d);
    const [old] = leaveLastOut()(d);
    expect(pairs(old.test)).toEqual(pairs(three.test));
    expect(pairs(old.train)).toEqual([...pairs(three.train), ...pairs(three.validation)].sort());
    expect(old.validation).toBeUndefined();
  });

  it('without timestamps, row order is time order', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 3 },
      { user: 'a', item: 1 },
      { user: 'a', item: 2 },
    ]);
    const [s] = leaveLastOutValidTest()(d);
    expect(pairs(s.test)).toEqual(['a2']);
    expect(pairs(s.validation)).toEqual(['a1']);
    expect(pairs(s.train)).toEqual(['a3']);
  });

  it('on synthetic data: every validation row is later than the user’s training rows, every test row later still', () => {
    const d = synthetic({ users: 30, items: 40, interactions: 400, seed: 3 });
    const [s] = leaveLastOutValidTest()(d);
    expectThreeWayPartition(d, s);
    const latest = (part: Interactions) => {
      const out = new Map<string | number, number>();
      for (const r of part.records()) out.set(r.user, Math.max(out.get(r.user) ?? -Infinity, r.timestamp!));
      return out;
    };
    const trainMax = latest(s.train);
    for (const r of s.validation!.records()) expect(r.timestamp!).toBeGreaterThanOrEqual(trainMax.get(r.user)!);
    const validOf = new Map([...s.validation!.records()].map((r) => [r.user, r.timestamp!]));
    for (const r of s.test.records()) expect(r.timestamp!).toBeGreaterThanOrEqual(validOf.get(r.user) ?? -Infinity);
    const counts = d.userCounts();
    expect(s.test.length).toBe(counts.filter((c) => c >= 2).length);
    expect(s.validation!.length).toBe(counts.filter((c) => c >= 3).length);
  });
});

describe('recboleSplitSizes (RecBole _calcu_split_ids)', () => {
  it('matches RecBole’s sizes; expected values computed by RecBole’s own function (copied) in Python', () => {
    const cases: [number, number[]][] = [
      [1, [1, 0, 0]],
      [2, [1, 0, 1]],
      [3, [1, 1, 1]],
      [4, [2, 1, 1]],
      [5, [3, 1, 1]],
      [9, [7, 1, 1]],
      [10, [8, 1, 1]],
      [19, [17, 1, 1]],
      [20, [16, 2, 2]],
      [25, [21, 2, 2]],
      [29, [25, 2, 2]],
      [30, [24, 3, 3]],
      [39, [33, 3, 3]],
      [49, [41, 4, 4]],
      [70, [56, 7, 7]],
      [737, [591, 73, 73]],
    ];
    for (const [n, sizes] of cases) expect([n, recboleSplitSizes(n, [0.8, 0.1, 0.1])]).toEqual([n, sizes]);
    // Unnormalised and other ratios go through the same float operations as Python (0.15 · 20 = 3.0000000000000004).
    expect(recboleSplitSizes(33, [8, 1, 1])).toEqual([27, 3, 3]);
    expect(recboleSplitSizes(15, [0.7, 0.15, 0.15])).toEqual([11, 2, 2]);
    expect(recboleSplitSizes(20, [0.7, 0.15, 0.15])).toEqual([14, 3, 3]);
    expect(recboleSplitSizes(10, [0.6, 0.2, 0.2])).toEqual([6, 2, 2]);
  });
});

describe('perUserRatioSplit (RecBole RS 8:1:1, order RO, group_by user)', () => {
  /** Users with 1, 2, 3, 5, 10 and 25 interactions, rows interleaved. */
  const sized = () => {
    const counts: Record<string, number> = { p: 1, q: 2, r: 3, s: 5, t: 10, u: 25 };
    const recs = [];
    for (let i = 0; i < 25; i++)
      for (const [user, n] of Object.entries(counts)) if (i < n) recs.push({ user, item: i, timestamp: i });
    return Interactions.fromRecords(recs);
  };
  const partSizes = (s: Split) => {
    const out: Record<string, number[]> = {};
    [s.train, s.validation!, s.test].forEach((part, k) => {
      for (const r of part.records()) (out[String(r.user)] ??= [0, 0, 0])[k]++;
    });
    return out;
  };

  it('gives every user RecBole’s part sizes, and partitions the data', () => {
    const d = sized();
    const [s] = perUserRatioSplit({ seed: 0 })(d);
    expectThreeWayPartition(d, s);
    expect(partSizes(s)).toEqual({
      p: [1, 0, 0],
      q: [1, 0, 1],
      r: [1, 1, 1],
      s: [3, 1, 1],
      t: [8, 1, 1],
      u: [21, 2, 2],
    });
  });

  it('orders each user’s rows by a seeded shuffle of its CSR segment: train first, then validation, then test', () => {
    const d = sized();
    const [s] = perUserRatioSplit({ seed: 7 })(d);
    // The rule, step by step: one RNG stream over the users in index order, each user's rows shuffled in place.
    const { indptr, order } = d.byUser();
    const rows = order.slice();
    const rng = new Rng(7);
    const expected: string[][] = [[], [], []];
    for (let u = 0; u < d.nUsers; u++) {
      const seg = rows.subarray(indptr[u], indptr[u + 1]);
      rng.shuffle(seg);
      const [nTrain, nValid] = recboleSplitSizes(seg.length, [0.8, 0.1, 0.1]);
      seg.forEach((row, q) => {
        const part = q < nTrain ? 0 : q < nTrain + nValid ? 1 : 2;
        expected[part].push(`${d.userIds.id(d.users[row])}${d.itemIds.id(d.items[row])}`);
      });
    }
    expect(pairs(s.train)).toEqual(expected[0].sort());
    expect(pairs(s.validation)).toEqual(expected[1].sort());
    expect(pairs(s.test)).toEqual(expected[2].sort());
  });

  it('is deterministic under a seed and changes with it', () => {
    const d = synthetic({ users: 40, items: 60, interactions: 1200, seed: 2 });
    const a = perUserRatioSplit({ seed: 1 })(d)[0];
    const b = perUserRatioSplit({ seed: 1 })(d)[0];
    const c = perUserRatioSplit({ seed: 2 })(d)[0];
    expect(pairs(a.test)).toEqual(pairs(b.test));
    expect(pairs(a.validation)).toEqual(pairs(b.validation));
    expect(pairs(a.test)).not.toEqual(pairs(c.test));
    expect(a.name).toBe('per-user ratio 0.8:0.1:0.1 seed 1');
  });

  it('refuses ratios that are not three non-negative numbers with a training share', () => {
    expect(() => perUserRatioSplit({ ratios: [0, 0.5, 0.5] })).toThrow(InvalidParameterError);
    expect(() => perUserRatioSplit({ ratios: [0.8, -0.1, 0.3] })).toThrow(/ratios must be/);
  });
});
