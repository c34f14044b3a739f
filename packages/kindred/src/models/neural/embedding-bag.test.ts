import { describe, expect, it } from 'vitest';
import { embeddingBagBackward, embeddingBagForward } from './embedding-bag.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { RowGrad } from './row-grad.js';

describe('embedding bag', () => {
  it('sums weighted rows per bag (empty bag → zeros); the table gradient matches finite differences', () => {
    const rng = new Rng(71);
    const [rows, dim, bags] = [6, 3, 4];
    const offsets = new Int32Array([0, 3, 3, 5, 7]); // bag 1 is empty
    const ids = new Int32Array([1, 4, 1, 0, 5, 4, 2]);
    const weights = randomVec(rng, ids.length);
    const table = randomVec(rng, rows * dim);
    const r = randomVec(rng, bags * dim);
    const out = new Float64Array(bags * dim);
    const loss = () => {
      embeddingBagForward(table, ids, weights, offsets, out, bags, dim);
      return dotAll(out, r);
    };
    loss();
    for (let j = 0; j < dim; j++) {
      expect(out[dim + j]).toBe(0);
      expect(out[j]).toBeCloseTo(
        weights[0] * table[dim + j] + weights[1] * table[4 * dim + j] + weights[2] * table[dim + j],
        14,
      );
    }
    const g = new RowGrad(rows, dim, rows, Float64Array);
    embeddingBagBackward(ids, weights, offsets, r, g, bags, dim);
    const dense = new Float64Array(rows * dim);
    for (let s = 0; s < g.count; s++) for (let j = 0; j < dim; j++) dense[g.rows[s] * dim + j] = g.values[s * dim + j];
    expect(gradError(loss, table, dense)).toBeLessThan(GRAD_TOL);
  });
});
