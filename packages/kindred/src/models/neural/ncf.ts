import { InvalidParameterError, ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import { Recommender, type FitOptions, type ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { Adam } from './adam.js';
import { runEpochs } from './epoch-loop.js';
import { NegativeSampler } from './negative-sampler.js';
import {
  buildNcfNet,
  ncfNetWeights,
  ncfWeightSizes,
  type NcfShape,
  type NcfVariant,
  type NcfWeights,
} from './ncf-net.js';
import { fuseTowers } from './ncf-pretrain.js';
import { NcfScorer } from './ncf-scorer.js';
import { zeroGrads } from './param.js';
import { validationNdcg } from './validation-ndcg.js';

/**
 * Options of `Ncf`.
 *
 * @example
 * const opts: Partial<NcfOptions> = { model: 'neumf', factors: 32, layers: '64,32,16', negatives: 4 };
 */
export type NcfOptions = {
  model: string;
  factors: number;
  layers: string;
  negatives: number;
  epochs: number;
  patience: number;
  learningRate: number;
  batchSize: number;
  weightDecay: number;
  dropout: number;
  initStd: number;
  pretrain: boolean;
  seed: number;
};

/**
 * The paper's tower (the pyramid 64 → 32 → 16, Adam, embeddings N(0, 0.01²)) with sampling and step sizes tuned on
 * ML-100K's ratio-811 split (seed 0; chosen by the validation part's NDCG@10, test figures in parentheses): more
 * negatives than the paper's 4 helped steadily (4, 8, 16 negatives with batches of 2048, 4096, 8192: validation 0.234,
 * 0.236, 0.241; test 0.281, 0.288, 0.298), and large batches matter (batches of 256 overfit within a few epochs, the
 * validation peak 0.230 falling between two checks); weight decay through Adam's L2 either did nothing (1e-6) or
 * held the embeddings at zero (1e-4).
 */
const DEFAULTS = {
  model: 'neumf',
  factors: 32,
  layers: '64,32,16',
  negatives: 16,
  epochs: 100,
  patience: 10,
  learningRate: 2e-3,
  batchSize: 8192,
  weightDecay: 0,
  dropout: 0,
  initStd: 0.01,
  pretrain: false,
  seed: 0,
} as const satisfies NcfOptions;

const VARIANTS: readonly NcfVariant[] = ['neumf', 'gmf', 'mlp'];

const DOCS: Record<keyof NcfOptions, ParamDoc> = {
  model: {
    description: 'neumf: GMF and MLP towers fused (the paper’s NeuMF); gmf or mlp: one tower alone.',
    choices: VARIANTS,
  },
  factors: { description: 'GMF embedding size (its predictive factors).', min: 1, integer: true },
  layers: {
    description:
      'MLP tower widths, comma-separated, from its input [p_u; q_i] (so each MLP embedding has half the first width) ' +
      'to its last ReLU layer; the paper’s pyramid 64,32,16 for 16 predictive factors.',
  },
  negatives: {
    description: 'Sampled negatives per positive per epoch (uniform over unseen items).',
    min: 0,
    integer: true,
  },
  epochs: {
    description: 'Training epochs (passes over the positives); fewer when early stopping ends training.',
    min: 1,
    integer: true,
  },
  patience: {
    description:
      'With a validation split: stop after this many epochs without a better validation NDCG@10 (best weights kept).',
    min: 1,
    integer: true,
  },
  learningRate: { description: 'Adam learning rate.', min: 0 },
  batchSize: { description: 'Training instances (positives and negatives) per step.', min: 1, integer: true },
  weightDecay: { description: 'L2 penalty λ·θ added to the gradient (Adam weight decay).', min: 0 },
  dropout: { description: 'Dropout rate before each MLP layer while training.', min: 0, max: 0.95 },
  initStd: { description: 'Std of the normal initialisation of every embedding (the paper’s 0.01).', min: 0 },
  pretrain: {
    description:
      'NeuMF only: train GMF and MLP alone first (same options, early stopping each) and start NeuMF from their ' +
      'weights, the output layer h = [½·h_GMF; ½·h_MLP] (the paper’s pre-training, α = 0.5).',
  },
  seed: { description: 'Seed of the initialisation, the negatives, the instance order and dropout.', integer: true },
};

/** Parses `layers` ("64,32,16"): at least two positive integer widths, the first even. */
function parseLayers(text: string): number[] {
  const widths = text.split(',').map((t) => Number(t.trim()));
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1) || widths[0] % 2 !== 0)
    throw new InvalidParameterError(
      `ncf: parameter "layers" must list at least two positive integer widths, the first even (e.g. "64,32,16"), ` +
        `got ${JSON.stringify(text)}`,
      { param: 'layers' },
    );
  return widths;
}

/**
 * NeuMF (He, Liao, Zhang, Nie, Hu & Chua 2017, "Neural Collaborative Filtering"): a GMF tower (p_u ⊙ q_i) and an MLP
 * tower (ReLU layers over [p'_u; q'_i]) fused by one output layer into a logit, trained with binary cross-entropy on
 * each positive and `negatives` items sampled uniformly from the user's unobserved ones (resampled every epoch), Adam,
 * early stopping on the validation split's NDCG@10. No pre-training of the towers (the paper's optional step).
 * Full ranking caches the item half of the MLP's first layer (ncf-scorer.ts).
 *
 * @example
 * const model = new Ncf({ epochs: 30, seed: 1 }).fit(train, { validation });
 * model.recommend('196', { k: 10 }).ids;
 */
export class Ncf extends Recommender<NcfOptions> {
  readonly name = 'ncf';
  readonly task = 'ranking' as const;
  /** Epoch whose weights were kept (the best on validation, else the last). */
  bestEpoch = 0;
  private shape: NcfShape | null = null;
  private weights: NcfWeights = {};
  private scorer: NcfScorer | null = null;
  private cachedUser = -1;
  private cachedRow = new Float32Array(0);

  constructor(opts: Partial<NcfOptions> = {}) {
    super('ncf', DEFAULTS, DOCS, opts);
    parseLayers(this.params.layers); // fail at construction, naming the parameter
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const s = this.training;
    const shape: NcfShape = {
      users: s.nUsers,
      items: s.nItems,
      variant: p.model as NcfVariant,
      factors: p.factors,
      layers: parseLayers(p.layers),
    };
    const sampler = new NegativeSampler(s.seenIndptr, s.seenIndices, s.nItems);
    const csr = data.byUser();
    const positives = csr.indices.length;
    const perPositive = 1 + p.negatives;
    const instances = positives * perPositive;
    const B = Math.max(1, Math.min(p.batchSize, instances));
    const rng = new Rng(p.seed);
    const net = buildNcfNet(shape, B, p.dropout, rng, p.initStd);
    if (p.pretrain && shape.variant === 'neumf') {
      // Each tower alone, with the same options and validation (He et al. §3.4.1), then fused as NeuMF's start.
      const tower = (model: NcfVariant): NcfWeights =>
        this.clone({ model, pretrain: false }).fit(data, opts).exportState().arrays as NcfWeights;
      const start = fuseTowers(tower('gmf'), tower('mlp'), 0.5);
      for (const q of net.graph.params) q.value.set(start[q.name]);
    }
    const opt = new Adam(net.graph.params, { lr: p.learningRate, weightDecay: p.weightDecay });
    const live = ncfNetWeights(net);
    const scorer = new NcfScorer(live, shape);
    const users = new Int32Array(instances);
    const items = new Int32Array(instances);
    const labels = new Float32Array(instances);
    for (let u = 0; u < s.nUsers; u++)
      for (let q = csr.indptr[u]; q < csr.indptr[u + 1]; q++) {
        const k = (q * perPositive) | 0;
        users.fill(u, k, k + perPositive);
        items[k] = csr.indices[q];
        labels[k] = 1;
      }
    const validation = opts.validation;
    const batches = Math.ceil(instances / B);
    const result = runEpochs({ epochs: instances > 0 ? p.epochs : 0, patience: p.patience, metric: 'ndcg@10' }, opts, {
      trainEpoch: () => {
        // Fresh negatives every epoch (the paper's per-epoch sampling), then every instance in a new order.
        for (let k = 0; k < instances; k++) if (labels[k] === 0) items[k] = sampler.sample(users[k], rng);
        const order = rng.permutation(instances);
        net.graph.training = true;
        let total = 0;
        for (let b = 0; b < batches; b++) {
          for (let r = 0; r < B; r++) {
            const at = b * B + r;
            const k = at < instances ? order[at] : -1;
            // Padding (short last batch, or a user who has every item): ids −1 and mask 0.
            const real = k >= 0 && items[k] >= 0;
            net.users[r] = real ? users[k] : -1;
            net.items[r] = real ? items[k] : -1;
            net.labels[r] = real ? labels[k] : 0;
            net.mask[r] = real ? 1 : 0;
          }
          zeroGrads(net.graph.params);
          total += net.graph.forward();
          net.graph.backward();
          opt.step();
        }
        return total / batches;
      },
      weightsFinite: () => Object.values(live).every(allFinite),
      validate: () => {
        if (!validation) return null;
        scorer.refresh();
        return validationNdcg(s, validation, 64, (rows, out) => {
          for (let r = 0; r < rows.length; r++) this.scoreWith(scorer, rows[r], out.subarray(r * s.nItems));
        });
      },
      snapshot: () => copyWeights(live),
      diverged: (epoch) => this.diverged(epoch, 'lower learningRate'),
    });
    this.bestEpoch = result.bestEpoch;
    this.setWeights(result.weights, shape);
  }

  /** Logits of every item for a known user into out[0 … nItems); items without training rows get −∞. */
  private scoreWith(scorer: NcfScorer, u: number, out: Float32Array): void {
    const s = this.training;
    scorer.scoreUser(u, out);
    for (let i = 0; i < s.nItems; i++) if (s.itemCounts[i] === 0) out[i] = -Infinity;
  }

  private setWeights(weights: NcfWeights, shape: NcfShape): void {
    this.weights = weights;
    this.shape = shape;
    this.scorer = new NcfScorer(weights, shape);
    this.cachedUser = -1;
    this.cachedRow = new Float32Array(shape.items);
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('user has no training interactions');
    if (!this.knownItem(i)) throw new ScoreImpossibleError('item has no training interactions');
    // One pair costs as much as a row of the cached path per layer; scoring the whole row once serves the rest.
    if (this.cachedUser !== u) {
      this.scoreWith(this.scorer!, u, this.cachedRow);
      this.cachedUser = u;
    }
    return this.cachedRow[i];
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!this.knownUser(u)) {
      this.scoreItemsForUnknownUser(out);
      return;
    }
    this.scoreWith(this.scorer!, u, out);
  }

  protected saveState(): ModelState {
    const sh = this.shape!;
    return {
      meta: { model: sh.variant, factors: sh.factors, layers: [...sh.layers], bestEpoch: this.bestEpoch },
      arrays: { ...this.weights },
    };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const { model, factors, layers } = state.meta;
    if (
      !VARIANTS.includes(model as NcfVariant) ||
      !Number.isInteger(factors) ||
      (factors as number) < 1 ||
      !Array.isArray(layers)
    )
      throw new ModelFormatError('ncf: the model variant, factors or layers are missing');
    let widths: number[];
    try {
      widths = parseLayers(layers.join(','));
    } catch {
      throw new ModelFormatError(`ncf: bad layer widths ${JSON.stringify(layers)}`);
    }
    const shape: NcfShape = {
      users: s.nUsers,
      items: s.nItems,
      variant: model as NcfVariant,
      factors: factors as number,
      layers: widths,
    };
    const weights: NcfWeights = {};
    for (const [name, size] of Object.entries(ncfWeightSizes(shape))) {
      const a = state.arrays[name];
      if (!(a instanceof Float32Array) || a.length !== size)
        throw new ModelFormatError(`ncf: weight "${name}" is not a float32 array of ${size} values`);
      weights[name] = a;
    }
    this.bestEpoch = typeof state.meta.bestEpoch === 'number' ? state.meta.bestEpoch : 0;
    this.setWeights(weights, shape);
  }
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function copyWeights(w: NcfWeights): NcfWeights {
  const out: NcfWeights = {};
  for (const [k, v] of Object.entries(w)) out[k] = v.slice();
  return out;
}

/**
 * Registry entry of Ncf.
 *
 * @example
 * registerModel(ncfEntry); // createModel('ncf', { negatives: 4 })
 */
export const ncfEntry: ModelEntry<NcfOptions> = {
  name: 'ncf',
  description:
    'NeuMF: GMF and MLP towers with sampled negatives and BCE (He et al. 2017); model=gmf|mlp for one tower.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Ncf(p),
};
