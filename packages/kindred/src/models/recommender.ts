import { ModelFitError, NotFittedError, NotSupportedError, ScoreImpossibleError, UnknownIdError } from '../errors.js';
import { IdMap, type RawId } from '../data/id-map.js';
import type { Interactions } from '../data/interactions.js';
import { topK } from '../math/top-k.js';
import { resolveParams, type ParamDoc, type Params } from './params.js';
import type { TypedArray } from './model-file.js';

/** Progress of one training epoch, reported through `onEpoch` (the CLI turns it into a progress bar). */
export interface EpochInfo {
  epoch: number;
  epochs: number;
  /** Training loss when the model computes one cheaply. */
  loss?: number;
  seconds: number;
  /** The validation metric after this epoch when the model stops early on a validation split; `best` marks a new best. */
  validation?: { metric: string; value: number; best: boolean };
}

export interface FitOptions {
  onEpoch?: (info: EpochInfo) => void;
  /**
   * Whether `onEpoch` should carry the training loss (default true). `false` when the caller reads only epochs, seconds
   * and the validation metric (`kindred eval`, `--json`): a model whose loss costs a pass of its own (ALS) skips it.
   */
  reportLoss?: boolean;
  /**
   * Held-out interactions (same id maps as the training data) for early stopping or model selection, e.g. the
   * validation part of `leaveLastOutValidTest` or `perUserRatioSplit` (RecBole's valid set). Never trained on; models
   * that do not stop early ignore it.
   */
  validation?: Interactions;
}

/** What the model predicts for one pair, on raw ids. */
export interface Prediction {
  user: RawId;
  item: RawId;
  value: number;
  /** True when the model could not score the pair and the default answered (cold start). */
  impossible: boolean;
  reason?: string;
}

export interface RecommendOptions {
  /** How many items (default 10). */
  k?: number;
  /** Leave out items the user interacted with in the training data (default true). */
  excludeSeen?: boolean;
  /** Keep only items (by index) for which this returns true. */
  filter?: (itemIndex: number) => boolean;
  /** Rank only these item indices. */
  candidates?: Int32Array;
}

/** Recommendations for one user: raw ids, their indices and scores, best first. */
export interface Recommendations {
  ids: RawId[];
  indices: Int32Array;
  scores: Float32Array;
}

/** The model-specific part of a saved model: JSON-able metadata and named typed arrays. */
export interface ModelState {
  meta: Record<string, unknown>;
  arrays: Record<string, TypedArray>;
}

/** What every fitted model knows about its training data, independent of the algorithm. */
export interface TrainingSummary {
  userIds: IdMap;
  itemIds: IdMap;
  nUsers: number;
  nItems: number;
  globalMean: number;
  ratingMin: number;
  ratingMax: number;
  /** Training items per user (CSR): drives excludeSeen and known-user checks. */
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  itemCounts: Int32Array;
}

/** Whether a model predicts ratings (clipped to the scale) or produces ranking scores. */
export type ModelTask = 'rating' | 'ranking';

/**
 * The base of every model (convention 1). Subclasses write `fitModel` and `score` (plus `saveState`/`loadState`);
 * the base derives clipped `predict` with a recorded fallback, partial top-k `recommend` on raw ids, params handling,
 * `clone` and the saved-model container.
 *
 * @example
 * const model = createModel('svd', { factors: 50 }).fit(train);
 * model.predict('196', '242');           // { value: 3.9, impossible: false, ... }
 * model.recommend('196', { k: 5 }).ids;  // five raw item ids
 */
export abstract class Recommender<P extends Params = Params> {
  /** Registry name, e.g. 'svd'. */
  abstract readonly name: string;
  abstract readonly task: ModelTask;
  readonly params: Readonly<P>;
  protected summary: TrainingSummary | null = null;

  constructor(name: string, defaults: P, docs: Partial<Record<keyof P, ParamDoc>>, opts: Partial<P> = {}) {
    this.params = Object.freeze(resolveParams(name, defaults, docs, opts));
  }

  /** Trains from scratch on `data` and returns this model. */
  fit(data: Interactions, opts: FitOptions = {}): this {
    this.summary = summarize(data);
    this.fitModel(data, opts);
    return this;
  }

  /** The algorithm: learn from `data` (the summary is already set). */
  protected abstract fitModel(data: Interactions, opts: FitOptions): void;

  /**
   * Raw score of item index `i` for user index `u`. Throws ScoreImpossibleError when the model cannot score the pair;
   * the base then answers with `defaultScore`.
   */
  abstract score(u: number, i: number): number;

  /** Model-specific state for `save`. */
  protected abstract saveState(): ModelState;
  /** Restores what `saveState` produced (after the summary is restored). */
  protected abstract loadState(state: ModelState): void;

  get isFitted(): boolean {
    return this.summary !== null;
  }

  /** What the model knows of its training data; throws NotFittedError before fit/load. */
  get training(): TrainingSummary {
    if (!this.summary) throw new NotFittedError(this.name);
    return this.summary;
  }

  /** A copy of the options. */
  getParams(): P {
    return { ...this.params };
  }

  /** A new, unfitted model of the same kind with these options changed. */
  clone(overrides: Partial<P> = {}): this {
    const Ctor = this.constructor as new (opts: Partial<P>) => this;
    return new Ctor({ ...this.params, ...overrides });
  }

  /** True when user index `u` had training rows. */
  knownUser(u: number): boolean {
    const s = this.training;
    return u >= 0 && u < s.nUsers && s.seenIndptr[u + 1] > s.seenIndptr[u];
  }

  /** True when item index `i` had training rows. */
  knownItem(i: number): boolean {
    const s = this.training;
    return i >= 0 && i < s.nItems && s.itemCounts[i] > 0;
  }

  /** The answer when `score` is impossible: the global mean for rating models, -Infinity for ranking models. */
  protected defaultScore(_u: number, _i: number): number {
    return this.task === 'rating' ? this.training.globalMean : -Infinity;
  }

  /** Clips rating predictions to the training scale (Surprise's behaviour); ranking scores pass through. */
  protected clip(v: number): number {
    if (this.task !== 'rating') return v;
    const s = this.training;
    return v < s.ratingMin ? s.ratingMin : v > s.ratingMax ? s.ratingMax : v;
  }

  /** Prediction for indices, with fallback: the hot path of evaluation (no allocation on success). */
  predictIndex(u: number, i: number): number {
    try {
      return this.clip(this.score(u, i));
    } catch (e) {
      if (e instanceof ScoreImpossibleError) return this.clip(this.defaultScore(u, i));
      throw e;
    }
  }

  /** Like predictIndex, reporting whether the fallback answered and why. */
  predictIndexDetailed(u: number, i: number): { value: number; impossible: boolean; reason?: string } {
    try {
      return { value: this.clip(this.score(u, i)), impossible: false };
    } catch (e) {
      if (e instanceof ScoreImpossibleError)
        return { value: this.clip(this.defaultScore(u, i)), impossible: true, reason: e.message };
      throw e;
    }
  }

  /** Prediction on raw ids; unknown ids get the default with `impossible: true`. */
  predict(user: RawId, item: RawId): Prediction {
    const s = this.training;
    const u = s.userIds.get(user);
    const i = s.itemIds.get(item);
    if (u < 0 || u >= s.nUsers || i < 0 || i >= s.nItems) {
      const reason = u < 0 || u >= s.nUsers ? 'unknown user' : 'unknown item';
      const value = this.task === 'rating' ? this.clip(s.globalMean) : -Infinity;
      return { user, item, value, impossible: true, reason };
    }
    return { user, item, ...this.predictIndexDetailed(u, i) };
  }

  /**
   * Scores every item for user `u` into `out` (length nItems); impossible entries become -Infinity. Models with a
   * faster whole-row path (factor models, kNN) override this.
   */
  scoreItems(u: number, out: Float32Array): void {
    for (let i = 0; i < out.length; i++) {
      try {
        out[i] = this.score(u, i);
      } catch (e) {
        if (e instanceof ScoreImpossibleError) out[i] = -Infinity;
        else throw e;
      }
    }
  }

  /** Top-k item indices for user index `u` (partial selection, not a full sort). */
  recommendIndex(u: number, opts: RecommendOptions = {}): { indices: Int32Array; scores: Float32Array } {
    const s = this.training;
    const k = opts.k ?? 10;
    const scores = new Float32Array(s.nItems);
    if (u >= 0 && u < s.nUsers) this.scoreItems(u, scores);
    else this.scoreItemsForUnknownUser(scores);
    let seen: Uint8Array | null = null;
    if ((opts.excludeSeen ?? true) && u >= 0 && u < s.nUsers) {
      seen = new Uint8Array(s.nItems);
      for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) seen[s.seenIndices[p]] = 1;
    }
    const filter = opts.filter;
    const exclude =
      seen || filter ? (i: number) => (seen !== null && seen[i] === 1) || (filter ? !filter(i) : false) : null;
    return topK(scores, k, exclude, opts.candidates ?? null);
  }

  /**
   * Top-k for many users at once (implicit's batch-first `recommend`): row r of the `k`-wide result belongs to
   * `users[r]`; rows with fewer than k items are padded with index -1 and score -Infinity. One score buffer is reused
   * for every user, so a batch allocates only its output.
   *
   * @example
   * const { indices, scores } = model.recommendBatch(Int32Array.of(0, 5, 9), { k: 10 });
   * indices.subarray(10, 20); // user 5's items, best first
   */
  recommendBatch(
    users: Int32Array,
    opts: RecommendOptions = {},
  ): { k: number; indices: Int32Array; scores: Float32Array } {
    const k = opts.k ?? 10;
    const indices = new Int32Array(users.length * k).fill(-1);
    const scores = new Float32Array(users.length * k).fill(-Infinity);
    for (let r = 0; r < users.length; r++) {
      const top = this.recommendIndex(users[r], opts);
      indices.set(top.indices, r * k);
      scores.set(top.scores, r * k);
    }
    return { k, indices, scores };
  }

  /** For users with no index (brand new): the default scores, i.e. item popularity for ranking models. */
  protected scoreItemsForUnknownUser(out: Float32Array): void {
    const s = this.training;
    for (let i = 0; i < out.length; i++) out[i] = this.task === 'rating' ? s.globalMean : s.itemCounts[i];
  }

  /** Top-k recommendations for a raw user id. Unknown users get the fallback ranking. */
  recommend(user: RawId, opts: RecommendOptions = {}): Recommendations {
    const s = this.training;
    const u = s.userIds.get(user);
    const { indices, scores } = this.recommendIndex(u, opts);
    return { ids: Array.from(indices, (i) => s.itemIds.id(i)), indices, scores };
  }

  /**
   * For iterative models: marks the model unfitted (its state is not trusted) and returns the ModelFitError to throw
   * when an epoch produced non-finite values (LightFM `_check_finite`).
   */
  protected diverged(epoch: number, advice: string): ModelFitError {
    this.summary = null;
    return new ModelFitError(`${this.name}: training diverged at epoch ${epoch} (non-finite parameters); ${advice}`, {
      epoch,
    });
  }

  /** Indices of a raw (user, item) pair the model was trained on; throws UnknownIdError naming the unknown id. */
  protected indexPair(user: RawId, item: RawId): [number, number] {
    const s = this.training;
    const u = s.userIds.get(user);
    if (u < 0 || u >= s.nUsers) throw new UnknownIdError('user', user);
    const i = s.itemIds.get(item);
    if (i < 0 || i >= s.nItems) throw new UnknownIdError('item', item);
    return [u, i];
  }

  /** Items most similar to `item`; models that define item similarity override `similarItemsIndex`. */
  similarItems(item: RawId, k = 10): Recommendations {
    const s = this.training;
    const i = s.itemIds.get(item);
    if (i < 0 || i >= s.nItems) throw new UnknownIdError('item', item);
    const { indices, scores } = this.similarItemsIndex(i, k);
    return { ids: Array.from(indices, (j) => s.itemIds.id(j)), indices, scores };
  }

  protected similarItemsIndex(_i: number, _k: number): { indices: Int32Array; scores: Float32Array } {
    throw new NotSupportedError(`${this.name} does not define item similarity`);
  }

  /**
   * How strongly having item `j` supports recommending item `i` in this model (item indices; larger = stronger,
   * ≤ 0 or NaN = not at all): what explanations use to name the user's item behind a recommendation. NaN here;
   * item-to-item models return their weight (kNN S[j][i], EASE B[j][i]) and factor models the cosine of the item
   * vectors. O(factors) or O(neighbours) per pair.
   *
   * @example
   * model.itemSupport(241, 3); // e.g. 0.42
   */
  itemSupport(_i: number, _j: number): number {
    return NaN;
  }

  /** @internal used by the model file reader. */
  restoreSummary(summary: TrainingSummary, state: ModelState): void {
    this.summary = summary;
    this.loadState(state);
  }

  /** @internal used by the model file writer. */
  exportState(): ModelState {
    if (!this.summary) throw new NotFittedError(this.name);
    return this.saveState();
  }
}

/** The algorithm-independent facts about training data that every model keeps. */
export function summarize(data: Interactions): TrainingSummary {
  const csr = data.byUser();
  const { min, max } = data.length ? data.valueRange() : { min: 0, max: 0 };
  return {
    userIds: data.userIds,
    itemIds: data.itemIds,
    nUsers: data.nUsers,
    nItems: data.nItems,
    globalMean: data.mean(),
    ratingMin: min,
    ratingMax: max,
    seenIndptr: csr.indptr,
    seenIndices: csr.indices,
    itemCounts: data.itemCounts(),
  };
}
