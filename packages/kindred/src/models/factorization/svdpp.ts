import { allFinite } from '../../math/finite.js';
import { InvalidParameterError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import type { ModelEntry } from '../registry.js';
import type { FitOptions } from '../recommender.js';
import { FactorModel } from './factor-model.js';

/** Options of SVD++; per-parameter rates and regularizations of -1 inherit `learningRate` / `reg`. */
export type SvdppOptions = {
  factors: number;
  epochs: number;
  initMean: number;
  initStd: number;
  learningRate: number;
  reg: number;
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  lrYj: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
  regYj: number;
  lrDecay: number;
  seed: number;
};

// Surprise 1.1.4 `SVDpp` defaults (n_factors=20, n_epochs=20, init_std_dev=.1, lr_all=.007, reg_all=.02).
const DEFAULTS = {
  factors: 20,
  epochs: 20,
  initMean: 0,
  initStd: 0.1,
  learningRate: 0.007,
  reg: 0.02,
  lrBu: -1,
  lrBi: -1,
  lrPu: -1,
  lrQi: -1,
  lrYj: -1,
  regBu: -1,
  regBi: -1,
  regPu: -1,
  regQi: -1,
  regYj: -1,
  lrDecay: 1,
  seed: 0,
} as const satisfies SvdppOptions;

const inherit = (what: string, from: string): ParamDoc => ({
  description: `${what} (-1: use ${from})`,
  min: -1,
});

const DOCS: Record<keyof SvdppOptions, ParamDoc> = {
  factors: { description: 'Number of latent factors.', integer: true, min: 1 },
  epochs: { description: 'Passes of SGD over the training ratings.', integer: true, min: 0 },
  initMean: { description: 'Mean of the normal draw that initializes p_u, q_i and y_j.' },
  initStd: { description: 'Standard deviation of the normal draw that initializes p_u, q_i and y_j.', min: 0 },
  learningRate: { description: 'SGD step size for every parameter (Surprise lr_all).', min: 0 },
  reg: { description: 'L2 regularization for every parameter (Surprise reg_all).', min: 0 },
  lrBu: inherit('Step size of the user biases b_u', 'learningRate'),
  lrBi: inherit('Step size of the item biases b_i', 'learningRate'),
  lrPu: inherit('Step size of the user factors p_u', 'learningRate'),
  lrQi: inherit('Step size of the item factors q_i', 'learningRate'),
  lrYj: inherit('Step size of the implicit item factors y_j', 'learningRate'),
  regBu: inherit('Regularization of b_u', 'reg'),
  regBi: inherit('Regularization of b_i', 'reg'),
  regPu: inherit('Regularization of p_u', 'reg'),
  regQi: inherit('Regularization of q_i', 'reg'),
  regYj: inherit('Regularization of y_j', 'reg'),
  lrDecay: {
    description:
      'Learning-rate decay per epoch: epoch e (from 0) uses every step size × lrDecay^e (1: constant, as Surprise).',
    min: 0,
    max: 1,
  },
  seed: { description: 'Seed of the factor initialization.', integer: true },
};

const OVERRIDES = ['lrBu', 'lrBi', 'lrPu', 'lrQi', 'lrYj', 'regBu', 'regBi', 'regPu', 'regQi', 'regYj'] as const;

/** Step sizes and regularizations after -1 has been resolved to the global value. */
export interface SvdppRates {
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  lrYj: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
  regYj: number;
}

/**
 * SVD++ (Koren 2008, "Factorization meets the neighborhood", §4; Surprise `SVDpp`):
 * r̂(u,i) = μ + b_u + b_i + q_iᵀ(p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j), where N(u) are the items u rated. Trained by
 * SGD over the ratings grouped by user with Surprise's exact per-rating updates, in O(|R|·f) per epoch instead of
 * Surprise's O(Σ_u |N(u)|²·f) (see `svdppEpoch`). After training, z_u = p_u + |N(u)|^-½ Σ y_j is stored as the user
 * factor of a `FactorModel`, so scoring, whole-row scoring, similar items and save/load are the base's. As in
 * Surprise, a user without training rows contributes no b_u, p_u or implicit term and such an item no b_i or q_i:
 * the prediction is μ + b_u, μ + b_i or μ, never impossible. `onEpoch` reports the training RMSE of the pass.
 * Beyond Surprise, `lrDecay` < 1 shrinks every step size by that factor each epoch (see `epochRates`). Tuned on
 * ML-100K, y_j wants a much smaller regularization than p_u and q_i (regYj ≈ 0.006 vs reg ≈ 0.1; BENCHMARKS.md).
 *
 * @example
 * const model = new Svdpp({ factors: 20, seed: 1 }).fit(train);
 * model.predict('196', '242').value; // e.g. 3.71
 */
export class Svdpp extends FactorModel<SvdppOptions> {
  readonly name = 'svdpp';
  readonly task = 'rating' as const;

  constructor(opts: Partial<SvdppOptions> = {}) {
    super('svdpp', DEFAULTS, DOCS, opts);
    for (const key of OVERRIDES) {
      const v = this.params[key];
      if (v !== -1 && v < 0)
        throw new InvalidParameterError(`svdpp: parameter "${key}" must be ≥ 0, or -1 for the global one; got ${v}`, {
          model: 'svdpp',
          key,
        });
    }
  }

  /** The step sizes and regularizations actually used (Surprise's `lr_bu if lr_bu is not None else lr_all`). */
  rates(): SvdppRates {
    const p = this.params;
    const lr = (v: number) => (v === -1 ? p.learningRate : v);
    const rg = (v: number) => (v === -1 ? p.reg : v);
    return {
      lrBu: lr(p.lrBu),
      lrBi: lr(p.lrBi),
      lrPu: lr(p.lrPu),
      lrQi: lr(p.lrQi),
      lrYj: lr(p.lrYj),
      regBu: rg(p.regBu),
      regBi: rg(p.regBi),
      regPu: rg(p.regPu),
      regQi: rg(p.regQi),
      regYj: rg(p.regYj),
    };
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const f = p.factors;
    const nU = data.nUsers,
      nI = data.nItems;
    const rng = new Rng(p.seed);
    const bu = new Float64Array(nU),
      bi = new Float64Array(nI);
    // Float64 while training, as Surprise; same draw order: p_u, then q_i, then y_j.
    const pu = new Float64Array(nU * f),
      qi = new Float64Array(nI * f),
      yj = new Float64Array(nI * f);
    rng.fillNormal(pu, p.initMean, p.initStd);
    rng.fillNormal(qi, p.initMean, p.initStd);
    rng.fillNormal(yj, p.initMean, p.initStd);
    const { indptr, indices, values } = data.byUser();
    const rates = this.rates();
    const mu = this.training.globalMean;
    const scratch = new Float64Array(2 * f);
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      const started = performance.now();
      const sse = svdppEpoch(
        indptr,
        indices,
        values,
        mu,
        f,
        bu,
        bi,
        pu,
        qi,
        yj,
        epochRates(rates, p.lrDecay, epoch),
        scratch,
      );
      if (!Number.isFinite(sse) || !allFinite(pu) || !allFinite(qi) || !allFinite(yj)) {
        throw this.diverged(epoch + 1, 'lower learningRate or raise reg');
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
      userFactors: implicitUserFactors(indptr, indices, pu, yj, f),
      itemFactors: Float32Array.from(qi),
      userBias: bu,
      itemBias: bi,
      offset: mu,
    });
  }
}

/**
 * The rates of epoch `epoch` (from 0) under a per-epoch learning-rate decay: every step size × decay^epoch, the
 * regularizations unchanged (the exponential step-size schedule of Koren's and LibRec's SGD). decay = 1 returns
 * `r` itself: Surprise's constant rates.
 *
 * @example
 * epochRates(rates, 0.9, 2).lrYj; // rates.lrYj * 0.81
 */
export function epochRates(r: SvdppRates, decay: number, epoch: number): SvdppRates {
  if (decay === 1) return r;
  const scale = decay ** epoch;
  return {
    ...r,
    lrBu: r.lrBu * scale,
    lrBi: r.lrBi * scale,
    lrPu: r.lrPu * scale,
    lrQi: r.lrQi * scale,
    lrYj: r.lrYj * scale,
  };
}

/**
 * One SGD epoch of SVD++, returning the sum of squared (pre-update) errors.
 *
 * Surprise, for every rating (u, i, r), recomputes s = |N(u)|^-½ Σ_{j∈N(u)} y_j and then moves every y_j of the user
 * by y_j ← (1−γλ)·y_j + γ·e·q_i/√|N(u)|: O(|N(u)|·f) per rating. The move is the same for every j, so within one
 * visit of user u each y_j = D·y_j⁰ + B with a shared scalar D and vector B (D ← (1−γλ)D, B ← (1−γλ)B + γe q_i/√n),
 * and s follows s ← (1−γλ)s + √n·(γe q_i/√n). Keeping s, D and B up to date per rating and writing y_j once when
 * the user's ratings are done gives Surprise's updates exactly (ratings are grouped by user in both), at O(f) per
 * rating plus O(|N(u)|·f) per user.
 */
function svdppEpoch(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  mu: number,
  f: number,
  bu: Float64Array,
  bi: Float64Array,
  pu: Float64Array,
  qi: Float64Array,
  yj: Float64Array,
  r: SvdppRates,
  scratch: Float64Array,
): number {
  const nUsers = indptr.length - 1;
  const decay = 1 - r.lrYj * r.regYj;
  const s = scratch.subarray(0, f); // current implicit sum |N(u)|^-½ Σ y_j
  const acc = scratch.subarray(f, 2 * f); // B: shared additive move of every y_j this visit
  let sse = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = indptr[u],
      end = indptr[u + 1];
    const n = end - start;
    if (n === 0) continue;
    const invSqrt = 1 / Math.sqrt(n);
    s.fill(0);
    acc.fill(0);
    for (let k = start; k < end; k++) {
      const jo = indices[k] * f;
      for (let t = 0; t < f; t++) s[t] += yj[jo + t];
    }
    for (let t = 0; t < f; t++) s[t] *= invSqrt;
    let d = 1; // D: shared decay of every y_j this visit
    const uo = u * f;
    for (let k = start; k < end; k++) {
      const i = indices[k];
      const io = i * f;
      let dot = 0;
      for (let t = 0; t < f; t++) dot += qi[io + t] * (pu[uo + t] + s[t]);
      const err = values[k] - (mu + bu[u] + bi[i] + dot);
      sse += err * err;
      bu[u] += r.lrBu * (err - r.regBu * bu[u]);
      bi[i] += r.lrBi * (err - r.regBi * bi[i]);
      const g = r.lrYj * err * invSqrt;
      for (let t = 0; t < f; t++) {
        const puf = pu[uo + t],
          qif = qi[io + t];
        pu[uo + t] += r.lrPu * (err * qif - r.regPu * puf);
        qi[io + t] += r.lrQi * (err * (puf + s[t]) - r.regQi * qif);
        const step = g * qif;
        acc[t] = decay * acc[t] + step;
        // Σ_j over n items of the shared move: s = (1−γλ)s + n·step/√n.
        s[t] = decay * s[t] + n * step * invSqrt;
      }
      d *= decay;
    }
    for (let k = start; k < end; k++) {
      const jo = indices[k] * f;
      for (let t = 0; t < f; t++) yj[jo + t] = d * yj[jo + t] + acc[t];
    }
  }
  return sse;
}

/** z_u = p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j for every user, summed in float64 and stored as float32 factors. */
function implicitUserFactors(
  indptr: Int32Array,
  indices: Int32Array,
  pu: Float64Array,
  yj: Float64Array,
  f: number,
): Float32Array {
  const z = Float64Array.from(pu);
  const nUsers = indptr.length - 1;
  for (let u = 0; u < nUsers; u++) {
    const start = indptr[u],
      end = indptr[u + 1];
    if (end === start) continue;
    const invSqrt = 1 / Math.sqrt(end - start);
    const uo = u * f;
    for (let k = start; k < end; k++) {
      const jo = indices[k] * f;
      for (let t = 0; t < f; t++) z[uo + t] += yj[jo + t] * invSqrt;
    }
  }
  return Float32Array.from(z);
}

export const svdppEntry: ModelEntry<SvdppOptions> = {
  name: 'svdpp',
  description: 'SVD++: biased matrix factorization plus implicit feedback from which items a user rated (Koren 2008).',
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Svdpp(p),
};
