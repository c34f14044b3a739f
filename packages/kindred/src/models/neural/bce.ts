// Logistic losses: binary cross-entropy on logits (NCF's pointwise loss with sampled negatives) and gBCE
// (Petrov & Macdonald 2023, "gSASRec: Reducing Overconfidence in Sequential Recommendation Trained with Negative
// Sampling", RecSys '23). Both use the stable form −log σ(x) = softplus(−x), −log(1 − σ(x)) = softplus(x), never
// log of a probability that rounds to 0, return a mean and ADD the gradient of that mean into `dlogits`.
import { sigmoid, softplus } from './activations.js';
import type { Vec } from './vec.js';

/**
 * Mean over the entries with mask 1 (every entry when mask is null) of
 * −[y·log σ(x) + (1 − y)·log(1 − σ(x))] = max(x, 0) − x·y + log(1 + e^−|x|) (PyTorch's `BCEWithLogitsLoss`), with
 * labels y in [0, 1]; gradient (σ(x) − y)/count. Returns 0 when nothing counts.
 *
 * @example
 * const dl = new Float32Array(1);
 * bceWithLogits(new Float32Array([0]), new Float32Array([1]), null, dl, 1); // ln 2; dl = [-0.5]
 */
export function bceWithLogits(logits: Vec, labels: Vec, mask: Uint8Array | null, dlogits: Vec, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (!mask || mask[i]) count++;
  if (count === 0) return 0;
  const inv = 1 / count;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const x = logits[i];
    const y = labels[i];
    total += (x > 0 ? x : 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    dlogits[i] += (sigmoid(x) - y) * inv;
  }
  return total * inv;
}

/**
 * gSASRec's β (Petrov & Macdonald 2023): β = α·(t·(1 − 1/α) + 1/α), with α = k/(|I| − 1) the negative
 * sampling rate (k sampled negatives out of the |I| − 1 non-positive items) and t ∈ [0, 1] the calibration parameter.
 * t = 0 gives β = 1 (plain BCE); t = 1 gives β = α, which makes σ(s)^β calibrated to the full-catalogue probability.
 *
 * @example
 * gbceBeta(256, 3417, 0.75); // ≈ 0.3062
 */
export function gbceBeta(negatives: number, numItems: number, t: number): number {
  if (!(t >= 0 && t <= 1)) throw new RangeError(`gbceBeta: t must be in [0, 1], got ${t}`);
  if (!(numItems > 1 && negatives >= 1)) throw new RangeError('gbceBeta: needs numItems > 1 and negatives ≥ 1');
  const alpha = negatives / (numItems - 1);
  return alpha * (t * (1 - 1 / alpha) + 1 / alpha);
}

/**
 * gBCE (Petrov & Macdonald 2023): for each row of 1 + k logits, column 0 the positive and columns 1..k the
 * sampled negatives, L = −1/(k + 1)·[log σ(s⁺)^β + Σ log(1 − σ(s⁻))] = (β·softplus(−s⁺) + Σ softplus(s⁻))/(k + 1),
 * averaged over the rows with `rowMask` 1 (every row when null). β < 1 lifts the positive's probability towards the
 * full-softmax one, the overconfidence that k ≪ |I| negatives cause. The gradient is β·(σ(s⁺) − 1) for the positive
 * and σ(s⁻) for each negative, over (k + 1)·rows.
 *
 * @example
 * const dl = new Float32Array(2);
 * gbce(new Float32Array([0, 0]), null, dl, 1, 1, 0.5); // (0.5·ln 2 + ln 2)/2 ≈ 0.5199
 */
export function gbce(
  logits: Vec,
  rowMask: Uint8Array | null,
  dlogits: Vec,
  rows: number,
  negatives: number,
  beta: number,
): number {
  const w = negatives + 1;
  let count = 0;
  for (let r = 0; r < rows; r++) if (!rowMask || rowMask[r]) count++;
  if (count === 0) return 0;
  const inv = 1 / (count * w);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    if (rowMask && !rowMask[r]) continue;
    const o = r * w;
    const sp = logits[o];
    total += beta * softplus(-sp);
    dlogits[o] += beta * (sigmoid(sp) - 1) * inv;
    for (let j = 1; j < w; j++) {
      const sn = logits[o + j];
      total += softplus(sn);
      dlogits[o + j] += sigmoid(sn) * inv;
    }
  }
  return total * inv;
}
