import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { SIMILARITIES, similarityMatrix, similarityRowRange, type SimilarityOptions } from './similarity.js';

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
const userInput = { xRows: tiny.byUser(), yRows: tiny.byItem() };
const opts: SimilarityOptions = { minSupport: 1, shrinkage: 100 };
const n = 4;
const at = (sim: Float64Array, a: number, b: number) => sim[a * n + b];

describe('similarities on a hand-computed matrix (user-based)', () => {
  it('cosine over co-rated items only', () => {
    const sim = similarityMatrix('cosine', userInput, opts);
    expect(at(sim, 0, 1)).toBeCloseTo(26 / Math.sqrt(34 * 20), 12); // (5,3)·(4,2)
    expect(at(sim, 0, 2)).toBeCloseTo(19 / Math.sqrt(25 * 26), 12); // (3,4)·(5,1)
    expect(at(sim, 1, 2)).toBeCloseTo(13 / Math.sqrt(5 * 34), 12); // (2,1)·(5,3)
    expect(at(sim, 0, 3)).toBeCloseTo(1, 12); // one common item
    expect(at(sim, 2, 3)).toBe(0); // none in common
  });

  it('msd is 1 / (mean squared difference + 1)', () => {
    const sim = similarityMatrix('msd', userInput, opts);
    expect(at(sim, 0, 1)).toBeCloseTo(1 / (2 / 2 + 1), 12);
    expect(at(sim, 0, 2)).toBeCloseTo(1 / (13 / 2 + 1), 12);
    expect(at(sim, 1, 2)).toBeCloseTo(1 / (13 / 2 + 1), 12);
    expect(at(sim, 0, 3)).toBeCloseTo(1 / (9 + 1), 12);
    expect(at(sim, 2, 3)).toBe(0);
  });

  it('pearson centres on the co-rated means; undefined (one common item) is 0', () => {
    const sim = similarityMatrix('pearson', userInput, opts);
    expect(at(sim, 0, 1)).toBeCloseTo(1, 12);
    expect(at(sim, 0, 2)).toBeCloseTo(-1, 12);
    expect(at(sim, 1, 2)).toBeCloseTo(1, 12);
    expect(at(sim, 0, 3)).toBe(0);
  });

  it('pearson_baseline is the shrunk cosine of baseline residuals and needs 2 common items', () => {
    const baselines = {
      mu: 3,
      bx: Float64Array.from([0.5, -0.5, 0, 0]),
      by: Float64Array.from([1, -1, 0, 0]),
    };
    // Residuals r − (μ + b_u + b_i): u0 (0.5, 0.5, 0.5 on i0 i1 i2), u1 (0.5, 0.5, −1.5 on i0 i1 i3),
    // u2 (3, −2, 0 on i1 i2 i3), u3 (−2 on i0).
    const raw01 = 1,
      raw02 = 0.5 / Math.sqrt(0.5 * 13),
      raw12 = 1.5 / Math.sqrt(2.5 * 9);
    const none = similarityMatrix('pearson_baseline', userInput, { ...opts, shrinkage: 0, baselines });
    expect(at(none, 0, 1)).toBeCloseTo(raw01, 12);
    expect(at(none, 0, 2)).toBeCloseTo(raw02, 12);
    expect(at(none, 1, 2)).toBeCloseTo(raw12, 12);
    expect(at(none, 0, 3)).toBe(0); // support 1 < max(2, minSupport)
    const shrunk = similarityMatrix('pearson_baseline', userInput, { ...opts, shrinkage: 3, baselines });
    // Two common items: (f − 1) / (f − 1 + 3) = 1/4.
    expect(at(shrunk, 0, 1)).toBeCloseTo(raw01 / 4, 12);
    expect(at(shrunk, 0, 2)).toBeCloseTo(raw02 / 4, 12);
    expect(at(shrunk, 1, 2)).toBeCloseTo(raw12 / 4, 12);
    expect(() => similarityMatrix('pearson_baseline', userInput, opts)).toThrow(/baselines/);
  });

  it('minSupport zeroes pairs with too few common items', () => {
    for (const name of ['cosine', 'msd', 'pearson'] as const) {
      const sim = similarityMatrix(name, userInput, { ...opts, minSupport: 2 });
      expect(at(sim, 0, 3)).toBe(0);
      expect(at(sim, 0, 1)).not.toBe(0);
      const none = similarityMatrix(name, userInput, { ...opts, minSupport: 3 });
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(at(none, a, b)).toBe(a === b ? 1 : 0);
    }
  });

  it('item-based uses the transposed orientation', () => {
    const sim = similarityMatrix('msd', { xRows: tiny.byItem(), yRows: tiny.byUser() }, opts);
    // i0 and i1 are co-rated by u0 (5,3) and u1 (4,2).
    expect(sim[0 * 4 + 1]).toBeCloseTo(1 / ((4 + 4) / 2 + 1), 12);
  });
});

describe('similarity matrices: invariants', () => {
  const data = synthetic({ users: 70, items: 50, interactions: 1200, seed: 5 });
  const input = { xRows: data.byUser(), yRows: data.byItem() };
  const nu = data.nUsers;
  const baselines = {
    mu: data.mean(),
    bx: new Float64Array(nu).fill(0.1),
    by: new Float64Array(data.nItems).fill(-0.2),
  };

  it('are symmetric with a unit diagonal and bounded by 1 in absolute value', () => {
    for (const name of SIMILARITIES) {
      const sim = similarityMatrix(name, input, { minSupport: 1, shrinkage: 10, baselines });
      let bad = 0,
        nonZero = 0;
      for (let a = 0; a < nu; a++) {
        if (sim[a * nu + a] !== 1) bad++;
        for (let b = 0; b < nu; b++) {
          const s = sim[a * nu + b];
          if (s !== sim[b * nu + a] || !(Math.abs(s) <= 1 + 1e-12)) bad++;
          if (a !== b && s !== 0) nonZero++;
        }
      }
      expect(bad).toBe(0);
      expect(nonZero).toBeGreaterThan(nu); // the data has co-ratings: not a trivially empty matrix
    }
  });

  it('row ranges computed separately give the full matrix', () => {
    for (const name of SIMILARITIES) {
      const o = { minSupport: 2, shrinkage: 10, baselines };
      const full = similarityMatrix(name, input, o);
      const parts = new Float64Array(nu * nu);
      for (let a = 0; a < nu; a++) parts[a * nu + a] = 1;
      similarityRowRange(name, input, o, 40, nu, parts);
      similarityRowRange(name, input, o, 0, 17, parts);
      similarityRowRange(name, input, o, 17, 40, parts);
      expect(parts).toEqual(full);
    }
  });
});
