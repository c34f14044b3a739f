import { describe, expect, it } from 'vitest';
import { Rng } from '../math/rng.js';
import { IdMap } from '../data/id-map.js';
import { Catalog } from './catalog.js';
import { LatestIndex, PopularityIndex } from './ranked-index.js';
import { TagSets } from './tag-sets.js';
import { TopList } from './top-list.js';

describe('TagSets', () => {
  it('keeps sorted per-row sets and the inverse lists through updates and compaction', () => {
    const t = new TagSets();
    const a = t.intern('a'),
      b = t.intern('b'),
      c = t.intern('c');
    t.set(0, [c, a]);
    t.set(1, [b]);
    expect(Array.from(t.get(0))).toEqual([a, c]);
    expect(t.has(0, c)).toBe(true);
    expect(t.has(0, b)).toBe(false);
    t.add(1, a);
    expect([...t.rowsWith(a)].sort()).toEqual([0, 1]);
    t.set(0, [b]);
    expect([...t.rowsWith(a)]).toEqual([1]);
    expect([...t.rowsWith(b)].sort()).toEqual([0, 1]);
    t.compact();
    expect(Array.from(t.get(0))).toEqual([b]);
    expect(Array.from(t.get(1))).toEqual([a, b]);
    expect(t.get(99).length).toBe(0);
  });
});

describe('Catalog', () => {
  it('upserts items aligned with an id map, without touching the original map', () => {
    const ids = IdMap.from(['i0', 'i1']);
    const cat = Catalog.alignedWith(ids);
    expect(cat.upsert({ id: 'i1', categories: ['Drama', 'Comedy'], timestamp: 5, title: 'One' })).toBe(1);
    expect(cat.upsert({ id: 'new', categories: ['Comedy'], labels: { brand: 'acme' } })).toBe(2);
    expect(ids.size).toBe(2);
    expect(cat.size).toBe(3);
    expect(cat.title(1)).toBe('One');
    expect(cat.title(0)).toBe('i0');
    expect(cat.timestamp(1)).toBe(5);
    expect(Number.isNaN(cat.timestamp(0))).toBe(true);
    expect(Array.from(cat.categoriesOf(1), (c) => cat.categoryName(c)).sort()).toEqual(['Comedy', 'Drama']);
    expect(cat.labels.has(2, cat.labelIndex('brand=acme'))).toBe(true);
    // A partial upsert keeps the other fields.
    cat.upsert({ id: 'i1', hidden: true });
    expect(cat.isHidden(1)).toBe(true);
    expect(cat.timestamp(1)).toBe(5);
    cat.hide('i1', false);
    expect(cat.isHidden(1)).toBe(false);
    cat.addCategory(0, 'Drama');
    expect([...cat.categories.rowsWith(cat.categoryIndex('Drama'))].sort()).toEqual([0, 1]);
    expect(() => cat.addCategory(9, 'x')).toThrow(/out of range/);
  });

  it('lists the items of a category in ascending order, following category changes', () => {
    const c = Catalog.fromItems([
      { id: 'a', categories: ['x', 'y'] },
      { id: 'b', categories: ['y'] },
      { id: 'c', categories: ['x'] },
    ]);
    const x = c.categoryIndex('x'),
      y = c.categoryIndex('y');
    expect(Array.from(c.categoryMembers(x))).toEqual([0, 2]);
    expect(Array.from(c.categoryMembers(y))).toEqual([0, 1]);
    c.upsert({ id: 'd', categories: ['y'] });
    c.setCategories(0, ['y']); // a leaves x
    c.addCategory(1, 'x');
    expect(Array.from(c.categoryMembers(x))).toEqual([1, 2]);
    expect(Array.from(c.categoryMembers(y))).toEqual([0, 1, 3]);
    c.upsert({ id: 'b', categories: [] });
    expect(Array.from(c.categoryMembers(x))).toEqual([2]);
    expect(Array.from(c.categoryMembers(y))).toEqual([0, 3]);
    // Every member agrees with the per-item sets.
    for (const cat of [x, y])
      for (let i = 0; i < c.size; i++) expect(c.categoryMembers(cat).includes(i)).toBe(c.categories.has(i, cat));
  });

  it('grows its per-item arrays past the initial capacity', () => {
    const cat = new Catalog();
    for (let k = 0; k < 100; k++) cat.upsert({ id: `x${k}`, timestamp: k, hidden: k % 2 === 0 });
    expect(cat.timestamp(99)).toBe(99);
    expect(cat.isHidden(98)).toBe(true);
    expect(cat.isHidden(99)).toBe(false);
  });
});

describe('TopList', () => {
  it('stays equal to a full sort while keys only grow', () => {
    const rng = new Rng(3);
    const n = 300;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = rng.int(20);
    const t = new TopList(25);
    t.rebuild(keys, null, n);
    for (let step = 0; step < 2000; step++) {
      const i = rng.int(n);
      keys[i] += rng.int(3);
      t.offer(i, keys);
    }
    const expected = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => keys[b] - keys[a] || a - b)
      .slice(0, 25);
    expect(Array.from(t.items.subarray(0, t.size))).toEqual(expected);
    expect(t.stale).toBe(false);
  });

  it('marks itself stale when a full list loses a member', () => {
    const keys = new Float64Array([5, 4, 3, 2]);
    const t = new TopList(2);
    t.rebuild(keys, null, 4);
    expect(Array.from(t.items.subarray(0, t.size))).toEqual([0, 1]);
    t.remove(0);
    expect(t.stale).toBe(true);
    keys[1] = 0;
    t.rebuild(keys, null, 4);
    expect(Array.from(t.items.subarray(0, t.size))).toEqual([0, 2]);
  });
});

describe('PopularityIndex and LatestIndex', () => {
  function catalog() {
    const c = new Catalog();
    c.upsert({ id: 'a', categories: ['x'], timestamp: 10 });
    c.upsert({ id: 'b', categories: ['x', 'y'], timestamp: 30 });
    c.upsert({ id: 'c', categories: ['y'], timestamp: 20 });
    return c;
  }
  const top = (t: { items: Int32Array; size: number }) => Array.from(t.items.subarray(0, t.size));

  it('follows incremental counts globally and per category', () => {
    const c = catalog();
    const pop = PopularityIndex.fromCounts(c, [1, 2, 3]);
    const x = c.categoryIndex('x'),
      y = c.categoryIndex('y');
    expect(top(pop.top())).toEqual([2, 1, 0]);
    expect(top(pop.top(x))).toEqual([1, 0]);
    pop.add(0, 5);
    expect(top(pop.top())).toEqual([0, 2, 1]);
    expect(top(pop.top(x))).toEqual([0, 1]);
    // A new item enters with 0 interactions and joins its category lists when it gets a category.
    const d = c.upsert({ id: 'd', categories: ['y'] });
    pop.add(d, 10);
    expect(top(pop.top(y))).toEqual([d, 2, 1]);
    c.setCategories(d, ['x']);
    expect(top(pop.top(y))).toEqual([2, 1]);
    expect(top(pop.top(x))).toEqual([d, 0, 1]);
  });

  it('orders by timestamp and follows timestamp updates', () => {
    const c = catalog();
    const latest = new LatestIndex(c);
    expect(top(latest.top())).toEqual([1, 2, 0]);
    c.setTimestamp(0, 99);
    expect(top(latest.top())).toEqual([0, 1, 2]);
    const e = c.upsert({ id: 'e', categories: ['y'], timestamp: 50 });
    expect(top(latest.top(c.categoryIndex('y')))).toEqual([e, 1, 2]);
    c.setTimestamp(e, 1); // a decrease: the list is re-sorted (and rebuilt if full)
    expect(top(latest.top(c.categoryIndex('y')))).toEqual([1, 2, e]);
    latest.detach();
    c.setTimestamp(2, 1000);
    expect(top(latest.top())[0]).not.toBe(2);
  });
});
