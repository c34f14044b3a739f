import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { ScoreImpossibleError } from '../errors.js';
import { Recommender, type ModelState } from '../models/recommender.js';
import { evaluateColdItems, evaluateColdUsers } from './cold-start.js';
import { evaluateRanking } from './evaluate-ranking.js';
import { Popularity } from './test-models.case.js';

/** Scores item i by a fixed table, for any user; items marked NaN are impossible. */
class Table extends Recommender<{ offset: number }> {
  readonly name = 'table';
  readonly task = 'ranking' as const;
  constructor(
    opts: Partial<{ offset: number }> = {},
    private readonly table: number[] = [],
  ) {
    super('table', { offset: 0 }, {}, opts);
  }
  protected fitModel(): void {}
  score(_u: number, i: number): number {
    const v = this.table[i];
    if (v === undefined || Number.isNaN(v)) throw new ScoreImpossibleError('no score');
    return v;
  }
  protected saveState(): ModelState {
    return { meta: {}, arrays: {} };
  }
  protected loadState(): void {}
}

// Items i0..i5; i4 and i5 are cold (test only). u0 likes i5 (5) and i4 (2); u1 likes i4 (4).
function split() {
  const rows: [string, string, number, boolean][] = [
    ['u0', 'i0', 5, false],
    ['u0', 'i1', 4, false],
    ['u1', 'i2', 3, false],
    ['u1', 'i3', 5, false],
    ['u0', 'i5', 5, true],
    ['u0', 'i4', 2, true],
    ['u1', 'i4', 4, true],
  ];
  const all = Interactions.fromRecords(rows.map(([user, item, value]) => ({ user, item, value })));
  const trainRows: number[] = [],
    testRows: number[] = [];
  rows.forEach((r, k) => (r[3] ? testRows : trainRows).push(k));
  const id = (s: string) => all.itemIds.index(s);
  // Scores by item id (warm items score 9); "nan" marks an impossible score.
  const table = (scores: Record<string, number>) =>
    Array.from({ length: all.nItems }, (_, i) => scores[String(all.itemIds.id(i))] ?? 9);
  return { train: all.subset(trainRows), test: all.subset(testRows), id, table };
}

describe('evaluateRanking with candidates', () => {
  it('ranks only the candidates and drops relevant items outside them', () => {
    const { train, test, id, table } = split();
    // Scores favour warm items i0..i3; among candidates {i4, i5} the model prefers i4.
    const m = new Table({}, table({ i4: 2, i5: 1 })).fit(train);
    const r = evaluateRanking(m, train, test, {
      k: 2,
      metrics: ['hit@1', 'ndcg', 'auc', 'coverage'],
      candidates: Int32Array.of(id('i4'), id('i5')),
      keepLists: true,
      keepPerUser: true,
    });
    expect(Array.from(r.lists!.items)).toEqual([id('i4'), id('i5'), id('i4'), id('i5')]);
    // u0: list [i4, i5] vs {i4, i5} → hit; u1: {i4} → hit.
    expect(r.metrics['hit@1']).toBe(1);
    // AUC over the candidates only (warm items, scored 9, are not compared): u1's i4 (2) above i5 (1) → 1.
    expect(r.perUser!.values.auc[1]).toBe(1);
    // Coverage over the 2 candidates.
    expect(r.metrics['coverage@2']).toBe(1);
    // Test rows of non-candidates are not relevant: with only i5 as candidate, u1 has nothing to find.
    const only5 = evaluateRanking(m, train, test, { k: 2, metrics: ['hit'], candidates: Int32Array.of(id('i5')) });
    expect(only5.users).toBe(1);
    expect(only5.skipped.noRelevant).toBe(1);
  });
});

describe('evaluateColdItems', () => {
  it('uses the cold items as candidates; hand-computed NDCG', () => {
    const { train, test, id, table } = split();
    const coldItems = Int32Array.of(id('i4'), id('i5'));
    const m = new Table({}, table({ i4: 2, i5: 1 })).fit(train);
    const r = evaluateColdItems(m, { name: 'x', train, test, coldItems }, { k: 2, metrics: ['hit@1', 'precision@1'] });
    // Both users get [i4, i5]; i4 is a test item of both.
    expect(r.metrics['hit@1']).toBe(1);
    expect(r.metrics['precision@1']).toBe(1);
    expect(r.candidates).toBe(2);
    expect(r.emptyLists).toBe(0);
    expect(r.constantScores).toBe(0);
    expect(r.perUser).toBeUndefined();
    // With a threshold of 4, u0 keeps only i5, ranked 2nd → 1/log2(3); u1 keeps i4, ranked 1st → 1.
    const t = evaluateColdItems(
      m,
      { name: 'x', train, test, coldItems },
      { k: 2, metrics: ['ndcg'], relevanceThreshold: 4 },
    );
    expect(t.metrics['ndcg@2']).toBeCloseTo((1 / Math.log2(3) + 1) / 2, 12);
    // Without coldItems on the split, the candidates are the test items that have no training rows.
    expect(evaluateColdItems(m, { name: 'x', train, test }, { k: 2 }).candidates).toBe(2);
  });

  it('a model that cannot score cold items gets empty lists, counted, with metric 0', () => {
    const { train, test, id, table } = split();
    const m = new Table({}, table({ i4: NaN, i5: NaN })).fit(train);
    const r = evaluateColdItems(m, { name: 'x', train, test, coldItems: Int32Array.of(id('i4'), id('i5')) }, { k: 2 });
    expect(r.emptyLists).toBe(2);
    expect(r.constantScores).toBe(2);
    expect(r.metrics['ndcg@2']).toBe(0);
    expect(r.lists).toBeUndefined();
  });

  it('a model giving every cold item the same score is flagged, though its tie-broken lists look fine', () => {
    const { train, test, id, table } = split();
    const m = new Table({}, table({ i4: 3, i5: 3 })).fit(train);
    const r = evaluateColdItems(m, { name: 'x', train, test, coldItems: Int32Array.of(id('i4'), id('i5')) }, { k: 2 });
    expect(r.emptyLists).toBe(0);
    expect(r.constantScores).toBe(2);
    expect(r.metrics['hit@2']).toBe(1);
  });
});

describe('evaluateColdUsers', () => {
  it('evaluates users the model never saw (fallback ranking) over the whole catalogue', () => {
    const all = Interactions.fromRecords([
      { user: 'a', item: 'x' },
      { user: 'b', item: 'x' },
      { user: 'b', item: 'y' },
      { user: 'c', item: 'x' },
      { user: 'c', item: 'y' },
    ]);
    const train = all.subset([0, 1, 2]);
    const test = all.subset([3, 4]);
    const r = evaluateColdUsers(new Popularity().fit(train), { name: 'x', train, test }, { k: 1, metrics: ['hit'] });
    // c is unknown: popularity puts x first → hit.
    expect(r.users).toBe(1);
    expect(r.metrics['hit@1']).toBe(1);
    expect(r.emptyLists).toBe(0);
  });
});
