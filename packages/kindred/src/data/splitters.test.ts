import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { Interactions } from './interactions.js';
import type { Split } from './split.js';
import {
  foldsFromAssignment,
  globalTimeCut,
  kFold,
  leaveLastOut,
  perUserHoldout,
  perUserLastN,
  randomHoldout,
} from './splitters.js';
import { synthetic } from './synthetic.js';

/** Every row of `data` as "user|item|value|timestamp" keys (the data has no duplicate pairs, so keys are unique). */
function keys(data: Interactions): string[] {
  return [...data.records()].map((r) => `${r.user}|${r.item}|${r.value}|${r.timestamp}`);
}

function expectPartition(data: Interactions, split: Split): void {
  const tr = keys(split.train),
    te = keys(split.test);
  expect(new Set([...tr, ...te]).size).toBe(data.length);
  expect(tr.length + te.length).toBe(data.length);
  expect(split.train.userIds).toBe(data.userIds);
  expect(split.test.itemIds).toBe(data.itemIds);
}

const data = synthetic({ users: 60, items: 40, interactions: 900, seed: 5 });

describe('kFold', () => {
  it('gives k disjoint tests covering all rows, sizes differing by at most one, each a partition', () => {
    const sub = data.subset(Int32Array.from({ length: 899 }, (_, r) => r));
    const splits = kFold(4, 1)(sub);
    expect(splits.map((s) => s.test.length)).toEqual([225, 225, 225, 224]);
    const allTest = splits.flatMap((s) => keys(s.test));
    expect(new Set(allTest).size).toBe(899);
    for (const s of splits) expectPartition(sub, s);
    expect(splits.map((s) => s.name)).toEqual(['fold 1/4', 'fold 2/4', 'fold 3/4', 'fold 4/4']);
  });

  it('is deterministic under a seed and changes with it', () => {
    const a = kFold(5, 3)(data).map((s) => keys(s.test));
    const b = kFold(5, 3)(data).map((s) => keys(s.test));
    const c = kFold(5, 4)(data).map((s) => keys(s.test));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('validates k', () => {
    expect(() => kFold(1)).toThrow(InvalidParameterError);
    expect(() => kFold(10)(data.subset([0, 1, 2]))).toThrow(/exceeds/);
  });
});

describe('randomHoldout', () => {
  it('puts ceil(ratio·n) rows in test, deterministically', () => {
    const [s] = randomHoldout(0.25, 9)(data);
    expect(s.test.length).toBe(Math.ceil(0.25 * data.length));
    expectPartition(data, s);
    expect(keys(randomHoldout(0.25, 9)(data)[0].test)).toEqual(keys(s.test));
    expect(() => randomHoldout(1)).toThrow(InvalidParameterError);
  });
});

describe('perUserHoldout', () => {
  it('takes round(ratio·count) rows of each user, keeping one in train', () => {
    const [s] = perUserHoldout(0.3, 2)(data);
    expectPartition(data, s);
    const all = data.userCounts(),
      test = s.test.userCounts(),
      train = s.train.userCounts();
    for (let u = 0; u < data.nUsers; u++) {
      expect(test[u]).toBe(Math.max(0, Math.min(Math.round(0.3 * all[u]), all[u] - 1)));
      if (all[u] > 0) expect(train[u]).toBeGreaterThanOrEqual(1);
    }
    expect(keys(perUserHoldout(0.3, 2)(data)[0].test)).toEqual(keys(s.test));
    expect(keys(perUserHoldout(0.3, 3)(data)[0].test)).not.toEqual(keys(s.test));
  });

  it('takes a fixed count per user, and respects minTrain', () => {
    const small = Interactions.fromRecords([
      { user: 'a', item: 1 },
      { user: 'a', item: 2 },
      { user: 'a', item: 3 },
      { user: 'b', item: 1 },
      { user: 'c', item: 1 },
      { user: 'c', item: 2 },
    ]);
    const [s] = perUserHoldout(2, 0)(small);
    expect(Array.from(s.test.userCounts())).toEqual([2, 0, 1]);
    const [t] = perUserHoldout(2, 0, { minTrain: 0 })(small);
    expect(Array.from(t.test.userCounts())).toEqual([2, 1, 2]);
  });
});

/** A tiny timestamped set: user a at t=5,1,3,3 (two ties at 3), user b at t=2,9, user c once at t=7. */
function timed(): Interactions {
  return Interactions.fromRecords([
    { user: 'a', item: 'x', timestamp: 5 },
    { user: 'a', item: 'y', timestamp: 1 },
    { user: 'b', item: 'x', timestamp: 2 },
    { user: 'a', item: 'z', timestamp: 3 },
    { user: 'a', item: 'w', timestamp: 3 },
    { user: 'b', item: 'y', timestamp: 9 },
    { user: 'c', item: 'x', timestamp: 7 },
  ]);
}

describe('temporal splits', () => {
  it('globalTimeCut by quantile and by timestamp keeps every test row at or after every train row', () => {
    const d = timed();
    const [q] = globalTimeCut({ quantile: 0.5 })(d);
    // Sorted timestamps 1,2,3,3,5,7,9: position floor(0.5·7) = 3 → cut 3; ties at 3 go to test.
    expect(q.name).toBe('time cut at 3');
    expect(Array.from(q.test.timestamps!).sort()).toEqual([3, 3, 5, 7, 9]);
    const [t] = globalTimeCut({ timestamp: 6 })(d);
    expect(Math.max(...t.train.timestamps!)).toBeLessThan(Math.min(...t.test.timestamps!));
    expect(t.test.length).toBe(2);
    expectPartition(d, t);
  });

  it("perUserLastN takes each user's latest rows, ties broken by row order", () => {
    const d = timed();
    const [s] = perUserLastN(2)(d);
    const test = [...s.test.records()].map((r) => `${r.user}${r.item}`).sort();
    // a: latest are x (5) then the later-row tie at 3, w; b keeps one in train; c has a single row.
    expect(test).toEqual(['aw', 'ax', 'by']);
    const [all] = perUserLastN(5, { minTrain: 0 })(d);
    expect(all.test.length).toBe(7);
  });

  it('leaveLastOut leaves exactly the latest interaction of every user with ≥ 2 rows', () => {
    const [s] = leaveLastOut()(timed());
    expect([...s.test.records()].map((r) => `${r.user}${r.item}`).sort()).toEqual(['ax', 'by']);
    expect(s.name).toBe('leave-last-out');
    const big = synthetic({ users: 40, items: 30, interactions: 500, seed: 8 });
    const [b] = leaveLastOut()(big);
    expectPartition(big, b);
    const ts = big.timestamps!;
    const trainMax = new Float64Array(big.nUsers).fill(-Infinity);
    for (const r of b.train.records()) {
      const u = big.userIds.index(r.user, 'user');
      trainMax[u] = Math.max(trainMax[u], r.timestamp!);
    }
    for (const r of b.test.records()) expect(r.timestamp!).toBeGreaterThan(trainMax[big.userIds.index(r.user, 'user')]);
    expect(ts).not.toBeNull();
  });

  it('without timestamps, row order is time order for per-user splits; the global cut refuses', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 2 },
      { user: 'a', item: 1 },
    ]);
    expect([...leaveLastOut()(d)[0].test.records()][0].item).toBe(1);
    expect(() => globalTimeCut({ quantile: 0.5 })(d)).toThrow(/no timestamps/);
  });
});

describe('foldsFromAssignment', () => {
  it('tests each fold on exactly its rows', () => {
    const d = timed();
    const folds = Int32Array.from([1, 0, 2, 1, 0, 2, 0]);
    const splits = foldsFromAssignment(folds)(d);
    expect(splits).toHaveLength(3);
    expect(Array.from(splits[0].test.timestamps!)).toEqual([1, 3, 7]);
    expect(Array.from(splits[1].test.timestamps!)).toEqual([5, 3]);
    expect(Array.from(splits[2].train.timestamps!)).toEqual([5, 1, 3, 3, 7]);
    for (const s of splits) expectPartition(d, s);
  });

  it('reproduces kFold folds from their assignment', () => {
    const splits = kFold(3, 11)(data);
    const foldOf = new Int32Array(data.length);
    const index = new Map(keys(data).map((k, r) => [k, r]));
    splits.forEach((s, f) => keys(s.test).forEach((k) => (foldOf[index.get(k)!] = f)));
    const again = foldsFromAssignment(foldOf)(data);
    expect(again.map((s) => keys(s.test))).toEqual(splits.map((s) => keys(s.test)));
  });

  it('rejects negative or missing folds and a length mismatch', () => {
    expect(() => foldsFromAssignment(Int32Array.from([0, -1]))).toThrow(/negative/);
    expect(() => foldsFromAssignment(Int32Array.from([0, 2]))).toThrow(/fold 1 has no rows/);
    expect(() => foldsFromAssignment(Int32Array.from([0, 1]))(timed())).toThrow(/2 fold entries for 7 rows/);
  });
});

describe('stratifiedSplit', () => {
  it('keeps floor(ratio · n) rows of every item in train, deterministically', async () => {
    const { synthetic } = await import('./synthetic.js');
    const { stratifiedSplit } = await import('./splitters.js');
    const data = synthetic({ users: 60, items: 40, interactions: 1500, seed: 5 });
    const [s] = stratifiedSplit({ ratio: 0.75, by: 'item', seed: 42 })(data);
    expect(s.train.length + s.test.length).toBe(data.length);
    const all = data.itemCounts(),
      tr = s.train.itemCounts();
    for (let i = 0; i < data.nItems; i++) expect(tr[i]).toBe(Math.floor(0.75 * all[i]));
    const [again] = stratifiedSplit({ ratio: 0.75, by: 'item', seed: 42 })(data);
    expect(Array.from(again.test.users)).toEqual(Array.from(s.test.users));
    const [other] = stratifiedSplit({ ratio: 0.75, by: 'item', seed: 1 })(data);
    expect(Array.from(other.test.users)).not.toEqual(Array.from(s.test.users));
  });
});
