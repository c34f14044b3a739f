// The test-phase input of a sequential model under a three-way split, as RecBole's sequential evaluation builds it:
// the user's training items followed by her held-out validation items, in time order, so the test item is predicted
// from everything before it (RecBole's test `item_id_list` for LS valid_and_test ends with the validation item). The
// model was fitted on the training part only; the validation items are input here, never trained on. Order-blind
// models are scored as before (RecBole's general models read the training history only).
import type { Interactions } from '../data/interactions.js';
import { topK } from '../math/top-k.js';
import type { HistoryScorer } from '../models/history-scorer.js';
import type { RecommendOptions, Recommender } from '../models/recommender.js';

/**
 * Each user's `train` ∪ `heldOut` items sorted by (timestamp, training rows first, row): exact and stable, the rule
 * of `rowsByUserInTimeOrder`.
 *
 * @example
 * const h = new OrderedHistories(split.train, split.validation);
 * model.scoreHistory(h.of(u), out);
 */
export class OrderedHistories {
  private readonly indptr: Int32Array;
  private readonly items: Int32Array;

  constructor(train: Interactions, heldOut: Interactions) {
    const nUsers = Math.max(train.nUsers, heldOut.nUsers);
    const parts = [train, heldOut];
    const indptr = new Int32Array(nUsers + 1);
    for (const d of parts) for (let r = 0; r < d.length; r++) indptr[d.users[r] + 1]++;
    for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
    const at = indptr.slice(0, nUsers);
    const part = new Uint8Array(indptr[nUsers]);
    const row = new Int32Array(indptr[nUsers]);
    parts.forEach((d, p) => {
      for (let r = 0; r < d.length; r++) {
        const q = at[d.users[r]]++;
        part[q] = p;
        row[q] = r;
      }
    });
    const time = (q: number) => parts[part[q]].timestamps?.[row[q]] ?? 0;
    const cmp = (a: number, b: number) => time(a) - time(b) || part[a] - part[b] || row[a] - row[b];
    const items = new Int32Array(indptr[nUsers]);
    for (let u = 0; u < nUsers; u++) {
      const qs = Array.from({ length: indptr[u + 1] - indptr[u] }, (_, k) => indptr[u] + k).sort(cmp);
      qs.forEach((q, k) => (items[indptr[u] + k] = parts[part[q]].items[row[q]]));
    }
    this.indptr = indptr;
    this.items = items;
  }

  /** User u's items, oldest first (empty for an unknown user). */
  of(u: number): Int32Array {
    if (u < 0 || u + 1 >= this.indptr.length) return new Int32Array(0);
    return this.items.subarray(this.indptr[u], this.indptr[u + 1]);
  }
}

/**
 * `recommendIndex` for a known user, but scored from an explicit history (`scoreHistory`) instead of the training
 * sequence; the training items are left out as `excludeSeen` says. `scores` is a reusable buffer of nItems.
 *
 * @example
 * const rec = recommendFromHistory(model, u, histories.of(u), { k: 10 }, buf);
 */
export function recommendFromHistory(
  model: Recommender & HistoryScorer,
  u: number,
  history: Int32Array,
  opts: RecommendOptions,
  scores: Float32Array,
): { indices: Int32Array; scores: Float32Array } {
  const s = model.training;
  model.scoreHistory(history, scores);
  let seen: Uint8Array | null = null;
  if (opts.excludeSeen ?? true) {
    seen = new Uint8Array(s.nItems);
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) seen[s.seenIndices[p]] = 1;
  }
  const filter = opts.filter;
  const exclude =
    seen || filter ? (i: number) => (seen !== null && seen[i] === 1) || (filter ? !filter(i) : false) : null;
  return topK(scores, opts.k ?? 10, exclude, opts.candidates ?? null);
}
