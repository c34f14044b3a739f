/**
 * Dense vector kernels on Float64Array with offsets, so rows of a row-major matrix are used in place (no subarray
 * views in hot loops). Unrolled by four with independent accumulators so several multiply-adds are in flight.
 */

/**
 * Σ a[aOff + k]·b[bOff + k] for k in [0, n).
 *
 * @example
 * dot(new Float64Array([1, 2, 3]), 0, new Float64Array([4, 5, 6]), 0, 3); // 32
 */
export function dot(a: Float64Array, aOff: number, b: Float64Array, bOff: number, n: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[aOff + k] * b[bOff + k];
    s1 += a[aOff + k + 1] * b[bOff + k + 1];
    s2 += a[aOff + k + 2] * b[bOff + k + 2];
    s3 += a[aOff + k + 3] * b[bOff + k + 3];
  }
  for (; k < n; k++) s0 += a[aOff + k] * b[bOff + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * y[yOff + k] += alpha·x[xOff + k] for k in [0, n) (BLAS axpy).
 *
 * @example
 * const y = new Float64Array([1, 1]);
 * axpy(y, 0, 2, new Float64Array([3, 4]), 0, 2); // y = [7, 9]
 */
export function axpy(y: Float64Array, yOff: number, alpha: number, x: Float64Array, xOff: number, n: number): void {
  let k = 0;
  for (; k + 3 < n; k += 4) {
    y[yOff + k] += alpha * x[xOff + k];
    y[yOff + k + 1] += alpha * x[xOff + k + 1];
    y[yOff + k + 2] += alpha * x[xOff + k + 2];
    y[yOff + k + 3] += alpha * x[xOff + k + 3];
  }
  for (; k < n; k++) y[yOff + k] += alpha * x[xOff + k];
}

/**
 * C = A·B for row-major A (m×k) and B (k×n), into a new Float64Array (m×n). i-k-j order: the inner loop is an axpy
 * over contiguous rows of B and C. For tests and small matrices; the big products in the library are specialised.
 *
 * @example
 * matMul(new Float64Array([1, 2, 3, 4]), new Float64Array([5, 6, 7, 8]), 2, 2, 2); // [19, 22, 43, 50]
 */
export function matMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip !== 0) axpy(c, i * n, aip, b, p * n, n);
    }
  }
  return c;
}

/**
 * Largest absolute entry of A − I for a row-major n×n matrix A: how far a product M·M⁻¹ is from the identity.
 *
 * @example
 * maxAbsFromIdentity(new Float64Array([1, 0, 0, 1]), 2); // 0
 */
export function maxAbsFromIdentity(a: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const d = Math.abs(a[i * n + j] - (i === j ? 1 : 0));
      if (d > worst) worst = d;
    }
  return worst;
}

/**
 * The 16 dot products between four rows of X and four rows of Y over columns [k0, k1): out[4r + c] =
 * Σ_k X[xRow + r][k]·Y[yRow + c][k], rows `stride` apart (row-major matrices). Each loaded value is used four times
 * (16 multiply-adds per 8 loads instead of per 32), the register blocking that makes the dense factorisations
 * about 2.5× faster than one dot at a time in V8 (measured on 1 682-wide rows).
 *
 * @example
 * const out = new Float64Array(16);
 * dot4x4(m, 0, m, 4 * n, n, 0, n, out); // rows 0..3 against rows 4..7 of an n-wide m
 */
export function dot4x4(
  x: Float64Array,
  xRow: number,
  y: Float64Array,
  yRow: number,
  stride: number,
  k0: number,
  k1: number,
  out: Float64Array,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
  const x0 = xRow * stride,
    x1 = x0 + stride,
    x2 = x1 + stride,
    x3 = x2 + stride;
  const y0 = yRow * stride,
    y1 = y0 + stride,
    y2 = y1 + stride,
    y3 = y2 + stride;
  for (let k = k0; k < k1; k++) {
    const a0 = x[x0 + k],
      a1 = x[x1 + k],
      a2 = x[x2 + k],
      a3 = x[x3 + k];
    const b0 = y[y0 + k],
      b1 = y[y1 + k],
      b2 = y[y2 + k],
      b3 = y[y3 + k];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  out[0] = c00;
  out[1] = c01;
  out[2] = c02;
  out[3] = c03;
  out[4] = c10;
  out[5] = c11;
  out[6] = c12;
  out[7] = c13;
  out[8] = c20;
  out[9] = c21;
  out[10] = c22;
  out[11] = c23;
  out[12] = c30;
  out[13] = c31;
  out[14] = c32;
  out[15] = c33;
}
