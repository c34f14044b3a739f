// The JS kernels behind matmul.ts: the fallback where WebAssembly SIMD is missing, for Float64Array operands (the
// gradient tests) and for products too small to pay for the WebAssembly call. Every inner loop walks contiguous
// memory: the i-k-j order turns a product into axpys over rows (NN, TN) and A·Bᵀ is a dot of two rows (NT); each is
// register-blocked by four (figures in matmul.ts). Callers go through matmul.ts, never here.
import type { Vec } from './vec.js';

/**
 * C (+)= A·B with A m×k, B k×n, C m×n (row-major). `accumulate` adds into C instead of overwriting it (backward passes
 * add into gradient buffers).
 *
 * @example
 * const c = new Float32Array(4);
 * matmulJs(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2); // c = [19, 22, 43, 50]
 */
export function matmulJs(a: Vec, b: Vec, c: Vec, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    const aRow = i * k;
    // Four rows of B per pass: each C element is loaded and stored once per four multiply-adds.
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const a0 = a[aRow + p];
      const a1 = a[aRow + p + 1];
      const a2 = a[aRow + p + 2];
      const a3 = a[aRow + p + 3];
      const b0 = p * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) c[cRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
    for (; p < k; p++) {
      const a0 = a[aRow + p];
      const b0 = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += a0 * b[b0 + j];
    }
  }
}

/**
 * C (+)= Aᵀ·B with A k×m, B k×n, C m×n: the weight gradient dW = Xᵀ·dY of a dense layer (k = batch rows). Loops p-i-j
 * (four p at a time) so the inner loop is contiguous in B and C.
 *
 * @example
 * const c = new Float32Array(4);
 * matmulTNJs(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2); // c = [26, 30, 38, 44]
 */
export function matmulTNJs(a: Vec, b: Vec, c: Vec, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) c.fill(0, 0, m * n);
  let p = 0;
  for (; p + 3 < k; p += 4) {
    const r0 = p * m;
    const r1 = r0 + m;
    const r2 = r1 + m;
    const r3 = r2 + m;
    const b0 = p * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let i = 0; i < m; i++) {
      const a0 = a[r0 + i];
      const a1 = a[r1 + i];
      const a2 = a[r2 + i];
      const a3 = a[r3 + i];
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
  }
  for (; p < k; p++) {
    const aRow = p * m;
    const bRow = p * n;
    for (let i = 0; i < m; i++) {
      const aip = a[aRow + i];
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
    }
  }
}

/**
 * C (+)= A·Bᵀ with A m×k, B n×k, C m×n: the input gradient dX = dY·Wᵀ (W stored in×out, so B = W, n = in). Each entry
 * is a dot product of two contiguous rows; four entries of a C row are computed together so each load of A is used
 * four times.
 *
 * @example
 * const c = new Float32Array(4);
 * matmulNTJs(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2); // c = [17, 23, 39, 53]
 */
export function matmulNTJs(a: Vec, b: Vec, c: Vec, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const aRow = i * k;
    const cRow = i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aRow + p];
        s0 += av * b[b0 + p];
        s1 += av * b[b1 + p];
        s2 += av * b[b2 + p];
        s3 += av * b[b3 + p];
      }
      c[cRow + j] += s0;
      c[cRow + j + 1] += s1;
      c[cRow + j + 2] += s2;
      c[cRow + j + 3] += s3;
    }
    for (; j < n; j++) {
      const bRow = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aRow + p] * b[bRow + p];
      c[cRow + j] += s;
    }
  }
}
