import { describe, expect, it } from 'vitest';
import { synthetic } from '../../data/synthetic.js';
import { createModel } from '../../models/registry.js';
import { Catalog } from '../catalog.js';
import type { Candidate } from '../candidate.js';
import { NeighbourIndex, type NeighbourFn } from '../neighbours.js';
import { LatestIndex, PopularityIndex } from '../ranked-index.js';
import { RequestState } from '../request-state.js';
import { CategoryCandidates } from './category.js';
import { ItemToItemCandidates } from './item-to-item.js';
import { LatestCandidates } from './latest.js';
import { mergeCandidates } from './merge.js';
import { ModelCandidates } from './model.js';
import { PopularCandidates } from './popular.js';

const DAY = 86_400_000;

/** Six items: a,b (x), c (x, y), d,e (y), f (no category); timestamps 1..6 days. */
function smallCatalog() {
  const c = new Catalog();
  const cats = [['x'], ['x'], ['x', 'y'], ['y'], ['y'], []];
  cats.forEach((cs, k) => c.upsert({ id: 'abcdef'[k], categories: cs, timestamp: (k + 1) * DAY, title: `T${k}` }));
  return c;
}

function stateFor(c: Catalog, now = 7 * DAY) {
  const s = new RequestState(c, new Uint8Array(c.size));
  s.now = now;
  return s;
}

function gen(g: { generate(s: RequestState, n: number, out: Candidate[]): void }, s: RequestState, n: number) {
  const out: Candidate[] = [];
  g.generate(s, n, out);
  return out;
}

describe('PopularCandidates', () => {
  it('ranks by count globally, skips blocked and zero-count items', () => {
    const c = smallCatalog();
    const pop = PopularityIndex.fromCounts(c, [5, 0, 9, 1, 7, 2]);
    const s = stateFor(c);
    s.block(4);
    const out = gen(new PopularCandidates(pop), s, 10);
    expect(out.map((x) => [x.item, x.score])).toEqual([
      [2, 9],
      [0, 5],
      [5, 2],
      [3, 1],
    ]);
    expect(out.every((x) => x.source === 'popular' && x.category === undefined)).toBe(true);
  });

  it('per category: the requested one, or round robin over the cold-start categories', () => {
    const c = smallCatalog();
    const pop = PopularityIndex.fromCounts(c, [5, 4, 9, 1, 7, 2]);
    const s = stateFor(c);
    s.category = c.categoryIndex('y');
    expect(gen(new PopularCandidates(pop), s, 10).map((x) => x.item)).toEqual([2, 4, 3]);
    const s2 = stateFor(c);
    s2.fallbackCategories = Int32Array.of(c.categoryIndex('x'), c.categoryIndex('y'));
    // x: 2, 0, 1 — y: 2, 4, 3; round robin skipping the duplicate 2.
    const out = gen(new PopularCandidates(pop), s2, 4);
    expect(out.map((x) => x.item)).toEqual([2, 4, 0, 3]);
    expect(out.map((x) => c.categoryName(x.category!))).toEqual(['x', 'y', 'x', 'y']);
  });
});

describe('LatestCandidates', () => {
  it('newest first with score 0.5^(age/halfLife); reaches items with no interactions', () => {
    const c = smallCatalog();
    const out = gen(new LatestCandidates(new LatestIndex(c), DAY), stateFor(c), 3);
    expect(out.map((x) => x.item)).toEqual([5, 4, 3]);
    expect(out.map((x) => x.score)).toEqual([0.5, 0.25, 0.125]);
  });
});

describe('ItemToItemCandidates', () => {
  it('sums recency-weighted similarities and records which positive each came from', () => {
    const c = smallCatalog();
    // Hand-made neighbours: a → b 0.75, c 0.5; d → c 0.8, e 0.4.
    const nb: NeighbourFn = (i) =>
      i === 0
        ? { indices: Int32Array.of(1, 2), scores: Float32Array.of(0.75, 0.5) }
        : i === 3
          ? { indices: Int32Array.of(2, 4), scores: Float32Array.of(0.8, 0.4) }
          : { indices: new Int32Array(0), scores: new Float32Array(0) };
    const s = stateFor(c, 10 * DAY);
    // a liked now (weight 1), d liked one half-life ago (weight 0.5).
    s.setPositives({ positives: [0, 3], positiveTimes: [10 * DAY, 9 * DAY] }, 10, DAY, 3);
    expect(Array.from(s.positiveWeights)).toEqual([1, 0.5]);
    const out = gen(new ItemToItemCandidates(nb, 10), s, 10);
    // c: 1·0.5 + 0.5·0.8 = 0.9 (a contributed 0.5, d 0.4); b: 0.75 (from a); e: 0.5·0.4 = 0.2 (from d).
    expect(out.map((x) => x.item)).toEqual([2, 1, 4]);
    expect(out[0].score).toBeCloseTo(0.9, 6);
    expect(out[1].score).toBeCloseTo(0.75, 6);
    expect(out[2].score).toBeCloseTo(0.2, 6);
    expect(out[0].because).toEqual([0, 3]);
    expect(out[2].because).toEqual([3]);
  });

  it('works from a real model through a NeighbourIndex', () => {
    const data = synthetic({ users: 80, items: 40, interactions: 1500, seed: 2 });
    const model = createModel('svd', { factors: 8, epochs: 10, seed: 1 }).fit(data);
    const cat = Catalog.alignedWith(model.training.itemIds);
    const index = NeighbourIndex.build(cat.size, 5, (i, k) =>
      model.knownItem(i)
        ? model.similarItems(cat.itemIds.id(i), k)
        : { indices: new Int32Array(0), scores: new Float32Array(0) },
    );
    const s = stateFor(cat);
    s.setPositives({ positives: [0] }, 10, DAY, 3);
    const out = gen(new ItemToItemCandidates(index.fn(), 5), s, 5);
    const expected = Array.from(model.similarItems('i0', 5).indices).filter(
      (_, k) => model.similarItems('i0', 5).scores[k] > 0,
    );
    expect(out.map((x) => x.item).sort()).toEqual(expected.sort());
    expect(out.every((x) => x.because![0] === 0)).toBe(true);
  });
});

describe('CategoryCandidates', () => {
  it('draws from favourite categories in proportion to affinity', () => {
    const c = smallCatalog();
    const pop = PopularityIndex.fromCounts(c, [5, 4, 9, 1, 7, 2]);
    const s = stateFor(c);
    // Positives a (x) and c (x, y): affinity x = 2, y = 1 → weights 1 and 0.5.
    s.setPositives({ positives: [0, 2] }, 10, DAY, 3);
    expect(Array.from(s.favouriteCategories, (k) => c.categoryName(k))).toEqual(['x', 'y']);
    expect(Array.from(s.favouriteWeights)).toEqual([1, 0.5]);
    s.block(0);
    s.block(2);
    const out = gen(new CategoryCandidates(pop, new LatestIndex(c), 'popular'), s, 3);
    // Shares: x round(3·1/1.5) = 2 → b (1·(1−0)), then nothing left in x; y round(3·0.5/1.5) = 1 → e (0.5).
    expect(out.map((x) => [x.item, x.score, c.categoryName(x.category!)])).toEqual([
      [1, 1, 'x'],
      [4, 0.5, 'y'],
    ]);
  });
});

describe('ModelCandidates', () => {
  it('matches model.recommendIndex and skips disallowed items', () => {
    const data = synthetic({ users: 60, items: 50, interactions: 1200, seed: 4 });
    const model = createModel('svd', { factors: 8, epochs: 10, seed: 1 }).fit(data);
    const cat = Catalog.alignedWith(model.training.itemIds);
    const s = stateFor(cat);
    s.userIndex = 3;
    const seen = model.training.seenIndices.subarray(model.training.seenIndptr[3], model.training.seenIndptr[4]);
    for (const i of seen) s.block(i);
    const out = gen(new ModelCandidates(model), s, 10);
    const ref = model.recommendIndex(3, { k: 10 });
    expect(out.map((x) => x.item)).toEqual(Array.from(ref.indices));
    // Hidden items disappear; unknown users produce nothing.
    cat.setHidden(ref.indices[0], true);
    expect(gen(new ModelCandidates(model), s, 10).map((x) => x.item)).not.toContain(ref.indices[0]);
    s.userIndex = -1;
    expect(gen(new ModelCandidates(model), s, 10)).toEqual([]);
  });

  it('scores only the pool when one is given', () => {
    const data = synthetic({ users: 60, items: 50, interactions: 1200, seed: 4 });
    const model = createModel('svd', { factors: 8, epochs: 10, seed: 1 }).fit(data);
    const cat = Catalog.alignedWith(model.training.itemIds);
    const s = stateFor(cat);
    s.userIndex = 3;
    const pool = Int32Array.of(1, 5, 7, 9);
    const out = gen(new ModelCandidates(model, pool), s, 10);
    expect(out.map((x) => x.item).sort()).toEqual([1, 5, 7, 9]);
    expect(out.map((x) => x.score)).toEqual([...out.map((x) => x.score)].sort((a, b) => b - a));
  });
});

describe('mergeCandidates', () => {
  it('blends min-max normalised scores by weight and keeps every reason', () => {
    const merged = mergeCandidates([
      {
        source: 'popular',
        weight: 0.5,
        candidates: [
          { item: 1, score: 100, source: 'popular' },
          { item: 2, score: 50, source: 'popular' },
          { item: 3, score: 0, source: 'popular' },
        ],
      },
      {
        source: 'item-to-item',
        weight: 1,
        candidates: [
          { item: 3, score: 0.8, source: 'item-to-item', because: [9] },
          { item: 2, score: 0.4, source: 'item-to-item', because: [8] },
        ],
      },
    ]);
    // popular norms: 1, 0.5, 0; i2i norms: item3 1, item2 0.
    // item3: 0 + 1 = 1; item1: 0.5; item2: 0.25 + 0 = 0.25.
    expect(merged.map((m) => [m.item, m.score])).toEqual([
      [3, 1],
      [1, 0.5],
      [2, 0.25],
    ]);
    expect(merged[0].reasons.map((r) => r.source)).toEqual(['popular', 'item-to-item']);
    expect(merged[0].reasons[1].because).toEqual([9]);
    expect(merged[0].reasons[1].contribution).toBe(1);
  });

  it('rank normalisation gives 1 − r/len', () => {
    const merged = mergeCandidates(
      [
        {
          source: 'latest',
          weight: 1,
          candidates: [
            { item: 1, score: 0.1, source: 'latest' },
            { item: 2, score: 0.9, source: 'latest' },
          ],
        },
      ],
      'rank',
    );
    expect(merged.map((m) => [m.item, m.score])).toEqual([
      [2, 1],
      [1, 0.5],
    ]);
  });
});
