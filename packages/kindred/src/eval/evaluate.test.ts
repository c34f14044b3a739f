import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { InvalidParameterError } from '../errors.js';
import { evaluateRanking } from './evaluate-ranking.js';
import { evaluateRatings } from './evaluate-ratings.js';
import { Popularity, UserMean } from './test-models.case.js';

/** Splits records into train/test sharing one pair of id maps (rows flagged test go to test). */
function handSplit(rows: [string, string, number, boolean][]): { train: Interactions; test: Interactions } {
  const all = Interactions.fromRecords(rows.map(([user, item, value]) => ({ user, item, value })));
  const trainRows: number[] = [],
    testRows: number[] = [];
  rows.forEach((r, k) => (r[3] ? testRows : trainRows).push(k));
  return { train: all.subset(trainRows), test: all.subset(testRows) };
}

describe('evaluateRatings', () => {
  // u0 rates 4 and 2 (mean 3), u1 rates 5 (mean 5); global mean 11/3. u2 appears only in the test set.
  const { train, test } = handSplit([
    ['u0', 'i0', 4, false],
    ['u0', 'i1', 2, false],
    ['u1', 'i0', 5, false],
    ['u0', 'i2', 1, true],
    ['u1', 'i1', 4, true],
    ['u2', 'i0', 3, true],
  ]);

  it('predicts every test row; a test-only user gets the fallback and counts as impossible', () => {
    const m = new UserMean().fit(train);
    const r = evaluateRatings(m, test);
    expect(Array.from(r.predicted)).toEqual([3, 5, 11 / 3]);
    expect(Array.from(r.actual)).toEqual([1, 4, 3]);
    expect(r.count).toBe(3);
    expect(r.impossible).toBe(1);
    // errors 2, 1, 2/3
    expect(r.metrics.mae).toBeCloseTo((2 + 1 + 2 / 3) / 3, 14);
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt((4 + 1 + 4 / 9) / 3), 14);
    expect(Object.keys(r.metrics)).toEqual(['rmse', 'mae']);
  });

  it('the allocation-free path gives the same predictions without the count', () => {
    const m = new UserMean().fit(train);
    const r = evaluateRatings(m, test, { countImpossible: false, metrics: ['mae'] });
    expect(Array.from(r.predicted)).toEqual([3, 5, 11 / 3]);
    expect(r.impossible).toBe(-1);
    expect(Object.keys(r.metrics)).toEqual(['mae']);
  });

  it('rejects ranking metrics', () => {
    expect(() => evaluateRatings(new UserMean().fit(train), test, { metrics: ['ndcg'] })).toThrow(
      InvalidParameterError,
    );
  });
});

describe('evaluateRanking', () => {
  // Train popularity: i0 = 3, i1 = i2 = i4 = 1 (catalogue of 4 items, 3 training users). u3 is test-only (cold).
  const { train, test } = handSplit([
    ['u0', 'i0', 1, false],
    ['u0', 'i1', 1, false],
    ['u1', 'i0', 1, false],
    ['u1', 'i2', 1, false],
    ['u2', 'i0', 1, false],
    ['u2', 'i4', 1, false],
    ['u0', 'i2', 5, true],
    ['u0', 'i3', 2, true],
    ['u1', 'i1', 4, true],
    ['u3', 'i0', 5, true],
    ['u2', 'i5', 1, true],
  ]);
  const id = (name: string): number => train.itemIds.index(name);

  it('hand-computed protocol values at k = 2', () => {
    // u0 (seen i0, i1): list [i2, i4] against {i2, i3}; u1 (seen i0, i2): list [i1, i4] against {i1};
    // u2 (seen i0, i4): list [i1, i2] against {i5}; u3 is cold and skipped.
    const m = new Popularity().fit(train);
    const r = evaluateRanking(m, train, test, {
      k: 2,
      metrics: ['precision', 'recall', 'ndcg', 'map', 'mrr', 'hit', 'auc', 'coverage', 'novelty', 'gini'],
      keepLists: true,
      keepPerUser: true,
    });
    expect(r.users).toBe(3);
    expect(r.skipped).toEqual({ noRelevant: 0, cold: 1 });
    expect(Array.from(r.lists!.items)).toEqual([id('i2'), id('i4'), id('i1'), id('i4'), id('i1'), id('i2')]);
    const x = r.metrics;
    expect(x['precision@2']).toBeCloseTo((0.5 + 0.5 + 0) / 3, 15);
    expect(x['recall@2']).toBeCloseTo((0.5 + 1 + 0) / 3, 15);
    const ndcgU0 = 1 / (1 + 1 / Math.log2(3));
    expect(x['ndcg@2']).toBeCloseTo((ndcgU0 + 1 + 0) / 3, 15);
    expect(x['map@2']).toBeCloseTo((0.5 + 1 + 0) / 3, 15);
    expect(x['mrr@2']).toBeCloseTo(2 / 3, 15);
    expect(x['hit@2']).toBeCloseTo(2 / 3, 15);
    // AUC over unseen items: u0 {i2:1, i3:0} vs {i4:1, i5:0} → 2/4; u1 {i1:1} vs {i3:0, i4:1, i5:0} → 2.5/3;
    // u2 {i5:0} vs {i1:1, i2:1, i3:0} → 0.5/3.
    expect(x.auc).toBeCloseTo((0.5 + 2.5 / 3 + 0.5 / 3) / 3, 15);
    // Lists show i1, i2, i4 of the 4 training items; all have 1 training user of 3.
    expect(x['coverage@2']).toBe(0.75);
    expect(x['novelty@2']).toBeCloseTo(Math.log2(3), 14);
    // Exposures over the catalogue of 4: [i0: 0, i1: 2, i2: 2, i4: 2] → sorted [0, 2, 2, 2], total 6:
    // (−1·2 + 1·2 + 3·2) / (4 · 6) = 0.25.
    expect(x['gini@2']).toBeCloseTo(0.25, 15);
    expect(Array.from(r.perUser!.users)).toEqual([0, 1, 2]);
    expect(Array.from(r.perUser!.values['recall@2'])).toEqual([0.5, 1, 0]);
  });

  it('a relevance threshold drops low-rated test items; users left without any are skipped', () => {
    const m = new Popularity().fit(train);
    const r = evaluateRanking(m, train, test, { k: 2, metrics: ['recall'], relevanceThreshold: 4 });
    // u0 keeps only i2 (5): list [i2, i4] → recall 1; u1 keeps i1 (4) → 1; u2's only test item is rated 1.
    expect(r.users).toBe(2);
    expect(r.skipped).toEqual({ noRelevant: 1, cold: 1 });
    expect(r.metrics['recall@2']).toBe(1);
  });

  it('cold users can be included: they get the popularity fallback', () => {
    const m = new Popularity().fit(train);
    const r = evaluateRanking(m, train, test, { k: 1, metrics: ['hit'], skipColdUsers: false, keepPerUser: true });
    expect(r.users).toBe(4);
    // u3's fallback list starts with the most popular item, i0, which is its test item.
    expect(r.perUser!.values['hit@1'][3]).toBe(1);
  });

  it('list length follows the largest k; seen items can be kept', () => {
    const m = new Popularity().fit(train);
    const r = evaluateRanking(m, train, test, { k: 1, metrics: ['precision', 'recall@3'], keepLists: true });
    expect(r.lists!.indptr[1] - r.lists!.indptr[0]).toBe(3);
    const withSeen = evaluateRanking(m, train, test, { k: 1, metrics: ['hit'], excludeSeen: false, keepLists: true });
    // Without exclusion everybody's top item is the popular, already-seen i0.
    expect(Array.from(withSeen.lists!.items)).toEqual([id('i0'), id('i0'), id('i0')]);
    expect(withSeen.metrics['hit@1']).toBe(0);
  });

  it('a perfect ranker scores 1 on NDCG and recall; precision ≤ 1', () => {
    // An oracle that peeks at the test set: a test item of the user scores 1, anything else 0.
    class Oracle extends Popularity {
      override score(u: number, i: number): number {
        const csr = test.byUser();
        for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) if (csr.indices[p] === i) return 1;
        return 0;
      }
    }
    const r = evaluateRanking(new Oracle().fit(train), train, test, {
      k: 5,
      metrics: ['ndcg', 'recall', 'precision', 'auc'],
    });
    expect(r.metrics['ndcg@5']).toBeCloseTo(1, 15);
    expect(r.metrics['recall@5']).toBe(1);
    expect(r.metrics.auc).toBe(1);
    expect(r.metrics['precision@5']).toBeLessThanOrEqual(1);
  });

  it('rejects rating metrics', () => {
    expect(() => evaluateRanking(new Popularity().fit(train), train, test, { metrics: ['rmse'] })).toThrow(
      InvalidParameterError,
    );
  });
});
