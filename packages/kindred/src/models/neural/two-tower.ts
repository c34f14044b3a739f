import { InvalidParameterError } from '../../errors.js';
import type { FeatureMatrix } from '../../data/features.js';
import type { IdMap } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ItemFeatureConsumer } from '../content/content-base.js';
import { FactorModel } from '../factorization/factor-model.js';
import type { HistoryScorer } from '../history-scorer.js';
import { alignFeatureRows } from '../hybrid/feature-rows.js';
import type { FitOptions, ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { Adam } from './adam.js';
import { runEpochs } from './epoch-loop.js';
import { matmulNT } from './matmul.js';
import { zeroGrads } from './param.js';
import { fillTowerBatch, type TowerBatchSource } from './two-tower-batch.js';
import {
  buildTowerNet,
  towerVectors,
  towerWeights,
  type Bag,
  type TowerShape,
  type TowerWeights,
} from './two-tower-net.js';
import {
  emptyBag,
  featureBags,
  fillInBatchLogQ,
  historyBags,
  idBags,
  itemsWithVectors,
  knownItems,
  orderedHistories,
  pushHistory,
  type OrderedHistories,
} from './two-tower-data.js';
import { validationNdcg } from './validation-ndcg.js';

import { TWO_TOWER_DEFAULTS as DEFAULTS, TWO_TOWER_DOCS as DOCS, type TwoTowerOptions } from './two-tower-options.js';
import { readTowerState, towerState } from './two-tower-state.js';

export type { TwoTowerOptions } from './two-tower-options.js';

/**
 * Two-tower retrieval (Yi et al. 2019, "Sampling-Bias-Corrected Neural Modeling for Large Corpus Item
 * Recommendations"; the pooled watch history of Covington et al. 2016): a user tower over the mean of the user's
 * newest `historyLength` items' embeddings (and user features, when attached) and an item tower over the item's
 * features (ML-100K: genres, decade, title words) and its id embedding. Trained on (user, item) pairs with the
 * in-batch softmax, corrected by log q(item), q being the item's share of the training pairs (Yi's eq. 3 with exact
 * frequencies instead of the streaming estimate, which a fixed training set does not need); Adam; early stopping on
 * validation NDCG@10. The target item is left out of the user's pooled history, so the tower learns to predict
 * items it is not shown. Yi's L2-normalised outputs with a temperature (cos/τ) are an option (`normalize`), off by
 * default: on ML-100K cold items (seed 0) the normalised model peaked at NDCG@10 0.246 and the plain dot product reached
 * 0.26–0.29, because a vector's norm is where a dot product keeps an item's popularity, and a new item's expected
 * popularity (its genres and decade) is most of what ranks it.
 *
 * Scores are dot products of the two towers' outputs, kept as the model's user and item factors: the engine's
 * factor scorer, item neighbours and any ANN index serve it like ALS. An item with features but no interactions
 * gets its vector from the item tower with a zero id embedding (no retraining); `itemVector` does the same for an
 * item added later. A history given at request time is pooled into a user vector (`scoreHistory`, `userVector`).
 *
 * @example
 * const model = new TwoTower({ epochs: 20 })
 *   .withItemFeatures(movieLensItemFeatures(items, data.itemIds))
 *   .fit(train, { validation });
 * model.recommend('196', { k: 10 }).ids; // items nobody rated yet included
 */
export class TwoTower extends FactorModel<TwoTowerOptions> implements HistoryScorer, ItemFeatureConsumer {
  readonly name = 'two-tower';
  readonly task = 'ranking' as const;
  /** The user tower pools a mean: the order of the history does not matter, only which items are the newest. */
  readonly historyOrdered = false;
  /** Epoch whose weights were kept (the best on validation, else the last). */
  bestEpoch = 0;
  private itemSource: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  private userSource: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  private itemExternal: FeatureMatrix | null = null;
  private userExternal: FeatureMatrix | null = null;
  private weights: TowerWeights = {};
  private shape: TowerShape = { items: 0, itemFeatures: 0, userFeatures: 0, dim: 0, hidden: 0, out: 0, scale: 0 };
  /** Items with a vector: training rows, or features. */
  private itemHas: Uint8Array = new Uint8Array(0);

  constructor(opts: Partial<TwoTowerOptions> = {}) {
    super('two-tower', DEFAULTS, DOCS, opts);
  }

  get historyLimit(): number {
    return this.params.historyLength;
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

  override clone(overrides: Partial<TwoTowerOptions> = {}): this {
    const c = super.clone(overrides);
    if (this.itemSource) c.withItemFeatures(this.itemSource.features, this.itemSource.ids);
    else if (this.itemExternal) c.withItemFeatures(this.itemExternal, this.training.itemIds);
    if (this.userSource) c.withUserFeatures(this.userSource.features, this.userSource.ids);
    else if (this.userExternal) c.withUserFeatures(this.userExternal, this.training.userIds);
    return c;
  }

  protected override hasItemVector(i: number): boolean {
    return i >= 0 && i < this.itemHas.length && this.itemHas[i] === 1;
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const s = this.training;
    this.itemExternal = this.itemSource
      ? alignFeatureRows(this.itemSource.features, this.itemSource.ids, data.itemIds, data.nItems)
      : null;
    this.userExternal = this.userSource
      ? alignFeatureRows(this.userSource.features, this.userSource.ids, data.userIds, data.nUsers)
      : null;
    const shape: TowerShape = {
      items: s.nItems,
      itemFeatures: this.itemExternal?.nFeatures ?? 0,
      userFeatures: this.userExternal?.nFeatures ?? 0,
      dim: p.dim,
      hidden: p.hidden,
      out: p.factors,
      scale: p.normalize ? 1 / Math.sqrt(p.temperature) : 0,
    };
    const hist = orderedHistories(data);
    const nPairs = hist.items.length;
    const pairUser = new Int32Array(nPairs);
    let longest = 0;
    for (let u = 0; u < s.nUsers; u++) {
      pairUser.fill(u, hist.indptr[u], hist.indptr[u + 1]);
      longest = Math.max(longest, hist.indptr[u + 1] - hist.indptr[u]);
    }
    const usable = knownItems(s.itemCounts);
    const logFreq = new Float32Array(s.nItems);
    for (let i = 0; i < s.nItems; i++) logFreq[i] = Math.log(Math.max(1, s.itemCounts[i]) / Math.max(1, nPairs));
    const B = Math.max(1, Math.min(p.batchSize, nPairs));
    const maxRow = (m: FeatureMatrix | null) => {
      let w = 0;
      if (m) for (let r = 0; r < m.nRows; r++) w = Math.max(w, m.rowNnz(r));
      return w;
    };
    const rng = new Rng(p.seed);
    const net = buildTowerNet(
      shape,
      B,
      B * Math.min(p.historyLength, longest),
      B * maxRow(this.userExternal),
      B * maxRow(this.itemExternal),
      rng,
    );
    const opt = new Adam(net.graph.params, { lr: p.learningRate, weightDecay: p.weightDecay });
    const live = towerWeights(net);
    const batchItems = new Int32Array(B);
    const batch: TowerBatchSource = {
      order: new Int32Array(0),
      hist,
      pairUser,
      usable,
      historyLength: p.historyLength,
      idDropout: p.idDropout,
      userFeatures: this.userExternal,
      itemFeatures: this.itemExternal,
    };
    const batches = Math.ceil(nPairs / B);
    const validation = opts.validation;
    const result = runEpochs({ epochs: nPairs > 0 ? p.epochs : 0, patience: p.patience, metric: 'ndcg@10' }, opts, {
      trainEpoch: () => {
        batch.order = rng.permutation(nPairs);
        let total = 0;
        for (let b = 0; b < batches; b++) {
          fillTowerBatch(net, batch, b * B, batchItems, rng);
          fillInBatchLogQ(batchItems, logFreq, net.logQ);
          zeroGrads(net.graph.params);
          total += net.graph.forward();
          net.graph.backward();
          opt.step();
        }
        return total / batches;
      },
      weightsFinite: () => Object.values(live).every(allFinite),
      validate: () => (validation ? this.validationScore(live, shape, hist, validation) : null),
      snapshot: () => copyWeights(live),
      diverged: (epoch) => this.diverged(epoch, 'lower learningRate'),
    });
    this.bestEpoch = result.bestEpoch;
    this.install(result.weights, shape, hist);
  }

  /** Every user's and item's vector under `w` (users by their newest items; items by features and id). */
  private vectors(
    w: TowerWeights,
    shape: TowerShape,
    hist: OrderedHistories,
  ): { users: Float32Array; items: Float32Array; itemHas: Uint8Array } {
    const s = this.training;
    const usable = knownItems(s.itemCounts);
    const userBags: (Bag & { table: Float32Array })[] = [
      { table: w.hist, ...historyBags(hist, s.nUsers, this.params.historyLength, usable) },
    ];
    if (this.userExternal) userBags.push({ table: w.ufeat, ...featureBags(this.userExternal) });
    const users = new Float32Array(s.nUsers * shape.out);
    towerVectors(w, shape, 'u', userBags, s.nUsers, users);
    const itemHas = itemsWithVectors(s.itemCounts, this.itemExternal);
    const itemBags: (Bag & { table: Float32Array })[] = [];
    if (this.itemExternal) itemBags.push({ table: w.ifeat, ...featureBags(this.itemExternal) });
    itemBags.push({ table: w.iid, ...idBags(usable) });
    const items = new Float32Array(s.nItems * shape.out);
    towerVectors(w, shape, 'i', itemBags, s.nItems, items);
    return { users, items, itemHas };
  }

  /** NDCG@10 of the validation items (training items masked) under the live weights. */
  private validationScore(
    w: TowerWeights,
    shape: TowerShape,
    hist: OrderedHistories,
    validation: Interactions,
  ): number {
    const s = this.training;
    const F = shape.out;
    const { users, items, itemHas } = this.vectors(w, shape, hist);
    const batch = 256;
    const rows = new Float32Array(batch * F);
    return validationNdcg(s, validation, batch, (us, out) => {
      for (let r = 0; r < us.length; r++) rows.set(users.subarray(us[r] * F, (us[r] + 1) * F), r * F);
      matmulNT(rows, items, out, us.length, F, s.nItems);
      for (let r = 0; r < us.length; r++)
        for (let i = 0; i < s.nItems; i++) if (!itemHas[i]) out[r * s.nItems + i] = -Infinity;
    });
  }

  /** Keeps the weights and serves their user and item vectors as the model's factors. */
  private install(w: TowerWeights, shape: TowerShape, hist: OrderedHistories): void {
    this.weights = w;
    this.shape = shape;
    const v = this.vectors(w, shape, hist);
    this.itemHas = v.itemHas;
    this.setFactors({
      factors: shape.out,
      userFactors: v.users,
      itemFactors: v.items,
      userBias: null,
      itemBias: null,
      offset: 0,
    });
  }

  /**
   * The user tower's vector for a history of item indices (oldest → newest; its newest `historyLength` items with
   * training rows are pooled, −1 and unknown entries ignored): a fold-in without retraining, to score with
   * `scoreVector` or an ANN index over the item factors.
   *
   * @example
   * const x = model.userVector(Int32Array.of(3, 17, 4));
   * model.scoreVector(x, 0, out);
   */
  userVector(items: Int32Array): Float32Array {
    const s = this.training;
    const limit = this.params.historyLength;
    const bag: Bag = {
      ids: new Int32Array(Math.min(limit, items.length)),
      weights: new Float32Array(Math.min(limit, items.length)),
      offsets: new Int32Array(2),
    };
    bag.offsets[1] = pushHistory(bag, 0, items, -1, limit, knownItems(s.itemCounts));
    const bags: (Bag & { table: Float32Array })[] = [{ table: this.weights.hist, ...bag }];
    if (this.userExternal) bags.push({ table: this.weights.ufeat, ...emptyBag() }); // no user features for a history
    const out = new Float32Array(this.shape.out);
    towerVectors(this.weights, this.shape, 'u', bags, 1, out);
    return out;
  }

  /**
   * The item tower's vector for an item described only by features (indices into the attached item feature
   * matrix's columns, with weights): an item added after training, placed without retraining (zero id embedding).
   *
   * @example
   * const v = model.itemVector(Int32Array.of(2, 7), Float32Array.of(0.7, 0.7)); // length `factors`
   */
  itemVector(features: Int32Array, weights: Float32Array): Float32Array {
    const nf = this.shape.itemFeatures;
    for (const f of features)
      if (!(f >= 0 && f < nf))
        throw new InvalidParameterError(`two-tower: item feature ${f} is not one of the ${nf} features`);
    const bags: (Bag & { table: Float32Array })[] = [];
    if (nf > 0)
      bags.push({ table: this.weights.ifeat, ids: features, weights, offsets: Int32Array.of(0, features.length) });
    bags.push({ table: this.weights.iid, ...emptyBag() });
    const out = new Float32Array(this.shape.out);
    towerVectors(this.weights, this.shape, 'i', bags, 1, out);
    return out;
  }

  /**
   * Every item's score for a history given at request time (see `userVector`); items without a vector get −∞.
   *
   * @example
   * model.scoreHistory(Int32Array.of(3, 17), out);
   */
  scoreHistory(items: Int32Array, out: Float32Array): void {
    this.scoreVector(this.userVector(items), 0, out);
  }

  protected override saveState(): ModelState {
    const base = super.saveState();
    const own = towerState(this.weights, this.shape, this.bestEpoch, this.itemExternal, this.userExternal);
    return { meta: { ...base.meta, ...own.meta }, arrays: { ...base.arrays, ...own.arrays } };
  }

  protected override loadState(state: ModelState): void {
    const s = this.training;
    const r = readTowerState(state, s.nItems, s.nUsers);
    this.itemExternal = r.itemExternal;
    this.userExternal = r.userExternal;
    this.weights = r.weights;
    this.shape = r.shape;
    this.bestEpoch = r.bestEpoch;
    this.itemHas = itemsWithVectors(s.itemCounts, this.itemExternal);
    super.loadState(state); // the served factors (after itemHas: setFactors keeps the rows that have a vector)
  }
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function copyWeights(w: TowerWeights): TowerWeights {
  const out: TowerWeights = {};
  for (const [k, v] of Object.entries(w)) out[k] = v.slice();
  return out;
}

/**
 * Registry entry of TwoTower.
 *
 * @example
 * registerModel(twoTowerEntry); // createModel('two-tower', { factors: 32 })
 */
export const twoTowerEntry: ModelEntry<TwoTowerOptions> = {
  name: 'two-tower',
  description:
    'Two-tower retrieval (Yi et al. 2019): pooled-history user tower, feature + id item tower, in-batch softmax with logQ correction; dot-product scores, cold items from features.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new TwoTower(p),
};
