// Layer normalisation (Ba, Kiros & Hinton 2016) over the last dimension: y = γ·(x − μ)/√(σ² + ε) + β with the biased
// variance, as PyTorch's `LayerNorm` (ε = 1e-5 there; SASRec's reference code uses 1e-8). The forward saves μ and
// 1/σ per row so backward does not recompute them.
import type { Vec } from './vec.js';

/** Shape of a layer norm: `rows` vectors of length `dim`. */
export interface LayerNormShape {
  rows: number;
  dim: number;
  eps: number;
}

/**
 * Normalises each row of x into y; writes each row's mean and reciprocal standard deviation into `mean` and `rstd`.
 *
 * @example
 * const y = new Float32Array(2), mean = new Float32Array(1), rstd = new Float32Array(1);
 * layerNormForward(new Float32Array([1, 3]), new Float32Array([1, 1]), new Float32Array([0, 0]), y, mean, rstd,
 *   { rows: 1, dim: 2, eps: 0 }); // y = [-1, 1]
 */
export function layerNormForward(x: Vec, gamma: Vec, beta: Vec, y: Vec, mean: Vec, rstd: Vec, s: LayerNormShape): void {
  const d = s.dim;
  for (let r = 0; r < s.rows; r++) {
    const o = r * d;
    let sum = 0;
    for (let j = 0; j < d; j++) sum += x[o + j];
    const mu = sum / d;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const c = x[o + j] - mu;
      sq += c * c;
    }
    const inv = 1 / Math.sqrt(sq / d + s.eps);
    mean[r] = mu;
    rstd[r] = inv;
    for (let j = 0; j < d; j++) y[o + j] = (x[o + j] - mu) * inv * gamma[j] + beta[j];
  }
}

/**
 * Backward of {@link layerNormForward}: with x̂ = (x − μ)·rstd and g = dy·γ,
 * dx += rstd·(g − mean(g) − x̂·mean(g·x̂)), dγ += Σ_rows dy·x̂, dβ += Σ_rows dy.
 *
 * @example
 * const dx = new Float32Array(2), dg = new Float32Array(2), db = new Float32Array(2);
 * layerNormBackward(new Float32Array([1, 3]), new Float32Array([1, 1]), new Float32Array([1, 1]),
 *   new Float32Array([2]), new Float32Array([1]), dx, dg, db, { rows: 1, dim: 2, eps: 0 });
 * // dx = [0, 0] (a constant shift of y is invisible after normalising), dg = [-1, 1], db = [1, 1]
 */
export function layerNormBackward(
  x: Vec,
  gamma: Vec,
  dy: Vec,
  mean: Vec,
  rstd: Vec,
  dx: Vec | null,
  dgamma: Vec | null,
  dbeta: Vec | null,
  s: LayerNormShape,
): void {
  const d = s.dim;
  for (let r = 0; r < s.rows; r++) {
    const o = r * d;
    const mu = mean[r];
    const inv = rstd[r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j] - mu) * inv;
      const g = dy[o + j] * gamma[j];
      sumG += g;
      sumGX += g * xh;
      if (dgamma) dgamma[j] += dy[o + j] * xh;
      if (dbeta) dbeta[j] += dy[o + j];
    }
    if (!dx) continue;
    const mG = sumG / d;
    const mGX = sumGX / d;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j] - mu) * inv;
      dx[o + j] += inv * (dy[o + j] * gamma[j] - mG - xh * mGX);
    }
  }
}
