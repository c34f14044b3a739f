// Small dense kernels for symmetric positive-definite systems, as the ALS solvers need them: the Gram matrix of a
// factor table and an in-place Cholesky factor/solve. Row-major Float64Array matrices; no allocation.

/**
 * out = YᵀY + reg·I for the `rows` × `f` row-major table Y (out is f × f, full symmetric). One pass over Y,
 * accumulating the upper triangle (n·f²/2 multiply-adds), then mirrored.
 *
 * @example
 * const G = new Float64Array(4);
 * gramPlusDiagonal(new Float32Array([1, 2, 3, 4]), 2, 2, 0.5, G); // [[10.5, 14], [14, 20.5]]
 */
export function gramPlusDiagonal(
  Y: Float32Array | Float64Array,
  rows: number,
  f: number,
  reg: number,
  out: Float64Array,
): void {
  out.fill(0, 0, f * f);
  for (let r = 0; r < rows; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const ya = Y[o + a];
      if (ya === 0) continue;
      const ro = a * f;
      for (let b = a; b < f; b++) out[ro + b] += ya * Y[o + b];
    }
  }
  for (let a = 0; a < f; a++) {
    out[a * f + a] += reg;
    for (let b = a + 1; b < f; b++) out[b * f + a] = out[a * f + b];
  }
}

/**
 * In-place Cholesky factorisation A = LLᵀ of the n × n SPD matrix `A` (row-major; only the lower triangle is read
 * and L overwrites it). Returns false when A is not positive definite (a pivot ≤ 0 or not finite).
 *
 * @example
 * const A = new Float64Array([4, 2, 2, 3]);
 * choleskyInPlace(A, 2); // true; lower triangle now [[2, ·], [1, 1.414…]]
 */
export function choleskyInPlace(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const jo = j * n;
    let d = A[jo + j];
    for (let k = 0; k < j; k++) d -= A[jo + k] * A[jo + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    A[jo + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const io = i * n;
      let s = A[io + j];
      for (let k = 0; k < j; k++) s -= A[io + k] * A[jo + k];
      A[io + j] = s * inv;
    }
  }
  return true;
}

/**
 * Solves LLᵀx = b in place (`b` becomes x) with the factor that `choleskyInPlace` left in the lower triangle of `L`.
 *
 * @example
 * const A = new Float64Array([4, 2, 2, 3]);
 * choleskyInPlace(A, 2);
 * const b = new Float64Array([6, 5]);
 * choleskySolveInPlace(A, 2, b); // b = [1, 1]
 */
export function choleskySolveInPlace(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const io = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[io + k] * b[k];
    b[i] = s / L[io + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
}
