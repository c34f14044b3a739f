// Term weightings of implicit's nearest_neighbours.py (Frederickson, implicit 0.7), applied to a "documents × terms"
// CSR: for item-kNN the documents are items and the terms are users (implicit weights `counts.T`, item × user).

/** How rows ("documents") of the interaction matrix are weighted before their dot products are taken. */
export type WeightingName = 'cosine' | 'tfidf' | 'bm25';

/**
 * The weightings of the implicit-feedback kNN models.
 *
 * @example
 * WEIGHTINGS.includes('bm25'); // true
 */
export const WEIGHTINGS: readonly WeightingName[] = Object.freeze(['cosine', 'tfidf', 'bm25'] as const);

/**
 * Rows of a sparse matrix: row r's entries are `indices[indptr[r]..indptr[r+1])` with `values` alongside.
 *
 * @example
 * const rows: SparseRows = data.byItem(); // a Csr is one
 */
export interface SparseRows {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: ArrayLike<number>;
}

/**
 * Inverse document frequency of each term, as implicit's `tfidf_weight`/`bm25_weight`:
 * idf(t) = log(N) − log(1 + df(t)), N = number of documents (rows, empty ones included), df(t) = entries in column t.
 *
 * @example
 * idf(rows, 2); // 3 rows, column counts [1, 2] → [log 3 − log 2, log 3 − log 3 = 0]
 */
export function idf(rows: SparseRows, nTerms: number): Float64Array {
  const nDocs = rows.indptr.length - 1;
  const df = new Float64Array(nTerms);
  const end = rows.indptr[nDocs];
  for (let p = 0; p < end; p++) df[rows.indices[p]]++;
  const logN = Math.log(nDocs);
  for (let t = 0; t < nTerms; t++) df[t] = logN - Math.log1p(df[t]);
  return df;
}

/**
 * TF-IDF weights (implicit `tfidf_weight`): w(d, t) = √x · idf(t), one per entry of `rows` (not normalised).
 *
 * @example
 * const w = tfidfWeights(itemRows, nUsers); // aligned with itemRows.values
 */
export function tfidfWeights(rows: SparseRows, nTerms: number): Float64Array {
  const weights = idf(rows, nTerms);
  const end = rows.indptr[rows.indptr.length - 1];
  const out = new Float64Array(end);
  for (let p = 0; p < end; p++) out[p] = Math.sqrt(rows.values[p]) * weights[rows.indices[p]];
  return out;
}

/**
 * Okapi BM25 weights (implicit `bm25_weight`, Robertson et al.): w(d, t) = x·(k1 + 1) / (k1·L(d) + x) · idf(t),
 * with length normalisation L(d) = (1 − b) + b·|d| / avg|d|, |d| the sum of the row's values and the average taken
 * over all N rows (empty ones included, as `row_sums.mean()`).
 *
 * @example
 * const w = bm25Weights(itemRows, nUsers, 1.2, 0.75);
 */
export function bm25Weights(rows: SparseRows, nTerms: number, k1: number, b: number): Float64Array {
  const nDocs = rows.indptr.length - 1;
  const weights = idf(rows, nTerms);
  const lengths = new Float64Array(nDocs);
  let total = 0;
  for (let d = 0; d < nDocs; d++) {
    let s = 0;
    for (let p = rows.indptr[d]; p < rows.indptr[d + 1]; p++) s += rows.values[p];
    lengths[d] = s;
    total += s;
  }
  const avg = nDocs > 0 ? total / nDocs : 0;
  const out = new Float64Array(rows.indptr[nDocs]);
  for (let d = 0; d < nDocs; d++) {
    const lengthNorm = 1 - b + (avg > 0 ? (b * lengths[d]) / avg : 0);
    for (let p = rows.indptr[d]; p < rows.indptr[d + 1]; p++) {
      const x = rows.values[p];
      out[p] = ((x * (k1 + 1)) / (k1 * lengthNorm + x)) * weights[rows.indices[p]];
    }
  }
  return out;
}

/**
 * Euclidean norm of each row of weights aligned with `indptr`.
 *
 * @example
 * rowNorms(new Int32Array([0, 2]), new Float64Array([3, 4])); // [5]
 */
export function rowNorms(indptr: Int32Array, weights: Float64Array): Float64Array {
  const n = indptr.length - 1;
  const out = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    let s = 0;
    for (let p = indptr[d]; p < indptr[d + 1]; p++) s += weights[p] * weights[p];
    out[d] = Math.sqrt(s);
  }
  return out;
}

/**
 * Divides each row by its norm in place (implicit `normalize`); empty or all-zero rows stay zero.
 *
 * @example
 * const w = new Float64Array([3, 4]);
 * normalizeRows(new Int32Array([0, 2]), w, rowNorms(new Int32Array([0, 2]), w)); // w = [0.6, 0.8]
 */
export function normalizeRows(indptr: Int32Array, weights: Float64Array, norms: Float64Array): void {
  for (let d = 0; d + 1 < indptr.length; d++) {
    const inv = norms[d] > 0 ? 1 / norms[d] : 0;
    for (let p = indptr[d]; p < indptr[d + 1]; p++) weights[p] *= inv;
  }
}

/**
 * Weighted documents: one weight per entry of the rows, and each row's norm when the weighting normalises.
 *
 * @example
 * const { weights, norms }: WeightedRows = weightRows('cosine', rows, nTerms);
 */
export interface WeightedRows {
  weights: Float64Array;
  /** Row norms before normalisation (cosine, tfidf), or null (bm25: plain dot products). */
  norms: Float64Array | null;
}

/**
 * Weights a documents × terms matrix as implicit's recommenders do before computing item-item dot products:
 * `cosine` → x/‖row‖ (CosineRecommender), `tfidf` → √x·idf/‖row‖ (TFIDFRecommender), `bm25` → the BM25 weight with
 * no normalisation (BM25Recommender takes plain dot products). With `normalize: false` the cosine/tfidf weights are
 * left unnormalised and their norms returned, so a caller can divide by ‖a‖·‖b‖ + shrinkage instead.
 *
 * @example
 * const { weights } = weightRows('bm25', data.byItem(), data.nUsers, { k1: 1.2, b: 0.75 });
 */
export function weightRows(
  kind: WeightingName,
  rows: SparseRows,
  nTerms: number,
  opts: { k1?: number; b?: number; normalize?: boolean } = {},
): WeightedRows {
  if (kind === 'bm25') return { weights: bm25Weights(rows, nTerms, opts.k1 ?? 1.2, opts.b ?? 0.75), norms: null };
  let weights: Float64Array;
  if (kind === 'tfidf') weights = tfidfWeights(rows, nTerms);
  else weights = Float64Array.from(rows.values);
  const norms = rowNorms(rows.indptr, weights);
  if (opts.normalize ?? true) normalizeRows(rows.indptr, weights, norms);
  return { weights, norms };
}
