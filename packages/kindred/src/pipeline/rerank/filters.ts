import type { Catalog } from '../catalog.js';
import type { RankedItem } from '../rank.js';
import type { RequestState } from '../request-state.js';

/**
 * Removes items the request does not allow: seen, negative, excluded (the request's mask), hidden, and outside
 * the requested category. Generators already skip them; this guards pins and custom generators.
 *
 * @example
 * items = removeDisallowed(items, state);
 */
export function removeDisallowed(items: RankedItem[], state: RequestState): RankedItem[] {
  return items.filter((r) => state.allowed(r.item));
}

/**
 * Keeps items in at least one of `include` (when non-empty) and in none of `exclude` (category indices).
 *
 * @example
 * filterByCategory(items, catalog, [catalog.categoryIndex('Kids')], []);
 */
export function filterByCategory(
  items: RankedItem[],
  catalog: Catalog,
  include: ArrayLike<number>,
  exclude: ArrayLike<number>,
): RankedItem[] {
  if (include.length === 0 && exclude.length === 0) return items;
  return items.filter((r) => {
    for (let k = 0; k < exclude.length; k++) if (catalog.categories.has(r.item, exclude[k])) return false;
    if (include.length === 0) return true;
    for (let k = 0; k < include.length; k++) if (catalog.categories.has(r.item, include[k])) return true;
    return false;
  });
}
