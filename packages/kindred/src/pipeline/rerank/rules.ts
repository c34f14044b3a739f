import type { Catalog } from '../catalog.js';
import type { BoostRule, PinRule } from '../config.js';
import { byScore, type RankedItem } from '../rank.js';

/**
 * Business boosts and burials: for each rule whose category or label ('key=value') the item has, score ←
 * score · multiply + add (rules apply in order). Re-sorts unless `resort` is false. Rules naming an unknown category or label match nothing.
 *
 * @example
 * applyBoosts(items, catalog, [{ category: 'Sale', multiply: 1.5 }, { label: 'brand=acme', add: -0.2 }]);
 */
export function applyBoosts(
  items: RankedItem[],
  catalog: Catalog,
  rules: readonly BoostRule[],
  resort = true,
): RankedItem[] {
  if (rules.length === 0) return items;
  const compiled = rules.map((r) => ({
    tags: r.category !== undefined ? catalog.categories : catalog.labels,
    tag: r.category !== undefined ? catalog.categoryIndex(r.category) : catalog.labelIndex(r.label!),
    multiply: r.multiply ?? 1,
    add: r.add ?? 0,
  }));
  for (const r of items)
    for (const c of compiled) if (c.tag >= 0 && c.tags.has(r.item, c.tag)) r.score = r.score * c.multiply + c.add;
  return resort ? items.sort(byScore) : items;
}

/**
 * Puts pinned items at their positions (0-based, in the full list before pagination); an item already in the
 * list moves there. Pins are placed in order of position; a position past the end appends. `make(item)` builds the
 * entry for a pinned item that was not a candidate (or returns null when it may not be shown).
 *
 * @example
 * applyPins(items, [{ index: 42, position: 0 }], (i) => ({ item: i, score: 0, ... }));
 */
export function applyPins(
  items: RankedItem[],
  pins: readonly { index: number; position: number }[],
  make: (item: number) => RankedItem | null,
): RankedItem[] {
  if (pins.length === 0) return items;
  const sorted = [...pins].sort((a, b) => a.position - b.position);
  const pinned = new Set(sorted.map((p) => p.index));
  const byItem = new Map(items.map((r) => [r.item, r]));
  const rest = items.filter((r) => !pinned.has(r.item));
  for (const p of sorted) {
    const entry = byItem.get(p.index) ?? make(p.index);
    if (!entry) continue;
    rest.splice(Math.min(p.position, rest.length), 0, entry);
  }
  return rest;
}

/** Resolves pin rules' raw ids to catalog indices, dropping unknown ids. */
export function resolvePins(catalog: Catalog, pins: readonly PinRule[]): { index: number; position: number }[] {
  const out: { index: number; position: number }[] = [];
  for (const p of pins) {
    const i = catalog.itemIds.get(p.item);
    if (i >= 0) out.push({ index: i, position: p.position });
  }
  return out;
}

/**
 * The page [offset, offset + n) of a ranked list.
 *
 * @example
 * paginate(items, 10, 10); // items 10..19
 */
export function paginate<T>(items: readonly T[], offset: number, n: number): T[] {
  return items.slice(offset, offset + n);
}
