/**
 * Puts a list's raw scores (popularity counts, neighbour similarities) on the responses' one scale in place:
 * `score / top` clamped to [0, 1] and never above the score of the item before it. `top` is the best raw score of
 * the whole list the page is cut from (its first item), so pages of one list share the scale.
 *
 * @example
 * const items = [{ score: 768 }, { score: 384 }];
 * toUnitScale(items, 768); // scores 1 and 0.5
 */
export function toUnitScale<T extends { score: number }>(items: T[], top: number): T[] {
  let prev = 1;
  for (const it of items) {
    let s = top > 0 && Number.isFinite(top) ? Math.max(0, it.score) / top : 0;
    if (!(s <= prev)) s = prev;
    it.score = s;
    prev = s;
  }
  return items;
}
