/**
 * Each row's kept neighbours, best first (highest similarity, ties by lower index): a sparse CSR matrix.
 *
 * @example
 * const { indptr, indices, values }: NeighbourLists = allPairsTopK(rows, cols, 50);
 */
export interface NeighbourLists {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Weighted entries of a sparse matrix in row-major order; column indices ascending within a row, no repeats.
 *
 * @example
 * const rows: WeightedCsr = { indptr: csr.indptr, indices: csr.indices, weights: bm25Weights(csr, nUsers, 1.2, 0.75) };
 */
export interface WeightedCsr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array;
}

/**
 * Options of `allPairsTopK`.
 *
 * @example
 * allPairsTopK(rows, cols, 50, { norms, shrinkage: 10 }); // dot / (‖a‖·‖b‖ + 10)
 */
export interface AllPairsOptions {
  /**
   * Let a row be one of its own neighbours (default false). implicit's `all_pairs_knn` does (its K includes the
   * item itself, so it keeps K − 1 other items); true reproduces it exactly.
   */
  includeSelf?: boolean;
  /** With norms, similarity = dot / (‖a‖·‖b‖ + shrinkage) (weights must then be unnormalised). */
  norms?: Float64Array | null;
  shrinkage?: number;
}

/**
 * The k most similar rows of every row of a sparse weighted matrix A (rows × columns), similarity being the dot
 * product of weighted rows: the k largest entries of each row of A·Aᵀ, zeros left out. Sparse kernel in the manner of
 * implicit's `all_pairs_knn` (SMMP, Bank & Douglas 1993): for row d, walk its columns t and, for each, the rows that
 * share t (`byColumn`, the same entries grouped by column), accumulating w(d,t)·w(e,t) into a dense accumulator.
 * Unlike implicit, each pair is computed once: A·Aᵀ is symmetric, so row d only accumulates rows e ≥ d (the tail of
 * each sorted column after d) and offers the result to the bounded heaps of both d and e. Half the multiply-adds of
 * O(Σ_t nnz(t)²), O(rows·k) memory, never a dense rows × rows matrix.
 *
 * @example
 * // Item-item neighbours of weighted item×user rows:
 * const lists = allPairsTopK(itemRows, userRows, 50);
 * lists.indices.subarray(lists.indptr[i], lists.indptr[i + 1]); // item i's neighbours, best first
 */
export function allPairsTopK(
  byRow: WeightedCsr,
  byColumn: WeightedCsr,
  k: number,
  opts: AllPairsOptions = {},
): NeighbourLists {
  const n = byRow.indptr.length - 1;
  const cap = Math.max(0, Math.min(k, n));
  const heaps = new RowHeaps(n, cap);
  const from = columnPositions(byRow, byColumn);
  const selfOffset = opts.includeSelf ? 0 : 1;
  const norms = opts.norms ?? null;
  const shrinkage = opts.shrinkage ?? 0;
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const bar = heaps.bar;
  const { indptr: rp, indices: ri, weights: rw } = byRow;
  const { indptr: cp, indices: ci, weights: cw } = byColumn;
  for (let d = 0; d < n; d++) {
    // Rows with much work per candidate accumulate without bookkeeping and then scan e in [d, n) for non-zeros;
    // sparse rows track the rows they touch (a branch per multiply-add, but no scan).
    let work = 0;
    for (let p = rp[d]; p < rp[d + 1]; p++) work += cp[ri[p] + 1] - from[p];
    let nTouched = 0;
    if (2 * work >= n - d) {
      for (let p = rp[d], pEnd = rp[d + 1]; p < pEnd; p++) {
        const w = rw[p];
        for (let q = from[p] + selfOffset, qEnd = cp[ri[p] + 1]; q < qEnd; q++) acc[ci[q]] += w * cw[q];
      }
      for (let e = d; e < n; e++) if (acc[e] !== 0) touched[nTouched++] = e;
    } else {
      for (let p = rp[d], pEnd = rp[d + 1]; p < pEnd; p++) {
        const w = rw[p];
        for (let q = from[p] + selfOffset, qEnd = cp[ri[p] + 1]; q < qEnd; q++) {
          const e = ci[q];
          if (stamp[e] !== d) {
            stamp[e] = d;
            touched[nTouched++] = e;
          }
          acc[e] += w * cw[q];
        }
      }
    }
    for (let c = 0; c < nTouched; c++) {
      const e = touched[c];
      let s = acc[e];
      acc[e] = 0;
      if (norms) {
        const den = norms[d] * norms[e] + shrinkage;
        s = den > 0 ? s / den : 0;
      }
      if (s === 0 || s !== s) continue;
      if (e === d) {
        if (selfOffset === 0) heaps.offer(d, s, d);
        continue;
      }
      // Most offers lose to a full heap's worst entry: test that here, on a small array, before the call.
      if (s >= bar[d]) heaps.offer(d, s, e);
      if (s >= bar[e]) heaps.offer(e, s, d);
    }
  }
  return heaps.toLists();
}

/** For each entry p of `byRow` (row d, column t), the position of d within column t of `byColumn`. */
function columnPositions(byRow: WeightedCsr, byColumn: WeightedCsr): Int32Array {
  const n = byRow.indptr.length - 1;
  const out = new Int32Array(byRow.indices.length);
  const { indptr: cp, indices: ci } = byColumn;
  for (let d = 0; d < n; d++)
    for (let p = byRow.indptr[d]; p < byRow.indptr[d + 1]; p++) {
      const t = byRow.indices[p];
      let lo = cp[t],
        hi = cp[t + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ci[mid] < d) lo = mid + 1;
        else hi = mid;
      }
      out[p] = lo;
    }
  return out;
}

/**
 * One bounded min-heap of capacity k per row, in flat typed arrays: keeps each row's k best (score, index) pairs,
 * "better" meaning a higher score, or the same score and a lower index (deterministic whatever the offer order).
 */
class RowHeaps {
  /** Row r's heap is [r·k, r·k + size[r]); its root (the worst kept entry) at r·k. */
  private readonly vals: Float64Array;
  private readonly idx: Int32Array;
  private readonly size: Int32Array;
  /** The score an offer to row r must reach: −∞ until the heap is full, then its root's score (ties compare indices). */
  readonly bar: Float64Array;

  constructor(
    private readonly n: number,
    private readonly k: number,
  ) {
    this.vals = new Float64Array(n * k);
    this.idx = new Int32Array(n * k);
    this.size = new Int32Array(n);
    this.bar = new Float64Array(n).fill(k > 0 ? -Infinity : Infinity);
  }

  offer(row: number, v: number, i: number): void {
    const k = this.k;
    if (k === 0) return;
    const base = row * k,
      vals = this.vals,
      idx = this.idx;
    const size = this.size[row];
    if (size < k) {
      let pos = size;
      this.size[row] = size + 1;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (worse(vals[base + parent], idx[base + parent], v, i)) break;
        vals[base + pos] = vals[base + parent];
        idx[base + pos] = idx[base + parent];
        pos = parent;
      }
      vals[base + pos] = v;
      idx[base + pos] = i;
      if (size + 1 === k) this.bar[row] = vals[base];
    } else if (worse(vals[base], idx[base], v, i)) {
      siftDown(vals, idx, base, k, v, i);
      this.bar[row] = vals[base];
    }
  }

  /** The heaps as CSR rows, best first. */
  toLists(): NeighbourLists {
    const { n, k, vals, idx, size } = this;
    const indptr = new Int32Array(n + 1);
    for (let r = 0; r < n; r++) indptr[r + 1] = indptr[r] + size[r];
    const indices = new Int32Array(indptr[n]);
    const values = new Float32Array(indptr[n]);
    for (let r = 0; r < n; r++) {
      const base = r * k;
      // Pop the worst into the last free slot until the heap is empty.
      for (let end = size[r]; end > 0; end--) {
        indices[indptr[r] + end - 1] = idx[base];
        values[indptr[r] + end - 1] = vals[base];
        siftDown(vals, idx, base, end - 1, vals[base + end - 1], idx[base + end - 1]);
      }
    }
    return { indptr, indices, values };
  }
}

/** True when (va, ia) ranks below (vb, ib). */
function worse(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}

/** Places (v, i) at the root of the heap [base, base + size) and sifts it down. */
function siftDown(vals: Float64Array, idx: Int32Array, base: number, size: number, v: number, i: number): void {
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= size) break;
    let child = l;
    if (l + 1 < size && worse(vals[base + l + 1], idx[base + l + 1], vals[base + l], idx[base + l])) child = l + 1;
    if (!worse(vals[base + child], idx[base + child], v, i)) break;
    vals[base + pos] = vals[base + child];
    idx[base + pos] = idx[base + child];
    pos = child;
  }
  if (size > 0) {
    vals[base + pos] = v;
    idx[base + pos] = i;
  }
}
