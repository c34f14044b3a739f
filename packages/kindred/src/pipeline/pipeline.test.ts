import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { synthetic } from '../data/synthetic.js';
import { createModel } from '../models/registry.js';
import { Catalog } from './catalog.js';
import type { NeighbourFn } from './neighbours.js';
import { Pipeline, recommend, sessionRecommend } from './pipeline.js';
import { PopularityIndex } from './ranked-index.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;

/**
 * Twelve items a..l: a–f in 'x', g–l in 'y' (c and i in both); item k published k days before NOW − 1;
 * popularity counts 12 − k (a most popular).
 */
function handPipeline(config: ConstructorParameters<typeof Pipeline>[0]['config'] = {}, counts = true) {
  const catalog = new Catalog();
  const ids = 'abcdefghijkl';
  for (let k = 0; k < 12; k++)
    catalog.upsert({
      id: ids[k],
      categories: k === 2 || k === 8 ? ['x', 'y'] : [k < 6 ? 'x' : 'y'],
      timestamp: NOW - (k + 1) * DAY,
      title: `Title ${ids[k].toUpperCase()}`,
    });
  const popularity = PopularityIndex.fromCounts(catalog, counts ? Array.from({ length: 12 }, (_, k) => 12 - k) : []);
  // Neighbours: item k's neighbours are k+1 (0.9) and k+6 (0.5), modulo 12.
  const neighbours: NeighbourFn = (i) => ({
    indices: Int32Array.of((i + 1) % 12, (i + 6) % 12),
    scores: Float32Array.of(0.9, 0.5),
  });
  return new Pipeline({ catalog, popularity, neighbours, config });
}

describe('cold start', () => {
  it('serves popular items in the configured categories and says so', () => {
    const p = handPipeline({ coldStart: { categories: ['y'] }, rerank: { diversity: { lambda: 1 } } });
    const r = recommend(p, { userIndex: -1, n: 3, now: NOW });
    expect(r.fallback).toBe('popular');
    expect(r.items.map((x) => x.id)).toEqual(['c', 'g', 'h']);
    expect(r.items[0].explanation).toBe('Popular in y');
    expect(r.items[0].reason).toEqual({ source: 'popular', because: [], category: 'y', sources: ['popular'] });
  });

  it('falls back to the latest items when nothing is popular yet', () => {
    const p = handPipeline({ rerank: { diversity: { lambda: 1 } } }, false);
    const r = recommend(p, { n: 3, now: NOW });
    expect(r.fallback).toBe('latest');
    expect(r.items.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(r.items.map((x) => x.explanation)).toEqual(['New this week', 'New this week', 'New this week']);
    // Item h is 8 days old: still "new" but not this week.
    const older = recommend(p, { n: 10, now: NOW }).items.find((x) => x.id === 'h')!;
    expect(older.explanation).toBe('New arrival');
  });

  it('the configured fallback can be latest', () => {
    const p = handPipeline({ coldStart: { fallback: 'latest' } });
    expect(recommend(p, { n: 2, now: NOW }).fallback).toBe('latest');
  });

  it('a user with recent positives is not cold', () => {
    const p = handPipeline();
    expect(recommend(p, { context: { positives: [0] }, n: 2, now: NOW }).fallback).toBeNull();
  });
});

describe('explanations and provenance', () => {
  it('says which liked item led to an item-to-item recommendation', () => {
    const p = handPipeline({
      candidates: { popular: { n: 0 }, latest: { n: 0 }, category: { n: 0 } },
      rerank: { diversity: { lambda: 1 } },
    });
    const r = recommend(p, { context: { positives: [0, 3], positiveTimes: [NOW, NOW - 7 * DAY] }, n: 4, now: NOW });
    // a (weight 1) → b 0.9, g 0.5; d (weight 0.5 after one 7-day half-life) → e 0.45, j 0.25.
    expect(r.items.map((x) => x.id)).toEqual(['b', 'g', 'e', 'j']);
    expect(r.items[0].explanation).toBe('Because you liked Title A');
    expect(r.items[0].reason).toEqual({ source: 'item-to-item', because: ['a'], sources: ['item-to-item'] });
    expect(r.items[2].explanation).toBe('Because you liked Title D');
  });

  it('names the favourite category and keeps every source of an item', () => {
    const p = handPipeline({ rerank: { diversity: { lambda: 1 } } });
    const r = recommend(p, { context: { positives: [6, 7] }, n: 12, now: NOW });
    const all = r.items.flatMap((x) => x.reason.sources);
    expect(new Set(all)).toEqual(new Set(['item-to-item', 'popular', 'latest', 'category']));
    const cat = r.items.find((x) => x.reason.source === 'category');
    expect(cat?.explanation).toBe('Because you like y');
    // Popular items are explained by something specific when there is one (their newness here), never generically.
    expect(r.items.map((x) => x.explanation)).not.toContain('Popular right now');
    expect(r.items.map((x) => x.explanation)).toContain('New this week');
    // Several sources for one item: its reason lists them all.
    expect(r.items.some((x) => x.reason.sources.length >= 3)).toBe(true);
  });

  it('uses custom templates', () => {
    const p = handPipeline({ explanations: { popular: 'Trending' }, rerank: { diversity: { lambda: 1 } } });
    expect(recommend(p, { n: 1, now: NOW }).items[0].explanation).toBe('Trending');
  });
});

describe('rules, exclusions and pagination', () => {
  it('never returns seen, negative, excluded or hidden items', () => {
    const p = handPipeline();
    p.catalog.hide('e');
    const r = recommend(p, {
      context: { seen: [1], positives: [0], negatives: [6], excluded: ['c'] },
      exclude: ['d'],
      n: 12,
      now: NOW,
    });
    const ids = r.items.map((x) => x.id);
    for (const bad of ['a', 'b', 'c', 'd', 'e', 'g']) expect(ids).not.toContain(bad);
    expect(ids.length).toBe(6);
    // The scratch mask is cleared: the next request may see them again.
    expect(recommend(p, { context: { positives: [5] }, n: 12, now: NOW }).items.map((x) => x.id)).toContain('b');
  });

  it('pages concatenate to the full list (with MMR on)', () => {
    const p = handPipeline({ rerank: { diversity: { lambda: 0.5 } } });
    const req = { context: { positives: [0, 6] }, now: NOW };
    const full = recommend(p, { ...req, n: 9 }).items.map((x) => x.id);
    const pages = [0, 3, 6].flatMap((offset) => recommend(p, { ...req, n: 3, offset }).items.map((x) => x.id));
    expect(pages).toEqual(full);
    expect(new Set(full).size).toBe(9);
    expect(recommend(p, { ...req, n: 5, offset: 20 }).items).toEqual([]);
  });

  it('pins, boosts, buries and filters by category', () => {
    const p = handPipeline({
      rerank: {
        diversity: { lambda: 1 },
        pins: [{ item: 'l', position: 1 }],
        boosts: [{ category: 'y', multiply: 0 }],
        excludeCategories: [],
      },
    });
    const r = recommend(p, { n: 4, now: NOW, context: { positives: [0] } });
    expect(r.items[1].id).toBe('l');
    expect(r.items[1].explanation).toBe('Featured');
    expect(r.items[1].reason.source).toBe('pinned');
    // Buried: every y-only item scores 0 and sinks below the x items.
    const scores = new Map(recommend(p, { n: 12, now: NOW }).items.map((x) => [x.id, x.score]));
    expect(scores.get('h')).toBe(0);
    expect(scores.get('b')!).toBeGreaterThan(0);
    const onlyY = recommend(p, { n: 12, now: NOW, category: 'y' }).items.map((x) => x.id);
    expect(onlyY.every((id) => 'cghijkl'.includes(String(id)))).toBe(true);
    expect(recommend(p, { n: 5, now: NOW, category: 'nope' }).items).toEqual([]);
  });

  it('rejects bad requests naming the field', () => {
    const p = handPipeline();
    expect(() => recommend(p, { n: -1 })).toThrow(InvalidParameterError);
    expect(() => recommend(p, { n: 10, offset: 1.5 })).toThrow(/offset/);
    expect(() => recommend(p, { n: 400, offset: 200 })).toThrow(/maxResults/);
    expect(() => p.setConfig({ rerank: { diversity: { similarity: 'vector' } } })).not.toThrow();
    expect(() => recommend(p, { n: 3 })).toThrow(/item vectors/);
  });
});

describe('end to end with a real model', () => {
  const data = synthetic({ users: 300, items: 120, interactions: 6000, seed: 11 });
  const model = createModel('svd', { factors: 10, epochs: 15, seed: 1 }).fit(data);

  function pipeline(config: ConstructorParameters<typeof Pipeline>[0]['config'] = {}) {
    const catalog = Catalog.alignedWith(model.training.itemIds);
    for (let i = 0; i < catalog.size; i++)
      catalog.upsert({ id: catalog.itemIds.id(i), categories: [`g${i % 5}`], timestamp: i * DAY });
    return new Pipeline({ catalog, model, config });
  }

  it('with only the model generator and model weight 1 it equals model.recommendIndex', () => {
    const p = pipeline({
      candidates: { itemToItem: { n: 0 }, popular: { n: 0 }, latest: { n: 0 }, category: { n: 0 } },
      ranking: { modelWeight: 1, candidateWeight: 0 },
      rerank: { diversity: { lambda: 1 } },
    });
    for (const u of [0, 5, 42]) {
      const r = recommend(p, { userIndex: u, n: 10, now: 0 });
      expect(r.fallback).toBeNull();
      expect(r.items.map((x) => x.index)).toEqual(Array.from(model.recommendIndex(u, { k: 10 }).indices));
      expect(r.items.every((x) => x.explanation === 'Recommended for you')).toBe(true);
    }
  });

  it('blends every source, excludes training items, is deterministic, and diversifies', () => {
    const p = pipeline();
    const u = 7;
    const s = model.training;
    const seen = new Set(s.seenIndices.subarray(s.seenIndptr[u], s.seenIndptr[u + 1]));
    const req = { userIndex: u, context: { positives: [...seen].slice(0, 3) }, n: 10, now: 200 * DAY };
    const a = recommend(p, req);
    expect(a.items).toHaveLength(10);
    expect(a.items.some((x) => seen.has(x.index))).toBe(false);
    expect(recommend(p, req)).toEqual(a);
    const sources = new Set(a.items.flatMap((x) => x.reason.sources));
    expect(sources.has('model')).toBe(true);
    expect(sources.has('item-to-item')).toBe(true);
    // MMR at λ = 0.3 spreads the top 10 over more categories than no diversity does.
    const cats = (r: typeof a) => new Set(r.items.map((x) => x.index % 5)).size;
    p.setConfig({ rerank: { diversity: { lambda: 0.3 } } });
    const diverse = recommend(p, req);
    p.setConfig({ rerank: { diversity: { lambda: 1 } } });
    expect(cats(diverse)).toBeGreaterThanOrEqual(cats(recommend(p, req)));
    expect(cats(diverse)).toBe(5);
  });

  it('reaches a brand-new item through the latest path, and cosine MMR uses the factors', () => {
    const p = pipeline({
      candidates: { latest: { weight: 3 } },
      rerank: { diversity: { lambda: 0.7, similarity: 'vector' } },
    });
    const fresh = p.catalog.upsert({ id: 'brand-new', categories: ['g0'], timestamp: 200 * DAY, title: 'Fresh' });
    const r = recommend(p, { userIndex: 3, n: 10, now: 200 * DAY });
    const hit = r.items.find((x) => x.index === fresh);
    expect(hit).toBeDefined();
    expect(hit!.explanation).toBe('New this week');
  });

  it('session recommendations use recent feedback only', () => {
    const p = pipeline({ rerank: { diversity: { lambda: 1 } } });
    const r = sessionRecommend(p, { positives: [4, 9] }, { n: 10, now: 0 });
    expect(r.fallback).toBeNull();
    expect(r.items).toHaveLength(10);
    for (const x of r.items) expect(['item-to-item', 'popular']).toContain(x.reason.source);
    expect(r.items[0].reason.source).toBe('item-to-item');
    expect(r.items[0].explanation).toMatch(/^Because you liked i(4|9)$/);
    expect(sessionRecommend(p, {}, { n: 3, now: 0 }).fallback).toBe('popular');
  });

  it('works with an item-based kNN model from the registry', () => {
    const knn = createModel('knn-baseline', { userBased: false, k: 20 }).fit(data);
    const catalog = Catalog.alignedWith(knn.training.itemIds);
    const p = new Pipeline({ catalog, model: knn });
    const r = recommend(p, { userIndex: 1, context: { positives: [2] }, n: 5, now: 0 });
    expect(r.items).toHaveLength(5);
    expect(r.items[0].reason.sources).toContain('model');
    // Its similarity matrix feeds item-to-item: the session's first pick is item 2's nearest allowed neighbour.
    const s = sessionRecommend(p, { positives: [2] }, { n: 3, now: 0 });
    expect(s.items[0].index).toBe(knn.similarItems('i2', 1).indices[0]);
    expect(s.items[0].reason).toMatchObject({ source: 'item-to-item', because: ['i2'] });
  });
});
