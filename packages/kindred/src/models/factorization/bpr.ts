import { ModelFitError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import type { FitOptions } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { bprEpoch, type BprEpochStats, type BprProblem } from './bpr-epoch.js';
import { FactorModel } from './factor-model.js';
import { allFinite } from './factor-rows.js';

/** Options of `Bpr`; see DOCS for each. */
export type BprOptions = {
  factors: number;
  learningRate: number;
  regularization: number;
  iterations: number;
  sampling: 'uniform' | 'warp';
  warpTries: number;
  seed: number;
};

/** benfred/implicit's BayesianPersonalizedRanking defaults (factors=100, lr=0.01, reg=0.01, iterations=100). */
const DEFAULTS = {
  factors: 100,
  learningRate: 0.01,
  regularization: 0.01,
  iterations: 100,
  sampling: 'uniform',
  warpTries: 10,
  seed: 0,
} as const satisfies BprOptions;

const DOCS: Record<keyof BprOptions, ParamDoc> = {
  factors: { description: 'Number of latent factors.', integer: true, min: 1, max: 4096 },
  learningRate: { description: 'SGD learning rate η.', min: 0 },
  regularization: { description: 'L2 regularisation λ of factors and item biases.', min: 0 },
  iterations: {
    description: 'Epochs; each draws as many triples as there are training interactions.',
    integer: true,
    min: 0,
  },
  sampling: {
    description: 'Negatives: uniform (Rendle 2009), or warp (draw until one violates the margin 1, LightFM-style).',
    choices: ['uniform', 'warp'],
  },
  warpTries: {
    description: 'With warp sampling: most negatives drawn per positive (LightFM max_sampled).',
    integer: true,
    min: 1,
  },
  seed: { description: 'Seed of the initialisation and the sampling.', integer: true },
};

/**
 * BPR-MF (Rendle et al. 2009): learns x̂_ui = b_i + p_uᵀq_i so that a user's items outrank the ones they did not
 * touch, by SGD on sampled triples (u, i, j) maximising ln σ(x̂_ui − x̂_uj) − λ‖Θ‖², as benfred/implicit's
 * BayesianPersonalizedRanking does (positives drawn uniformly over training entries, negatives uniformly over the
 * user's unseen items, factors initialised uniform in [−0.5, 0.5)/factors, biases at 0). One epoch draws as many
 * triples as there are training interactions. `onEpoch` reports the mean BPR loss −ln σ(x_uij) of the epoch; the
 * share of correctly ordered sampled triples (a training AUC) is kept in `epochStats`.
 *
 * @example
 * const model = new Bpr({ factors: 64, iterations: 50, seed: 1 }).fit(train, {
 *   onEpoch: ({ epoch, loss }) => console.log(epoch, loss),
 * });
 * model.recommend('196', { k: 10 }).ids;
 */
export class Bpr extends FactorModel<BprOptions> {
  readonly name = 'bpr';
  readonly task = 'ranking' as const;
  /** Per-epoch loss, sampled training AUC and updates of the last fit. */
  epochStats: BprEpochStats[] = [];

  constructor(opts: Partial<BprOptions> = {}) {
    super('bpr', DEFAULTS, DOCS, opts);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const F = p.factors;
    const nUsers = data.nUsers,
      nItems = data.nItems;
    const csr = data.byUser();
    // Positives: distinct items with a value > 0 (duplicates count once, as in a binary matrix).
    const indptr = new Int32Array(nUsers + 1);
    const indices = new Int32Array(csr.indices.length);
    const userOfEntry = new Int32Array(csr.indices.length);
    let n = 0;
    for (let u = 0; u < nUsers; u++) {
      const start = n;
      for (let k = csr.indptr[u]; k < csr.indptr[u + 1]; k++) {
        const i = csr.indices[k];
        if (!(csr.values[k] > 0) || (n > start && indices[n - 1] === i)) continue;
        indices[n] = i;
        userOfEntry[n++] = u;
      }
      indptr[u + 1] = n;
    }
    const rng = new Rng(p.seed);
    const userFactors = new Float32Array(nUsers * F);
    const itemFactors = new Float32Array(nItems * F);
    for (let k = 0; k < userFactors.length; k++) userFactors[k] = (rng.next() - 0.5) / F;
    for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = (rng.next() - 0.5) / F;
    const problem: BprProblem = {
      factors: F,
      nItems,
      indptr,
      indices: indices.slice(0, n),
      userOfEntry: userOfEntry.slice(0, n),
      userFactors,
      itemFactors,
      itemBias: new Float64Array(nItems),
    };
    const hyper = {
      learningRate: p.learningRate,
      regularization: p.regularization,
      warpTries: p.sampling === 'warp' ? p.warpTries : 0,
    };
    this.epochStats = [];
    for (let epoch = 0; epoch < p.iterations; epoch++) {
      const started = performance.now();
      const stats = bprEpoch(problem, hyper, n, rng);
      if (!allFinite(userFactors) || !allFinite(itemFactors) || !allFinite(problem.itemBias)) {
        this.summary = null;
        throw new ModelFitError(`bpr: non-finite factors after epoch ${epoch + 1}; lower learningRate`, {
          epoch: epoch + 1,
        });
      }
      this.epochStats.push(stats);
      opts.onEpoch?.({
        epoch: epoch + 1,
        epochs: p.iterations,
        loss: stats.loss,
        seconds: (performance.now() - started) / 1000,
      });
    }
    // The user bias stays 0: the score is b_i + p_uᵀq_i (implicit keeps a constant 1 in the user's bias column).
    this.setFactors({
      factors: F,
      userFactors,
      itemFactors,
      userBias: new Float64Array(nUsers),
      itemBias: problem.itemBias,
      offset: 0,
    });
  }

  /** Whole-row scores; items without training rows cannot be ranked (their b_i and q_i were never trained). */
  override scoreItems(u: number, out: Float32Array): void {
    super.scoreItems(u, out);
    const counts = this.training.itemCounts;
    for (let i = 0; i < out.length; i++) if (counts[i] === 0) out[i] = -Infinity;
  }
}

export const bprEntry: ModelEntry<BprOptions> = {
  name: 'bpr',
  description:
    'Bayesian Personalized Ranking matrix factorisation (Rendle et al. 2009) by SGD; uniform or WARP negatives.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Bpr(p),
};
