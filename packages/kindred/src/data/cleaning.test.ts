import { describe, expect, it } from 'vitest';
import { binarize, compactIds, dedupe, filterByValue, filterMinCounts, kCore } from './cleaning.js';
import { Interactions } from './interactions.js';
import { synthetic } from './synthetic.js';

function pairs(data: Interactions): string[] {
  return [...data.records()].map((r) => `${r.user}${r.item}`);
}

/**
 * Users a,b,c rate items; item 3 is rated only by c, c rates 3 items, d rates one item.
 *   a: 1 2      b: 1 2      c: 1 3      d: 2
 */
const grid = Interactions.fromRecords(
  ['a1', 'a2', 'b1', 'b2', 'c1', 'c3', 'd2'].map((p, k) => ({ user: p[0], item: p[1], value: k + 1 })),
);

describe('filterMinCounts / kCore', () => {
  it('one pass drops rows of rare users and items counted on the input', () => {
    // Item 3 has 1 row, user d has 1 row: drop c3 and d2. c then has only 1 row, but one pass keeps it.
    const once = filterMinCounts(grid, { minUser: 2, minItem: 2 });
    expect(pairs(once)).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect(once.userIds).toBe(grid.userIds);
  });

  it('iterative filtering reaches the k-core', () => {
    expect(pairs(kCore(grid, 2))).toEqual(['a1', 'a2', 'b1', 'b2']);
    const data = synthetic({ users: 80, items: 60, interactions: 1500, seed: 2 });
    const core = kCore(data, 8);
    const uc = core.userCounts(),
      ic = core.itemCounts();
    for (const c of uc) expect(c === 0 || c >= 8).toBe(true);
    for (const c of ic) expect(c === 0 || c >= 8).toBe(true);
    expect(core.length).toBeLessThan(data.length);
    // The core is maximal: re-running changes nothing.
    expect(kCore(core, 8).length).toBe(core.length);
  });

  it('rejects bad minimums', () => {
    expect(() => filterMinCounts(grid, { minUser: -1 })).toThrow(/minUser/);
  });
});

describe('value filters', () => {
  it('filterByValue keeps [min, max]; binarize keeps value ≥ threshold as 1', () => {
    expect(pairs(filterByValue(grid, { min: 3, max: 5 }))).toEqual(['b1', 'b2', 'c1']);
    const pos = binarize(grid, { threshold: 6 });
    expect(pairs(pos)).toEqual(['c3', 'd2']);
    expect(Array.from(pos.values)).toEqual([1, 1]);
    expect(Array.from(grid.values)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('dedupe and compactIds', () => {
  it('dedupe merges repeated pairs by policy', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 1, value: 2 },
      { user: 'a', item: 1, value: 4 },
      { user: 'b', item: 1, value: 1 },
    ]);
    expect(Array.from(dedupe(d, 'max').values)).toEqual([4, 1]);
    expect(dedupe(d, 'keep')).toBe(d);
  });

  it('compactIds renumbers to the ids that have rows', () => {
    const core = kCore(grid, 2);
    expect(core.nUsers).toBe(4);
    const c = compactIds(core);
    expect(c.userIds.ids()).toEqual(['a', 'b']);
    expect(c.itemIds.ids()).toEqual(['1', '2']);
    expect(pairs(c)).toEqual(pairs(core));
  });
});
