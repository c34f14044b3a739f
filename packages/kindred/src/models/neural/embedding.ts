// Embedding lookup: a gather of table rows by id, and its backward as a row-sparse scatter-add. Id −1 is padding: a
// zero vector that receives no gradient (PyTorch's `padding_idx`, without reserving a real row for it).
import type { RowGrad } from './row-grad.js';
import type { Vec } from './vec.js';

/**
 * out[i] = table[ids[i]] for the first `count` ids (rows of length dim); id −1 gives a zero row.
 *
 * @example
 * const out = new Float32Array(4);
 * embeddingForward(new Float32Array([1, 2, 3, 4, 5, 6]), new Int32Array([2, -1]), out, 2, 2); // out = [5, 6, 0, 0]
 */
export function embeddingForward(table: Vec, ids: Int32Array, out: Vec, count: number, dim: number): void {
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    const o = i * dim;
    if (id < 0) {
      out.fill(0, o, o + dim);
      continue;
    }
    const t = id * dim;
    for (let j = 0; j < dim; j++) out[o + j] = table[t + j];
  }
}

/**
 * grad[ids[i]] += dout[i] for the first `count` ids, into a row-sparse gradient (repeated ids sum; padding is
 * skipped).
 *
 * @example
 * const g = new RowGrad(3, 2, 2);
 * embeddingBackward(new Int32Array([1, 1]), new Float32Array([1, 2, 3, 4]), g, 2, 2);
 * // g.count = 1, g.rows[0] = 1, g.values = [4, 6]
 */
export function embeddingBackward(ids: Int32Array, dout: Vec, grad: RowGrad, count: number, dim: number): void {
  const v = grad.values;
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (id < 0) continue;
    const s = grad.slotOf(id) * dim;
    const o = i * dim;
    for (let j = 0; j < dim; j++) v[s + j] += dout[o + j];
  }
}

/**
 * dTable[ids[i]] += dout[i] into a dense table gradient: the lookup's backward when the table is also a dense
 * parameter (an item table tied to the output layer of a full softmax, whose gradient touches every row anyway).
 *
 * @example
 * const dt = new Float32Array(4);
 * embeddingBackwardDense(new Int32Array([1, -1]), new Float32Array([1, 2, 3, 4]), dt, 2, 2); // dt = [0, 0, 1, 2]
 */
export function embeddingBackwardDense(ids: Int32Array, dout: Vec, dTable: Vec, count: number, dim: number): void {
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (id < 0) continue;
    const t = id * dim;
    const o = i * dim;
    for (let j = 0; j < dim; j++) dTable[t + j] += dout[o + j];
  }
}
