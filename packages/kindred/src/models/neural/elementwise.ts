// The small structural ops models need between the big ones: the element-wise product (NCF's GMF tower, p_u ⊙ q_i)
// and concatenation along the last dimension (NCF's MLP input [p_u, q_i] and the fusion [GMF, MLP]).
import type { Vec } from './vec.js';

/**
 * y = a ⊙ b over the first n entries.
 *
 * @example
 * const y = new Float32Array(2);
 * mulForward(new Float32Array([1, 2]), new Float32Array([3, 4]), y, 2); // y = [3, 8]
 */
export function mulForward(a: Vec, b: Vec, y: Vec, n: number): void {
  for (let i = 0; i < n; i++) y[i] = a[i] * b[i];
}

/**
 * da += dy ⊙ b, db += dy ⊙ a.
 *
 * @example
 * const da = new Float32Array(1), db = new Float32Array(1);
 * mulBackward(new Float32Array([2]), new Float32Array([3]), new Float32Array([1]), da, db, 1); // da = [3], db = [2]
 */
export function mulBackward(a: Vec, b: Vec, dy: Vec, da: Vec, db: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    da[i] += dy[i] * b[i];
    db[i] += dy[i] * a[i];
  }
}

/**
 * Row-wise concatenation y = [a | b] of a (rows×ca) and b (rows×cb) into rows×(ca + cb).
 *
 * @example
 * const y = new Float32Array(3);
 * concatForward(new Float32Array([1]), new Float32Array([2, 3]), y, 1, 1, 2); // y = [1, 2, 3]
 */
export function concatForward(a: Vec, b: Vec, y: Vec, rows: number, ca: number, cb: number): void {
  const w = ca + cb;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < ca; j++) y[r * w + j] = a[r * ca + j];
    for (let j = 0; j < cb; j++) y[r * w + ca + j] = b[r * cb + j];
  }
}

/**
 * Backward of {@link concatForward}: each input receives its columns of dy.
 *
 * @example
 * const da = new Float32Array(1), db = new Float32Array(2);
 * concatBackward(new Float32Array([1, 2, 3]), da, db, 1, 1, 2); // da = [1], db = [2, 3]
 */
export function concatBackward(dy: Vec, da: Vec, db: Vec, rows: number, ca: number, cb: number): void {
  const w = ca + cb;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < ca; j++) da[r * ca + j] += dy[r * w + j];
    for (let j = 0; j < cb; j++) db[r * cb + j] += dy[r * w + ca + j];
  }
}
