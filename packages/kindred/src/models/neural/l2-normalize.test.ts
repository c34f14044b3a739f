import { describe, expect, it } from 'vitest';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { Graph } from './graph.js';
import { l2NormalizeBackward, l2NormalizeForward } from './l2-normalize.js';
import { zeroGrads } from './param.js';

describe('l2 normalisation', () => {
  it('scales each row to length `scale`; a zero row stays zero', () => {
    const y = new Float32Array(4);
    const norms = new Float32Array(2);
    l2NormalizeForward(new Float32Array([3, 4, 0, 0]), y, norms, 2, 2, 2);
    expect(Array.from(y)).toEqual([1.2000000476837158, 1.600000023841858, 0, 0]);
    expect(norms[0]).toBeCloseTo(5, 6);
  });

  it('gradient matches central finite differences (float64), with and without a scale', () => {
    const rng = new Rng(5);
    for (const [rows, dim, scale] of [
      [1, 1, 1],
      [3, 4, 1],
      [5, 7, 3.5],
    ]) {
      const x = randomVec(rng, rows * dim);
      const r = randomVec(rng, rows * dim);
      const y = new Float64Array(rows * dim);
      const norms = new Float64Array(rows);
      const loss = () => {
        l2NormalizeForward(x, y, norms, rows, dim, scale);
        return dotAll(y, r);
      };
      loss();
      const dx = new Float64Array(x.length);
      l2NormalizeBackward(x, norms, r, dx, rows, dim, scale);
      expect(gradError(loss, x, dx)).toBeLessThan(GRAD_TOL);
    }
  });

  it('Graph.l2Normalize wires the kernel into the tape (gradient through a loss, float64)', () => {
    const g = new Graph(Float64Array);
    const rng = new Rng(9);
    const x = g.weight('x', [3, 4], (v) => v.set(randomVec(rng, 12)));
    g.softmaxCrossEntropy(g.l2Normalize(x, 3), Int32Array.of(0, 2, 3));
    zeroGrads(g.params);
    g.forward();
    g.backward();
    expect(gradError(() => g.forward(), x.value as Float64Array, Float64Array.from(x.grad))).toBeLessThan(GRAD_TOL);
  });
});
