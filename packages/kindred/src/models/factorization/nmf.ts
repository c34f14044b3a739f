import { allFinite } from '../../math/finite.js';
import { InvalidParameterError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import type { ModelEntry } from '../registry.js';
import type { FitOptions } from '../recommender.js';
import { FactorModel } from './factor-model.js';

export type NmfOptions = {
  factors: number;
  epochs: number;
  biased: boolean;
  regPu: number;
  regQi: number;
  regBu: number;
  regBi: number;
  lrBu: number;
  lrBi: number;
  initLow: number;
  initHigh: number;
  seed: number;
};

// Surprise 1.1.4 `NMF` defaults.
const DEFAULTS = {
  factors: 15,
  epochs: 50,
  biased: false,
  regPu: 0.06,
  regQi: 0.06,
  regBu: 0.02,
  regBi: 0.02,
  lrBu: 0.005,
  lrBi: 0.005,
  initLow: 0,
  initHigh: 1,
  seed: 0,
} as const satisfies NmfOptions;

const DOCS: Record<keyof NmfOptions, ParamDoc> = {
  factors: { description: 'Number of latent factors.', integer: true, min: 1 },
  epochs: { description: 'Passes of multiplicative updates over the training ratings.', integer: true, min: 0 },
  biased: { description: 'Add μ + b_u + b_i to the prediction (biases learned by SGD as in SVD).' },
  regPu: { description: 'Regularization λ_u of the user factors.', min: 0 },
  regQi: { description: 'Regularization λ_i of the item factors.', min: 0 },
  regBu: { description: 'Regularization of b_u (biased only).', min: 0 },
  regBi: { description: 'Regularization of b_i (biased only).', min: 0 },
  lrBu: { description: 'SGD step size of b_u (biased only).', min: 0 },
  lrBi: { description: 'SGD step size of b_i (biased only).', min: 0 },
  initLow: {
    description: 'Lower bound of the uniform factor initialization (≥ 0 keeps factors non-negative).',
    min: 0,
  },
  initHigh: { description: 'Upper bound of the uniform factor initialization.', min: 0 },
  seed: { description: 'Seed of the factor initialization.', integer: true },
};

/**
 * Non-negative matrix factorization for ratings (Luo et al. 2014, as implemented by Surprise `NMF`): r̂(u,i) = q_iᵀp_u
 * (plus μ + b_u + b_i when `biased`). Each epoch accumulates, over all ratings, the numerators Σ q_if·r and the
 * denominators Σ q_if·r̂ (and the same for items), then applies the multiplicative updates
 * p_uf ← p_uf · Σ_{i∈I_u} q_if r_ui / (Σ_{i∈I_u} q_if r̂_ui + λ_u |I_u| p_uf), and likewise for q_if. Factors stay
 * non-negative when they start non-negative. Unbiased predictions need a known user and item (otherwise the
 * fallback answers); biased ones fall back to μ + b_u / μ + b_i like SVD. Scoring, similar items and save/load come
 * from `FactorModel`. `onEpoch` reports the training RMSE of the estimates each epoch used.
 *
 * @example
 * const model = new Nmf({ factors: 15, seed: 1 }).fit(train);
 * model.predict('196', '242').value; // e.g. 3.52
 */
export class Nmf extends FactorModel<NmfOptions> {
  readonly name = 'nmf';
  readonly task = 'rating' as const;

  constructor(opts: Partial<NmfOptions> = {}) {
    super('nmf', DEFAULTS, DOCS, opts);
    if (this.params.initHigh < this.params.initLow)
      throw new InvalidParameterError(
        `nmf: initHigh (${this.params.initHigh}) must be ≥ initLow (${this.params.initLow})`,
        { model: 'nmf', key: 'initHigh' },
      );
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const f = p.factors;
    const nU = data.nUsers,
      nI = data.nItems;
    const rng = new Rng(p.seed);
    // Float64 while training, as Surprise; same draw order: p_u, then q_i, uniform in [initLow, initHigh).
    const factors: NmfFactors = {
      pu: new Float64Array(nU * f),
      qi: new Float64Array(nI * f),
      bu: new Float64Array(nU),
      bi: new Float64Array(nI),
    };
    const span = p.initHigh - p.initLow;
    for (let k = 0; k < factors.pu.length; k++) factors.pu[k] = p.initLow + span * rng.next();
    for (let k = 0; k < factors.qi.length; k++) factors.qi[k] = p.initLow + span * rng.next();
    const ws: NmfWorkspace = {
      userNum: new Float64Array(nU * f),
      userDen: new Float64Array(nU * f),
      itemNum: new Float64Array(nI * f),
      itemDen: new Float64Array(nI * f),
    };
    const csr = data.byUser();
    const itemCounts = this.training.itemCounts;
    const mu = p.biased ? this.training.globalMean : 0;
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      const started = performance.now();
      const sse = nmfEpoch(csr.indptr, csr.indices, csr.values, itemCounts, mu, f, factors, p, ws);
      if (!Number.isFinite(sse) || !allFinite(factors.pu) || !allFinite(factors.qi)) {
        throw this.diverged(epoch + 1, 'raise the regularization');
      }
      opts.onEpoch?.({
        epoch: epoch + 1,
        epochs: p.epochs,
        loss: data.length ? Math.sqrt(sse / data.length) : 0,
        seconds: (performance.now() - started) / 1000,
      });
    }
    this.setFactors({
      factors: f,
      userFactors: Float32Array.from(factors.pu),
      itemFactors: Float32Array.from(factors.qi),
      userBias: p.biased ? factors.bu : null,
      itemBias: p.biased ? factors.bi : null,
      offset: mu,
    });
  }
}

interface NmfFactors {
  bu: Float64Array;
  bi: Float64Array;
  pu: Float64Array;
  qi: Float64Array;
}

interface NmfWorkspace {
  userNum: Float64Array;
  userDen: Float64Array;
  itemNum: Float64Array;
  itemDen: Float64Array;
}

/** One epoch of Surprise's NMF; returns the sum of squared errors of the estimates it used. */
function nmfEpoch(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  itemCounts: Int32Array,
  mu: number,
  f: number,
  factors: NmfFactors,
  opts: Readonly<NmfOptions>,
  ws: NmfWorkspace,
): number {
  const { bu, bi, pu, qi } = factors;
  const { biased, regPu, regQi, regBu, regBi, lrBu, lrBi } = opts;
  const { userNum, userDen, itemNum, itemDen } = ws;
  userNum.fill(0);
  userDen.fill(0);
  itemNum.fill(0);
  itemDen.fill(0);
  const nUsers = indptr.length - 1;
  let sse = 0;
  for (let u = 0; u < nUsers; u++) {
    const uo = u * f;
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const i = indices[k];
      const io = i * f;
      const r = values[k];
      let dot = 0;
      for (let t = 0; t < f; t++) dot += qi[io + t] * pu[uo + t];
      const est = mu + bu[u] + bi[i] + dot;
      const err = r - est;
      sse += err * err;
      if (biased) {
        bu[u] += lrBu * (err - regBu * bu[u]);
        bi[i] += lrBi * (err - regBi * bi[i]);
      }
      for (let t = 0; t < f; t++) {
        const q = qi[io + t],
          pf = pu[uo + t];
        userNum[uo + t] += q * r;
        userDen[uo + t] += q * est;
        itemNum[io + t] += pf * r;
        itemDen[io + t] += pf * est;
      }
    }
  }
  // Users and items without training rows keep their initial factors (Surprise's trainset has none of them; the
  // update would be 0/0 here).
  for (let u = 0; u < nUsers; u++) {
    const n = indptr[u + 1] - indptr[u];
    if (n === 0) continue;
    multiplicativeUpdate(pu, userNum, userDen, u * f, f, n * regPu);
  }
  for (let i = 0; i < itemCounts.length; i++) {
    const n = itemCounts[i];
    if (n === 0) continue;
    multiplicativeUpdate(qi, itemNum, itemDen, i * f, f, n * regQi);
  }
  return sse;
}

/** x_t ← x_t · num_t / (den_t + reg·x_t) over one row of f factors. */
function multiplicativeUpdate(
  x: Float64Array,
  num: Float64Array,
  den: Float64Array,
  o: number,
  f: number,
  reg: number,
): void {
  for (let t = o; t < o + f; t++) {
    const d = den[t] + reg * x[t];
    // Surprise 1.1.4 skips zero factors ("user only has 0 ratings"); a zero denominator is the same case here.
    if (x[t] !== 0 && d !== 0) x[t] *= num[t] / d;
  }
}

export const nmfEntry: ModelEntry<NmfOptions> = {
  name: 'nmf',
  description: 'Non-negative matrix factorization of the ratings by multiplicative SGD updates (Luo et al. 2014).',
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Nmf(p),
};
