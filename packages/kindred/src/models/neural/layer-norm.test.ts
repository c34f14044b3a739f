import { describe, expect, it } from 'vitest';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { layerNormBackward, layerNormForward } from './layer-norm.js';

describe('layer norm', () => {
  it('normalises a row by hand (biased variance), then applies γ and β', () => {
    const y = new Float64Array(4);
    const mean = new Float64Array(1);
    const rstd = new Float64Array(1);
    // x = [1, 2, 3, 4]: μ = 2.5, σ² = 1.25
    layerNormForward(
      new Float64Array([1, 2, 3, 4]),
      new Float64Array([2, 2, 2, 2]),
      new Float64Array([1, 1, 1, 1]),
      y,
      mean,
      rstd,
      { rows: 1, dim: 4, eps: 0 },
    );
    const s = Math.sqrt(1.25);
    expect(mean[0]).toBe(2.5);
    expect([...y].map((v) => +v.toFixed(12))).toEqual(
      [-1.5, -0.5, 0.5, 1.5].map((c) => +((2 * c) / s + 1).toFixed(12)),
    );
  });

  it('gradients of x, γ and β match central finite differences (float64)', () => {
    const rng = new Rng(8);
    const shape = { rows: 5, dim: 6, eps: 1e-5 };
    const n = shape.rows * shape.dim;
    const x = randomVec(rng, n, 2);
    const gamma = randomVec(rng, shape.dim);
    const beta = randomVec(rng, shape.dim);
    const r = randomVec(rng, n);
    const y = new Float64Array(n);
    const mean = new Float64Array(shape.rows);
    const rstd = new Float64Array(shape.rows);
    const loss = () => {
      layerNormForward(x, gamma, beta, y, mean, rstd, shape);
      return dotAll(y, r);
    };
    loss();
    const dx = new Float64Array(n);
    const dg = new Float64Array(shape.dim);
    const db = new Float64Array(shape.dim);
    layerNormBackward(x, gamma, r, mean, rstd, dx, dg, db, shape);
    expect(gradError(loss, x, dx)).toBeLessThan(GRAD_TOL);
    expect(gradError(loss, gamma, dg)).toBeLessThan(GRAD_TOL);
    expect(gradError(loss, beta, db)).toBeLessThan(GRAD_TOL);
  });
});
