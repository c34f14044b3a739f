import { InvalidParameterError, ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { spdInverseInPlace } from '../../math/cholesky.js';
import { topK } from '../../math/top-k.js';
import { hasDuplicatePairs } from '../knn/knn-ranking-base.js';
import type { ParamDoc } from '../params.js';
import { Recommender, type ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';

/**
 * Options of `Ease`.
 *
 * @example
 * const opts: Partial<EaseOptions> = { lambda: 250 };
 */
export type EaseOptions = { lambda: number };

/**
 * λ = 500 as in Steck's experiments. On ML-100K u1 (implicit protocol, see `ItemKnn`) NDCG@10 by λ: 50 → 0.5047,
 * 100 → 0.5375, 200 → 0.5586, 300 → 0.5617, 400 → 0.5659, 500 → 0.5652, 600 → 0.5630, 1000 → 0.5598, 1500 → 0.5510.
 */
const DEFAULTS = { lambda: 500 } as const satisfies EaseOptions;

const DOCS: Record<keyof EaseOptions, ParamDoc> = {
  lambda: { description: 'L2 regularisation λ added to the diagonal of the item Gram matrix XᵀX.', min: 0 },
};

/**
 * Beyond this many items the dense item × item matrices (≈ 20·n² bytes while fitting) are refused: 10 000 items
 * already need ~2 GB.
 */
const MAX_ITEMS = 10_000;

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): an item × item weight matrix B with a
 * zero diagonal that best reconstructs X from itself, min ‖X − XB‖² + λ‖B‖², diag(B) = 0. Closed form (paper eq. 8):
 * G = XᵀX + λI, P = G⁻¹, B_ij = −P_ij / P_jj for i ≠ j, B_ii = 0; scores of user u are the row x_u·B. The inverse is
 * a dense Cholesky-based SPD inverse (math/cholesky.ts), n³/2 multiply-adds over the items that have training rows
 * (others score −∞). X holds the training values (1 for implicit data).
 *
 * @example
 * const model = new Ease({ lambda: 250 }).fit(train);
 * model.recommend('196', { k: 10 }).ids;
 */
export class Ease extends Recommender<EaseOptions> {
  readonly name = 'ease';
  readonly task = 'ranking' as const;
  /** B over the active items, row-major m × m, float32 (scores need no more). */
  private weights: Float32Array = new Float32Array(0);
  /** Item index of each active position, and the active position of each item (−1: no training rows). */
  private items: Int32Array = new Int32Array(0);
  private position: Int32Array = new Int32Array(0);
  private userValues: Float32Array = new Float32Array(0);
  private scratch: Float64Array = new Float64Array(0);

  constructor(opts: Partial<EaseOptions> = {}) {
    super('ease', DEFAULTS, DOCS, opts);
  }

  protected fitModel(data: Interactions): void {
    const s = this.training;
    this.setItems(activeItems(s.itemCounts));
    const m = this.items.length;
    if (m > MAX_ITEMS)
      throw new InvalidParameterError(
        `ease: ${m} items need dense ${m}×${m} matrices; at most ${MAX_ITEMS} are supported (filter rare items first)`,
      );
    // (u, i) repeats would break the lower-triangle pair loop below; summing them keeps XᵀX exact.
    const d = hasDuplicatePairs(data) ? data.dedupe('sum') : data;
    const g = gramLower(d.byUser(), this.position, m);
    const lambda = this.params.lambda;
    for (let a = 0; a < m; a++) g[a * m + a] += lambda;
    try {
      spdInverseInPlace(g, m);
    } catch (e) {
      // Only λ = 0 with linearly dependent item columns gets here.
      throw new InvalidParameterError(`ease: XᵀX + λI is singular (${(e as Error).message}); use lambda > 0`);
    }
    this.weights = weightsFromInverse(g, m);
    this.userValues = data.byUser().values;
  }

  private setItems(items: Int32Array): void {
    const n = this.training.nItems;
    this.items = items;
    this.position = new Int32Array(n).fill(-1);
    for (let a = 0; a < items.length; a++) this.position[items[a]] = a;
    this.scratch = new Float64Array(items.length);
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('user has no training interactions');
    const b = this.position[i];
    if (b < 0) throw new ScoreImpossibleError('item has no training interactions');
    const { seenIndptr, seenIndices } = this.training;
    const m = this.items.length;
    let s = 0;
    for (let p = seenIndptr[u]; p < seenIndptr[u + 1]; p++)
      s += this.userValues[p] * this.weights[this.position[seenIndices[p]] * m + b];
    return s;
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!this.knownUser(u)) {
      this.scoreItemsForUnknownUser(out);
      return;
    }
    const acc = this.scratch;
    acc.fill(0);
    const { seenIndptr, seenIndices } = this.training;
    sumRows(
      this.weights,
      this.items.length,
      this.position,
      seenIndices,
      this.userValues,
      seenIndptr[u],
      seenIndptr[u + 1],
      acc,
    );
    out.fill(-Infinity);
    for (let a = 0; a < acc.length; a++) out[this.items[a]] = acc[a];
  }

  /** B[j][i]: how much having j adds to i's score (see Recommender.itemSupport). */
  override itemSupport(i: number, j: number): number {
    const a = j >= 0 && j < this.position.length ? this.position[j] : -1;
    const b = i >= 0 && i < this.position.length ? this.position[i] : -1;
    return a < 0 || b < 0 || a === b ? NaN : this.weights[a * this.items.length + b];
  }

  /** Items with the largest weights B[i][j] in item i's row (how strongly i predicts j). */
  protected override similarItemsIndex(i: number, k: number): { indices: Int32Array; scores: Float32Array } {
    const a = this.position[i];
    if (a < 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
    const m = this.items.length;
    const best = topK(this.weights.subarray(a * m, (a + 1) * m), k, (b) => b === a);
    const indices = new Int32Array(best.indices.length);
    for (let c = 0; c < indices.length; c++) indices[c] = this.items[best.indices[c]];
    return { indices, scores: best.scores };
  }

  protected saveState(): ModelState {
    return { meta: {}, arrays: { weights: this.weights, items: this.items, userValues: this.userValues } };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const { weights, items, userValues } = state.arrays;
    if (!(items instanceof Int32Array) || items.length > s.nItems)
      throw new ModelFormatError('ease: item list does not match the training summary');
    for (let a = 0; a < items.length; a++)
      if (items[a] < 0 || items[a] >= s.nItems || (a > 0 && items[a] <= items[a - 1]))
        throw new ModelFormatError('ease: item list is not an increasing list of item indices');
    const m = items.length;
    if (!(weights instanceof Float32Array) || weights.length !== m * m)
      throw new ModelFormatError(`ease: weight matrix is not ${m}×${m}`);
    if (!(userValues instanceof Float32Array) || userValues.length !== s.seenIndices.length)
      throw new ModelFormatError('ease: user values do not match the training summary');
    this.setItems(items);
    this.weights = weights;
    this.userValues = userValues;
  }
}

/** Items with at least one training row, in index order. */
function activeItems(itemCounts: Int32Array): Int32Array {
  let m = 0;
  for (let i = 0; i < itemCounts.length; i++) if (itemCounts[i] > 0) m++;
  const out = new Int32Array(m);
  for (let i = 0, a = 0; i < itemCounts.length; i++) if (itemCounts[i] > 0) out[a++] = i;
  return out;
}

/**
 * The lower triangle of XᵀX over active positions (m × m, row-major): for each user, every pair of her items. Rows
 * of the CSR are sorted by item and positions keep item order, so q ≤ p gives position(q) ≤ position(p).
 */
function gramLower(
  csr: { indptr: Int32Array; indices: Int32Array; values: Float32Array },
  position: Int32Array,
  m: number,
): Float64Array {
  const g = new Float64Array(m * m);
  const { indptr, indices, values } = csr;
  for (let u = 0; u + 1 < indptr.length; u++) {
    const start = indptr[u],
      end = indptr[u + 1];
    for (let p = start; p < end; p++) {
      const row = position[indices[p]] * m,
        x = values[p];
      for (let q = start; q <= p; q++) g[row + position[indices[q]]] += x * values[q];
    }
  }
  return g;
}

/** B_ij = −P_ij / P_jj, B_ii = 0 (Steck 2019, eq. 8), as float32. */
function weightsFromInverse(p: Float64Array, m: number): Float32Array {
  const inv = new Float64Array(m);
  for (let j = 0; j < m; j++) inv[j] = 1 / p[j * m + j];
  const b = new Float32Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let j = 0; j < m; j++) b[row + j] = -p[row + j] * inv[j];
    b[row + i] = 0;
  }
  return b;
}

/** acc += Σ_p x_p · B[position(item_p)] over the user's rows p in [start, end). */
function sumRows(
  weights: Float32Array,
  m: number,
  position: Int32Array,
  seenIndices: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  acc: Float64Array,
): void {
  for (let p = start; p < end; p++) {
    const row = position[seenIndices[p]] * m,
      x = values[p];
    for (let j = 0; j < m; j++) acc[j] += x * weights[row + j];
  }
}

/**
 * Registry entry of Ease.
 *
 * @example
 * registerModel(easeEntry); // createModel('ease', { lambda: 250 }) then builds it
 */
export const easeEntry: ModelEntry<EaseOptions> = {
  name: 'ease',
  description: 'EASE: closed-form item-item linear autoencoder with a zero diagonal (Steck 2019).',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Ease(p),
};
