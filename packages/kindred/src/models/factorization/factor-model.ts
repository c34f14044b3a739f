import { ModelFormatError, NotFittedError, ScoreImpossibleError, UnknownIdError } from '../../errors.js';
import type { RawId } from '../../data/id-map.js';
import { FactorScorer } from '../../math/factor-scorer.js';
import { topK } from '../../math/top-k.js';
import type { Params } from '../params.js';
import { Recommender, type ModelState, type Recommendations } from '../recommender.js';
import { rowNorms, similarRowsIndex } from './factor-rows.js';

/** The learned state of a latent-factor model: row-major factors and optional biases around `offset`. */
export interface FactorState {
  factors: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  /** Null for unbiased models: the score is the dot product alone. */
  userBias: Float64Array | null;
  itemBias: Float64Array | null;
  /** Added to every biased score: the global mean μ. */
  offset: number;
}

/**
 * The base of latent-factor models (convention 6): SVD, SVD++, NMF and friends learn `FactorState` and inherit
 * scoring, whole-row scoring, item similarity (with cached norms) and save/load from here.
 *
 * Scores follow Surprise's SVD.estimate: biased, r̂ = μ + b_u + b_i + q_iᵀp_u where each term is present only when
 * its user/item had training rows, so a cold pair is never impossible; unbiased, r̂ = q_iᵀp_u and a cold pair is
 * impossible. `setFactors` zeroes the factors and biases of users and items without training rows, so the plain
 * formula already drops the missing terms and the hot loops need no branch.
 *
 * @example
 * class MyMf extends FactorModel<MyOptions> {
 *   protected fitModel(data: Interactions) {
 *     this.setFactors({ factors: 8, userFactors, itemFactors, userBias: null, itemBias: null, offset: 0 });
 *   }
 * }
 */
export abstract class FactorModel<P extends Params = Params> extends Recommender<P> {
  protected nFactors = 0;
  protected userFactors: Float32Array = new Float32Array(0);
  protected itemFactors: Float32Array = new Float32Array(0);
  protected userBias: Float64Array | null = null;
  protected itemBias: Float64Array | null = null;
  protected offset = 0;
  /** Item factor norms for similarItems, computed on first use. */
  private itemNormCache: Float64Array | null = null;
  /** The SIMD whole-catalogue scorer over the item factors, built on first use. */
  private scorerCache: FactorScorer | null = null;
  /** User factor norms for similarUsers, computed on first use. */
  private userNormCache: Float64Array | null = null;

  /** Installs learned parameters (the summary must be set): checks shapes, zeroes cold rows, drops caches. */
  protected setFactors(s: FactorState): void {
    const { nUsers, nItems } = this.training;
    const F = s.factors;
    if (!Number.isInteger(F) || F < 1) throw new ModelFormatError(`${this.name}: factors must be a positive integer`);
    if (s.userFactors.length !== nUsers * F || s.itemFactors.length !== nItems * F)
      throw new ModelFormatError(`${this.name}: factor arrays do not match ${nUsers} users × ${nItems} items × ${F}`);
    if ((s.userBias === null) !== (s.itemBias === null))
      throw new ModelFormatError(`${this.name}: user and item biases must be both present or both absent`);
    if (s.userBias && (s.userBias.length !== nUsers || s.itemBias!.length !== nItems))
      throw new ModelFormatError(`${this.name}: bias arrays do not match ${nUsers} users × ${nItems} items`);
    for (let u = 0; u < nUsers; u++) {
      if (this.knownUser(u)) continue;
      s.userFactors.fill(0, u * F, (u + 1) * F);
      if (s.userBias) s.userBias[u] = 0;
    }
    for (let i = 0; i < nItems; i++) {
      if (this.hasItemVector(i)) continue;
      s.itemFactors.fill(0, i * F, (i + 1) * F);
      if (s.itemBias) s.itemBias[i] = 0;
    }
    this.nFactors = F;
    this.userFactors = s.userFactors;
    this.itemFactors = s.itemFactors;
    this.userBias = s.userBias;
    this.itemBias = s.itemBias;
    this.offset = s.offset;
    this.itemNormCache = null;
    this.scorerCache = null;
    this.userNormCache = null;
  }

  /**
   * Whether item `i` has a learned vector: by default, whether it had training rows. Models that build item vectors
   * from features (two-tower) override it, so an item nobody interacted with keeps the vector its features give and
   * is scored, instead of being zeroed and left out as "never seen".
   */
  protected hasItemVector(i: number): boolean {
    return this.knownItem(i);
  }

  /**
   * Users most similar to `user`: cosine of the user factor vectors.
   *
   * @example
   * model.similarUsers('196', 5).ids;
   */
  similarUsers(user: RawId, k = 10): Recommendations {
    const s = this.training;
    const u = s.userIds.get(user);
    if (u < 0 || u >= s.nUsers) throw new UnknownIdError('user', user);
    this.userNormCache ??= rowNorms(this.userFactors, this.nFactors);
    const r = similarRowsIndex(this.userFactors, this.nFactors, this.userNormCache, u, k);
    return { ids: Array.from(r.indices, (v) => s.userIds.id(v)), indices: r.indices, scores: r.scores };
  }

  /**
   * Scores whole rows of items for user vectors (the model's, or fold-in ones): base + b_i + x·q_i with SIMD
   * (see FactorScorer). Built on first use and kept until the factors change.
   *
   * @example
   * const out = new Float32Array(model.training.nItems);
   * model.itemScorer().score(vector, 0, out);
   */
  itemScorer(): FactorScorer {
    if (!this.isFitted) throw new NotFittedError(this.name);
    return (this.scorerCache ??= FactorScorer.create(this.itemFactors, this.nFactors, this.itemBias));
  }

  /** Cosine of the two items' factor vectors (see Recommender.itemSupport); NaN for an item out of range. */
  override itemSupport(i: number, j: number): number {
    const F = this.nFactors,
      Y = this.itemFactors;
    const n = this.training.nItems;
    if (!(i >= 0 && j >= 0 && i < n && j < n)) return NaN;
    let d = 0,
      a = 0,
      b = 0;
    for (let f = 0; f < F; f++) {
      const x = Y[i * F + f],
        y = Y[j * F + f];
      d += x * y;
      a += x * x;
      b += y * y;
    }
    return a > 0 && b > 0 ? d / Math.sqrt(a * b) : NaN;
  }

  /** Copies of the learned state (for inspection, export or tests). */
  factorState(): FactorState {
    if (!this.isFitted) throw new NotFittedError(this.name);
    return {
      factors: this.nFactors,
      userFactors: this.userFactors.slice(),
      itemFactors: this.itemFactors.slice(),
      userBias: this.userBias ? this.userBias.slice() : null,
      itemBias: this.itemBias ? this.itemBias.slice() : null,
      offset: this.offset,
    };
  }

  score(u: number, i: number): number {
    if (!this.userBias) {
      if (!this.knownUser(u) || !this.hasItemVector(i))
        throw new ScoreImpossibleError(!this.knownUser(u) ? 'user has no training data' : 'item has no training data');
      return this.dot(u, i);
    }
    // Cold rows were zeroed by setFactors, so this is μ + (b_u) + (b_i) + (q_iᵀp_u) as Surprise defines it.
    return this.offset + this.userBias[u] + this.itemBias![i] + this.dot(u, i);
  }

  /** q_iᵀp_u. */
  protected dot(u: number, i: number): number {
    const F = this.nFactors,
      P = this.userFactors,
      Q = this.itemFactors;
    const po = u * F,
      qo = i * F;
    let s = 0;
    for (let f = 0; f < F; f++) s += P[po + f] * Q[qo + f];
    return s;
  }

  /** All items at once: one pass over the item factors with p_u held in a local copy. */
  override scoreItems(u: number, out: Float32Array): void {
    const biased = this.userBias !== null;
    if (!biased && !this.knownUser(u)) {
      out.fill(-Infinity);
      return;
    }
    const F = this.nFactors;
    this.scoreVector(this.userFactors.subarray(u * F, (u + 1) * F), biased ? this.offset + this.userBias![u] : 0, out);
  }

  /**
   * Every item's score for a user vector that need not be a model row (e.g. a fold-in): base + b_i + q_iᵀx, and
   * -Infinity for items without training rows when the model is unbiased (their zero vectors mean "never seen").
   *
   * @example
   * model.scoreVector(als.recalculateUser(items, weights), 0, out);
   */
  scoreVector(x: ArrayLike<number>, base: number, out: Float32Array): void {
    this.itemScorer().score(x, base, out);
    if (this.userBias !== null) return;
    const n = this.training.nItems;
    for (let i = 0; i < n; i++) if (!this.hasItemVector(i)) out[i] = -Infinity;
  }

  /** Cosine similarity of item factor vectors; items without training rows (zero vectors) are left out. */
  protected override similarItemsIndex(i: number, k: number): { indices: Int32Array; scores: Float32Array } {
    const norms = this.itemNorms();
    const nItems = norms.length;
    const sims = new Float32Array(nItems).fill(-Infinity);
    if (norms[i] > 0) {
      const F = this.nFactors,
        Q = this.itemFactors;
      cosineRow(Q, F, i, norms, sims);
    }
    sims[i] = -Infinity;
    return topK(sims, k);
  }

  /** ‖q_i‖ for every item, cached until the factors change. */
  protected itemNorms(): Float64Array {
    if (!this.itemNormCache) {
      const F = this.nFactors,
        Q = this.itemFactors,
        n = Q.length / Math.max(1, F);
      const norms = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let f = i * F; f < (i + 1) * F; f++) s += Q[f] * Q[f];
        norms[i] = Math.sqrt(s);
      }
      this.itemNormCache = norms;
    }
    return this.itemNormCache;
  }

  protected saveState(): ModelState {
    const arrays: ModelState['arrays'] = { userFactors: this.userFactors, itemFactors: this.itemFactors };
    if (this.userBias) {
      arrays.userBias = this.userBias;
      arrays.itemBias = this.itemBias!;
    }
    return { meta: { factors: this.nFactors, offset: this.offset, biased: this.userBias !== null }, arrays };
  }

  protected loadState(state: ModelState): void {
    const { meta, arrays } = state;
    const f32 = (name: string): Float32Array => {
      const a = arrays[name];
      if (!(a instanceof Float32Array)) throw new ModelFormatError(`${this.name}: saved state lacks ${name}`);
      return a;
    };
    const f64 = (name: string): Float64Array => {
      const a = arrays[name];
      if (!(a instanceof Float64Array)) throw new ModelFormatError(`${this.name}: saved state lacks ${name}`);
      return a;
    };
    const biased = meta.biased === true;
    this.setFactors({
      factors: Number(meta.factors),
      userFactors: f32('userFactors'),
      itemFactors: f32('itemFactors'),
      userBias: biased ? f64('userBias') : null,
      itemBias: biased ? f64('itemBias') : null,
      offset: Number(meta.offset),
    });
  }
}

/** sims[j] = cos(q_i, q_j) for items with a non-zero vector. */
function cosineRow(Q: Float32Array, F: number, i: number, norms: Float64Array, sims: Float32Array): void {
  const qi = Float64Array.from(Q.subarray(i * F, (i + 1) * F));
  const ni = norms[i];
  for (let j = 0; j < norms.length; j++) {
    const nj = norms[j];
    if (!(nj > 0)) continue;
    const qo = j * F;
    let s = 0;
    for (let f = 0; f < F; f++) s += qi[f] * Q[qo + f];
    sims[j] = s / (ni * nj);
  }
}
