/**
 * Neighbour candidates of one prediction, in typed arrays reused across calls (no allocation per predict), and an
 * O(n) selection of the k largest similarities that keeps Surprise's tie rule: `heapq.nlargest` keeps the earlier
 * of equal keys, and candidates are pushed in ascending position, so the earlier entries of equal similarity win.
 *
 * Why not a bounded heap: on MovieLens the similarity of a candidate tends to grow with its index (rarely active
 * users get extreme MSD values and late first appearances), so a k-heap fed in index order replaced its root for
 * more than half of the candidates. Quickselect on a copy costs a few linear passes whatever the order.
 *
 * @example
 * const nb = new NeighbourBuffer(100);
 * nb.clear();
 * nb.push(0.5, 0); nb.push(0.9, 1); nb.push(0.7, 2);
 * nb.keepLargest(2); // 2: positions [1, 2] with similarities [0.9, 0.7], in push order
 */
export class NeighbourBuffer {
  readonly sims: Float64Array;
  readonly positions: Int32Array;
  private readonly scratch: Float64Array;
  count = 0;

  /** `capacity`: the most candidates one prediction can have (the longest row). */
  constructor(readonly capacity: number) {
    this.sims = new Float64Array(capacity);
    this.positions = new Int32Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  push(sim: number, pos: number): void {
    const c = this.count++;
    this.sims[c] = sim;
    this.positions[c] = pos;
  }

  /** Keeps the k largest similarities (earlier entries first among equals), in push order; returns the new count. */
  keepLargest(k: number): number {
    const n = this.count;
    if (n <= k) return n;
    if (k <= 0) return (this.count = 0);
    const sims = this.sims,
      positions = this.positions,
      scratch = this.scratch;
    for (let r = 0; r < n; r++) scratch[r] = sims[r];
    // The k-th largest is the (n − k)-th smallest (0-based); quickselect leaves the k largest in scratch[n−k..n).
    const threshold = kthSmallest(scratch, n, n - k);
    let above = 0;
    for (let r = n - k + 1; r < n; r++) if (scratch[r] > threshold) above++;
    let ties = k - above;
    let w = 0;
    for (let r = 0; r < n; r++) {
      const s = sims[r];
      if (s > threshold || (s === threshold && ties-- > 0)) {
        sims[w] = s;
        positions[w] = positions[r];
        w++;
      }
    }
    return (this.count = w);
  }
}

/** Value of rank `kth` (0-based, ascending) of a[0..n), partially reordering `a` (Hoare/Wirth quickselect). */
function kthSmallest(a: Float64Array, n: number, kth: number): number {
  let lo = 0,
    hi = n - 1;
  while (hi > lo) {
    // Median of three: deterministic and safe on sorted input.
    const x = a[lo],
      y = a[(lo + hi) >>> 1],
      z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] ≤ pivot ≤ a[i..hi], and everything strictly between j and i equals the pivot.
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return a[kth];
  }
  return a[kth];
}
