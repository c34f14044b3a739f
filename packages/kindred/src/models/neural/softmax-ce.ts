// Softmax cross-entropy, the loss of SASRec+ (full softmax over the catalogue, Klenitskiy & Vasilev 2023), Mult-VAE's
// multinomial likelihood and two-tower retrieval (sampled softmax with logQ correction, Yi et al. 2019). Each function
// returns the mean loss over the rows that count and ADDS its gradient with respect to the logits into `dlogits`
// (already divided by that number of rows, so it is the gradient of the returned mean). A target of −1 marks a row to
// ignore (padding positions, the unused tail of the last batch), as PyTorch's `ignore_index`. Sums run in float64.
import type { Vec } from './vec.js';

/**
 * Mean over rows with target ≥ 0 of −log softmax(logits[r])[targets[r]], for `rows` rows of `n` logits; returns 0
 * when every row is ignored. The gradient per counted row is (softmax − one-hot)/count.
 *
 * @example
 * const dl = new Float32Array(2);
 * softmaxCrossEntropy(new Float32Array([0, 0]), new Int32Array([1]), dl, 1, 2); // ln 2; dl = [0.5, -0.5]
 */
export function softmaxCrossEntropy(logits: Vec, targets: Int32Array, dlogits: Vec, rows: number, n: number): number {
  return logQSoftmaxCrossEntropy(logits, targets, null, dlogits, rows, n);
}

/**
 * Sampled softmax with logQ correction (Yi et al. 2019, "Sampling-Bias-Corrected Neural Modeling for Large Corpus Item
 * Recommendations", eq. 3): each row scores `n` candidates (the positive among them at column targets[r]) and the
 * loss is the softmax cross-entropy of the corrected logits s − log q, where q(item) is the probability that the
 * candidate was sampled (in-batch negatives: the item's share of the batch). Without the correction popular items,
 * sampled more often as negatives, are pushed down too hard. `logQ` has length n (candidates shared by every row, the
 * in-batch case) or rows·n (per-row candidates).
 *
 * @example
 * const dl = new Float32Array(2);
 * // two candidates with equal logits, the second sampled e times more often: corrected logits [0, -1]
 * sampledSoftmaxCrossEntropy(new Float32Array([0, 0]), new Int32Array([0]), new Float32Array([0, 1]), dl, 1, 2);
 * // = log(1 + e^-1) ≈ 0.3133
 */
export function sampledSoftmaxCrossEntropy(
  logits: Vec,
  targets: Int32Array,
  logQ: Vec,
  dlogits: Vec,
  rows: number,
  n: number,
): number {
  if (logQ.length !== n && logQ.length < rows * n)
    throw new RangeError(`sampledSoftmaxCrossEntropy: logQ needs length ${n} or ${rows * n}, got ${logQ.length}`);
  return logQSoftmaxCrossEntropy(logits, targets, logQ, dlogits, rows, n);
}

function logQSoftmaxCrossEntropy(
  logits: Vec,
  targets: Int32Array,
  logQ: Vec | null,
  dlogits: Vec,
  rows: number,
  n: number,
): number {
  let count = 0;
  for (let r = 0; r < rows; r++) if (targets[r] >= 0) count++;
  if (count === 0) return 0;
  const perRowQ = logQ !== null && logQ.length !== n;
  const inv = 1 / count;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const target = targets[r];
    if (target < 0) continue;
    if (target >= n) throw new RangeError(`softmax cross-entropy: target ${target} of row ${r} is not below ${n}`);
    const o = r * n;
    const qo = perRowQ ? o : 0;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      const z = logQ ? logits[o + j] - logQ[qo + j] : logits[o + j];
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp((logQ ? logits[o + j] - logQ[qo + j] : logits[o + j]) - max);
    const logZ = max + Math.log(sum);
    const zt = logQ ? logits[o + target] - logQ[qo + target] : logits[o + target];
    total += logZ - zt;
    for (let j = 0; j < n; j++) {
      const z = logQ ? logits[o + j] - logQ[qo + j] : logits[o + j];
      dlogits[o + j] += Math.exp(z - logZ) * inv;
    }
    dlogits[o + target] -= inv;
  }
  return total * inv;
}
