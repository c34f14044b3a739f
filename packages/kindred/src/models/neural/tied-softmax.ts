// Full softmax cross-entropy against an output matrix, fused and chunked: SASRec+'s loss (Klenitskiy & Vasilev 2023)
// with the item embedding table E (n×dim) as the output layer, logits = h·Eᵀ. Materialising every logit at once is
// what makes full softmax expensive in memory (a batch of 128 sequences × 50 positions × 50k items is 1.28 GB of
// float32); here the valid rows are gathered `chunkRows` at a time, their logits computed, turned into dLoss/dlogits
// in place, and used at once for dh = dlogits·E and dE += dlogitsᵀ·h, so the workspace is chunkRows·n floats. Padded
// rows (target −1) are skipped before any product, not computed and masked.
import { matmul, matmulNT, matmulTN } from './matmul.js';
import type { Vec, VecConstructor } from './vec.js';

/** Buffers of one fused softmax: allocate once per graph. */
export interface TiedSoftmaxWorkspace {
  chunkRows: number;
  dim: number;
  n: number;
  h: Vec;
  dh: Vec;
  logits: Vec;
  rowOf: Int32Array;
}

/**
 * Workspace for chunks of `chunkRows` rows against an n×dim output matrix.
 *
 * @example
 * const ws = tiedSoftmaxWorkspace(256, 64, 50_000); // 256·50k floats of logits
 */
export function tiedSoftmaxWorkspace(
  chunkRows: number,
  dim: number,
  n: number,
  ctor: VecConstructor = Float32Array,
): TiedSoftmaxWorkspace {
  return {
    chunkRows,
    dim,
    n,
    h: new ctor(chunkRows * dim),
    dh: new ctor(chunkRows * dim),
    logits: new ctor(chunkRows * n),
    rowOf: new Int32Array(chunkRows),
  };
}

/**
 * Mean over rows with target ≥ 0 of −log softmax(h[r]·Eᵀ)[targets[r]], E the n×dim `table`; adds the gradient into
 * dh (rows×dim) and dTable (n×dim) when they are given. Equal to {@link softmaxCrossEntropy} on the explicit logits.
 *
 * @example
 * const ws = tiedSoftmaxWorkspace(2, 2, 3);
 * tiedSoftmaxCrossEntropy(new Float32Array([1, 0]), new Float32Array([1, 0, 0, 1, 0, 0]), new Int32Array([0]),
 *   null, null, ws, 1); // −log(e/(e + 2))
 */
export function tiedSoftmaxCrossEntropy(
  h: Vec,
  table: Vec,
  targets: Int32Array,
  dh: Vec | null,
  dTable: Vec | null,
  ws: TiedSoftmaxWorkspace,
  rows: number,
): number {
  let count = 0;
  for (let r = 0; r < rows; r++) if (targets[r] >= 0) count++;
  if (count === 0) return 0;
  const { dim, n } = ws;
  const inv = 1 / count;
  let total = 0;
  let filled = 0;
  for (let r = 0; r < rows; r++) {
    if (targets[r] < 0) continue;
    if (targets[r] >= n) throw new RangeError(`tiedSoftmaxCrossEntropy: target ${targets[r]} of row ${r} ≥ ${n}`);
    for (let j = 0; j < dim; j++) ws.h[filled * dim + j] = h[r * dim + j];
    ws.rowOf[filled++] = r;
    if (filled === ws.chunkRows) {
      total += flush(table, targets, dh, dTable, ws, filled, inv);
      filled = 0;
    }
  }
  if (filled > 0) total += flush(table, targets, dh, dTable, ws, filled, inv);
  return total * inv;
}

/** Logits, loss and gradients of the `c` gathered rows; returns their summed loss. */
function flush(
  table: Vec,
  targets: Int32Array,
  dh: Vec | null,
  dTable: Vec | null,
  ws: TiedSoftmaxWorkspace,
  c: number,
  inv: number,
): number {
  const { dim, n, logits } = ws;
  matmulNT(ws.h, table, logits, c, dim, n);
  let total = 0;
  for (let i = 0; i < c; i++) {
    const o = i * n;
    const target = targets[ws.rowOf[i]];
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (logits[o + j] > max) max = logits[o + j];
    const at = logits[o + target];
    // One exp per logit (the exponentials are kept and rescaled): exp was most of this loss's time, not the products.
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(logits[o + j] - max);
      logits[o + j] = e;
      sum += e;
    }
    total += max + Math.log(sum) - at;
    const f = inv / sum;
    for (let j = 0; j < n; j++) logits[o + j] *= f;
    logits[o + target] -= inv;
  }
  if (dh) {
    matmul(logits, table, ws.dh, c, n, dim);
    for (let i = 0; i < c; i++) {
      const r = ws.rowOf[i];
      for (let j = 0; j < dim; j++) dh[r * dim + j] += ws.dh[i * dim + j];
    }
  }
  if (dTable) matmulTN(logits, ws.h, dTable, n, c, dim, true);
  return total;
}
