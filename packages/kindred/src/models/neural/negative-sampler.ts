// Uniform negative sampling over the items a user has NOT interacted with (NCF's "uniformly sample negative instances
// from unobserved interactions", He et al. 2017 §4.1), exactly and without rejection: with the user's items sorted and
// distinct, a[0] < a[1] < …, there are a[k] − k non-members below a[k], so the r-th non-member (r uniform in
// [0, nItems − deg)) is r + (number of members whose a[k] − k ≤ r), found by binary search. One random draw per
// sample, O(log deg), and it terminates even for a user who has almost every item (rejection sampling would spin).
import type { Rng } from '../../math/rng.js';

/**
 * Draws items uniformly from the complement of each user's item set (CSR rows).
 *
 * @example
 * const sampler = new NegativeSampler(s.seenIndptr, s.seenIndices, s.nItems);
 * const j = sampler.sample(u, rng); // an item u never interacted with, or −1 when u has every item
 */
export class NegativeSampler {
  private readonly indptr: Int32Array;
  private readonly items: Int32Array;

  constructor(
    indptr: Int32Array,
    indices: Int32Array,
    readonly nItems: number,
  ) {
    // A sorted, duplicate-free copy of every row: the counting argument needs distinct members.
    const rows = indptr.length - 1;
    this.indptr = new Int32Array(rows + 1);
    this.items = new Int32Array(indices.length);
    let k = 0;
    for (let u = 0; u < rows; u++) {
      const row = indices.slice(indptr[u], indptr[u + 1]).sort();
      for (let q = 0; q < row.length; q++)
        if ((q === 0 || row[q] !== row[q - 1]) && row[q] >= 0 && row[q] < nItems) this.items[k++] = row[q];
      this.indptr[u + 1] = k;
    }
  }

  /** An item index user `u` has no row for, uniform over all such items; −1 when there is none. */
  sample(u: number, rng: Rng): number {
    const lo = u >= 0 && u < this.indptr.length - 1 ? this.indptr[u] : 0;
    const hi = u >= 0 && u < this.indptr.length - 1 ? this.indptr[u + 1] : 0;
    const free = this.nItems - (hi - lo);
    if (free <= 0) return -1;
    const r = rng.int(free);
    // Members k (0-based in the row) with a[k] − k ≤ r form a prefix: count it.
    let a = 0,
      b = hi - lo;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.items[lo + m] - m <= r) a = m + 1;
      else b = m;
    }
    return r + a;
  }
}
