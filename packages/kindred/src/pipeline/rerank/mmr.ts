import type { Catalog } from '../catalog.js';
import type { RankedItem } from '../rank.js';

/**
 * Similarity of two item indices, in [0, 1] for the built-in measures. A measure may also offer `prepare`: given
 * the items MMR will compare, it gathers what it needs once (category sets, vector norms) and returns a
 * similarity over positions in that list, so the O(window · k) inner loop does no lookups.
 */
export type ItemSimilarity = ((a: number, b: number) => number) & {
  prepare?: (items: Int32Array) => (posA: number, posB: number) => number;
};

/**
 * Maximal Marginal Relevance (Carbonell & Goldstein 1998): greedily picks, among the best `window` items, the one
 * maximising λ·rel(i) − (1 − λ)·max_{s ∈ selected} sim(i, s), until `k` are picked; rel is the score min-maxed
 * over the window (1 when all equal). λ = 1 keeps the ranking; λ = 0 maximises novelty only. Ties keep the better-
 * ranked item. The picked items come first, then the rest of the window in ranking order, then the tail. Scores
 * are left as they were (the order carries the diversification). O(window · k) similarity calls.
 *
 * @example
 * mmr(items, 10, 0.5, categoryJaccard(catalog), 100);
 */
export function mmr(items: RankedItem[], k: number, lambda: number, sim: ItemSimilarity, window = 100): RankedItem[] {
  const W = Math.min(window, items.length);
  const K = Math.min(k, W);
  if (lambda >= 1 || K <= 1) return items;
  let min = Infinity,
    max = -Infinity;
  for (let p = 0; p < W; p++) {
    if (items[p].score < min) min = items[p].score;
    if (items[p].score > max) max = items[p].score;
  }
  const span = max - min;
  const rel = new Float64Array(W);
  for (let p = 0; p < W; p++) rel[p] = span > 0 ? (items[p].score - min) / span : 1;
  const ids = new Int32Array(W);
  for (let p = 0; p < W; p++) ids[p] = items[p].item;
  const simAt = sim.prepare ? sim.prepare(ids) : (pa: number, pb: number) => sim(ids[pa], ids[pb]);
  const maxSim = new Float64Array(W);
  const taken = new Uint8Array(W);
  const out: RankedItem[] = [];
  for (let step = 0; step < K; step++) {
    let best = -1,
      bestVal = -Infinity;
    for (let p = 0; p < W; p++) {
      if (taken[p]) continue;
      const v = lambda * rel[p] - (1 - lambda) * maxSim[p];
      if (v > bestVal) {
        bestVal = v;
        best = p;
      }
    }
    taken[best] = 1;
    out.push(items[best]);
    for (let p = 0; p < W; p++) {
      if (taken[p]) continue;
      const s = simAt(p, best);
      if (s > maxSim[p]) maxSim[p] = s;
    }
  }
  for (let p = 0; p < W; p++) if (!taken[p]) out.push(items[p]);
  for (let p = W; p < items.length; p++) out.push(items[p]);
  return out;
}

/**
 * Jaccard overlap of two items' category sets: |A ∩ B| / |A ∪ B| (0 when both are empty).
 *
 * @example
 * categoryJaccard(catalog)(a, b); // {x} vs {x, y} → 0.5
 */
export function categoryJaccard(catalog: Catalog): ItemSimilarity {
  const tags = catalog.categories;
  const sim: ItemSimilarity = (a, b) => {
    const na = tags.count(a),
      nb = tags.count(b);
    if (na === 0 && nb === 0) return 0;
    const inter = tags.overlap(a, b);
    return inter / (na + nb - inter);
  };
  // Gather the window's category sets into one local CSR, then merge-count on it.
  sim.prepare = (items) => {
    const W = items.length;
    const indptr = new Int32Array(W + 1);
    for (let p = 0; p < W; p++) indptr[p + 1] = indptr[p] + tags.count(items[p]);
    const cats = new Int32Array(indptr[W]);
    for (let p = 0; p < W; p++) cats.set(tags.get(items[p]), indptr[p]);
    return (pa, pb) => jaccardRange(cats, indptr[pa], indptr[pa + 1], indptr[pb], indptr[pb + 1]);
  };
  return sim;
}

function jaccardRange(c: Int32Array, a0: number, a1: number, b0: number, b1: number): number {
  const na = a1 - a0,
    nb = b1 - b0;
  if (na === 0 && nb === 0) return 0;
  let inter = 0;
  while (a0 < a1 && b0 < b1) {
    if (c[a0] === c[b0]) {
      inter++;
      a0++;
      b0++;
    } else if (c[a0] < c[b0]) a0++;
    else b0++;
  }
  return inter / (na + nb - inter);
}

/**
 * Cosine similarity of item vectors (row-major, `dim` floats per item, e.g. a factor model's item factors),
 * clipped at 0 so opposite items count as unrelated rather than as anti-redundant; 0 for zero or missing vectors.
 *
 * @example
 * const { itemFactors, factors } = svd.factorState();
 * mmr(items, 10, 0.7, vectorCosine(itemFactors, factors));
 */
export function vectorCosine(vectors: Float32Array, dim: number): ItemSimilarity {
  const nRows = Math.floor(vectors.length / dim);
  const sim: ItemSimilarity = (a, b) => {
    if (a >= nRows || b >= nRows) return 0;
    const ao = a * dim,
      bo = b * dim;
    let dot = 0,
      na = 0,
      nb = 0;
    for (let f = 0; f < dim; f++) {
      const x = vectors[ao + f],
        y = vectors[bo + f];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    if (!(na > 0) || !(nb > 0)) return 0;
    const c = dot / Math.sqrt(na * nb);
    return c > 0 ? c : 0;
  };
  // Norms of the window's vectors once; each pair then costs one dot product.
  sim.prepare = (items) => {
    const norms = new Float64Array(items.length);
    for (let p = 0; p < items.length; p++) {
      const i = items[p];
      if (i >= nRows) continue;
      let s = 0;
      for (let f = i * dim; f < (i + 1) * dim; f++) s += vectors[f] * vectors[f];
      norms[p] = Math.sqrt(s);
    }
    return (pa, pb) => {
      const a = items[pa],
        b = items[pb];
      if (!(norms[pa] > 0) || !(norms[pb] > 0)) return 0;
      const ao = a * dim,
        bo = b * dim;
      let dot = 0;
      for (let f = 0; f < dim; f++) dot += vectors[ao + f] * vectors[bo + f];
      const c = dot / (norms[pa] * norms[pb]);
      return c > 0 ? c : 0;
    };
  };
  return sim;
}
