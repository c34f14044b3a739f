import { InvalidParameterError } from '../../errors.js';
import { relevantPosition, type FullScores, type RankingMetric, type Relevance } from './metric.js';

// Every function here scores ONE user. `ranked` holds item indices, best first; only its first k entries count (a
// shorter list simply has fewer hits). `relevant.items` is sorted ascending. A user without relevant items scores 0
// (protocols skip such users, as Microsoft Recommenders and Cornac do). Worked examples below all use
//   ranked = [5, 1, 3, 8, 2], relevant = {1, 3, 9}  → hits at ranks 2 (item 1) and 3 (item 3).

function checkK(name: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InvalidParameterError(`${name}: k must be a positive integer, got ${k}`);
}

function hitsAtK(ranked: Int32Array, items: Int32Array, k: number): number {
  const n = Math.min(k, ranked.length);
  let hits = 0;
  for (let r = 0; r < n; r++) if (relevantPosition(items, ranked[r]) >= 0) hits++;
  return hits;
}

/**
 * Precision@k = |top-k ∩ relevant| / k (the denominator is k even when the list is shorter, as in Microsoft
 * Recommenders `precision_at_k`).
 *
 * Worked example: 2 hits in the top 5 → 2/5 = 0.4.
 *
 * @example
 * precisionAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 5); // 0.4
 */
export function precisionAtK(ranked: Int32Array, relevant: Relevance, k: number): number {
  return hitsAtK(ranked, relevant.items, k) / k;
}

/**
 * Recall@k = |top-k ∩ relevant| / |relevant|.
 *
 * Worked example: 2 of the 3 relevant items are in the top 5 → 2/3.
 *
 * @example
 * recallAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 5); // 0.6666666666666666
 */
export function recallAtK(ranked: Int32Array, relevant: Relevance, k: number): number {
  const n = relevant.items.length;
  return n ? hitsAtK(ranked, relevant.items, k) / n : 0;
}

/**
 * Hit rate@k = 1 when at least one relevant item is in the top k, else 0.
 *
 * Worked example: item 1 at rank 2 is relevant → 1; with k = 1 (only item 5) → 0.
 *
 * @example
 * hitRateAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 5); // 1
 */
export function hitRateAtK(ranked: Int32Array, relevant: Relevance, k: number): number {
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (relevantPosition(relevant.items, ranked[r]) >= 0) return 1;
  return 0;
}

/**
 * Reciprocal rank@k = 1 / (rank of the first relevant item), 0 when none is in the top k; its mean over users is MRR.
 *
 * Worked example: first hit at rank 2 → 1/2.
 *
 * @example
 * reciprocalRankAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 5); // 0.5
 */
export function reciprocalRankAtK(ranked: Int32Array, relevant: Relevance, k: number): number {
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (relevantPosition(relevant.items, ranked[r]) >= 0) return 1 / (r + 1);
  return 0;
}

/**
 * How average precision is normalised: `'min-k-relevant'` divides by min(k, |relevant|) (Spark MLlib
 * `RankingMetrics.meanAveragePrecisionAt`, Microsoft Recommenders `map_at_k`, so a perfect top-k scores 1);
 * `'relevant'` divides by |relevant| (Microsoft Recommenders `map` and its `map_at_k` before 1.2).
 */
export type ApNormalizer = 'min-k-relevant' | 'relevant';

/**
 * Average precision@k = Σ_{r ≤ k, ranked[r] relevant} Precision@r / N, where N = min(k, |relevant|) or |relevant|
 * (see `ApNormalizer`); its mean over users is MAP@k.
 *
 * Worked example: hits at ranks 2 and 3: P@2 = 1/2, P@3 = 2/3, sum 7/6; k = 5: N = min(5, 3) = 3 → 7/18 ≈ 0.388889.
 * With k = 2 only the hit at rank 2 counts (sum 1/2): N = min(2, 3) = 2 → 0.25, while N = |relevant| = 3 → 1/6.
 *
 * @example
 * averagePrecisionAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 2);             // 0.25
 * averagePrecisionAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 2, 'relevant'); // 0.16666666666666666
 */
export function averagePrecisionAtK(
  ranked: Int32Array,
  relevant: Relevance,
  k: number,
  normalizer: ApNormalizer = 'min-k-relevant',
): number {
  const nRel = relevant.items.length;
  if (!nRel) return 0;
  const n = Math.min(k, ranked.length);
  let hits = 0,
    sum = 0;
  for (let r = 0; r < n; r++) {
    if (relevantPosition(relevant.items, ranked[r]) >= 0) {
      hits++;
      sum += hits / (r + 1);
    }
  }
  return sum / (normalizer === 'relevant' ? nRel : Math.min(k, nRel));
}

/** NDCG gains: `'binary'` (1 for a relevant item) or `'exponential'` (2^grade − 1, Burges et al. 2005). */
export type NdcgGains = 'binary' | 'exponential';

/**
 * NDCG@k = DCG@k / IDCG@k with DCG@k = Σ_{r=1..k} gain(ranked[r]) / log₂(r + 1) and IDCG@k the DCG of the best
 * possible order of the relevant items (Järvelin & Kekäläinen 2002). Gains are 1 per relevant item (`'binary'`) or
 * 2^grade − 1 (`'exponential'`, grades from `relevant.grades`, 1 when absent). The log base cancels, so this equals
 * Microsoft Recommenders' `ndcg_at_k` (natural log) with `score_type` 'binary' / 'exp'.
 *
 * Worked example (binary, k = 5): DCG = 1/log₂3 + 1/log₂4 = 1.1309298; IDCG = 1 + 1/log₂3 + 1/log₂4 = 2.1309298;
 * NDCG = 0.5307212. Exponential with grades {1: 3, 3: 1, 9: 2}: gains 7, 1, 3; DCG = 7/log₂3 + 1/log₂4 = 4.9165082;
 * IDCG = 7 + 3/log₂3 + 1/log₂4 = 9.3927893; NDCG = 0.5234343.
 *
 * @example
 * ndcgAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]), 5);                          // 0.5307212...
 * ndcgAtK(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9], [3, 1, 2]), 5, 'exponential'); // 0.5234343...
 */
export function ndcgAtK(ranked: Int32Array, relevant: Relevance, k: number, gains: NdcgGains = 'binary'): number {
  const items = relevant.items;
  const nRel = items.length;
  if (!nRel) return 0;
  const grades = gains === 'exponential' ? relevant.grades : undefined;
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let r = 0; r < n; r++) {
    const p = relevantPosition(items, ranked[r]);
    if (p >= 0) dcg += (grades ? 2 ** grades[p] - 1 : 1) / Math.log2(r + 2);
  }
  let idcg = 0;
  const m = Math.min(k, nRel);
  if (grades) {
    // The ideal order puts the largest grades first; one sort per user, not per item.
    const sorted = Float64Array.from(grades).sort();
    for (let r = 0; r < m; r++) idcg += (2 ** sorted[nRel - 1 - r] - 1) / Math.log2(r + 2);
  } else {
    for (let r = 0; r < m; r++) idcg += 1 / Math.log2(r + 2);
  }
  return idcg > 0 ? dcg / idcg : 0;
}

/**
 * Per-user AUC: the share of (relevant, non-relevant) item pairs that the scores order correctly, ties counting ½
 * (Rendle et al. 2009, BPR's evaluation). Items with `exclude[i] = 1` (e.g. seen in training) take no part; NaN
 * scores count as -Infinity. 0.5 when there is no pair to compare. O(n log n): the non-relevant scores are sorted
 * once and each relevant score is located by binary search.
 *
 * Worked example: scores [0.1, 0.9, 0.5, 0.3, 0.7, 0.2], relevant {1, 3}: item 1 (0.9) beats all 4 others, item 3
 * (0.3) beats items 0 (0.1) and 5 (0.2): 6 of 8 pairs → 0.75.
 *
 * @example
 * aucFromScores(Float32Array.of(0.1, 0.9, 0.5, 0.3, 0.7, 0.2), relevance([1, 3])); // 0.75
 */
export function aucFromScores(scores: ArrayLike<number>, relevant: Relevance, exclude?: Uint8Array | null): number {
  const items = relevant.items;
  const n = scores.length;
  const neg = new Float64Array(n);
  let nNeg = 0;
  let p = 0; // walks the sorted relevant items alongside i
  for (let i = 0; i < n; i++) {
    while (p < items.length && items[p] < i) p++;
    if (p < items.length && items[p] === i) continue;
    if (exclude && exclude[i] === 1) continue;
    const s = scores[i];
    neg[nNeg++] = s === s ? s : -Infinity;
  }
  const sortedNeg = neg.subarray(0, nNeg).sort();
  let correct = 0,
    nPos = 0;
  for (let q = 0; q < items.length; q++) {
    const i = items[q];
    if (i < 0 || i >= n || (exclude && exclude[i] === 1)) continue;
    const raw = scores[i];
    const s = raw === raw ? raw : -Infinity;
    const below = lowerBound(sortedNeg, s);
    const notAbove = upperBound(sortedNeg, s);
    correct += below + 0.5 * (notAbove - below);
    nPos++;
  }
  return nPos && nNeg ? correct / (nPos * nNeg) : 0.5;
}

/** First position with a[pos] >= x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position with a[pos] > x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function rankingMetric(
  base: string,
  k: number,
  description: string,
  compute: (ranked: Int32Array, relevant: Relevance, full?: FullScores) => number,
  flags: { needsScores?: boolean; needsGrades?: boolean; withK?: boolean } = {},
): RankingMetric {
  checkK(base, k);
  return Object.freeze({
    name: flags.withK === false ? base : `${base}@${k}`,
    base,
    kind: 'ranking',
    k,
    higherIsBetter: true,
    description,
    needsScores: flags.needsScores ?? false,
    needsGrades: flags.needsGrades ?? false,
    compute,
  });
}

/**
 * Precision@k as a metric value (`'precision@k'`).
 *
 * @example
 * precisionMetric(5).compute(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9])); // 0.4
 */
export function precisionMetric(k: number): RankingMetric {
  return rankingMetric('precision', k, '|top-k ∩ relevant| / k', (r, rel) => precisionAtK(r, rel, k));
}

/**
 * Recall@k as a metric value (`'recall@k'`).
 *
 * @example
 * recallMetric(5).compute(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9])); // 0.6666666666666666
 */
export function recallMetric(k: number): RankingMetric {
  return rankingMetric('recall', k, '|top-k ∩ relevant| / |relevant|', (r, rel) => recallAtK(r, rel, k));
}

/**
 * NDCG@k as a metric value: `'ndcg@k'` (binary gains) or `'ndcg-graded@k'` (gains 2^grade − 1).
 *
 * @example
 * ndcgMetric(10).name;                             // 'ndcg@10'
 * ndcgMetric(10, { gains: 'exponential' }).name;   // 'ndcg-graded@10'
 */
export function ndcgMetric(k: number, opts: { gains?: NdcgGains } = {}): RankingMetric {
  const gains = opts.gains ?? 'binary';
  return gains === 'binary'
    ? rankingMetric('ndcg', k, 'DCG@k / IDCG@k, gain 1 per relevant item, discount log2(rank+1)', (r, rel) =>
        ndcgAtK(r, rel, k),
      )
    : rankingMetric(
        'ndcg-graded',
        k,
        'DCG@k / IDCG@k, gain 2^grade − 1, discount log2(rank+1)',
        (r, rel) => ndcgAtK(r, rel, k, 'exponential'),
        { needsGrades: true },
      );
}

/**
 * MAP@k as a metric value: `'map@k'` (normaliser min(k, |relevant|)) or `'map-relevant@k'` (normaliser |relevant|,
 * the Microsoft Recommenders `map` definition).
 *
 * @example
 * mapMetric(2).compute(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9]));                              // 0.25
 * mapMetric(2, { normalizer: 'relevant' }).compute(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9])); // 1/6
 */
export function mapMetric(k: number, opts: { normalizer?: ApNormalizer } = {}): RankingMetric {
  const normalizer = opts.normalizer ?? 'min-k-relevant';
  return normalizer === 'min-k-relevant'
    ? rankingMetric('map', k, 'mean of Σ_hits precision@rank / min(k, |relevant|)', (r, rel) =>
        averagePrecisionAtK(r, rel, k, 'min-k-relevant'),
      )
    : rankingMetric('map-relevant', k, 'mean of Σ_hits precision@rank / |relevant|', (r, rel) =>
        averagePrecisionAtK(r, rel, k, 'relevant'),
      );
}

/**
 * Hit rate@k as a metric value (`'hit@k'`).
 *
 * @example
 * hitRateMetric(1).compute(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9])); // 0
 */
export function hitRateMetric(k: number): RankingMetric {
  return rankingMetric('hit', k, '1 if any relevant item is in the top k', (r, rel) => hitRateAtK(r, rel, k));
}

/**
 * MRR@k as a metric value (`'mrr@k'`).
 *
 * @example
 * mrrMetric(5).compute(Int32Array.of(5, 1, 3, 8, 2), relevance([1, 3, 9])); // 0.5
 */
export function mrrMetric(k: number): RankingMetric {
  return rankingMetric('mrr', k, '1 / rank of the first relevant item in the top k', (r, rel) =>
    reciprocalRankAtK(r, rel, k),
  );
}

/**
 * Per-user AUC as a metric value (`'auc'`); it needs the full score vector, so protocols compute every item's score
 * for it. `k` only sets how long the list the protocol asks for is.
 *
 * @example
 * aucMetric().compute(Int32Array.of(), relevance([1, 3]), { scores: Float32Array.of(0.1, 0.9, 0.5, 0.3, 0.7, 0.2) }); // 0.75
 */
export function aucMetric(k = 10): RankingMetric {
  return rankingMetric(
    'auc',
    k,
    'share of (relevant, non-relevant) pairs scored in the right order, ties ½',
    (_r, rel, full) => {
      if (!full) throw new InvalidParameterError('auc needs the full score vector of the user');
      return aucFromScores(full.scores, rel, full.exclude);
    },
    { needsScores: true, withK: false },
  );
}
