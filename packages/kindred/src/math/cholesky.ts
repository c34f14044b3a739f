import { InvalidParameterError } from '../errors.js';
import { dot, dot4x4 } from './dense.js';
import { denseWorkspace, type Dot4x4 } from './dense-wasm.js';

// The three n³/6 passes below (factor, triangular inverse, product) are all written as dot products of contiguous
// row segments, computed four rows against four rows at a time (`dot4x4`), so each loaded value serves four
// multiply-adds. Rows left over when n is not a multiple of 4, and the small triangles on the block diagonal, use
// single dot products. `spdInverseInPlace` runs the 4×4 blocks in WebAssembly SIMD (dot4x4.wat) when it can.

/** Below this size the WebAssembly set-up costs more than it saves. */
const WASM_MIN_N = 64;

/**
 * Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite n×n matrix, row-major, in place: L is written
 * over the lower triangle (diagonal included); the strict upper triangle is left as it was (only the lower triangle
 * of A is read). Row-oriented (Cholesky–Banachiewicz): L[i][j] = (A[i][j] − L[i][0..j)·L[j][0..j)) / L[j][j].
 * Throws InvalidParameterError when a pivot is not positive (A is not SPD).
 *
 * @example
 * const a = new Float64Array([4, 2, 2, 3]);
 * choleskyInPlace(a, 2); // lower triangle now [2, ·, 1, √2]
 */
export function choleskyInPlace(a: Float64Array, n: number): void {
  checkSquare(a, n);
  factor(a, n, new Float64Array(16), dot4x4);
}

function factor(a: Float64Array, n: number, s: Float64Array, block: Dot4x4): void {
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    for (let j0 = 0; j0 < i0; j0 += 4) {
      // Everything before column j0 in one register-blocked pass, the 4×4 block's own columns after.
      block(a, i0, a, j0, n, 0, j0, s);
      for (let c = 0; c < 4; c++) {
        const j = j0 + c,
          rj = j * n;
        for (let r = 0; r < 4; r++) {
          const ri = (i0 + r) * n;
          let v = a[ri + j] - s[4 * r + c];
          for (let k = j0; k < j; k++) v -= a[ri + k] * a[rj + k];
          a[ri + j] = v / a[rj + j];
        }
      }
    }
    for (let i = i0; i < i0 + 4; i++) factorRowFrom(a, n, i, i0);
  }
  for (let i = i0; i < n; i++) factorRowFrom(a, n, i, 0);
}

/** Finishes row i of L from column j0 on (columns before j0 are done). */
function factorRowFrom(a: Float64Array, n: number, i: number, j0: number): void {
  const ri = i * n;
  for (let j = j0; j < i; j++) {
    const rj = j * n;
    a[ri + j] = (a[ri + j] - dot(a, ri, a, rj, j)) / a[rj + j];
  }
  const d = a[ri + i] - dot(a, ri, a, ri, i);
  if (!(d > 0)) throw new InvalidParameterError(`matrix is not positive definite (pivot ${i} is ${d})`, { pivot: i });
  a[ri + i] = Math.sqrt(d);
}

/**
 * Solves A·x = b in place in `b`, given L from `choleskyInPlace` (forward then backward substitution, n² work).
 *
 * @example
 * const a = new Float64Array([4, 2, 2, 3]);
 * choleskyInPlace(a, 2);
 * const b = new Float64Array([6, 5]);
 * choleskySolve(a, 2, b); // b = [1, 1]
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  checkSquare(l, n);
  // L·y = b: rows of L are contiguous.
  for (let i = 0; i < n; i++) {
    let v = b[i];
    const ri = i * n;
    for (let k = 0; k < i; k++) v -= l[ri + k] * b[k];
    b[i] = v / l[ri + i];
  }
  // Lᵀ·x = y: walk rows of L backwards, subtracting each solved x_i times its row (column i of Lᵀ).
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = b[i] / l[ri + i];
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k] -= l[ri + k] * xi;
  }
}

/**
 * Inverse of a symmetric positive-definite n×n matrix (row-major), in place: on return `a` holds A⁻¹ (fully
 * symmetric). Through the Cholesky factor, A⁻¹ = L⁻ᵀ·L⁻¹: (1) factor A = L·Lᵀ; (2) N = L⁻ᵀ (upper triangular) column
 * by column, N[j][i] = −(Σ_{j≤k<i} L[i][k]·N[j][k]) / L[i][i], i.e. a dot of row i of L with row j of N; (3)
 * (A⁻¹)[i][j] = Σ_{k≥max(i,j)} N[i][k]·N[j][k], a dot of two row tails of N. Each pass is n³/6 multiply-adds (n³/2
 * in all); one extra n×n workspace. Throws InvalidParameterError when A is not SPD.
 *
 * @example
 * const a = new Float64Array([4, 2, 2, 3]);
 * spdInverseInPlace(a, 2); // a = [0.375, -0.25, -0.25, 0.5]
 */
export function spdInverseInPlace(a: Float64Array, n: number): void {
  checkSquare(a, n);
  const ws = n >= WASM_MIN_N ? denseWorkspace(2 * n * n + 16) : null;
  if (ws) {
    const m = ws.memory.subarray(0, n * n);
    m.set(a.subarray(0, n * n));
    invert(m, n, ws.memory.subarray(n * n, 2 * n * n), ws.memory.subarray(2 * n * n), ws.dot4x4);
    a.set(m);
  } else invert(a, n, new Float64Array(n * n), new Float64Array(16), dot4x4);
}

/** The three passes; `t` is a zero-filled n×n workspace, `s` room for 16 values, `block` the 4×4 kernel. */
function invert(a: Float64Array, n: number, t: Float64Array, s: Float64Array, block: Dot4x4): void {
  factor(a, n, s, block);
  upperInverseTranspose(a, n, t, s, block);
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    for (let j0 = 0; j0 <= i0; j0 += 4) {
      // N[i][k] = 0 for k < i, so every pair in the two blocks sums over k ≥ i0.
      block(t, i0, t, j0, n, i0, n, s);
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 4; c++) {
          a[(i0 + r) * n + j0 + c] = s[4 * r + c];
          a[(j0 + c) * n + i0 + r] = s[4 * r + c];
        }
    }
  }
  for (let i = i0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = dot(t, i * n + i, t, j * n + i, n - i);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
}

/**
 * A⁻¹ of a symmetric positive-definite matrix as a new array (`a` is left unchanged); see `spdInverseInPlace`.
 *
 * @example
 * spdInverse(new Float64Array([4, 2, 2, 3]), 2); // [0.375, -0.25, -0.25, 0.5]
 */
export function spdInverse(a: Float64Array, n: number): Float64Array {
  const out = a.slice(0, n * n);
  spdInverseInPlace(out, n);
  return out;
}

/** N = L⁻ᵀ (upper triangular) into the zero-filled `t`, from the factor in the lower triangle of `l`. */
function upperInverseTranspose(l: Float64Array, n: number, t: Float64Array, s: Float64Array, block: Dot4x4): void {
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    // Columns i0..i0+3 of N: rows j below the block from one blocked pass over k in [j0, i0), then the k in the block.
    for (let j0 = 0; j0 < i0; j0 += 4) {
      block(t, j0, l, i0, n, j0, i0, s);
      for (let c = 0; c < 4; c++) {
        const i = i0 + c,
          ri = i * n;
        for (let r = 0; r < 4; r++) {
          const rj = (j0 + r) * n;
          let v = s[4 * r + c];
          for (let k = i0; k < i; k++) v += l[ri + k] * t[rj + k];
          t[rj + i] = -v / l[ri + i];
        }
      }
    }
    for (let i = i0; i < i0 + 4; i++) inverseColumnFrom(l, t, n, i, i0);
  }
  for (let i = i0; i < n; i++) inverseColumnFrom(l, t, n, i, 0);
}

/** Column i of N = L⁻ᵀ for rows j in [j0, i]. */
function inverseColumnFrom(l: Float64Array, t: Float64Array, n: number, i: number, j0: number): void {
  const ri = i * n,
    d = l[ri + i];
  for (let j = j0; j < i; j++) t[j * n + i] = -dot(l, ri + j, t, j * n + j, i - j) / d;
  t[ri + i] = 1 / d;
}

function checkSquare(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0 || a.length < n * n)
    throw new InvalidParameterError(`expected an ${n}×${n} matrix, got ${a.length} entries`);
}
