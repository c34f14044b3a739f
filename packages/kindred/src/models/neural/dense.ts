// A fully connected layer Y = X·W + b over a batch, W stored in×out row-major (so the forward product is the
// contiguous i-k-j kernel and PyTorch's `Linear.weight` is its transpose). Backward passes ADD into every gradient
// buffer, the convention of every op here: a tensor read by two ops (a residual connection) collects both
// contributions, and the trainer zeroes gradients once per step.
import { matmul, matmulNT, matmulTN } from './matmul.js';
import type { Vec } from './vec.js';

/** Shape of a dense layer applied to `batch` rows. */
export interface DenseShape {
  batch: number;
  inDim: number;
  outDim: number;
}

/**
 * y = x·w + b (b may be null: no bias). x is batch×in, w in×out, b out, y batch×out.
 *
 * @example
 * const y = new Float32Array(2);
 * denseForward(new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), new Float32Array([0.5, 0]), y,
 *   { batch: 1, inDim: 2, outDim: 2 }); // y = [1.5, 2]
 */
export function denseForward(x: Vec, w: Vec, b: Vec | null, y: Vec, s: DenseShape): void {
  matmul(x, w, y, s.batch, s.inDim, s.outDim);
  if (b) addBias(y, b, s.batch, s.outDim);
}

/**
 * Backward of {@link denseForward}: dw += xᵀ·dy, db += Σ_rows dy, dx += dy·wᵀ. Pass null for a gradient that is not
 * needed (dx of the first layer, db without a bias).
 *
 * @example
 * const dw = new Float32Array(4), db = new Float32Array(2), dx = new Float32Array(2);
 * denseBackward(new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), new Float32Array([1, 1]), dx, dw, db,
 *   { batch: 1, inDim: 2, outDim: 2 }); // dw = [1, 1, 2, 2], db = [1, 1], dx = [1, 1]
 */
export function denseBackward(
  x: Vec,
  w: Vec,
  dy: Vec,
  dx: Vec | null,
  dw: Vec | null,
  db: Vec | null,
  s: DenseShape,
): void {
  if (dw) matmulTN(x, dy, dw, s.inDim, s.batch, s.outDim, true);
  if (db) biasGrad(dy, db, s.batch, s.outDim);
  if (dx) matmulNT(dy, w, dx, s.batch, s.outDim, s.inDim, true);
}

/**
 * y[r, j] += b[j] for every row r of a rows×cols matrix.
 *
 * @example
 * const y = new Float32Array([1, 1, 1, 1]);
 * addBias(y, new Float32Array([1, 2]), 2, 2); // y = [2, 3, 2, 3]
 */
export function addBias(y: Vec, b: Vec, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) y[o + j] += b[j];
  }
}

/**
 * db[j] += Σ_r dy[r, j]: the bias gradient (the bias is broadcast over rows, so its gradient sums over them).
 *
 * @example
 * const db = new Float32Array(2);
 * biasGrad(new Float32Array([1, 2, 3, 4]), db, 2, 2); // db = [4, 6]
 */
export function biasGrad(dy: Vec, db: Vec, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) db[j] += dy[o + j];
  }
}
