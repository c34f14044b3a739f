// The pieces a variational autoencoder adds to the substrate (Mult-VAE, Liang, Krishnan, Hoffman & Jebara 2018):
// the multinomial log-likelihood of a user's items under softmax(logits), the reparameterised Gaussian sample
// z = μ + ε·σ (Kingma & Welling 2014) with ε from the seeded RNG, and the KL divergence to N(0, I) with the annealed
// weight β. Conventions as the other losses: means over counted rows, gradients added into the given buffers.
import type { Rng } from '../../math/rng.js';
import type { Vec } from './vec.js';

/**
 * Mult-VAE's reconstruction loss: the mean over rows (rowMask 1, every row when null) of −Σ_i x_i·log softmax(z)_i,
 * with x the user's (counts or 0/1) row. Gradient per counted row: (Σx)·softmax(z) − x, over the count.
 *
 * @example
 * const dl = new Float32Array(2);
 * multinomialNll(new Float32Array([0, 0]), new Float32Array([1, 1]), null, dl, 1, 2); // 2·ln 2
 */
export function multinomialNll(
  logits: Vec,
  x: Vec,
  rowMask: Uint8Array | null,
  dlogits: Vec,
  rows: number,
  n: number,
): number {
  let count = 0;
  for (let r = 0; r < rows; r++) if (!rowMask || rowMask[r]) count++;
  if (count === 0) return 0;
  const inv = 1 / count;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    if (rowMask && !rowMask[r]) continue;
    const o = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (logits[o + j] > max) max = logits[o + j];
    let sum = 0;
    let mass = 0;
    let dotXZ = 0;
    for (let j = 0; j < n; j++) {
      sum += Math.exp(logits[o + j] - max);
      mass += x[o + j];
      dotXZ += x[o + j] * logits[o + j];
    }
    const logZ = max + Math.log(sum);
    total += mass * logZ - dotXZ;
    for (let j = 0; j < n; j++) dlogits[o + j] += (mass * Math.exp(logits[o + j] - logZ) - x[o + j]) * inv;
  }
  return total * inv;
}

/**
 * z = μ + ε·exp(logVar/2) with ε ~ N(0, 1) drawn into `eps` while training (rng given); z = μ at evaluation, as
 * Mult-VAE scores with the posterior mean.
 *
 * @example
 * const z = new Float32Array(1), eps = new Float32Array(1);
 * gaussianSampleForward(new Float32Array([1]), new Float32Array([0]), eps, z, 1, null); // z = [1]
 */
export function gaussianSampleForward(mu: Vec, logVar: Vec, eps: Vec, z: Vec, n: number, rng: Rng | null): void {
  for (let i = 0; i < n; i++) {
    const e = rng ? rng.normal() : 0;
    eps[i] = e;
    z[i] = mu[i] + e * Math.exp(0.5 * logVar[i]);
  }
}

/**
 * Backward of {@link gaussianSampleForward}: dμ += dz, dlogVar += dz·ε·exp(logVar/2)/2.
 *
 * @example
 * gaussianSampleBackward(logVar, eps, dz, dMu, dLogVar, n);
 */
export function gaussianSampleBackward(logVar: Vec, eps: Vec, dz: Vec, dMu: Vec, dLogVar: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    dMu[i] += dz[i];
    dLogVar[i] += dz[i] * eps[i] * 0.5 * Math.exp(0.5 * logVar[i]);
  }
}

/**
 * weight · mean over rows of KL(N(μ, e^logVar) ‖ N(0, 1)) = −½·Σ_j (1 + logVar − μ² − e^logVar) (Kingma & Welling
 * 2014, appendix B); gradients weight·μ/rows and weight·(e^logVar − 1)/(2·rows). Mult-VAE anneals the weight β
 * from 0 up to its cap.
 *
 * @example
 * gaussianKl(new Float32Array([0]), new Float32Array([0]), new Float32Array(1), new Float32Array(1), 1, 1, 1); // 0
 */
export function gaussianKl(
  mu: Vec,
  logVar: Vec,
  dMu: Vec,
  dLogVar: Vec,
  rows: number,
  dim: number,
  weight: number,
): number {
  const f = weight / rows;
  let total = 0;
  const n = rows * dim;
  for (let i = 0; i < n; i++) {
    const ev = Math.exp(logVar[i]);
    total += -0.5 * (1 + logVar[i] - mu[i] * mu[i] - ev);
    dMu[i] += f * mu[i];
    dLogVar[i] += f * 0.5 * (ev - 1);
  }
  return total * f;
}
