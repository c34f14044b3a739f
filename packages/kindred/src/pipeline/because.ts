import { Als } from '../models/factorization/als.js';
import type { Recommender } from '../models/recommender.js';

/** The user's positives that explanations may name ("Because you liked X"), newest first. */
const MAX_EXPLAIN_POSITIVES = 50;
/**
 * ALS's exact explanation costs O(rows·F²) once and O(F² + rows·F) per item for a user with `rows` training rows;
 * above this many the similarity path (O(50·F) per item) explains instead, so heavy users stay cheap.
 */
const MAX_EXACT_ROWS = 500;

/**
 * For one request: which of the user's own items best explains a recommended item, and how the user interacted
 * with it. Built once per request, asked once per served item.
 */
export interface BecauseContext {
  /** The user's item (index) behind `item`, or -1 when the model names none. */
  because(item: number): number;
  /** The verb for the user's item `j` ("liked", "watched", ...), from the context's `positiveVerbs`. */
  verbOf(j: number): string | undefined;
  /** The user's favourite categories, best first (popularity within them is a specific reason). */
  favouriteCategories: Int32Array;
}

/**
 * The item-level "because" of a request: for ALS and a user the model knows (with at most 500 training rows), the
 * library's exact `explain` (the past item with the largest contribution to the score, one solve per request —
 * `Als.explainer`); otherwise
 * the user's positive with the strongest `model.itemSupport` (kNN and EASE weights, cosine of factor vectors).
 * Only items the caller lists as positives (`positives`, e.g. likes and purchases, never dislikes or seen-only
 * events) and, for ALS, training items with a positive confidence can be named.
 *
 * @example
 * const ctx = becauseContext(model, 3, true, Int32Array.from([10, 11]), ['liked', 'watched'], favourites);
 * ctx.because(42); // 11: the user's item that supports item 42 most
 */
export function becauseContext(
  model: Recommender | null,
  userIndex: number,
  knownUser: boolean,
  positives: ArrayLike<number>,
  verbs: readonly string[] | undefined,
  favouriteCategories: Int32Array,
): BecauseContext {
  const verbByItem = new Map<number, string>();
  const pos: number[] = [];
  for (let k = 0; k < positives.length; k++) {
    const j = positives[k];
    if (verbByItem.has(j)) continue;
    verbByItem.set(j, verbs?.[k] ?? '');
    if (pos.length < MAX_EXPLAIN_POSITIVES) pos.push(j);
  }
  let exact: ((i: number) => { item: number; contribution: number }) | null = null;
  const t = model?.training;
  let exactFailed =
    !(t && userIndex >= 0 && userIndex < t.nUsers) ||
    t.seenIndptr[userIndex + 1] - t.seenIndptr[userIndex] > MAX_EXACT_ROWS;
  const bySupport = (i: number): number => {
    if (!model) return -1;
    let best = -1,
      bestScore = 0;
    for (const j of pos) {
      if (j === i) continue;
      const s = model.itemSupport(i, j);
      if (s > bestScore) {
        best = j;
        bestScore = s;
      }
    }
    return best;
  };
  return {
    favouriteCategories,
    verbOf: (j) => verbByItem.get(j) || undefined,
    because(i: number): number {
      if (model instanceof Als && knownUser && !exactFailed) {
        try {
          // Lazily: a list whose items all have another specific reason never pays for the solve.
          exact ??= model.explainer(userIndex);
          const r = exact(i);
          if (r.item >= 0) return r.item;
        } catch {
          exactFailed = true; // a singular user system: fall back to similarities
        }
      }
      return bySupport(i);
    },
  };
}
