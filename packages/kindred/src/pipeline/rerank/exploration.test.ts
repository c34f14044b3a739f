import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import type { RankedItem } from '../rank.js';
import { ItemExposure, betaSample, epsilonGreedyExploration, thompsonExploration } from './exploration.js';

function ranked(scores: number[]): RankedItem[] {
  return scores.map((score, item) => ({ item, score, candidateScore: score, modelScore: NaN, reasons: [] }));
}

function std(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

describe('ItemExposure', () => {
  it('counts and gives the posterior mean (1 + c) / (2 + n)', () => {
    const e = new ItemExposure();
    e.record(3, 10, 4);
    e.shown([3, 5]);
    expect(e.impressionsOf(3)).toBe(11);
    expect(e.posteriorMean(3)).toBeCloseTo(5 / 13, 12);
    expect(e.posteriorMean(99)).toBe(0.5);
    expect(() => e.record(1, 1, 2)).toThrow(/more clicks/);
  });
});

describe('betaSample', () => {
  it('has the Beta mean a / (a + b) and is deterministic under a seed', () => {
    const rng = new Rng(5);
    const xs = Array.from({ length: 4000 }, () => betaSample(rng, 3, 7));
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.3, 1);
    const a = new Rng(9),
      b = new Rng(9);
    expect(betaSample(a, 2, 2)).toBe(betaSample(b, 2, 2));
  });
});

describe('Thompson exploration', () => {
  it('is deterministic under a seed', () => {
    const e = new ItemExposure(5);
    const run = () => thompsonExploration(ranked([0.5, 0.4, 0.3, 0.2, 0.1]), e, { weight: 0.5, rng: new Rng(3) });
    expect(run().map((r) => r.item)).toEqual(run().map((r) => r.item));
    expect(run().map((r) => r.score)).toEqual(run().map((r) => r.score));
  });

  it('the bonus of a new item varies widely; after many impressions it shrinks to its click-through', () => {
    const e = new ItemExposure(2);
    e.record(1, 10_000, 500); // CTR 5 %
    const rng = new Rng(11);
    const fresh: number[] = [],
      shown: number[] = [];
    for (let t = 0; t < 500; t++) {
      const out = thompsonExploration(ranked([0, 0]), e, { weight: 1, rng });
      for (const r of out) (r.item === 0 ? fresh : shown).push(r.score);
    }
    expect(std(fresh)).toBeGreaterThan(0.25); // uniform: 1/√12 ≈ 0.29
    expect(std(shown)).toBeLessThan(0.01);
    expect(shown.reduce((a, b) => a + b, 0) / shown.length).toBeCloseTo(0.05 - 0.5, 2);
  });

  it('a never-shown item sometimes overtakes a better-scored, well-known low-CTR one', () => {
    const e = new ItemExposure(2);
    e.record(0, 5000, 50); // 1 % CTR
    const rng = new Rng(1);
    let overtakes = 0;
    for (let t = 0; t < 200; t++)
      if (thompsonExploration(ranked([0.1, 0]), e, { weight: 1, rng })[0].item === 1) overtakes++;
    // P(θ_new − ½ > 0.1 + 0.01 − ½) ≈ 0.89.
    expect(overtakes).toBeGreaterThan(150);
    expect(thompsonExploration(ranked([0.1, 0]), e, { weight: 0, rng })[0].item).toBe(0);
  });
});

describe('epsilon-greedy exploration', () => {
  it('ε = 0 keeps the order; ε = 1 fills every slot from below the page, favouring unshown items', () => {
    const e = new ItemExposure(6);
    e.record(4, 1000);
    const keep = epsilonGreedyExploration(ranked([6, 5, 4, 3, 2, 1]), e, { epsilon: 0, k: 2, rng: new Rng(1) });
    expect(keep.map((r) => r.item)).toEqual([0, 1, 2, 3, 4, 5]);
    let item4First = 0;
    for (let s = 0; s < 300; s++) {
      const out = epsilonGreedyExploration(ranked([6, 5, 4, 3, 2, 1]), e, { epsilon: 1, k: 2, rng: new Rng(s) });
      expect(out).toHaveLength(6);
      expect(new Set(out.map((r) => r.item)).size).toBe(6);
      expect([0, 1]).not.toContain(out[0].item);
      // The displaced page items follow, in order.
      expect(out.slice(2, 4).map((r) => r.item)).toEqual([0, 1]);
      if (out[0].item === 4) item4First++;
    }
    // Weights 1, 1, 1/1001, 1: item 4 almost never explored.
    expect(item4First).toBeLessThan(3);
  });

  it('is deterministic under a seed and explores about ε of the slots', () => {
    const e = new ItemExposure();
    const run = (seed: number) =>
      epsilonGreedyExploration(ranked(Array.from({ length: 100 }, (_, i) => 100 - i)), e, {
        epsilon: 0.2,
        k: 10,
        rng: new Rng(seed),
      }).map((r) => r.item);
    expect(run(4)).toEqual(run(4));
    let explored = 0;
    for (let s = 0; s < 200; s++)
      explored += run(s)
        .slice(0, 10)
        .filter((i) => i >= 10).length;
    expect(explored / 2000).toBeGreaterThan(0.15);
    expect(explored / 2000).toBeLessThan(0.25);
  });
});
