import type { Catalog } from '../catalog.js';
import { byScore, type RankedItem } from '../rank.js';
import { recencyWeight } from '../request-state.js';

/**
 * Freshness boost: score += weight · 0.5^(age / halfLifeMs) with age = now − item timestamp (items published in
 * the future count as age 0; items without a timestamp get no boost). Re-sorts.
 *
 * @example
 * // half-life 7 days: a 7-day-old item gains weight·0.5, a 14-day-old one weight·0.25
 * applyFreshness(items, catalog, Date.now(), 0.2, 7 * 86_400_000);
 */
export function applyFreshness(
  items: RankedItem[],
  catalog: Catalog,
  now: number,
  weight: number,
  halfLifeMs: number,
  resort = true,
): RankedItem[] {
  if (weight === 0) return items;
  for (const r of items) r.score += weight * recencyWeight(now - catalog.timestamp(r.item), halfLifeMs);
  return resort ? items.sort(byScore) : items;
}
