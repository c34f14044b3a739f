import { InvalidParameterError } from '../errors.js';

/**
 * How numbers fall into named bins:
 * - `edges`: bins [e0, e1), [e1, e2), …, [e(n-1), en); `labels` names them (default `[lo,hi)`); values outside
 *   are dropped, or put into the first / last bin with `outside: 'clamp'`. Use ±Infinity for open ends.
 * - `width`: bins [origin + k·width, origin + (k+1)·width) for every k that occurs in the data; `label(lo, hi)`
 *   names them (default `[lo,hi)`).
 *
 * @example
 * const ageBands: Bins = { edges: [0, 18, 25, Infinity], labels: ['under 18', '18-24', '25+'] };
 * const decades: Bins = decadeBins(); // 1995 → '1990s'
 */
export type Bins =
  | { edges: readonly number[]; labels?: readonly string[]; outside?: 'drop' | 'clamp' }
  | { width: number; origin?: number; label?: (lo: number, hi: number) => string };

/**
 * Decades: width-10 bins labelled '1990s'.
 *
 * @example
 * binLabel(decadeBins(), 1995); // '1990s'
 */
export function decadeBins(): Bins {
  return { width: 10, origin: 0, label: (lo) => `${lo}s` };
}

/** Checks a bin specification once, so errors name the block. */
export function checkBins(bins: Bins, who: string): void {
  if ('edges' in bins) {
    const e = bins.edges;
    if (e.length < 2) throw new InvalidParameterError(`${who}: bins need at least two edges`);
    for (let k = 1; k < e.length; k++)
      if (!(e[k] > e[k - 1])) throw new InvalidParameterError(`${who}: bin edges must increase, got ${e.join(', ')}`);
    if (bins.labels && bins.labels.length !== e.length - 1)
      throw new InvalidParameterError(`${who}: ${e.length - 1} bins but ${bins.labels.length} labels`);
    if (bins.labels && new Set(bins.labels).size !== bins.labels.length)
      throw new InvalidParameterError(`${who}: bin labels must be distinct`);
  } else if (!(bins.width > 0) || !Number.isFinite(bins.width) || !Number.isFinite(bins.origin ?? 0)) {
    throw new InvalidParameterError(`${who}: bin width must be a positive finite number, got ${bins.width}`);
  }
}

/**
 * The bin of `value`: an integer key (the edge-bin position, or k of a width bin), or null when it falls outside
 * (edges with `outside: 'drop'`) or is not a finite number.
 *
 * @example
 * binOf({ edges: [0, 10, 20] }, 10); // 1
 * binOf(decadeBins(), 1995);         // 199
 */
export function binOf(bins: Bins, value: number): number | null {
  if (!Number.isFinite(value)) return null;
  if ('edges' in bins) {
    const e = bins.edges;
    const last = e.length - 2;
    if (value < e[0]) return bins.outside === 'clamp' ? 0 : null;
    if (value >= e[e.length - 1]) return bins.outside === 'clamp' ? last : null;
    // Largest k with e[k] ≤ value.
    let lo = 0,
      hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (e[mid] <= value) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  return Math.floor((value - (bins.origin ?? 0)) / bins.width);
}

/** The name of bin `key` (as returned by `binOf`). */
export function binKeyLabel(bins: Bins, key: number): string {
  if ('edges' in bins) return bins.labels?.[key] ?? `[${bins.edges[key]},${bins.edges[key + 1]})`;
  const lo = (bins.origin ?? 0) + key * bins.width;
  const hi = lo + bins.width;
  return bins.label ? bins.label(lo, hi) : `[${lo},${hi})`;
}

/**
 * The name of the bin `value` falls into, or null.
 *
 * @example
 * binLabel({ edges: [0, 18, Infinity], labels: ['minor', 'adult'] }, 30); // 'adult'
 */
export function binLabel(bins: Bins, value: number): string | null {
  const key = binOf(bins, value);
  return key === null ? null : binKeyLabel(bins, key);
}
