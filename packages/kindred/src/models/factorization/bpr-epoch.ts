// One epoch of BPR-MF SGD (Rendle, Freudenthaler, Gantner & Schmidt-Thieme 2009, "BPR: Bayesian Personalized Ranking
// from Implicit Feedback", LearnBPR with bootstrap sampling), as benfred/implicit's `bpr.pyx` runs it: a positive
// (u, i) drawn uniformly from the training entries, a negative j uniformly from the items u has not interacted
// with, and x_uij = x̂_ui − x̂_uj with x̂_ui = b_i + p_uᵀq_i.
import type { Rng } from '../../math/rng.js';

/** The state one epoch works on: the user CSR (sorted items), each entry's user, and the parameters. */
export interface BprProblem {
  factors: number;
  nItems: number;
  indptr: Int32Array;
  indices: Int32Array;
  /** User of each CSR entry (lets a uniform draw over entries find its row). */
  userOfEntry: Int32Array;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  itemBias: Float64Array;
}

/** Hyper-parameters of an epoch. */
export interface BprHyper {
  learningRate: number;
  regularization: number;
  /** 0: uniform negatives; > 0: WARP-style, draw up to this many until one violates the margin 1. */
  warpTries: number;
}

/** What an epoch measured, before each update. */
export interface BprEpochStats {
  /** Mean BPR loss −ln σ(x_uij) over the updates. */
  loss: number;
  /** Share of sampled triples already ordered correctly (x_uij > 0): a sampled training AUC. */
  auc: number;
  /** Updates made (samples where no negative could be found or, with WARP, none violated the margin, are skipped). */
  updates: number;
}

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

/** A uniformly drawn item the user has not interacted with, or −1 after 32 failed draws (a user who has them all). */
function drawNegative(p: BprProblem, lo: number, hi: number, rng: Rng): number {
  for (let t = 0; t < 32; t++) {
    const j = rng.int(p.nItems);
    if (!contains(p.indices, lo, hi, j)) return j;
  }
  return -1;
}

/**
 * Runs `samples` SGD steps in place: with z = σ(−x_uij),
 *   p_u += η(z(q_i − q_j) − λp_u),  q_i += η(z p_u − λq_i),  q_j += η(−z p_u − λq_j),  b_i += η(z − λb_i),
 *   b_j += η(−z − λb_j)   (old p_u in the item updates).
 * With `warpTries` > 0 the negative is the first of up to that many draws with x_uij < 1 (Weston et al. 2011's
 * WARP sampling, LightFM's margin); the step is skipped when none is found.
 *
 * @example
 * const stats = bprEpoch(problem, { learningRate: 0.01, regularization: 0.01, warpTries: 0 }, problem.indices.length, rng);
 */
export function bprEpoch(p: BprProblem, h: BprHyper, samples: number, rng: Rng): BprEpochStats {
  const F = p.factors;
  const { indptr, indices, userOfEntry, userFactors: P, itemFactors: Q, itemBias: B } = p;
  const nnz = indices.length;
  const lr = h.learningRate,
    reg = h.regularization;
  let loss = 0,
    correct = 0,
    drawn = 0,
    updates = 0;
  if (nnz === 0) return { loss: 0, auc: 0, updates: 0 };
  for (let s = 0; s < samples; s++) {
    const k = rng.int(nnz);
    const u = userOfEntry[k];
    const i = indices[k];
    const lo = indptr[u],
      hi = indptr[u + 1];
    const uo = u * F,
      io = i * F;
    let xui = B[i];
    for (let f = 0; f < F; f++) xui += P[uo + f] * Q[io + f];
    let j = -1,
      x = 0;
    const tries = h.warpTries > 0 ? h.warpTries : 1;
    for (let t = 0; t < tries; t++) {
      const cand = drawNegative(p, lo, hi, rng);
      if (cand < 0) break;
      const jo = cand * F;
      let xuj = B[cand];
      for (let f = 0; f < F; f++) xuj += P[uo + f] * Q[jo + f];
      const xc = xui - xuj;
      if (t === 0) {
        drawn++;
        if (xc > 0) correct++;
      }
      if (h.warpTries === 0 || xc < 1) {
        j = cand;
        x = xc;
        break;
      }
    }
    if (j < 0) continue;
    // −ln σ(x) = ln(1 + e^{−x}), computed stably.
    loss += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    const z = 1 / (1 + Math.exp(x));
    const jo = j * F;
    for (let f = 0; f < F; f++) {
      const pu = P[uo + f],
        qi = Q[io + f],
        qj = Q[jo + f];
      P[uo + f] = pu + lr * (z * (qi - qj) - reg * pu);
      Q[io + f] = qi + lr * (z * pu - reg * qi);
      Q[jo + f] = qj + lr * (-z * pu - reg * qj);
    }
    B[i] += lr * (z - reg * B[i]);
    B[j] += lr * (-z - reg * B[j]);
    updates++;
  }
  return { loss: updates ? loss / updates : 0, auc: drawn ? correct / drawn : 0, updates };
}
