// Feature rows for the hybrid factorisation: external feature matrices aligned with the training ids, then combined
// with identity features the way LightFM's `Dataset` builds them (identity column first, optional l1 row scaling).
import { InvalidParameterError } from '../../errors.js';
import { FeatureMatrix } from '../../data/features.js';
import type { IdMap } from '../../data/id-map.js';

/** A CSR feature table whose columns are the model's feature embeddings (identity columns first when used). */
export interface FeatureRows {
  nFeatures: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Rows of `features` re-ordered to `target`'s indices 0..n-1: by raw id when `ids` is given (rows missing there come
 * out empty), else row r must already describe index r.
 *
 * @example
 * const aligned = alignFeatureRows(features, featureIds, data.itemIds, data.nItems);
 */
export function alignFeatureRows(
  features: FeatureMatrix,
  ids: IdMap | undefined,
  target: IdMap,
  n: number,
): FeatureMatrix {
  const byId = ids !== undefined && ids !== target;
  if (!byId) {
    if (features.nRows === n) return features;
    if (features.nRows > n)
      throw new InvalidParameterError(
        `features have ${features.nRows} rows but the data has ${n}; pass the features' IdMap as well`,
      );
  }
  const src = new Int32Array(n);
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    const s = byId ? ids!.get(target.id(r)) : r < features.nRows ? r : -1;
    src[r] = s >= 0 && s < features.nRows ? s : -1;
    if (src[r] >= 0) nnz += features.rowNnz(src[r]);
  }
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const s = src[r];
    if (s >= 0)
      for (let p = features.indptr[s]; p < features.indptr[s + 1]; p++) {
        indices[k] = features.indices[p];
        values[k++] = features.values[p];
      }
    indptr[r + 1] = k;
  }
  return new FeatureMatrix(n, features.names, indptr, indices, values);
}

/**
 * The rows the model trains on: the identity feature r of row r (only for rows with training data: an identity
 * embedding of a row nobody interacted with never learns anything, so a cold row is described by its features
 * alone), then the external features shifted past the identity block; with `l1`, each row scaled to sum to 1
 * (LightFM `Dataset(normalize=True)`).
 *
 * @example
 * const rows = composeFeatureRows(aligned, data.nItems, true, data.itemCounts(), true);
 */
export function composeFeatureRows(
  external: FeatureMatrix | null,
  n: number,
  identity: boolean,
  counts: Int32Array,
  l1: boolean,
): FeatureRows {
  const offset = identity ? n : 0;
  const nFeatures = offset + (external ? external.nFeatures : 0);
  let nnz = 0;
  for (let r = 0; r < n; r++) nnz += (identity && counts[r] > 0 ? 1 : 0) + (external ? external.rowNnz(r) : 0);
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const start = k;
    if (identity && counts[r] > 0) {
      indices[k] = r;
      values[k++] = 1;
    }
    if (external)
      for (let p = external.indptr[r]; p < external.indptr[r + 1]; p++) {
        if (external.values[p] === 0) continue;
        indices[k] = offset + external.indices[p];
        values[k++] = external.values[p];
      }
    if (l1) {
      let s = 0;
      for (let q = start; q < k; q++) s += Math.abs(values[q]);
      if (s > 0) for (let q = start; q < k; q++) values[q] /= s;
    }
    indptr[r + 1] = k;
  }
  return { nFeatures, indptr, indices: indices.slice(0, k), values: values.slice(0, k) };
}
