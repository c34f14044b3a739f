import { topK, type FactorModel, type NeighbourFn } from 'kindred';

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
  const sims = new Float32Array(pool.length);
  return (item, k) => {
    if (item < 0 || item >= nItems || !(norms[item] > 0)) return NONE;
    cosineToPool(Y, F, item, norms, pool, sims);
    const top = topK(sims, k);
    return { indices: Int32Array.from(top.indices, (p) => pool[p]), scores: top.scores };
  };
}

function rowNorm(Y: Float32Array, i: number, F: number): number {
  let s = 0;
  for (let f = i * F; f < (i + 1) * F; f++) s += Y[f] * Y[f];
  return Math.sqrt(s);
}

/** sims[p] = cos(y_item, y_pool[p]); the item itself and zero vectors get -Infinity (skipped by topK). */
function cosineToPool(
  Y: Float32Array,
  F: number,
  item: number,
  norms: Float64Array,
  pool: Int32Array,
  sims: Float32Array,
): void {
  const q = Float64Array.from(Y.subarray(item * F, (item + 1) * F));
  const nq = norms[item];
  for (let p = 0; p < pool.length; p++) {
    const j = pool[p];
    const nj = norms[j];
    if (j === item || !(nj > 0)) {
      sims[p] = -Infinity;
      continue;
    }
    const o = j * F;
    let s = 0;
    for (let f = 0; f < F; f++) s += q[f] * Y[o + f];
    sims[p] = s / (nq * nj);
  }
}
