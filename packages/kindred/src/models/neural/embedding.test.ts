import { describe, expect, it } from 'vitest';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { RowGrad } from './row-grad.js';

/** The row-sparse gradient scattered into a dense table-shaped array. */
function dense(g: RowGrad): Float64Array {
  const out = new Float64Array(g.tableRows * g.dim);
  for (let s = 0; s < g.count; s++)
    for (let j = 0; j < g.dim; j++) out[g.rows[s] * g.dim + j] = g.values[s * g.dim + j];
  return out;
}

describe('embedding lookup', () => {
  it('the row-sparse table gradient matches finite differences, with repeated ids and padding', () => {
    const rng = new Rng(21);
    const rows = 9;
    const dim = 4;
    const ids = new Int32Array([3, 0, 3, -1, 8, 3, -1, 5]);
    const table = randomVec(rng, rows * dim);
    const r = randomVec(rng, ids.length * dim);
    const out = new Float64Array(ids.length * dim);
    const loss = () => {
      embeddingForward(table, ids, out, ids.length, dim);
      return dotAll(out, r);
    };
    loss();
    const g = new RowGrad(rows, dim, 8, Float64Array);
    embeddingBackward(ids, r, g, ids.length, dim);
    expect(gradError(loss, table, dense(g))).toBeLessThan(GRAD_TOL);
    // each touched row once, in first-touch order; padding touches nothing
    expect([...g.rows.subarray(0, g.count)]).toEqual([3, 0, 8, 5]);
  });

  it('padding (id −1) gives a zero vector', () => {
    const out = new Float32Array([9, 9, 9, 9]);
    embeddingForward(new Float32Array([1, 2, 3, 4]), new Int32Array([1, -1]), out, 2, 2);
    expect([...out]).toEqual([3, 4, 0, 0]);
  });

  it('clear() forgets only the touched rows; a re-touched row starts from zero', () => {
    const g = new RowGrad(50_000, 2, 4);
    embeddingBackward(new Int32Array([49_999, 7]), new Float32Array([1, 1, 2, 2]), g, 2, 2);
    expect(g.count).toBe(2);
    g.clear();
    expect(g.count).toBe(0);
    embeddingBackward(new Int32Array([7]), new Float32Array([5, 6]), g, 1, 2);
    expect(g.count).toBe(1);
    expect(g.rows[0]).toBe(7);
    expect([...g.values.subarray(0, 2)]).toEqual([5, 6]);
  });

  it('refuses more distinct rows than its capacity, naming the limit', () => {
    const g = new RowGrad(10, 1, 2);
    expect(() => embeddingBackward(new Int32Array([1, 2, 3]), new Float32Array(3), g, 3, 1)).toThrow(
      /more than 2 distinct rows/,
    );
  });
});
