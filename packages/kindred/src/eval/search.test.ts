import { describe, expect, it } from 'vitest';
import { synthetic } from '../data/synthetic.js';
import { InvalidParameterError } from '../errors.js';
import { crossValidate } from './cross-validate.js';
import { gridCombinations, gridSearch, randomSearch, sampleConfigurations } from './search.js';
import { Popularity, simpleKFold, UserMean } from './test-models.case.js';

const data = synthetic({ users: 100, items: 60, interactions: 1500, seed: 9 });
const splits = simpleKFold(data, 3, 2);

describe('gridCombinations', () => {
  it('enumerates the product, last key fastest', () => {
    expect(gridCombinations({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
    expect(gridCombinations({})).toEqual([{}]);
    expect(() => gridCombinations({ a: [] })).toThrow(InvalidParameterError);
  });
});

describe('gridSearch', () => {
  const grid = { shrink: [0, 5, 50], offset: [0, 0.4] };

  it('returns every combination once, ranked by the mean of the first metric (lower RMSE first)', () => {
    const seen: number[] = [];
    const s = gridSearch((p) => new UserMean(p), grid, splits, {
      metrics: ['rmse', 'mae'],
      onConfig: ({ index, total }) => {
        expect(total).toBe(6);
        seen.push(index);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.rankBy).toBe('rmse');
    expect(s.higherIsBetter).toBe(false);
    expect(s.results.length).toBe(6);
    const keys = s.results.map((r) => JSON.stringify(r.params)).sort();
    expect(keys).toEqual(
      gridCombinations(grid)
        .map((p) => JSON.stringify(p))
        .sort(),
    );
    expect(s.results.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let k = 1; k < s.results.length; k++)
      expect(s.results[k].score).toBeGreaterThanOrEqual(s.results[k - 1].score);
    expect(s.best).toBe(s.results[0]);
    // Every entry carries the same numbers a direct cross-validation gives.
    for (const r of s.results) {
      const cv = crossValidate(new UserMean(r.params), splits, { metrics: ['rmse', 'mae'] });
      expect(r.mean).toEqual(cv.mean);
      expect(r.std).toEqual(cv.std);
      expect(r.perFold).toEqual(cv.perFold);
      expect(r.score).toBe(cv.mean.rmse);
      expect(r.fitSeconds.length).toBe(3);
    }
  });

  it('ranks higher-is-better metrics descending and accepts rankBy without @k', () => {
    const s = gridSearch((p) => new Popularity(p), { invert: [true, false] }, splits, {
      metrics: ['precision', 'ndcg'],
      k: 5,
      rankBy: 'ndcg',
    });
    expect(s.rankBy).toBe('ndcg@5');
    expect(s.higherIsBetter).toBe(true);
    expect(s.best.params).toEqual({ invert: false });
    expect(s.results[0].score).toBeGreaterThan(s.results[1].score);
    expect(() =>
      gridSearch((p) => new Popularity(p), { invert: [false] }, splits, { metrics: ['ndcg'], rankBy: 'mae' }),
    ).toThrow(InvalidParameterError);
  });
});

describe('randomSearch', () => {
  const space = {
    shrink: { low: 1, high: 100, log: true, integer: true },
    offset: { low: -0.5, high: 0.5 },
    label: ['a', 'b'],
  };

  it('draws seeded, in-range configurations', () => {
    const a = sampleConfigurations(space, 50, 11);
    expect(sampleConfigurations(space, 50, 11)).toEqual(a);
    expect(sampleConfigurations(space, 50, 12)).not.toEqual(a);
    for (const p of a) {
      expect(Number.isInteger(p.shrink)).toBe(true);
      expect(p.shrink).toBeGreaterThanOrEqual(1);
      expect(p.shrink).toBeLessThanOrEqual(100);
      expect(p.offset).toBeGreaterThanOrEqual(-0.5);
      expect(p.offset).toBeLessThan(0.5);
      expect(['a', 'b']).toContain(p.label);
    }
    // Log-uniform: about half the draws fall below √(1·101) ≈ 10.
    const small = a.filter((p) => (p.shrink as number) < 10).length;
    expect(small).toBeGreaterThan(10);
    expect(small).toBeLessThan(40);
    expect(() => sampleConfigurations({ x: { low: 0, high: 1, log: true } }, 1, 0)).toThrow(InvalidParameterError);
    expect(() => sampleConfigurations({ x: { low: 2, high: 1 } }, 1, 0)).toThrow(InvalidParameterError);
  });

  it('cross-validates n configurations, deterministically, ranked', () => {
    const create = (p: Record<string, unknown>) =>
      new UserMean({ shrink: p.shrink as number, offset: p.offset as number });
    const numeric = { shrink: space.shrink, offset: space.offset };
    const a = randomSearch(create, numeric, 4, 5, splits, { metrics: ['mae'] });
    const b = randomSearch(create, numeric, 4, 5, splits, { metrics: ['mae'] });
    expect(a.results.length).toBe(4);
    expect(a.results.map((r) => r.params)).toEqual(b.results.map((r) => r.params));
    expect(a.results.map((r) => r.score)).toEqual(b.results.map((r) => r.score));
    expect(a.best.score).toBe(Math.min(...a.results.map((r) => r.score)));
    const drawn = sampleConfigurations(numeric, 4, 5)
      .map((p) => JSON.stringify(p))
      .sort();
    expect(a.results.map((r) => JSON.stringify(r.params)).sort()).toEqual(drawn);
  });
});
