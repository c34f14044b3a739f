/**
 * Metrics are values with a definition (convention 9): a name such as `'ndcg@10'`, its cut-off, which direction is
 * better, and a pure compute function on typed arrays. Three kinds share one shape so protocols, search and the CLI
 * can treat them alike:
 * - `rating`: one number from predicted vs true ratings (RMSE, MAE);
 * - `ranking`: one number per user from that user's ranked list and relevant set, averaged by the protocol;
 * - `beyond`: one number from the recommendation lists of all users (coverage, novelty, diversity, Gini).
 */

/** Which family a metric belongs to, and so which inputs its `compute` takes. */
export type MetricKind = 'rating' | 'ranking' | 'beyond';

/** What every metric states about itself. */
export interface MetricInfo {
  /** Full name with cut-off, e.g. `'ndcg@10'`, `'rmse'`. Unique within a run. */
  readonly name: string;
  /** Name without the cut-off, e.g. `'ndcg'`. */
  readonly base: string;
  readonly kind: MetricKind;
  /** List cut-off, for metrics that look at the top k only. */
  readonly k?: number;
  /** True when a larger value means a better model (NDCG); false for errors (RMSE). Search ranks by it. */
  readonly higherIsBetter: boolean;
  /** The formula, in one line, for `--help` and reports. */
  readonly description: string;
}

/** RMSE, MAE: a number from predicted and true ratings of the same rows. */
export interface RatingMetric extends MetricInfo {
  readonly kind: 'rating';
  compute(predicted: Float64Array, actual: Float64Array): number;
}

/**
 * The relevant items of one user: item indices sorted ascending without duplicates, and optionally a graded
 * relevance (e.g. the test rating) aligned with them, used by graded NDCG.
 */
export interface Relevance {
  readonly items: Int32Array;
  readonly grades?: Float64Array;
}

/** The full score vector of one user (for AUC): `scores[i]` for every item; items with `exclude[i] = 1` are ignored. */
export interface FullScores {
  readonly scores: ArrayLike<number>;
  readonly exclude?: Uint8Array | null;
}

/** Precision, recall, NDCG, MAP, hit rate, MRR, AUC: a number for one user; the protocol averages over users. */
export interface RankingMetric extends MetricInfo {
  readonly kind: 'ranking';
  readonly k: number;
  /** True for metrics that need every item's score, not only the top-k list (AUC). */
  readonly needsScores: boolean;
  /** True for metrics that use `Relevance.grades` (graded NDCG). */
  readonly needsGrades: boolean;
  /** `ranked`: item indices, best first (may be shorter than k). */
  compute(ranked: Int32Array, relevant: Relevance, full?: FullScores): number;
}

/**
 * The recommendation lists of many users as CSR: list `r` is `items[indptr[r]..indptr[r+1])`, best first.
 *
 * @example
 * const lists: RecommendationLists = { indptr: Int32Array.of(0, 2, 3), items: Int32Array.of(4, 1, 4) };
 */
export interface RecommendationLists {
  readonly indptr: Int32Array;
  readonly items: Int32Array;
}

/** What beyond-accuracy metrics know of the catalogue and the training data. */
export interface BeyondContext {
  /** Number of items that could have been recommended (e.g. items with training data). */
  readonly catalogSize: number;
  /** Training popularity of each item: number of training users who interacted with it (novelty). */
  readonly itemPopularity?: ArrayLike<number>;
  /** Number of training users (novelty's denominator). */
  readonly nUsers?: number;
  /** Distance between two items in [0, 2] (diversity); see `cosineDistance` and `incidenceCosineDistance`. */
  readonly distance?: (a: number, b: number) => number;
}

/** Coverage, novelty, diversity, Gini: a number from the lists of all users. */
export interface BeyondMetric extends MetricInfo {
  readonly kind: 'beyond';
  compute(lists: RecommendationLists, ctx: BeyondContext): number;
}

/**
 * Any metric; narrow on `kind` before calling `compute`.
 *
 * @example
 * const m: Metric = metricByName('ndcg@10');
 * if (m.kind === 'ranking') m.compute(Int32Array.of(4, 2), relevance([2])); // 0.6309...
 */
export type Metric = RatingMetric | RankingMetric | BeyondMetric;

/**
 * Builds a `Relevance` from item indices in any order (duplicates merged, keeping the largest grade).
 *
 * @example
 * relevance([7, 2, 7], [1, 3, 5]); // { items: Int32Array [2, 7], grades: Float64Array [3, 5] }
 */
export function relevance(items: ArrayLike<number>, grades?: ArrayLike<number>): Relevance {
  const n = items.length;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => items[a] - items[b]);
  const outItems: number[] = [];
  const outGrades: number[] = [];
  for (const k of order) {
    const g = grades ? grades[k] : 1;
    if (outItems.length && outItems[outItems.length - 1] === items[k]) {
      if (g > outGrades[outGrades.length - 1]) outGrades[outGrades.length - 1] = g;
    } else {
      outItems.push(items[k]);
      outGrades.push(g);
    }
  }
  return grades
    ? { items: Int32Array.from(outItems), grades: Float64Array.from(outGrades) }
    : { items: Int32Array.from(outItems) };
}

/**
 * Position of `item` in the sorted `items`, or -1 (binary search: relevant sets are small, lists shorter).
 *
 * @example
 * relevantPosition(Int32Array.of(2, 7, 9), 7); // 1
 */
export function relevantPosition(items: Int32Array, item: number): number {
  let lo = 0,
    hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = items[mid];
    if (v === item) return mid;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
