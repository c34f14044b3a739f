import type { Interactions } from '../../data/interactions.js';

/** How raw interaction values become confidences c = 1 + α·f(value) (Hu, Koren & Volinsky 2008, §4). */
export type ConfidenceScheme = 'linear' | 'log' | 'binary' | 'bm25';

/** Everything needed to turn a user's values into confidences, at training and at fold-in time. */
export interface ConfidenceScale {
  scheme: ConfidenceScheme;
  alpha: number;
  /** ε of the log scheme: f(r) = log(1 + r/ε). */
  epsilon: number;
  /** BM25 k1 and b (implicit's `bm25_weight` defaults K1=100, B=0.8). */
  k1: number;
  b: number;
  /** BM25 idf per item, log(N) − log(1 + df_i) with N users (empty for other schemes). */
  idf: Float32Array;
  /** BM25 mean row sum over users. */
  avgLength: number;
}

/**
 * Interactions merged per (row, column) pair in CSR form with signed confidences: `conf[k] > 0` is a positive
 * preference (p = 1) with confidence c = conf[k]; `conf[k] < 0` is p = 0 with confidence −conf[k] (a value ≤ 0, as
 * implicit treats negative entries). Columns are sorted within each row.
 */
export interface ConfidenceCsr {
  indptr: Int32Array;
  indices: Int32Array;
  conf: Float32Array;
}

/**
 * f(value) for the scheme; `rowSum` and the item feed BM25 only. BM25 follows implicit's `bm25_weight`:
 * f = v·(k1+1) / (k1·((1−b) + b·rowSum/avgLength) + v) · idf_i.
 */
function weight(s: ConfidenceScale, v: number, item: number, rowSum: number): number {
  switch (s.scheme) {
    case 'linear':
      return v;
    case 'log':
      return Math.log1p(v / s.epsilon);
    case 'binary':
      return v > 0 ? 1 : 0;
    case 'bm25': {
      const norm = 1 - s.b + (s.b * rowSum) / (s.avgLength || 1);
      return ((v * (s.k1 + 1)) / (s.k1 * norm + v)) * (item < s.idf.length ? s.idf[item] : 0);
    }
  }
}

/**
 * Confidences of one user's interactions (items need not be sorted or unique: duplicates are summed, like scipy
 * does when it builds the CSR matrix implicit trains on). Returns the merged, sorted items and signed confidences.
 *
 * @example
 * const { indices, conf } = userConfidence(scale, new Int32Array([3, 1]), new Float32Array([1, 2]));
 */
export function userConfidence(
  s: ConfidenceScale,
  items: Int32Array,
  values: Float32Array,
): { indices: Int32Array; conf: Float32Array } {
  const order = Array.from(items.keys()).sort((a, b) => items[a] - items[b]);
  const idx: number[] = [];
  const val: number[] = [];
  for (const k of order) {
    if (idx.length && idx[idx.length - 1] === items[k]) val[val.length - 1] += values[k];
    else {
      idx.push(items[k]);
      val.push(values[k]);
    }
  }
  let rowSum = 0;
  for (const v of val) rowSum += Math.abs(v);
  const conf = new Float32Array(idx.length);
  for (let k = 0; k < idx.length; k++) conf[k] = signedConfidence(s, val[k], idx[k], rowSum);
  return { indices: Int32Array.from(idx), conf };
}

/** c = 1 + α f(|v|), negated when v ≤ 0 (preference 0). */
function signedConfidence(s: ConfidenceScale, v: number, item: number, rowSum: number): number {
  const c = 1 + s.alpha * weight(s, Math.abs(v), item, rowSum);
  return v > 0 ? c : -c;
}

/**
 * Builds the user×item confidence CSR and its item×user transpose from training interactions, merging duplicate
 * pairs by summing their values, plus the scale (BM25 statistics) needed to fold in new users later.
 *
 * @example
 * const { byUser, byItem, scale } = buildConfidence(train, { scheme: 'log', alpha: 40, epsilon: 1, k1: 100, b: 0.8 });
 */
export function buildConfidence(
  data: Interactions,
  opts: Omit<ConfidenceScale, 'idf' | 'avgLength'>,
): { byUser: ConfidenceCsr; byItem: ConfidenceCsr; scale: ConfidenceScale } {
  const csr = data.byUser();
  const nUsers = data.nUsers,
    nItems = data.nItems;
  if (!hasDuplicates(csr.indptr, csr.indices)) return fromCsrs(data, opts);
  // Merge duplicates (items are sorted within a row, so they are adjacent).
  const indptr = new Int32Array(nUsers + 1);
  const indices = new Int32Array(csr.indices.length);
  const vals = new Float64Array(csr.indices.length);
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = n;
    for (let k = csr.indptr[u]; k < csr.indptr[u + 1]; k++) {
      const i = csr.indices[k];
      if (n > start && indices[n - 1] === i) vals[n - 1] += csr.values[k];
      else {
        indices[n] = i;
        vals[n++] = csr.values[k];
      }
    }
    indptr[u + 1] = n;
  }
  const scale = scaleOf(opts, indptr, indices.subarray(0, n), vals, nItems);
  const rowSums = absRowSums(indptr, vals);
  const conf = new Float32Array(n);
  for (let u = 0; u < nUsers; u++)
    for (let k = indptr[u]; k < indptr[u + 1]; k++) conf[k] = signedConfidence(scale, vals[k], indices[k], rowSums[u]);
  const byUser: ConfidenceCsr = { indptr, indices: indices.slice(0, n), conf };
  return { byUser, byItem: transpose(byUser, nItems), scale };
}

/** True when some row repeats a column (columns are sorted within rows, so repeats are adjacent). */
function hasDuplicates(indptr: Int32Array, indices: Int32Array): boolean {
  for (let r = 0; r + 1 < indptr.length; r++)
    for (let k = indptr[r] + 1; k < indptr[r + 1]; k++) if (indices[k] === indices[k - 1]) return true;
  return false;
}

/**
 * The usual case, no duplicate pairs: both confidence CSRs reuse the index arrays of the data's own CSR and CSC
 * (cached on the Interactions, built anyway by the model's training summary), so only the confidences are new. At
 * 10M interactions that saves a 10M-entry transpose (random writes) and 80 MB of index copies.
 */
function fromCsrs(
  data: Interactions,
  opts: Omit<ConfidenceScale, 'idf' | 'avgLength'>,
): { byUser: ConfidenceCsr; byItem: ConfidenceCsr; scale: ConfidenceScale } {
  const csr = data.byUser(),
    csc = data.byItem();
  const scale = scaleOf(opts, csr.indptr, csr.indices, csr.values, data.nItems);
  const rowSums = absRowSums(csr.indptr, csr.values);
  const conf = new Float32Array(csr.indices.length);
  for (let u = 0; u + 1 < csr.indptr.length; u++)
    for (let k = csr.indptr[u]; k < csr.indptr[u + 1]; k++)
      conf[k] = signedConfidence(scale, csr.values[k], csr.indices[k], rowSums[u]);
  const itemConf = new Float32Array(csc.indices.length);
  for (let i = 0; i + 1 < csc.indptr.length; i++)
    for (let k = csc.indptr[i]; k < csc.indptr[i + 1]; k++)
      itemConf[k] = signedConfidence(scale, csc.values[k], i, rowSums[csc.indices[k]]);
  return {
    byUser: { indptr: csr.indptr, indices: csr.indices, conf },
    byItem: { indptr: csc.indptr, indices: csc.indices, conf: itemConf },
    scale,
  };
}

/** Σ_k |v_k| per row. */
function absRowSums(indptr: Int32Array, vals: Float32Array | Float64Array): Float64Array {
  const rows = indptr.length - 1;
  const sums = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let k = indptr[r]; k < indptr[r + 1]; k++) sums[r] += Math.abs(vals[k]);
  return sums;
}

/** The scale with the BM25 statistics (idf per item, mean row sum) filled in when the scheme needs them. */
function scaleOf(
  opts: Omit<ConfidenceScale, 'idf' | 'avgLength'>,
  indptr: Int32Array,
  indices: Int32Array,
  vals: Float32Array | Float64Array,
  nItems: number,
): ConfidenceScale {
  const scale: ConfidenceScale = { ...opts, idf: new Float32Array(0), avgLength: 0 };
  if (opts.scheme !== 'bm25') return scale;
  const nUsers = indptr.length - 1;
  const df = new Int32Array(nItems);
  for (let k = 0; k < indices.length; k++) df[indices[k]]++;
  let total = 0;
  for (let k = 0; k < indptr[nUsers]; k++) total += Math.abs(vals[k]);
  scale.idf = new Float32Array(nItems);
  for (let i = 0; i < nItems; i++) scale.idf[i] = Math.log(nUsers) - Math.log1p(df[i]);
  scale.avgLength = nUsers ? total / nUsers : 0;
  return scale;
}

/** The CSR of the transpose (columns become rows; the new columns come out sorted). */
export function transpose(m: ConfidenceCsr, nCols: number): ConfidenceCsr {
  const nRows = m.indptr.length - 1;
  const indptr = new Int32Array(nCols + 1);
  for (let k = 0; k < m.indices.length; k++) indptr[m.indices[k] + 1]++;
  for (let c = 0; c < nCols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, nCols);
  const indices = new Int32Array(m.indices.length);
  const conf = new Float32Array(m.indices.length);
  for (let r = 0; r < nRows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const at = fill[m.indices[k]]++;
      indices[at] = r;
      conf[at] = m.conf[k];
    }
  }
  return { indptr, indices, conf };
}
