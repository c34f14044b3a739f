import type { Recommender } from '../models/recommender.js';
import { NotSupportedError } from '../errors.js';

/** The `k` nearest neighbours of item index `item`, best first (indices in the catalog's index space). */
export type NeighbourFn = (item: number, k: number) => { indices: Int32Array; scores: Float32Array };

const NONE = { indices: new Int32Array(0), scores: new Float32Array(0) };

/**
 * Neighbours from a model's `similarItems` (cosine of factors for factor models, the similarity matrix for
 * item-based kNN). Items the model does not know have no neighbours. A model's similarItems scans every item, so
 * wrap this in `cachedNeighbours` or precompute a `NeighbourIndex` for serving.
 *
 * @example
 * const nb = modelNeighbours(createModel('svd').fit(train));
 * nb(3, 10).indices; // the 10 items closest to item 3
 */
export function modelNeighbours(model: Recommender): NeighbourFn {
  return (item, k) => {
    if (!model.knownItem(item)) return NONE;
    try {
      const r = model.similarItems(model.training.itemIds.id(item), k);
      return { indices: r.indices, scores: r.scores };
    } catch (e) {
      if (e instanceof NotSupportedError) return NONE;
      throw e;
    }
  };
}

/**
 * Memoises a neighbour function for the last `capacity` items asked (least recently used out), so a user's recent
 * positives, which repeat across requests, cost one scan each.
 *
 * @example
 * const nb = cachedNeighbours(modelNeighbours(model), 10_000);
 */
export function cachedNeighbours(fn: NeighbourFn, capacity = 10_000): NeighbourFn {
  const cache = new Map<number, { k: number; r: ReturnType<NeighbourFn> }>();
  return (item, k) => {
    const hit = cache.get(item);
    if (hit && hit.k >= k) {
      cache.delete(item);
      cache.set(item, hit);
      return hit.r.indices.length > k
        ? { indices: hit.r.indices.subarray(0, k), scores: hit.r.scores.subarray(0, k) }
        : hit.r;
    }
    const r = fn(item, k);
    cache.delete(item);
    cache.set(item, { k, r });
    if (cache.size > capacity) cache.delete(cache.keys().next().value as number);
    return r;
  };
}

/**
 * Precomputed top-K neighbours of every item in CSR form (built offline, e.g. by a training job): serving reads a
 * subarray, no allocation.
 *
 * @example
 * const index = NeighbourIndex.build(catalog.size, 50, modelNeighbours(model));
 * const nb = index.fn();
 */
export class NeighbourIndex {
  constructor(
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly scores: Float32Array,
  ) {}

  /** Calls `source` once per item 0..nItems-1 and keeps its top `k`. */
  static build(nItems: number, k: number, source: NeighbourFn): NeighbourIndex {
    const rows: ReturnType<NeighbourFn>[] = [];
    const indptr = new Int32Array(nItems + 1);
    for (let i = 0; i < nItems; i++) {
      const r = source(i, k);
      rows.push(r);
      indptr[i + 1] = indptr[i] + Math.min(k, r.indices.length);
    }
    const indices = new Int32Array(indptr[nItems]),
      scores = new Float32Array(indptr[nItems]);
    for (let i = 0; i < nItems; i++) {
      const len = indptr[i + 1] - indptr[i];
      indices.set(rows[i].indices.subarray(0, len), indptr[i]);
      scores.set(rows[i].scores.subarray(0, len), indptr[i]);
    }
    return new NeighbourIndex(indptr, indices, scores);
  }

  /** The index as a NeighbourFn (views into the CSR arrays). */
  fn(): NeighbourFn {
    return (item, k) => {
      if (item < 0 || item + 1 >= this.indptr.length) return NONE;
      const a = this.indptr[item],
        b = Math.min(this.indptr[item + 1], a + k);
      return { indices: this.indices.subarray(a, b), scores: this.scores.subarray(a, b) };
    };
  }
}
