import { InvalidParameterError, ModelFitError, ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import { FeatureMatrix } from '../../data/features.js';
import type { IdMap } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import { topK } from '../../math/top-k.js';
import type { ItemFeatureConsumer } from '../content/content-base.js';
import type { ParamDoc } from '../params.js';
import {
  Recommender,
  type FitOptions,
  type ModelState,
  type RecommendOptions,
  type Recommendations,
} from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { alignFeatureRows, composeFeatureRows, type FeatureRows } from './feature-rows.js';
import { lightFmEpoch, lightFmScratch, representation, type LightFmProblem } from './lightfm-epoch.js';

/** Options of `LightFm`; see DOCS for each. */
export type LightFmOptions = {
  noComponents: number;
  loss: 'warp' | 'bpr';
  learningSchedule: 'adagrad' | 'sgd';
  learningRate: number;
  itemAlpha: number;
  userAlpha: number;
  maxSampled: number;
  epochs: number;
  itemIdentity: boolean;
  userIdentity: boolean;
  normalize: boolean;
  seed: number;
};

/**
 * LightFM's own defaults (no_components=10, learning_rate=0.05, adagrad, max_sampled=10, alphas 0), WARP, 30 epochs
 * (LightFM's fit defaults to 1), rows not normalised (LightFM's model does not; its Dataset helper does).
 */
const DEFAULTS = {
  noComponents: 10,
  loss: 'warp',
  learningSchedule: 'adagrad',
  learningRate: 0.05,
  itemAlpha: 0,
  userAlpha: 0,
  maxSampled: 10,
  epochs: 30,
  itemIdentity: true,
  userIdentity: true,
  normalize: false,
  seed: 0,
} as const satisfies LightFmOptions;

const DOCS: Record<keyof LightFmOptions, ParamDoc> = {
  noComponents: { description: 'Dimension of the feature embeddings (LightFM no_components).', integer: true, min: 1 },
  loss: {
    description: 'warp (Weston et al. 2011: sample until a negative violates the margin) or bpr (Rendle et al. 2009).',
    choices: ['warp', 'bpr'],
  },
  learningSchedule: {
    description: 'adagrad (per-parameter rates, LightFM default) or sgd (constant rate).',
    choices: ['adagrad', 'sgd'],
  },
  learningRate: { description: 'Initial (adagrad) or constant (sgd) learning rate.', min: 0 },
  itemAlpha: {
    description: 'L2 penalty on item feature embeddings and biases (weight decay of touched parameters).',
    min: 0,
  },
  userAlpha: { description: 'L2 penalty on user feature embeddings.', min: 0 },
  maxSampled: { description: 'WARP: most negatives drawn per positive.', integer: true, min: 1 },
  epochs: { description: 'Passes over the positives (shuffled each epoch).', integer: true, min: 0 },
  itemIdentity: { description: 'Give every item with training rows its own identity feature (LightFM default).' },
  userIdentity: { description: 'Give every user with training rows an identity feature; false needs user features.' },
  normalize: {
    description: 'Scale each feature row (identity included) to sum to 1, as LightFM Dataset(normalize=True).',
  },
  seed: { description: 'Seed of the initial embeddings, the shuffles and the negative draws.', integer: true },
};

/** Options of `LightFm.foldIn`. */
export interface FoldInOptions {
  /**
   * Pseudo-count λ of a zero prior on the user vector: x = Σ_j w_j e_j / (Σ_j w_j + λ). 0 (default) is the plain
   * weighted mean; a few picks then shrink the vector towards 0, leaving the item biases (LightFM's learned
   * popularity) to carry more of the ranking until the user has shown more.
   */
  shrinkage?: number;
  /** SGD steps after the mean start (default 0: the weighted mean of the items' representations). */
  steps?: number;
  learningRate?: number;
  seed?: number;
}

/**
 * LightFM-style hybrid matrix factorisation (Kula 2015, "Metadata Embeddings for User and Item Cold-start
 * Recommendations"; lyst/lightfm): users and items are described by features (an identity feature per user/item with
 * training rows, plus any attached metadata), each feature has an embedding and a bias, and a row's representation
 * is the weighted sum of its features' embeddings. The score is e_uᵀe_i + b_i, trained with WARP or BPR by adagrad
 * (see `lightFmEpoch`). Because items are made of features, an item nobody interacted with (a cold item) still gets a
 * representation from its genres, decade or words, and can be ranked without retraining; likewise a user with user
 * features. Attach features like the content models: `withItemFeatures(fm, ids?)`, `withUserFeatures(fm, ids?)`
 * before `fit`; `clone` keeps them and `save` stores them. Training rows with value > 0 are positives (LightFM).
 * The user bias of LightFM is left out: it cancels in every ranking loss and in every ranking.
 *
 * @example
 * const model = new LightFm({ loss: 'warp', epochs: 30 })
 *   .withItemFeatures(movieLensItemFeatures(items, data.itemIds))
 *   .fit(data, { onEpoch: ({ epoch, loss }) => console.log(epoch, loss) });
 * model.recommend('196', { k: 10 }).ids;            // cold items included
 * model.recommendForItems(new Int32Array([0, 4]), undefined, { k: 5 }).ids; // a brand-new user
 */
export class LightFm extends Recommender<LightFmOptions> implements ItemFeatureConsumer {
  readonly name = 'lightfm';
  readonly task = 'ranking' as const;
  /** Mean loss of each epoch of the last fit. */
  epochLosses: number[] = [];
  private itemSource: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  private userSource: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  private itemExternal: FeatureMatrix | null = null;
  private userExternal: FeatureMatrix | null = null;
  private itemRows: FeatureRows | null = null;
  private userRows: FeatureRows | null = null;
  private itemEmb: Float32Array = new Float32Array(0);
  private itemBias: Float32Array = new Float32Array(0);
  private userEmb: Float32Array = new Float32Array(0);
  /** Representations of every training user and item (rows of `noComponents`), item biases, and what has one. */
  private userRepr: Float32Array = new Float32Array(0);
  private itemRepr: Float32Array = new Float32Array(0);
  private itemReprBias = new Float64Array(0);
  private userHas = new Uint8Array(0);
  private itemHas = new Uint8Array(0);
  private itemNormCache: Float64Array | null = null;

  constructor(opts: Partial<LightFmOptions> = {}) {
    super('lightfm', DEFAULTS, DOCS, opts);
  }

  /** Attaches item features for the next `fit` (rows by index, or matched by raw id through `ids`). */
  withItemFeatures(features: FeatureMatrix, ids?: IdMap): this {
    this.itemSource = { features, ids };
    return this;
  }

  /** Attaches user features for the next `fit` (rows by index, or matched by raw id through `ids`). */
  withUserFeatures(features: FeatureMatrix, ids?: IdMap): this {
    this.userSource = { features, ids };
    return this;
  }

  get itemFeatures(): FeatureMatrix | null {
    return this.itemExternal ?? this.itemSource?.features ?? null;
  }

  get userFeatures(): FeatureMatrix | null {
    return this.userExternal ?? this.userSource?.features ?? null;
  }

  override clone(overrides: Partial<LightFmOptions> = {}): this {
    const c = super.clone(overrides);
    if (this.itemSource) c.withItemFeatures(this.itemSource.features, this.itemSource.ids);
    else if (this.itemExternal) c.withItemFeatures(this.itemExternal, this.training.itemIds);
    if (this.userSource) c.withUserFeatures(this.userSource.features, this.userSource.ids);
    else if (this.userExternal) c.withUserFeatures(this.userExternal, this.training.userIds);
    return c;
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const F = p.noComponents;
    this.itemExternal = this.itemSource
      ? alignFeatureRows(this.itemSource.features, this.itemSource.ids, data.itemIds, data.nItems)
      : null;
    this.userExternal = this.userSource
      ? alignFeatureRows(this.userSource.features, this.userSource.ids, data.userIds, data.nUsers)
      : null;
    this.composeRows();
    const users = this.userRows!,
      items = this.itemRows!;
    const pos = positives(data);
    const rng = new Rng(p.seed);
    // LightFM: embeddings (U[0, 1) − 0.5) / no_components, biases 0, adagrad accumulators 1.
    const init = (n: number) => {
      const a = new Float32Array(n * F);
      for (let k = 0; k < a.length; k++) a[k] = (rng.next() - 0.5) / F;
      return a;
    };
    const problem: LightFmProblem = {
      factors: F,
      users,
      items,
      itemEmb: init(items.nFeatures),
      userEmb: init(users.nFeatures),
      itemEmbGrad: new Float32Array(items.nFeatures * F).fill(1),
      userEmbGrad: new Float32Array(users.nFeatures * F).fill(1),
      itemBias: new Float32Array(items.nFeatures),
      itemBiasGrad: new Float32Array(items.nFeatures).fill(1),
      ...pos,
    };
    const hyper = {
      loss: p.loss,
      adagrad: p.learningSchedule === 'adagrad',
      learningRate: p.learningRate,
      itemAlpha: p.itemAlpha,
      userAlpha: p.userAlpha,
      maxSampled: p.maxSampled,
    };
    const scratch = lightFmScratch(F);
    this.epochLosses = [];
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      const started = performance.now();
      const loss = lightFmEpoch(problem, hyper, rng.permutation(pos.entryItem.length), rng, scratch);
      if (!finite(problem.itemEmb) || !finite(problem.userEmb) || !finite(problem.itemBias)) {
        this.summary = null;
        throw new ModelFitError(`lightfm: non-finite embeddings after epoch ${epoch + 1}; lower learningRate`, {
          epoch: epoch + 1,
        });
      }
      this.epochLosses.push(loss);
      opts.onEpoch?.({ epoch: epoch + 1, epochs: p.epochs, loss, seconds: (performance.now() - started) / 1000 });
    }
    this.itemEmb = problem.itemEmb;
    this.itemBias = problem.itemBias;
    this.userEmb = problem.userEmb;
    this.buildRepresentations();
  }

  /** Identity + external feature rows of users and items for the current training summary. */
  private composeRows(): void {
    const s = this.training;
    const p = this.params;
    const userCounts = new Int32Array(s.nUsers);
    for (let u = 0; u < s.nUsers; u++) userCounts[u] = s.seenIndptr[u + 1] - s.seenIndptr[u];
    this.itemRows = composeFeatureRows(this.itemExternal, s.nItems, p.itemIdentity, s.itemCounts, p.normalize);
    this.userRows = composeFeatureRows(this.userExternal, s.nUsers, p.userIdentity, userCounts, p.normalize);
    if (this.itemRows.nFeatures === 0)
      throw new InvalidParameterError('lightfm: itemIdentity is false and no item features are attached');
    if (this.userRows.nFeatures === 0)
      throw new InvalidParameterError(
        'lightfm: userIdentity is false and no user features are attached (call withUserFeatures before fit)',
      );
  }

  /** e_u and (e_i, b_i) for every row, so scoring is one dense pass. */
  private buildRepresentations(): void {
    const F = this.params.noComponents;
    const s = this.training;
    const buf = new Float64Array(F + 1);
    this.userRepr = new Float32Array(s.nUsers * F);
    this.userHas = new Uint8Array(s.nUsers);
    const users = this.userRows!,
      items = this.itemRows!;
    for (let u = 0; u < s.nUsers; u++) {
      if (users.indptr[u + 1] === users.indptr[u]) continue;
      this.userHas[u] = 1;
      representation(users, this.userEmb, null, u, F, buf);
      for (let c = 0; c < F; c++) this.userRepr[u * F + c] = buf[c];
    }
    this.itemRepr = new Float32Array(s.nItems * F);
    this.itemReprBias = new Float64Array(s.nItems);
    this.itemHas = new Uint8Array(s.nItems);
    for (let i = 0; i < s.nItems; i++) {
      if (items.indptr[i + 1] === items.indptr[i]) continue;
      this.itemHas[i] = 1;
      representation(items, this.itemEmb, this.itemBias, i, F, buf);
      for (let c = 0; c < F; c++) this.itemRepr[i * F + c] = buf[c];
      this.itemReprBias[i] = buf[F];
    }
    this.itemNormCache = null;
  }

  score(u: number, i: number): number {
    if (!(u >= 0 && u < this.userHas.length && this.userHas[u] === 1))
      throw new ScoreImpossibleError('user has no training data and no features');
    if (!(i >= 0 && i < this.itemHas.length && this.itemHas[i] === 1))
      throw new ScoreImpossibleError('item has no training data and no features');
    const F = this.params.noComponents;
    const P = this.userRepr,
      Q = this.itemRepr;
    let s = this.itemReprBias[i];
    for (let c = 0; c < F; c++) s += P[u * F + c] * Q[i * F + c];
    return s;
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!(u >= 0 && u < this.userHas.length && this.userHas[u] === 1)) {
      out.fill(-Infinity);
      return;
    }
    const F = this.params.noComponents;
    scoreWith(this.userRepr.subarray(u * F, (u + 1) * F), this.itemRepr, this.itemReprBias, this.itemHas, F, out);
  }

  /**
   * A user vector for someone known only by these items (indices, optional weights, default 1): the weighted mean
   * of the items' representations (shrunk by `shrinkage`), optionally refined by `steps` WARP steps on the user
   * vector alone (item embeddings fixed), so a brand-new user gets recommendations without retraining.
   *
   * @example
   * const x = model.foldIn(new Int32Array([3, 17]));
   */
  foldIn(items: Int32Array, values?: Float32Array, opts: FoldInOptions = {}): Float32Array {
    const F = this.params.noComponents;
    const s = this.training;
    const x = new Float64Array(F);
    const given: number[] = [];
    let wSum = 0;
    for (let k = 0; k < items.length; k++) {
      const i = items[k];
      if (!(i >= 0 && i < s.nItems && this.itemHas[i] === 1)) continue;
      const w = values ? values[k] : 1;
      if (!(w > 0)) continue;
      given.push(i);
      wSum += w;
      for (let c = 0; c < F; c++) x[c] += w * this.itemRepr[i * F + c];
    }
    const denom = wSum + (opts.shrinkage ?? 0);
    if (wSum > 0) for (let c = 0; c < F; c++) x[c] /= denom;
    const steps = opts.steps ?? 0;
    if (steps > 0 && given.length > 0) foldInSteps(this, x, Int32Array.from(given), steps, opts);
    return Float32Array.from(x);
  }

  /** @internal data the fold-in steps read. */
  foldInState(): { itemRepr: Float32Array; itemBias: Float64Array; itemCounts: Int32Array; factors: number } {
    return {
      itemRepr: this.itemRepr,
      itemBias: this.itemReprBias,
      itemCounts: this.training.itemCounts,
      factors: this.params.noComponents,
    };
  }

  /**
   * Top-k items for a user known only by these items (see `foldIn`); the given items are left out unless
   * `excludeSeen` is false. Cold items with features are ranked too.
   *
   * @example
   * model.recommendForItems(new Int32Array([3, 17]), undefined, { k: 5 }).ids;
   */
  recommendForItems(
    items: Int32Array,
    values?: Float32Array,
    opts: RecommendOptions & FoldInOptions = {},
  ): Recommendations {
    const s = this.training;
    const x = this.foldIn(items, values, opts);
    const scores = new Float32Array(s.nItems);
    scoreWith(x, this.itemRepr, this.itemReprBias, this.itemHas, this.params.noComponents, scores);
    const seen = new Uint8Array(s.nItems);
    if (opts.excludeSeen ?? true) for (const i of items) if (i >= 0 && i < s.nItems) seen[i] = 1;
    const filter = opts.filter;
    const r = topK(scores, opts.k ?? 10, (i) => seen[i] === 1 || (filter ? !filter(i) : false), opts.candidates);
    return { ids: Array.from(r.indices, (i) => s.itemIds.id(i)), indices: r.indices, scores: r.scores };
  }

  /**
   * The representation (embedding sum, then the bias last) of an item described only by external features —
   * feature indices of the attached item matrix with their weights — e.g. an item added after training.
   *
   * @example
   * const v = model.representItem(new Int32Array([2, 7]), new Float32Array([1, 0.5])); // length noComponents + 1
   */
  representItem(features: Int32Array, weights: Float32Array): Float32Array {
    const F = this.params.noComponents;
    const offset = this.params.itemIdentity ? this.training.nItems : 0;
    const ext = this.itemExternal;
    const out = new Float64Array(F + 1);
    let sum = 0;
    for (let k = 0; k < features.length; k++) sum += Math.abs(weights[k]);
    const scale = this.params.normalize && sum > 0 ? 1 / sum : 1;
    for (let k = 0; k < features.length; k++) {
      const f = features[k];
      if (!ext || f < 0 || f >= ext.nFeatures)
        throw new InvalidParameterError(`lightfm: item feature ${f} is not one of the ${ext?.nFeatures ?? 0} features`);
      const col = offset + f,
        w = weights[k] * scale;
      for (let c = 0; c < F; c++) out[c] += w * this.itemEmb[col * F + c];
      out[F] += w * this.itemBias[col];
    }
    return Float32Array.from(out);
  }

  /** Cosine of item representations; cold items with features take part. */
  protected override similarItemsIndex(i: number, k: number): { indices: Int32Array; scores: Float32Array } {
    const F = this.params.noComponents;
    const Q = this.itemRepr;
    const n = this.itemHas.length;
    if (!this.itemNormCache) {
      const norms = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < F; c++) s += Q[j * F + c] * Q[j * F + c];
        norms[j] = Math.sqrt(s);
      }
      this.itemNormCache = norms;
    }
    const norms = this.itemNormCache;
    const sims = new Float32Array(n).fill(-Infinity);
    if (norms[i] > 0)
      for (let j = 0; j < n; j++) {
        if (j === i || !(norms[j] > 0)) continue;
        let s = 0;
        for (let c = 0; c < F; c++) s += Q[i * F + c] * Q[j * F + c];
        sims[j] = s / (norms[i] * norms[j]);
      }
    return topK(sims, k);
  }

  protected saveState(): ModelState {
    const arrays: ModelState['arrays'] = {
      itemEmb: this.itemEmb,
      itemBias: this.itemBias,
      userEmb: this.userEmb,
    };
    const meta: Record<string, unknown> = {};
    for (const [side, m] of [
      ['item', this.itemExternal],
      ['user', this.userExternal],
    ] as const) {
      if (!m) continue;
      meta[`${side}FeatureNames`] = m.names;
      arrays[`${side}Features.indptr`] = m.indptr;
      arrays[`${side}Features.indices`] = m.indices;
      arrays[`${side}Features.values`] = m.values;
    }
    return { meta, arrays };
  }

  protected loadState(state: ModelState): void {
    const { meta, arrays } = state;
    const s = this.training;
    const F = this.params.noComponents;
    const external = (side: 'item' | 'user', n: number): FeatureMatrix | null => {
      const names = meta[`${side}FeatureNames`];
      if (names === undefined) return null;
      const indptr = arrays[`${side}Features.indptr`],
        indices = arrays[`${side}Features.indices`],
        values = arrays[`${side}Features.values`];
      if (
        !Array.isArray(names) ||
        !(indptr instanceof Int32Array && indices instanceof Int32Array && values instanceof Float32Array) ||
        indptr.length !== n + 1
      )
        throw new ModelFormatError(`lightfm: model file ${side} features are missing or inconsistent`);
      return new FeatureMatrix(n, names.map(String), indptr, indices, values);
    };
    this.itemExternal = external('item', s.nItems);
    this.userExternal = external('user', s.nUsers);
    this.composeRows();
    const { itemEmb, itemBias, userEmb } = arrays;
    if (
      !(itemEmb instanceof Float32Array && itemBias instanceof Float32Array && userEmb instanceof Float32Array) ||
      itemEmb.length !== this.itemRows!.nFeatures * F ||
      itemBias.length !== this.itemRows!.nFeatures ||
      userEmb.length !== this.userRows!.nFeatures * F
    )
      throw new ModelFormatError('lightfm: model file embeddings are missing or do not match the features');
    this.itemEmb = itemEmb;
    this.itemBias = itemBias;
    this.userEmb = userEmb;
    this.buildRepresentations();
  }
}

/** out[i] = b_i + xᵀe_i for items with a representation, −∞ for the rest. */
function scoreWith(
  x: Float32Array,
  Q: Float32Array,
  bias: Float64Array,
  has: Uint8Array,
  F: number,
  out: Float32Array,
): void {
  const xu = Float64Array.from(x);
  for (let i = 0; i < out.length; i++) {
    if (has[i] !== 1) {
      out[i] = -Infinity;
      continue;
    }
    let s = bias[i];
    const o = i * F;
    for (let c = 0; c < F; c++) s += xu[c] * Q[o + c];
    out[i] = s;
  }
}

/** WARP steps on the user vector alone, item representations fixed (fold-in of a new user). */
function foldInSteps(model: LightFm, x: Float64Array, given: Int32Array, steps: number, opts: FoldInOptions): void {
  const { itemRepr: Q, itemBias: B, itemCounts, factors: F } = model.foldInState();
  const trained: number[] = [];
  for (let i = 0; i < itemCounts.length; i++) if (itemCounts[i] > 0) trained.push(i);
  const pool = Int32Array.from(trained);
  const mark = new Uint8Array(itemCounts.length);
  for (const i of given) mark[i] = 1;
  const rng = new Rng(opts.seed ?? 0);
  const lr = opts.learningRate ?? 0.05;
  const N = pool.length;
  if (N < 2) return;
  for (let t = 0; t < steps; t++) {
    const i = given[rng.int(given.length)];
    let xi = B[i];
    for (let c = 0; c < F; c++) xi += x[c] * Q[i * F + c];
    for (let sampled = 1; sampled <= 10; sampled++) {
      const j = pool[rng.int(N)];
      if (mark[j]) continue;
      let xj = B[j];
      for (let c = 0; c < F; c++) xj += x[c] * Q[j * F + c];
      if (xj > xi - 1) {
        const L = Math.min(10, Math.log(Math.max(1, Math.floor((N - 1) / sampled))));
        for (let c = 0; c < F; c++) x[c] += lr * L * (Q[i * F + c] - Q[j * F + c]);
        break;
      }
    }
  }
}

/** Distinct positive items per user (value > 0), each positive's user and item, and the items seen as positives. */
function positives(
  data: Interactions,
): Pick<LightFmProblem, 'posIndptr' | 'posIndices' | 'entryUser' | 'entryItem' | 'negatives'> {
  const csr = data.byUser();
  const nUsers = data.nUsers;
  const posIndptr = new Int32Array(nUsers + 1);
  const posIndices = new Int32Array(csr.indices.length);
  const entryUser = new Int32Array(csr.indices.length);
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = n;
    for (let k = csr.indptr[u]; k < csr.indptr[u + 1]; k++) {
      const i = csr.indices[k];
      if (!(csr.values[k] > 0) || (n > start && posIndices[n - 1] === i)) continue;
      posIndices[n] = i;
      entryUser[n++] = u;
    }
    posIndptr[u + 1] = n;
  }
  const counts = data.itemCounts();
  const neg: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) neg.push(i);
  const items = posIndices.slice(0, n);
  return {
    posIndptr,
    posIndices: items,
    entryUser: entryUser.slice(0, n),
    entryItem: items,
    negatives: Int32Array.from(neg),
  };
}

function finite(a: Float32Array): boolean {
  for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) return false;
  return true;
}

export const lightFmEntry: ModelEntry<LightFmOptions> = {
  name: 'lightfm',
  description:
    'LightFM-style hybrid factorisation (Kula 2015): users/items as sums of feature embeddings, WARP or BPR, adagrad; scores cold items from their features.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new LightFm(p),
};
