import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { IdMap } from '../data/id-map.js';
import { Interactions } from '../data/interactions.js';
import type { Split } from '../data/split.js';
import { synthetic } from '../data/synthetic.js';
import { leaveLastOutValidTest } from '../data/validation-splits.js';
import type { Params } from '../models/params.js';
import { Recommender, type FitOptions, type ModelState } from '../models/recommender.js';
import { crossValidate } from './cross-validate.js';
import { gridSearch } from './search.js';
import { evaluateRanking } from './evaluate-ranking.js';
import { NegativeSampler } from './sampled-negatives.js';

/**
 * Ranks items by index, lowest first (score −i; highest first with `reverse`), so every list is known in advance.
 * Records what fit was given.
 */
class IndexOrder extends Recommender<{ reverse: boolean }> {
  readonly name = 'index-order';
  readonly task = 'ranking' as const;
  static validationRows: (number | undefined)[] = [];
  constructor(opts: Partial<{ reverse: boolean }> = {}) {
    super('index-order', { reverse: false }, {}, opts);
  }
  protected fitModel(_data: Interactions, opts: FitOptions): void {
    IndexOrder.validationRows.push(opts.validation?.length);
  }
  score(_u: number, i: number): number {
    return this.params.reverse ? i : -i;
  }
  protected saveState(): ModelState {
    return { meta: {}, arrays: {} };
  }
  protected loadState(): void {}
}

/*
 * Worked example, 10 items 0..9, k = 3, the model ranks 0, 1, 2, … :
 *   user a: train {0, 2}, validation {1}, test {3, 5}
 *     test list with train ∪ validation masked (RecBole): [3, 4, 5] → hits at ranks 1 and 3
 *       hit 1, mrr 1, recall 2/2 = 1, precision 2/3, ndcg = (1 + 1/log2 4) / (1 + 1/log2 3) = 0.9197208
 *     with only train masked (validation item 1 left in): [1, 3, 4] → one hit at rank 2
 *       hit 1, mrr 1/2, recall 1/2, ndcg = (1/log2 3) / (1 + 1/log2 3) = 0.3868528
 *   user b: train {9}, no validation, test {0, 1, 4, 6} (more test items than k)
 *     list [0, 1, 2] → hits at ranks 1, 2: recall = 2/4 (hits / |test|, RecBole's recall), mrr 1, hit 1,
 *       ndcg = (1 + 1/log2 3) / IDCG over min(|test|, k) = 3 ranks = (1 + 1/log2 3) / (1 + 1/log2 3 + 1/log2 4)
 *       = 0.7653606
 */
function worked(): Split {
  const rows = (pairs: [string, number][]) => pairs.map(([user, item]) => ({ user, item }));
  const all = Interactions.fromRecords(
    rows([
      ['a', 0],
      ['a', 2],
      ['a', 1],
      ['a', 3],
      ['a', 5],
      ['b', 9],
      ['b', 0],
      ['b', 1],
      ['b', 4],
      ['b', 6],
      ['c', 7], // item 7 and 8 exist in the catalogue; c only trains
      ['c', 8],
    ]),
    // Item index = raw id, so the lists below read as raw ids.
    { itemIds: IdMap.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) },
  );
  return {
    name: 'worked',
    train: all.subset([0, 1, 5, 10, 11]),
    validation: all.subset([2]),
    test: all.subset([3, 4, 6, 7, 8, 9]),
  };
}

const L3 = Math.log2(3),
  L4 = Math.log2(4);
const METRICS = ['hit@3', 'ndcg@3', 'mrr@3', 'recall@3', 'precision@3'];

describe('RecBole-style full ranking: train ∪ validation masked at test time', () => {
  it('computes the worked example per user, then averages over users', () => {
    const s = worked();
    const model = new IndexOrder().fit(s.train);
    const r = evaluateRanking(model, s.train, s.test, { metrics: METRICS, exclude: s.validation, keepPerUser: true });
    expect(r.users).toBe(2);
    const per = r.perUser!.values;
    expect(per['ndcg@3'][0]).toBeCloseTo((1 + 1 / L4) / (1 + 1 / L3), 12); // 0.9197208
    expect(per['ndcg@3'][1]).toBeCloseTo((1 + 1 / L3) / (1 + 1 / L3 + 1 / L4), 12); // 0.7653606
    expect(Array.from(per['recall@3'])).toEqual([1, 0.5]);
    expect(Array.from(per['mrr@3'])).toEqual([1, 1]);
    expect(Array.from(per['hit@3'])).toEqual([1, 1]);
    expect(per['precision@3'][0]).toBeCloseTo(2 / 3, 12);
    expect(r.metrics['recall@3']).toBeCloseTo(0.75, 12);
    expect(r.metrics['ndcg@3']).toBeCloseTo(
      ((1 + 1 / L4) / (1 + 1 / L3) + (1 + 1 / L3) / (1 + 1 / L3 + 1 / L4)) / 2,
      12,
    );
  });

  it('without the validation mask, the validation item takes a list slot (what the mask fixes)', () => {
    const s = worked();
    const model = new IndexOrder().fit(s.train);
    const r = evaluateRanking(model, s.train, s.test, { metrics: METRICS, keepPerUser: true });
    expect(r.perUser!.values['mrr@3'][0]).toBe(0.5);
    expect(r.perUser!.values['recall@3'][0]).toBe(0.5);
    expect(r.perUser!.values['ndcg@3'][0]).toBeCloseTo(1 / L3 / (1 + 1 / L3), 12); // 0.3868528
  });

  it('never masks a test item, even one that is also in the exclude set (RecBole: history = used − positives)', () => {
    const s = worked();
    const model = new IndexOrder().fit(s.train);
    const both = Interactions.fromRecords([{ user: 'a', item: 3 }], {
      userIds: s.train.userIds,
      itemIds: s.train.itemIds,
    });
    const r = evaluateRanking(model, s.train, s.test, { metrics: ['mrr@3'], exclude: both, keepPerUser: true });
    expect(r.perUser!.values['mrr@3'][0]).toBe(0.5); // list [1, 3, 4]: item 3 stays rankable
  });

  it('masks validation items in AUC too', () => {
    const s = worked();
    const model = new IndexOrder().fit(s.train);
    const masked = evaluateRanking(model, s.train, s.test, {
      metrics: ['auc'],
      exclude: s.validation,
      keepPerUser: true,
    });
    const open = evaluateRanking(model, s.train, s.test, { metrics: ['auc'], keepPerUser: true });
    // user a: positives 3 (beats 4, 6, 7, 8, 9) and 5 (beats 6–9) against {1?, 4, 6, 7, 8, 9}
    expect(masked.perUser!.values.auc[0]).toBeCloseTo(9 / 10, 12);
    expect(open.perUser!.values.auc[0]).toBeCloseTo(9 / 12, 12);
  });

  it('crossValidate gives fit the validation part, masks it at test time and reports its own metrics', () => {
    const s = worked();
    IndexOrder.validationRows = [];
    const cv = crossValidate(new IndexOrder(), [s], { metrics: METRICS });
    expect(IndexOrder.validationRows).toEqual([1]);
    expect(cv.mean['mrr@3']).toBe(1);
    expect(cv.mean['recall@3']).toBeCloseTo(0.75, 12);
    // Validation: only user a has a validation item (1); its list with train masked is [1, 3, 4] → a hit at rank 1.
    expect(cv.folds[0].validation).toEqual({
      'hit@3': 1,
      'ndcg@3': 1,
      'mrr@3': 1,
      'recall@3': 1,
      'precision@3': 1 / 3,
    });
    expect(cv.validation).toEqual(cv.folds[0].validation);
  });
});

describe('model selection on the validation part', () => {
  it('grid search ranks configurations by the validation metric, never by test, when the splits have one', () => {
    // Items 0..5; user a trains on 2, validates on 0, tests on 5. Ascending order hits validation (list [0, …]) and
    // misses test ([1, 3, 4]); descending misses validation ([5, 4, 3]) and hits test.
    const pairs: [string, number][] = [
      ['a', 2],
      ['a', 0],
      ['a', 5],
      ['b', 1],
      ['b', 3],
      ['b', 4],
    ];
    const all = Interactions.fromRecords(
      pairs.map(([user, item]) => ({ user, item })),
      { itemIds: IdMap.from([0, 1, 2, 3, 4, 5]) },
    );
    const split: Split = {
      name: 'v',
      train: all.subset([0, 3, 4, 5]),
      validation: all.subset([1]),
      test: all.subset([2]),
    };
    const create = (p: Params) => new IndexOrder(p as { reverse: boolean });
    const search = gridSearch(create, { reverse: [true, false] }, [split], { metrics: ['hit@1'] });
    expect(search.rankedOn).toBe('validation');
    expect(search.best.params).toEqual({ reverse: false });
    expect(search.best.score).toBe(1);
    expect(search.best.mean['hit@1']).toBe(0); // the test figure of the chosen configuration, reported as it is
    const testOnly: Split = { name: 't', train: split.train, test: split.test };
    const noValidation = gridSearch(create, { reverse: [true, false] }, [testOnly], { metrics: ['hit@1'] });
    expect(noValidation.rankedOn).toBe('test');
  });
});

describe('sampled negatives (RecBole uni100, labelled, never the default)', () => {
  it('draws distinct unseen items, relevant first, n per relevant item, deterministically per (seed, user)', () => {
    const used = new Uint8Array(1000);
    for (const i of [3, 10, 11, 500]) used[i] = 1;
    const a = new NegativeSampler(1000, 100, 5).candidates(2, Int32Array.of(10, 11), used);
    expect(a.length).toBe(2 + 200);
    expect(Array.from(a.subarray(0, 2))).toEqual([10, 11]);
    const negs = Array.from(a.subarray(2));
    expect(new Set(negs).size).toBe(200);
    for (const i of negs) expect(used[i]).toBe(0);
    // Same seed and user: the same draw, whatever was drawn before; another seed or user: another draw.
    const sampler = new NegativeSampler(1000, 100, 5);
    sampler.candidates(1, Int32Array.of(10), used);
    expect(Array.from(sampler.candidates(2, Int32Array.of(10, 11), used))).toEqual(Array.from(a));
    expect(Array.from(new NegativeSampler(1000, 100, 6).candidates(2, Int32Array.of(10, 11), used))).not.toEqual(
      Array.from(a),
    );
    expect(Array.from(new NegativeSampler(1000, 100, 5).candidates(3, Int32Array.of(10, 11), used))).not.toEqual(
      Array.from(a),
    );
  });

  it('takes every unseen item when fewer exist, and draws without replacement from a small pool', () => {
    const used = new Uint8Array(8);
    used[0] = used[1] = 1;
    const all = new NegativeSampler(8, 100, 0).candidates(0, Int32Array.of(1), used);
    expect(Array.from(all.subarray(1)).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    const some = new NegativeSampler(8, 4, 0).candidates(0, Int32Array.of(1), used); // 4 of 6: the dense path
    expect(new Set(some.subarray(1)).size).toBe(4);
    for (const i of some.subarray(1)) expect(i).toBeGreaterThanOrEqual(2);
    expect(() => new NegativeSampler(8, 0)).toThrow(InvalidParameterError);
  });

  it('ranks each test item among its sampled items only, never among training, validation or test items', () => {
    const s = worked();
    const model = new IndexOrder().fit(s.train);
    const opts = {
      k: 3,
      metrics: ['mrr@3'],
      exclude: s.validation,
      sampledNegatives: 2,
      sampleSeed: 0,
      keepLists: true,
    };
    const r = evaluateRanking(model, s.train, s.test, opts);
    // user a's candidates: test {3, 5} + 4 of {4, 6, 7, 8, 9}; user b's: test {0, 1, 4, 6} + min(2·4, 5) = all of
    // {2, 3, 5, 7, 8}. Training (0, 2 for a; 9 for b) and validation (1 for a) items are never candidates.
    const lists = r.lists!;
    const listOf = (row: number) => Array.from(lists.items.subarray(lists.indptr[row], lists.indptr[row + 1]));
    expect(listOf(0)[0]).toBe(3);
    for (const i of listOf(0)) expect([3, 4, 5, 6, 7, 8, 9]).toContain(i);
    expect(listOf(1)).toEqual([0, 1, 2]);
    expect(r.metrics['mrr@3']).toBe(1);
    expect(evaluateRanking(model, s.train, s.test, opts).lists).toEqual(r.lists);
  });

  it('is deterministic under a seed on a larger fixture, varies with the seed, and scores above full ranking', () => {
    const d = synthetic({ users: 60, items: 300, interactions: 3000, kind: 'implicit', seed: 4 });
    const [s] = leaveLastOutValidTest()(d);
    const model = new IndexOrder().fit(s.train);
    const base = { metrics: ['ndcg@10', 'hit@10'], exclude: s.validation };
    const run = (seed: number) =>
      evaluateRanking(model, s.train, s.test, { ...base, sampledNegatives: 20, sampleSeed: seed });
    expect(run(3).metrics).toEqual(run(3).metrics);
    expect(run(3).metrics).not.toEqual(run(4).metrics);
    const full = evaluateRanking(model, s.train, s.test, base).metrics;
    expect(run(3).metrics['hit@10']).toBeGreaterThan(full['hit@10']);
  });

  it('refuses AUC and explicit candidates with sampled negatives', () => {
    const s = worked();
    const model = new IndexOrder().fit(s.train);
    expect(() => evaluateRanking(model, s.train, s.test, { metrics: ['auc'], sampledNegatives: 5 })).toThrow(/AUC/);
    expect(() =>
      evaluateRanking(model, s.train, s.test, { sampledNegatives: 5, candidates: Int32Array.of(1, 2) }),
    ).toThrow(/cannot be combined/);
  });
});
