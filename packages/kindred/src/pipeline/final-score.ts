import type { RankedItem } from './rank.js';

/**
 * Puts a finished ranking's scores on the one scale a response shows: `score` ∈ [0, 1], the item's relevance
 * (blended model/candidate score after boosts and freshness) relative to the best relevance in the list, and never
 * higher than the score of the item above it. Re-rankers that reorder without rescoring (MMR diversity, pins) could
 * otherwise put a higher score below a lower one; such an item shows the score of the item above it. A pinned item
 * (in `pinned`) shows the score of the item above it too (1 at the top). Mutates and returns `items`, whose order
 * it keeps.
 *
 * @example
 * finalizeScores([{ item: 1, score: 2, ... }, { item: 2, score: 3, ... }], new Set());
 * // scores become 0.667 and 0.667 (the second was promoted above its relevance rank by diversity)
 */
export function finalizeScores(items: RankedItem[], pinned: ReadonlySet<number>): RankedItem[] {
  let best = -Infinity;
  for (const it of items) if (!pinned.has(it.item) && it.score > best) best = it.score;
  let prev = 1;
  for (const it of items) {
    let s: number;
    if (pinned.has(it.item)) s = prev;
    else if (best > 0 && Number.isFinite(best)) s = Math.max(0, it.score) / best;
    else s = best === it.score ? 1 : 0; // a list of equal (or no positive) relevance
    if (!(s <= prev)) s = prev; // NaN too
    it.score = s;
    prev = s;
  }
  return items;
}
