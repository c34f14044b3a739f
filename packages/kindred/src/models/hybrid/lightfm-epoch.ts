// One epoch of LightFM-style hybrid factorisation (Kula 2015, "Metadata Embeddings for User and Item Cold-start
// Recommendations"), following lyst/lightfm `_lightfm_fast.pyx` fit_warp / fit_bpr: a user's (item's)
// representation is the weighted sum of its features' embeddings, e_u = Σ_f w_uf·x_f, and likewise the item bias
// b_i = Σ_f w_if·β_f; the score is e_uᵀe_i + b_i. Gradients flow back to every feature of the row, each with its own
// adagrad accumulator (initialised to 1, as LightFM does) or a constant rate.
import type { Rng } from '../../math/rng.js';
import type { FeatureRows } from './feature-rows.js';

/** The state an epoch works on (all typed arrays, updated in place). */
export interface LightFmProblem {
  factors: number;
  users: FeatureRows;
  items: FeatureRows;
  /** Feature embeddings, row-major (`factors` per feature), and their adagrad accumulators. */
  userEmb: Float32Array;
  userEmbGrad: Float32Array;
  itemEmb: Float32Array;
  itemEmbGrad: Float32Array;
  /** Item feature biases and their accumulators (user biases cancel in a ranking loss and are not kept). */
  itemBias: Float32Array;
  itemBiasGrad: Float32Array;
  /** Each user's positive items, sorted (CSR), and the (user, item) of every positive. */
  posIndptr: Int32Array;
  posIndices: Int32Array;
  entryUser: Int32Array;
  entryItem: Int32Array;
  /** Items that may be drawn as WARP negatives: those with training rows. */
  negatives: Int32Array;
}

/** Hyper-parameters of an epoch. */
export interface LightFmHyper {
  loss: 'warp' | 'bpr';
  adagrad: boolean;
  learningRate: number;
  itemAlpha: number;
  userAlpha: number;
  maxSampled: number;
}

/** LightFM clips the WARP weight for numerical stability. */
const MAX_LOSS = 10;

/** True when `item` is in the sorted run indices[lo..hi). */
function contains(indices: Int32Array, lo: number, hi: number, item: number): boolean {
  hi--;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = indices[mid];
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** out[0..F) = Σ w·emb, out[F] = Σ w·bias (bias omitted when null). */
export function representation(
  rows: FeatureRows,
  emb: Float32Array,
  bias: Float32Array | null,
  r: number,
  F: number,
  out: Float64Array,
): void {
  out.fill(0);
  for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) {
    const f = rows.indices[p],
      w = rows.values[p];
    const o = f * F;
    for (let c = 0; c < F; c++) out[c] += w * emb[o + c];
    if (bias) out[F] += w * bias[f];
  }
}

/** One (adagrad or constant-rate) step on the embeddings of row r's features: θ_f −= η_f·w_f·g_c. */
function stepFeatures(
  rows: FeatureRows,
  r: number,
  emb: Float32Array,
  acc: Float32Array,
  F: number,
  grad: Float64Array,
  h: LightFmHyper,
  alpha: number,
): void {
  const lr = h.learningRate;
  for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) {
    const f = rows.indices[p],
      w = rows.values[p];
    const o = f * F;
    for (let c = 0; c < F; c++) {
      const g = w * grad[c];
      const local = h.adagrad ? lr / Math.sqrt(acc[o + c]) : lr;
      let v = emb[o + c] - local * g;
      if (h.adagrad) acc[o + c] += g * g;
      // L2 as weight decay on the parameters this step touches (LightFM applies it lazily through a global scale).
      if (alpha > 0) v *= 1 - alpha * local;
      emb[o + c] = v;
    }
  }
}

function stepBias(rows: FeatureRows, r: number, bias: Float32Array, acc: Float32Array, g0: number, h: LightFmHyper) {
  const lr = h.learningRate;
  for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) {
    const f = rows.indices[p],
      g = rows.values[p] * g0;
    const local = h.adagrad ? lr / Math.sqrt(acc[f]) : lr;
    let v = bias[f] - local * g;
    if (h.adagrad) acc[f] += g * g;
    if (h.itemAlpha > 0) v *= 1 - h.itemAlpha * local;
    bias[f] = v;
  }
}

/** Scratch vectors of one epoch (reused across epochs). */
export interface LightFmScratch {
  user: Float64Array;
  pos: Float64Array;
  neg: Float64Array;
  grad: Float64Array;
}

export function lightFmScratch(F: number): LightFmScratch {
  return {
    user: new Float64Array(F + 1),
    pos: new Float64Array(F + 1),
    neg: new Float64Array(F + 1),
    grad: new Float64Array(F),
  };
}

/**
 * Runs one epoch over the positives in the order `order` and returns the mean loss of the updates made.
 * WARP (Weston, Bengio & Usunier 2011): draw negatives j uniformly among `negatives` until one violates the margin,
 * x̂_uj > x̂_ui − 1 (skipping the user's positives), at most `maxSampled` times; the update is weighted by
 * L = ln ⌊(N − 1)/n⌋ (n draws, N candidate items, clipped at 10). BPR (Rendle et al. 2009, LightFM's variant):
 * one negative drawn from the positives' item distribution (popularity-weighted) until it is not a positive of
 * the user, weighted by 1 − σ(x̂_ui − x̂_uj). Both then step: e_i += ηLe_u, e_j −= ηLe_u, e_u += ηL(e_i − e_j) and
 * b_i += ηL, b_j −= ηL, each through the rows' features.
 *
 * @example
 * const loss = lightFmEpoch(problem, hyper, rng.permutation(problem.entryUser.length), rng, lightFmScratch(10));
 */
export function lightFmEpoch(
  p: LightFmProblem,
  h: LightFmHyper,
  order: Int32Array,
  rng: Rng,
  s: LightFmScratch,
): number {
  const F = p.factors;
  const { users, items, posIndptr, posIndices, entryUser, entryItem, negatives } = p;
  const nNeg = negatives.length;
  const nPos = entryItem.length;
  const ur = s.user,
    pr = s.pos,
    nr = s.neg,
    grad = s.grad;
  const warp = h.loss === 'warp';
  let lossSum = 0,
    updates = 0;
  if (nNeg < 2 || nPos === 0) return 0;
  for (let k = 0; k < order.length; k++) {
    const e = order[k];
    const u = entryUser[e],
      i = entryItem[e];
    const lo = posIndptr[u],
      hi = posIndptr[u + 1];
    representation(users, p.userEmb, null, u, F, ur);
    representation(items, p.itemEmb, p.itemBias, i, F, pr);
    let xi = pr[F];
    for (let c = 0; c < F; c++) xi += ur[c] * pr[c];
    let j = -1,
      weight = 0;
    if (warp) {
      for (let sampled = 1; sampled <= h.maxSampled; sampled++) {
        const cand = negatives[rng.int(nNeg)];
        representation(items, p.itemEmb, p.itemBias, cand, F, nr);
        let xj = nr[F];
        for (let c = 0; c < F; c++) xj += ur[c] * nr[c];
        if (xj > xi - 1) {
          if (contains(posIndices, lo, hi, cand)) continue;
          weight = Math.min(MAX_LOSS, Math.log(Math.max(1, Math.floor((nNeg - 1) / sampled))));
          j = cand;
          lossSum += weight * (1 - xi + xj);
          break;
        }
      }
    } else {
      for (let t = 0; t < 32; t++) {
        const cand = entryItem[rng.int(nPos)];
        if (!contains(posIndices, lo, hi, cand)) {
          j = cand;
          break;
        }
      }
      if (j >= 0) {
        representation(items, p.itemEmb, p.itemBias, j, F, nr);
        let xj = nr[F];
        for (let c = 0; c < F; c++) xj += ur[c] * nr[c];
        const x = xi - xj;
        weight = 1 / (1 + Math.exp(x));
        lossSum += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
      }
    }
    if (j < 0 || weight === 0) continue;
    updates++;
    // Loss gradients (LightFM warp_update): positive item −L·e_u, negative item +L·e_u, user L·(e_j − e_i).
    stepBias(items, i, p.itemBias, p.itemBiasGrad, -weight, h);
    stepBias(items, j, p.itemBias, p.itemBiasGrad, weight, h);
    for (let c = 0; c < F; c++) grad[c] = -weight * ur[c];
    stepFeatures(items, i, p.itemEmb, p.itemEmbGrad, F, grad, h, h.itemAlpha);
    for (let c = 0; c < F; c++) grad[c] = weight * ur[c];
    stepFeatures(items, j, p.itemEmb, p.itemEmbGrad, F, grad, h, h.itemAlpha);
    for (let c = 0; c < F; c++) grad[c] = weight * (nr[c] - pr[c]);
    stepFeatures(users, u, p.userEmb, p.userEmbGrad, F, grad, h, h.userAlpha);
  }
  return updates ? lossSum / updates : 0;
}
