import { describe, expect, it } from 'vitest';
import { ScoreImpossibleError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { baselinesAls } from '../baseline/baselines.js';
import { conformance } from '../recommender.case.js';
import { loadModel, saveModel } from '../registry.js';
import type { KnnBase, KnnOptions } from './knn-base.js';
import { KnnBaseline, knnBaselineEntry } from './knn-baseline.js';
import { KnnBasic, knnBasicEntry } from './knn-basic.js';
import { KnnWithMeans, knnWithMeansEntry } from './knn-with-means.js';
import { KnnWithZScore, knnWithZScoreEntry } from './knn-with-zscore.js';

conformance('knn-basic', { create: (p) => new KnnBasic(p), entry: knnBasicEntry });
conformance('knn-means', { create: (p) => new KnnWithMeans(p), entry: knnWithMeansEntry });
conformance('knn-zscore', { create: (p) => new KnnWithZScore(p), entry: knnWithZScoreEntry });
conformance('knn-baseline', { create: (p) => new KnnBaseline(p), entry: knnBaselineEntry });
conformance('knn-baseline (item-based pearson_baseline)', {
  create: (p) => new KnnBaseline({ userBased: false, similarity: 'pearson_baseline', ...p }),
  entry: knnBaselineEntry,
});

// u0: i0=5 i1=3 i2=4 | u1: i0=4 i1=2 i3=1 | u2: i1=5 i2=1 i3=3 | u3: i0=2
const tiny = Interactions.fromRecords([
  { user: 'u0', item: 'i0', value: 5 },
  { user: 'u0', item: 'i1', value: 3 },
  { user: 'u0', item: 'i2', value: 4 },
  { user: 'u1', item: 'i0', value: 4 },
  { user: 'u1', item: 'i1', value: 2 },
  { user: 'u1', item: 'i3', value: 1 },
  { user: 'u2', item: 'i1', value: 5 },
  { user: 'u2', item: 'i2', value: 1 },
  { user: 'u2', item: 'i3', value: 3 },
  { user: 'u3', item: 'i0', value: 2 },
]);
// Predicting (u2, i0), user-based MSD: i0's raters are u0 (5), u1 (4), u3 (2); sim(u2,u0) = sim(u2,u1) = 1/7.5,
// sim(u2,u3) = 0 (nothing in common), so two neighbours with equal weight.
const U2 = 2,
  I0 = 0;

describe('kNN predictions, hand-computed', () => {
  it("KNNBasic: similarity-weighted mean of the neighbours' ratings", () => {
    expect(new KnnBasic().fit(tiny).score(U2, I0)).toBeCloseTo((5 + 4) / 2, 12);
  });

  it("KNNWithMeans: μ_u + weighted mean of the neighbours' deviations from their means", () => {
    // μ_u2 = 3, μ_u0 = 4, μ_u1 = 7/3.
    expect(new KnnWithMeans().fit(tiny).score(U2, I0)).toBeCloseTo(3 + (5 - 4 + (4 - 7 / 3)) / 2, 12);
  });

  it("KNNWithZScore: deviations scaled by the neighbours' σ, rescaled by the user's σ", () => {
    const sd = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
    };
    const z = ((5 - 4) / sd([5, 3, 4]) + (4 - 7 / 3) / sd([4, 2, 1])) / 2;
    expect(new KnnWithZScore().fit(tiny).score(U2, I0)).toBeCloseTo(3 + z * sd([5, 1, 3]), 12);
  });

  it("KNNBaseline: b_ui + weighted mean of the neighbours' deviations from their baselines", () => {
    const { mu, bu, bi } = baselinesAls(tiny, { epochs: 10, regUser: 15, regItem: 10 });
    const dev = (5 - (mu + bu[0] + bi[I0]) + (4 - (mu + bu[1] + bi[I0]))) / 2;
    expect(new KnnBaseline().fit(tiny).score(U2, I0)).toBeCloseTo(mu + bu[U2] + bi[I0] + dev, 12);
  });

  it('k keeps the most similar neighbours, the earlier one among ties (Surprise heapq.nlargest)', () => {
    expect(new KnnBasic({ k: 1 }).fit(tiny).score(U2, I0)).toBe(5);
    // Cosine: sim(u2,u0) = 19/√650 ≈ 0.745 < sim(u2,u1) = 13/√170 ≈ 0.997, so k=1 picks u1.
    expect(new KnnBasic({ k: 1, similarity: 'cosine' }).fit(tiny).score(U2, I0)).toBe(4);
  });

  it('minK: KNNBasic becomes impossible, the others fall back to the mean or baseline', () => {
    const basic = new KnnBasic({ minK: 3 }).fit(tiny);
    expect(() => basic.score(U2, I0)).toThrow(ScoreImpossibleError);
    const p = basic.predict('u2', 'i0');
    expect(p.impossible).toBe(true);
    expect(p.value).toBeCloseTo(tiny.mean(), 6);
    expect(new KnnWithMeans({ minK: 3 }).fit(tiny).score(U2, I0)).toBeCloseTo(3, 12);
    expect(new KnnWithZScore({ minK: 3 }).fit(tiny).score(U2, I0)).toBeCloseTo(3, 12);
    const { mu, bu, bi } = baselinesAls(tiny, { epochs: 10, regUser: 15, regItem: 10 });
    expect(new KnnBaseline({ minK: 3 }).fit(tiny).score(U2, I0)).toBeCloseTo(mu + bu[U2] + bi[I0], 12);
    // Only positive similarities count as neighbours: pearson(u2, ·) is −1 with u0 and 1 with u1.
    expect(new KnnBasic({ similarity: 'pearson' }).fit(tiny).score(U2, I0)).toBe(4);
    expect(() => new KnnBasic({ similarity: 'pearson', minK: 2 }).fit(tiny).score(U2, I0)).toThrow(
      ScoreImpossibleError,
    );
  });

  it('users or items without training ratings: impossible, except KNNBaseline which answers μ + known biases', () => {
    const data = Interactions.fromRecords([...tiny.records()]);
    const ghost = data.userIds.add('ghost');
    const newItem = data.itemIds.add('new-item');
    const basic = new KnnBasic().fit(data);
    expect(() => basic.score(ghost, I0)).toThrow(ScoreImpossibleError);
    expect(() => basic.score(U2, newItem)).toThrow(ScoreImpossibleError);
    const { mu, bu, bi } = baselinesAls(data, { epochs: 10, regUser: 15, regItem: 10 });
    const kb = new KnnBaseline().fit(data);
    expect(kb.score(ghost, I0)).toBeCloseTo(mu + bi[I0], 12);
    expect(kb.score(U2, newItem)).toBeCloseTo(mu + bu[U2], 12);
    expect(kb.score(ghost, newItem)).toBeCloseTo(mu, 12);
  });
});

describe('kNN symmetry and state', () => {
  const data = synthetic({ users: 60, items: 45, interactions: 900, seed: 9 });
  const transposed = Interactions.fromRecords(
    Array.from(data.records(), (r) => ({ user: r.item, item: r.user, value: r.value })),
    // Same index order on each side, so ties between equal similarities break the same way.
    { userIds: data.itemIds.clone(), itemIds: data.userIds.clone() },
  );
  const pairs: [number, number][] = [];
  for (let u = 0; u < data.nUsers; u += 3) for (let i = 0; i < data.nItems; i += 4) pairs.push([u, i]);

  it('item-based on the data equals user-based on the transposed data', () => {
    const models: [string, (p: Partial<KnnOptions>) => KnnBase][] = [
      ['basic', (p) => new KnnBasic(p)],
      ['means', (p) => new KnnWithMeans(p)],
      ['zscore', (p) => new KnnWithZScore(p)],
    ];
    for (const [, create] of models) {
      for (const similarity of ['cosine', 'msd', 'pearson']) {
        const itemBased = create({ userBased: false, similarity, k: 7 }).fit(data);
        const userBasedT = create({ userBased: true, similarity, k: 7 }).fit(transposed);
        for (const [u, i] of pairs) {
          const a = itemBased.predict(data.userIds.id(u), data.itemIds.id(i));
          const b = userBasedT.predict(data.itemIds.id(i), data.userIds.id(u));
          expect(a.value).toBeCloseTo(b.value, 10);
          expect(a.impossible).toBe(b.impossible);
        }
      }
    }
  });

  it('similarItems comes from the item-item similarity matrix; user-based models do not offer it', () => {
    const m = new KnnWithMeans({ userBased: false, similarity: 'pearson' }).fit(data);
    const r = m.similarItems(data.itemIds.id(0), 5);
    expect(r.indices.length).toBe(5);
    expect(Array.from(r.indices)).not.toContain(0);
    for (let k = 1; k < 5; k++) expect(r.scores[k]).toBeLessThanOrEqual(r.scores[k - 1]);
    expect(() => new KnnBasic().fit(data).similarItems(data.itemIds.id(0))).toThrow(/users/);
  });

  it('a saved model predicts exactly like the original for every variant', () => {
    for (const m of [
      new KnnBasic({ similarity: 'cosine' }),
      new KnnWithZScore({ userBased: false }),
      new KnnBaseline({ userBased: false, similarity: 'pearson_baseline', baselineMethod: 'sgd' }),
    ]) {
      m.fit(data);
      const again = loadModel(saveModel(m));
      for (const [u, i] of pairs) expect(again.predictIndex(u, i)).toBe(m.predictIndex(u, i));
    }
  });

  it('rejects unknown similarities and out-of-range options', () => {
    expect(() => new KnnBasic({ similarity: 'jaccard' })).toThrow(/similarity/);
    expect(() => new KnnBasic({ k: 0 })).toThrow(/k/);
    expect(() => new KnnBaseline({ baselineMethod: 'adam' })).toThrow(/baselineMethod/);
  });
});
