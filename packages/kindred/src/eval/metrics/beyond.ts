import { InvalidParameterError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import type { BeyondContext, BeyondMetric, RecommendationLists } from './metric.js';

// Beyond-accuracy metrics look at the lists of all users together. Each takes an optional cut-off k: only the first
// k entries of each list count (the protocol builds lists as long as the largest k asked for). Worked examples below
// all use the lists [[0, 1, 2], [1, 2, 3], [2, 4]] over a catalogue of 10 items.

function listEnd(lists: RecommendationLists, r: number, k: number): number {
  const start = lists.indptr[r];
  return Math.min(lists.indptr[r + 1], start + k);
}

function nLists(lists: RecommendationLists): number {
  return lists.indptr.length - 1;
}

/** Exposure count of each item index over the first k entries of every list. */
function exposures(lists: RecommendationLists, k: number): Float64Array {
  let maxItem = -1;
  for (let p = 0; p < lists.items.length; p++) if (lists.items[p] > maxItem) maxItem = lists.items[p];
  const counts = new Float64Array(maxItem + 1);
  const m = nLists(lists);
  for (let r = 0; r < m; r++) {
    const end = listEnd(lists, r, k);
    for (let p = lists.indptr[r]; p < end; p++) counts[lists.items[p]]++;
  }
  return counts;
}

/**
 * Catalogue coverage@k = |⋃ᵤ top-k(u)| / catalogSize: the share of the catalogue recommended to at least one user
 * (Ge et al. 2010; Microsoft Recommenders `catalog_coverage`, whose catalogue is the items seen in training).
 *
 * Worked example: items {0, 1, 2, 3, 4} appear → 5/10 = 0.5; with k = 1 only {0, 1, 2} → 0.3.
 *
 * @example
 * const lists = { indptr: Int32Array.of(0, 3, 6, 8), items: Int32Array.of(0, 1, 2, 1, 2, 3, 2, 4) };
 * catalogCoverage(lists, 10);    // 0.5
 * catalogCoverage(lists, 10, 1); // 0.3
 */
export function catalogCoverage(lists: RecommendationLists, catalogSize: number, k = Infinity): number {
  if (!(catalogSize > 0)) throw new InvalidParameterError(`coverage: catalogSize must be positive, got ${catalogSize}`);
  const counts = exposures(lists, k);
  let distinct = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) distinct++;
  return distinct / catalogSize;
}

/**
 * Novelty = mean over every recommended entry of the item's self-information −log₂(pop(i) / |users|), where pop(i)
 * is the number of training users who interacted with i (Zhou et al. 2010; Microsoft Recommenders `novelty`).
 * Items never seen in training (pop 0, infinite information) are left out. 0 when nothing counts.
 *
 * Worked example: 8 training users, pop = [8, 4, 2, 1, 1, …] → information 0, 1, 2, 3, 3 bits for items 0–4; the
 * 8 entries carry 0+1+2 + 1+2+3 + 2+3 = 14 bits → 14/8 = 1.75.
 *
 * @example
 * novelty(lists, Int32Array.of(8, 4, 2, 1, 1, 0, 0, 0, 0, 0), 8); // 1.75
 */
export function novelty(
  lists: RecommendationLists,
  itemPopularity: ArrayLike<number>,
  nUsers: number,
  k = Infinity,
): number {
  if (!(nUsers > 0)) throw new InvalidParameterError(`novelty: nUsers must be positive, got ${nUsers}`);
  let sum = 0,
    n = 0;
  const m = nLists(lists);
  for (let r = 0; r < m; r++) {
    const end = listEnd(lists, r, k);
    for (let p = lists.indptr[r]; p < end; p++) {
      const i = lists.items[p];
      const pop = i < itemPopularity.length ? itemPopularity[i] : 0;
      if (pop > 0) {
        sum -= Math.log2(pop / nUsers);
        n++;
      }
    }
  }
  return n ? sum / n : 0;
}

/**
 * Intra-list diversity = mean over lists (with ≥ 2 entries) of the mean pairwise distance
 * 2 / (|L|(|L|−1)) · Σ_{a<b} d(L_a, L_b) (Ziegler et al. 2005, as 1 − intra-list similarity). The distance is
 * pluggable: `cosineDistance` on item vectors, or `incidenceCosineDistance` on the training data (Microsoft
 * Recommenders' default co-occurrence similarity).
 *
 * Worked example with 2-d item vectors 0:(1,0), 1:(0,1), 2:(1,1), 3:(1,0), 4:(−1,0) and d = 1 − cos:
 * list [0,1,2]: (1 + (1−1/√2) + (1−1/√2)) / 3 = 0.5285955; list [1,2,3]: the same; list [2,4]: 1 + 1/√2 = 1.7071068;
 * ILD = (2·0.5285955 + 1.7071068) / 3 = 0.9214326.
 *
 * @example
 * const d = cosineDistance(Float64Array.of(1, 0, 0, 1, 1, 1, 1, 0, -1, 0), 2);
 * intraListDiversity(lists, d); // 0.9214326...
 */
export function intraListDiversity(
  lists: RecommendationLists,
  distance: (a: number, b: number) => number,
  k = Infinity,
): number {
  let total = 0,
    counted = 0;
  const m = nLists(lists);
  for (let r = 0; r < m; r++) {
    const start = lists.indptr[r];
    const end = listEnd(lists, r, k);
    const len = end - start;
    if (len < 2) continue;
    let s = 0;
    for (let a = start; a < end; a++) for (let b = a + 1; b < end; b++) s += distance(lists.items[a], lists.items[b]);
    total += (2 * s) / (len * (len - 1));
    counted++;
  }
  return counted ? total / counted : 0;
}

/**
 * Gini index of exposure = Σ_{j=1..n} (2j − n − 1) x₍ⱼ₎ / (n Σⱼ x₍ⱼ₎), with x₍₁₎ ≤ … ≤ x₍ₙ₎ the number of times each
 * of the n = catalogSize items is recommended (items never recommended count 0). 0 when every item is shown equally,
 * → 1 when one item takes all exposure (RecBole `GiniIndex`; Castells et al., Recommender Systems Handbook).
 *
 * Worked example: exposures 1, 2, 3, 1, 1 for items 0–4 and 0 for the other 5; sorted [0,0,0,0,0,1,1,1,2,3], total 8:
 * Σ (2j − 11) x₍ⱼ₎ = 1·1 + 3·1 + 5·1 + 7·2 + 9·3 = 50 → 50 / (10 · 8) = 0.625.
 *
 * @example
 * giniIndex(lists, 10); // 0.625
 */
export function giniIndex(lists: RecommendationLists, catalogSize: number, k = Infinity): number {
  const counts = exposures(lists, k);
  const nonzero: number[] = [];
  let total = 0;
  for (let i = 0; i < counts.length; i++)
    if (counts[i] > 0) {
      nonzero.push(counts[i]);
      total += counts[i];
    }
  if (!total) return 0;
  const sorted = Float64Array.from(nonzero).sort();
  // A model may recommend items outside the stated catalogue; never let n fall below what was actually shown.
  const n = Math.max(catalogSize, sorted.length);
  const offset = n - sorted.length; // the never-recommended items fill positions 1..offset with 0
  let s = 0;
  for (let q = 0; q < sorted.length; q++) {
    const j = offset + q + 1;
    s += (2 * j - n - 1) * sorted[q];
  }
  return s / (n * total);
}

/**
 * d(a, b) = 1 − cos(v_a, v_b) over row-major item vectors (`dim` numbers per item); a zero vector is at distance 1
 * from everything. Norms are computed once.
 *
 * @example
 * const d = cosineDistance(Float64Array.of(1, 0, 0, 1), 2);
 * d(0, 1); // 1
 */
export function cosineDistance(vectors: Float32Array | Float64Array, dim: number): (a: number, b: number) => number {
  if (!Number.isInteger(dim) || dim < 1 || vectors.length % dim !== 0)
    throw new InvalidParameterError(`cosineDistance: ${vectors.length} numbers do not split into vectors of ${dim}`);
  const n = vectors.length / dim;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[i * dim + d] * vectors[i * dim + d];
    norms[i] = Math.sqrt(s);
  }
  return (a: number, b: number): number => {
    const na = norms[a],
      nb = norms[b];
    if (!(na > 0 && nb > 0)) return 1;
    let dot = 0;
    const oa = a * dim,
      ob = b * dim;
    for (let d = 0; d < dim; d++) dot += vectors[oa + d] * vectors[ob + d];
    return 1 - dot / (na * nb);
  };
}

/**
 * d(a, b) = 1 − |U_a ∩ U_b| / √(|U_a| |U_b|), where U_i is the set of training users of item i: one minus the cosine
 * of the items' binary user vectors (Microsoft Recommenders' default `item_cooccurrence_count` similarity). Items
 * without training users are at distance 1. Intersections merge the sorted CSC columns.
 *
 * @example
 * const d = incidenceCosineDistance(train);
 * d(0, 1); // 1 − co-occurrence / √(count₀ · count₁)
 */
export function incidenceCosineDistance(train: Interactions): (a: number, b: number) => number {
  const csc = train.byItem();
  const { indptr, indices } = csc;
  const nItems = indptr.length - 1;
  // Distinct users per item (duplicate rows of a pair would otherwise count twice).
  const distinct = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let c = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) if (p === indptr[i] || indices[p] !== indices[p - 1]) c++;
    distinct[i] = c;
  }
  // Lists of many users share pairs (popular items above all), so distances are memoised; the cache is bounded so
  // a huge catalogue cannot exhaust memory.
  const cache = new Map<number, number>();
  const maxCache = 1 << 20;
  return (a: number, b: number): number => {
    if (a >= nItems || b >= nItems || !(distinct[a] > 0 && distinct[b] > 0)) return 1;
    const key = a < b ? a * nItems + b : b * nItems + a;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let p = indptr[a],
      q = indptr[b],
      common = 0,
      last = -1;
    const pe = indptr[a + 1],
      qe = indptr[b + 1];
    while (p < pe && q < qe) {
      const x = indices[p],
        y = indices[q];
      if (x < y) p++;
      else if (x > y) q++;
      else {
        if (x !== last) common++;
        last = x;
        p++;
        q++;
      }
    }
    const d = 1 - common / Math.sqrt(distinct[a] * distinct[b]);
    if (cache.size >= maxCache) cache.clear();
    cache.set(key, d);
    return d;
  };
}

function suffix(base: string, k: number | undefined): string {
  return k === undefined || k === Infinity ? base : `${base}@${k}`;
}

function checkK(base: string, k: number | undefined): void {
  if (k !== undefined && (!Number.isInteger(k) || k < 1))
    throw new InvalidParameterError(`${base}: k must be a positive integer, got ${k}`);
}

/**
 * Catalogue coverage as a metric value (`'coverage@k'`; `'coverage'` over whole lists).
 *
 * @example
 * coverageMetric(10).compute(lists, { catalogSize: 1682 });
 */
export function coverageMetric(k?: number): BeyondMetric {
  checkK('coverage', k);
  return Object.freeze({
    name: suffix('coverage', k),
    base: 'coverage',
    kind: 'beyond',
    k,
    higherIsBetter: true,
    description: 'share of the catalogue recommended to at least one user',
    compute: (lists: RecommendationLists, ctx: BeyondContext) => catalogCoverage(lists, ctx.catalogSize, k),
  });
}

/**
 * Novelty as a metric value (`'novelty@k'`); needs `itemPopularity` and `nUsers` in the context.
 *
 * @example
 * noveltyMetric(10).compute(lists, { catalogSize: 10, itemPopularity: train.itemCounts(), nUsers: 943 });
 */
export function noveltyMetric(k?: number): BeyondMetric {
  checkK('novelty', k);
  return Object.freeze({
    name: suffix('novelty', k),
    base: 'novelty',
    kind: 'beyond',
    k,
    higherIsBetter: true,
    description: 'mean self-information −log2(pop(i)/|users|) of recommended items, in bits',
    compute: (lists: RecommendationLists, ctx: BeyondContext) => {
      if (!ctx.itemPopularity || ctx.nUsers === undefined)
        throw new InvalidParameterError('novelty needs itemPopularity and nUsers from the training data');
      return novelty(lists, ctx.itemPopularity, ctx.nUsers, k);
    },
  });
}

/**
 * Intra-list diversity as a metric value (`'diversity@k'`); needs `distance` in the context.
 *
 * @example
 * diversityMetric(10).compute(lists, { catalogSize: 10, distance: incidenceCosineDistance(train) });
 */
export function diversityMetric(k?: number): BeyondMetric {
  checkK('diversity', k);
  return Object.freeze({
    name: suffix('diversity', k),
    base: 'diversity',
    kind: 'beyond',
    k,
    higherIsBetter: true,
    description: 'mean pairwise distance between the items of a list, averaged over lists',
    compute: (lists: RecommendationLists, ctx: BeyondContext) => {
      if (!ctx.distance) throw new InvalidParameterError('diversity needs an item distance');
      return intraListDiversity(lists, ctx.distance, k);
    },
  });
}

/**
 * Gini index of exposure as a metric value (`'gini@k'`); lower means exposure is spread more evenly.
 *
 * @example
 * giniMetric(10).compute(lists, { catalogSize: 10 }); // 0.625 for the worked example
 */
export function giniMetric(k?: number): BeyondMetric {
  checkK('gini', k);
  return Object.freeze({
    name: suffix('gini', k),
    base: 'gini',
    kind: 'beyond',
    k,
    higherIsBetter: false,
    description: 'Gini index of how often each catalogue item is recommended (0 = even exposure)',
    compute: (lists: RecommendationLists, ctx: BeyondContext) => giniIndex(lists, ctx.catalogSize, k),
  });
}
