// Row-wise L2 normalisation with a scale, y = s·x/‖x‖: the two-tower model's output layer (Yi et al. 2019 §4
// normalise both towers' embeddings so that their dot product is a cosine, and divide it by a temperature τ; with
// s = 1/√τ on each side the dot product is cos/τ). The norm is smoothed, ‖x‖ = √(Σx² + ε), so a zero row (an item
// with neither an id embedding nor features) gives zeros instead of 0/0, and the backward pass is the exact
// derivative of that smoothed forward: dx = (s/‖x‖)·(dy − x·(x·dy)/‖x‖²).
import type { Vec } from './vec.js';

/** ε under the square root of the row norm (PyTorch's F.normalize clamps at 1e-12; this is its smooth analogue). */
export const L2_EPS = 1e-12;

/**
 * y[r] = scale·x[r]/√(‖x[r]‖² + ε) for `rows` rows of `dim`; `norms[r]` keeps each row's smoothed norm for the
 * backward pass.
 *
 * @example
 * const y = new Float32Array(2), norms = new Float32Array(1);
 * l2NormalizeForward(new Float32Array([3, 4]), y, norms, 1, 2, 1); // y = [0.6, 0.8], norms = [5]
 */
export function l2NormalizeForward(x: Vec, y: Vec, norms: Vec, rows: number, dim: number, scale: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let sq = L2_EPS;
    for (let j = 0; j < dim; j++) sq += x[o + j] * x[o + j];
    const n = Math.sqrt(sq);
    norms[r] = n;
    const f = scale / n;
    for (let j = 0; j < dim; j++) y[o + j] = x[o + j] * f;
  }
}

/**
 * dx[r] += (scale/n)·(dy[r] − x[r]·(x[r]·dy[r])/n²) with n the row's norm from the forward pass (adds, as every
 * backward here).
 *
 * @example
 * const dx = new Float32Array(2);
 * l2NormalizeBackward(new Float32Array([3, 4]), new Float32Array([5]), new Float32Array([1, 0]), dx, 1, 2, 1);
 * // dx = [(1 − 9/25)/5, −12/125] = [0.128, −0.096]
 */
export function l2NormalizeBackward(
  x: Vec,
  norms: Vec,
  dy: Vec,
  dx: Vec,
  rows: number,
  dim: number,
  scale: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    const n = norms[r];
    let xdy = 0;
    for (let j = 0; j < dim; j++) xdy += x[o + j] * dy[o + j];
    const f = scale / n;
    const g = xdy / (n * n);
    for (let j = 0; j < dim; j++) dx[o + j] += f * (dy[o + j] - x[o + j] * g);
  }
}
