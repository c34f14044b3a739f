import type { HistoryScorer, Recommender } from 'kindred';
import type { RequestTimeModel } from './request-time-user.js';
import type { IndexedHistory } from './user-history.js';

/** Recent items a history-scored candidate's reason names (newest first; the first is the explanation's). */
const BECAUSE_ITEMS = 3;
/** Newest distinct history items searched for the one the model says supports a candidate most. */
const SUPPORT_SEARCH = 10;

/**
 * The history a `HistoryScorer` reads for a user: their positive events (`history.sequence`, oldest → newest by
 * event time, ties in seq order) mapped to model item indices — items the model has no training rows for are
 * dropped — deduplicated (each item at its newest event) unless the model reads order, and cut to the newest
 * `historyLimit` items. The input is bounded by the rows a user entry keeps (`MAX_HISTORY`).
 *
 * @example
 * modelHistory(model, history); // Int32Array [4, 9, 2]: oldest → newest
 */
export function modelHistory(model: Recommender & HistoryScorer, history: IndexedHistory): Int32Array {
  const seq = history.sequence;
  const n = model.training.nItems;
  const known: number[] = [];
  for (let k = 0; k < seq.length; k++) {
    const i = seq[k];
    if (i < n && model.knownItem(i)) known.push(i);
  }
  let items = known;
  if (!model.historyOrdered) {
    // Keep each item once, at its newest position: walk from the newest end, then restore oldest → newest.
    const seen = new Set<number>();
    items = [];
    for (let k = known.length - 1; k >= 0; k--) {
      if (seen.has(known[k])) continue;
      seen.add(known[k]);
      items.push(known[k]);
    }
    items.reverse();
  }
  const limit = Math.max(0, Math.min(items.length, model.historyLimit));
  return Int32Array.from(items.slice(items.length - limit));
}

/**
 * History scoring as request-time user state: a `HistoryScorer` (sequential models, autoencoders, two-tower) scores
 * every item from the user's newest positive events (see {@link modelHistory}), so a user unknown to the model or
 * with feedback newer than it is served without retraining. Candidates name the recent items the score came from:
 * the one `itemSupport` rates highest among the newest few (when the model defines it), then the newest ones.
 *
 * @example
 * const user = historyScoring(mult).userState(history); // null when no history item is a model item
 * user?.scoreAll(scores);
 */
export function historyScoring(model: Recommender & HistoryScorer): RequestTimeModel {
  return {
    kind: 'history',
    readsSessions: true,
    userState(history) {
      const items = modelHistory(model, history);
      if (items.length === 0) return null;
      const newest = newestDistinct(items, SUPPORT_SEARCH);
      return {
        scoreAll: (out) => model.scoreHistory(items, out),
        because: (item) => {
          let best = -1,
            bestSupport = 0;
          for (const j of newest) {
            if (j === item) continue;
            const s = model.itemSupport(item, j);
            if (s > bestSupport) {
              best = j;
              bestSupport = s;
            }
          }
          const out = best >= 0 ? [best] : [];
          for (const j of newest) if (out.length < BECAUSE_ITEMS && j !== item && j !== best) out.push(j);
          return out;
        },
      };
    },
  };
}

/** Up to `k` distinct items of `items`, newest (last) first. */
function newestDistinct(items: Int32Array, k: number): number[] {
  const out: number[] = [];
  for (let q = items.length - 1; q >= 0 && out.length < k; q--) if (!out.includes(items[q])) out.push(items[q]);
  return out;
}
