import { ScoreImpossibleError } from '../errors.js';
import { topK } from '../math/top-k.js';
import type { Recommender } from '../models/recommender.js';
import type { MergedCandidate, Reason } from './candidates/merge.js';

/** An item on its way to the response: final score plus what produced it. */
export interface RankedItem {
  item: number;
  score: number;
  /** The merged candidate score. */
  candidateScore: number;
  /** The model's raw score, NaN when the model could not score the pair. */
  modelScore: number;
  reasons: Reason[];
}

/**
 * Second stage: scores the merged candidates with the model where it can (`model.score`, impossible → unknown)
 * and blends: final = modelWeight·minmax(model) + candidateWeight·minmax(candidate), min-max over this candidate
 * list. Items the model cannot score get the mean normalised model score of the others (neutral, neither pushed
 * up nor buried). Without a model, or for a user the model does not know, the final score is the candidate score
 * (the fallback ordering). Returns items sorted by final score (ties: lower index first).
 *
 * @example
 * const ranked = rankCandidates(merged, model, userIndex, { modelWeight: 0.7, candidateWeight: 0.3 });
 */
export function rankCandidates(
  merged: readonly MergedCandidate[],
  model: Recommender | null,
  userIndex: number,
  weights: { modelWeight: number; candidateWeight: number },
  sort = true,
): RankedItem[] {
  const n = merged.length;
  const out: RankedItem[] = new Array(n);
  const useModel = model !== null && userIndex >= 0 && userIndex < model.training.nUsers && model.knownUser(userIndex);
  let cMin = Infinity,
    cMax = -Infinity,
    mMin = Infinity,
    mMax = -Infinity;
  for (let k = 0; k < n; k++) {
    const m = merged[k];
    const ms = useModel ? modelScore(model!, userIndex, m) : NaN;
    out[k] = { item: m.item, score: m.score, candidateScore: m.score, modelScore: ms, reasons: m.reasons };
    if (m.score < cMin) cMin = m.score;
    if (m.score > cMax) cMax = m.score;
    if (ms < mMin) mMin = ms;
    if (ms > mMax) mMax = ms;
  }
  if (useModel) {
    const cSpan = cMax - cMin,
      mSpan = mMax - mMin;
    let sum = 0,
      known = 0;
    for (const r of out)
      if (!Number.isNaN(r.modelScore)) {
        sum += mSpan > 0 ? (r.modelScore - mMin) / mSpan : 1;
        known++;
      }
    const neutral = known ? sum / known : 0;
    for (const r of out) {
      const mn = Number.isNaN(r.modelScore) ? neutral : mSpan > 0 ? (r.modelScore - mMin) / mSpan : 1;
      const cn = cSpan > 0 ? (r.candidateScore - cMin) / cSpan : 1;
      r.score = weights.modelWeight * mn + weights.candidateWeight * cn;
    }
  }
  return sort ? out.sort(byScore) : out;
}

/**
 * The best `m` items in `byScore` order without sorting the whole list: the m-th best score is found by a partial
 * top-k on a score copy, then only the items at or above it are sorted. Exact, ties included.
 *
 * @example
 * topRanked(items, 20); // same as items.slice().sort(byScore).slice(0, 20)
 */
export function topRanked(items: readonly RankedItem[], m: number): RankedItem[] {
  const n = items.length;
  if (m <= 0) return [];
  if (n <= 2 * m) return items.slice().sort(byScore).slice(0, m);
  const scores = new Float64Array(n);
  for (let k = 0; k < n; k++) scores[k] = items[k].score;
  const top = topK(scores, m);
  if (top.indices.length < m)
    return items
      .filter((r) => Number.isFinite(r.score) || r.score === Infinity)
      .sort(byScore)
      .slice(0, m);
  const threshold = scores[top.indices[m - 1]];
  const keep: RankedItem[] = [];
  for (let k = 0; k < n; k++) if (items[k].score >= threshold) keep.push(items[k]);
  return keep.sort(byScore).slice(0, m);
}

/** Sort order of ranked lists: score descending, then item index ascending (deterministic). */
export function byScore(a: RankedItem, b: RankedItem): number {
  return b.score - a.score || a.item - b.item;
}

/** The model's score for the pair, reusing the model generator's (same scoreItems value) when it proposed it. */
function modelScore(model: Recommender, u: number, m: MergedCandidate): number {
  for (const r of m.reasons) if (r.source === 'model') return r.score;
  const i = m.item;
  if (i >= model.training.nItems || !model.knownItem(i)) return NaN;
  try {
    const s = model.score(u, i);
    return Number.isFinite(s) ? s : NaN;
  } catch (e) {
    if (e instanceof ScoreImpossibleError) return NaN;
    throw e;
  }
}
