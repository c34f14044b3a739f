// Embedding bag: the weighted sum of table rows per bag, PyTorch's `EmbeddingBag(mode='sum')` with per-sample weights.
// It is a sparse-input dense layer: Mult-VAE's encoder multiplies a user's normalised multi-hot history by W
// (1682 or 50k rows), which costs nnz·width as a bag instead of rows·items·width as a dense product, and the two-tower
// user tower pools the recent history the same way. The gradient is row-sparse, like the lookup's.
import type { RowGrad } from './row-grad.js';
import type { Vec } from './vec.js';

/**
 * out[b] = Σ_{i ∈ [offsets[b], offsets[b+1])} w_i·table[ids[i]] for `bags` bags (w_i = 1 when weights is null); an
 * empty bag gives zeros. `offsets` has bags + 1 entries, CSR style.
 *
 * @example
 * const out = new Float32Array(2);
 * embeddingBagForward(new Float32Array([1, 2, 3, 4]), new Int32Array([0, 1]), new Float32Array([0.5, 0.5]),
 *   new Int32Array([0, 2]), out, 1, 2); // out = [2, 3]
 */
export function embeddingBagForward(
  table: Vec,
  ids: Int32Array,
  weights: Vec | null,
  offsets: Int32Array,
  out: Vec,
  bags: number,
  dim: number,
): void {
  out.fill(0, 0, bags * dim);
  for (let b = 0; b < bags; b++) {
    const o = b * dim;
    for (let i = offsets[b]; i < offsets[b + 1]; i++) {
      const w = weights ? weights[i] : 1;
      const t = ids[i] * dim;
      for (let j = 0; j < dim; j++) out[o + j] += w * table[t + j];
    }
  }
}

/**
 * grad[ids[i]] += w_i·dout[bag of i]: backward of {@link embeddingBagForward} into a row-sparse gradient.
 *
 * @example
 * const g = new RowGrad(2, 2, 2);
 * embeddingBagBackward(new Int32Array([0, 1]), null, new Int32Array([0, 2]), new Float32Array([1, 2]), g, 1, 2);
 * // rows 0 and 1 each receive [1, 2]
 */
export function embeddingBagBackward(
  ids: Int32Array,
  weights: Vec | null,
  offsets: Int32Array,
  dout: Vec,
  grad: RowGrad,
  bags: number,
  dim: number,
): void {
  const v = grad.values;
  for (let b = 0; b < bags; b++) {
    const o = b * dim;
    for (let i = offsets[b]; i < offsets[b + 1]; i++) {
      const w = weights ? weights[i] : 1;
      const s = grad.slotOf(ids[i]) * dim;
      for (let j = 0; j < dim; j++) v[s + j] += w * dout[o + j];
    }
  }
}
