import { ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import { Recommender, type FitOptions, type ModelState } from '../recommender.js';
import type { HistoryScorer } from '../history-scorer.js';
import type { ModelEntry } from '../registry.js';
import { Adam } from './adam.js';
import {
  buildMultNet,
  encodeScores,
  netWeights,
  type EncodeScratch,
  type MultNet,
  type MultNetShape,
  type MultWeights,
} from './mult-vae-net.js';
import { runEpochs } from './epoch-loop.js';
import { zeroGrads } from './param.js';
import { validationNdcg } from './validation-ndcg.js';

/**
 * Options of `MultDae` (and the shared part of `MultVae`).
 *
 * @example
 * const opts: Partial<MultDaeOptions> = { epochs: 50 };
 */
export type MultDaeOptions = {
  epochs: number;
  hidden: number;
  latent: number;
  dropout: number;
  learningRate: number;
  batchSize: number;
  weightDecay: number;
  patience: number;
  seed: number;
};

/**
 * Options of `MultVae`.
 *
 * @example
 * const opts: Partial<MultVaeOptions> = { anneal: 0.2, annealEpochs: 20 };
 */
export type MultVaeOptions = MultDaeOptions & { anneal: number; annealEpochs: number; totalAnnealSteps: number };

/** Liang et al.'s architecture [I → 600 → 200 → 600 → I], dropout 0.5, Adam 1e-3, batches of 500 users. */
const DAE_DEFAULTS = {
  epochs: 100,
  hidden: 600,
  latent: 200,
  dropout: 0.5,
  learningRate: 1e-3,
  batchSize: 500,
  weightDecay: 0.01,
  patience: 10,
  seed: 0,
} as const satisfies MultDaeOptions;

/**
 * β's cap 0.2 as the paper's best. Liang et al. (and RecBole) anneal over a fixed 200 000 updates, which on ML-20M
 * (≈ 270 batches of 500 users an epoch) brings β to its cap after ≈ 150 of 200 epochs; on ML-100K (2 batches an
 * epoch) the same count leaves β ≈ 0 for all of training. The default counts epochs instead, so β reaches its cap
 * within the training of any data set. The VAE regularises through the KL, not L2.
 *
 * Latent 32 rather than the paper's 200 (RecBole's 64): on ML-100K ratio-811 (seed 0) NDCG@10 was 0.3028 / 0.3096
 * / 0.3145 with latent 200 / 64 / 32, a β cap of 0.1 or 0.5 did worse (0.3039, 0.2882 at latent 64), and the
 * validation NDCG still climbs after 100 epochs of 2 steps (best epoch ≈ 120), hence 200 epochs and patience 15.
 */
const VAE_DEFAULTS = {
  ...DAE_DEFAULTS,
  epochs: 200,
  latent: 32,
  patience: 15,
  weightDecay: 0,
  anneal: 0.2,
  annealEpochs: 20,
  totalAnnealSteps: 0,
} as const satisfies MultVaeOptions;

const DAE_DOCS: Record<keyof MultDaeOptions, ParamDoc> = {
  epochs: {
    description: 'Training epochs (passes over the users); fewer when early stopping ends training.',
    min: 1,
    integer: true,
  },
  hidden: { description: 'Width of the encoder and decoder hidden layers (tanh).', min: 1, integer: true },
  latent: { description: 'Dimension of the latent code z.', min: 1, integer: true },
  dropout: { description: 'Input dropout rate on the normalised history while training.', min: 0, max: 0.95 },
  learningRate: { description: 'Adam learning rate.', min: 0 },
  batchSize: { description: 'Users per training step.', min: 1, integer: true },
  weightDecay: { description: 'L2 penalty λ·θ added to the gradient (Adam weight decay).', min: 0 },
  patience: {
    description:
      'With a validation split: stop after this many epochs without a better validation NDCG@10 (best weights kept).',
    min: 1,
    integer: true,
  },
  seed: { description: 'Seed of the initialisation, the user order, dropout and sampling.', integer: true },
};

const VAE_DOCS: Record<keyof MultVaeOptions, ParamDoc> = {
  ...DAE_DOCS,
  anneal: { description: 'Cap of the KL weight β.', min: 0 },
  annealEpochs: {
    description:
      'Epochs over which β grows linearly, step by step, from 0 to `anneal` (then stays there); 0: β = anneal ' +
      'from the first step.',
    min: 0,
    integer: true,
  },
  totalAnnealSteps: {
    description:
      'Liang et al.’s schedule instead (their 200000, RecBole’s default): β = min(anneal, step / totalAnnealSteps); ' +
      '0: use annealEpochs.',
    min: 0,
    integer: true,
  },
};

/**
 * Mult-VAE and Mult-DAE (Liang, Krishnan, Hoffman & Jebara 2018, "Variational Autoencoders for Collaborative
 * Filtering"): the user's binary history, L2-normalised and with input dropout, is encoded to a latent code and
 * decoded to a softmax over all items, trained on the multinomial log-likelihood (+ β·KL for the VAE, β annealed
 * linearly up to `anneal`). Scores are the decoder's logits for z = μ of the user's training history;
 * `scoreHistory` encodes any history, so users unseen in training are served without retraining.
 */
abstract class MultAutoencoder<P extends MultDaeOptions> extends Recommender<P> implements HistoryScorer {
  readonly task = 'ranking' as const;
  /** The autoencoder reads a history as a set; every item of it counts. */
  readonly historyOrdered = false;
  readonly historyLimit = Number.MAX_SAFE_INTEGER;
  protected abstract readonly variational: boolean;
  private weights: MultWeights = {};
  private shape: MultNetShape = { items: 0, hidden: 0, latent: 0, variational: false };
  private scratch: EncodeScratch = { h: new Float32Array(0), z: new Float32Array(0), d: new Float32Array(0) };
  private cachedUser = -1;
  private cachedRow: Float32Array = new Float32Array(0);
  /** Epoch whose weights were kept (the best on validation, else the last). */
  bestEpoch = 0;

  protected fitModel(_data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const s = this.training;
    const shape: MultNetShape = { items: s.nItems, hidden: p.hidden, latent: p.latent, variational: this.variational };
    const users: number[] = [];
    for (let u = 0; u < s.nUsers; u++) if (this.knownUser(u)) users.push(u);
    const B = Math.max(1, Math.min(p.batchSize, users.length));
    const lengths = users.map((u) => s.seenIndptr[u + 1] - s.seenIndptr[u]).sort((a, b) => b - a);
    let maxIds = B; // one bias entry per bag
    for (let r = 0; r < B && r < lengths.length; r++) maxIds += lengths[r];
    const rng = new Rng(p.seed);
    const net = buildMultNet(shape, B, maxIds, rng);
    const opt = new Adam(net.graph.params, { lr: p.learningRate, weightDecay: p.weightDecay });
    const live = netWeights(net);
    let step = 0;
    const batches = Math.ceil(users.length / B);
    const validation = opts.validation;
    const result = runEpochs(
      { epochs: users.length > 0 ? p.epochs : 0, patience: p.patience, metric: 'ndcg@10' },
      opts,
      {
        trainEpoch: () => {
          const order = rng.permutation(users.length);
          let total = 0;
          net.graph.training = true;
          for (let b = 0; b < batches; b++) {
            // A short last batch is topped up from the start of the epoch's order: every row is a real user.
            const rows = Int32Array.from({ length: B }, (_, r) => users[order[(b * B + r) % users.length]]);
            this.fillBatch(net, rows, p.dropout, rng);
            if (this.variational) net.beta.value = klWeight(p as unknown as MultVaeOptions, step, batches);
            step++;
            zeroGrads(net.graph.params);
            total += net.graph.forward();
            net.graph.backward();
            opt.step();
          }
          return total / batches;
        },
        weightsFinite: () => Object.values(live).every(allFinite),
        validate: () => (validation ? this.validationScore(net, validation) : null),
        snapshot: () => copyWeights(live),
        diverged: (epoch) => this.diverged(epoch, 'lower learningRate'),
      },
    );
    this.bestEpoch = result.bestEpoch;
    this.setWeights(result.weights, shape);
  }

  /** Fills the bags (normalised history with input dropout, and the bias row) and the targets for `rows`. */
  private fillBatch(net: MultNet, rows: Int32Array, dropout: number, rng: Rng | null): void {
    const s = this.training;
    const n = s.nItems;
    net.x.fill(0);
    let k = 0;
    const keep = 1 - dropout;
    for (let r = 0; r < rows.length; r++) {
      net.offsets[r] = k;
      const u = rows[r];
      const lo = s.seenIndptr[u],
        hi = s.seenIndptr[u + 1];
      const w = hi > lo ? 1 / Math.sqrt(hi - lo) : 0; // normalised before dropout, as RecBole
      for (let q = lo; q < hi; q++) {
        const i = s.seenIndices[q];
        net.x[r * n + i] = 1;
        if (rng && dropout > 0) {
          if (rng.next() < dropout) continue;
          net.ids[k] = i;
          net.weights[k++] = w / keep;
        } else {
          net.ids[k] = i;
          net.weights[k++] = w;
        }
      }
      net.ids[k] = n; // bias row
      net.weights[k++] = 1;
    }
    net.offsets[rows.length] = k;
  }

  /** NDCG@10 of the validation items (training items masked), using the graph at z = μ. */
  private validationScore(net: MultNet, validation: Interactions): number {
    const n = this.training.nItems;
    const B = net.offsets.length - 1;
    net.graph.training = false;
    net.rowMask.fill(0); // scoring only: the loss terms skip every row
    const ndcg = validationNdcg(this.training, validation, B, (users, out) => {
      const rows = Int32Array.from({ length: B }, (_, r) => users[r % users.length]);
      this.fillBatch(net, rows, 0, null);
      net.graph.forward();
      out.set(net.logits.value.subarray(0, users.length * n) as Float32Array);
    });
    net.rowMask.fill(1);
    net.graph.training = true;
    return ndcg;
  }

  private setWeights(weights: MultWeights, shape: MultNetShape): void {
    this.weights = weights;
    this.shape = shape;
    this.scratch = {
      h: new Float32Array(shape.hidden),
      z: new Float32Array(shape.latent),
      d: new Float32Array(shape.hidden),
    };
    this.cachedUser = -1;
    this.cachedRow = new Float32Array(shape.items);
  }

  /**
   * Scores of every item for a history of item indices (binary; training items or not): how a user unseen in
   * training is served without retraining. Items without training rows score −∞.
   *
   * @example
   * const out = new Float32Array(model.training.nItems);
   * model.scoreHistory(Int32Array.of(3, 17), out);
   */
  scoreHistory(items: Int32Array, out: Float32Array): void {
    const s = this.training;
    encodeScores(this.weights, this.shape, items, out, this.scratch);
    for (let i = 0; i < s.nItems; i++) if (s.itemCounts[i] === 0) out[i] = -Infinity;
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('user has no training interactions');
    if (!this.knownItem(i)) throw new ScoreImpossibleError('item has no training interactions');
    if (this.cachedUser !== u) {
      this.scoreItems(u, this.cachedRow);
      this.cachedUser = u;
    }
    return this.cachedRow[i];
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!this.knownUser(u)) {
      this.scoreItemsForUnknownUser(out);
      return;
    }
    const s = this.training;
    this.scoreHistory(s.seenIndices.subarray(s.seenIndptr[u], s.seenIndptr[u + 1]), out);
  }

  protected saveState(): ModelState {
    return {
      meta: { hidden: this.shape.hidden, latent: this.shape.latent, bestEpoch: this.bestEpoch },
      arrays: { ...this.weights },
    };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const { hidden, latent } = state.meta;
    if (!Number.isInteger(hidden) || !Number.isInteger(latent) || (hidden as number) < 1 || (latent as number) < 1)
      throw new ModelFormatError(`${this.name}: hidden and latent sizes are missing`);
    const shape: MultNetShape = {
      items: s.nItems,
      hidden: hidden as number,
      latent: latent as number,
      variational: this.variational,
    };
    const H = shape.hidden,
      L = shape.latent,
      N = shape.items;
    const sizes: Record<string, number> = {
      'enc.w': (N + 1) * H,
      'mu.w': H * L,
      'mu.b': L,
      'dec.w': L * H,
      'dec.b': H,
      'out.w': H * N,
      'out.b': N,
      ...(this.variational ? { 'lv.w': H * L, 'lv.b': L } : {}),
    };
    const weights: MultWeights = {};
    for (const [name, size] of Object.entries(sizes)) {
      const a = state.arrays[name];
      if (!(a instanceof Float32Array) || a.length !== size)
        throw new ModelFormatError(`${this.name}: weight "${name}" is not a float32 array of ${size} values`);
      weights[name] = a;
    }
    this.bestEpoch = typeof state.meta.bestEpoch === 'number' ? state.meta.bestEpoch : 0;
    this.setWeights(weights, shape);
  }
}

/**
 * The KL weight β of training step `step` (from 0) with `batches` steps an epoch: linear from 0, reaching `anneal`
 * after `annealEpochs` epochs, or Liang et al.'s min(anneal, step / totalAnnealSteps) when that is set.
 *
 * @example
 * klWeight({ anneal: 0.2, annealEpochs: 10, totalAnnealSteps: 0 }, 10, 2); // 0.1: half way through epoch 5 of 10
 */
export function klWeight(
  p: Pick<MultVaeOptions, 'anneal' | 'annealEpochs' | 'totalAnnealSteps'>,
  step: number,
  batches: number,
): number {
  if (p.totalAnnealSteps > 0) return Math.min(p.anneal, step / p.totalAnnealSteps);
  const steps = p.annealEpochs * batches;
  return steps > 0 ? p.anneal * Math.min(1, step / steps) : p.anneal;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function copyWeights(w: MultWeights): MultWeights {
  const out: MultWeights = {};
  for (const [k, v] of Object.entries(w)) out[k] = v.slice();
  return out;
}

/**
 * Mult-VAE (Liang et al. 2018): multinomial likelihood, reparameterised z at training (μ when scoring), β·KL with β
 * annealed linearly to `anneal`.
 *
 * @example
 * const model = new MultVae({ epochs: 50, seed: 1 }).fit(train, { validation });
 * model.recommend('196', { k: 10 }).ids;
 */
export class MultVae extends MultAutoencoder<MultVaeOptions> {
  readonly name = 'mult-vae';
  protected readonly variational = true;
  constructor(opts: Partial<MultVaeOptions> = {}) {
    super('mult-vae', VAE_DEFAULTS, VAE_DOCS, opts);
  }
}

/**
 * Mult-DAE (Liang et al. 2018): the same network without sampling or KL, regularised by input dropout and L2.
 *
 * @example
 * const model = new MultDae({ epochs: 50, seed: 1 }).fit(train);
 */
export class MultDae extends MultAutoencoder<MultDaeOptions> {
  readonly name = 'mult-dae';
  protected readonly variational = false;
  constructor(opts: Partial<MultDaeOptions> = {}) {
    super('mult-dae', DAE_DEFAULTS, DAE_DOCS, opts);
  }
}

/**
 * Registry entry of MultVae.
 *
 * @example
 * registerModel(multVaeEntry); // createModel('mult-vae', { epochs: 50 })
 */
export const multVaeEntry: ModelEntry<MultVaeOptions> = {
  name: 'mult-vae',
  description: 'Mult-VAE: variational autoencoder with a multinomial likelihood and KL annealing (Liang et al. 2018).',
  task: 'ranking',
  defaults: VAE_DEFAULTS,
  docs: VAE_DOCS,
  create: (p) => new MultVae(p),
};

/**
 * Registry entry of MultDae.
 *
 * @example
 * registerModel(multDaeEntry); // createModel('mult-dae', { epochs: 50 })
 */
export const multDaeEntry: ModelEntry<MultDaeOptions> = {
  name: 'mult-dae',
  description: 'Mult-DAE: denoising autoencoder with a multinomial likelihood and input dropout (Liang et al. 2018).',
  task: 'ranking',
  defaults: DAE_DEFAULTS,
  docs: DAE_DOCS,
  create: (p) => new MultDae(p),
};
