/** The k best entries of a score vector, best first. */
export interface TopK {
  indices: Int32Array;
  scores: Float32Array;
}

/**
 * Partial top-k selection with a bounded min-heap on typed arrays: O(n log k), no sort of the whole vector, no
 * per-element objects. Entries whose score is not finite (e.g. -Infinity for "cannot score") or for which
 * `exclude(i)` is true are skipped. Ties keep the lower index first, so results are deterministic.
 *
 * @example
 * topK(new Float32Array([0.1, 0.9, 0.5]), 2); // { indices: [1, 2], scores: [0.9, 0.5] }
 */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  exclude?: ((index: number) => boolean) | null,
  candidates?: ArrayLike<number> | null,
): TopK {
  const n = candidates ? candidates.length : scores.length;
  const cap = Math.max(0, Math.min(k, n));
  const heapIdx = new Int32Array(cap);
  const heapVal = new Float64Array(cap);
  let size = 0;
  // Once the heap is full, entries below its worst score are rejected by one comparison (which NaN fails too):
  // the common case of a whole-catalogue scan. `exclude` is asked only about entries that would enter.
  let floor = -Infinity;
  for (let c = 0; c < n; c++) {
    const i = candidates ? candidates[c] : c;
    const s = scores[i];
    if (!(s >= floor) || s === -Infinity || s === Infinity) continue;
    if (size === cap && (cap === 0 || !worse(heapVal[0], heapIdx[0], s, i))) continue;
    if (exclude && exclude(i)) continue;
    if (size < cap) {
      // Sift up.
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (worse(heapVal[parent], heapIdx[parent], s, i)) break;
        heapVal[pos] = heapVal[parent];
        heapIdx[pos] = heapIdx[parent];
        pos = parent;
      }
      heapVal[pos] = s;
      heapIdx[pos] = i;
    } else {
      siftDown(heapVal, heapIdx, size, s, i);
    }
    if (size === cap) floor = heapVal[0];
  }
  // Pop the heap from worst to best into the output, back to front.
  const indices = new Int32Array(size);
  const out = new Float32Array(size);
  for (let end = size; end > 0; end--) {
    indices[end - 1] = heapIdx[0];
    out[end - 1] = heapVal[0];
    const lastV = heapVal[end - 1],
      lastI = heapIdx[end - 1];
    siftDown(heapVal, heapIdx, end - 1, lastV, lastI);
  }
  return { indices, scores: out };
}

/** True when (va, ia) ranks below (vb, ib): lower score, or equal score and higher index. */
function worse(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}

function siftDown(vals: Float64Array, idx: Int32Array, size: number, v: number, i: number): void {
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= size) break;
    const r = l + 1;
    let child = l;
    if (r < size && worse(vals[r], idx[r], vals[l], idx[l])) child = r;
    if (!worse(vals[child], idx[child], v, i)) break;
    vals[pos] = vals[child];
    idx[pos] = idx[child];
    pos = child;
  }
  if (size > 0) {
    vals[pos] = v;
    idx[pos] = i;
  }
}
