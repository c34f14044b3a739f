// Single SGD steps of BPR-MF and LightFM worked out by hand: one sampled triple, given parameters, every updated
// number derived in the comments. The draws are fixed by a stub RNG whose int(n) answers min(1, n − 1), so the
// derivation does not depend on the generator's stream. Complements the learning tests in bpr.test.ts and
// lightfm.test.ts.
import { describe, expect, it } from 'vitest';
import type { Rng } from '../../math/rng.js';
import { bprEpoch, type BprProblem } from '../factorization/bpr-epoch.js';
import type { FeatureRows } from './feature-rows.js';
import { lightFmEpoch, lightFmScratch, type LightFmHyper, type LightFmProblem } from './lightfm-epoch.js';

const alwaysOne = { int: (n: number) => Math.min(1, n - 1), next: () => 0.5 } as unknown as Rng;

function expectAll(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, k) => expect(actual[k], `[${k}]`).toBeCloseTo(v, 6));
}

describe('BPR: one SGD step (Rendle et al. 2009 LearnBPR)', () => {
  // One user who has item 0 of two, F = 2, η = 0.1, λ = 0.1. The only positive is (u, i) = (0, 0) and the negative
  // drawn is j = 1 (item 1 is the only unseen item).
  //   p_u = (1, 2), q_0 = (0.5, 0.5), q_1 = (1, 0.25), b = (0, 0)
  //   x̂_u0 = 0.5 + 1 = 1.5, x̂_u1 = 1 + 0.5 = 1.5, x = 0, z = σ(−x) = 0.5, loss −ln σ(0) = ln 2
  //   p_u += η(z(q_0 − q_1) − λp_u): (1 + 0.1(0.5·−0.5 − 0.1), 2 + 0.1(0.5·0.25 − 0.2)) = (0.965, 1.9925)
  //   q_0 += η(z p_u − λq_0):  (0.5 + 0.1(0.5 − 0.05), 0.5 + 0.1(1 − 0.05)) = (0.545, 0.595)
  //   q_1 += η(−z p_u − λq_1): (1 + 0.1(−0.5 − 0.1), 0.25 + 0.1(−1 − 0.025)) = (0.94, 0.1475)
  //   b_0 += η(z − λb_0) = 0.05, b_1 += η(−z − λb_1) = −0.05
  const problem = (bias0 = 0): BprProblem => ({
    factors: 2,
    nItems: 2,
    indptr: Int32Array.of(0, 1),
    indices: Int32Array.of(0),
    userOfEntry: Int32Array.of(0),
    userFactors: Float32Array.of(1, 2),
    itemFactors: Float32Array.of(0.5, 0.5, 1, 0.25),
    itemBias: Float64Array.of(bias0, 0),
  });

  it('uniform sampling: the update, loss and sampled AUC of one triple', () => {
    const p = problem();
    const stats = bprEpoch(p, { learningRate: 0.1, regularization: 0.1, warpTries: 0 }, 1, alwaysOne);
    expectAll(p.userFactors, [0.965, 1.9925]);
    expectAll(p.itemFactors, [0.545, 0.595, 0.94, 0.1475]);
    expectAll(p.itemBias, [0.05, -0.05]);
    expect(stats.loss).toBeCloseTo(Math.LN2, 12);
    expect(stats.auc).toBe(0); // x = 0 is not a correctly ordered triple
    expect(stats.updates).toBe(1);
  });

  it('WARP sampling steps the same when the triple violates the margin (x = 0 < 1), and skips when it does not', () => {
    const p = problem();
    bprEpoch(p, { learningRate: 0.1, regularization: 0.1, warpTries: 3 }, 1, alwaysOne);
    expectAll(p.userFactors, [0.965, 1.9925]);
    // b_0 = 2: x = 2 ≥ 1, no negative violates the margin: nothing moves, and the first draw counts as ordered.
    const q = problem(2);
    const stats = bprEpoch(q, { learningRate: 0.1, regularization: 0.1, warpTries: 3 }, 1, alwaysOne);
    expect(stats).toEqual({ loss: 0, auc: 1, updates: 0 });
    expectAll(q.userFactors, [1, 2]);
    expectAll(q.itemBias, [2, 0]);
  });
});

describe('LightFM: one step (Kula 2015; lyst/lightfm fit_bpr / fit_warp)', () => {
  // Identity features only, so each row's representation is its own embedding. F = 2. User 0 has item 0, user 1
  // has item 1; items 2 and 3 (WARP case) copy item 1. Only the positive (u, i) = (0, 0) is visited (order = [0]).
  //   e_u0 = (1, 2), e_0 = (0.5, 0.5), e_1 = e_2 = e_3 = (1, 0.25), biases 0: x̂_u0 = 1.5, x̂_u1 = 1.5.
  const rows = (n: number): FeatureRows => ({
    nFeatures: n,
    indptr: Int32Array.from({ length: n + 1 }, (_, r) => r),
    indices: Int32Array.from({ length: n }, (_, r) => r),
    values: new Float32Array(n).fill(1),
  });
  const problem = (nItems: number): LightFmProblem => {
    const itemEmb = new Float32Array(2 * nItems);
    itemEmb.set([0.5, 0.5]);
    for (let i = 1; i < nItems; i++) itemEmb.set([1, 0.25], 2 * i);
    return {
      factors: 2,
      users: rows(2),
      items: rows(nItems),
      userEmb: Float32Array.of(1, 2, 0, 0),
      userEmbGrad: new Float32Array(4).fill(1),
      itemEmb,
      itemEmbGrad: new Float32Array(2 * nItems).fill(1),
      itemBias: new Float32Array(nItems),
      itemBiasGrad: new Float32Array(nItems).fill(1),
      posIndptr: Int32Array.of(0, 1, 2),
      posIndices: Int32Array.of(0, 1),
      entryUser: Int32Array.of(0, 1),
      entryItem: Int32Array.of(0, 1),
      negatives: Int32Array.from({ length: nItems }, (_, i) => i),
    };
  };
  const hyper = (loss: 'bpr' | 'warp', adagrad: boolean): LightFmHyper => ({
    loss,
    adagrad,
    learningRate: 0.1,
    itemAlpha: 0,
    userAlpha: 0,
    maxSampled: 10,
  });

  it('BPR loss: weight 1 − σ(x̂_ui − x̂_uj) and the step on every embedding and bias', () => {
    // Negative: entryItem[int(2) = 1] = item 1, not a positive of user 0. x = 0, weight L = σ(−0) = 0.5, loss ln 2.
    // With a constant rate η = 0.1 (gradients −L·e_u for the positive, +L·e_u for the negative, L(e_j − e_i) for u):
    //   b_0 = 0 + ηL = 0.05, b_1 = −0.05
    //   e_0 = e_0 + ηL·e_u = (0.5 + 0.05, 0.5 + 0.1) = (0.55, 0.6);  e_1 = e_1 − ηL·e_u = (0.95, 0.15)
    //   e_u = e_u − ηL(e_1 − e_0) = (1 − 0.05·0.5, 2 − 0.05·(−0.25)) = (0.975, 2.0125)   (old e_0, e_1)
    for (const adagrad of [false, true]) {
      const p = problem(2);
      const loss = lightFmEpoch(p, hyper('bpr', adagrad), Int32Array.of(0), alwaysOne, lightFmScratch(2));
      expect(loss).toBeCloseTo(Math.LN2, 12);
      // Adagrad's accumulators start at 1, so its first step is η/√1 = η: the same numbers.
      expectAll(p.itemBias, [0.05, -0.05]);
      expectAll(p.itemEmb, [0.55, 0.6, 0.95, 0.15]);
      expectAll(p.userEmb, [0.975, 2.0125, 0, 0]);
      if (adagrad) {
        // Each accumulator gains g²: biases (∓0.5)² = 0.25; items (L·e_u)² = (0.25, 1); user (L(e_1 − e_0))² =
        // (0.25², 0.125²) = (0.0625, 0.015625).
        expectAll(p.itemBiasGrad, [1.25, 1.25]);
        expectAll(p.itemEmbGrad, [1.25, 2, 1.25, 2]);
        expectAll(p.userEmbGrad, [1.0625, 1.015625, 1, 1]);
      }
    }
  });

  it('WARP loss: the first violating draw is weighted by ln⌊(N − 1)/n⌋', () => {
    // Four candidate items (N = 4); the draw negatives[int(4) = 1] = item 1 on the first try (n = 1):
    // x̂_u1 = 1.5 > x̂_u0 − 1 = 0.5 violates the margin, so L = ln⌊3/1⌋ = ln 3 and the loss is L(1 − 1.5 + 1.5) = ln 3.
    // The step is the BPR one with L = ln 3 in place of 0.5 (constant rate η = 0.1):
    //   b_0 = ηL, b_1 = −ηL; e_0 = (0.5 + ηL, 0.5 + 2ηL); e_1 = (1 − ηL, 0.25 − 2ηL); e_u = (1 − 0.5ηL, 2 + 0.25ηL).
    const p = problem(4);
    const loss = lightFmEpoch(p, hyper('warp', false), Int32Array.of(0), alwaysOne, lightFmScratch(2));
    const s = 0.1 * Math.log(3);
    expect(loss).toBeCloseTo(Math.log(3), 12);
    expectAll(p.itemBias, [s, -s, 0, 0]);
    expectAll(p.itemEmb, [0.5 + s, 0.5 + 2 * s, 1 - s, 0.25 - 2 * s, 1, 0.25, 1, 0.25]);
    expectAll(p.userEmb, [1 - 0.5 * s, 2 + 0.25 * s, 0, 0]);
  });

  it('WARP skips a positive drawn as a negative and, with two candidates, weights the step ln⌊1/n⌋ = 0 (no update)', () => {
    const p = problem(2);
    lightFmEpoch(p, hyper('warp', false), Int32Array.of(0), alwaysOne, lightFmScratch(2));
    expectAll(p.userEmb, [1, 2, 0, 0]);
    expectAll(p.itemBias, [0, 0]);
  });
});
