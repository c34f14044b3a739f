import { InvalidParameterError } from '../errors.js';
import type { Csr, Interactions } from '../data/interactions.js';
import type { Recommender } from '../models/recommender.js';
import { isHistoryScorer } from '../models/history-scorer.js';
import { ItemMarks } from './item-marks.js';
import { OrderedHistories, recommendFromHistory } from './ordered-histories.js';
import { incidenceCosineDistance } from './metrics/beyond.js';
import { resolveMetrics } from './metrics/by-name.js';
import {
  relevantPosition,
  type BeyondContext,
  type BeyondMetric,
  type Metric,
  type RankingMetric,
  type RecommendationLists,
  type Relevance,
} from './metrics/metric.js';
import { NegativeSampler } from './sampled-negatives.js';

/**
 * The metrics `evaluateRanking` reports when none are named (AUC and diversity cost more, so they are opt-in).
 *
 * @example
 * evaluateRanking(model, train, test, { metrics: [...DEFAULT_RANKING_METRICS, 'auc'] });
 */
export const DEFAULT_RANKING_METRICS: readonly string[] = Object.freeze([
  'precision',
  'recall',
  'ndcg',
  'map',
  'mrr',
  'hit',
  'coverage',
  'novelty',
  'gini',
]);

/** Options of `evaluateRanking`. */
export interface EvaluateRankingOptions {
  /** Ranking and beyond-accuracy metrics by name or value (default `DEFAULT_RANKING_METRICS`). */
  metrics?: readonly (string | Metric)[];
  /** Cut-off for metric names without `@k`, and the least list length asked of the model (default 10). */
  k?: number;
  /** Leave training items out of each user's list (default true). */
  excludeSeen?: boolean;
  /** Test rows with value ≥ this are relevant; without it every test interaction is relevant. */
  relevanceThreshold?: number;
  /** Skip users without training rows (default true); they are counted in `skipped.cold`. */
  skipColdUsers?: boolean;
  /** Item distance for `diversity` (default: 1 − cosine of the items' training user sets). */
  distance?: (a: number, b: number) => number;
  /** Catalogue size for coverage and Gini (default: items with at least one training row). */
  catalogSize?: number;
  /** Keep each evaluated user's metric values (default false). */
  keepPerUser?: boolean;
  /** Keep the recommendation lists (default false). */
  keepLists?: boolean;
  /**
   * Rank only these item indices (e.g. the held-out items of `coldItems`). Test items outside them are not relevant
   * (a user left with none counts in `skipped.noRelevant`), AUC compares candidates only, and the default catalogue
   * of coverage and Gini is the candidates.
   */
  candidates?: Int32Array;
  /**
   * Interactions whose items are also left out of each user's list (and of AUC), except that user's own test items:
   * the validation part of a three-way split, since RecBole's test-phase mask is train ∪ validation. A sequential
   * model (`HistoryScorer` with `historyOrdered`) is scored from train ∪ these items in time order, as RecBole's
   * sequential test input ends with the validation item (`ordered-histories.ts`).
   */
  exclude?: Interactions;
  /**
   * Sampled-negative ranking instead of full ranking: each user's relevant items are ranked among this many sampled
   * items per relevant item, drawn from the items the user never interacted with in train, `exclude` or test
   * (`NegativeSampler`, RecBole's `uni100` with 100). Absent: every item is ranked (the default, and the figure to
   * report first).
   */
  sampledNegatives?: number;
  /** Seed of the sampled negatives (default 0). */
  sampleSeed?: number;
}

/** Result of a top-k evaluation on one split. */
export interface RankingEvaluation {
  /** Metric name → value: ranking metrics averaged over evaluated users, beyond metrics over all their lists. */
  metrics: Record<string, number>;
  /** Number of users evaluated (≥ 1 relevant test item, and training data unless `skipColdUsers` is false). */
  users: number;
  /** Test users left out: no relevant test item, or no training data. */
  skipped: { noRelevant: number; cold: number };
  /** With `keepPerUser`: the evaluated user indices and, per ranking metric, each user's value. */
  perUser?: { users: Int32Array; values: Record<string, Float64Array> };
  /** With `keepLists`: each evaluated user's list (row r belongs to `users[r]`). */
  lists?: RecommendationLists & { users: Int32Array };
}

/**
 * Top-k evaluation of a fitted model on one split: for each test user with at least one relevant test item, ask
 * `model.recommendIndex(u, {k, excludeSeen})` and score the list against the user's test items (all relevant, or
 * those rated ≥ `relevanceThreshold`; the test rating is the grade for graded NDCG). Ranking metrics are averaged
 * over those users; coverage, novelty, diversity and Gini are computed over their lists, with popularity, catalogue
 * and default item distance taken from `train`. AUC asks the model for every item's score (`scoreItems`), seen items
 * excluded when `excludeSeen`.
 *
 * @example
 * const model = createModel('pop').fit(split.train);
 * evaluateRanking(model, split.train, split.test, { k: 10, metrics: ['ndcg', 'recall', 'coverage'] }).metrics;
 * // { 'ndcg@10': 0.21, 'recall@10': 0.12, 'coverage@10': 0.05 }
 */
export function evaluateRanking(
  model: Recommender,
  train: Interactions,
  test: Interactions,
  opts: EvaluateRankingOptions = {},
): RankingEvaluation {
  const defaultK = opts.k ?? 10;
  if (!Number.isInteger(defaultK) || defaultK < 1)
    throw new InvalidParameterError(`evaluateRanking: k must be a positive integer, got ${defaultK}`);
  const metrics = resolveMetrics(opts.metrics ?? DEFAULT_RANKING_METRICS, defaultK);
  const ranking: RankingMetric[] = [];
  const beyond: BeyondMetric[] = [];
  let listK = defaultK;
  for (const m of metrics) {
    if (m.kind === 'rating')
      throw new InvalidParameterError(`evaluateRanking: "${m.name}" is a rating metric; use evaluateRatings`);
    if (m.kind === 'ranking') ranking.push(m);
    else beyond.push(m);
    if (m.k !== undefined && Number.isFinite(m.k) && m.k > listK) listK = m.k;
  }
  const excludeSeen = opts.excludeSeen ?? true;
  const skipCold = opts.skipColdUsers ?? true;
  const threshold = opts.relevanceThreshold;
  const needsScores = ranking.some((m) => m.needsScores);
  const keepPerUser = opts.keepPerUser ?? false;
  if (opts.sampledNegatives !== undefined && opts.candidates)
    throw new InvalidParameterError('evaluateRanking: sampledNegatives and candidates cannot be combined');
  if (opts.sampledNegatives !== undefined && needsScores)
    throw new InvalidParameterError('evaluateRanking: AUC is a full-ranking metric; drop it with sampledNegatives');

  const s = model.training;
  const csr = test.byUser();
  const nTestUsers = csr.indptr.length - 1;
  let maxRow = 0;
  for (let u = 0; u < nTestUsers; u++) maxRow = Math.max(maxRow, csr.indptr[u + 1] - csr.indptr[u]);
  const relItems = new Int32Array(maxRow);
  const relGrades = new Float64Array(maxRow);
  const scoreBuf = needsScores ? new Float32Array(s.nItems) : null;
  const candidates = opts.candidates ?? null;
  // outside[i] = 1 for items that are not candidates: never relevant, never compared by AUC.
  const outside = candidates ? candidateComplement(candidates, Math.max(s.nItems, test.nItems)) : null;
  const exclude = opts.exclude?.byUser() ?? null;
  const seenBuf =
    needsScores && (excludeSeen || outside || exclude)
      ? outside
        ? outside.slice(0, s.nItems)
        : new Uint8Array(s.nItems)
      : null;
  const heldOut = exclude ? new ItemMarks(s.nItems) : null;
  // A sequential model reads the held-out validation items as the newest part of the test-time sequence (RecBole).
  const histories =
    opts.exclude && isHistoryScorer(model) && model.historyOrdered
      ? { model, seqs: new OrderedHistories(train, opts.exclude), buf: new Float32Array(s.nItems) }
      : null;
  const sampler =
    opts.sampledNegatives !== undefined ? new NegativeSampler(s.nItems, opts.sampledNegatives, opts.sampleSeed) : null;
  const used = sampler ? new ItemMarks(s.nItems) : null;

  const sums = new Float64Array(ranking.length);
  const perUserValues: number[][] = ranking.map(() => []);
  const evaluatedUsers: number[] = [];
  const lists = new ListsBuilder();
  let noRelevant = 0,
    cold = 0;

  for (let u = 0; u < nTestUsers; u++) {
    const start = csr.indptr[u],
      end = csr.indptr[u + 1];
    if (start === end) continue;
    const nRel = collectRelevant(csr.indices, csr.values, start, end, threshold, outside, relItems, relGrades);
    if (nRel === 0) {
      noRelevant++;
      continue;
    }
    const known = u < s.nUsers && model.knownUser(u);
    if (!known && skipCold) {
      cold++;
      continue;
    }
    const rel: Relevance = { items: relItems.subarray(0, nRel), grades: relGrades.subarray(0, nRel) };
    const testItems = csr.indices.subarray(start, end);
    if (heldOut && exclude) markHeldOut(heldOut, exclude, u, testItems);
    const marks = heldOut && heldOut.count > 0 ? heldOut.marks : null;
    let userCandidates = candidates ?? undefined;
    if (sampler && used) {
      markUsed(used, model, u, testItems, exclude);
      userCandidates = sampler.candidates(u, rel.items, used.marks, used.count);
      used.clear();
    }
    const recOpts = {
      k: listK,
      excludeSeen,
      candidates: userCandidates,
      filter: marks ? (i: number) => marks[i] === 0 : undefined,
    };
    const rec =
      histories && known
        ? recommendFromHistory(histories.model, u, histories.seqs.of(u), recOpts, histories.buf)
        : model.recommendIndex(u < s.nUsers ? u : -1, recOpts);
    let full: { scores: Float32Array; exclude: Uint8Array | null } | undefined;
    if (scoreBuf) {
      fullScores(model, u, scoreBuf, excludeSeen ? seenBuf : null);
      if (seenBuf && heldOut) for (const i of heldOut.items()) seenBuf[i] = 1;
      full = { scores: scoreBuf, exclude: seenBuf };
    }
    for (let m = 0; m < ranking.length; m++) {
      const v = ranking[m].compute(rec.indices, rel, full);
      sums[m] += v;
      if (keepPerUser) perUserValues[m].push(v);
    }
    if (seenBuf && excludeSeen && u < s.nUsers)
      for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++)
        seenBuf[s.seenIndices[p]] = outside ? outside[s.seenIndices[p]] : 0;
    if (seenBuf && heldOut) for (const i of heldOut.items()) seenBuf[i] = outside ? outside[i] : 0;
    heldOut?.clear();
    evaluatedUsers.push(u);
    lists.push(rec.indices);
  }

  const n = evaluatedUsers.length;
  const values: Record<string, number> = {};
  const built = lists.build();
  let ctx: BeyondContext | null = null;
  for (const m of metrics) {
    if (m.kind === 'ranking') values[m.name] = n ? sums[ranking.indexOf(m)] / n : 0;
    else if (m.kind === 'beyond') {
      ctx ??= beyondContext(train, opts, beyond);
      values[m.name] = m.compute(built, ctx);
    }
  }
  const result: RankingEvaluation = { metrics: values, users: n, skipped: { noRelevant, cold } };
  const userIdx = Int32Array.from(evaluatedUsers);
  if (keepPerUser) {
    const per: Record<string, Float64Array> = {};
    ranking.forEach((m, j) => (per[m.name] = Float64Array.from(perUserValues[j])));
    result.perUser = { users: userIdx, values: per };
  }
  if (opts.keepLists) result.lists = { ...built, users: userIdx };
  return result;
}

/**
 * Copies the relevant items of one test row (sorted by item already, as CSR rows are) into `items`, merging duplicate
 * rows of the same item (largest value wins as the grade). Returns how many there are.
 */
function collectRelevant(
  indices: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  threshold: number | undefined,
  outside: Uint8Array | null,
  items: Int32Array,
  grades: Float64Array,
): number {
  let n = 0;
  for (let p = start; p < end; p++) {
    const v = values[p];
    if (threshold !== undefined && !(v >= threshold)) continue;
    const i = indices[p];
    if (outside !== null && outside[i] === 1) continue;
    if (n > 0 && items[n - 1] === i) {
      if (v > grades[n - 1]) grades[n - 1] = v;
    } else {
      items[n] = i;
      grades[n] = v;
      n++;
    }
  }
  return n;
}

/** Marks user u's `exclude` items that are not among its test items (RecBole: history = used − test positives). */
function markHeldOut(marks: ItemMarks, exclude: Csr, u: number, testItems: Int32Array): void {
  if (u >= exclude.indptr.length - 1) return;
  for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) {
    const i = exclude.indices[p];
    if (relevantPosition(testItems, i) < 0) marks.add(i);
  }
}

/** Marks every item user u interacted with: training, `exclude` and test (the items never sampled as negatives). */
function markUsed(used: ItemMarks, model: Recommender, u: number, testItems: Int32Array, exclude: Csr | null): void {
  const s = model.training;
  if (u < s.nUsers) for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) used.add(s.seenIndices[p]);
  if (exclude && u < exclude.indptr.length - 1)
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) used.add(exclude.indices[p]);
  for (let q = 0; q < testItems.length; q++) used.add(testItems[q]);
}

/** Every item's score for user u (for AUC), and the mask of its training items. */
function fullScores(model: Recommender, u: number, out: Float32Array, seen: Uint8Array | null): void {
  const s = model.training;
  if (u >= s.nUsers) {
    // A user the model never saw: no information, every pair is a tie (AUC ½).
    out.fill(0);
    return;
  }
  model.scoreItems(u, out);
  if (seen) for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) seen[s.seenIndices[p]] = 1;
}

function beyondContext(train: Interactions, opts: EvaluateRankingOptions, beyond: BeyondMetric[]): BeyondContext {
  const itemCounts = train.itemCounts();
  const userCounts = train.userCounts();
  let catalog = 0,
    users = 0;
  for (let i = 0; i < itemCounts.length; i++) if (itemCounts[i] > 0) catalog++;
  for (let u = 0; u < userCounts.length; u++) if (userCounts[u] > 0) users++;
  const needsDistance = beyond.some((m) => m.base === 'diversity');
  return {
    catalogSize:
      opts.catalogSize ?? (opts.candidates ? Math.max(distinctCount(opts.candidates), 1) : Math.max(catalog, 1)),
    itemPopularity: distinctUsersPerItem(train),
    nUsers: Math.max(users, 1),
    distance: opts.distance ?? (needsDistance ? incidenceCosineDistance(train) : undefined),
  };
}

/** 1 for every index in 0..n-1 that is not among `candidates`. */
function candidateComplement(candidates: Int32Array, n: number): Uint8Array {
  const out = new Uint8Array(n).fill(1);
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c];
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new InvalidParameterError(`evaluateRanking: candidate ${i} is not an item index in 0..${n - 1}`);
    out[i] = 0;
  }
  return out;
}

function distinctCount(a: Int32Array): number {
  return new Set(a).size;
}

/** Training users per item, counting a user once even if the data holds duplicate rows. */
function distinctUsersPerItem(train: Interactions): Float64Array {
  const { indptr, indices } = train.byItem();
  const n = indptr.length - 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let p = indptr[i]; p < indptr[i + 1]; p++) if (p === indptr[i] || indices[p] !== indices[p - 1]) out[i]++;
  return out;
}

/** Appends lists into growing typed arrays (no array of arrays). */
class ListsBuilder {
  private items = new Int32Array(1024);
  private indptr: number[] = [0];
  private n = 0;

  push(list: Int32Array): void {
    if (this.n + list.length > this.items.length) {
      const grown = new Int32Array(Math.max(this.items.length * 2, this.n + list.length));
      grown.set(this.items.subarray(0, this.n));
      this.items = grown;
    }
    this.items.set(list, this.n);
    this.n += list.length;
    this.indptr.push(this.n);
  }

  build(): RecommendationLists {
    return { indptr: Int32Array.from(this.indptr), items: this.items.slice(0, this.n) };
  }
}
