// Scores of candidates that differ per row or per sequence, for sampled losses over a shared item table (gSASRec's
// gBCE, Petrov & Macdonald 2023): `rowDots` scores each row of h against its own candidate (the positive of every
// position), `batchScores` scores every position of a sequence against that sequence's own k candidates (the
// negatives, sampled once per sequence so they cost B·k·dim floats, not B·len·k·dim). Both go through matmul.ts's
// kernels on sub-arrays, so a SIMD kernel behind matmul.ts speeds them up too.
import { matmul, matmulNT, matmulTN } from './matmul.js';
import type { Vec } from './vec.js';

/**
 * y[r] = a[r]·b[r] for `rows` rows of width `dim`.
 *
 * @example
 * const y = new Float32Array(2);
 * rowDotsForward(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1, 0, 1]), y, 2, 2); // y = [3, 4]
 */
export function rowDotsForward(a: Vec, b: Vec, y: Vec, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += a[o + j] * b[o + j];
    y[r] = s;
  }
}

/**
 * Backward of {@link rowDotsForward}: da[r] += dy[r]·b[r], db[r] += dy[r]·a[r].
 *
 * @example
 * const da = new Float32Array(2), db = new Float32Array(2);
 * rowDotsBackward(new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array([1]), da, db, 1, 2);
 * // da = [3, 4], db = [1, 2]
 */
export function rowDotsBackward(a: Vec, b: Vec, dy: Vec, da: Vec, db: Vec, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    const g = dy[r];
    if (g === 0) continue;
    for (let j = 0; j < dim; j++) {
      da[o + j] += g * b[o + j];
      db[o + j] += g * a[o + j];
    }
  }
}

/** Shape of `batchScores`: `batch` groups of `len` rows scored against `k` candidate rows each, width `dim`. */
export interface BatchScoresShape {
  batch: number;
  len: number;
  k: number;
  dim: number;
}

/**
 * y[b] = a[b]·c[b]ᵀ per group: a is [batch, len, dim], c [batch, k, dim], y [batch, len, k].
 *
 * @example
 * const y = new Float32Array(2);
 * batchScoresForward(new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), y,
 *   { batch: 1, len: 1, k: 2, dim: 2 }); // y = [1, 2]
 */
export function batchScoresForward(a: Vec, c: Vec, y: Vec, s: BatchScoresShape): void {
  const { batch, len, k, dim } = s;
  for (let b = 0; b < batch; b++)
    matmulNT(
      a.subarray(b * len * dim, (b + 1) * len * dim),
      c.subarray(b * k * dim, (b + 1) * k * dim),
      y.subarray(b * len * k, (b + 1) * len * k),
      len,
      dim,
      k,
    );
}

/**
 * Backward of {@link batchScoresForward}: da[b] += dy[b]·c[b], dc[b] += dy[b]ᵀ·a[b].
 *
 * @example
 * const da = new Float32Array(2), dc = new Float32Array(4);
 * batchScoresBackward(new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), new Float32Array([1, 1]), da, dc,
 *   { batch: 1, len: 1, k: 2, dim: 2 }); // da = [1, 1], dc = [1, 2, 1, 2]
 */
export function batchScoresBackward(a: Vec, c: Vec, dy: Vec, da: Vec, dc: Vec, s: BatchScoresShape): void {
  const { batch, len, k, dim } = s;
  for (let b = 0; b < batch; b++) {
    const ay = a.subarray(b * len * dim, (b + 1) * len * dim);
    const cy = c.subarray(b * k * dim, (b + 1) * k * dim);
    const g = dy.subarray(b * len * k, (b + 1) * len * k);
    matmul(g, cy, da.subarray(b * len * dim, (b + 1) * len * dim), len, k, dim, true);
    matmulTN(g, ay, dc.subarray(b * k * dim, (b + 1) * k * dim), k, len, dim, true);
  }
}
