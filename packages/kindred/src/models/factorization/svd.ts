import { InvalidParameterError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import type { FitOptions } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { FactorModel } from './factor-model.js';
import { jsSgdTrainer, type SgdHyper, type SgdProblem, type SgdTrainer } from './sgd-kernel.js';
import { wasmSgdTrainer } from './sgd-wasm.js';

/** Options of `Svd`; see DOCS for each. The per-parameter rates use -1 for "the global one". */
export type SvdOptions = {
  factors: number;
  epochs: number;
  biased: boolean;
  initMean: number;
  initStd: number;
  learningRate: number;
  reg: number;
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
  lrDecay: number;
  seed: number;
};

/** Surprise's SVD defaults (n_factors=100, n_epochs=20, lr_all=0.005, reg_all=0.02, init N(0, 0.1)). */
const DEFAULTS = {
  factors: 100,
  epochs: 20,
  biased: true,
  initMean: 0,
  initStd: 0.1,
  learningRate: 0.005,
  reg: 0.02,
  lrBu: -1,
  lrBi: -1,
  lrPu: -1,
  lrQi: -1,
  regBu: -1,
  regBi: -1,
  regPu: -1,
  regQi: -1,
  lrDecay: 1,
  seed: 0,
} as const satisfies SvdOptions;

const OVERRIDE = ' (-1: use the global one)';
const DOCS: Record<keyof SvdOptions, ParamDoc> = {
  factors: { description: 'Number of latent factors.', integer: true, min: 1, max: 4096 },
  epochs: { description: 'Passes of SGD over the training ratings.', integer: true, min: 0 },
  biased: { description: 'Learn μ + b_u + b_i as well (false: plain dot product, cold pairs are impossible).' },
  initMean: { description: 'Mean of the normal initialisation of the factors.' },
  initStd: { description: 'Standard deviation of the normal initialisation of the factors.', min: 0 },
  learningRate: { description: 'SGD learning rate of every parameter (Surprise lr_all).', min: 0 },
  reg: { description: 'L2 regularisation of every parameter (Surprise reg_all).', min: 0 },
  lrBu: { description: 'Learning rate of user biases' + OVERRIDE, min: -1 },
  lrBi: { description: 'Learning rate of item biases' + OVERRIDE, min: -1 },
  lrPu: { description: 'Learning rate of user factors' + OVERRIDE, min: -1 },
  lrQi: { description: 'Learning rate of item factors' + OVERRIDE, min: -1 },
  regBu: { description: 'Regularisation of user biases' + OVERRIDE, min: -1 },
  regBi: { description: 'Regularisation of item biases' + OVERRIDE, min: -1 },
  regPu: { description: 'Regularisation of user factors' + OVERRIDE, min: -1 },
  regQi: { description: 'Regularisation of item factors' + OVERRIDE, min: -1 },
  lrDecay: {
    description:
      'Learning-rate decay per epoch: epoch e (from 0) uses every learning rate × lrDecay^e (1: constant, as Surprise).',
    min: 0,
    max: 1,
  },
  seed: { description: 'Seed of the initialisation and of the visiting order.', integer: true },
};

const OVERRIDES = ['lrBu', 'lrBi', 'lrPu', 'lrQi', 'regBu', 'regBi', 'regPu', 'regQi'] as const;

/**
 * SVD: Funk's biased matrix factorisation (Koren, Bell & Volinsky 2009, eq. 5) trained by SGD exactly as Surprise's
 * `SVD`: r̂ = μ + b_u + b_i + q_iᵀp_u, p and q drawn from N(initMean, initStd), biases from 0; for each rating,
 * err = r − r̂, b_u += γ(err − λ b_u), b_i += γ(err − λ b_i), p_u += γ(err q_i − λ p_u), q_i += γ(err p_u − λ q_i)
 * (the old p_u in the q_i update). Like Surprise, every epoch visits the ratings in one fixed order; Surprise's is
 * user by user, ours a seeded random permutation (same accuracy, no dependence on the input order). Beyond Surprise,
 * `lrDecay` < 1 shrinks every learning rate by that factor each epoch (see `epochHyper`); the default 1 is Surprise's.
 *
 * Epochs run in a hand-written WebAssembly SIMD kernel (sgd-epoch.wat), with factors in float32, or in plain JS
 * where WebAssembly is missing. `onEpoch` reports the training RMSE (errors measured during the pass); after every
 * epoch a non-finite parameter (a too-large learning rate) throws ModelFitError.
 *
 * @example
 * const model = new Svd({ factors: 50, epochs: 20, seed: 1 }).fit(train, {
 *   onEpoch: ({ epoch, loss }) => console.log(epoch, loss),
 * });
 * model.predict('196', '242').value;
 * model.similarItems('50', 5).ids;
 */
export class Svd extends FactorModel<SvdOptions> {
  readonly name = 'svd';
  readonly task = 'rating' as const;

  constructor(opts: Partial<SvdOptions> = {}) {
    super('svd', DEFAULTS, DOCS, opts);
    for (const key of OVERRIDES) {
      const v = this.params[key];
      if (v < 0 && v !== -1)
        throw new InvalidParameterError(`svd: parameter "${key}" must be ≥ 0, or -1 for the global one; got ${v}`, {
          model: 'svd',
          key,
        });
    }
  }

  /** The learning rates and regularisation actually used (overrides resolved). */
  hyper(globalMean: number): SgdHyper {
    const p = this.params;
    const pick = (v: number, all: number): number => (v === -1 ? all : v);
    return {
      mu: p.biased ? globalMean : 0,
      biased: p.biased,
      lrBu: pick(p.lrBu, p.learningRate),
      lrBi: pick(p.lrBi, p.learningRate),
      lrPu: pick(p.lrPu, p.learningRate),
      lrQi: pick(p.lrQi, p.learningRate),
      regBu: pick(p.regBu, p.reg),
      regBi: pick(p.regBi, p.reg),
      regPu: pick(p.regPu, p.reg),
      regQi: pick(p.regQi, p.reg),
    };
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const F = p.factors;
    const rng = new Rng(p.seed);
    // Surprise draws p then q from N(init_mean, init_std_dev); biases start at 0.
    const userFactors = new Float32Array(data.nUsers * F);
    const itemFactors = new Float32Array(data.nItems * F);
    rng.fillNormal(userFactors, p.initMean, p.initStd);
    rng.fillNormal(itemFactors, p.initMean, p.initStd);
    const problem: SgdProblem = {
      factors: F,
      userFactors,
      itemFactors,
      userBias: new Float64Array(data.nUsers),
      itemBias: new Float64Array(data.nItems),
      users: data.users,
      items: data.items,
      values: data.values,
    };
    const hyper = this.hyper(this.training.globalMean);
    const trainer: SgdTrainer = wasmSgdTrainer(problem) ?? jsSgdTrainer(problem);
    // One seeded shuffle, then the same order every epoch. Surprise also repeats one order (all_ratings(), user by
    // user); a random one is free of any structure in the input order. Re-shuffling every epoch measured no better
    // on ML-100K (5-fold RMSE 0.9373 vs 0.9374) and cost a quarter of the fit time.
    const order = new Int32Array(data.length);
    for (let k = 0; k < order.length; k++) order[k] = k;
    rng.shuffle(order);
    trainer.setOrder(order);
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      const started = performance.now();
      const sse = trainer.epoch(epochHyper(hyper, p.lrDecay, epoch));
      if (!trainer.finite() || !Number.isFinite(sse)) {
        throw this.diverged(epoch + 1, 'lower learningRate or raise reg');
      }
      opts.onEpoch?.({
        epoch: epoch + 1,
        epochs: p.epochs,
        loss: order.length ? Math.sqrt(sse / order.length) : 0,
        seconds: (performance.now() - started) / 1000,
      });
    }
    trainer.read();
    this.setFactors({
      factors: F,
      userFactors,
      itemFactors,
      userBias: p.biased ? problem.userBias : null,
      itemBias: p.biased ? problem.itemBias : null,
      offset: hyper.mu,
    });
  }
}

/**
 * The rates of epoch `epoch` (from 0) under a per-epoch learning-rate decay: every learning rate × decay^epoch, the
 * regularisation unchanged (the exponential step-size schedule of Koren's and LibRec's SGD). The kernels take the
 * rates per call, so the schedule needs nothing from them. decay = 1 returns `h` itself: Surprise's constant rates.
 *
 * @example
 * epochHyper(hyper, 0.9, 2).lrPu; // hyper.lrPu * 0.81
 */
export function epochHyper(h: SgdHyper, decay: number, epoch: number): SgdHyper {
  if (decay === 1) return h;
  const scale = decay ** epoch;
  return { ...h, lrBu: h.lrBu * scale, lrBi: h.lrBi * scale, lrPu: h.lrPu * scale, lrQi: h.lrQi * scale };
}

/**
 * Registry entry of `Svd` (name `svd`).
 *
 * @example
 * registerModel(svdEntry);
 * createModel('svd', { factors: 50 });
 */
export const svdEntry: ModelEntry<SvdOptions> = {
  name: 'svd',
  description: "Biased matrix factorisation trained by SGD (Funk/Koren; Surprise's SVD), WebAssembly SIMD kernel.",
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Svd(p),
};
