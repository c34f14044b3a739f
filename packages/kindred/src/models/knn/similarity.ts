import { InvalidParameterError } from '../../errors.js';
import type { Csr } from '../../data/interactions.js';

/**
 * The similarity measures of Surprise's `similarities.pyx`.
 *
 * @example
 * SIMILARITIES.includes('msd'); // true
 */
export const SIMILARITIES = ['cosine', 'msd', 'pearson', 'pearson_baseline'] as const;
export type SimilarityName = (typeof SIMILARITIES)[number];

/**
 * The two orientations of the rating matrix a similarity needs.
 *
 * @example
 * const itemBased: SimilarityInput = { xRows: data.byItem(), yRows: data.byUser() };
 */
export interface SimilarityInput {
  /** Rows are the entities compared (x: users for user-based), columns the other side (y). */
  xRows: Csr;
  /** The transpose: rows y, columns x, columns sorted ascending within a row (what `byItem()`/`byUser()` give). */
  yRows: Csr;
}

/**
 * Options of a similarity computation.
 *
 * @example
 * const opts: SimilarityOptions = { minSupport: 1, shrinkage: 100, baselines: { mu, bx: bu, by: bi } };
 */
export interface SimilarityOptions {
  /** Pairs with fewer common ys get similarity 0 (Surprise `min_support`; pearson_baseline uses max(2, this)). */
  minSupport: number;
  /** pearson_baseline only: ρ is multiplied by (f − 1) / (f − 1 + shrinkage), f = common ys. */
  shrinkage: number;
  /** pearson_baseline only: μ and the biases of the x side and the y side. */
  baselines?: { mu: number; bx: Float64Array; by: Float64Array };
}

/**
 * The dense symmetric n×n similarity matrix (n = rows of `xRows`) of Surprise's measures, computed over co-rated
 * pairs only, with a diagonal of 1:
 * - `cosine`: Σ r_a r_b / √(Σ r_a² · Σ r_b²)
 * - `msd`: 1 / (Σ (r_a − r_b)² / f + 1)
 * - `pearson`: (f Σ r_a r_b − Σ r_a Σ r_b) / √((f Σ r_a² − (Σ r_a)²)(f Σ r_b² − (Σ r_b)²)), 0 when undefined
 * - `pearson_baseline`: cosine of the residuals r − (μ + b_x + b_y), times (f − 1)/(f − 1 + shrinkage)
 * where every sum runs over the f common ys of the pair. A zero denominator gives 0 (Surprise would divide by zero).
 *
 * @example
 * const sim = similarityMatrix('msd', { xRows: data.byUser(), yRows: data.byItem() }, { minSupport: 1, shrinkage: 100 });
 * sim[u * data.nUsers + v]; // similarity of users u and v
 */
export function similarityMatrix(name: SimilarityName, input: SimilarityInput, opts: SimilarityOptions): Float64Array {
  const n = input.xRows.indptr.length - 1;
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) out[a * n + a] = 1;
  similarityRowRange(name, input, opts, 0, n, out);
  return out;
}

/**
 * Computes the pairs (a, b) with rowStart ≤ a < rowEnd and b > a, writing both out[a·n + b] and out[b·n + a]. Ranges
 * that do not overlap touch disjoint cells, so a caller may split [0, n) across workers sharing `out`. The work of a
 * row grows with the co-ratings of its later partners: balance ranges by work, not by row count. The diagonal is
 * left to the caller.
 *
 * Sparse kernel: for row a, each y it rated, each b > a that rated y (found by binary search in y's sorted row),
 * accumulates the pair's statistics into length-n row accumulators, then finalises row a. Work is Σ over co-ratings,
 * memory O(n) besides `out` (Surprise keeps several n×n accumulators).
 */
export function similarityRowRange(
  name: SimilarityName,
  input: SimilarityInput,
  opts: SimilarityOptions,
  rowStart: number,
  rowEnd: number,
  out: Float64Array,
): void {
  const { xRows, yRows } = input;
  const n = xRows.indptr.length - 1;
  if (out.length !== n * n) throw new InvalidParameterError(`similarity output has ${out.length} cells, need ${n * n}`);
  const k = similarityKernel(name, input, opts);
  if (k.kernel === 'msd') msdRows(xRows, yRows, n, k.minSupport, rowStart, rowEnd, out);
  else if (k.kernel === 'pearson') pearsonRows(xRows, yRows, n, k.minSupport, rowStart, rowEnd, out);
  else productRows(xRows, k.xValues, yRows, k.yValues, n, k.minSupport, k.shrinkage, rowStart, rowEnd, out);
}

/**
 * What a similarity kernel runs on once the options are checked: which of the three kernels, the values it reads
 * for the stored ratings of x rows and y rows (the ratings, or baseline residuals for pearson_baseline), the
 * effective minimum support and the shrinkage (negative: none). Shared by the JS kernels here and the WebAssembly
 * one (similarity-parallel.ts), so both compute from the very same numbers.
 *
 * @example
 * const k = similarityKernel('pearson_baseline', input, { minSupport: 1, shrinkage: 100, baselines });
 * k.kernel; // 'product'
 * k.minSupport; // 2
 */
export function similarityKernel(
  name: SimilarityName,
  input: SimilarityInput,
  opts: SimilarityOptions,
): SimilarityKernel {
  const { xRows, yRows } = input;
  if (!Number.isInteger(opts.minSupport) || opts.minSupport < 1)
    throw new InvalidParameterError(`similarity: minSupport must be an integer ≥ 1, got ${opts.minSupport}`);
  const plain = { xValues: xRows.values, yValues: yRows.values, minSupport: opts.minSupport, shrinkage: -1 };
  if (name === 'msd') return { kernel: 'msd', ...plain };
  if (name === 'pearson') return { kernel: 'pearson', ...plain };
  if (name === 'cosine')
    return {
      ...plain,
      kernel: 'product',
      xValues: Float64Array.from(xRows.values),
      yValues: Float64Array.from(yRows.values),
    };
  if (name === 'pearson_baseline') {
    const b = opts.baselines;
    if (!b) throw new InvalidParameterError('similarity "pearson_baseline" needs baselines');
    if (!(opts.shrinkage >= 0))
      throw new InvalidParameterError(`similarity: shrinkage must be ≥ 0, got ${opts.shrinkage}`);
    return {
      kernel: 'product',
      // Residuals of each stored rating: the kernel is then a shrunk cosine (Surprise computes them in the pair loop).
      xValues: residuals(xRows, b.mu, b.bx, b.by, true),
      yValues: residuals(yRows, b.mu, b.bx, b.by, false),
      // Surprise: "min_sprt = max(2, min_sprt)" because ρ is 0 at support 1 anyway.
      minSupport: Math.max(2, opts.minSupport),
      shrinkage: opts.shrinkage,
    };
  }
  throw new InvalidParameterError(`unknown similarity "${String(name)}"; valid: ${SIMILARITIES.join(', ')}`);
}

/**
 * The kernel inputs `similarityKernel` derives from a measure and its options.
 *
 * @example
 * const { kernel, minSupport } = similarityKernel('msd', input, opts); // 'msd', opts.minSupport
 */
export interface SimilarityKernel {
  /** msd and pearson read the ratings; `product` is the (shrunk) cosine of cosine and pearson_baseline. */
  kernel: 'msd' | 'pearson' | 'product';
  xValues: Float32Array | Float64Array;
  yValues: Float32Array | Float64Array;
  minSupport: number;
  /** `product` only: ρ·(f − 1)/(f − 1 + shrinkage) when ≥ 0; −1 for none. */
  shrinkage: number;
}

/** r − (μ + b_x + b_y) for every stored entry; `rowsAreX` says whether the CSR's rows index bx or by. */
function residuals(csr: Csr, mu: number, bx: Float64Array, by: Float64Array, rowsAreX: boolean): Float64Array {
  const { indptr, indices, values } = csr;
  const res = new Float64Array(values.length);
  const rows = indptr.length - 1;
  const rowBias = rowsAreX ? bx : by,
    colBias = rowsAreX ? by : bx;
  for (let r = 0; r < rows; r++) {
    const base = mu + rowBias[r];
    for (let p = indptr[r]; p < indptr[r + 1]; p++) res[p] = values[p] - (base + colBias[indices[p]]);
  }
  return res;
}

/** First position in indices[lo, hi) whose value is ≥ target (rows are sorted ascending). */
function lowerBound(indices: Int32Array, lo: number, hi: number, target: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indices[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Writes s into (a, b) and (b, a). */
function put(out: Float64Array, n: number, a: number, b: number, s: number): void {
  out[a * n + b] = s;
  out[b * n + a] = s;
}

function msdRows(
  x: Csr,
  y: Csr,
  n: number,
  minSupport: number,
  rowStart: number,
  rowEnd: number,
  out: Float64Array,
): void {
  const xp = x.indptr,
    xi = x.indices,
    xv = x.values;
  const yp = y.indptr,
    yi = y.indices,
    yv = y.values;
  const freq = new Int32Array(n),
    sq = new Float64Array(n);
  for (let a = rowStart; a < rowEnd; a++) {
    for (let p = xp[a]; p < xp[a + 1]; p++) {
      const col = xi[p],
        ra = xv[p],
        end = yp[col + 1];
      for (let q = lowerBound(yi, yp[col], end, a + 1); q < end; q++) {
        const b = yi[q];
        const d = ra - yv[q];
        sq[b] += d * d;
        freq[b]++;
      }
    }
    for (let b = a + 1; b < n; b++) {
      const f = freq[b];
      put(out, n, a, b, f >= minSupport ? 1 / (sq[b] / f + 1) : 0);
      freq[b] = 0;
      sq[b] = 0;
    }
  }
}

function pearsonRows(
  x: Csr,
  y: Csr,
  n: number,
  minSupport: number,
  rowStart: number,
  rowEnd: number,
  out: Float64Array,
): void {
  const xp = x.indptr,
    xi = x.indices,
    xv = x.values;
  const yp = y.indptr,
    yi = y.indices,
    yv = y.values;
  const freq = new Int32Array(n);
  const prods = new Float64Array(n),
    sa = new Float64Array(n),
    sb = new Float64Array(n),
    sqa = new Float64Array(n),
    sqb = new Float64Array(n);
  for (let a = rowStart; a < rowEnd; a++) {
    for (let p = xp[a]; p < xp[a + 1]; p++) {
      const col = xi[p],
        ra = xv[p],
        end = yp[col + 1];
      for (let q = lowerBound(yi, yp[col], end, a + 1); q < end; q++) {
        const b = yi[q],
          rb = yv[q];
        freq[b]++;
        prods[b] += ra * rb;
        sa[b] += ra;
        sb[b] += rb;
        sqa[b] += ra * ra;
        sqb[b] += rb * rb;
      }
    }
    for (let b = a + 1; b < n; b++) {
      const f = freq[b];
      let s = 0;
      if (f >= minSupport) {
        const num = f * prods[b] - sa[b] * sb[b];
        const den = Math.sqrt((f * sqa[b] - sa[b] * sa[b]) * (f * sqb[b] - sb[b] * sb[b]));
        s = den === 0 || den !== den ? 0 : num / den;
      }
      put(out, n, a, b, s);
      freq[b] = 0;
      prods[b] = sa[b] = sb[b] = sqa[b] = sqb[b] = 0;
    }
  }
}

/**
 * Cosine over the given values: plain ratings (shrinkage < 0 means none) or baseline residuals with Surprise's
 * pearson_baseline shrinkage (f − 1)/(f − 1 + shrinkage).
 */
function productRows(
  x: Csr,
  xv: Float32Array | Float64Array,
  y: Csr,
  yv: Float32Array | Float64Array,
  n: number,
  minSupport: number,
  shrinkage: number,
  rowStart: number,
  rowEnd: number,
  out: Float64Array,
): void {
  const xp = x.indptr,
    xi = x.indices;
  const yp = y.indptr,
    yi = y.indices;
  const freq = new Int32Array(n);
  const prods = new Float64Array(n),
    sqa = new Float64Array(n),
    sqb = new Float64Array(n);
  for (let a = rowStart; a < rowEnd; a++) {
    for (let p = xp[a]; p < xp[a + 1]; p++) {
      const col = xi[p],
        ra = xv[p],
        end = yp[col + 1];
      for (let q = lowerBound(yi, yp[col], end, a + 1); q < end; q++) {
        const b = yi[q],
          rb = yv[q];
        freq[b]++;
        prods[b] += ra * rb;
        sqa[b] += ra * ra;
        sqb[b] += rb * rb;
      }
    }
    for (let b = a + 1; b < n; b++) {
      const f = freq[b];
      let s = 0;
      if (f >= minSupport) {
        const den = Math.sqrt(sqa[b] * sqb[b]);
        s = den === 0 ? 0 : prods[b] / den;
        if (shrinkage >= 0) s *= (f - 1) / (f - 1 + shrinkage);
      }
      put(out, n, a, b, s);
      freq[b] = 0;
      prods[b] = sqa[b] = sqb[b] = 0;
    }
  }
}
