import type { Csr } from '../../data/interactions.js';

/**
 * Mean of each CSR row's values (0 for an empty row), as Surprise's KNNWithMeans `np.mean` over `xr[x]`.
 *
 * @example
 * rowMeans(data.byUser())[u]; // user u's mean rating
 */
export function rowMeans(csr: Csr): Float64Array {
  const rows = csr.indptr.length - 1;
  const means = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const start = csr.indptr[r],
      end = csr.indptr[r + 1];
    let s = 0;
    for (let p = start; p < end; p++) s += csr.values[p];
    means[r] = end > start ? s / (end - start) : 0;
  }
  return means;
}

/**
 * Population standard deviation of each CSR row around `means` (Surprise's KNNWithZScore `np.std`), with rows whose
 * deviation is 0 (a single rating, or all equal) given `fallback` (Surprise uses the std of all ratings).
 *
 * @example
 * rowStds(csr, rowMeans(csr), 1.12)[u];
 */
export function rowStds(csr: Csr, means: Float64Array, fallback: number): Float64Array {
  const rows = csr.indptr.length - 1;
  const sigmas = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const start = csr.indptr[r],
      end = csr.indptr[r + 1];
    let ss = 0;
    for (let p = start; p < end; p++) ss += (csr.values[p] - means[r]) ** 2;
    const sigma = end > start ? Math.sqrt(ss / (end - start)) : 0;
    sigmas[r] = sigma === 0 ? fallback : sigma;
  }
  return sigmas;
}

/**
 * Population standard deviation of all values (Surprise's `np.std` of every training rating).
 *
 * @example
 * valuesStd(train.values); // ≈ 1.13 on MovieLens 100K
 */
export function valuesStd(values: Float32Array): number {
  const n = values.length;
  if (n === 0) return 0;
  let s = 0;
  for (let k = 0; k < n; k++) s += values[k];
  const mean = s / n;
  let ss = 0;
  for (let k = 0; k < n; k++) ss += (values[k] - mean) ** 2;
  return Math.sqrt(ss / n);
}
