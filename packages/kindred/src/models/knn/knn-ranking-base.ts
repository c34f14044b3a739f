import { InvalidParameterError, ModelFormatError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import type { ParamDoc } from '../params.js';
import { Recommender, type ModelState } from '../recommender.js';
import { allPairsTopK, type NeighbourLists } from './all-pairs-top-k.js';
import { WEIGHTINGS, weightRows, type WeightingName } from './weighting.js';

/**
 * Options shared by the implicit-feedback kNN models (item-knn, user-knn).
 *
 * @example
 * const opts: Partial<KnnRankingOptions> = { k: 50, weighting: 'bm25', k1: 1.2, b: 0.75 };
 */
export type KnnRankingOptions = {
  k: number;
  weighting: string;
  k1: number;
  b: number;
  shrinkage: number;
};

/**
 * What each shared option means (shown by `kindred models`).
 *
 * @example
 * KNN_RANKING_DOCS.weighting.choices; // ['cosine', 'tfidf', 'bm25']
 */
export const KNN_RANKING_DOCS: Record<keyof KnnRankingOptions, ParamDoc> = {
  k: { description: 'Neighbours kept per row of the similarity matrix (implicit K).', integer: true, min: 1 },
  weighting: {
    description:
      'Weighting before the dot products: cosine (x/‖row‖), tfidf (√x·idf, normalised) or bm25 (plain dot products).',
    choices: WEIGHTINGS,
  },
  k1: { description: 'BM25 term-frequency saturation k1 (implicit K1).', min: 0 },
  b: { description: 'BM25 length normalisation b, 0 (none) to 1 (full) (implicit B).', min: 0, max: 1 },
  shrinkage: {
    description: 'cosine/tfidf only: similarity = dot / (‖a‖·‖b‖ + shrinkage), damping pairs of short rows.',
    min: 0,
  },
};

const EMPTY_LISTS: NeighbourLists = {
  indptr: new Int32Array(1),
  indices: new Int32Array(0),
  values: new Float32Array(0),
};

/**
 * The family base of the neighbourhood top-N models (convention 6): it weights the interaction matrix (cosine,
 * TF-IDF or BM25 as implicit's `nearest_neighbours.py`), keeps the k most similar rows of each row as a sparse
 * neighbour matrix, and saves/loads it. Variants say which side the rows are (`rowsAre`) and how to score.
 *
 * @example
 * class MyKnn extends KnnRankingBase<KnnRankingOptions> { protected readonly rowsAre = 'items'; ... }
 */
export abstract class KnnRankingBase<P extends KnnRankingOptions> extends Recommender<P> {
  readonly task = 'ranking' as const;
  /** Items (item-based: similar items) or users (user-based: similar users). */
  protected abstract readonly rowsAre: 'items' | 'users';
  /** Each row's neighbours, best first. */
  protected neighbours: NeighbourLists = EMPTY_LISTS;
  /** Training values aligned with `training.seenIndices` (the user rows the scores multiply). */
  protected userValues: Float32Array = new Float32Array(0);

  constructor(name: string, defaults: P, docs: Partial<Record<keyof P, ParamDoc>>, opts: Partial<P>) {
    super(name, defaults, docs, opts);
    if (this.params.weighting === 'bm25' && this.params.shrinkage > 0)
      throw new InvalidParameterError(
        `${name}: shrinkage applies to cosine and tfidf (bm25 takes plain dot products)`,
        {
          model: name,
          key: 'shrinkage',
        },
      );
  }

  /** Whether a row may be its own neighbour (implicit's item-item models keep it). */
  protected includeSelf(): boolean {
    return false;
  }

  protected fitModel(data: Interactions): void {
    if (this.params.weighting !== 'cosine' && this.training.ratingMin < 0)
      throw new InvalidParameterError(
        `${this.name}: ${this.params.weighting} weighting needs non-negative values (confidences or counts)`,
      );
    // Weights are not linear in the values, so repeated (user, item) rows are summed first (as scipy's CSR does).
    const d = hasDuplicatePairs(data) ? data.dedupe('sum') : data;
    const rows = this.rowsAre === 'items' ? d.byItem() : d.byUser();
    const cols = this.rowsAre === 'items' ? d.byUser() : d.byItem();
    const shrinkage = this.params.shrinkage;
    const { weights, norms } = weightRows(this.params.weighting as WeightingName, rows, cols.indptr.length - 1, {
      k1: this.params.k1,
      b: this.params.b,
      normalize: shrinkage === 0,
    });
    // The same weights in column order, matched through each entry's source row.
    const posInRows = new Int32Array(d.length);
    for (let p = 0; p < rows.order.length; p++) posInRows[rows.order[p]] = p;
    const colWeights = new Float64Array(cols.order.length);
    for (let q = 0; q < cols.order.length; q++) colWeights[q] = weights[posInRows[cols.order[q]]];
    this.neighbours = allPairsTopK(
      { indptr: rows.indptr, indices: rows.indices, weights },
      { indptr: cols.indptr, indices: cols.indices, weights: colWeights },
      this.params.k,
      { includeSelf: this.includeSelf(), norms: shrinkage > 0 ? norms : null, shrinkage },
    );
    this.userValues = data.byUser().values;
  }

  /** Sets the scores of items without training interactions to −∞ (nothing is known of them). */
  protected maskUnknownItems(out: Float32Array): void {
    const counts = this.training.itemCounts;
    for (let i = 0; i < out.length; i++) if (counts[i] === 0) out[i] = -Infinity;
  }

  protected saveState(): ModelState {
    const nb = this.neighbours;
    return {
      meta: {},
      arrays: {
        neighbourIndptr: nb.indptr,
        neighbourIndices: nb.indices,
        neighbourValues: nb.values,
        userValues: this.userValues,
      },
    };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const nRows = this.rowsAre === 'items' ? s.nItems : s.nUsers;
    const indptr = state.arrays.neighbourIndptr;
    const indices = state.arrays.neighbourIndices;
    const values = state.arrays.neighbourValues;
    const userValues = state.arrays.userValues;
    if (!(indptr instanceof Int32Array) || indptr.length !== nRows + 1)
      throw new ModelFormatError(`${this.name}: neighbour index does not match ${nRows} ${this.rowsAre}`);
    const nnz = indptr[nRows];
    if (
      !(indices instanceof Int32Array) ||
      !(values instanceof Float32Array) ||
      indices.length !== nnz ||
      values.length !== nnz
    )
      throw new ModelFormatError(`${this.name}: neighbour lists are inconsistent`);
    for (let p = 0; p < nnz; p++)
      if (indices[p] < 0 || indices[p] >= nRows) throw new ModelFormatError(`${this.name}: neighbour out of range`);
    if (!(userValues instanceof Float32Array) || userValues.length !== s.seenIndices.length)
      throw new ModelFormatError(`${this.name}: user values do not match the training summary`);
    this.neighbours = { indptr, indices, values };
    this.userValues = userValues;
  }
}

/**
 * True when some (user, item) pair has more than one row (CSR rows are sorted, so repeats are adjacent).
 *
 * @example
 * const clean = hasDuplicatePairs(data) ? data.dedupe('sum') : data;
 */
export function hasDuplicatePairs(data: Interactions): boolean {
  const { indptr, indices } = data.byUser();
  for (let u = 0; u + 1 < indptr.length; u++)
    for (let p = indptr[u] + 1; p < indptr[u + 1]; p++) if (indices[p] === indices[p - 1]) return true;
  return false;
}

/**
 * Sum of the values of column `col` in row `row` of a CSR whose rows are sorted (binary search; repeats summed).
 *
 * @example
 * rowValue(indptr, indices, values, u, i); // x_ui, 0 when absent
 */
export function rowValue(
  indptr: Int32Array,
  indices: Int32Array,
  values: ArrayLike<number>,
  row: number,
  col: number,
): number {
  let lo = indptr[row],
    hi = indptr[row + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indices[mid] < col) lo = mid + 1;
    else hi = mid;
  }
  let s = 0;
  for (let p = lo; p < indptr[row + 1] && indices[p] === col; p++) s += values[p];
  return s;
}
