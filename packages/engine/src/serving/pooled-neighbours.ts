import { FactorScorer, topK, type FactorModel, type NeighbourFn } from 'kindred';

const NONE = { indices: new Int32Array(0), scores: new Float32Array(0) };

/**
 * Item neighbours of a factor model by cosine of item factors, searched among the `poolSize` items with the most
 * training interactions instead of the whole catalogue. `similarItems` scans every item (50k items × 64 factors ≈
 * 3M multiply-adds, several ms per positive in JS), and item-to-item runs it for each of a user's recent
 * positives; restricted to a popularity pool the scan is catalogue/pool times cheaper, and the neighbours a
 * recommendation list can use are mostly there anyway (long-tail items still come from the model's own top-N).
 *
 * @example
 * const nb = cachedNeighbours(pooledFactorNeighbours(als, 5000), 50_000);
 * nb(3, 30).indices; // up to 30 pool items closest to item 3
 */
export function pooledFactorNeighbours(model: FactorModel, poolSize: number): NeighbourFn {
  const { factors: F, itemFactors: Y } = model.factorState();
  const counts = model.training.itemCounts;
  const nItems = model.training.nItems;
  const pool = topK(
    Float64Array.from(counts, (c) => (c > 0 ? c : -Infinity)),
    Math.min(poolSize, nItems),
  ).indices;
  const norms = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) norms[i] = rowNorm(Y, i, F);
  // Unit rows of the pool behind one SIMD scorer: a cosine query is then one pass of dot products.
  const unit = new Float32Array(pool.length * F);
  for (let p = 0; p < pool.length; p++) {
    const j = pool[p];
    if (norms[j] > 0) for (let f = 0; f < F; f++) unit[p * F + f] = Y[j * F + f] / norms[j];
  }
  const scorer = FactorScorer.create(unit, F, null);
  const slotOf = new Map<number, number>();
  const zeroSlots: number[] = [];
  for (let p = 0; p < pool.length; p++) {
    slotOf.set(pool[p], p);
    if (!(norms[pool[p]] > 0)) zeroSlots.push(p);
  }
  const query = new Float32Array(F);
  const sims = new Float32Array(pool.length);
  return (item, k) => {
    if (item < 0 || item >= nItems || !(norms[item] > 0)) return NONE;
    for (let f = 0; f < F; f++) query[f] = Y[item * F + f] / norms[item];
    scorer.score(query, 0, sims);
    // The item itself and zero vectors are not neighbours (topK skips -Infinity).
    const self = slotOf.get(item);
    if (self !== undefined) sims[self] = -Infinity;
    for (const p of zeroSlots) sims[p] = -Infinity;
    const top = topK(sims, k);
    return { indices: Int32Array.from(top.indices, (p) => pool[p]), scores: top.scores };
  };
}

function rowNorm(Y: Float32Array, i: number, F: number): number {
  let s = 0;
  for (let f = i * F; f < (i + 1) * F; f++) s += Y[f] * Y[f];
  return Math.sqrt(s);
}
