import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { InvalidParameterError } from '../../errors.js';
import {
  catalogCoverage,
  cosineDistance,
  coverageMetric,
  diversityMetric,
  giniIndex,
  giniMetric,
  incidenceCosineDistance,
  intraListDiversity,
  novelty,
  noveltyMetric,
} from './beyond.js';
import type { RecommendationLists } from './metric.js';

// The worked example of beyond.ts: lists [[0, 1, 2], [1, 2, 3], [2, 4]] over a catalogue of 10 items.
const lists: RecommendationLists = { indptr: Int32Array.of(0, 3, 6, 8), items: Int32Array.of(0, 1, 2, 1, 2, 3, 2, 4) };

describe('beyond-accuracy metrics: worked examples', () => {
  it('coverage: 5 of 10 items; 3 of 10 at k = 1', () => {
    expect(catalogCoverage(lists, 10)).toBe(0.5);
    expect(catalogCoverage(lists, 10, 1)).toBeCloseTo(0.3, 15);
    expect(coverageMetric(1).compute(lists, { catalogSize: 10 })).toBeCloseTo(0.3, 15);
    expect(coverageMetric(10).name).toBe('coverage@10');
  });

  it('novelty: 14 bits over 8 entries', () => {
    const pop = Int32Array.of(8, 4, 2, 1, 1, 0, 0, 0, 0, 0);
    expect(novelty(lists, pop, 8)).toBe(1.75);
    expect(noveltyMetric().compute(lists, { catalogSize: 10, itemPopularity: pop, nUsers: 8 })).toBe(1.75);
    // k = 1: items 0, 1, 2 → (0 + 1 + 2) / 3.
    expect(novelty(lists, pop, 8, 1)).toBe(1);
    // Items unseen in training are left out rather than infinite.
    expect(novelty(lists, Int32Array.of(8, 4, 2, 1, 0), 8)).toBeCloseTo(11 / 7, 15);
    expect(() => noveltyMetric().compute(lists, { catalogSize: 10 })).toThrow(InvalidParameterError);
  });

  it('intra-list diversity with cosine distance on 2-d vectors', () => {
    const d = cosineDistance(Float64Array.of(1, 0, 0, 1, 1, 1, 1, 0, -1, 0), 2);
    expect(d(0, 1)).toBeCloseTo(1, 15);
    expect(d(0, 3)).toBeCloseTo(0, 15);
    expect(d(2, 4)).toBeCloseTo(1 + Math.SQRT1_2, 15);
    expect(intraListDiversity(lists, d)).toBeCloseTo(0.9214325798681614, 12);
    expect(diversityMetric().compute(lists, { catalogSize: 10, distance: d })).toBeCloseTo(0.9214325798681614, 12);
    // With k = 1 no list has a pair.
    expect(intraListDiversity(lists, d, 1)).toBe(0);
    // A pluggable distance: the constant 1 gives 1.
    expect(intraListDiversity(lists, () => 1)).toBe(1);
  });

  it('Gini of exposure: 50 / 80', () => {
    expect(giniIndex(lists, 10)).toBe(0.625);
    expect(giniMetric().compute(lists, { catalogSize: 10 })).toBe(0.625);
  });
});

describe('beyond-accuracy metrics: invariants', () => {
  it('Gini is 0 for even exposure and (n−1)/n when one item takes everything', () => {
    const even: RecommendationLists = { indptr: Int32Array.of(0, 2, 4), items: Int32Array.of(0, 1, 2, 3) };
    expect(giniIndex(even, 4)).toBe(0);
    const one: RecommendationLists = { indptr: Int32Array.of(0, 1, 2, 3), items: Int32Array.of(2, 2, 2) };
    expect(giniIndex(one, 4)).toBeCloseTo(3 / 4, 15);
    // Never-recommended catalogue items raise inequality.
    expect(giniIndex(even, 8)).toBeGreaterThan(giniIndex(even, 4));
  });

  it('coverage is 1 when every catalogue item is shown', () => {
    const all: RecommendationLists = { indptr: Int32Array.of(0, 2, 4), items: Int32Array.of(0, 1, 2, 3) };
    expect(catalogCoverage(all, 4)).toBe(1);
  });

  it('incidence cosine distance: 1 − |common users| / √(|U_a||U_b|)', () => {
    // Users of item a: u0, u1, u2; of item b: u1, u2; of item c: u3 (a duplicate row of u3 must not count twice).
    const data = Interactions.fromRecords([
      { user: 'u0', item: 'a' },
      { user: 'u1', item: 'a' },
      { user: 'u2', item: 'a' },
      { user: 'u1', item: 'b' },
      { user: 'u2', item: 'b' },
      { user: 'u3', item: 'c' },
      { user: 'u3', item: 'c' },
    ]);
    const d = incidenceCosineDistance(data);
    expect(d(0, 1)).toBeCloseTo(1 - 2 / Math.sqrt(6), 15);
    expect(d(0, 2)).toBe(1);
    expect(d(2, 2)).toBeCloseTo(0, 15);
    expect(d(1, 0)).toBe(d(0, 1));
  });
});
