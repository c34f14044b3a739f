import { describe, expect, it } from 'vitest';
import { batchScoresBackward, batchScoresForward, rowDotsBackward, rowDotsForward } from './batch-scores.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { Graph } from './graph.js';

describe('rowDots and batchScores', () => {
  it('rowDots: gradients of both inputs match finite differences', () => {
    const rng = new Rng(1);
    const [rows, dim] = [3, 4];
    const a = randomVec(rng, rows * dim),
      b = randomVec(rng, rows * dim),
      r = randomVec(rng, rows);
    const y = new Float64Array(rows);
    const f = () => (rowDotsForward(a, b, y, rows, dim), dotAll(y, r));
    const da = new Float64Array(a.length),
      db = new Float64Array(b.length);
    f();
    rowDotsBackward(a, b, r, da, db, rows, dim);
    expect(gradError(f, a, da)).toBeLessThan(GRAD_TOL);
    expect(gradError(f, b, db)).toBeLessThan(GRAD_TOL);
  });

  it('batchScores: equals a per-group a·cᵀ and its gradients match finite differences', () => {
    const rng = new Rng(2);
    const s = { batch: 2, len: 3, k: 5, dim: 4 };
    const a = randomVec(rng, s.batch * s.len * s.dim),
      c = randomVec(rng, s.batch * s.k * s.dim),
      r = randomVec(rng, s.batch * s.len * s.k);
    const y = new Float64Array(r.length);
    const f = () => (batchScoresForward(a, c, y, s), dotAll(y, r));
    f();
    // entry (b=1, t=2, j=4) by hand
    let want = 0;
    for (let d = 0; d < s.dim; d++) want += a[(1 * s.len + 2) * s.dim + d] * c[(1 * s.k + 4) * s.dim + d];
    expect(y[(1 * s.len + 2) * s.k + 4]).toBeCloseTo(want, 12);
    const da = new Float64Array(a.length),
      dc = new Float64Array(c.length);
    batchScoresBackward(a, c, r, da, dc, s);
    expect(gradError(f, a, da)).toBeLessThan(GRAD_TOL);
    expect(gradError(f, c, dc)).toBeLessThan(GRAD_TOL);
  });

  it('Graph.scale multiplies forward and backward by the constant', () => {
    const g = new Graph(Float64Array);
    const w = g.weight('w', [1, 2], (v) => v.set([1, -2]));
    const y = g.scale(w, 3);
    g.bceWithLogits(y, new Float64Array([1, 0]), null);
    g.forward();
    expect(Array.from(y.value)).toEqual([3, -6]);
    g.backward();
    const p = g.params[0];
    const analytic = p.kind === 'dense' ? Float64Array.from(p.grad) : new Float64Array(0);
    expect(gradError(() => g.forward(), p.value as Float64Array, analytic)).toBeLessThan(GRAD_TOL);
  });
});
